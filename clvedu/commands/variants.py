"""``clvedu variants --case DIR --roster ROSTER.csv --out DIR [--seed N] [--no-pdf] [--force]``.

Writes a variant of the case for every student of the roster (``OUT/<student id>/case.yaml``, with the
case's ``journey.yaml``), each student's one-page data sheet (``data_sheet.html``, and ``data_sheet.pdf``
when LibreOffice is installed) and the tutor's answer key (``OUT/answer_key.csv`` and ``.xlsx``); see
:mod:`clvedu.variants`. Progress goes to standard error: one updating line on a terminal, else a line
every ten students.

Exit status: 0 done; 1 the case or the roster was read but cannot be used, or some data sheets could not
be converted to PDF (the rest is written); 2 a file could not be read, an output exists without
``--force``, or the command line is wrong.
"""

from __future__ import annotations

import argparse
import secrets
import sys

from clvedu.cases import CaseError
from clvedu.cases.journey import JourneyError

PROGRESS_EVERY = 10


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "variants", help="a unique case variant and data sheet for every student, and the tutor's answer key",
        description="Draw every assumption of the case within its range, separately for each student of the "
                    "roster, and write each student's case folder and one-page data sheet, and an answer key for "
                    "the tutor. The same seed and roster always give the same files.")
    parser.add_argument("--case", required=True, help="case folder (containing case.yaml)")
    parser.add_argument("--roster", required=True,
                        help="CSV file with a student_id column (letters, digits, - _ .); other columns are copied "
                             "into the answer key")
    parser.add_argument("--out", required=True, help="folder for the students' folders and the answer key "
                                                     "(created if missing)")
    parser.add_argument("--seed", type=int, default=None,
                        help="whole number from 0 that decides every draw; keep it private (default: a random "
                             "seed, printed so that the set can be made again)")
    parser.add_argument("--no-pdf", action="store_true", help="write the data sheets as HTML only, even when "
                                                              "LibreOffice is installed")
    parser.add_argument("--force", action="store_true", help="replace outputs of an earlier run")
    parser.set_defaults(func=run)


class _Progress:
    """Progress on standard error: one updating line on a terminal, else a line every ten students."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.open_line = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "pdf":
            self.end()
            print(f"data sheets: converting {total} to PDF with LibreOffice", file=self.stream, flush=True)
            return
        if self.tty:
            print(f"\rvariants: {done}/{total} students", end="", file=self.stream, flush=True)
            self.open_line = done < total
            if done == total:
                print(file=self.stream, flush=True)
        elif done % PROGRESS_EVERY == 0 or done == total:
            print(f"variants: {done}/{total} students", file=self.stream, flush=True)

    def end(self) -> None:
        if self.open_line:
            print(file=self.stream, flush=True)
            self.open_line = False


def run(args: argparse.Namespace) -> int:
    from clvedu.errors import UserError
    from clvedu.variants import RosterError, generate_variants

    seed = args.seed if args.seed is not None else secrets.randbelow(2**32)
    progress = _Progress()
    try:
        result = generate_variants(args.case, args.roster, args.out, seed=seed, overwrite=args.force,
                                   pdf=not args.no_pdf, progress=progress)
    except (CaseError, JourneyError) as exc:
        progress.end()
        for line in exc.problems:
            print(line, file=sys.stderr)
        return getattr(exc, "exit_code", 1)
    except RosterError as exc:
        progress.end()
        print(f"clvedu variants: error: {exc}", file=sys.stderr)
        return 1
    except UserError:
        progress.end()
        raise
    files = "case.yaml, data_sheet.html" + (" and data_sheet.pdf" if result.pdfs else "")
    print(f"wrote {result.students} variants in {result.out}: {files} in each student's folder; "
          f"answer_key.csv and answer_key.xlsx for the tutor")
    print(f"seed {result.seed}: keep it, the roster and the answer key away from students (with the roster and "
          "the seed anyone can make the key again)")
    if result.same_numbers:
        groups = "; ".join(" and ".join(ids) for ids in result.same_numbers[:3])
        print(f"note: {sum(len(g) for g in result.same_numbers)} students share their numbers with a classmate "
              f"({groups}{' ...' if len(result.same_numbers) > 3 else ''}): the case's ranges allow too few "
              "different variants for this class; widen them or give more assumptions a range", file=sys.stderr)
    if result.writer_missing and not args.no_pdf:
        print("LibreOffice is installed without Writer, which reads HTML (on Debian or Ubuntu: libreoffice-writer), "
              "so the data sheets are HTML only", file=sys.stderr)
    elif result.soffice is None and not args.no_pdf:
        print("LibreOffice (soffice) is not installed, so the data sheets are HTML only", file=sys.stderr)
    if result.pdf_failed:
        shown = ", ".join(result.pdf_failed[:5]) + (" ..." if len(result.pdf_failed) > 5 else "")
        print(f"clvedu variants: error: LibreOffice did not convert {len(result.pdf_failed)} of {result.students} "
              f"data sheets to PDF ({shown}); their HTML sheets and the answer key are written", file=sys.stderr)
        return 1
    return 0
