"""``clvedu workbook --case CASE_DIR --out FILE.xlsx [--force]``: the CLV model as a live-formula workbook.

Writes an Excel workbook (it opens in Excel, LibreOffice Calc, Numbers and Google Sheets) with the
case's figures as input cells and every CLV, scenario, sensitivity and period-by-period value as a
formula that refers to them, so changing an input recalculates everything. A broken case prints the
validator's lines and exits 1; any other problem (an existing output without ``--force``, an output
that is not .xlsx) prints one line and exits 2. The file is written to a temporary name and renamed,
so nothing partial is left.
"""

from __future__ import annotations

import argparse
import sys

from clvedu.cases import CaseError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "workbook", help="write the case's CLV model as a spreadsheet with live formulas (.xlsx)",
        description="Write the CLV model of a case as an .xlsx workbook: the case's figures as input cells, "
                    "their conversions to each company's period, CLV in three scenarios, a sensitivity table and "
                    "a period-by-period table, all as live formulas with named cells.")
    parser.add_argument("--case", required=True, help="case folder (containing case.yaml)")
    parser.add_argument("--out", required=True, help="output .xlsx file")
    parser.add_argument("--force", action="store_true", help="replace FILE if it already exists")
    parser.set_defaults(func=run)


def _clean(text: object) -> str:
    """Text fit for a terminal: control characters (escape sequences among them) replaced by spaces."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text))


def run(args: argparse.Namespace) -> int:
    from clvedu.errors import UserError
    from clvedu.workbook import build_workbook

    try:
        result = build_workbook(args.case, args.out, overwrite=args.force)
    except CaseError as exc:
        for line in exc.problems:
            print(_clean(line), file=sys.stderr)
        return exc.exit_code
    except UserError as exc:  # an output in the way, a bad output name
        print(f"clvedu workbook: error: {_clean(exc)}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a case the formulas refuse (no finite CLV, say)
        print(f"clvedu workbook: error: {_clean(args.case)}: the case cannot be modelled: {_clean(exc)}",
              file=sys.stderr)
        return 1
    print(_clean(f"wrote {result.path} ({len(result.sheets)} sheets: {', '.join(result.sheets)}; "
                 f"{result.formulas} formulas, {result.names} named cells)"))
    return 0
