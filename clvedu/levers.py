"""Levers that raise CLV: sensitivity to each driver, elasticities, and technique scenarios with costs.

All calculations use the closed-form CLV of :func:`clvedu.clv.lifetime_value` with the ``end``
timing of Gupta & Lehmann (2003): margin at the end of each period, paid by the customers
retained that period,

    CLV = sum_{t>=1} (m (1 + g)^(t-1) - c) r^t / (1 + d)^t - AC,

where m is the margin per period, c the retention (running) cost per retained member per period,
r retention, d the discount rate, g margin growth (all per the same period) and AC the one-off
acquisition cost. Every function takes :class:`clvedu.cases.CLVInputs`, whose quantities already
share one period.

Sources: Gupta, Lehmann & Stuart (2004), "Valuing customers", J. Marketing Research 41(1) (a 1%
gain in retention raises customer value far more than a 1% gain in margin or a 1% cut in
acquisition cost); Reichheld & Sasser (1990), "Zero defections", Harvard Business Review.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from clvedu.cases.model import CLVInputs
from clvedu.clv import cash_flow_schedule, lifetime_value, payback_period
from clvedu.domain.relationships import RELATIONSHIPS
from clvedu.domain.stages import CLV_DRIVERS
from clvedu.domain.techniques import TECHNIQUES, check_parameters
from clvedu.errors import UserError
from clvedu.formatting import money, percent
from clvedu.units import ADJECTIVE, PERIODS_PER_YEAR, Churn, Discount, Growth, Money, check_range

__all__ = [
    "clv", "with_churn", "with_arpu", "break_even_churn", "tornado", "elasticities", "TechniqueResult",
    "technique_effect", "technique_scenarios", "retention_gain_demo", "acquisition_payback",
]

PAYBACK_LIMIT_PERIODS = 1200
"""Payback is searched for over this many periods (100 years of months); beyond it, it never pays back."""


# --- CLV of a set of inputs ------------------------------------------------------------------------

def clv(x: CLVInputs, *, include_acquisition: bool = True, timing: str | None = None) -> float:
    """CLV of one new customer from ``x``, less acquisition cost unless told not to.

    Timing is the inputs' own (``end``, Gupta & Lehmann 2003, for subscriptions and repeat purchases;
    ``end_all`` for contracts, whose first term every account pays) unless ``timing`` names another of
    :func:`clvedu.clv.lifetime_value`, which holds the formulas and their sources.
    """
    timing = x.timing if timing is None else timing
    return float(lifetime_value(
        x.margin, x.retention, x.discount,
        acquisition_cost=x.acquisition_cost if include_acquisition else 0.0,
        retention_cost=x.retention_cost if x.retention_cost is not None else 0.0,
        growth=x.growth, timing=timing,
    ))


def with_churn(x: CLVInputs, churn: float) -> CLVInputs:
    """The same inputs with another churn rate over the same period (retention follows)."""
    c = Churn(float(check_range("churn", churn, 0.0, 1.0)), x.period)
    return replace(x, churn=c, retention=c.retention)


def with_arpu(x: CLVInputs, arpu: float) -> CLVInputs:
    """The same inputs with another revenue per member over the same period (margin follows)."""
    return replace(x, arpu=Money(arpu, x.period), margin=Money(arpu * x.margin_rate, x.period))


def break_even_churn(x: CLVInputs, arpu: float) -> float:
    """The churn rate (per ``x``'s period) at which revenue per member ``arpu`` leaves CLV unchanged.

    A price rise pays only while churn stays below this rate; a price cut must bring churn below it.
    With no margin growth CLV is (m' - c) M - AC, so the break-even multiple is M* = (CLV + AC) / (m' - c);
    for the ``end`` timing M = (1 - churn) / (d + churn), so churn* = (1 - M* d) / (1 + M*); for
    ``end_all`` (contracts) M = 1 / (d + churn), so churn* = 1 / M* - d. For a contract the break-even
    renewal rate is 1 - churn*. With growth there is no closed form and CLV(churn) = CLV is solved with
    Brent's method (CLV falls as churn rises, so the root is unique). Raises ``ValueError`` when no
    churn rate in [0, 1] can offset the change (for example a price cut so deep that even zero churn
    cannot recover the lost value).
    """
    arpu = float(check_range("arpu", arpu, 0.0, low_inclusive=False))
    target = clv(x)
    changed = with_arpu(x, arpu)
    impossible = ValueError(f"no churn rate in [0, 1] keeps CLV at {target:,.2f} when revenue per member is "
                            f"{arpu:g} a {x.period}")
    if x.growth is None or float(x.growth.value) == 0.0:
        net = float(changed.margin.value) - (float(x.retention_cost.value) if x.retention_cost is not None else 0.0)
        d = float(x.discount.value)
        if net <= 0:
            raise impossible
        multiple = (target + x.acquisition_cost) / net
        if x.timing == "end":
            churn = (1 - multiple * d) / (1 + multiple)
        elif x.timing == "end_all":
            churn = 1 / multiple - d
        else:  # start: M = (1 + d) / (d + churn)
            churn = (1 + d) / multiple - d
        if not 0.0 <= churn <= 1.0:
            raise impossible
        return float(churn)

    from scipy.optimize import brentq  # imported here: it costs a deck build 0.4 s of start-up

    def gap(churn: float) -> float:
        return clv(with_churn(changed, churn)) - target

    # below this churn r (1 + g) >= 1 + d and the discounted margins never stop adding up
    g, d = float(x.growth.value), float(x.discount.value)
    lowest = max(1e-9, 1.0 - (1.0 + d) / (1.0 + g) + 1e-9)
    if gap(lowest) < 0 or gap(1.0) > 0:
        raise impossible
    return float(brentq(gap, lowest, 1.0, xtol=1e-12))


def _with_margin_rate(x: CLVInputs, rate: float) -> CLVInputs:
    return replace(x, margin_rate=rate, margin=Money(float(x.arpu.value) * rate, x.period))


def _with_discount(x: CLVInputs, d: float) -> CLVInputs:
    return replace(x, discount=Discount(d, x.period))


def _drivers(x: CLVInputs) -> list[tuple[str, float, object, bool]]:
    """(label, base value, setter returning new inputs, higher_is_better) for each driver CLV depends on."""
    adj = ADJECTIVE[x.period].capitalize()
    rel = RELATIONSHIPS[x.relationship]
    drivers = [
        (f"{adj} {rel.leaving_noun}", float(x.churn.value), lambda v: with_churn(x, min(v, 1.0)), False),
        (f"{adj} {rel.revenue_per(x.noun)}", float(x.arpu.value), lambda v: with_arpu(x, v), True),
        ("Contribution margin rate", float(x.margin_rate), lambda v: _with_margin_rate(x, v), True),
        ("Acquisition cost", float(x.acquisition_cost), lambda v: replace(x, acquisition_cost=v), False),
        (f"{adj} discount rate", float(x.discount.value), lambda v: _with_discount(x, v), False),
    ]
    if x.growth is not None and float(x.growth.value) != 0.0:
        drivers.append((f"{adj} {rel.growth_figure.replace('_', ' ')}", float(x.growth.value),
                        lambda v: replace(x, growth=Growth(v, x.period)), True))
    if x.retention_cost is not None and float(x.retention_cost.value) != 0.0:
        drivers.append((f"{adj} retention cost", float(x.retention_cost.value),
                        lambda v: replace(x, retention_cost=Money(v, x.period)), False))
    return drivers


def tornado(inputs: CLVInputs, swing: float = 0.10) -> pd.DataFrame:
    """One-at-a-time sensitivity of CLV: each driver ``swing`` worse and better, the others at base.

    Returns DataFrame[driver, low_value, high_value, base_value], widest swing first. ``driver`` is a
    plain-English label with the period ("Monthly churn"); ``low_value`` is CLV (after acquisition
    cost) with the driver moved against CLV by ``swing`` of its size (10% means churn x 1.1, revenue
    x 0.9, ...), ``high_value`` with it moved in CLV's favour. Growth and retention cost appear when
    the inputs have them. Timing ``end`` (Gupta & Lehmann 2003).
    """
    swing = float(check_range("swing", swing, 0.0, 1.0, low_inclusive=False, high_inclusive=False))
    base = clv(inputs)
    rows = []
    for name, value, setter, higher_is_better in _drivers(inputs):
        step = swing * abs(value)
        worse, better = (value - step, value + step) if higher_is_better else (value + step, value - step)
        rows.append({"driver": name, "low_value": clv(setter(worse)), "high_value": clv(setter(better)),
                     "base_value": base})
    table = pd.DataFrame(rows, columns=["driver", "low_value", "high_value", "base_value"])
    width = (table["high_value"] - table["low_value"]).abs()
    order = np.argsort(-width.to_numpy(), kind="stable")
    return table.iloc[order].reset_index(drop=True)


def elasticities(inputs: CLVInputs, step: float = 0.001) -> pd.DataFrame:
    """Elasticity of CLV to each driver: the % change in CLV for a 1% rise in the driver.

    Central difference: e = (CLV(v (1 + h)) - CLV(v (1 - h))) / (2 h CLV(v)), with h = ``step``, on CLV
    after acquisition cost. Returns DataFrame[driver, elasticity], largest in size first. Checks by
    hand: with no acquisition cost the elasticity to revenue per member is exactly 1; to churn c it is
    -c (1 + d) / ((d + c)(1 - c)) for the end timing with no growth or retention cost.
    """
    step = float(check_range("step", step, 0.0, 0.1, low_inclusive=False))
    base = clv(inputs)
    if base == 0.0:
        raise ValueError("elasticities are undefined when CLV is exactly zero (they divide by CLV)")
    rows = []
    for name, value, setter, _ in _drivers(inputs):
        if value == 0.0:
            continue
        up, down = clv(setter(value * (1 + step))), clv(setter(value * (1 - step)))
        rows.append({"driver": name, "elasticity": (up - down) / (2 * step * base)})
    table = pd.DataFrame(rows, columns=["driver", "elasticity"])
    return table.iloc[np.argsort(-table["elasticity"].abs().to_numpy(), kind="stable")].reset_index(drop=True)


# --- technique scenarios ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TechniqueResult:
    """What a technique does to one new customer's value, all per customer and in the case currency.

    ``delta_clv`` is CLV after minus CLV before (both after acquisition cost and the technique's
    costs); ``cost`` the present value of what the technique costs per new customer; ``roi`` is
    ``delta_clv / cost`` (None when it costs nothing); ``payback_periods`` the first period by whose
    end the cumulative discounted gain covers the costs (0 = at once; None = never).
    """

    technique: str
    driver: str
    clv_before: float
    clv_after: float
    cost: float
    roi: float | None
    payback_periods: int | None
    after: CLVInputs

    @property
    def delta_clv(self) -> float:
        return self.clv_after - self.clv_before


def _money_per_period(value, x: CLVInputs, name: str) -> float:
    if isinstance(value, Money):
        return float((value if value.per == x.period else value.to(x.period)).value)
    return float(check_range(name, value))


def technique_effect(inputs: CLVInputs, technique: str, **parameters) -> TechniqueResult:
    """Apply one technique to ``inputs`` and measure ΔCLV, its cost, ROI and payback.

    Techniques and their parameters (money per period as ``Money`` or a bare number in the inputs'
    period; shares as fractions):

    ==================  =========================================  ===============================================
    technique           parameters                                 what changes
    ==================  =========================================  ===============================================
    upselling           share_moving, price_difference             revenue +share x difference (margin follows)
    cross_selling       attach_rate, addon_margin                  margin +attach x add-on margin
    loyalty_rewards     retention_uplift_points                    churn - points
    personalisation,    churn_reduction                            churn x (1 - reduction)
    digital_channels,
    connected_data
    price_change        price_change, churn_elasticity             revenue x (1 + p); churn x (1 + e p)
    referrals           referred_share, referral_reward            AC -> (1 - s) AC + s x reward
    ==================  =========================================  ===============================================

    Any technique may add ``one_off_cost`` (per new customer, added to acquisition cost) and
    ``running_cost`` (per retained customer per period, added to the retention cost).
    """
    check_parameters(technique, parameters)
    driver = TECHNIQUES[technique].driver
    p = parameters
    x = inputs
    churn, arpu = float(x.churn.value), float(x.arpu.value)
    after = x
    if technique == "upselling":
        share = float(check_range("share_moving", p["share_moving"], 0.0, 1.0))
        after = with_arpu(x, arpu + share * _money_per_period(p["price_difference"], x, "price_difference"))
    elif technique == "cross_selling":
        attach = float(check_range("attach_rate", p["attach_rate"], 0.0, 1.0))
        extra = attach * _money_per_period(p["addon_margin"], x, "addon_margin")
        after = replace(x, margin=Money(float(x.margin.value) + extra, x.period))
    elif technique == "loyalty_rewards":
        points = float(check_range("retention_uplift_points", p["retention_uplift_points"], 0.0, 1.0))
        if points > churn:
            raise ValueError(f"retention_uplift_points ({points:g}) cannot exceed the {x.period}ly churn ({churn:g})")
        after = with_churn(x, churn - points)
    elif technique in ("personalisation", "digital_channels", "connected_data"):
        cut = float(check_range("churn_reduction", p["churn_reduction"], 0.0, 1.0))
        after = with_churn(x, churn * (1.0 - cut))
    elif technique == "price_change":
        change = float(check_range("price_change", p["price_change"], -1.0, None, low_inclusive=False))
        elasticity = float(check_range("churn_elasticity", p["churn_elasticity"]))
        new_churn = churn * (1.0 + elasticity * change)
        if not 0.0 <= new_churn <= 1.0:
            raise ValueError(f"price_change {change:g} with churn_elasticity {elasticity:g} gives churn {new_churn:g}, "
                             "outside [0, 1]; use a smaller change or elasticity")
        after = with_churn(with_arpu(x, arpu * (1.0 + change)), new_churn)
    elif technique == "referrals":
        share = float(check_range("referred_share", p["referred_share"], 0.0, 1.0))
        reward = float(check_range("referral_reward", p["referral_reward"], 0.0))
        after = replace(x, acquisition_cost=(1.0 - share) * x.acquisition_cost + share * reward)

    one_off = float(check_range("one_off_cost", p.get("one_off_cost", 0.0), 0.0))
    running = _money_per_period(p.get("running_cost", 0.0), x, "running_cost")
    check_range("running_cost", running, 0.0)
    base_cost = 0.0 if x.retention_cost is None else float(x.retention_cost.value)
    after = replace(after, acquisition_cost=after.acquisition_cost + one_off,
                    retention_cost=Money(base_cost + running, x.period) if (running or x.retention_cost is not None) else None)

    before_value, after_value = clv(x), clv(after)
    cost = one_off + running * float(lifetime_value(1.0, float(after.retention.value), float(after.discount.value),
                                                    timing=after.timing))
    if technique == "referrals":
        cost += float(p["referred_share"]) * float(p["referral_reward"])
    roi = (after_value - before_value) / cost if cost > 0 else None
    return TechniqueResult(
        technique=technique, driver=_driver_label(driver, x, CLV_DRIVERS),
        clv_before=before_value, clv_after=after_value, cost=cost, roi=roi,
        payback_periods=_payback(x, after), after=after,
    )


def _driver_label(driver: str, x: CLVInputs, labels: dict[str, str]) -> str:
    if driver == "retention":
        return f"{ADJECTIVE[x.period].capitalize()} {RELATIONSHIPS[x.relationship].leaving_noun}"
    if driver == "margin":
        return f"Margin per {x.noun}"
    return labels[driver]


def _cash_flows(x: CLVInputs, periods: int) -> np.ndarray:
    """Expected discounted cash of one acquired customer at t = 0..periods (t = 0 includes minus acquisition cost)."""
    schedule = cash_flow_schedule(x.margin, x.retention, x.discount, periods, timing=x.timing, growth=x.growth,
                                  retention_cost=x.retention_cost if x.retention_cost is not None else 0.0)
    flows = np.zeros(periods + 1)
    np.add.at(flows, schedule["time"].astype(int), schedule["value"])
    flows[0] -= x.acquisition_cost
    return flows


def acquisition_payback(x: CLVInputs) -> int | None:
    """Periods until the expected discounted margin of one new customer covers its acquisition cost.

    :func:`clvedu.clv.payback_period` of the customer's cash flows: survival-weighted and discounted, in
    the inputs' timing; None when it never pays back (a negative CLV).
    """
    return payback_period(_cash_flows(x, PAYBACK_LIMIT_PERIODS))


def _payback(before: CLVInputs, after: CLVInputs) -> int | None:
    """Payback of a technique: :func:`clvedu.clv.payback_period` of the gain of ``after`` over ``before``."""
    if clv(after) - clv(before) <= 0:
        return None
    return payback_period(_cash_flows(after, PAYBACK_LIMIT_PERIODS) - _cash_flows(before, PAYBACK_LIMIT_PERIODS))


def _describe(technique: str, parameters: dict, currency: str, period: str, noun: str = "customer",
              relationship: str = "subscription") -> str:
    rel = RELATIONSHIPS[relationship]
    leaving = rel.leaving_noun
    p = {k: (float(v.value) if isinstance(v, Money) else float(v)) for k, v in parameters.items()}
    per = {k: (v.per if isinstance(v, Money) else period) for k, v in parameters.items()}

    def m(name):
        return money(p[name], currency, per=per[name] if name not in ("one_off_cost", "referral_reward") else None)

    text = {
        "upselling": lambda: f"{percent(p['share_moving'], 0)} of {noun}s move up a tier paying {m('price_difference')} more",
        "cross_selling": lambda: f"{percent(p['attach_rate'], 0)} add an add-on earning {m('addon_margin')} margin",
        "loyalty_rewards": lambda: f"{ADJECTIVE[period]} {rel.stay_noun} up {100 * p['retention_uplift_points']:.2g} points",
        "personalisation": lambda: f"{leaving} {percent(p['churn_reduction'], 0)} lower",
        "digital_channels": lambda: f"{leaving} {percent(p['churn_reduction'], 0)} lower",
        "connected_data": lambda: f"{leaving} {percent(p['churn_reduction'], 0)} lower",
        "price_change": lambda: (f"price {p['price_change']:+.0%}, {leaving} {p['churn_elasticity'] * p['price_change']:+.0%} "
                                 f"(elasticity {p['churn_elasticity']:g})"),
        "referrals": lambda: f"{percent(p['referred_share'], 0)} of new {noun}s referred, each for a {m('referral_reward')} reward",
    }[technique]()
    costs = []
    if p.get("one_off_cost"):
        costs.append(f"{m('one_off_cost')} once")
    if p.get("running_cost"):
        costs.append(m("running_cost"))
    return text + (f"; costs {' and '.join(costs)}" if costs else "")


def technique_scenarios(case, company_id: str, journey=None) -> pd.DataFrame:
    """ΔCLV, ROI and payback of each technique scenario of one company in the case's ``journey.yaml``.

    Returns one row per scenario with columns technique, driver, assumption, delta_clv, roi,
    payback_months, cost, clv_before, clv_after (all per new customer, in the case currency, base
    scenario inputs). ``roi`` is ΔCLV / cost and ``payback_months`` the months until the cumulative
    discounted gain covers the costs; both are ``<NA>`` when undefined (no cost; never pays back).
    ``journey`` defaults to ``load_journey(case.path)``.
    """
    if journey is None:
        from clvedu.cases.journey import load_journey

        if case.path is None:
            raise UserError("this case was built in memory; pass journey= (a loaded journey.yaml)")
        journey = load_journey(case.path, case=case)
    if company_id not in case.companies:
        raise UserError(f"unknown company {company_id!r}; this case has {', '.join(case.companies)}")
    x = case.clv_inputs(company_id)
    months_per_period = 12.0 / PERIODS_PER_YEAR[x.period]
    rows = []
    for i, sc in enumerate(journey.technique_scenarios.get(company_id, [])):
        params = {}
        for name, n in sc.parameters.items():
            if len(n.unit) == 3 and n.unit.isupper() and n.unit != case.currency:
                raise UserError(f"journey.yaml: technique_scenarios.{company_id}.{i}.parameters.{name}.unit: "
                                f"must be the case currency {case.currency}; got {n.unit}")
            params[name] = Money(n.value, n.per) if n.per is not None else n.value
        result = technique_effect(x, sc.technique, **params)
        rows.append({
            "technique": sc.technique.replace("_", " ").capitalize(),
            "driver": result.driver,
            "assumption": _describe(sc.technique, params, case.currency, x.period, x.noun, x.relationship),
            "delta_clv": result.delta_clv,
            "roi": result.roi,
            "payback_months": None if result.payback_periods is None else result.payback_periods * months_per_period,
            "cost": result.cost,
            "clv_before": result.clv_before,
            "clv_after": result.clv_after,
        })
    columns = ["technique", "driver", "assumption", "delta_clv", "roi", "payback_months", "cost", "clv_before", "clv_after"]
    table = pd.DataFrame(rows, columns=columns)
    for col in ("roi", "payback_months"):
        table[col] = pd.array(table[col].tolist(), dtype="Float64")
    return table


# --- small retention gain, large value gain -------------------------------------------------------------

def retention_gain_demo(inputs: CLVInputs, uplift_points=(0.0025, 0.005, 0.01, 0.02)) -> pd.DataFrame:
    """How much a customer's value rises when retention per period rises by a few points.

    For each uplift u (a fraction: 0.01 = one percentage point of retention per ``inputs.period``):
    retention r + u, churn, expected lifetime 1 / churn (periods), value before acquisition cost
    V = sum_t (m (1+g)^(t-1) - c) r^t / (1+d)^t, the relative change in retention u / r, the relative
    change in value, and their ratio ``leverage`` (value change per unit of retention change). The first
    row is the base (u = 0, leverage 0). Gupta, Lehmann & Stuart (2004) found a 1% retention gain worth about 5%
    of customer value; the ratio here is computed from the case's own inputs, not assumed.
    """
    points = np.atleast_1d(np.asarray(check_range("uplift_points", uplift_points, 0.0, 1.0), dtype=float))
    r0, churn0 = float(inputs.retention.value), float(inputs.churn.value)
    too_big = points >= churn0
    if too_big.any():
        raise ValueError(f"uplift_points must be below the {ADJECTIVE[inputs.period]} churn ({churn0:g}) so that "
                         f"retention stays under 1; got {points[too_big][0]:g}")
    base_value = clv(inputs, include_acquisition=False)
    if base_value == 0:
        raise ValueError("the base value before acquisition cost is zero, so relative changes are undefined")
    rows = []
    for u in np.concatenate([[0.0], points]):
        x = with_churn(inputs, churn0 - u)
        value = clv(x, include_acquisition=False)
        rows.append({
            "uplift_points": u,
            "retention": float(x.retention.value),
            "churn": float(x.churn.value),
            "expected_lifetime": 1.0 / float(x.churn.value),
            "value": value,
            "retention_change": u / r0,
            "value_change": value / base_value - 1.0,
        })
    table = pd.DataFrame(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        leverage = np.where(table["retention_change"] > 0, table["value_change"] / table["retention_change"], 0.0)
    table["leverage"] = leverage
    table.attrs["period"] = inputs.period
    return table
