"""Rules that need the whole case: sources exist, derivations resolve, each company has what its CLV needs.

A case that passes these checks can be analysed: every company's CLV is a finite number in every
scenario, so ``clvedu case validate`` saying ``ok`` means both decks will build. Each problem is a
(field path, message) pair; the loader adds the file name and the YAML line.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from clvedu.cases.derive import compute_derived, resolve
from clvedu.cases.schema import Figure, Loc, unit_family
from clvedu.domain.relationships import PESSIMISTIC_END, RELATIONSHIPS, SHARED_FIGURES, FigureNeed
from clvedu.units import convert_rate

if TYPE_CHECKING:
    from clvedu.cases.schema import CaseData

SCENARIOS = ("base", "low", "high")


def case_problems(case: "CaseData") -> list[tuple[Loc, str]]:
    """Every whole-case problem, in file order as far as possible."""
    problems = _source_problems(case)
    problems += compute_derived(case)
    problems += _figure_problems(case)
    problems += _group_problems(case)
    if not problems:
        problems += _value_problems(case)
    return problems


def _source_problems(case: "CaseData") -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    known = ", ".join(case.sources) or "(none)"

    def check(loc: Loc, source_id: str | None) -> None:
        if source_id is not None and source_id not in case.sources:
            problems.append((loc, f"unknown source id {source_id!r}; the case's sources are: {known}"))

    for fid, fig in case.shared.items():
        check(("shared", fid, "source"), fig.source)
    for cid, company in case.companies.items():
        for fid, fig in company.figures.items():
            check(("companies", cid, "figures", fid, "source"), fig.source)
        for i, plan in enumerate(company.plans):
            check(("companies", cid, "plans", i, "source"), plan.source)
        for i, event in enumerate(company.events):
            check(("companies", cid, "events", i, "source"), event.source)
        for i, segment in enumerate(company.segments):
            for part in ("customer_share", "revenue", "churn"):
                value = getattr(segment, part)
                if value is not None:
                    check(("companies", cid, "segments", i, part, "source"), value.source)
    return problems


def _need_problem(case: "CaseData", fid: str, fig: Figure, need: FigureNeed) -> tuple[tuple, str] | None:
    """(sub-path, message) when ``fig`` does not fit what CLV needs of it."""
    family = unit_family(fig.unit)
    if need.family in ("orders", "seats"):
        if fig.unit != need.family:
            return ("unit",), f"{fid} is used for CLV and must have unit {need.family!r}; got {fig.unit!r}"
    elif family != need.family:
        wanted = case.currency if need.family == "money" else need.family
        return ("unit",), f"{fid} is used for CLV and must have unit {wanted!r}; got {fig.unit!r}"
    elif need.family == "money" and fig.unit != case.currency:
        return ("unit",), f"{fid} must be in the case currency {case.currency} without a scale; got {fig.unit!r}"
    if need.needs_per and fig.per is None:
        return ("per",), f"{fid} is used for CLV and needs a period (per: month, year, ...)"
    if not need.needs_per and fig.per is not None:
        why = "is paid once" if need.once else "is not a per-period figure"
        return ("per",), f"{fid} {why}; remove per"
    return None


def _figure_problems(case: "CaseData") -> list[tuple[Loc, str]]:
    """Every company has the figures its relationship needs, with usable units and periods."""
    problems: list[tuple[Loc, str]] = []
    for fid, need in SHARED_FIGURES.items():
        fig = case.shared.get(fid)
        if fig is None:
            problems.append((("shared", fid), f"figure required for CLV ({need.meaning}) is missing from the case's shared figures"))
        elif fig.value is not None and (found := _need_problem(case, fid, fig, need)):
            problems.append((("shared", fid) + found[0], found[1]))
    for cid, company in case.companies.items():
        rel = RELATIONSHIPS[company.relationship]
        loc = ("companies", cid, "figures")
        for fid, need in rel.required.items():
            if fid not in company.figures:
                problems.append((loc + (fid,), f"figure required for the CLV of a {rel.id} company ({need.meaning}) "
                                               f"is missing from company {cid!r}"))
        for fid, need in rel.figures.items():
            fig = company.figures.get(fid)
            if fig is None or fig.value is None:  # a derivation that failed is reported where it failed
                continue
            if found := _need_problem(case, fid, fig, need):
                problems.append((loc + (fid,) + found[0], found[1]))
        others = {f for r in RELATIONSHIPS.values() for f in r.required if f not in rel.figures}
        wrong = [f for f in company.figures if f in others and company.figures[f].kind != "reported"]
        for fid in wrong:
            owner = next(r.id for r in RELATIONSHIPS.values() if fid in r.required)
            problems.append((loc + (fid,), f"{fid} is a CLV input of a {owner} company, but {cid!r} is a {rel.id} "
                                           f"company; set relationship: {owner} or rename the figure"))
    return problems


def figure_group(case: "CaseData", owner: str, fid: str) -> str | None:
    """The customers a figure measures: its own ``group``, else (for a derived figure) the group of the figure it
    is derived from, followed to its origin; None when nothing says."""
    seen: set[tuple[str, str]] = set()
    while (owner, fid) not in seen:
        seen.add((owner, fid))
        figures = case.shared if owner == "shared" else case.companies[owner].figures
        fig = figures[fid]
        if fig.group is not None or fig.kind != "derived" or fig.derive is None:
            return fig.group
        found = resolve(case, owner, fig.derive.from_)
        if found is None:
            return None
        owner, fid = found
    return None


def _group_problems(case: "CaseData") -> list[tuple[Loc, str]]:
    """Every CLV input of a company with a ``customer_group`` describes that group (directly or through the figure
    it is derived from), or says in ``borrowed`` whose measure it is and why it stands in."""
    problems: list[tuple[Loc, str]] = []
    for cid, company in case.companies.items():
        group = company.customer_group
        rel = RELATIONSHIPS[company.relationship]
        for fid in rel.figures:
            fig = company.figures.get(fid)
            if fig is None:
                continue
            loc = ("companies", cid, "figures", fid)
            if fig.borrowed is not None and group is None:
                problems.append((loc + ("borrowed",), f"borrowed says {fid} comes from other customers, so company "
                                                      f"{cid!r} needs customer_group: the customers its CLV describes"))
                continue
            measured = figure_group(case, cid, fid)
            if group is not None and measured is not None and measured != group and fig.borrowed is None:
                problems.append((loc, f"{fid} measures {measured!r}, but {cid!r}'s CLV is for {group!r}; use a "
                                      "figure of that group, or say in borrowed whose figure it is and why it stands in"))
    return problems


def _scenario_value(fig: Figure, fid: str, scenario: str) -> float:
    if scenario == "base":
        return float(fig.value)  # type: ignore[arg-type]
    pessimistic = PESSIMISTIC_END.get(fid, "low")
    end = pessimistic if scenario == "low" else ("high" if pessimistic == "low" else "low")
    return float(fig.bound(end))


def _value_problems(case: "CaseData") -> list[tuple[Loc, str]]:
    """Values that would make CLV meaningless or infinite in some scenario, named where they are typed."""
    problems: list[tuple[Loc, str]] = []
    discount = case.shared["discount_rate"]
    for cid, company in case.companies.items():
        rel = RELATIONSHIPS[company.relationship]
        figures = company.figures
        loc = ("companies", cid, "figures")
        noun = company.customer_noun or case.customer_noun
        for fid in ("arpu", "order_value", "purchase_frequency", "seats", "price_per_seat", "contribution_margin"):
            if fid in rel.required and any(_scenario_value(figures[fid], fid, s) <= 0 for s in SCENARIOS):
                problems.append((loc + (fid,), f"{fid} must be above 0 in every scenario (value, low and high): with "
                                               f"nothing earned per {noun} there is no lifetime value to compare"))
        stay = figures[rel.retention_figure]
        for scenario in SCENARIOS:
            v = _scenario_value(stay, rel.retention_figure, scenario)
            r = 1.0 - v if rel.retention_is_churn else v
            if r >= 1.0:
                problems.append((loc + (rel.retention_figure,),
                                 f"{rel.retention_figure} gives retention 1 in the {scenario} scenario: a {noun} who never "
                                 f"leaves has no finite lifetime value; use a {rel.leaving_noun} rate above 0 "
                                 f"(e.g. {'0.02' if rel.retention_is_churn else '0.98'})"))
                break
            g_fig = figures.get(rel.growth_figure)
            g = _scenario_value(g_fig, rel.growth_figure, scenario) if g_fig is not None else 0.0
            d = _scenario_value(discount, "discount_rate", scenario)
            # convert growth and discount to the retention figure's period, as the analysis will
            per = stay.per
            d_p = float(convert_rate(d, discount.per, per))
            g_p = float(convert_rate(g, g_fig.per, per)) if g_fig is not None else 0.0
            if not r * (1 + g_p) < 1 + d_p or not math.isfinite(d_p):
                where = (("companies", cid, "figures", rel.growth_figure) if g_fig is not None else ("shared", "discount_rate"))
                problems.append((where, f"in the {scenario} scenario {rel.stay_noun} {r:.4g} x (1 + growth {g_p:.4g}) is not "
                                        f"below 1 + discount {1 + d_p:.4g} a {per}, so the discounted margins never stop "
                                        f"adding up and CLV is infinite; lower {rel.growth_figure} or raise discount_rate"))
                break
    return problems
