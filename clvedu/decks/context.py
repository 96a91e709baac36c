"""What a deck template may show: read-only views of the case analysis, plus the native tables and charts.

Every figure comes from :func:`clvedu.analysis.analyse_case` (CLV by scenario, the worked steps, the
tornado, the levers, break-even, payback, plan values, the decision-stage table, the B2B view, the
common mistake and the references). This module computes none of them: it picks what a slide needs
and keeps it as raw numbers in frozen dataclasses, so a template formats each number where it shows
it, with the filters of :mod:`clvedu.decks.filters` (``{{ c.clv.base | money(0) }}``). The words that
depend on the customer relationship (cancel, lapse, renew; churn, non-renewal; billing period,
contract term) come from each company's :class:`~clvedu.domain.relationships.Relationship`, and the
customer noun from the case.

The native tables and charts are built here from the same analysis, formatted with the same filters.
The context holds no DataFrame, path or other object with side effects: the sandboxed templates can
read numbers and words and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from clvedu.analysis import CaseAnalysis, CompanyAnalysis, InputLine, LeverEffect, PlanValue, ScenarioValues
from clvedu.analysis import BreakEven, Reference, WorkedStep, analyse_case
from clvedu.cases import Case, CLVInputs
from clvedu.charts.builders import tornado_chart
from clvedu.charts.spec import ChartSpec, Series
from clvedu.decks import filters
from clvedu.domain.relationships import SHARED_FIGURES, Relationship
from clvedu.formatting import CURRENCY_SYMBOLS
from clvedu.published_examples import PUBLISHED_EXAMPLE, PublishedExample
from clvedu.rubric import Rubric

TIMINGS = ("end", "start", "end_all")

FIGURE_LABELS = {
    "arpu": "Revenue per {noun}", "order_value": "Spend per order", "purchase_frequency": "Orders per {noun}",
    "seats": "Seats per {noun}", "price_per_seat": "Price per seat", "contribution_margin": "Contribution margin",
    "churn": "Churn", "active_retention": "Active retention", "renewal_rate": "Renewal rate",
    "acquisition_cost": "Acquisition cost", "retention_cost": "Retention cost", "margin_growth": "Margin growth",
    "seat_growth": "Seat growth", "discount_rate": "Discount rate",
}
"""Short row labels of the CLV figures, the same for every case (``{noun}`` is the customer noun)."""



# --- what the templates read ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Table:
    """A native table: a header row, body rows (already formatted) and relative column widths."""

    header: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None
    note: str = ""


@dataclass(frozen=True)
class Source:
    """Where one figure comes from: ``kind`` reported, derived or assumption, the citations behind it
    (author, year) and the reason typed with it."""

    kind: str
    letter: str
    citations: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Figure:
    """One CLV input as the case types it: raw value, unit, period, range and source."""

    id: str
    owner: str
    label: str          # the case's own label
    short: str          # the row label every case shares ("Churn", "Revenue per member")
    value: float
    family: str         # money, share, rate, orders, seats
    per: str | None
    low: float | None
    high: float | None
    source: Source


@dataclass(frozen=True)
class StayRate:
    """The rate that says who stays, in the words of the relationship: churn (a share leaving) for a
    subscription, active retention or renewal rate (a share staying) otherwise, per ``per``."""

    name: str            # "churn", "active retention", "renewal rate"
    value: float
    per: str
    is_leaving: bool     # True: lower is better (churn); False: higher is better


@dataclass(frozen=True)
class RangeEnd:
    """CLV with the stay-or-leave figure at one end of its own range (the other inputs at base)."""

    rate: float          # the figure as typed (its own period: ``per``)
    per: str | None
    clv: float


@dataclass(frozen=True)
class Driver:
    """One bar of the tornado: CLV with the driver moved against and in favour of CLV."""

    label: str
    low: float
    high: float


@dataclass(frozen=True)
class Technique:
    """One technique scenario of the case (journey.yaml) and what it does to CLV per new customer."""

    name: str
    driver: str
    assumption: str
    gain: float
    cost: float
    roi: float | None


@dataclass(frozen=True)
class CompanyView:
    """One company, as the templates see it (raw numbers; relationship words; the customer noun)."""

    id: str
    name: str
    business_model: str
    description: str
    offers: tuple[str, ...]
    relationship: Relationship
    noun: str
    period: str
    inputs: CLVInputs
    stay: StayRate
    revenue_label: str                 # "revenue per member", "spend per shopper", "contract value per client"
    formula: str                       # "m × r / (1 + d − r) − acquisition cost"
    clv: ScenarioValues
    value_before_acquisition: float
    acquisition_share: float | None
    multiple: float
    payback_periods: int | None
    levers: tuple[LeverEffect, ...]    # largest gain first
    lever: dict[str, LeverEffect]      # by lever: retention, revenue, acquisition
    break_even: BreakEven
    break_even_stay: float | None      # the stay figure (in the words of ``stay``) at which a price rise breaks even
    drivers: tuple[Driver, ...]        # widest first
    loyal: RangeEnd | None
    at_risk: RangeEnd | None
    plans: tuple[PlanValue, ...]
    entry_plan: PlanValue | None
    top_plan: PlanValue | None
    clv_by_timing: dict[str, float]
    figures: tuple[Figure, ...]
    techniques: tuple[Technique, ...]  # as listed in journey.yaml
    best_technique: Technique | None

    @property
    def strongest_lever(self) -> LeverEffect:
        return self.levers[0]

    @property
    def stay_figure(self) -> Figure:
        """The stay-or-leave figure as the case types it (churn, active retention or renewal rate)."""
        return next(f for f in self.figures if f.id == self.relationship.retention_figure)


@dataclass(frozen=True)
class CaseView:
    title: str
    question: str
    currency: str
    noun: str
    relationships: tuple[Relationship, ...]   # distinct, in company order
    periods: tuple[str, ...]                  # distinct CLV periods, in company order

    @property
    def relationship(self) -> Relationship | None:
        """The one relationship every company has, or None when they differ."""
        return self.relationships[0] if len(self.relationships) == 1 else None

    @property
    def period(self) -> str | None:
        """The one period every company's CLV uses, or None when they differ."""
        return self.periods[0] if len(self.periods) == 1 else None


@dataclass(frozen=True)
class Mistake:
    """The briefing's mixed-period mistake, from :class:`clvedu.analysis.MixedPeriodMistake`."""

    company: CompanyView
    figures: tuple[tuple[str, str], ...]   # (short label, the period it is typed in)
    figure_ids: tuple[tuple[str, str], ...]  # (figure id, the period it is typed in)
    wrong_clv: float
    right_clv: float
    period: str


@dataclass(frozen=True)
class BuyClass:
    name: str
    what: str
    techniques: str


@dataclass(frozen=True)
class Role:
    role: str
    who: str
    cares_about: str
    technique: str


@dataclass(frozen=True)
class Account:
    """The value of one business account of the case's B2B side (journey.yaml ``b2b.account``)."""

    first_year_margin: float
    renewal: float
    expected_years: float
    account_cost: float
    clv: float


@dataclass(frozen=True)
class B2B:
    """The case's business-to-business side: who sells to whom, the buy classes and the buying centre."""

    seller: str | None               # company name
    scenario: str
    buyer: str
    buy_classes: tuple[BuyClass, ...]
    buying_centre: tuple[Role, ...]
    account: Account | None
    contract_companies: tuple[str, ...]   # names of the companies whose relationship is a contract


@dataclass
class DeckContext:
    """Template variables (``values``), native tables and charts by key, the case currency (which the
    ``money`` filter uses) and chart colours."""

    values: dict[str, Any]
    currency: str = "USD"
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, list[ChartSpec]] = field(default_factory=dict)
    colors: list[str] = field(default_factory=list)


# --- small pure helpers ----------------------------------------------------------------------------------

def figure_label(figure_id: str, noun: str) -> str:
    """The short row label of a CLV figure (``Revenue per member``); the id itself for an unknown one."""
    return FIGURE_LABELS.get(figure_id, figure_id.replace("_", " ").capitalize()).format(noun=noun)


def _formula(company: CompanyAnalysis) -> str:
    """The CLV formula the company's worked steps use, read off its multiple steps:
    ``m × r / (1 + d − r) − acquisition cost``, with the retention cost where the case has one."""
    labels = {_step_key(s): s.label for s in company.steps}
    multiple = labels["Margin multiple"].removeprefix("Margin multiple ")
    if company.inputs.retention_cost is None:
        text = f"m × {multiple}"
    elif "Retention-cost multiple" in labels:
        cost_multiple = labels["Retention-cost multiple"].removeprefix("Retention-cost multiple ")
        text = f"m × {multiple} − retention cost × {cost_multiple}"
    else:
        text = f"(m − retention cost) × {multiple}"
    return text + " − acquisition cost"


def format_value(value: float, family: str, per: str | None, currency: str) -> str:
    """A figure as typed, with its unit and period: ``$16.28 a month``, ``2.2% a month``, ``5.4 orders a year``."""
    if family == "money":
        return filters.money(value, None, per, currency=currency)
    if family in ("share", "rate"):
        return filters.percent(value, filters.share_decimals(value), per)
    unit = {"orders": "orders", "seats": "seats"}.get(family, "")
    text = f"{value:,.2f}".rstrip("0").rstrip(".") + (f" {unit}" if unit else "")
    return f"{text} {filters.period(per)}" if per else text


def _step_value(step: WorkedStep, currency: str) -> str:
    if step.kind == "money":
        return filters.money(step.value, None, step.per, currency=currency)
    if step.kind in ("share", "rate"):
        return filters.percent(step.value, None, step.per)
    if step.kind == "count":
        return format_value(step.value, step.unit, step.per, currency)
    return f"{step.value:,.2f}"


# --- one company -------------------------------------------------------------------------------------------

def _source(line: InputLine, references: dict[str, Reference]) -> Source:
    basis = line.basis
    cites = tuple(references[s].citation for s in basis.sources if s in references)
    reason = "" if basis.kind == "reported" else basis.text
    suffix = f" ({'; '.join(cites)})"
    if basis.kind == "derived" and cites and reason.endswith(suffix):
        reason = reason[: -len(suffix)]  # the analysis appends the citations; Source keeps them apart
    return Source(basis.kind, basis.letter, cites, reason)


def _figures(company: CompanyAnalysis, references: dict[str, Reference]) -> tuple[Figure, ...]:
    rel = company.relationship
    out = []
    for line in company.input_lines:
        need = rel.figures.get(line.figure_id) or SHARED_FIGURES.get(line.figure_id)
        family = need.family if need is not None else "number"
        out.append(Figure(id=line.figure_id, owner=line.owner, label=line.label,
                          short=figure_label(line.figure_id, company.noun), value=line.value, family=family,
                          per=line.per, low=line.low, high=line.high, source=_source(line, references)))
    return tuple(out)


def _range_ends(company: CompanyAnalysis, figures: tuple[Figure, ...]) -> tuple[RangeEnd | None, RangeEnd | None]:
    """(loyal, at risk): the stay-or-leave figure at the end of its range that raises or lowers CLV."""
    r = company.retention_range
    rel = company.relationship
    fig = next(f for f in figures if f.id == rel.retention_figure)
    if r is None or fig.low is None or fig.high is None:
        return None, None
    best, worst = (fig.low, fig.high) if rel.retention_is_churn else (fig.high, fig.low)
    return RangeEnd(best, fig.per, r.high), RangeEnd(worst, fig.per, r.low)


def _techniques(company: CompanyAnalysis) -> tuple[Technique, ...]:
    table = company.techniques
    if table is None or table.empty:
        return ()
    out = []
    for row in table.itertuples(index=False):
        roi = None if pd.isna(row.roi) else float(row.roi)
        out.append(Technique(name=str(row.technique), driver=str(row.driver),
                             assumption=str(row.assumption), gain=float(row.delta_clv),
                             cost=float(row.cost), roi=roi))
    return tuple(out)


def _company_view(case: Case, company: CompanyAnalysis, references: dict[str, Reference]) -> CompanyView:
    data = case.companies[company.id]
    rel = company.relationship
    x = company.inputs
    figures = _figures(company, references)
    loyal, at_risk = _range_ends(company, figures)
    if rel.retention_is_churn:
        stay = StayRate(rel.leaving_noun, float(x.churn.value), x.period, True)
        be_stay = company.break_even.churn
    else:
        stay = StayRate(rel.stay_noun, float(x.retention.value), x.period, False)
        be_stay = company.break_even.retention
    noun = company.noun
    levers = company.levers
    techniques = _techniques(company)
    drivers = tuple(Driver(str(row.driver), float(row.low_value), float(row.high_value))
                    for row in company.tornado.itertuples(index=False))
    return CompanyView(
        id=company.id, name=company.name, business_model=" ".join(data.business_model.split()),
        description=" ".join(data.description.split()), offers=tuple(" ".join(o.split()) for o in data.offers),
        relationship=rel, noun=noun, period=company.period, inputs=x, stay=stay,
        revenue_label=rel.revenue_per(noun), formula=_formula(company), clv=company.clv,
        value_before_acquisition=company.value_before_acquisition, acquisition_share=company.acquisition_share,
        multiple=company.multiple, payback_periods=company.payback_periods, levers=levers,
        lever={e.lever: e for e in levers}, break_even=company.break_even, break_even_stay=be_stay,
        drivers=drivers, loyal=loyal, at_risk=at_risk, plans=company.plans,
        entry_plan=company.plans[0] if company.plans else None,
        top_plan=company.plans[-1] if len(company.plans) > 1 else None,
        clv_by_timing=dict(company.clv_by_timing), figures=figures, techniques=techniques,
        best_technique=max(techniques, key=lambda t: t.gain) if techniques else None,
    )


# --- tables ----------------------------------------------------------------------------------------------

def _step_key(step: WorkedStep) -> str:
    """Rows of two companies' worked steps that mean the same thing share a key (their labels may differ
    only in the growth term of the multiple)."""
    for prefix in ("Margin multiple", "Retention-cost multiple"):
        if step.label.startswith(prefix):
            return prefix
    return step.label


def steps_table(analysis: CaseAnalysis) -> Table:
    """The worked CLV, one column per company: exactly the rows each company's formula uses."""
    companies = list(analysis.companies.values())
    order: list[str] = []
    labels: dict[str, str] = {}
    cells: dict[tuple[str, str], str] = {}
    for company in companies:
        previous = None
        for step in company.steps:
            key = _step_key(step)
            if key not in order:
                order.insert(order.index(previous) + 1 if previous in order else len(order), key)
            # the analysis names a contract's unit "account"; the case may call it a client, a firm...
            label = f"{step.operator} {step.label.replace(' per account', f' per {company.noun}')}".strip()
            if len(label) > len(labels.get(key, "")):
                labels[key] = label
            cells[(company.id, key)] = _step_value(step, analysis.currency)
            previous = key
    rows = [[labels[k]] + [cells.get((c.id, k), "—") for c in companies] for k in order]
    return Table(["Step"] + [c.name for c in companies], rows, [1.7] + [1.0] * len(companies))


def inputs_table(analysis: CaseAnalysis, views: list[CompanyView]) -> Table:
    """Each CLV input as the case types it, with R (reported), D (derived) or A (assumption) and the
    citation behind a reported or derived one."""
    order: list[str] = []
    for v in views:
        order += [f.id for f in v.figures if f.id not in order]
    by = {(v.id, f.id): f for v in views for f in v.figures}

    def cell(v: CompanyView, fid: str) -> str:
        f = by.get((v.id, fid))
        if f is None:
            return "—"
        cite = f": {'; '.join(f.source.citations)}" if f.source.citations else ""
        return f"{format_value(f.value, f.family, f.per, analysis.currency)} ({f.source.letter}{cite})"

    rows = [[figure_label(fid, analysis.noun)] + [cell(v, fid) for v in views] for fid in order]
    return Table(["Input"] + [v.name for v in views], rows, [1.0] + [1.6] * len(views),
                 note="R reported, with its source  ·  D derived from the sources named  ·  A assumption "
                      "(reasons on the backup slide)")


SOURCES_PAGE_CHARS = 1500
"""Characters of bases one backup slide holds at a readable size; more go on a second slide."""


def _halves(rows: list, size, limit: int) -> list[list]:
    """``rows`` on one page, or split into two pages of about equal ``size`` when they exceed ``limit``."""
    total = sum(size(r) for r in rows)
    if total <= limit:
        return [rows]
    first, count = [], 0
    for row in rows:
        if count >= total / 2:
            break
        first.append(row)
        count += size(row)
    return [first, rows[len(first):]]


def sources_tables(analysis: CaseAnalysis, views: list[CompanyView]) -> list[Table]:
    """Every CLV input of every company with its basis in full: the citation, the derivation or the reason;
    a figure every company shares (the discount rate) is listed once. On two slides when it is long."""
    rows, seen = [], set()
    for v in views:
        for f in v.figures:
            if f.owner == "shared":
                if f.id in seen:
                    continue
                seen.add(f.id)
            who = "All" if f.owner == "shared" else v.name
            kind = {"reported": "Reported", "derived": "Derived", "assumption": "Assumption"}[f.source.kind]
            basis = "; ".join(f.source.citations) if f.source.kind == "reported" else f.source.reason + (
                f" ({'; '.join(f.source.citations)})" if f.source.citations else "")
            rows.append([who, f.short, format_value(f.value, f.family, f.per, analysis.currency), kind, basis])
    pages = _halves(rows, lambda r: len(r[-1]) + 40, SOURCES_PAGE_CHARS)
    return [Table(["Company", "Input", "Value", "Basis", "Source or reason"], page, [1.1, 1.25, 1.0, 1.2, 4.6])
            for page in pages]


def segments_table(views: list[CompanyView], currency: str) -> Table:
    """CLV at the ends of each company's own stay-or-leave range and, for subscriptions, of its price plans."""
    def share(value: float, per: str | None) -> str:
        return filters.percent(value, filters.share_decimals(value), per)

    def end(v: CompanyView, e: RangeEnd | None) -> str:
        if e is None:
            return "no range given"
        return f"{filters.money(e.clv, 0, currency=currency)} at {v.stay_figure.short.lower()} {share(e.rate, e.per)}"

    def typical(v: CompanyView) -> str:
        f = v.stay_figure
        return f"{filters.money(v.clv.base, 0, currency=currency)} at {f.short.lower()} {share(f.value, f.per)}"

    def plan(v: CompanyView, p: PlanValue | None) -> str:
        if p is None:
            return "—"
        return (f"{p.name}, {filters.money(p.price, 2, v.period, currency=currency)}: "
                f"{filters.money(p.clv, 0, currency=currency)}")

    nouns = {v.noun for v in views}
    noun = nouns.pop() if len(nouns) == 1 else "customer"
    rows = [[f"Loyal {filters.plural(noun)} (best end of the range)"] + [end(v, v.loyal) for v in views],
            [f"Typical {noun} (base)"] + [typical(v) for v in views],
            [f"At-risk {filters.plural(noun)} (worst end)"] + [end(v, v.at_risk) for v in views]]
    if any(v.plans for v in views):
        rows += [["Entry price plan"] + [plan(v, v.entry_plan) for v in views],
                 ["Top price plan"] + [plan(v, v.top_plan) for v in views]]
    return Table([f"Segment (CLV per new {noun})"] + [v.name for v in views], rows, [1.3] + [1.3] * len(views))


def summary_table(analysis: CaseAnalysis, views: list[CompanyView]) -> Table:
    cur = analysis.currency
    rows = []
    for v in views:
        be = "none" if v.break_even_stay is None else (
            f"{'under' if v.stay.is_leaving else 'above'} {filters.percent(v.break_even_stay, 2, v.period)}")
        rows.append([v.name, f"{filters.money(v.clv.base, 0, currency=cur)} ({filters.money(v.clv.low, 0, currency=cur)}"
                             f" to {filters.money(v.clv.high, 0, currency=cur)})",
                     v.drivers[0].label, v.strongest_lever.label,
                     filters.periods(v.payback_periods, v.period), be])
    return Table(["Company", f"CLV per new {analysis.noun} (range)", "Most sensitive driver", "Strongest lever",
                  "Acquisition payback", f"{filters.percent(analysis.swing, 0)} price rise pays while"],
                 rows, [1.1, 1.5, 1.3, 1.5, 1.0, 1.3])


TIMING_LABELS = {
    "end": "First margin one period after joining, from those who stay (Gupta & Lehmann)",
    "start": "First margin when the customer joins",
    "end_all": "First margin one period after joining, from everyone won",
}


def timing_table(analysis: CaseAnalysis, views: list[CompanyView]) -> Table:
    cur = analysis.currency
    rows = []
    for t in TIMINGS:
        rows.append([TIMING_LABELS[t]] + [filters.money(v.clv_by_timing[t], 0, currency=cur)
                                          + (" (used here)" if v.inputs.timing == t else "") for v in views])
    return Table(["Timing convention"] + [v.name for v in views], rows, [2.2] + [1.0] * len(views))


def mistake_table(mistake: Mistake, company: CompanyAnalysis, currency: str) -> Table:
    """The mixed-period mistake worked out: each figure as typed, then as the CLV needs it (over one period),
    and the CLV each way."""
    x = company.inputs
    steps = {s.label.split(" per ")[0] if s.label.startswith(("Orders per", "Price per seat")) else s.label: s
             for s in company.steps}
    converted = {
        "arpu": x.arpu, "churn": x.churn, "active_retention": x.retention, "renewal_rate": x.retention,
        "discount_rate": x.discount, "retention_cost": x.retention_cost, "margin_growth": x.growth,
        "seat_growth": x.growth,
    }
    figures = {f.id: f for f in mistake.company.figures}
    rows = []
    for fid, _ in mistake.figure_ids:
        f = figures[fid]
        typed = format_value(f.value, f.family, f.per, currency)
        if fid in ("price_per_seat", "purchase_frequency"):
            step = steps["Price" if fid == "price_per_seat" else "Orders"]
            now = _step_value(step, currency)
        else:
            q = converted.get(fid)
            now = "—" if q is None else format_value(float(q.value), f.family, q.per, currency)
        rows.append([f.short, typed, now])
    noun = mistake.company.noun
    rows.append([f"CLV per new {noun}", f"{filters.money(mistake.wrong_clv, 0, currency=currency)} (wrong)",
                 filters.money(mistake.right_clv, 0, currency=currency)])
    return Table(["Figure", "As typed in the case", f"Over one {mistake.period}, as the formula needs"], rows,
                 [1.3, 1.3, 1.6])


def published_table(p: PublishedExample) -> Table:
    def m(v: float, per: str | None = None) -> str:
        return filters.money(v, 2, per, currency="USD")

    rows = [
        ["Value before acquisition cost", f"{m(p.printed_value_before_acquisition)} (printed)",
         f"{m(p.numerator)} / {p.denominator:.1f} = {m(p.own_formula_value)}"],
        ["CLV after the acquisition cost", f"{m(p.printed_clv)} (printed)", m(p.own_formula_clv)],
        ["Periods", f"{m(p.revenue, p.revenue_per)} with annual rates", "every input over one year"],
        ["Retention cost", f"{m(p.retention_cost, 'year')} listed, then left out", "netted off each year"],
        ["CLV with consistent periods", "—", m(p.consistent_clv())],
    ]
    return Table(["", "Published", "Recomputed"], rows, [1.3, 1.3, 1.6])


def stage_table(analysis: CaseAnalysis) -> Table | None:
    """The case's decision-journey table (stage x company techniques), without the long "customer does"
    column, when the case folder has a journey."""
    if analysis.stage_table is None:
        return None
    table = analysis.stage_table.drop(columns=["customer_does"])
    labels = {"stage": "Decision stage", "metric": "Metric that shows it working", "clv_driver": "CLV driver moved"}
    header = [labels.get(str(col), str(col)) for col in table.columns]
    rows = [["" if v is None else str(v) for v in row] for row in table.itertuples(index=False)]
    return Table(header, rows)


def buying_centre_table(b2b: B2B) -> Table:
    rows = [[r.role, r.who, r.cares_about, r.technique] for r in b2b.buying_centre]
    return Table(["Role", "Who", "Cares about", "What wins them"], rows, [1.05, 1.5, 1.5, 1.7])


REFERENCE_PAGE_CHARS = 1800
"""Characters of reference entries one slide holds at a readable size; a longer list goes on two slides."""


def reference_tables(references: tuple[Reference, ...], academic: list[str]) -> list[Table]:
    """The reference list: the case's sources behind the figures shown (``Reference.entry``) and the
    academic sources a slide specification cites (written in the same author-date style), alphabetical;
    on two slides, split evenly, when it is too long for one. :mod:`clvedu.decks.render` calls it once the
    specification's texts are rendered."""
    entries = sorted({r.entry for r in references} | set(academic), key=lambda e: e.lower())
    pages = _halves(entries, len, REFERENCE_PAGE_CHARS)
    return [Table(["Reference list" + (" (continued)" if i else "")], [[e] for e in page], [1.0])
            for i, page in enumerate(pages)]


# --- charts ------------------------------------------------------------------------------------------------

def _number_format(currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{symbol}{{:,.0f}}" if symbol else f"{{:,.0f}} {currency}"


def _charts(analysis: CaseAnalysis, views: list[CompanyView]) -> dict[str, list[ChartSpec]]:
    cur = analysis.currency
    fmt = _number_format(cur)
    noun = analysis.noun
    names = tuple(v.name for v in views)
    swing = filters.percent(analysis.swing, 0)
    charts: dict[str, list[ChartSpec]] = {}
    charts["clv_range"] = [ChartSpec(
        "bar", f"CLV per new {noun} by scenario", "", f"CLV ({cur})",
        (Series("Pessimistic", tuple(v.clv.low for v in views)), Series("Base", tuple(v.clv.base for v in views)),
         Series("Optimistic", tuple(v.clv.high for v in views))),
        categories=names, number_format=fmt)]
    charts["tornado"] = [
        tornado_chart(analysis.companies[v.id].tornado, f"{v.name}: CLV if one driver moves {swing}",
                      swing=analysis.swing, x_label=f"CLV per new {v.noun} ({cur})", number_format=fmt)
        for v in views[:2]]
    keys = ("retention", "revenue", "acquisition")
    first = views[0]
    same = len({v.relationship.id for v in views}) == 1
    categories = tuple(first.lever[k].label if same else
                       {"retention": f"Retention {swing} better", "revenue": f"Revenue {swing} higher",
                        "acquisition": f"Acquisition {swing} cheaper"}[k] for k in keys)
    charts["levers"] = [ChartSpec(
        "bar", f"Gain in CLV from a {swing} improvement", "", f"Gain per new {noun} ({cur})",
        tuple(Series(v.name, tuple(v.lever[k].gain for k in keys)) for v in views),
        categories=categories, number_format=fmt)]
    return charts


# --- the whole context -------------------------------------------------------------------------------------

def _rubric_view(rubric: Rubric) -> dict[str, Any]:
    criteria = [{"code": c.code, "band": c.band, "summary": c.summary, "evidence": list(c.evidence),
                 "outcomes": list(c.outcomes)} for c in rubric.criteria.values()]
    outcomes = [{"code": o.code, "title": o.title, "summary": o.summary, "topics": list(o.topics),
                 "criteria": [c.code for c in rubric.criteria_for(o.code)]} for o in rubric.outcomes.values()]
    return {"unit": rubric.unit.model_dump(), "outcomes": outcomes, "criteria": criteria,
            "criterion": {c["code"]: c for c in criteria}, "outcome": {o["code"]: o for o in outcomes}}


def _b2b(analysis: CaseAnalysis) -> B2B | None:
    view = analysis.b2b
    if view is None:
        return None
    names = {cid: c.name for cid, c in analysis.companies.items()}
    classes = () if view.situations is None else tuple(
        BuyClass(str(r.buy_class), " ".join(str(r.what).split()), " ".join(str(r.techniques).split()))
        for r in view.situations.itertuples(index=False))
    roles = () if view.buying_centre is None else tuple(
        Role(str(r.role), str(r.who), str(r.cares_about), str(r.technique))
        for r in view.buying_centre.itertuples(index=False))
    account = None if view.account is None else Account(
        float(view.account["first_year_margin"]), float(view.account["renewal"]),
        float(view.account["expected_years"]), float(view.account["account_cost"]), float(view.account["clv"]))
    return B2B(seller=names.get(view.seller) if view.seller else None, scenario=" ".join(view.scenario.split()),
               buyer=" ".join(view.buyer.split()), buy_classes=classes, buying_centre=roles, account=account,
               contract_companies=tuple(names[c] for c in view.contract_companies))


def _unique_references(analysis: CaseAnalysis) -> tuple[Reference, ...]:
    seen: dict[str, Reference] = {}
    for r in analysis.references:
        seen.setdefault(r.id, r)
    return tuple(seen.values())


def build_context(case: Case, rubric: Rubric, analysis: CaseAnalysis | None = None) -> DeckContext:
    """Pick everything a deck can show from the case's analysis (computed here if not given)."""
    analysis = analysis if analysis is not None else analyse_case(case)
    references = _unique_references(analysis)
    by_id = {r.id: r for r in references}
    views = [_company_view(case, c, by_id) for c in analysis.companies.values()]
    view_of = {v.id: v for v in views}
    ranked = [view_of[c.id] for c in analysis.ranked]
    b2b = _b2b(analysis)
    mistake = None
    if analysis.mistake is not None:
        m = analysis.mistake
        owner = view_of[m.company_id]
        mistake = Mistake(owner, tuple((figure_label(f, owner.noun), per) for f, per in m.figures), tuple(m.figures),
                          m.wrong_clv, m.right_clv, m.period)
    relationships = tuple({v.relationship.id: v.relationship for v in views}.values())
    tables = {
        "clv_steps": steps_table(analysis),
        "clv_inputs": inputs_table(analysis, views),
        "segments": segments_table(views, analysis.currency),
        "timing": timing_table(analysis, views),
        "summary": summary_table(analysis, views),
        "published_example": published_table(PUBLISHED_EXAMPLE),
    }
    source_pages = sources_tables(analysis, views)
    tables["sources"] = source_pages[0]
    if len(source_pages) > 1:
        tables["sources_more"] = source_pages[1]
    journey = stage_table(analysis)
    if journey is not None:
        tables["journey"] = journey
    if mistake is not None:
        tables["mistake"] = mistake_table(mistake, analysis.companies[mistake.company.id], analysis.currency)
    if b2b is not None and b2b.buying_centre:
        tables["buying_centre"] = buying_centre_table(b2b)
    discount = next(f for f in views[0].figures if f.id == "discount_rate")
    values = {
        "case": CaseView(title=case.title, question=" ".join(case.question.split()), currency=case.currency,
                         noun=analysis.noun, relationships=relationships,
                         periods=tuple(dict.fromkeys(v.period for v in views))),
        "companies": tuple(views),
        "best": ranked[0],
        "other": ranked[-1],
        "names": tuple(v.name for v in views),
        "ranges_overlap": analysis.ranges_overlap,
        "discount": discount,
        "references": references,
        "source_pages": len(source_pages),
        "mistake": mistake,
        "b2b": b2b,
        "published": PUBLISHED_EXAMPLE,
        "rubric": _rubric_view(rubric),
        "has_journey": journey is not None,
        "swing": analysis.swing,
    }
    return DeckContext(values=values, currency=analysis.currency, tables=tables, charts=_charts(analysis, views))
