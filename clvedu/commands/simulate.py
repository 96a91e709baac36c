"""``clvedu simulate CASE_DIR``: write seeded synthetic customer data for a case into CASE_DIR/synthetic/."""

from __future__ import annotations

import argparse
from pathlib import Path

from clvedu.errors import UserError
from clvedu.io import atomic_write


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="write synthetic customer data (subscription panels, a purchase log) for a case",
        description=(
            "Write seeded SYNTHETIC customer data for a case into CASE_DIR/synthetic/: a subscription panel per "
            "company (sBG churn set from the case's monthly churn) and, for a company marked "
            "'repeat_purchases: true' in case.yaml (a retail membership), a purchase log and a members table. Every file name "
            "contains 'synthetic'; the same seed gives the same files."
        ),
    )
    parser.add_argument("case_dir", metavar="CASE_DIR", help="case folder holding case.yaml")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--customers", type=int, default=5000, help="customers per data set (default 5000)")
    parser.add_argument("--heterogeneity", type=float, default=0.5,
                        help="spread of churn probabilities, 1/(alpha+beta) of the sBG model (default 0.5)")
    parser.set_defaults(func=run)


def _write_csv(frame, path: Path) -> None:
    with atomic_write(path) as tmp:
        frame.to_csv(tmp, index=False)


def run(args: argparse.Namespace) -> int:
    from clvedu.cases import load_case
    from clvedu.simulate import SYNTHETIC_NOTE, purchase_log_from_case, subscription_panel_from_case

    if args.customers < 1 or args.customers > 2_000_000:
        raise UserError(f"--customers must be between 1 and 2,000,000; got {args.customers}")
    case_dir = Path(args.case_dir)
    if not (case_dir / "case.yaml").is_file():
        raise UserError(f"{case_dir}: no case.yaml found; give the case folder, e.g. case_studies/netflix_vs_prime_video")
    case = load_case(case_dir)
    out = case_dir / "synthetic"
    out.mkdir(exist_ok=True)
    written = []
    for company_id in case.companies:
        panel = subscription_panel_from_case(case, company_id, args.customers, heterogeneity=args.heterogeneity,
                                             seed=args.seed)
        path = out / f"{company_id}_synthetic_subscription_panel.csv"
        _write_csv(panel, path)
        written.append((path, panel.attrs["parameters"]))
        if case.companies[company_id].repeat_purchases:
            data = purchase_log_from_case(case, company_id, args.customers, seed=args.seed)
            for frame, kind in ((data.transactions, "purchase_log"), (data.members, "members")):
                path = out / f"{company_id}_synthetic_{kind}.csv"
                _write_csv(frame, path)
                written.append((path, frame.attrs["parameters"]))
    lines = [SYNTHETIC_NOTE, "", f"Made by: clvedu simulate {case_dir} --seed {args.seed} --customers {args.customers} "
             f"--heterogeneity {args.heterogeneity}", "", "Files and the parameters that generated them:"]
    for path, params in written:
        lines.append(f"- {path.name}: " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                                   for k, v in params.items()))
    readme = out / "README_synthetic.txt"
    with atomic_write(readme) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for path, _ in written:
        print(path)
    print(readme)
    return 0
