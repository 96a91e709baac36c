"""Customer-level CLV for non-contractual customers: BG/NBD purchases times Gamma-Gamma spend, discounted.

For each customer with history (x, t_x, T) and average spend m, the expected margin in step i (one
period of the discount rate, e.g. one month) is

``[E[Y(i L) | x, t_x, T] - E[Y((i - 1) L) | x, t_x, T]] * E[M | x, m] * margin_rate``,

where ``L`` is the length of one step in the BG/NBD model's time unit (52/12 weeks for a monthly step),
and the CLV over a horizon of ``n`` steps discounts step i by ``(1 + d)^i`` (margins arrive at the end of
each step):

``CLV = sum_{i=1..n} margin_i / (1 + d)^i``.

This is the discrete approximation used by Fader, Hardie & Lee (2005, "RFM and CLV", JMR) and by the
lifetimes package's ``customer_lifetime_value``; it relies on the Gamma-Gamma assumption that spend is
independent of purchase frequency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clvedu.models.bgnbd import BetaGeoNBD, check_rfm
from clvedu.models.gamma_gamma import GammaGamma
from clvedu.units import Discount, Duration, PERIODS_PER_YEAR, check_range


def customer_lifetime_value(
    transactions: BetaGeoNBD,
    spend: GammaGamma,
    frequency,
    recency,
    T,
    monetary_value,
    *,
    horizon: Duration,
    discount: Discount,
    margin_rate: float = 1.0,
):
    """Discounted expected margin of each customer over ``horizon``, in steps of the discount rate's period.

    ``horizon`` is a :class:`~clvedu.units.Duration` (e.g. ``Duration(36, per="month")``) and ``discount`` a
    :class:`~clvedu.units.Discount` (e.g. ``Discount(0.10, per="year").to("month")``); the horizon is converted
    to the discount's period and must be a whole number of those periods. ``margin_rate`` turns spend into
    margin (1.0 = value of sales). Returns a Series when ``frequency`` is a Series, else an array.
    """
    if not isinstance(transactions, BetaGeoNBD):
        raise ValueError("transactions must be a fitted BetaGeoNBD model")
    if not isinstance(spend, GammaGamma):
        raise ValueError("spend must be a fitted GammaGamma model")
    if not isinstance(horizon, Duration):
        raise ValueError("horizon must be a Duration, e.g. Duration(36, per='month'), so that its period is explicit")
    if not isinstance(discount, Discount):
        raise ValueError("discount must be a Discount, e.g. Discount(0.10, per='year').to('month')")
    margin_rate = float(check_range("margin_rate", margin_rate, 0.0, 1.0))
    steps = float(np.asarray(horizon.to(discount.per).value))
    if abs(steps - round(steps)) > 1e-6 or round(steps) < 1:
        raise ValueError(f"horizon must be a whole number (>= 1) of {discount.per}s, the discount rate's period; "
                         f"got {steps:g}")
    steps = int(round(steps))
    d = float(discount.value)
    step_length = PERIODS_PER_YEAR[transactions.period] / PERIODS_PER_YEAR[discount.per]

    x, tx, big_t = check_rfm(frequency, recency, T)
    average_spend = np.asarray(spend.conditional_expected_average_value(x, monetary_value), dtype=float)
    value = np.zeros_like(x)
    previous = np.zeros_like(x)
    for i in range(1, steps + 1):
        cumulative = np.asarray(transactions.conditional_expected_purchases(i * step_length, x, tx, big_t))
        value += (cumulative - previous) / (1.0 + d) ** i
        previous = cumulative
    value *= average_spend * margin_rate
    if isinstance(frequency, pd.Series):
        return pd.Series(value, index=frequency.index, name="clv")
    return value
