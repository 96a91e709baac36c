"""``clvedu case validate PATH`` and ``clvedu case show PATH``: check a case folder, or summarise it.

``validate`` checks ``case.yaml`` and, when the folder has one, ``journey.yaml`` against it, then runs the
whole case analysis (the one the book and the decks render), so a case that validates builds both decks;
it prints ``ok: PATH (2 companies, 80 figures, 29 sources; journey.yaml checked)`` and exits 0, or prints
one line per problem to stderr (``<file>: <field.path>: <problem>``) and exits 1. A negative CLV is a
legitimate result and is reported as a note, not a problem.

``show`` prints each company's CLV inputs with their periods and its CLV by scenario; ``--json`` prints
one JSON object instead::

    {"title", "currency", "companies": {ID: {"name", "relationship", "period", "customer_noun",
      "inputs": {FIGURE: {"value", "unit", "per"}}, "clv": {"low", "base", "high"}}}}

with CLV net of acquisition cost, in the case's currency.
"""

from __future__ import annotations

import argparse
import json
import sys

from clvedu.cases import CaseError, load_case
from clvedu.cases.journey import JourneyError, journey_file, load_journey
from clvedu.errors import UserError
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
    show.add_argument("--json", action="store_true", help="print one JSON object: inputs and CLV by scenario")
    show.set_defaults(func=run_show)


def _load(path: str):
    """(case, 0), or (None, exit code) after printing one line per problem."""
    try:
        return load_case(path), 0
    except CaseError as exc:
        for line in exc.problems:
            print(_clean(line), file=sys.stderr)
        return None, exc.exit_code


def run_validate(args: argparse.Namespace) -> int:
    case, code = _load(args.path)
    if case is None:
        return code
    journey = ""
    if case.path is not None and journey_file(case.path).is_file():
        try:
            load_journey(case.path, case=case)
        except JourneyError as exc:
            for line in exc.problems:
                print(_clean(line), file=sys.stderr)
            return exc.exit_code
        journey = f"; {journey_file(case.path).name} checked"
    try:
        from clvedu.simulate import case_attributes

        if case_attributes(case):
            journey += "; synthetic.yaml checked"
    except UserError as exc:
        print(_clean(str(exc)), file=sys.stderr)
        return exc.exit_code
    analysis = _analyse(case, args.path)
    if analysis is None:
        return 1
    figures = len(case.shared) + sum(len(c.figures) for c in case.companies.values())
    print(f"ok: {_clean(str(args.path))} ({len(case.companies)} companies, {figures} figures, {len(case.sources)} "
          f"sources{journey})")
    for company in analysis.companies.values():
        if company.clv.base < 0:
            print(f"note: {_clean(company.name)}'s CLV is negative ({money(company.clv.base, case.currency)} per new "
                  f"{company.noun}): acquisition costs more than the discounted margins. That is a legitimate result.")
    return 0


def _clean(text: str) -> str:
    """Text fit for a terminal: control characters (escape sequences among them) replaced by spaces."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _analyse(case, path):
    """The case analysis, or None after printing one line per problem."""
    from clvedu.analysis import analyse_case

    try:
        return analyse_case(case)
    except JourneyError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
    except (UserError, ValueError) as exc:
        print(f"{case.path or path}: the case validates but cannot be analysed: {_clean(str(exc))}", file=sys.stderr)
    return None


def show_json(case) -> dict:
    """The object ``clvedu case show --json`` prints (see the module notes)."""
    from clvedu.analysis import analyse_case

    analysis = analyse_case(case, load_journey=False)
    companies = {}
    for cid, company in analysis.companies.items():
        inputs = {}
        for owner, fid in case.clv_figures(cid):
            fig = case.figure(owner, fid)
            inputs[fid] = {"value": case.scenario_value(owner, fid, "base"), "unit": fig.unit, "per": fig.per}
        companies[cid] = {"name": company.name, "relationship": company.relationship.id, "period": company.period,
                          "customer_noun": company.noun, "inputs": inputs,
                          "clv": {"low": company.clv.low, "base": company.clv.base, "high": company.clv.high}}
    return {"title": case.title, "currency": case.currency, "companies": companies}


def run_show(args: argparse.Namespace) -> int:
    case, code = _load(args.path)
    if case is None:
        return code
    if args.json:
        try:
            print(json.dumps(show_json(case), indent=2, ensure_ascii=False))
        except (UserError, ValueError) as exc:
            print(f"{case.path or args.path}: the case cannot be analysed: {_clean(str(exc))}", file=sys.stderr)
            return 1
        return 0
    print(_clean(f"{case.title}  [{args.scenario} scenario, {case.currency}]"))
    header = (f"{'company':<22} {'relationship':<16} {'revenue/' + case.customer_noun[:10]:>20} {'margin':>7} "
              f"{'leaving':>16} {'discount':>16} {'acquisition':>12} {'CLV':>12}")
    print(header)
    print("-" * len(header))
    from clvedu.levers import clv

    for cid, company in case.companies.items():
        x = case.clv_inputs(cid, args.scenario)
        print(_clean(f"{company.name[:22]:<22} {company.relationship:<16} "
                     f"{money(x.arpu.value, case.currency, per=x.period):>20} "
                     f"{percent(x.margin_rate, 0):>7} {percent(x.churn.value, 2) + ' a ' + x.period:>16} "
                     f"{percent(x.discount.value, 3) + ' a ' + x.period:>16} {money(x.acquisition_cost, case.currency):>12} "
                     f"{money(clv(x), case.currency):>12}"))
    kinds = {"reported": 0, "assumption": 0, "derived": 0}
    for figures in [case.shared, *(c.figures for c in case.companies.values())]:
        for fig in figures.values():
            kinds[fig.kind] += 1
    print(f"figures: {kinds['reported']} reported, {kinds['assumption']} assumptions, {kinds['derived']} derived; "
          f"sources: {len(case.sources)}")
    return 0
