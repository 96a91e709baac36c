"""The shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie, 2007).

Each customer has a constant churn probability ``theta`` per period (monthly, say), but ``theta``
differs between customers and follows a beta(alpha, beta) distribution. Timing: a customer signs
up and pays at period 0; at the start of each later period ``t = 1, 2, ...`` they renew or leave.
The period in which they leave, ``T``, is then "shifted" geometric for each customer, and for the
whole group

* ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)``,
* survival ``S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)`` (share of a cohort still paying in period t),
* retention ``r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)``, which *rises* with ``t``:
  the likely leavers leave first, so the survivors are ever more loyal (the aggregate retention rate of a
  cohort climbs even though no individual's churn probability changes).

Sources: Fader, P. S. & Hardie, B. G. S. (2007), "How to Project Customer Retention", *Journal of
Interactive Marketing* 21(1), 76-90; Fader & Hardie (2010), "Customer-Base Valuation in a Contractual
Setting: The Perils of Ignoring Heterogeneity", *Marketing Science* 29(1), 85-93 (DEL and DERL).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, hyp2f1

from clvedu.models._fitting import (
    ConvergenceError, _row_labels, column, compress, discount_value, maximise_likelihood, same_length,
)
from clvedu.units import normalise_period


def _as_periods(t, name: str = "t") -> np.ndarray | float:
    arr = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be a whole number of periods >= 0; got {t!r}")
    return arr


def _series_2f1_one(b: float, c: float, z: float, chunk: int = 4096, max_terms: int = 10_000_000) -> float:
    """2F1(1, b; c; z) = sum_k prod_{j<k} (b + j) / (c + j) * z, summed directly (terms shrink geometrically)."""
    total, log_term, start = 0.0, 0.0, 0
    while start < max_terms:
        j = np.arange(start, start + chunk, dtype=float)
        logs = log_term + np.concatenate(([0.0], np.cumsum(np.log((b + j[:-1]) / (c + j[:-1]) * z))))
        terms = np.exp(logs)
        total += float(terms.sum())
        log_term = logs[-1] + np.log((b + j[-1]) / (c + j[-1]) * z)
        if terms[-1] < 1e-17 * total:
            return total
        start += chunk
    return float("nan")


@dataclass(frozen=True)
class ShiftedBetaGeometric:
    """A fitted (or given) sBG model: churn probabilities across customers ~ beta(``alpha``, ``beta``).

    ``period`` is the length of one renewal period ("month" for a monthly subscription). The mean churn
    probability is ``alpha / (alpha + beta)``; smaller ``alpha + beta`` means more heterogeneity.
    """

    alpha: float
    beta: float
    period: str = "month"
    log_likelihood: float | None = None

    def __post_init__(self) -> None:
        for name in ("alpha", "beta"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"sBG {name} must be a positive number; got {value!r}")
        object.__setattr__(self, "alpha", float(self.alpha))
        object.__setattr__(self, "beta", float(self.beta))
        object.__setattr__(self, "period", normalise_period(self.period))

    # --- fitting ------------------------------------------------------------------------------

    @classmethod
    def fit(cls, alive, *, period: str = "month") -> "ShiftedBetaGeometric":
        """Fit to one cohort's survival curve: ``alive[t]`` customers still paying at the start of period t.

        ``alive[0]`` is the cohort size; the counts must not increase. The likelihood (Fader & Hardie 2007,
        eq. 5) counts ``alive[t-1] - alive[t]`` customers who left in period t and ``alive[-1]`` still active:
        ``LL = sum_t (n_{t-1} - n_t) ln P(T=t) + n_last ln S(last)``.
        """
        counts = column("alive", alive, low=0.0, integer=True)
        if counts.size < 2:
            raise ValueError("alive needs at least two values: the cohort size and the count one period later")
        if counts[0] <= 0:
            raise ValueError("alive[0] (the cohort size) must be positive")
        rises = np.r_[False, np.diff(counts) > 0]
        if rises.any():
            raise ValueError(f"alive counts must not increase from one period to the next; they rise at "
                             f"periods {_row_labels(alive, rises)}")
        periods = np.arange(1, counts.size)
        lost = counts[:-1] - counts[1:]
        durations = np.r_[periods, periods[-1]]
        weights = np.r_[lost, counts[-1]]
        censored = np.r_[np.zeros(periods.size, bool), True]
        keep = weights > 0
        return cls._fit_weighted(durations[keep], censored[keep], weights[keep], period)

    @classmethod
    def fit_durations(cls, durations, censored, *, period: str = "month") -> "ShiftedBetaGeometric":
        """Fit to individual customers: ``durations`` in periods and ``censored`` (still active) flags.

        A customer who left has ``duration`` = the period in which they left (1 = did not renew at the first
        renewal; equivalently the number of periods paid). A customer still active has ``duration`` = the number
        of renewals survived so far (0 = signed up in the last observed period) and ``censored=True``.
        """
        d = column("durations", durations, low=0.0, integer=True)
        c = np.asarray(censored.to_numpy() if isinstance(censored, pd.Series) else censored)
        if c.dtype != bool:
            if not np.isin(c, [0, 1]).all():
                raise ValueError("censored must be True/False (or 1/0) for every customer")
            c = c.astype(bool)
        same_length(durations=d, censored=c)
        zero_churned = (d == 0) & ~c
        if zero_churned.any():
            raise ValueError(f"durations must be >= 1 for customers who left (a leaver pays at least one period); "
                             f"rows {_row_labels(durations, zero_churned)} are 0")
        (du, cu), w = compress(d, c.astype(float))
        return cls._fit_weighted(du, cu.astype(bool), w, period)

    @classmethod
    def _fit_weighted(cls, durations, censored, weights, period) -> "ShiftedBetaGeometric":
        if not (~censored).any():
            raise ValueError("no customer in the data has left yet, so churn cannot be estimated")
        total = float(weights.sum())
        t = durations
        churned = ~censored

        def neg_ll(params):
            a, b = params
            base = betaln(a, b)
            ll = np.where(churned, betaln(a + 1.0, b + t - 1.0), betaln(a, b + t)) - base
            common = digamma(a + b) - digamma(a + b + t)
            da = np.where(churned, digamma(a + 1.0) - digamma(a), 0.0) + common
            db = np.where(churned, digamma(b + t - 1.0), digamma(b + t)) - digamma(b) + common
            return (-np.dot(weights, ll) / total,
                    -np.array([np.dot(weights, da), np.dot(weights, db)]) / total)

        mean_churn = min(max(float(weights[churned].sum() / weights @ np.maximum(t, 1)), 1e-3), 0.9)
        starts = [(1.0, 1.0), (mean_churn * 2.0, (1 - mean_churn) * 2.0), (mean_churn * 20, (1 - mean_churn) * 20)]
        result = maximise_likelihood("shifted-beta-geometric fit", ("alpha", "beta"), neg_ll, starts, total)
        return cls(*result.params, period=period, log_likelihood=result.log_likelihood)

    # --- the curves -------------------------------------------------------------------------

    def survival(self, t):
        """S(t) = B(alpha, beta + t) / B(alpha, beta): share of a new cohort still paying in period t (S(0) = 1)."""
        t = _as_periods(t)
        return np.exp(betaln(self.alpha, self.beta + t) - betaln(self.alpha, self.beta))

    def retention(self, t):
        """r(t) = (beta + t - 1) / (alpha + beta + t - 1): share of period t-1's payers who renew in period t (t >= 1)."""
        t = _as_periods(t)
        if np.any(t < 1):
            raise ValueError("retention(t) is defined for t >= 1 (the first renewal)")
        return (self.beta + t - 1.0) / (self.alpha + self.beta + t - 1.0)

    def churn(self, t):
        """Churn in period t: 1 - r(t) = alpha / (alpha + beta + t - 1)."""
        return 1.0 - self.retention(t)

    def probability_churn_at(self, t):
        """P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta): share of a new cohort that leaves in period t."""
        t = _as_periods(t)
        if np.any(t < 1):
            raise ValueError("probability_churn_at(t) is defined for t >= 1")
        return np.exp(betaln(self.alpha + 1.0, self.beta + t - 1.0) - betaln(self.alpha, self.beta))

    @property
    def mean_churn(self) -> float:
        """Average churn probability across new customers, alpha / (alpha + beta) (the churn in period 1)."""
        return self.alpha / (self.alpha + self.beta)

    # --- lifetime value ---------------------------------------------------------------------

    def discounted_expected_lifetime(self, discount) -> float:
        """DEL = sum_{t>=0} S(t) / (1+d)^t = 2F1(1, beta; alpha + beta; 1/(1+d)) (Fader & Hardie 2010, eq. 3).

        The discounted number of payments a new customer makes, counting the sign-up payment at t = 0 as
        undiscounted. Multiply by the margin per period for a new customer's value at sign-up, before acquisition
        cost.
        ``discount`` is a :class:`~clvedu.units.Discount` over the model's period, or a bare per-period number.
        """
        d = discount_value(discount, self.period, "sBG model")
        return self._hypergeometric_sum(1.0, d, self.beta, self.alpha + self.beta)

    del_ = discounted_expected_lifetime

    def derl(self, discount, renewals=0):
        """Discounted expected residual lifetime of a customer who has made ``renewals`` = n - 1 renewals.

        DERL = (beta + n - 1) / (alpha + beta + n - 1) * 2F1(1, beta + n; alpha + beta + n; 1/(1+d))
        (Fader & Hardie 2010, eq. 6). Timing: evaluated just before the customer's n-th renewal decision; the
        next payment (if they renew) is undiscounted, the one after is discounted once, and so on. It equals
        ``sum_{t>=n} S(t) / S(n-1) / (1+d)^(t-n)``. Multiply by the margin per period for the customer's
        residual value.
        """
        d = discount_value(discount, self.period, "sBG model")
        n = np.asarray(renewals, dtype=float) + 1.0
        if not np.all(np.isfinite(n)) or np.any(n < 1) or np.any(n != np.round(n)):
            raise ValueError(f"renewals must be a whole number >= 0; got {renewals!r}")
        a, b = self.alpha, self.beta
        first = (b + n - 1.0) / (a + b + n - 1.0)
        return first * self._hypergeometric_sum(1.0, d, b + n, a + b + n)

    def _hypergeometric_sum(self, _one, d, b_param, c_param):
        """2F1(1, b; c; z) at z = 1/(1+d), refusing an infinite value (no discounting and alpha <= 1)."""
        if d < 0:
            raise ValueError(f"discount must be >= 0 for lifetime sums; got {d:g}")
        if d == 0 and self.alpha <= 1.0:
            raise ValueError(
                f"with no discounting the expected lifetime is infinite when alpha <= 1 (alpha = {self.alpha:.3g}): "
                "give a positive discount rate"
            )
        z = 1.0 / (1.0 + d)
        value = np.asarray(hyp2f1(1.0, b_param, c_param, z), dtype=float)
        bad = ~np.isfinite(value)
        if bad.any():
            # scipy's hyp2f1 gives up for very large b and c (a nearly homogeneous base); sum the series instead.
            b_arr, c_arr = np.broadcast_arrays(np.asarray(b_param, float), np.asarray(c_param, float))
            fixed = [_series_2f1_one(bb, cc, z) for bb, cc in zip(b_arr[bad].ravel(), c_arr[bad].ravel())]
            value = value.copy()
            value[bad] = fixed
        if not np.all(np.isfinite(value)):
            raise ConvergenceError("the hypergeometric sum for the lifetime did not evaluate to a finite number")
        return value if np.ndim(value) else float(value)

    def __repr__(self) -> str:
        return f"ShiftedBetaGeometric(alpha={self.alpha:.4g}, beta={self.beta:.4g}, period={self.period!r})"
