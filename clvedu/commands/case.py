"""``clvedu case validate PATH`` and ``clvedu case show PATH``: check a case folder, or summarise it.

``validate`` checks ``case.yaml`` and, when the folder has one, ``journey.yaml`` against it; it prints
``ok: PATH (2 companies, 80 figures, 29 sources; journey.yaml checked)`` and exits 0, or prints one
line per problem to stderr (``<file>: <field.path>: <problem>``) and exits 1.
"""

from __future__ import annotations

import argparse
import sys

from clvedu.cases import CaseError, load_case
from clvedu.cases.journey import JourneyError, journey_file, load_journey
from clvedu.formatting import money, percent


def register(subparsers) -> None:
    parser = subparsers.add_parser("case", help="check or summarise a case folder (case.yaml)")
    actions = parser.add_subparsers(dest="case_command", metavar="ACTION")
    actions.required = True

    validate = actions.add_parser("validate", help="check a case folder and list every problem")
    validate.add_argument("path", help="case folder or its case.yaml")
    validate.set_defaults(func=run_validate)

    show = actions.add_parser("show", help="print a compact summary of a case's CLV inputs")
    show.add_argument("path", help="case folder or its case.yaml")
    show.add_argument("--scenario", choices=("base", "low", "high"), default="base",
                      help="which end of each assumption's range to use (low = pessimistic for CLV)")
    show.set_defaults(func=run_show)


def _load(path: str):
    try:
        return load_case(path)
    except CaseError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return None


def run_validate(args: argparse.Namespace) -> int:
    case = _load(args.path)
    if case is None:
        return 1
    journey = ""
    if case.path is not None and journey_file(case.path).is_file():
        try:
            load_journey(case.path, case=case)
        except JourneyError as exc:
            for line in exc.problems:
                print(line, file=sys.stderr)
            return 1
        journey = f"; {journey_file(case.path).name} checked"
    figures = len(case.shared) + sum(len(c.figures) for c in case.companies.values())
    print(f"ok: {args.path} ({len(case.companies)} companies, {figures} figures, {len(case.sources)} sources{journey})")
    return 0


def run_show(args: argparse.Namespace) -> int:
    case = _load(args.path)
    if case is None:
        return 1
    print(f"{case.title}  [{args.scenario} scenario, {case.currency}]")
    header = f"{'company':<22} {'revenue/member':>18} {'margin':>7} {'churn':>16} {'discount':>16} {'acquisition':>12}"
    print(header)
    print("-" * len(header))
    for cid, company in case.companies.items():
        x = case.clv_inputs(cid, args.scenario)
        print(f"{company.name[:22]:<22} {money(x.arpu.value, case.currency, per=x.period):>18} "
              f"{percent(x.margin_rate, 0):>7} {percent(x.churn.value, 2) + ' a ' + x.period:>16} "
              f"{percent(x.discount.value, 3) + ' a ' + x.period:>16} {money(x.acquisition_cost, case.currency):>12}")
    kinds = {"reported": 0, "assumption": 0, "derived": 0}
    for figures in [case.shared, *(c.figures for c in case.companies.values())]:
        for fig in figures.values():
            kinds[fig.kind] += 1
    print(f"figures: {kinds['reported']} reported, {kinds['assumption']} assumptions, {kinds['derived']} derived; "
          f"sources: {len(case.sources)}")
    return 0
