"""The ``clvedu`` command line: a thin layer over the package.

Each sub-command lives in its own module under :mod:`clvedu.commands` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable taking
the parsed arguments and returning an exit code. Errors a user can fix are raised as
:class:`clvedu.errors.UserError` (or ``ValueError``) and printed as one line, never as a traceback.

Every command uses the same exit codes (README, "Exit codes"): 0 done; 1 the input was read but is
invalid, or a check found gaps; 2 the input could not be read, or the command line is wrong.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from clvedu import __version__
from clvedu.errors import UserError

COMMAND_MODULES = [
    "clvedu.commands.case",
    "clvedu.commands.simulate",
    "clvedu.commands.deck",
    "clvedu.commands.coverage",
    "clvedu.commands.variants",
    "clvedu.commands.workbook",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clvedu",
        description="Customer Lifetime Value teaching kit: validate cases, simulate data, build decks.",
    )
    parser.add_argument("--version", action="version", version=f"clvedu {__version__}")
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
    except UserError as exc:
        print(f"clvedu {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except FileNotFoundError as exc:
        print(f"clvedu {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a value the input led to that no calculation accepts: invalid input
        print(f"clvedu {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
