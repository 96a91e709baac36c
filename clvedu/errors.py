"""Errors a user can fix. The CLI prints them as one line; library callers can catch them."""


class UserError(Exception):
    """A problem with the user's input (a file, a field, a parameter), described in one line."""
