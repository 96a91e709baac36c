"""Everything a deck template may show, computed once from the case, the rubric and the kit.

Templates never compute: :func:`build_context` works out every number with :mod:`clvedu` and
formats it with its unit and period (``"$16.28 a month"``, ``"2.2% monthly churn"``); the
templates only arrange the words. The context holds plain dicts, lists and strings, which the
sandboxed Jinja2 environment can read and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clvedu.cases import Case
from clvedu.cases.journey import load_journey
from clvedu.charts.builders import tornado_chart
from clvedu.charts.spec import ChartSpec, Series
from clvedu.clv import lifetime_value
from clvedu.decisions import stage_table
from clvedu.decks import analysis
from clvedu.levers import clv as clv_of
from clvedu.levers import break_even_churn, with_arpu, with_churn
from clvedu.published_examples import PUBLISHED_EXAMPLE
from clvedu.formatting import CURRENCY_SYMBOLS, money, percent
from clvedu.rubric import Rubric
from clvedu.units import ADJECTIVE, Churn

TIMINGS = ("end", "start", "end_all")
LEVER_NAMES = {"churn": "cutting churn", "arpu": "raising revenue per member", "acquisition": "cheaper acquisition"}


@dataclass
class Table:
    """A native table: a header row, body rows and relative column widths."""

    header: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None
    note: str = ""


@dataclass
class DeckContext:
    """Template variables (``values``), native tables and charts by key, and the sources cited."""

    values: dict[str, Any]
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, list[ChartSpec]] = field(default_factory=dict)
    colors: list[str] = field(default_factory=list)


# --- formatting --------------------------------------------------------------------------------------

def _fmt_money(case: Case, value: float, per: str | None = None, decimals: int = 2) -> str:
    return money(value, case.currency, per=per, decimals=decimals)


def _number_format(case: Case) -> str:
    symbol = CURRENCY_SYMBOLS.get(case.currency.upper())
    return f"{symbol}{{:,.0f}}" if symbol else f"{{:,.0f}} {case.currency}"


def _years(months_or_periods: float, period: str) -> str:
    from clvedu.units import PERIODS_PER_YEAR

    years = months_or_periods / PERIODS_PER_YEAR[period]
    return f"{years:.1f} years"


def _basis(case: Case, company_id: str, figure_id: str) -> tuple[str, str]:
    """(short kind letter, one-line basis) of a figure: the citation or the reason."""
    fig = case.figure(company_id, figure_id)
    if fig.kind == "reported":
        return "R", case.citation(fig.source)  # type: ignore[arg-type]
    if fig.kind == "derived":
        return "D", fig.reason or case.derivation(company_id, figure_id)
    return "A", fig.reason or ""


# --- one company ---------------------------------------------------------------------------------

def _company_view(case: Case, company_id: str) -> dict[str, Any]:
    company = case.companies[company_id]
    x = case.clv_inputs(company_id)
    low, high = case.clv_inputs(company_id, "low"), case.clv_inputs(company_id, "high")
    per = x.period
    clv = clv_of(x)
    before = clv_of(x, include_acquisition=False)
    net_margin = x.margin.value - (x.retention_cost.value if x.retention_cost is not None else 0.0)
    effects = analysis.lever_effects(case, company_id)
    tornado = analysis.tornado_table(case, company_id)
    churn_fig = case.figure(company_id, "churn")
    view: dict[str, Any] = {
        "id": company_id,
        "name": company.name,
        "business_model": company.business_model.strip(),
        "description": company.description.strip(),
        "offers": list(company.offers),
        "period": per,
        "per_adj": ADJECTIVE[per],
        "arpu": _fmt_money(case, x.arpu.value, per),
        "margin_rate": percent(x.margin_rate, 0),
        "margin": _fmt_money(case, x.margin.value, per),
        "net_margin": _fmt_money(case, net_margin, per),
        "churn": percent(x.churn.value, 2 if x.churn.value < 0.01 else 1),
        "churn_text": f"{percent(x.churn.value, 2 if x.churn.value < 0.01 else 1)} {ADJECTIVE[per]} churn",
        "retention": percent(x.retention.value, 2),
        "discount": f"{percent(x.discount.value, 2)} a {per}",
        "discount_annual": f"{percent(case.figure('shared', 'discount_rate').value, 1)} a year"
        if case.figure('shared', 'discount_rate').per == "year" else "",
        "acquisition_cost": _fmt_money(case, x.acquisition_cost, decimals=0),
        "retention_cost": _fmt_money(case, x.retention_cost.value, per) if x.retention_cost is not None else "",
        "growth": f"{percent(x.growth.value, 2)} a {per}" if x.growth is not None else "",
        "lifetime": f"{1 / x.churn.value:.0f} {per}s",
        "lifetime_years": _years(1 / x.churn.value, per),
        "multiple": f"{analysis.multiple_of(x):.1f}",
        "clv_value": clv,
        "clv": _fmt_money(case, clv, decimals=0),
        "clv_low": _fmt_money(case, clv_of(low), decimals=0),
        "clv_high": _fmt_money(case, clv_of(high), decimals=0),
        "clv_before_acquisition": _fmt_money(case, before, decimals=0),
        "acquisition_share": percent(x.acquisition_cost / before, 0) if before > 0 else "n/a",
        "payback": f"{x.acquisition_cost / net_margin:.1f} {per}s" if net_margin > 0 else "never",
        "clv_by_timing": {t: _fmt_money(case, clv_of(x, timing=t), decimals=0) for t in TIMINGS},
        "churn_cut_to": percent(x.churn.value * (1 - analysis.SWING), 2),
        "churn_cut_gain": _fmt_money(case, effects["churn"], decimals=0),
        "churn_cut_share": percent(effects["churn"] / abs(clv), 0) if clv else "n/a",
        "arpu_gain": _fmt_money(case, effects["arpu"], decimals=0),
        "acquisition_gain": _fmt_money(case, effects["acquisition"], decimals=0),
        "lever_values": effects,
        "strongest_lever": LEVER_NAMES[max(effects, key=effects.get)],
        "lever_rank": [LEVER_NAMES[k] for k in sorted(effects, key=effects.get, reverse=True)],
        "price_rise_churn_limit": percent(break_even_churn(x, x.arpu.value * (1 + analysis.SWING)), 2),
        "top_driver": str(tornado.loc[0, "driver"]).lower(),
        "top_driver_swing": _fmt_money(case, float(tornado.loc[0, "high_value"] - tornado.loc[0, "low_value"]), decimals=0),
        "last_driver": str(tornado.iloc[-1]["driver"]).lower(),
        "last_driver_swing": _fmt_money(case, float(abs(tornado.iloc[-1]["high_value"] - tornado.iloc[-1]["low_value"])), decimals=0),
        "tornado": tornado,
        "inputs": x,
    }
    # behaviour-based segments: the churn figure's own range marks loyal and at-risk members
    if churn_fig.low is not None and churn_fig.high is not None:
        def churn_in_period(value: float) -> float:
            c = Churn(value, churn_fig.per)
            return float(c.value) if c.per == per else float(c.to(per).value)

        loyal_c, risk_c = churn_in_period(churn_fig.low), churn_in_period(churn_fig.high)
        view["loyal"] = {"churn": percent(loyal_c, 2), "clv": _fmt_money(case, clv_of(with_churn(x, loyal_c)), decimals=0)}
        view["at_risk"] = {"churn": percent(risk_c, 2), "clv": _fmt_money(case, clv_of(with_churn(x, risk_c)), decimals=0)}
    else:
        view["loyal"] = view["at_risk"] = None
    # price-based segments: the cheapest and the dearest plan on sale, ignoring add-ons priced
    # far below what an average member pays (they are extras, not a way to be a member)
    plans = [(p, price) for p, price in analysis.current_plans(case, company_id, per) if price >= 0.4 * x.arpu.value]
    view["plans"] = [
        {"name": p.name, "price": _fmt_money(case, price, per),
         "clv": _fmt_money(case, clv_of(with_arpu(x, price)), decimals=0)}
        for p, price in plans
    ]
    view["entry_plan"] = view["plans"][0] if view["plans"] else None
    view["top_plan"] = view["plans"][-1] if len(view["plans"]) > 1 else None
    view["sources"] = []
    for owner, fid in ((company_id, "arpu"), (company_id, "contribution_margin"), (company_id, "churn"),
                       ("shared", "discount_rate"), (company_id, "acquisition_cost")):
        kind, basis = _basis(case, owner, fid)
        view["sources"].append({"id": fid, "kind": kind, "basis": basis})
    return view


# --- tables ------------------------------------------------------------------------------------------

def _steps_table(case: Case, companies: list[dict]) -> Table:
    rows = [
        ["Revenue per member"] + [c["arpu"] for c in companies],
        ["× contribution margin"] + [c["margin_rate"] for c in companies],
        ["= margin per member"] + [c["margin"] for c in companies],
    ]
    if any(c["retention_cost"] for c in companies):
        rows.append(["− retention cost"] + [c["retention_cost"] or "none" for c in companies])
    rows += [
        ["Churn → retention r"] + [f"{c['churn']} → {c['retention']}" for c in companies],
        ["Discount rate d"] + [c["discount"] for c in companies],
    ]
    if any(c["growth"] for c in companies):
        rows.append(["Margin growth g"] + [c["growth"] or "none" for c in companies])
    rows += [
        ["Margin multiple r / (1 + d − r)"] + [c["multiple"] for c in companies],
        ["Value of margins"] + [c["clv_before_acquisition"] for c in companies],
        ["− acquisition cost"] + [c["acquisition_cost"] for c in companies],
        ["= CLV per new member"] + [c["clv"] for c in companies],
    ]
    return Table(["Step"] + [c["name"] for c in companies], rows, [1.5] + [1.0] * len(companies))


def _inputs_table(case: Case, companies: list[dict]) -> Table:
    def cell(c: dict, key: str, fid: str, owner: str | None = None) -> str:
        kind, _ = _basis(case, owner or c["id"], fid)
        return f"{c[key]} ({kind})"

    rows = [
        ["Revenue per member"] + [cell(c, "arpu", "arpu") for c in companies],
        ["Contribution margin"] + [cell(c, "margin_rate", "contribution_margin") for c in companies],
        ["Churn"] + [cell(c, "churn_text", "churn") for c in companies],
        ["Discount rate"] + [cell(c, "discount_annual", "discount_rate", "shared") for c in companies],
        ["Acquisition cost"] + [cell(c, "acquisition_cost", "acquisition_cost") for c in companies],
        ["CLV: base (low to high)"] + [f"{c['clv']} ({c['clv_low']} to {c['clv_high']})" for c in companies],
    ]
    return Table(["Input"] + [c["name"] for c in companies], rows, [1.2] + [1.4] * len(companies),
                 note="R = reported, with source  ·  A = assumption, with reason  ·  D = derived by the kit")


def _segments_table(companies: list[dict]) -> Table:
    def seg(c: dict, key: str) -> str:
        s = c[key]
        return f"{s['clv']} at {s['churn']} churn" if s else "no range given"

    def plan(c: dict, key: str) -> str:
        p = c[key]
        return f"{p['name']}, {p['price']}: {p['clv']}" if p else "—"

    rows = [
        ["Loyal members (low churn)"] + [seg(c, "loyal") for c in companies],
        ["Typical member"] + [f"{c['clv']} at {c['churn']} churn" for c in companies],
        ["At-risk members (high churn)"] + [seg(c, "at_risk") for c in companies],
        ["Entry price plan"] + [plan(c, "entry_plan") for c in companies],
        ["Top price plan"] + [plan(c, "top_plan") for c in companies],
    ]
    return Table(["Segment (CLV per new member)"] + [c["name"] for c in companies], rows,
                 [1.3] + [1.3] * len(companies))


def _summary_table(companies: list[dict]) -> Table:
    rows = [[c["name"], f"{c['clv']} ({c['clv_low']} to {c['clv_high']})", c["top_driver"].capitalize(),
             c["churn_cut_gain"], c["payback"]] for c in companies]
    return Table(["Company", "CLV per new member (range)", "Most sensitive driver", f"Worth of {percent(analysis.SWING, 0)} less churn",
                  "Acquisition payback"], rows, [1.3, 1.5, 1.3, 1.1, 1.1])


def _timing_table(companies: list[dict]) -> Table:
    labels = {"end": "First margin after one period, from survivors (Gupta & Lehmann)",
              "start": "First margin at sign-up", "end_all": "First margin after one period, from everyone"}
    rows = [[labels[t]] + [c["clv_by_timing"][t] for c in companies] for t in TIMINGS]
    return Table(["Timing convention"] + [c["name"] for c in companies], rows, [2.2] + [1.0] * len(companies))


def _published_table(case: Case) -> Table:
    p = PUBLISHED_EXAMPLE
    cur = "USD"

    def m(v: float) -> str:
        return money(v, cur)

    rows = [
        ["Value before acquisition cost",
         f"{m(p.printed_value_before_acquisition)} (printed)", f"{m(p.numerator)} / {p.denominator:.1f} = {m(p.own_formula_value)}"],
        ["CLV after the acquisition cost", f"{m(p.printed_clv)} (printed)", m(p.own_formula_clv)],
        ["Periods", f"{m(p.revenue)} a month with annual rates", "all annual: margin of " +
         money(p.revenue * p.margin_rate * 12, cur) + " a year"],
        ["Retention cost", f"{m(p.retention_cost)} a year listed, then left out", "netted off each year"],
        ["CLV with consistent periods", "—", m(p.consistent_clv())],
    ]
    return Table(["", "Published", "Recomputed"], rows, [1.3, 1.3, 1.6])


# --- charts ------------------------------------------------------------------------------------------

def _charts(case: Case, companies: list[dict]) -> dict[str, list[ChartSpec]]:
    fmt = _number_format(case)
    names = [c["name"] for c in companies]
    charts: dict[str, list[ChartSpec]] = {}
    charts["clv_range"] = [ChartSpec(
        "bar", "CLV per new member by scenario", "", f"CLV ({case.currency})",
        (Series("Pessimistic", tuple(clv_of(case.clv_inputs(c["id"], "low")) for c in companies)),
         Series("Base", tuple(c["clv_value"] for c in companies)),
         Series("Optimistic", tuple(clv_of(case.clv_inputs(c["id"], "high")) for c in companies))),
        categories=tuple(names), number_format=fmt)]
    swing = percent(analysis.SWING, 0)
    tornados = []
    for c in companies[:2]:
        t = c["tornado"]
        tornados.append(tornado_chart(t, f"{c['name']}: CLV if one driver moves {swing}", swing=analysis.SWING,
                                      x_label=f"CLV per new member ({case.currency})", number_format=fmt))
    charts["tornado"] = tornados
    charts["levers"] = [ChartSpec(
        "bar", f"Gain in CLV from a {swing} improvement", "", f"Gain per new member ({case.currency})",
        tuple(Series(c["name"], (c["lever_values"]["churn"], c["lever_values"]["arpu"], c["lever_values"]["acquisition"]))
              for c in companies),
        categories=(f"Churn {swing} lower", f"Revenue {swing} higher", f"Acquisition {swing} cheaper"), number_format=fmt)]
    charts["timing"] = [ChartSpec(
        "bar", "Same inputs, three timing conventions", "", f"CLV ({case.currency})",
        tuple(Series(c["name"], tuple(clv_of(c["inputs"], timing=t) for t in TIMINGS)) for c in companies),
        categories=("End (survivors)", "Start (at sign-up)", "End (everyone)"), number_format=fmt)]
    return charts


# --- the whole context ---------------------------------------------------------------------------------

def _references(case: Case, companies: list[dict]) -> list[str]:
    ids: list[str] = []
    for c in companies:
        for fid in ("arpu", "churn", "contribution_margin", "acquisition_cost"):
            for sid in case.figure_sources(c["id"], fid):
                if sid not in ids:
                    ids.append(sid)
    for sid in case.figure_sources("shared", "discount_rate"):
        if sid not in ids:
            ids.append(sid)
    return [case.citation(sid) for sid in ids]


def _mistakes(case: Case, companies: list[dict]) -> dict[str, Any]:
    """Numbers for the briefing's common mistakes, on the first company's inputs."""
    first = companies[0]
    x = first["inputs"]
    annual = case.figure("shared", "discount_rate")
    annual_rate = float(annual.value) if annual.per == "year" else float(x.discount.to("year").value)
    # the mistake: a monthly margin and churn put over an annual discount rate (bare numbers, so the
    # period check that would stop this in the kit is bypassed on purpose)
    mixed = float(lifetime_value(float(x.margin.value), float(x.retention.value), annual_rate,
                                 acquisition_cost=x.acquisition_cost))
    p = PUBLISHED_EXAMPLE
    return {
        "company": first["name"],
        "mixed_period_clv": _fmt_money(case, mixed, decimals=0),
        "right_clv": first["clv"],
        "annual_discount": percent(annual_rate, 1),
        "timing": first["clv_by_timing"],
        "published": {
            "numerator": money(p.numerator, "USD"), "denominator": f"{p.denominator:.1f}",
            "own_value": money(p.own_formula_value, "USD"), "own_clv": money(p.own_formula_clv, "USD"),
            "printed_value": money(p.printed_value_before_acquisition, "USD"),
            "printed_clv": money(p.printed_clv, "USD"), "consistent_clv": money(p.consistent_clv(), "USD"),
            "revenue": money(p.revenue, "USD", per=p.revenue_per), "retention_cost": money(p.retention_cost, "USD", per="year"),
            "acquisition_cost": money(p.acquisition_cost, "USD", decimals=0),
            "annual_margin": money(p.revenue * p.margin_rate * 12, "USD", per="year"),
        },
    }


def _rubric_view(rubric: Rubric) -> dict[str, Any]:
    criteria = [{"code": c.code, "band": c.band, "summary": c.summary, "evidence": list(c.evidence),
                 "outcomes": list(c.outcomes)} for c in rubric.criteria.values()]
    outcomes = [{"code": o.code, "title": o.title, "summary": o.summary, "topics": list(o.topics),
                 "criteria": [c.code for c in rubric.criteria_for(o.code)]} for o in rubric.outcomes.values()]
    return {"unit": rubric.unit.model_dump(), "outcomes": outcomes, "criteria": criteria,
            "criterion": {c["code"]: c for c in criteria}, "outcome": {o["code"]: o for o in outcomes}}


def _journey(case: Case) -> Table | None:
    """The case's decision-journey table (stage x company techniques) when the case folder has one."""
    folder = case.path
    if folder is None or not (Path(folder) / "journey.yaml").is_file():
        return None
    # the stage name says what the customer is doing; dropping that column keeps the table on the slide
    table = stage_table(load_journey(folder, case=case)).drop(columns=["customer_does"])
    labels = {"stage": "Decision stage", "metric": "Metric that shows it working", "clv_driver": "CLV driver moved"}
    header = [labels.get(str(col), str(col)) for col in table.columns]
    rows = [["" if v is None else str(v) for v in row] for row in table.itertuples(index=False)]
    return Table(header, rows)


def build_context(case: Case, rubric: Rubric) -> DeckContext:
    """Compute every number and text a deck can show, for any case with at least one company."""
    companies = [_company_view(case, cid) for cid in case.companies]
    ranked = sorted(companies, key=lambda c: c["clv_value"], reverse=True)
    tables = {
        "clv_steps": _steps_table(case, companies),
        "clv_inputs": _inputs_table(case, companies),
        "segments": _segments_table(companies),
        "timing": _timing_table(companies),
        "summary": _summary_table(companies),
        "published_example": _published_table(case),
    }
    journey = _journey(case)
    if journey is not None:
        tables["journey"] = journey
    values = {
        "case": {"title": case.title, "question": " ".join(case.question.split()), "currency": case.currency},
        "companies": [{k: v for k, v in c.items() if k not in ("tornado", "inputs")} for c in companies],
        "best": {k: v for k, v in ranked[0].items() if k not in ("tornado", "inputs")},
        "other": {k: v for k, v in ranked[-1].items() if k not in ("tornado", "inputs")},
        "names": " and ".join(c["name"] for c in companies) if len(companies) < 3
        else ", ".join(c["name"] for c in companies[:-1]) + " and " + companies[-1]["name"],
        "references": _references(case, companies),
        "mistakes": _mistakes(case, companies),
        "rubric": _rubric_view(rubric),
        "has_journey": journey is not None,
        "swing": percent(analysis.SWING, 0),
    }
    return DeckContext(values=values, tables=tables, charts=_charts(case, companies))
