"""Errors a user can fix. The CLI prints them as one line; library callers can catch them.

Each carries the exit code the command line ends with (README, "Exit codes"): 2 when the input could
not be read at all (a missing file, malformed YAML, a corrupt deck, an output in the way), 1 when it was
read but is invalid (a case whose values break a rule).
"""


class UserError(Exception):
    """A problem with the user's input (a file, a field, a parameter), described in one line."""

    exit_code = 2


class InvalidInput(UserError):
    """Input that was read but breaks a rule (a negative price, churn of 0): exit code 1."""

    exit_code = 1
