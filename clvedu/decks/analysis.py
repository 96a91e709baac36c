"""The calculations a deck shows, for one company of a case: its levers and its plans on sale.

CLV itself, the drivers' sensitivity (tornado) and changed inputs come from :mod:`clvedu.levers`,
so a deck and the book always agree; this module adds only what a slide summarises. Formatting for
slides happens in :mod:`clvedu.decks.context`.
"""

from __future__ import annotations

from clvedu.cases import Case, CLVInputs
from clvedu.clv import margin_multiple
from clvedu.levers import clv, tornado, with_arpu, with_churn
from clvedu.units import Money

SWING = 0.10
"""Relative change of each driver in the sensitivity (tornado) analysis and the lever comparison."""


def multiple_of(x: CLVInputs) -> float:
    """The margin multiple r / (1 + d - r) of the inputs (Gupta & Lehmann 2003)."""
    return float(margin_multiple(x.retention, x.discount))


def tornado_table(case: Case, company_id: str, swing: float = SWING):
    """Sensitivity of CLV to each driver (see :func:`clvedu.levers.tornado`), widest first."""
    return tornado(case.clv_inputs(company_id), swing=swing)


def lever_effects(case: Case, company_id: str, swing: float = SWING) -> dict[str, float]:
    """Gain in CLV when each lever improves by ``swing``: churn cut, revenue raised, acquisition cheaper.

    The acquisition gain is exactly ``swing`` x acquisition cost: that cost is paid once, undiscounted.
    """
    x = case.clv_inputs(company_id)
    base = clv(x)
    return {
        "churn": clv(with_churn(x, x.churn.value * (1 - swing))) - base,
        "arpu": clv(with_arpu(x, x.arpu.value * (1 + swing))) - base,
        "acquisition": x.acquisition_cost * swing,
    }


def current_plans(case: Case, company_id: str, period: str):
    """Plans still on sale (no end date, the latest of each name), with their price over ``period``."""
    latest = {}
    for plan in case.companies[company_id].plans:
        if plan.effective_until:
            continue
        previous = latest.get(plan.name)
        if previous is None or (plan.effective_from or "") >= (previous.effective_from or ""):
            latest[plan.name] = plan
    result = []
    for plan in latest.values():
        if plan.per is None:
            continue  # a one-off price cannot stand in for revenue per period
        price = Money(plan.price, plan.per)
        result.append((plan, float(price.to(period).value) if price.per != period else float(plan.price)))
    return sorted(result, key=lambda item: item[1])
