"""Everything a reader sees about one company of a case, computed once: :class:`CompanyAnalysis`.

The book's chapters and the decks both read these objects; neither computes a CLV, a payback or a
lever effect of its own. Values are raw numbers with their period; formatting is the renderers' job.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from clvedu.analysis.sources import Basis, basis
from clvedu.cases import Case, CLVInputs
from clvedu.cases.plans import plans_on_sale
from clvedu.clv import cash_flow_schedule, lifetime_value
from clvedu.domain.relationships import Relationship
from clvedu.levers import acquisition_payback, break_even_churn, clv, tornado, with_arpu, with_churn
from clvedu.units import Churn, Money, Retention

SWING = 0.10
"""Relative change of each driver in the sensitivity (tornado) analysis and the lever comparison."""

SCHEDULE_PERIODS = 12
"""Rows of the period-by-period table shown to readers (the total is carried on to convergence)."""


@dataclass(frozen=True)
class ScenarioValues:
    """One quantity in the pessimistic, base and optimistic scenarios."""

    low: float
    base: float
    high: float


@dataclass(frozen=True)
class WorkedStep:
    """One line of the worked CLV table: ``operator`` (``""``, ``×``, ``−``, ``=``), a label and a raw value.

    ``kind`` says how to read ``value``: ``money`` (in the case currency, per ``per`` if given),
    ``share``, ``rate`` (per ``per``), ``count`` (with ``unit``) or ``number`` (a plain multiple).
    """

    operator: str
    label: str
    value: float
    kind: str
    per: str | None = None
    unit: str = ""


@dataclass(frozen=True)
class InputLine:
    """One figure the CLV reads, with its raw value as typed in the case and its basis."""

    owner: str
    figure_id: str
    label: str
    value: float
    unit: str
    per: str | None
    low: float | None
    high: float | None
    basis: Basis


@dataclass(frozen=True)
class LeverEffect:
    """Gain in CLV when one lever improves by :data:`SWING`: ``lever`` is retention, revenue or acquisition."""

    lever: str
    label: str
    gain: float


@dataclass(frozen=True)
class BreakEven:
    """The churn (and retention) per period at which a price change leaves CLV unchanged; None when none can."""

    price_change: float
    churn: float | None
    retention: float | None


@dataclass(frozen=True)
class PlanValue:
    """A plan on sale and the CLV of a customer paying its price instead of the average revenue."""

    name: str
    price: float
    clv: float


@dataclass(frozen=True)
class ScenarioAnalysis:
    """What the analysis reports for one company in one scenario (low, base or high)."""

    scenario: str
    inputs: CLVInputs
    clv: float
    value_before_acquisition: float
    levers: tuple[LeverEffect, ...]
    payback_periods: int | None

    @property
    def strongest_lever(self) -> LeverEffect:
        return self.levers[0]


@dataclass(frozen=True)
class CompanyAnalysis:
    """One company's CLV, how it is built, what moves it and where its inputs come from."""

    id: str
    name: str
    relationship: Relationship
    noun: str
    currency: str
    period: str
    inputs: CLVInputs
    scenario_inputs: dict[str, CLVInputs]
    clv: ScenarioValues
    value_before_acquisition: float
    multiple: float
    steps: tuple[WorkedStep, ...]
    input_lines: tuple[InputLine, ...]
    tornado: pd.DataFrame
    levers: tuple[LeverEffect, ...]
    break_even: BreakEven
    payback_periods: int | None
    clv_by_timing: dict[str, float]
    retention_range: ScenarioValues | None
    plans: tuple[PlanValue, ...]
    techniques: pd.DataFrame | None
    range_tornado: pd.DataFrame
    scenarios: dict[str, ScenarioAnalysis]
    group: str = ""                    # the customers every CLV input describes (the case's customer_group)
    borrowed: tuple[tuple[str, str], ...] = ()  # (figure id, whose measure it borrows and why) per borrowed input

    @property
    def strongest_lever(self) -> LeverEffect:
        return self.levers[0]

    @property
    def churn(self) -> float:
        return float(self.inputs.churn.value)

    @property
    def retention(self) -> float:
        return float(self.inputs.retention.value)

    @property
    def expected_lifetime(self) -> float:
        """Expected number of periods a customer stays, 1 / churn."""
        return 1.0 / self.churn

    @property
    def gross_margin(self) -> float:
        """Margin m per period *before* any retention cost: revenue x contribution margin. This is the m of the
        formula m x multiple - c x retention-cost multiple - AC, so a table labelled "Margin m" shows this."""
        return float(self.inputs.margin.value)

    @property
    def retention_cost(self) -> float:
        """Retention cost c per customer per period (0 when the case has none): a separate term of the CLV."""
        return float(self.inputs.retention_cost.value) if self.inputs.retention_cost is not None else 0.0

    @property
    def net_margin(self) -> float:
        """m - c per period: what a customer leaves after the cost of keeping them (not the formula's m)."""
        return self.gross_margin - self.retention_cost

    @property
    def retention_cost_multiple(self) -> float:
        """Value per unit of retention cost per period: the margin multiple without growth (a cost does not grow)."""
        return _multiple(self.inputs, growth=False)

    @property
    def value_of_margin(self) -> float:
        """m x multiple: the gross margins' value before retention and acquisition costs."""
        return self.gross_margin * self.multiple

    @property
    def value_of_retention_cost(self) -> float:
        """c x retention-cost multiple: the present cost of keeping a customer over their life."""
        return self.retention_cost * self.retention_cost_multiple

    @property
    def acquisition_share(self) -> float | None:
        """Acquisition cost as a share of the value of margins (None when that value is not positive)."""
        v = self.value_before_acquisition
        return self.inputs.acquisition_cost / v if v > 0 else None

    def schedule(self, periods: int = SCHEDULE_PERIODS) -> pd.DataFrame:
        """The period-by-period table: period, customers still paying, margin, discount factor, value, running total.

        Its running total tends to :attr:`value_before_acquisition` as ``periods`` grows.
        """
        x = self.inputs
        s = cash_flow_schedule(x.margin, x.retention, x.discount, periods, timing=x.timing, growth=x.growth,
                               retention_cost=x.retention_cost if x.retention_cost is not None else 0.0)
        return pd.DataFrame({"period": s["time"].astype(int), "still_customers": s["still_customers"],
                             "margin": s["margin"], "discount_factor": s["discount_factor"],
                             "value": s["value"], "running_total": s["running_total"]})


# --- building one --------------------------------------------------------------------------------------

def _multiple(x: CLVInputs, growth: bool = True) -> float:
    """CLV per unit of per-period margin in the inputs' timing: r/(1+d-r(1+g)) (end) or 1/(1+d-r(1+g)) (end_all)."""
    g = x.growth if (growth and x.growth is not None) else None
    return float(lifetime_value(Money(1.0, x.period), x.retention, x.discount, growth=g, timing=x.timing))


def _steps(case: Case, cid: str, x: CLVInputs, rel: Relationship) -> tuple[WorkedStep, ...]:
    noun, per = x.noun, x.period
    steps: list[WorkedStep] = []
    if rel.id == "repeat_purchase":
        orders = x.arpu.value / case.scenario_value(cid, "order_value")
        steps += [WorkedStep("", "Spend per order", case.scenario_value(cid, "order_value"), "money"),
                  WorkedStep("×", f"Orders per {noun}", float(orders), "count", per, "orders"),
                  WorkedStep("=", f"Spend per {noun}", float(x.arpu.value), "money", per)]
    elif rel.id == "contract":
        seats = case.scenario_value(cid, "seats")
        steps += [WorkedStep("", f"Seats per {noun}", seats, "count", None, "seats"),
                  WorkedStep("×", "Price per seat", float(x.arpu.value) / seats, "money", per),
                  WorkedStep("=", f"Contract value per {noun}", float(x.arpu.value), "money", per)]
    else:
        steps.append(WorkedStep("", f"Revenue per {noun}", float(x.arpu.value), "money", per))
    steps += [WorkedStep("×", "Contribution margin", x.margin_rate, "share"),
              WorkedStep("=", f"Margin per {noun}", float(x.margin.value), "money", per)]
    if x.retention_cost is not None:
        steps.append(WorkedStep("−", "Retention cost", float(x.retention_cost.value), "money", per))
    if rel.retention_is_churn:
        steps += [WorkedStep("", "Churn", float(x.churn.value), "share", per),
                  WorkedStep("", "Retention r = 1 − churn", float(x.retention.value), "share", per)]
    else:
        steps.append(WorkedStep("", f"{rel.stay_noun.capitalize()} r", float(x.retention.value), "share", per))
    steps.append(WorkedStep("", "Discount rate d", float(x.discount.value), "rate", per))
    if x.growth is not None:
        label = "Seat growth g" if rel.growth_figure == "seat_growth" else "Margin growth g"
        steps.append(WorkedStep("", label, float(x.growth.value), "rate", per))
    top = "r" if x.timing == "end" else "1"
    grown = " (1 + g)" if x.growth is not None else ""
    steps.append(WorkedStep("", f"Margin multiple {top} / (1 + d − r{grown})", _multiple(x), "number"))
    if x.retention_cost is not None and x.growth is not None:
        steps.append(WorkedStep("", f"Retention-cost multiple {top} / (1 + d − r)", _multiple(x, growth=False), "number"))
    steps += [WorkedStep("=", "Value of the margins", clv(x, include_acquisition=False), "money"),
              WorkedStep("−", "Acquisition cost", x.acquisition_cost, "money"),
              WorkedStep("=", f"CLV per new {noun}", clv(x), "money")]
    return tuple(steps)


def _input_lines(case: Case, cid: str) -> tuple[InputLine, ...]:
    lines = []
    for owner, fid in case.clv_figures(cid):
        fig = case.figure(owner, fid)
        lines.append(InputLine(owner=owner, figure_id=fid, label=fig.label, value=float(fig.value),
                               unit=fig.unit or "", per=fig.per, low=fig.low, high=fig.high,
                               basis=basis(case, owner, fid)))
    return tuple(lines)


def lever_effects(x: CLVInputs, rel: Relationship) -> tuple[LeverEffect, ...]:
    """Gain in CLV from each lever improved by :data:`SWING` on inputs ``x``, strongest first."""
    base = clv(x)
    pct = f"{SWING:.0%}"
    effects = [
        LeverEffect("retention", f"{rel.leaving_noun.capitalize()} {pct} lower",
                    clv(with_churn(x, float(x.churn.value) * (1 - SWING))) - base),
        LeverEffect("revenue", f"{rel.revenue_per(x.noun).capitalize()} {pct} higher",
                    clv(with_arpu(x, float(x.arpu.value) * (1 + SWING))) - base),
        # paid once and never discounted, so the gain is exactly SWING x acquisition cost
        LeverEffect("acquisition", f"Acquisition {pct} cheaper", x.acquisition_cost * SWING),
    ]
    return tuple(sorted(effects, key=lambda e: e.gain, reverse=True))


def _break_even(x: CLVInputs) -> BreakEven:
    try:
        churn = break_even_churn(x, float(x.arpu.value) * (1 + SWING))
    except ValueError:
        return BreakEven(SWING, None, None)
    return BreakEven(SWING, churn, 1.0 - churn)


def _retention_range(case: Case, cid: str, x: CLVInputs, rel: Relationship) -> ScenarioValues | None:
    """CLV at the two ends of the retention figure's own range, other inputs at base."""
    fig = case.figure(cid, rel.retention_figure)
    if fig.low is None and fig.high is None:
        return None

    def churn_at(v: float) -> float:
        q = Churn(v, fig.per) if rel.retention_is_churn else Retention(v, fig.per).churn
        return float((q if q.per == x.period else q.to(x.period)).value)

    ends = sorted(clv(with_churn(x, churn_at(fig.bound(b)))) for b in ("low", "high"))
    return ScenarioValues(ends[0], clv(x), ends[1])


def current_plans(case: Case, cid: str, period: str) -> list[tuple[object, float]]:
    """Plans still on sale, with their price over ``period``, cheapest first: :func:`clvedu.cases.plans.plans_on_sale`."""
    return plans_on_sale(case, cid, period)


def _plans(case: Case, cid: str, x: CLVInputs, rel: Relationship) -> tuple[PlanValue, ...]:
    if rel.id != "subscription":
        return ()
    # an add-on (add_on: true in case.yaml) is bought on top of a plan, so no customer pays only its price
    return tuple(PlanValue(p.name, price, clv(with_arpu(x, price)))  # type: ignore[attr-defined]
                 for p, price in current_plans(case, cid, x.period) if not p.add_on)  # type: ignore[attr-defined]


def _range_tornado(case: Case, cid: str, x: CLVInputs) -> pd.DataFrame:
    """CLV with one input at each end of its own range (the others at base), widest swing first.

    Columns: figure (id), driver (the figure's label), low_end and high_end (the figure's own ends),
    low_value and high_value (CLV at the end that lowers and at the end that raises it), base_value.
    Figures without a range are left out: the case claims no uncertainty about them.
    """
    base = clv(x)
    rows = []
    for owner, fid in case.clv_figures(cid):
        fig = case.figure(owner, fid)
        if fig.low is None and fig.high is None:
            continue
        at = {end: clv(case.clv_inputs(cid, ends={fid: end})) for end in ("low", "high")}
        if at["low"] == at["high"]:
            continue
        rows.append({"figure": fid, "driver": fig.label, "low_end": fig.bound("low"), "high_end": fig.bound("high"),
                     "low_value": min(at.values()), "high_value": max(at.values()), "base_value": base})
    table = pd.DataFrame(rows, columns=["figure", "driver", "low_end", "high_end", "low_value", "high_value",
                                        "base_value"])
    width = table["high_value"] - table["low_value"]
    return table.iloc[width.to_numpy().argsort(kind="stable")[::-1]].reset_index(drop=True)


def analyse_company(case: Case, cid: str, journey=None) -> CompanyAnalysis:
    """Compute :class:`CompanyAnalysis` for company ``cid`` (``journey`` adds its technique scenarios)."""
    from clvedu.levers import technique_scenarios

    rel = case.relationship_of(cid)
    scenario_inputs = {s: case.clv_inputs(cid, s) for s in ("low", "base", "high")}
    x = scenario_inputs["base"]
    scenarios = {s: ScenarioAnalysis(s, v, clv(v), clv(v, include_acquisition=False), lever_effects(v, rel),
                                     acquisition_payback(v)) for s, v in scenario_inputs.items()}
    values = {s: a.clv for s, a in scenarios.items()}
    techniques = None
    if journey is not None and journey.technique_scenarios.get(cid):
        techniques = technique_scenarios(case, cid, journey)
    return CompanyAnalysis(
        id=cid, name=case.companies[cid].name, relationship=rel, noun=x.noun, currency=case.currency,
        period=x.period, inputs=x, scenario_inputs=scenario_inputs,
        clv=ScenarioValues(values["low"], values["base"], values["high"]),
        value_before_acquisition=clv(x, include_acquisition=False), multiple=_multiple(x),
        steps=_steps(case, cid, x, rel), input_lines=_input_lines(case, cid),
        tornado=tornado(x, swing=SWING), levers=scenarios["base"].levers, break_even=_break_even(x),
        payback_periods=scenarios["base"].payback_periods,
        clv_by_timing={t: clv(x, timing=t) for t in ("end", "start", "end_all")},
        retention_range=_retention_range(case, cid, x, rel), plans=_plans(case, cid, x, rel),
        techniques=techniques, range_tornado=_range_tornado(case, cid, x), scenarios=scenarios,
        group=case.companies[cid].customer_group or "",
        borrowed=tuple((fid, case.figure(owner, fid).borrowed) for owner, fid in case.clv_figures(cid)  # type: ignore[misc]
                       if case.figure(owner, fid).borrowed),
    )


def with_inputs(company: CompanyAnalysis, **changes) -> CLVInputs:
    """The company's base inputs with some fields replaced (for what-if questions in chapters)."""
    return replace(company.inputs, **changes)
