"""Closed-form customer lifetime value (CLV) under each textbook timing convention.

Every function is pure and numpy-vectorised: scalars, numpy arrays and pandas Series
broadcast together, and if any input is a Series the result is a Series with its index.
Rates and per-period amounts may be bare numbers or :mod:`clvedu.units` timed quantities
(``Money``, ``Retention``/``Churn``, ``Discount``, ``Growth``, ``Duration``); timed
quantities over different periods, or timed quantities mixed with bare numbers, raise
:class:`~clvedu.units.PeriodMismatchError`.

Timing conventions
------------------
Write ``m`` for the margin per period, ``r`` for retention per period, ``d`` for the
discount rate per period and ``t`` for the time (in periods) since acquisition. The three
textbook formulas differ only in *when* the first margin arrives and *who* pays it:

==========  ==================================================  =========================  ======================
timing      cash flows (one acquired customer)                  infinite-horizon value     ratio to ``"end"``
==========  ==================================================  =========================  ======================
``end``     at t = 1, 2, ... from those retained t times:        m r / (1 + d - r)          1
            m r^t / (1 + d)^t  (Gupta & Lehmann 2003)
``start``   at t = 0, 1, ... from those retained t times:        m (1 + d) / (1 + d - r)    (1 + d) / r
            m r^t / (1 + d)^t  (first margin at acquisition)
``end_all`` at t = 1, 2, ... from those retained t - 1 times:    m / (1 + d - r)            1 / r
            m r^(t-1) / (1 + d)^t  (every acquired customer
            pays the first margin, at the end of period 1)
==========  ==================================================  =========================  ======================

``end`` is the default because it is the margin multiple r / (1 + d - r) of Gupta & Lehmann
(2003): each period's retention decision comes first and the margin is received at the end
of the period. For a positive margin, d >= 0 and r < 1 the values rank
start >= end_all > end (start = end_all when d = 0).

Sources
-------
* Gupta, S. & Lehmann, D. R. (2003). Customers as assets. *Journal of Interactive
  Marketing*, 17(1), 9-24 (the margin multiple and the constant-growth form).
* Gupta, S., Lehmann, D. R. & Stuart, J. A. (2004). Valuing customers. *Journal of
  Marketing Research*, 41(1), 7-18.
* Berger, P. D. & Nasr, N. I. (1998). Customer lifetime value: marketing models and
  applications. *Journal of Interactive Marketing*, 12(1), 17-30 (finite horizons and
  retention spending per retained customer).
* Fader, P. S. & Hardie, B. G. S. (2012). Reconciling and clarifying CLV formulas.
  Note, brucehardie.com (why the textbook formulas differ: the timing of the first margin).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from clvedu.units import (
    PERIODS_PER_YEAR,
    Churn,
    Discount,
    Duration,
    Growth,
    Money,
    Retention,
    Timed,
    check_range,
    churn_from_retention,
    common_period,
    convert_rate,
    convert_retention,
    expected_lifetime,
    normalise_period,
    plain,
    retention_from_churn,
)

__all__ = [
    "TIMINGS",
    "Frequency",
    "margin_multiple",
    "lifetime_value",
    "subscription_value",
    "historical_value",
    "convert_retention",
    "convert_rate",
    "retention_from_churn",
    "churn_from_retention",
    "expected_lifetime",
    "cash_flow_schedule",
    "payback_period",
]

TIMINGS: dict[str, str] = {
    "end": "margin at the end of each period, paid only by customers retained that period (Gupta & Lehmann 2003)",
    "start": "first margin at acquisition, then one at the start of each later period from retained customers",
    "end_all": "first margin at the end of period 1 from every acquired customer, later ones from retained customers",
}


class Frequency(Timed):
    """Purchases per period (orders a customer places each month, each year, ...).

    Like money per period it adds up when the period lengthens: 2 a month is 24 a year.
    """

    kind = "purchase frequency"
    low = 0.0

    def to(self, per: str) -> "Frequency":
        per = normalise_period(per)
        return Frequency(np.asarray(self.value) * PERIODS_PER_YEAR[self.per] / PERIODS_PER_YEAR[per], per)


# --- reading inputs -----------------------------------------------------------------------------

class _Inputs:
    """Collects bare values of the parameters of one call and the index of any Series among them."""

    def __init__(self) -> None:
        self.arrays: dict[str, Any] = {}
        self.series: dict[str, pd.Series] = {}

    def take(self, name: str, value: Any, kinds: type[Timed] | tuple[type[Timed], ...] | None, **limits: Any):
        if isinstance(value, Timed):
            if kinds is None:
                raise ValueError(
                    f"{name} is a one-off amount or a plain number, not a per-period quantity; "
                    f"give a bare number, got {type(value).__name__} ({value.label})"
                )
            bare = plain(value, kinds, name)
        else:
            bare = value
        if isinstance(value, Churn):
            bare = 1.0 - bare
        if isinstance(bare, pd.Series):
            self.series[name] = bare
        arr = check_range(name, bare, **limits)
        self.arrays[name] = arr
        return arr

    def index(self) -> pd.Index | None:
        if not self.series:
            return None
        (first, s0), *rest = self.series.items()
        for name, s in rest:
            if not s.index.equals(s0.index):
                raise ValueError(
                    f"{name} and {first} are pandas Series with different indexes; "
                    f"align them first, e.g. {name}.reindex({first}.index)"
                )
        return s0.index

    def broadcast_shape(self) -> tuple[int, ...]:
        try:
            return np.broadcast_shapes(*(np.shape(a) for a in self.arrays.values()))
        except ValueError:
            shapes = ", ".join(f"{k} {np.shape(a)}" for k, a in self.arrays.items() if np.ndim(a))
            raise ValueError(f"array inputs cannot be broadcast together: {shapes}") from None

    def finish(self, result: Any, label: str):
        index = self.index()
        shape = self.broadcast_shape()
        result = np.broadcast_to(np.asarray(result, dtype=float), shape)
        if not np.all(np.isfinite(result)):
            raise ValueError(
                f"{label} is not a finite number for these inputs (the discounted sum overflowed); "
                "shorten the horizon or check the rates"
            )
        if index is not None:
            if result.shape != (len(index),):
                raise ValueError(f"Series inputs give a result of shape {result.shape}, which does not fit their index")
            return pd.Series(np.array(result), index=index, name=label)
        return float(result) if result.ndim == 0 else np.array(result)


def _timing(timing: str) -> str:
    if timing not in TIMINGS:
        raise ValueError(f"timing must be one of {', '.join(repr(t) for t in TIMINGS)}; got {timing!r}")
    return timing


def _zero_is_timeless(value: Any) -> Any:
    """A bare scalar zero means "none" in every period, so it may sit beside timed quantities."""
    if not isinstance(value, Timed) and np.ndim(value) == 0 and not isinstance(value, str):
        try:
            if float(value) == 0.0:
                return None
        except (TypeError, ValueError):
            return value
    return value


def _churn_of(given: Any, retention):
    """1 - retention, taken from the user's own churn figure when a Churn was given."""
    if isinstance(given, Churn):
        return check_range("churn", given.value, 0.0, 1.0)
    return 1.0 - retention


def _horizon_periods(inputs: _Inputs, horizon: Any):
    if horizon is None:
        return None
    if isinstance(horizon, bool):
        raise ValueError(f"horizon must be a whole number of periods (or a Duration); got {horizon!r}")
    h = inputs.take("horizon", horizon, Duration, low=0.0)
    rounded = np.round(h)
    fractional = np.ravel(np.abs(h - rounded) > 1e-9)
    if fractional.any():
        bad = np.ravel(h)[fractional][0]
        raise ValueError(
            f"horizon must be a whole number of periods; got {bad:g}. Convert it to a shorter period "
            "with Duration.to() or round it"
        )
    inputs.arrays["horizon"] = rounded
    return rounded


# --- the sums -----------------------------------------------------------------------------------

def _first_weight(r, one_plus_d, timing: str):
    """Discounted, survival-weighted value of the first margin of one acquired customer."""
    if timing == "end":
        return r / one_plus_d
    if timing == "start":
        return 1.0
    return 1.0 / one_plus_d


def _payment_factor(r, churn, d, g, horizon, timing: str):
    """Value of a margin stream that starts at 1 per period and grows by (1 + g) per payment.

    Infinite horizon: the closed forms of the module table with r replaced by r (1 + g).
    Finite horizon H: first weight x sum_{k=0}^{H-1} q^k with q = r (1 + g) / (1 + d),
    evaluated as expm1(H log q) / expm1(log q), which equals the explicit sum exactly in
    exact arithmetic and keeps full precision when q is close to 1. ``churn`` is 1 - r, passed
    separately so that a churn given by the user enters 1 + d - r = churn + d without rounding.
    """
    one_plus_d = 1.0 + d
    if horizon is None:
        denominator = churn + d - r * g
        numerator = {"end": r, "start": one_plus_d, "end_all": 1.0}[timing]
        return numerator / denominator
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_q = np.log1p(-churn) + np.log1p(g) - np.log1p(d)
        ratio_sum = np.expm1(horizon * log_q) / np.expm1(log_q)
        ratio_sum = np.where(log_q == 0.0, horizon, ratio_sum)
        ratio_sum = np.where(horizon == 0, 0.0, ratio_sum)
    return _first_weight(r, one_plus_d, timing) * ratio_sum


def _check_convergence(r, d, g, denominator, growth_given: bool) -> None:
    """Refuse 1 + d - r (1 + g) <= 0, where the infinite discounted sum has no finite value."""
    shape = np.broadcast_shapes(np.shape(r), np.shape(d), np.shape(g), np.shape(denominator))
    bad = np.broadcast_to(~np.asarray(denominator > 0.0), shape)
    if bad.any():
        i = np.flatnonzero(bad.ravel())[0]
        rv, dv, gv = (float(np.broadcast_to(a, shape).ravel()[i]) for a in (r, d, g))
        if growth_given:
            raise ValueError(
                "growth, retention and discount must satisfy retention x (1 + growth) < 1 + discount for an "
                f"infinite horizon, or the discounted margins never stop adding up; got retention={rv:g}, "
                f"growth={gv:g}, discount={dv:g}: {rv:g} x {1 + gv:g} = {rv * (1 + gv):g} >= {1 + dv:g}. "
                "Lower the growth or give a finite horizon"
            )
        raise ValueError(
            "retention and discount must satisfy retention < 1 + discount for an infinite horizon; "
            f"got retention={rv:g}, discount={dv:g}. Use a discount above {rv - 1:g} or give a finite horizon"
        )


def _value(margin, r, churn, d, g, retention_cost, acquisition_cost, horizon, timing, growth_given):
    if horizon is None:
        never_leave = np.asarray(r) >= 1.0
        if never_leave.any():
            raise ValueError(
                "retention must be in [0, 1) for an infinite horizon (churn above 0): customers who never "
                "leave have no finite lifetime value; give a finite horizon"
                + ("" if never_leave.ndim == 0 else f" (retention 1 at position {int(np.flatnonzero(never_leave)[0])})")
            )
        _check_convergence(r, d, g, churn + d - r * g, growth_given)
    grown = _payment_factor(r, churn, d, g, horizon, timing)
    value = margin * grown - acquisition_cost
    if np.any(np.asarray(retention_cost) != 0.0):
        flat = grown if not growth_given else _payment_factor(r, churn, d, 0.0, horizon, timing)
        value = value - retention_cost * flat
    return value


# --- public formulas ----------------------------------------------------------------------------

def margin_multiple(retention, discount):
    """Gupta & Lehmann's margin multiple: CLV per unit of per-period margin, r / (1 + d - r).

    Timing ``"end"``: the margin is received at the end of each period, after that period's
    retention decision, so the first margin arrives at the end of period 1 and only the
    customers retained in period 1 pay it. The multiple is the discounted expected number of
    margins, sum_{t>=1} r^t / (1 + d)^t. Retention and discount must be per the same period.

    Parameters
    ----------
    retention : float, array, Series, Retention or Churn (converted to retention), in [0, 1).
    discount : float, array, Series or Discount, above -1 (and above retention - 1).

    Source: Gupta & Lehmann (2003), "Customers as assets", J. Interactive Marketing 17(1);
    Gupta, Lehmann & Stuart (2004), J. Marketing Research 41(1).

    >>> round(margin_multiple(0.8, 0.1), 4)   # 0.8 / 0.3
    2.6667
    """
    inputs = _Inputs()
    r = inputs.take("retention", retention, (Retention, Churn), low=0.0, high=1.0)
    d = inputs.take("discount", discount, Discount, low=-1.0, low_inclusive=False)
    common_period(retention=retention, discount=discount)
    inputs.broadcast_shape()
    value = _value(1.0, r, _churn_of(retention, r), d, 0.0, 0.0, 0.0, None, "end", growth_given=False)
    return inputs.finish(value, "margin_multiple")


def lifetime_value(
    margin,
    retention,
    discount,
    *,
    acquisition_cost=0.0,
    timing: str = "end",
    horizon=None,
    growth=None,
    retention_cost=0.0,
):
    """Expected discounted margin of one acquired customer, less what it cost to acquire.

    Default (timing ``"end"``, infinite horizon, no growth, no retention cost)::

        CLV = m r / (1 + d - r) - AC                          (Gupta & Lehmann 2003)

    Other timings (see the module table): ``"start"`` (first margin now, at acquisition)
    gives m (1 + d) / (1 + d - r) - AC; ``"end_all"`` (first margin at the end of period 1
    from every acquired customer) gives m / (1 + d - r) - AC.

    Growth g: the margin grows by (1 + g) with each payment (the first payment is m), so r is
    replaced by r (1 + g) in the denominator: end m r / (1 + d - r (1 + g)), start
    m (1 + d) / (1 + d - r (1 + g)), end_all m / (1 + d - r (1 + g)) (Gupta & Lehmann 2003).
    The infinite sum converges only when r (1 + g) < 1 + d; otherwise a ValueError.

    Retention cost c: a cost paid for each retained customer in every period a margin is
    earned, at the same moments and by the same customers as the margin, so each payment is
    the net margin m - c. The cost does not grow with g. With no growth the value falls by
    exactly c times the multiple of the chosen timing (Berger & Nasr 1998 subtract
    per-customer retention spending in the same way).

    Finite horizon H (periods): the explicit sum of H margins under the same timing,
    end sum_{t=1..H} m r^t / (1 + d)^t, start sum_{t=0..H-1} m r^t / (1 + d)^t,
    end_all sum_{t=1..H} m r^(t-1) / (1 + d)^t (with growth each term gains (1 + g)^(k) for
    the k-th payment after the first). Retention 1 is allowed with a finite horizon.

    Parameters
    ----------
    margin : margin per period (Money or bare), any finite sign.
    retention : retention per period (Retention, Churn (converted) or bare), in [0, 1)
        ([0, 1] with a finite horizon).
    discount : discount rate per period (Discount or bare), above -1.
    acquisition_cost : one-off cost at acquisition (bare number, >= 0), never discounted.
    timing : ``"end"`` (default), ``"start"`` or ``"end_all"``; see :data:`TIMINGS`.
    horizon : None (infinite) or a whole number of periods (Duration or bare int).
    growth : margin growth per period (Growth or bare), above -1; None means no growth.
    retention_cost : cost per retained customer per period (Money or bare), >= 0.

    Rates and amounts must all be per the same period: timed quantities over different
    periods, or a mix of timed and bare numbers, raise PeriodMismatchError (a bare zero
    growth or retention cost is allowed beside timed quantities). A negative result is a
    legitimate answer (acquisition cost above the discounted margins).

    Sources: Gupta & Lehmann (2003); Gupta, Lehmann & Stuart (2004); Berger & Nasr (1998);
    Fader & Hardie (2012), "Reconciling and clarifying CLV formulas".

    >>> round(lifetime_value(100, 0.8, 0.1), 2)   # 100 x 0.8 / 0.3
    266.67
    """
    timing = _timing(timing)
    growth_for_period = _zero_is_timeless(growth)
    cost_for_period = _zero_is_timeless(retention_cost)
    inputs = _Inputs()
    m = inputs.take("margin", margin, Money)
    r = inputs.take("retention", retention, (Retention, Churn), low=0.0, high=1.0)
    d = inputs.take("discount", discount, Discount, low=-1.0, low_inclusive=False)
    growth_given = growth is not None
    g = inputs.take("growth", growth, Growth, low=-1.0, low_inclusive=False) if growth_given else 0.0
    c = inputs.take("retention_cost", retention_cost, Money, low=0.0)
    a = inputs.take("acquisition_cost", acquisition_cost, None, low=0.0)
    h = _horizon_periods(inputs, horizon)
    common_period(
        margin=margin, retention=retention, discount=discount, growth=growth_for_period,
        retention_cost=cost_for_period, horizon=horizon,
    )
    inputs.broadcast_shape()
    value = _value(m, r, _churn_of(retention, r), d, g, c, a, h, timing, growth_given)
    return inputs.finish(value, "lifetime_value")


def subscription_value(arpu, margin_rate, churn, discount=None, *, timing: str = "start",
                       acquisition_cost=0.0, horizon=None):
    """Subscription CLV from average revenue per user, margin rate and churn.

    Undiscounted shortcut (``discount=None``)::

        CLV = ARPU x margin_rate / churn - AC

    This is the expected number of paid periods, 1 / churn, times the margin: it counts the
    first payment for every subscriber, which is timing ``"start"`` (or ``"end_all"``) with
    d = 0. With a discount rate d and m = ARPU x margin_rate, c = churn (so r = 1 - c and
    1 + d - r = d + c):

    * ``"start"`` (default; subscribers pay at sign-up and at each renewal): m (1 + d) / (d + c)
    * ``"end_all"`` (every subscriber pays at the end of period 1): m / (d + c)
    * ``"end"`` (Gupta & Lehmann): m (1 - c) / (d + c); undiscounted m (1 - c) / c

    In every case ``subscription_value(arpu, k, c, d, timing=T)`` equals
    ``lifetime_value(arpu * k, 1 - c, d, timing=T)`` (d = 0 when discount is None).

    Parameters
    ----------
    arpu : revenue per user per period (Money or bare).
    margin_rate : share of revenue kept as contribution margin, in [0, 1] (bare).
    churn : churn per period (Churn, Retention (converted) or bare), in (0, 1].
    discount : None (undiscounted) or discount per period (Discount or bare), above -1.
    timing, acquisition_cost, horizon : as in :func:`lifetime_value`.

    Sources: Gupta & Lehmann (2003); Fader & Hardie (2012), "Reconciling and clarifying CLV
    formulas" (the 1/churn expected lifetime and the timing of the first payment).

    >>> subscription_value(10, 0.5, 0.05)   # 10 x 0.5 / 0.05
    100.0
    """
    timing = _timing(timing)
    inputs = _Inputs()
    revenue = inputs.take("arpu", arpu, Money)
    k = inputs.take("margin_rate", margin_rate, None, low=0.0, high=1.0)
    if isinstance(churn, Timed):
        plain(churn, (Churn, Retention), "churn")
        r = inputs.take("churn", churn.retention if isinstance(churn, Churn) else churn, Retention, low=0.0, high=1.0)
        c = _churn_of(churn, r)
    else:
        c = inputs.take("churn", churn, None, low=0.0, high=1.0)
        r = 1.0 - c
    d = 0.0 if discount is None else inputs.take("discount", discount, Discount, low=-1.0, low_inclusive=False)
    a = inputs.take("acquisition_cost", acquisition_cost, None, low=0.0)
    h = _horizon_periods(inputs, horizon)
    if h is None and np.any(np.asarray(r) >= 1.0):
        raise ValueError("churn must be in (0, 1] for an infinite horizon: with no churn the value has no limit; "
                         "give a finite horizon")
    common_period(arpu=arpu, churn=churn, discount=discount, horizon=horizon)
    inputs.broadcast_shape()
    value = _value(revenue * k, r, c, d, 0.0, 0.0, a, h, timing, growth_given=False)
    return inputs.finish(value, "subscription_value")


def historical_value(order_value, frequency, lifespan, margin=1.0):
    """The simple undiscounted formula: average order value x frequency x lifespan x margin.

    ``frequency`` is purchases per period and ``lifespan`` a number of the *same* periods.
    Give both as bare numbers (you vouch that their periods agree) or both timed:
    ``Frequency(4, per="year")`` with ``Duration(3, per="year")``; a timed/bare mix or two
    different periods raise PeriodMismatchError (convert one with ``.to()``). A churn's
    expected lifetime gives the lifespan: ``Churn(0.05, per="month").expected_lifetime()``.

    ``order_value`` is an amount per order (bare, >= 0) and ``margin`` the share of it kept
    as profit, in [0, 1] (1 gives revenue, not profit). No discounting, no retention
    decisions: every customer is assumed to buy for the whole lifespan, so this overstates
    value against the discounted formulas of :func:`lifetime_value`.

    Source: the "AOV x purchase frequency x customer lifespan" rule of practitioner
    articles; Berger & Nasr (1998) and Gupta & Lehmann (2003) explain what it leaves out.

    >>> historical_value(40, 4, 3, margin=0.25)   # 40 x 4 x 3 x 0.25
    120.0
    """
    inputs = _Inputs()
    aov = inputs.take("order_value", order_value, None, low=0.0)
    f = inputs.take("frequency", frequency, Frequency, low=0.0)
    n = inputs.take("lifespan", lifespan, Duration, low=0.0)
    k = inputs.take("margin", margin, None, low=0.0, high=1.0)
    common_period(frequency=frequency, lifespan=lifespan)
    inputs.broadcast_shape()
    return inputs.finish(aov * f * n * k, "historical_value")


# --- period by period -------------------------------------------------------------------------------

def cash_flow_schedule(margin, retention, discount, periods: int, *, timing: str = "end", growth=None,
                       retention_cost=0.0):
    """The discounted sum of :func:`lifetime_value`, written out period by period for one acquired customer.

    Returns a dict of numpy arrays, one entry per payment k = 0 .. periods - 1:

    * ``time``: when the payment arrives, in periods after acquisition (k + 1 for ``end`` and
      ``end_all``, k for ``start``);
    * ``still_customers``: the expected share of acquired customers who pay it: r^(k+1) for ``end``,
      r^k for ``start`` and ``end_all``;
    * ``margin``: m (1 + g)^k - c, the net margin of one paying customer;
    * ``discount_factor``: 1 / (1 + d)^time;
    * ``value``: still_customers x margin x discount_factor;
    * ``running_total``: the cumulative sum of ``value``.

    ``running_total`` converges to ``lifetime_value(...)`` before acquisition cost as ``periods``
    grows (the tests check this for every timing). Rates and amounts per the same period, as in
    :func:`lifetime_value`; ``margin``, ``retention`` and ``discount`` are scalars here.

    Source: the explicit sums of Berger & Nasr (1998) and Gupta & Lehmann (2003).
    """
    timing = _timing(timing)
    if isinstance(periods, bool) or int(periods) != periods or periods < 1:
        raise ValueError(f"periods must be a whole number of periods, at least 1; got {periods!r}")
    common_period(margin=margin, retention=retention, discount=discount, growth=_zero_is_timeless(growth),
                  retention_cost=_zero_is_timeless(retention_cost))
    m = float(check_range("margin", plain(margin, Money, "margin") if isinstance(margin, Timed) else margin))
    if isinstance(retention, Churn):
        r = 1.0 - float(check_range("churn", retention.value, 0.0, 1.0))
    else:
        r = float(check_range("retention", plain(retention, Retention, "retention")
                              if isinstance(retention, Timed) else retention, 0.0, 1.0))
    d = float(check_range("discount", plain(discount, Discount, "discount") if isinstance(discount, Timed)
                          else discount, -1.0, low_inclusive=False))
    g = 0.0 if growth is None else float(check_range(
        "growth", plain(growth, Growth, "growth") if isinstance(growth, Timed) else growth, -1.0, low_inclusive=False))
    c = float(check_range("retention_cost", plain(retention_cost, Money, "retention_cost")
                          if isinstance(retention_cost, Timed) else retention_cost, 0.0))
    k = np.arange(int(periods), dtype=float)
    time = k if timing == "start" else k + 1.0
    still = r ** (k + 1.0) if timing == "end" else r ** k
    net = m * (1.0 + g) ** k - c
    factor = (1.0 + d) ** -time
    value = still * net * factor
    return {"time": time, "still_customers": still, "margin": net, "discount_factor": factor,
            "value": value, "running_total": np.cumsum(value)}


def payback_period(flows) -> int | None:
    """The first period by whose end the cumulative cash of ``flows`` is covered for good, or None.

    ``flows[t]`` is the expected discounted cash at the end of period t (t = 0 is acquisition: minus the
    acquisition cost or, for a technique, its one-off cost). The answer is the period after the last one
    at which the running total is below zero, so a total that dips again later does not count as paid
    back; 0 means covered at once, None never covered within the flows given. One definition serves the
    acquisition payback of a customer and the payback of a technique (the difference of two flows).
    """
    total = np.cumsum(np.asarray(flows, dtype=float))
    if total.size == 0 or total[-1] < -1e-9:
        return None
    short = np.flatnonzero(total < -1e-9)
    return 0 if short.size == 0 else int(short[-1]) + 1
