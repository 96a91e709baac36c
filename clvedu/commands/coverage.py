"""``clvedu coverage DECK... [--answers answer_key.csv] [--csv FILE] [--force]``: which criteria decks cover.

One deck gives the criteria x slides matrix from the notes' "Maps to:" lines, the talk time and the
problems; several decks, or a folder (every ``.pptx`` directly inside it), give one row per deck
(:mod:`clvedu.decks.class_report`). ``--answers`` matches each deck to a student of the answer key
``clvedu variants`` writes (the file name contains the student's id) and reports which of the student's
figures the deck shows and whether another student's figures appear instead. ``--csv`` writes the rows
to a CSV file (atomically; an existing file only with ``--force``).

Exit status: 2 when a deck cannot be read (missing, not a .pptx, truncated, damaged, or a zip bomb: its
parts' sizes are checked before it is opened), when the answer key or the output cannot be read or
written, or when more than 500 decks are given; else 1 when a deck has a criterion not covered or a
slide without notes, or (with ``--answers``) matches no student or shows another student's figures, and
when the answer key is read but unusable; else 0. An unreadable deck is one line in its row (for one
deck, on standard error) and does not stop the others; output shows control characters escaped.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "coverage", help="which criteria decks' speaker notes cover, their talk time, and (with an answer key) "
                         "whose figures they show",
        description="Read the 'Maps to: LO1 · P1, M1' line at the end of each slide's notes and report the "
                    "criteria covered, the talk time at 130 words a minute and the slides without notes: for one "
                    "deck as a criteria x slides matrix, for several decks or a folder as one row per deck.")
    parser.add_argument("deck", nargs="+", metavar="DECK",
                        help="a .pptx file whose notes carry 'Maps to:' lines, or a folder of them (every .pptx "
                             "directly inside it); at most 500 decks a run")
    parser.add_argument("--answers", metavar="KEY.csv",
                        help="the answer_key.csv written by 'clvedu variants': match each deck to the student "
                             "whose id its file name contains and look for that student's figures, and other "
                             "students' figures, on the slides and in the notes")
    parser.add_argument("--csv", metavar="FILE", help="also write one row per deck to this CSV file")
    parser.add_argument("--force", action="store_true", help="replace the --csv file if it already exists")
    parser.set_defaults(func=run)


class _Progress:
    """``coverage: 120/500 decks`` on one updating line of standard error, only on a terminal and only for
    more than :data:`AFTER` decks."""

    AFTER = 20

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int) -> None:
        if not self.tty or total <= self.AFTER:
            return
        end = "\n" if done == total else ""
        print(f"\rcoverage: {done}/{total} decks", end=end, file=self.stream, flush=True)


def _error(message: object) -> None:
    from clvedu.decks.text import for_terminal

    print(f"clvedu coverage: error: {for_terminal(' '.join(str(message).split()))}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from clvedu.decks.class_report import answer_lines, check_class, csv_text, format_table
    from clvedu.decks.coverage import format_report
    from clvedu.decks.text import for_terminal
    from clvedu.errors import UserError
    from clvedu.io import atomic_write, check_output_path

    try:
        if args.csv:
            check_output_path(args.csv, overwrite=args.force, what="--csv")  # fail now, not after reading
        report = check_class(args.deck, answers=args.answers, progress=_Progress())
    except UserError as exc:
        _error(exc)
        return exc.exit_code
    for line in report.skipped[:10]:
        print(f"clvedu coverage: note: {for_terminal(line)}", file=sys.stderr)
    if len(report.skipped) > 10:
        print(f"clvedu coverage: note: {len(report.skipped) - 10} more files skipped", file=sys.stderr)

    if len(report.results) == 1:
        result = report.results[0]
        if result.coverage is None:
            _error(result.problem)
        else:
            text = format_report(result.coverage)
            if result.answers is not None:
                text += "\n\n" + "\n".join(answer_lines(result.answers))
            print(for_terminal(text))
    else:
        print(format_table(report))

    if args.csv:
        try:
            with atomic_write(args.csv, overwrite=args.force) as tmp:
                tmp.write_bytes(csv_text(report).encode("utf-8"))
        except UserError as exc:
            _error(exc)
            return 2
        print(f"wrote {for_terminal(args.csv)} ({len(report.results)} rows)")
    return report.exit_code
