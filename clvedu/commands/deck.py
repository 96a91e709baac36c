"""``clvedu deck --case CASE_DIR --out FILE.pptx [--kind KIND] [--specs DIR] [--template T.pptx] [--force]``.

Builds a deck from a case folder. A broken case prints the validator's lines and exits 1; any
other problem (a missing template layout, an existing output without ``--force``) prints one line
and exits 2. The file is written to a temporary name and renamed, so nothing partial is left.
"""

from __future__ import annotations

import argparse
import sys

from clvedu.cases import CaseError


def register(subparsers) -> None:
    parser = subparsers.add_parser("deck", help="build the exemplar presentation or the tutor's briefing deck")
    parser.add_argument("--case", required=True, help="case folder (containing case.yaml)")
    parser.add_argument("--out", required=True, help="output .pptx file")
    parser.add_argument("--kind", default="exemplar",
                        help="which slide specification to use: exemplar (the 10-minute model answer, the default), "
                             "briefing (the task and marking deck), or any KIND.yaml in --specs")
    parser.add_argument("--specs", metavar="DIR",
                        help="a folder of slide specifications (KIND.yaml) to use instead of the kit's templates/, "
                             "for example a tutor's edited copy")
    parser.add_argument("--template", help="a .pptx whose slide master and layouts to use (layouts found by name)")
    parser.add_argument("--force", action="store_true", help="replace FILE if it already exists")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from clvedu.decks.build import build_deck
    from clvedu.decks.coverage import WORDS_PER_MINUTE

    try:
        result = build_deck(args.case, args.out, kind=args.kind, template=args.template, overwrite=args.force,
                            templates_dir=args.specs)
    except CaseError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return 1
    minutes = result.words / WORDS_PER_MINUTE
    print(f"wrote {result.path} ({len(result.slides)} slides, {result.words} words of notes ≈ {minutes:.1f} minutes)")
    return 0
