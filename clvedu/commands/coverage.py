"""``clvedu coverage FILE.pptx``: criteria x slides matrix from the notes' "Maps to:" lines.

Exits 0 when every learning outcome and criterion is claimed by some slide and every slide has
notes, 1 otherwise (the report says what is missing), 2 when the file cannot be read.
"""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser("coverage", help="which criteria a deck's speaker notes cover, and its talk time")
    parser.add_argument("deck", help="a .pptx file whose notes carry 'Maps to: LO1 · P1, M1' lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from clvedu.decks.coverage import format_report, read_coverage

    cov = read_coverage(args.deck)
    print(format_report(cov))
    return 0 if cov.ok else 1
