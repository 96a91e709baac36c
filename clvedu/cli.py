"""The ``clvedu`` command line: a thin layer over the package.

Each sub-command lives in its own module under :mod:`clvedu.commands` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable taking
the parsed arguments and returning an exit code. Errors a user can fix are raised as
:class:`clvedu.errors.UserError` (or ``ValueError``) and printed as one line, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from clvedu.errors import UserError

COMMAND_MODULES = [
    "clvedu.commands.case",
    "clvedu.commands.simulate",
    "clvedu.commands.deck",
    "clvedu.commands.coverage",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clvedu",
        description="Customer Lifetime Value teaching kit: validate cases, simulate data, build decks.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UserError, ValueError, FileNotFoundError) as exc:
        print(f"clvedu {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
