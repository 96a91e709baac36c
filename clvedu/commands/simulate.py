"""``clvedu simulate CASE [--out DIR] [--seed N] [--customers N] [--heterogeneity H] [--force]``.

Writes seeded synthetic customer data for every company of a case, one CSV per table, each following the
company's customer relationship (a subscription panel, a purchase log and its customers, or an account panel
and its contract terms; see :mod:`clvedu.simulate`), plus ``README_synthetic.txt`` describing every file and
column. Every file name contains "synthetic". The default folder is ``<case folder name>_synthetic`` in the
current folder, so the kit's own case folders are never written to.

Existing files are never replaced without ``--force``. Every file is first written to a temporary name in the
output folder and all are renamed only when all are complete, so a failure leaves no partial file. A broken
case prints the validator's lines and exits 1; any other problem prints one line and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

from clvedu.errors import UserError

README_NAME = "README_synthetic.txt"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="write synthetic customer data for a case (panels, purchase logs, account panels) as CSV",
        description=(
            "Write seeded SYNTHETIC customer data for every company of a case, one CSV per table: a subscription "
            "panel with the case's own plans and prices (sBG churn at the case's churn), a purchase log and a "
            "customers table (BG/NBD buying and Gamma-Gamma order values at the case's frequency, active "
            "retention and order value), or an account panel and its contract terms (accounts leave only at a "
            "term end, at the case's renewal rate). Column names carry the case's currency and customer noun. "
            "Every file name contains 'synthetic'; the same seed gives the same files."
        ),
    )
    parser.add_argument("case_dir", metavar="CASE", help="case folder holding case.yaml")
    parser.add_argument("--out", metavar="DIR",
                        help="folder for the CSV files (default: <case folder name>_synthetic in the current folder)")
    parser.add_argument("--seed", type=int, default=0, help="random seed, a whole number >= 0 (default 0)")
    parser.add_argument("--customers", type=int, default=5000,
                        help="customers (or accounts) per company (default 5000)")
    parser.add_argument("--heterogeneity", type=float, default=0.5,
                        help="spread of customers' chances of leaving, 1/(alpha+beta) of the sBG and of the "
                             "BG/NBD drop-out (default 0.5)")
    parser.add_argument("--force", action="store_true", help="replace files that already exist")
    parser.set_defaults(func=run)


def _params_text(params: dict) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def readme_text(case, tables, command: str) -> str:
    """The README written beside the CSV files: the synthetic-data note, the command, and each file's
    description, generating parameters and columns."""
    from clvedu.simulate import SYNTHETIC_NOTE

    lines = [SYNTHETIC_NOTE, "", f"Case: {case.title} (money in {case.currency})", f"Made by: {command}", ""]
    for table in tables:
        lines += [f"{table.file_name}: {table.description} ({len(table.frame):,} rows)"]
        if table.method:
            lines.append(f"  how it follows the case (teaching assumptions): {table.method}")
        lines.append(f"  parameters: {_params_text(table.parameters)}")
        lines += [f"  - {column}: {text}" for column, text in table.columns.items()]
        lines.append("")
    return "\n".join(lines)


def _write(tables, readme: str, out: Path, force: bool) -> list[Path]:
    targets = [out / t.file_name for t in tables] + [out / README_NAME]
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: is a file, not a folder; choose another --out")
    existing = [p for p in targets if p.exists() or p.is_symlink()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise UserError(f"{existing[0]} already exists{more}; use --force to replace, or choose another --out")
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out}: cannot create the folder ({exc.strerror or exc})") from None
    try:
        with ExitStack() as stack:
            from clvedu.io import atomic_write

            temporary = [stack.enter_context(atomic_write(path, overwrite=force)) for path in targets]
            for table, tmp in zip(tables, temporary):
                table.frame.to_csv(tmp, index=False, date_format="%Y-%m-%d", lineterminator="\n")
            temporary[-1].write_text(readme, encoding="utf-8")
    except BaseException as exc:
        if created:  # leave no empty folder behind either
            try:
                out.rmdir()
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise UserError(f"{out}: cannot write the synthetic data there ({exc.strerror or exc})") from None
        raise
    return targets


def run(args: argparse.Namespace) -> int:
    from clvedu.cases import CaseError, load_case
    from clvedu.simulate import simulate_case

    if not 1 <= args.customers <= 2_000_000:
        raise UserError(f"--customers must be between 1 and 2,000,000; got {args.customers}")
    if args.seed < 0:
        raise UserError(f"--seed must be a whole number >= 0; got {args.seed}")
    if not args.heterogeneity > 0:
        raise UserError(f"--heterogeneity must be above 0; got {args.heterogeneity}")
    case_dir = Path(args.case_dir)
    if not (case_dir / "case.yaml").is_file():
        raise UserError(f"{case_dir}: no case.yaml found; give the case folder, e.g. case_studies/netflix_vs_prime_video")
    try:
        case = load_case(case_dir)
    except CaseError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return 1
    tables = simulate_case(case, args.customers, seed=args.seed, heterogeneity=args.heterogeneity)
    out = Path(args.out) if args.out else Path.cwd() / f"{case_dir.resolve().name}_synthetic"
    command = (f"clvedu simulate {case_dir} --seed {args.seed} --customers {args.customers} "
               f"--heterogeneity {args.heterogeneity:g}")
    written = _write(tables, readme_text(case, tables, command), out, args.force)
    for path in written:
        print(path)
    return 0
