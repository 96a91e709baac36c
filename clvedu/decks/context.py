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

import re
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from clvedu.analysis import CaseAnalysis, CompanyAnalysis, InputLine, LeverEffect, PlanValue, ScenarioValues
from clvedu.analysis import BreakEven, Reference, WorkedStep, analyse_case, reference
from clvedu.analysis.insights import analyse_insights
from clvedu.analysis.recommendation import churn_range
from clvedu.cases import Case, CLVInputs
from clvedu.charts.builders import tornado_chart
from clvedu.charts.spec import ChartSpec, Series
from clvedu.decks import diagrams, filters
from clvedu.decks import text as textfit
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
    """One technique scenario of the case (journey.yaml) and what it does to CLV per new customer: ``gain``
    is the net gain after the technique's own cost, ``roi`` the return on that cost (net gain over cost),
    and ``verdict`` its one judged fit (:class:`clvedu.analysis.stage_fit.TechniqueFit`)."""

    name: str
    driver: str
    assumption: str
    gain: float
    cost: float
    roi: float | None
    verdict: str = ""           # strong, fair, weak ("" until the case's stages are judged)
    verdict_label: str = ""     # "Strong fit"
    stage: str = ""
    why: str = ""               # "", "loses" (loses value), "thin" (return on cost under 100%)

    @property
    def usable(self) -> bool:
        return self.gain > 0 and self.verdict != "weak"


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
    # the talk's judgements (clvedu.analysis.insights), added once the whole case is analysed
    ins: Any = None                    # CompanyInsights: regions, tiers, ecosystem, shortcut, recommendation
    rec: Any = None                    # its Recommendation
    eco: Any = None                    # its EcosystemValue, or None
    fit: dict = field(default_factory=dict)          # loop stage id -> FitView
    ranged: tuple = ()                 # RangedDriver: each ranged input at its own low and high ends, widest first
    stay_range: tuple = ()             # (best, worst) churn per period from the stay figure's own range, or ()
    strategy: str = ""                 # the segmentation strategy the case's data show ("Differentiated and personalised")
    tech_rows: tuple = ()              # (FitView, Evidence): the three techniques the talk shows for this company
    tech: dict = field(default_factory=dict)  # the same by purpose: win, grow, keep -> (FitView, Evidence)
    strategy_basis: str = ""           # the evidence behind ``strategy``, in a few words

    @property
    def strongest_words(self) -> str:
        """The strongest lever in words: "keeping members", "revenue per member", "the cost of winning members"."""
        return lever_words(self.levers[0].lever, self)

    def as_stay(self, churn: float | None) -> float | None:
        """A churn per period in the words of ``stay``: itself for a subscription, 1 - churn otherwise."""
        if churn is None:
            return None
        return churn if self.stay.is_leaving else 1.0 - churn

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
    diagrams: dict[str, Any] = field(default_factory=dict)   # key -> clvedu.decks.diagrams.Diagram


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

_SOURCE_KEY = re.compile(r"\s*\(([a-z0-9]+(?:[-_][a-z0-9]+)+)\)")
_BELOW = re.compile(r"\s*\((?:derived|see|shown|given) (?:below|above)\)|(?<=\bthe price) (?:below|above)\b", re.I)
_BOOK = re.compile(r"\b(?:chapters?|the book|this book|the course)\b", re.I)
_PAYBACK_CLAIM = re.compile(r",? so [^.;]*\b(?:pays?|paid) back\b[^.;]*", re.I)


def clean_reason(text: str, references: dict[str, Reference]) -> str:
    """A reason typed in a case, fit to show on a slide: a source key in brackets becomes its author-date
    citation (or goes when the case has no such source); pointers to a layout ("derived below") and
    sentences about a book's chapters go; a clause claiming how soon a cost pays back goes (the deck
    states the computed payback instead)."""
    text = _SOURCE_KEY.sub(lambda m: f" ({references[m[1]].citation})" if m[1] in references else "", text)
    text = _BELOW.sub("", text)
    text = _PAYBACK_CLAIM.sub("", text)
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    text = " ".join(x for x in sentences if not _BOOK.search(x))
    return " ".join(text.split())


def _source(line: InputLine, references: dict[str, Reference]) -> Source:
    basis = line.basis
    cites = tuple(references[s].citation for s in basis.sources if s in references)
    reason = "" if basis.kind == "reported" else basis.text
    suffix = f" ({'; '.join(cites)})"
    if basis.kind == "derived" and cites and reason.endswith(suffix):
        reason = reason[: -len(suffix)]  # the analysis appends the citations; Source keeps them apart
    return Source(basis.kind, basis.letter, cites, clean_reason(reason, references))


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
    a figure every company shares (the discount rate) is listed once; the acquisition cost's reason ends with
    the computed payback. One table in four columns (the renderer puts a long one on continuation slides)."""
    rows, seen = [], set()
    for v in views:
        for f in v.figures:
            if f.owner == "shared":
                if f.id in seen:
                    continue
                seen.add(f.id)
            who = "All" if f.owner == "shared" else v.name
            kind = {"reported": "Reported", "derived": "Derived", "assumption": "Assumption"}[f.source.kind]
            cites = "; ".join(f.source.citations)
            basis = cites if f.source.kind == "reported" else f.source.reason + (
                f" ({cites})" if cites and f"({cites})" not in f.source.reason else "")
            if f.id == "acquisition_cost":
                paid = (f"a new {v.noun} pays it back in {filters.periods(v.payback_periods, v.period)}"
                        if v.payback_periods is not None else f"a new {v.noun} never pays it back")
                basis = f"{basis.rstrip('. ')}; {paid}." if basis else f"{paid[0].upper()}{paid[1:]}."
            rows.append([f"{who}: {f.short}", format_value(f.value, f.family, f.per, analysis.currency), kind, basis])
    return [Table(["Input", "Value", "Basis", "Source or reason"], rows, [1.7, 1.1, 1.1, 5.0])]


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


# --- the talk's judgements: stage fits, segments, recommendations, diagrams ----------------------------------

VERDICT_LABELS = {"strong": "Strong fit", "fair": "Fair fit", "weak": "Weak fit", "gap": "Gap",
                  "low priority": "Low priority"}
"""How a judged fit (:mod:`clvedu.analysis.stage_fit`) is written on slides and in notes."""

LOOP_LABELS = {"need": "Need", "search": "Search", "evaluate": "Evaluate", "join": "Join", "use": "Use",
               "win_back": "Win back"}


def stay_stage_label(relationships: tuple[Relationship, ...]) -> str:
    """The loop's stay-or-leave stage in the words of the case's relationships."""
    ids = {r.id for r in relationships}
    if ids == {"repeat_purchase"}:
        return "Buy again or lapse"
    if ids <= {"subscription", "contract"}:
        return "Renew or leave"
    return "Stay or leave"


@dataclass(frozen=True)
class RangedDriver:
    """One input of the CLV at the two ends of its own range (the case's low and high), others at base."""

    figure_id: str
    label: str            # the short label every case shares
    low_end: float        # the figure at each end, as typed
    high_end: float
    per: str | None
    family: str
    worse: float          # CLV at the end that lowers it
    better: float         # CLV at the end that raises it

    @property
    def width(self) -> float:
        return self.better - self.worse


@dataclass(frozen=True)
class FitView:
    """One company's judged fit at one stage of the journey loop, with the sentence that explains it."""

    stage: str
    label: str                    # the stage's name on the slides
    company_id: str
    company: str
    verdict: str                  # strong, fair, weak, gap, low priority
    verdict_label: str            # "Strong fit"
    lever: str
    lever_words: str              # "keeping members", "revenue per member", "the cost of winning members"
    worth: float
    share: float
    practices: tuple              # Evidence of the practices the case describes here
    modelled: tuple               # Evidence of the modelled scenarios placed here
    downgraded_by: str
    reason: str                   # the judgement in one sentence, figures formatted

    @property
    def phrase(self) -> str:
        """The verdict after "has": "a strong fit", "a gap", "low priority"."""
        return "low priority" if self.verdict == "low priority" else f"a {self.verdict_label.lower()}"

    @property
    def first(self):
        """The first practice here, or the first modelled technique, or None."""
        return (self.practices or self.modelled or (None,))[0]

    judged: tuple = ()            # TechniqueFit of each modelled technique here
    why_down: str = ""            # why the best modelled technique sets the verdict below the lever's, or ""
    practice_verdict: str = ""    # the lever's verdict, which each practice here takes

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.practices + self.modelled)

    def verdict_of(self, evidence) -> str:
        """The verdict label of a technique shown at this stage: a modelled technique's own judgement, or
        the lever's for a practice the case describes (practices are not priced)."""
        if getattr(evidence, "modelled", False):
            for j in self.judged:
                if j.name == evidence.name:
                    return VERDICT_LABELS[j.verdict]
        return VERDICT_LABELS[self.practice_verdict] if self.practice_verdict else self.verdict_label


@dataclass(frozen=True)
class LoopStage:
    id: str
    label: str
    fits: tuple[FitView, ...]     # one per company, in company order

    @property
    def differs(self) -> bool:
        """True when the companies' verdicts here are not all the same."""
        return len({f.verdict for f in self.fits}) > 1


@dataclass(frozen=True)
class RankingView:
    """How firmly the ranking holds, for the templates (see :class:`clvedu.analysis.recommendation.RankingTest`)."""

    leader: CompanyView
    runner: CompanyView
    gap: float
    overlap: bool
    parity_churn: float | None    # the leader's churn per period at which it is worth the runner-up's CLV
    leader_churn: float
    period: str
    swapped_clv: float | None     # the leader's CLV at the runner-up's churn (same relationship only)
    flips: tuple[tuple[str, str, str], ...]   # (company name, short input label, "low"/"high") that reverse the order


def lever_words(lever: str, view: CompanyView) -> str:
    plural = filters.plural(view.noun)
    return {"retention": f"keeping {plural}", "revenue": view.revenue_label,
            "acquisition": f"the cost of winning {plural}"}[lever]


def _fit_reason(fit, view: CompanyView, currency: str) -> str:
    words = lever_words(fit.lever, view)
    worth = filters.money(fit.worth, 0, currency=currency)
    share = filters.percent(fit.share, 0)
    label = VERDICT_LABELS[fit.verdict]
    if fit.verdict in ("gap", "low priority"):
        text = (f"{label}: no technique here, and {words} is worth {worth} per new {view.noun} for a 10% gain "
                f"({share} of {view.name}'s strongest lever)")
    else:
        text = (f"{label}: acts on {words}, worth {worth} per new {view.noun} for a 10% gain "
                f"({share} of {view.name}'s strongest lever)")
    if fit.downgraded_by:
        best = next(j for j in fit.judged if j.name == fit.downgraded_by)
        text += f"; the best modelled technique here, {best.name.lower()}, {technique_why(best, currency)}"
    return text


def technique_why(judged, currency: str) -> str:
    """Why a modelled technique's verdict is below its lever's, or what it nets: "loses $2 per new member",
    "nets only 95% of its cost ($7.02 on $7.39)", "nets $1,750 after its cost"."""
    net = filters.money(judged.gain, 0, currency=currency)
    if judged.why == "loses":
        return f"loses {filters.money(-judged.gain, 0, currency=currency)} after its cost"
    if judged.why == "thin" and judged.roi:
        cost = judged.gain / judged.roi
        decimals = 2 if abs(cost) < 100 else 0  # whole amounts would read "$7 on $7"
        return (f"nets only {filters.percent(judged.roi, 0)} of its cost ({filters.money(judged.gain, decimals, currency=currency)}"
                f" on {filters.money(cost, decimals, currency=currency)})")
    return f"nets {net} after its cost"


def _fit_views(insights, views: list[CompanyView], relationships, currency: str) -> tuple[LoopStage, ...]:
    stay = stay_stage_label(relationships)
    by_id = {v.id: v for v in views}
    stages = []
    order = [f.stage for f in insights.fits]
    for stage in dict.fromkeys(order):
        label = stay if stage == "stay" else LOOP_LABELS[stage]
        fits = []
        for fit in (f for f in insights.fits if f.stage == stage):
            v = by_id[fit.company_id]
            fits.append(FitView(stage=stage, label=label, company_id=v.id, company=v.name, verdict=fit.verdict,
                                verdict_label=VERDICT_LABELS[fit.verdict], lever=fit.lever,
                                lever_words=lever_words(fit.lever, v), worth=fit.worth, share=fit.share,
                                practices=fit.practices, modelled=fit.modelled, downgraded_by=fit.downgraded_by,
                                reason=_fit_reason(fit, v, currency), judged=fit.judged,
                                why_down=technique_why(next(j for j in fit.judged if j.name == fit.downgraded_by), currency)
                                if fit.downgraded_by else "", practice_verdict=fit.lever_verdict))
        stages.append(LoopStage(stage, label, tuple(fits)))
    return tuple(stages)


def _ranged(company: CompanyAnalysis, noun: str) -> tuple[RangedDriver, ...]:
    rel = company.relationship
    out = []
    for row in company.range_tornado.itertuples(index=False):
        fid = str(row.figure)
        need = rel.figures.get(fid) or SHARED_FIGURES.get(fid)
        line = next((ln for ln in company.input_lines if ln.figure_id == fid), None)
        out.append(RangedDriver(fid, figure_label(fid, noun), float(row.low_end), float(row.high_end),
                                line.per if line is not None else None, need.family if need else "number",
                                float(row.low_value), float(row.high_value)))
    return tuple(out)


# --- the talk's tables ------------------------------------------------------------------------------------------

def components_table(views: list[CompanyView], currency: str) -> Table:
    """The CLV's components per company and the result two ways (discounted, and the undiscounted shortcut)."""
    def m(v):
        return filters.money(v, 0, currency=currency)

    # m is the margin before the retention cost, as in the formula beside the table, which subtracts that cost itself
    rows = [["Margin m"] + [filters.money(float(v.inputs.margin.value), None, v.period, currency=currency) for v in views]]
    if any(v.inputs.retention_cost is not None for v in views):
        rows.append(["Retention cost"] + [filters.money(float(v.inputs.retention_cost.value) if v.inputs.retention_cost
                                                        is not None else 0.0, None, v.period, currency=currency)
                                          for v in views])
    rows += [
        ["Stay rate r"] + [filters.percent(float(v.inputs.retention.value), 1, v.period) for v in views],
        ["Discount rate d"] + [filters.percent(float(v.inputs.discount.value), 2, v.period) for v in views],
        ["Acquisition cost"] + [m(v.inputs.acquisition_cost) for v in views],
        ["CLV, discounted"] + [m(v.clv.base) for v in views],
        ["Shortcut, no discounting"] + [m(v.ins.simple.value) for v in views],
    ]
    return Table([""] + [v.name for v in views], rows, [1.5] + [1.0] * len(views))


PURPOSE = {"need": "win", "search": "win", "join": "win", "evaluate": "grow", "use": "keep", "stay": "keep",
           "win_back": "keep"}
"""What a technique at each loop stage is for: winning customers, growing what they pay, keeping them."""


def technique_rows(view: CompanyView, stages: tuple[LoopStage, ...]) -> list[tuple[FitView, Any]]:
    """Three techniques of one company for the talk: one that wins customers (need, search, join), one that
    grows what they pay (evaluate), one that keeps them (use, stay, win back). In each group: the practice at
    the stage whose lever is worth most to the company, and among equals the one the case backs with a
    cited figure (a source and a number in its description), then the earliest."""
    groups = (("need", "search", "join"), ("evaluate",), ("use", "stay", "win_back"))
    fits = {s.id: next(f for f in s.fits if f.company_id == view.id) for s in stages}
    chosen = []
    for group in groups:
        pairs = [(fits[g], ev, i, j) for i, g in enumerate(group) if g in fits
                 for j, ev in enumerate(fits[g].practices)]
        if not pairs:
            pairs = [(fits[g], ev, i, j) for i, g in enumerate(group) if g in fits
                     for j, ev in enumerate(fits[g].modelled[:1])]
        if pairs:
            def evidence(ev) -> int:
                return int(bool(ev.citation)) + int(any(ch.isdigit() for ch in ev.how))

            fit, ev, _, _ = max(pairs, key=lambda p: (round(p[0].share, 9), evidence(p[1]), -p[2], -p[3]))
            chosen.append((fit, ev))
    return chosen


def techniques_table(view: CompanyView, stages: tuple[LoopStage, ...]) -> Table:
    """One company's techniques for the talk: what it is, how it works with the case's evidence, the lever
    it moves and the judged fit at its stage (the same judgement as the journey loop's)."""
    rows = []
    for fit, ev in technique_rows(view, stages):
        evidence = f"{ev.how.rstrip('.')} ({ev.citation})" if ev.citation else ev.how
        rows.append([f"{ev.name} ({fit.label.lower()})", evidence, fit.lever_words.capitalize(), fit.verdict_of(ev)])
    return Table(["Technique (stage)", "How it works, and the evidence", "Moves", "Fit"], rows, [1.5, 3.6, 1.3, 0.9])


def fit_table(stages: tuple[LoopStage, ...], views: list[CompanyView]) -> list[Table]:
    """Every stage of the loop with each company's techniques and judged fit, each modelled technique with its
    own verdict (a backup slide; the renderer puts a long table on continuation slides)."""
    rows = []
    for st in stages:
        row = [st.label]
        for f in st.fits:
            parts = [e.name for e in f.practices] + [f"{j.name} ({VERDICT_LABELS[j.verdict].lower()})"
                                                     for j in f.judged]
            row.append(f"{'; '.join(parts) or 'none'}. {f.reason}.")
        rows.append(row)
    header = ["Stage"] + [v.name for v in views]
    widths = [0.8] + [2.6] * len(views)
    return [Table(header, rows, widths)]


NARROW_MARKET = re.compile(r"\b(?:concentrates? on|focus(?:es|ed)? on|specialis\w* in|mainly (?:for |serves? )?"
                           r"(?:small|medium|large|young|older|budget|premium)[\w -]*)", re.I)
"""Words of a company's own description that say it serves one chosen group of customers."""
BROAD_MARKET = re.compile(r"\b(?:(?:of|at) (?:every|all|any) sizes?|across the whole market|whole market|"
                          r"from (?:very )?small [\w -]*? to (?:the )?(?:large|multinational|global|enterprise)[\w -]*|"
                          r"several (?:labels|brands))", re.I)
"""Words that say it serves several groups with different offers (firms of every size, several labels)."""


def _count_word(n: int) -> str:
    """A small count in words, as it is said: 4 -> "four"; 13 and more as digits."""
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
    return words[n] if 0 <= n < len(words) else f"{n:,}"


def segmentation_strategy(evidence, text: str = "", noun: str = "customer", segments: int = 0) -> tuple[str, str]:
    """(strategy, what shows it, as a verb phrase) from the case's data and the company's own description
    (``text``: business model, description and offers). Concentrated when the description says the firm
    concentrates on one group ("concentrates on small and medium-sized businesses"); differentiated when it
    serves several groups ("employers of every size", "several labels"), or the case sets out two or more
    ``segments`` of its customers, or it sells at two or more price levels or in two or more regions at
    different revenue; undifferentiated (one offer for all) otherwise; and personalised as well when a
    technique tailors the offer to each customer."""
    broad, narrow = BROAD_MARKET.search(text), NARROW_MARKET.search(text)
    plural = filters.plural(noun)
    if narrow and not broad:
        group = re.sub(r"^(?:concentrates? on|focus(?:es|ed)? on|specialis\w* in|mainly (?:for |serves? )?)\s*", "",
                       narrow[0].strip(), flags=re.I)
        word, basis = "Concentrated", f"concentrates on {group}"
    elif broad:
        phrase = broad[0].strip()
        word = "Differentiated"
        if phrase.lower().startswith(("of", "at", "from")):
            basis = f"serves {plural} {phrase}"
        elif phrase.lower().startswith("several"):
            basis = f"sells {phrase}"
        else:
            basis = f"serves the {phrase.lower().removeprefix('across the ')}"
    elif segments >= 2:
        word, basis = "Differentiated", f"serves {_count_word(segments)} segments of {plural} with different offers"
    elif evidence.price_levels >= 2:
        word, basis = "Differentiated", f"sells at {_count_word(evidence.price_levels)} price levels"
    elif evidence.regions >= 2:
        word, basis = "Differentiated", f"sells in {_count_word(evidence.regions)} regions at different revenue"
    else:
        word, basis = "Undifferentiated", f"sells one offer to every {noun}"
    if evidence.personalises:
        how = evidence.personalising_technique.lower()
        how = "its offer" if how.startswith("personalis") else f"through {how}"
        return f"{word} and personalised", f"{basis}, and personalises {how}"
    return word, basis


def volume_words(amount: float, volume) -> str:
    """``1.4 orders a year``, ``14 seats``: an amount of the company's volume figure with its unit and period."""
    _, _, unit, per = volume
    shown = f"{amount:,.1f}".rstrip("0").rstrip(".") if amount < 10 else f"{amount:,.0f}"
    return f"{shown} {unit}" + (f" {filters.period(per)}" if per else "")


def segment_bases_table(views: list[CompanyView], currency: str) -> Table:
    """Segmentation strategy and the bases the case's data support, per company, in short cells."""
    def strategy(v: CompanyView) -> str:
        return v.strategy

    def geographic(v: CompanyView) -> str:
        regions = v.ins.regions
        if len(regions) < 2:
            return "No regional figures"
        base, other = regions[0], min(regions[1:], key=lambda r: r.clv)
        return (f"{base.region} {filters.money(base.clv, 0, currency=currency)}, "
                f"{other.region} {filters.money(other.clv, 0, currency=currency)}")

    def value(v: CompanyView) -> str:
        tiers = v.ins.tiers
        if len(tiers) >= 2 and tiers[0].basis in ("plan", "segment"):
            return (f"{len(tiers)} {tiers[0].basis}s: {filters.money(tiers[0].clv, 0, currency=currency)} to "
                    f"{filters.money(tiers[-1].clv, 0, currency=currency)}")
        if v.ins.break_even_volume is not None:
            return f"Loss below {volume_words(v.ins.break_even_volume, v.ins.volume)}"
        floor = v.ins.break_even_revenue
        if floor is None:
            return "One average only"
        return f"Loss below {filters.money(floor, 0, v.period, currency=currency)}"

    rows = [["Strategy"] + [strategy(v) for v in views],
            ["Geographic (CLV)"] + [geographic(v) for v in views],
            ["Value tiers"] + [value(v) for v in views]]
    return Table(["Base"] + [v.name for v in views], rows, [1.2] + [1.6] * len(views))


def _headcount(count: float, unit: str) -> str:
    """``80,128 thousand members`` as ``80.1 million members``: a count read aloud."""
    words = unit.split()
    if words and words[0] == "thousand" and count >= 1000:
        return f"{count / 1000:,.1f} million {' '.join(words[1:])}".replace(".0 ", " ").strip()
    return f"{count:,.1f} {unit}".replace(".0 ", " ")


def segment_values_table(views: list[CompanyView], currency: str) -> Table:
    """Backup: every value tier and region with its revenue per period and CLV, and the break-even revenue."""
    rows = []
    for v in views:
        for t in v.ins.tiers:
            if t.basis == "volume":
                rows.append([v.name, f"Illustration: {volume_words(t.volume, v.ins.volume)} ({t.name})",
                             filters.money(t.revenue, 2, v.period, currency=currency),
                             filters.money(t.clv, 0, currency=currency)])
                continue
            share = (f" ({filters.percent(t.customer_share, 0)} of {filters.plural(v.noun)})"
                     if t.basis == "segment" and t.customer_share is not None else "")
            if t.basis == "segment" and getattr(t, "acquisition_cost", None) is not None:
                share = share[:-1] + f"; won for {filters.money(t.acquisition_cost, 0, currency=currency)})"
            rows.append([v.name, f"{ {'plan': 'Plan', 'segment': 'Segment'}.get(t.basis, 'Region')}: {t.name}{share}",
                         filters.money(t.revenue, 2, v.period, currency=currency),
                         filters.money(t.clv, 0, currency=currency)])
        for r in v.ins.regions:
            if r.customers is not None:
                shown = (filters.money(r.value, 2, r.per, currency=currency) if r.unit.upper() == currency.upper()
                         else f"{r.value:g} {r.unit}" + (f" {filters.period(r.per)}" if r.per else ""))
                rows.append([v.name, f"Region {r.region}: {_headcount(r.customers, r.customers_unit)}",
                             f"{shown} ({r.citation})", filters.money(r.clv, 0, currency=currency)])
        if v.ins.break_even_revenue is not None:
            volume = f" ({volume_words(v.ins.break_even_volume, v.ins.volume)})" if v.ins.break_even_volume else ""
            rows.append([v.name, f"Break-even: CLV is zero{volume}",
                         filters.money(v.ins.break_even_revenue, 2, v.period, currency=currency),
                         filters.money(0, 0, currency=currency)])
    return Table(["Company", "Segment", "Revenue per period", f"CLV per new {views[0].noun}"], rows, [1.1, 2.4, 1.6, 1.0])


def price_history_table(views: list[CompanyView], currency: str) -> Table:
    rows = []
    for v in views:
        test = v.rec.price_test
        if not test.rises:
            rows.append([v.name, "No price rise in the case", "—", "—"])
            continue
        for r in test.rises:
            rows.append([v.name, f"{r.plan} ({r.market}, from {r.since or 'before'})",
                         f"{filters.money(r.before, 2, currency=currency)} to {filters.money(r.after, 2, r.per, currency=currency)}",
                         f"+{filters.percent(r.change, 0)} ({r.citation})"])
    return Table(["Company", "Plan", "Price", "Rise"], rows, [1.1, 2.3, 2.2, 1.6])


# --- the talk's charts -----------------------------------------------------------------------------------------

def _talk_charts(analysis: CaseAnalysis, views: list[CompanyView]) -> dict[str, list[ChartSpec]]:
    cur = analysis.currency
    fmt = _number_format(cur)
    charts: dict[str, list[ChartSpec]] = {}
    ranged = []
    for v in views[:2]:
        drivers = list(v.ranged)[:5]
        if not drivers:
            continue
        ranged.append(ChartSpec(
            "tornado", f"{v.name}: CLV at each end of an input's range", f"CLV per new {v.noun} ({cur})", "",
            (Series("Worse end of its range", tuple(d.worse for d in drivers)),
             Series("Better end of its range", tuple(d.better for d in drivers))),
            categories=tuple(d.label for d in drivers), baseline=v.clv.base, number_format=fmt))
    charts["range_tornado"] = ranged
    modelled = []
    for v in views[:2]:
        if v.techniques:
            modelled.append(ChartSpec(
                "barh", f"{v.name}: net gain per new {v.noun}, after each technique's cost",
                f"Net gain in CLV after cost ({cur})", "",
                (Series("Net gain after cost", tuple(t.gain for t in v.techniques)),),
                categories=tuple(technique_category(t) for t in v.techniques), number_format=fmt))
    charts["modelled"] = modelled
    return charts


def technique_category(t: Technique) -> str:
    """A technique's bar label: its name and its one verdict, "Loyalty rewards (weak fit)"."""
    return f"{t.name} ({t.verdict_label.lower()})" if t.verdict_label else t.name


# --- the talk's diagrams ---------------------------------------------------------------------------------------

def _basis_phrase(f: Figure, view: CompanyView) -> str:
    if f.source.kind == "assumption":
        return "an assumption"
    cites = "; ".join(f.source.citations)
    if f.source.kind == "derived" and not cites:
        return "derived"
    own = any(c.split(",")[0].strip().lower() in view.name.lower() or view.name.lower() in c.lower()
              for c in f.source.citations)
    whose = "its own report" if own else "a third party"
    return f"derived from {whose} ({cites})" if f.source.kind == "derived" else f"{whose} ({cites})"


def _data_flow(views: list[CompanyView], journey, currency: str) -> diagrams.Diagram:
    rows = []
    for v in views:
        rel = v.relationship
        plural = filters.plural(v.noun)
        collects = {"subscription": ["Sign-ups, plans and payments", f"Who {rel.leaves} and when", f"What {plural} use"],
                    "repeat_purchase": ["Orders, baskets and returns", f"When {plural} last bought",
                                        "Site and app visits"],
                    "contract": ["Contracts, seats and prices", "Renewals at each term end", "Service requests"]}[rel.id]
        added = [sc.data_added for sc in (journey.technique_scenarios.get(v.id, []) if journey else [])
                 if getattr(sc, "data_added", None)]
        if added:
            first = " ".join(added[0].split()).rstrip(".")
            clause = first.split(", ")[0]  # a box line says the first clause in full rather than cut a sentence
            collects = collects[:2] + [textfit.shorten(clause if len(clause.split()) >= 3 else first, 90)]
        by = {f.id: f for f in v.figures}
        revenue_id = next((fid for fid in ("arpu", "order_value", "price_per_seat") if fid in by), None)
        inputs = [f"{v.stay_figure.short}: {_basis_phrase(v.stay_figure, v)}"]
        if revenue_id:
            inputs.append(f"{by[revenue_id].short}: {_basis_phrase(by[revenue_id], v)}")
        if "acquisition_cost" in by:
            inputs.append(f"Acquisition cost: {_basis_phrase(by['acquisition_cost'], v)}")
        rows.append((v.name, collects, inputs))
    clv_lines = ["CLV", "per new " + views[0].noun]
    decide = ["Decides", "Acquisition budget", "Retention spending", "Prices and plans"]
    protection = ["Limits set by data protection law for UK customers (UK GDPR and the Data Protection Act 2018)",
                  "A lawful basis and a stated purpose for each use; only the data needed, kept no longer than needed;",
                  "consent for marketing cookies and messages; customers may see, correct and erase their data"]
    alt = ("Data-flow diagram. " + " ".join(
        f"{name} collects {', '.join(c[:1].lower() + c[1:] for c in collects)}; these are collated into the inputs: "
        f"{'; '.join(i[:1].lower() + i[1:] for i in inputs)}." for name, collects, inputs in rows)
        + " The inputs give the CLV per new customer, which sets the acquisition budget, retention spending and "
          "prices. Data protection law limits every step: a lawful basis and purpose, only the data needed, consent "
          "for marketing, and customers' rights to see and erase their data.")
    return diagrams.data_flow(rows, clv_lines, decide, protection, alt)


def _decision_models(stages_table, views: list[CompanyView], b2b, relationships) -> diagrams.Diagram:
    names = ["Need", "Search", "Evaluate", "Purchase", "Post-purchase"]
    moves = ["reach: acquisition cost", "risk: acquisition cost", "choice: margin", "first sale", "staying: retention"]
    if stages_table is not None:
        drivers = list(stages_table["clv_driver"])
        if len(drivers) == 5:
            moves = [str(d) for d in drivers]
    loop = f"Loop: use, then {stay_stage_label(relationships).lower()}, then win back"
    b2b_lines: list[str] = []
    if b2b is not None:
        b2b_lines = ["Business buyers (Robinson, Faris and Wind, 1967; Webster and Wind, 1972)",
                     "Buy classes: new task, modified rebuy, straight rebuy",
                     f"Buying centre: {len(b2b.buying_centre) or 'several'} roles, each weighing risk and cost"]
    else:
        b2b_lines = ["Business buyers (Webster and Wind, 1972)",
                     "A buying centre of several roles weighs risk and total cost",
                     "Less relevant here: the case's buyers are consumers"]
    alt = ("Decision models. Five stages in a row: " + ", ".join(f"{n} ({m})" for n, m in zip(names, moves))
           + f". After purchase the customer loops: {loop.split(': ', 1)[1]}, and returns to evaluation. "
           + " ".join(b2b_lines) + ".")
    return diagrams.decision_models(list(zip(names, moves)), loop, b2b_lines, alt)


def _journey_loop(stages: tuple[LoopStage, ...]) -> diagrams.Diagram:
    data = [(st.id, st.label, [(f.company, f.verdict_label.replace(" fit", "").lower(), f.verdict) for f in st.fits])
            for st in stages]
    alt = ("Journey loop: " + " -> ".join(st.label for st in stages) + ", then back to evaluate. "
           + " ".join(f"{st.label}: " + "; ".join(f"{f.company} {f.verdict_label.lower()}" for f in st.fits) + "."
                      for st in stages))
    return diagrams.journey_loop(data, alt)


def _positioning(journey, views: list[CompanyView], currency: str) -> tuple[diagrams.Diagram | None, dict]:
    """The positioning map and what it is built from (axes and values), or (None, {}) without attributes."""
    if journey is None or not getattr(journey, "attributes", None):
        return None, {}
    attrs = journey.attributes
    ids = [v.id for v in views]
    usable = {k: a for k, a in attrs.items() if all(c in a.values for c in ids)}
    if len(usable) < 2:
        return None, {}
    money_attr = next((k for k, a in usable.items() if str(a.unit).upper() == currency.upper()), None)
    weights = dict(getattr(getattr(journey, "choice", None), "weights", {}) or {})
    ratings = [k for k, a in usable.items() if a.unit == "rating"]
    if money_attr is not None:
        x_id = money_attr
    else:
        x_id = max(ratings, key=lambda k: (weights.get(k, 0.0), -ratings.index(k))) if ratings else next(iter(usable))
    others = [k for k in ratings if k != x_id]
    if not others:
        return None, {}
    total = sum(weights.get(k, 0.0) for k in others)

    def score(cid: str) -> float:
        if total > 0:
            return sum(weights.get(k, 0.0) * float(usable[k].values[cid]) for k in others) / total
        return sum(float(usable[k].values[cid]) for k in others) / len(others)

    xa = usable[x_id]
    xs = {v.id: float(xa.values[v.id]) for v in views}
    ys = {v.id: score(v.id) for v in views}
    x_is_money = x_id == money_attr
    x_label = (f"{xa.label} →" if not x_is_money else f"{xa.label} ({currency}) →")
    y_label = "Weighted rating of the other attributes, out of 10 ↑"
    low_x, high_x = min(xs.values()), max(xs.values())
    span = max(high_x - low_x, 0.1 * max(abs(high_x), 1.0)) * 0.5
    x_range = (max(0.0, low_x - span), high_x + span) if x_is_money else (max(0.0, low_x - span), min(10.0, high_x + span))
    points = [(v.name, xs[v.id], ys[v.id],
               (filters.money(xs[v.id], 2, currency=currency) if x_is_money else f"{xs[v.id]:g}/10")
               + f", rated {ys[v.id]:.1f}") for v in views]
    alt = (f"Positioning map. Across: {xa.label}; up: the weighted rating of "
           f"{filters.join_and(usable[k].label.split(' (')[0].lower() for k in others)}. "
           + " ".join(f"{name} sits at {caption}." for name, _, _, caption in points))
    low, high = min(ys.values()), max(ys.values())
    y_span = max(high - low, 1.0) * 0.6
    y_range = (max(0.0, low - y_span), min(10.0, high + y_span))
    diagram = diagrams.positioning_map(points, x_label, y_label, x_range, y_range, alt)
    by_name = {v.id: v.name for v in views}
    info = {"x_label": xa.label, "x_is_money": x_is_money,
            "top_x": by_name[max(xs, key=lambda k: xs[k])], "top_y": by_name[max(ys, key=lambda k: ys[k])],
            "others": tuple(usable[k].label.split(" (")[0] for k in others), "x": xs, "y": ys,
            "kind": getattr(xa, "kind", "")}
    return diagram, info


# --- the tutor's settings for the briefing ----------------------------------------------------------------------

SETTINGS_FIELDS = {
    "centre": "the school or college",
    "programme": "the programme and cohort, e.g. HND Business, 2026-27 intake",
    "assignment_title": "the assignment's title",
    "issue_date": "the date the assignment is issued",
    "presentation_dates": "when the presentations are given",
    "submission_deadline": "the deadline for the slides and notes (date and time)",
    "submission_format": "what is handed in and where, e.g. one .pptx file with speaker notes, uploaded to the VLE",
    "assessor": "the assessor's name",
    "internal_verifier": "the internal verifier's name",
    "feedback_date": "when students receive feedback",
    "resubmission": "the centre's rules for a resubmission",
    "ai_policy": "what use of AI tools the centre allows",
    "contact": "whom students ask about the assignment",
}
"""The settings a tutor may give (``clvedu deck --kind briefing --settings FILE``), each with what it holds."""

MAX_SETTING_CHARS = 400
SETTINGS_BYTES = 64_000


@dataclass(frozen=True)
class TutorSettings:
    """The administration of the assignment, as the tutor gives it; a field not given is None."""

    values: dict[str, str]
    path: str = ""


@dataclass(frozen=True)
class SettingsView:
    """What the briefing's administration slides show: each setting, or a marked placeholder."""

    given: dict[str, str]

    def __getattr__(self, name: str) -> str:
        if name.startswith("_") or name not in SETTINGS_FIELDS:
            raise AttributeError(name)
        return self.given.get(name) or f"[to be set: {SETTINGS_FIELDS[name]}]"

    def has(self, name: str) -> bool:
        return bool(self.given.get(name))

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(k for k in SETTINGS_FIELDS if not self.given.get(k))


def settings_view(settings: TutorSettings | None) -> SettingsView:
    return SettingsView(dict(settings.values) if settings is not None else {})


def load_settings(path) -> TutorSettings:
    """Read a tutor's settings file (YAML, keys of :data:`SETTINGS_FIELDS`, text or date values).

    Raises :class:`~clvedu.errors.UserError` (exit code 2) naming the file for one that cannot be read or is
    not YAML, and :class:`~clvedu.errors.InvalidInput` (exit code 1) naming the file and the key for one that
    is not a mapping, has an unknown key, a value that is not text or a date, or a value over
    :data:`MAX_SETTING_CHARS` characters.
    """
    import datetime
    from pathlib import Path

    from clvedu.errors import InvalidInput, UserError
    from clvedu.io import load_yaml, read_at_most

    file = Path(path)
    try:
        raw = read_at_most(file, SETTINGS_BYTES)
    except FileNotFoundError:
        raise UserError(f"--settings {file}: file not found") from None
    except OSError as exc:
        raise UserError(f"--settings {file}: cannot read it ({exc.strerror or type(exc).__name__})") from None
    if raw is None:
        raise UserError(f"--settings {file}: larger than {SETTINGS_BYTES:,} bytes; a settings file is a few lines")
    try:
        data = load_yaml(raw.decode("utf-8"), str(file))
    except UnicodeDecodeError:
        raise UserError(f"--settings {file}: not UTF-8 text; save it as UTF-8") from None
    except UserError:
        raise
    except Exception as exc:  # a YAML syntax error
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise UserError(f"--settings {file}{where}: malformed YAML ({getattr(exc, 'problem', None) or type(exc).__name__})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInput(f"--settings {file}: must be a mapping of settings (key: value); allowed keys: "
                        f"{', '.join(SETTINGS_FIELDS)}")
    values = {}
    for key, value in data.items():
        if key not in SETTINGS_FIELDS:
            raise InvalidInput(f"--settings {file}: unknown key {str(key)[:60]!r}; allowed keys: {', '.join(SETTINGS_FIELDS)}")
        if value is None:
            continue
        if isinstance(value, (datetime.date, datetime.datetime)):
            value = f"{value.day} {value:%B %Y}" if not isinstance(value, datetime.datetime) else \
                f"{value.day} {value:%B %Y, %H:%M}"
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InvalidInput(f"--settings {file}: {key} must be text or a date; got {type(value).__name__}")
        text = textfit.clean(" ".join(str(value).split()))
        if len(text) > MAX_SETTING_CHARS:
            raise InvalidInput(f"--settings {file}: {key} is {len(text):,} characters long; at most {MAX_SETTING_CHARS}")
        values[key] = text
    return TutorSettings(values, str(file))


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


def _with_insights(view: CompanyView, analysis: CaseAnalysis, insights) -> CompanyView:
    ins = insights.companies[view.id]
    company = analysis.companies[view.id]
    best, worst = churn_range(analysis.case, company)
    words = " ".join([view.business_model, view.description, *view.offers])
    strategy, basis = segmentation_strategy(ins.segmentation, words, view.noun,
                                           sum(t.basis == "segment" for t in ins.tiers))
    judged = {j.name: j for j in insights.techniques if j.company_id == view.id}
    techniques = tuple(replace(t, verdict=judged[t.name].verdict, verdict_label=VERDICT_LABELS[judged[t.name].verdict],
                               stage=judged[t.name].stage, why=judged[t.name].why) if t.name in judged else t
                       for t in view.techniques)
    return replace(view, ins=ins, rec=ins.recommendation, eco=ins.ecosystem, ranged=_ranged(company, view.noun),
                   stay_range=() if best is None else (best, worst), strategy=strategy, strategy_basis=basis,
                   techniques=techniques)


def build_context(case: Case, rubric: Rubric, analysis: CaseAnalysis | None = None,
                  settings: "TutorSettings | None" = None) -> DeckContext:
    """Pick everything a deck can show from the case's analysis (computed here if not given)."""
    analysis = analysis if analysis is not None else analyse_case(case)
    references = _unique_references(analysis)
    by_id = {r.id: r for r in references}
    every = {sid: by_id.get(sid) or reference(case, sid) for sid in case.sources}   # a reason may cite any source
    views = [_company_view(case, c, every) for c in analysis.companies.values()]
    cited = {sid for v in views for f in v.figures for sid, r in every.items()
             if sid not in by_id and f"({r.citation})" in f.source.reason}
    references = references + tuple(every[sid] for sid in cited)
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
    insights = analyse_insights(analysis)
    known = {r.id for r in references}
    references = references + tuple(reference(case, sid) for sid in insights.source_ids if sid not in known)
    views = [_with_insights(v, analysis, insights) for v in views]
    view_of = {v.id: v for v in views}
    ranked = [view_of[c.id] for c in analysis.ranked]
    loop = _fit_views(insights, views, relationships, analysis.currency)
    views = [replace(v, fit={st.id: next(f for f in st.fits if f.company_id == v.id) for st in loop},
                     tech_rows=tuple(technique_rows(v, loop)) if loop else (),
                     tech={PURPOSE[f.stage]: (f, e) for f, e in technique_rows(v, loop)} if loop else {}) for v in views]
    view_of = {v.id: v for v in views}
    ranked = [view_of[c.id] for c in analysis.ranked]
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
        tables["buying_roles"] = Table(["Role", "Cares about", "What wins them"],
                                       [[r.role.capitalize(), r.cares_about, r.technique] for r in b2b.buying_centre],
                                       [0.8, 2.0, 2.4])
    tables["components"] = components_table(views, analysis.currency)
    tables["segment_bases"] = segment_bases_table(views, analysis.currency)
    tables["segment_values"] = segment_values_table(views, analysis.currency)
    tables["price_history"] = price_history_table(views, analysis.currency)
    if loop:
        for v in views:
            tables[f"techniques_{v.id}"] = techniques_table(v, loop)
        for i, page in enumerate(fit_table(loop, views)):
            tables["fit_full" if i == 0 else "fit_full_more"] = page
    charts = _charts(analysis, views)
    charts.update(_talk_charts(analysis, views))
    diagram_specs: dict[str, diagrams.Diagram] = {"data_flow": _data_flow(views, analysis.journey, analysis.currency),
                                                  "decision_models": _decision_models(analysis.stage_table, views, b2b,
                                                                                      relationships)}
    if loop:
        diagram_specs["journey_loop"] = _journey_loop(loop)
    positioning, position = _positioning(analysis.journey, views, analysis.currency)
    if positioning is not None:
        diagram_specs["positioning_map"] = positioning
    r = insights.ranking
    names = {v.id: v.name for v in views}
    ranking = RankingView(
        leader=view_of[r.leader], runner=view_of[r.runner_up], gap=r.gap, overlap=r.ranges_overlap,
        parity_churn=r.parity_churn, leader_churn=r.leader_churn, period=r.period, swapped_clv=r.swapped_clv,
        flips=tuple((names[cid], figure_label(fid, analysis.noun), end) for cid, fid, end, _ in r.flips))
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
        "loop": loop,
        "ranking": ranking,
        "position": position,
        "settings": settings_view(settings),
        "slide_no": {},
        "slide_no_span": {},
        "volume_words": volume_words,
    }
    return DeckContext(values=values, currency=analysis.currency, tables=tables, charts=charts,
                       diagrams=diagram_specs)
