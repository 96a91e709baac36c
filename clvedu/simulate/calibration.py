"""Model parameters set from a case's figures (or assumed when it has none).

Churn and renewal, which firms report for their whole base, are matched among customers with a year's tenure
(sBG, :func:`sbg_parameters_for_churn`); active retention is matched for new customers over their first
period (BG/NBD, :func:`bgnbd_parameters_for_case`), because drop-out in the BG/NBD model happens only at a
purchase and a base-wide rate is often out of its reach; mean spend per order sets the Gamma-Gamma model
(:func:`gamma_gamma_parameters`).
"""

from __future__ import annotations

import math

from scipy.optimize import brentq
from scipy.special import hyp2f1

from clvedu.simulate.common import _weeks_in, _whole
from clvedu.units import check_range, normalise_period

# --- sBG: churn and renewal -------------------------------------------------------------------

def sbg_parameters_for_churn(churn: float, heterogeneity: float = 0.5, *, tenure_periods: int = 12) -> tuple[float, float]:
    """sBG (alpha, beta) whose churn among customers with ``tenure_periods`` periods of tenure equals ``churn``.

    Reported churn and renewal rates describe a firm's whole base, which is dominated by long-standing, loyal
    customers. We match ``churn`` (per period) to the sBG churn at the renewal after ``tenure_periods``
    periods (12 for a monthly rate: a year's tenure): ``alpha / (alpha + beta + tenure_periods)``, and set
    the spread by ``heterogeneity`` = 1 / (alpha + beta), the "polarisation" of churn probabilities
    (0 = everyone alike; larger = more spread; 0.5 is a moderate choice). Solving
    ``c = alpha / (1/h + k)`` gives ``alpha = c (1/h + k)`` and ``beta = 1/h - alpha``. This is a teaching
    assumption, stated wherever the simulated data are used.
    """
    c = float(check_range("churn", churn, 0.0, 1.0, low_inclusive=False, high_inclusive=False))
    h = float(check_range("heterogeneity", heterogeneity, 0.0, None, low_inclusive=False))
    k = _whole("tenure_periods", tenure_periods, 0)
    total = 1.0 / h
    alpha = c * (total + k)
    beta = total - alpha
    if beta <= 0:
        raise ValueError(
            f"churn {c:.3f} per period is too high for heterogeneity {h:g}: lower the heterogeneity below "
            f"{(1 - c) / (c * k) if k else float('inf'):.3g} (alpha + beta must exceed alpha)"
        )
    return alpha, beta


def _feasible_heterogeneity(churn: float, heterogeneity: float, k: int) -> float:
    """``heterogeneity``, lowered if needed so that :func:`sbg_parameters_for_churn` can match ``churn``."""
    if k == 0:
        return heterogeneity
    limit = (1.0 - churn) / (churn * k)
    return heterogeneity if heterogeneity < limit else 0.8 * limit


# --- BG/NBD and Gamma-Gamma: buying and spending --------------------------------------------------

MEMBERSHIP_PURCHASING = dict(r=1.0, alpha=5.0, a=0.8, b=8.0, p=4.0, q=4.0, v=24.0)
"""Default purchase-log parameters for a retail membership whose case gives no purchase figures (assumptions,
not estimates; time in weeks): about 0.2 orders a week (about ten a year) while active, a mean spend per order
of about 32 in the case currency (p v / (q - 1)) and an average drop-out chance of about 9% after each repeat
order."""

PRIME_LIKE_PURCHASING = MEMBERSHIP_PURCHASING
"""The earlier name of :data:`MEMBERSHIP_PURCHASING`."""

SPEND_SHAPE = dict(p=4.0, q=4.0)
"""Gamma-Gamma shapes for spend (assumptions): an order's value varies around the customer's own mean with a
coefficient of variation of 1/2 (p = 4), and customers' means vary with finite spread (q = 4 > 2)."""


def gamma_gamma_parameters(order_value: float, *, p: float = SPEND_SHAPE["p"], q: float = SPEND_SHAPE["q"]) -> dict:
    """Gamma-Gamma (p, q, v) whose population mean spend per order, ``p v / (q - 1)``, is ``order_value``."""
    value = float(check_range("order_value", order_value, 0.0, None, low_inclusive=False))
    check_range("q", q, 1.0, None, low_inclusive=False)
    return dict(p=float(p), q=float(q), v=value * (q - 1.0) / p)


def bgnbd_survival(weeks: float, r: float, alpha: float, a: float, b: float) -> float:
    """Share of new BG/NBD customers still active ``weeks`` after their first purchase.

    With rate lambda and drop-out probability p, drop-out (after a purchase) comes at rate lambda p, so
    P(active at t) = E[exp(-lambda p t)] = E_p[(alpha / (alpha + p t))^r] = 2F1(r, a; a + b; -t / alpha).
    """
    return float(hyp2f1(r, a, a + b, -float(weeks) / alpha))


def bgnbd_parameters_for_case(purchase_frequency: float, active_retention: float, period: str, *,
                              heterogeneity: float = 0.5, purchase_shape: float = 1.0) -> dict:
    """BG/NBD (r, alpha, a, b), time in weeks, for a case's purchase frequency and active retention.

    * The mean purchase rate while active, ``r / alpha``, is ``purchase_frequency`` (orders per ``period``).
      ``purchase_shape`` = r sets how alike customers' rates are (1 = as varied as an exponential).
    * Drop-out probabilities follow beta(a, b) with ``a + b = 1 / heterogeneity`` (the same polarisation as
      the sBG's); their mean is solved so that a new customer's chance of still being active one ``period``
      after the first purchase (:func:`bgnbd_survival`) is ``active_retention``.

    Customers can drop out only after a purchase, so retention cannot be lower than the share who make no
    repeat purchase in the period; when the target is out of reach at ``purchase_shape``, customers' rates are
    made more alike (r doubled, up to 64) before giving up with a ``ValueError`` that names both figures.
    """
    period = normalise_period(period)
    f = float(check_range("purchase_frequency", purchase_frequency, 0.0, None, low_inclusive=False))
    ret = float(check_range("active_retention", active_retention, 0.0, 1.0, low_inclusive=False, high_inclusive=False))
    h = float(check_range("heterogeneity", heterogeneity, 0.0, None, low_inclusive=False))
    r = float(check_range("purchase_shape", purchase_shape, 0.0, None, low_inclusive=False))
    t = _weeks_in(period)
    total = 1.0 / h
    while r <= 64:
        alpha = r / (f / t)

        def gap(mean_p: float) -> float:
            return bgnbd_survival(t, r, alpha, mean_p * total, (1.0 - mean_p) * total) - ret

        lo, hi = 1e-9, 1.0 - 1e-9
        if gap(hi) < 0 < gap(lo):
            mean_p = brentq(gap, lo, hi, xtol=1e-12)
            return dict(r=r, alpha=alpha, a=mean_p * total, b=(1.0 - mean_p) * total)
        r *= 2.0
    raise ValueError(
        f"active_retention {ret:g} per {period} is out of reach of the BG/NBD model with purchase_frequency "
        f"{f:g} orders per {period}: customers drop out only after a purchase, so at least about "
        f"{math.exp(-f):.2f} stay active; raise the retention or the frequency"
    )
