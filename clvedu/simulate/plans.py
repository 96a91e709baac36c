"""The plans a synthetic subscriber can join, and how their choice of plan is tilted to a target price."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
from scipy.optimize import brentq

from clvedu.cases.plans import plans_on_sale
from clvedu.simulate.common import _softmax
from clvedu.units import check_range


@dataclass(frozen=True)
class PlanOption:
    """A plan a synthetic subscriber can be on: its name, market and price per panel period."""

    name: str
    market: str | None
    price: float




def current_plans(case, company_id: str, period: str) -> list[PlanOption]:
    """The company's plans a new subscriber can join, with prices per ``period``, to the cent.

    The plans on sale are :func:`clvedu.cases.plans.plans_on_sale` (charged per period, no ``effective_until``,
    the latest price of each name in its market, converted with :class:`clvedu.units.Money`: ``139 a year =
    11.58 a month``). Add-ons (``add_on: true`` in case.yaml) are left out, since nobody joins on one. The
    plans keep the order the case first lists them in, which is the order the panel's seeded draws use.
    """
    on_sale = plans_on_sale(case, company_id, period)
    listed: dict[tuple[str, str], int] = {}
    for i, plan in enumerate(getattr(case.companies[company_id], "plans", []) or []):
        if plan.per is not None and plan.effective_until is None:
            listed.setdefault((plan.name, plan.market), i)
    joinable = [(plan, price) for plan, price in on_sale
                if not plan.add_on]
    joinable.sort(key=lambda item: listed[(item[0].name, item[0].market)])
    return [PlanOption(plan.name, plan.market, round(price, 2)) for plan, price in joinable]


def _plan_options(plans) -> list[PlanOption]:
    if isinstance(plans, Mapping):
        options = [PlanOption(str(name), None, price) for name, price in plans.items()]
    else:
        options = [p if isinstance(p, PlanOption) else PlanOption(*p) for p in plans]
    if not options:
        raise ValueError("plans must name at least one plan and its price")
    for p in options:
        check_range(f"price of plan {p.name!r}", p.price, 0.0, None)
    return options


def _calibrated_plan_probabilities(prefs: np.ndarray, spread: np.ndarray, allowed: np.ndarray,
                                   prices: np.ndarray, target: float | None) -> tuple[np.ndarray, float, bool]:
    """Plan probabilities per customer, tilted towards dearer (``tilt > 0``) or cheaper plans so that the
    expected average price equals ``target``; (probabilities, tilt, whether the target was reached)."""

    def probs(tilt: float) -> np.ndarray:
        u = np.where(allowed, prefs + tilt * spread[None, :], -np.inf)
        return _softmax(u)

    if target is None or len(prices) == 1 or np.ptp(prices) == 0:
        p = probs(0.0)
        return p, 0.0, target is None or bool(np.isclose(float((p @ prices).mean()), target, atol=0.005))

    def gap(tilt: float) -> float:
        return float((probs(tilt) @ prices).mean()) - target

    lo, hi = -60.0, 60.0
    if gap(lo) > 0 or gap(hi) < 0:
        return probs(0.0), 0.0, False
    tilt = brentq(gap, lo, hi, xtol=1e-10)
    return probs(tilt), float(tilt), True
