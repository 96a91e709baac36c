"""``clvedu coverage FILE.pptx``: criteria x slides matrix from the notes' "Maps to:" lines.

Exits 0 when every learning outcome and criterion is claimed by some slide and every slide has
notes, 1 otherwise (the report says what is missing), 2 when the file cannot be read: missing, not a
.pptx, truncated, damaged, or a zip bomb (its parts' sizes are checked before it is opened). An
unreadable file gives one line, never a traceback; the report shows control characters escaped.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("coverage", help="which criteria a deck's speaker notes cover, and its talk time")
    parser.add_argument("deck", help="a .pptx file whose notes carry 'Maps to: LO1 · P1, M1' lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from clvedu.decks.coverage import format_report, read_coverage
    from clvedu.decks.text import for_terminal
    from clvedu.errors import UserError

    try:
        cov = read_coverage(args.deck)
    except UserError as exc:
        print(f"clvedu coverage: error: {for_terminal(' '.join(str(exc).split()))}", file=sys.stderr)
        return 2
    print(for_terminal(format_report(cov)))
    return 0 if cov.ok else 1
