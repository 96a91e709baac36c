"""Which of a company's plans are on sale, each priced over a chosen period.

One selection, shared by the case analysis (the CLV of each plan) and the synthetic subscription panels
(the plans a synthetic subscriber can join); each caller then leaves out what it has no use for.
"""

from __future__ import annotations

from typing import Any

from clvedu.units import Money, normalise_period


def plans_on_sale(case, company_id: str, period: str) -> list[tuple[Any, float]]:
    """``(plan, price per period)`` for every plan of the company still on sale, cheapest first.

    A plan is on sale when it is charged per period (``per``: a one-off price cannot stand in for revenue per
    period), has no ``effective_until`` and is the latest price (``effective_from``; the later entry in the
    file when two start together) of its name in its market. Its price is converted to ``period`` with
    :class:`clvedu.units.Money`, so that 139 a year is 11.58 a month; a price already per ``period`` is kept as
    written. Plans at the same price keep the order the case lists them in.
    """
    period = normalise_period(period)
    companies = getattr(case, "companies", {})
    if company_id not in companies:
        raise ValueError(f"company_id {company_id!r} is not in the case; choose one of {', '.join(companies)}")
    latest: dict[tuple[str, str], Any] = {}
    for plan in getattr(companies[company_id], "plans", None) or ():
        if plan.per is None or plan.effective_until is not None:
            continue
        key = (plan.name, plan.market)
        if key not in latest or (plan.effective_from or "") >= (latest[key].effective_from or ""):
            latest[key] = plan
    priced = []
    for plan in latest.values():
        price = Money(plan.price, plan.per)
        priced.append((plan, float(plan.price) if price.per == period else float(price.to(period).value)))
    return sorted(priced, key=lambda item: item[1])
