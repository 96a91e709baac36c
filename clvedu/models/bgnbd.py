"""The BG/NBD model of repeat purchasing when customers leave unobserved (Fader, Hardie & Lee, 2005).

Non-contractual setting (a shop, a membership whose members may simply stop buying). While active, a
customer buys as a Poisson process with rate ``lambda``; after each purchase they become inactive with
probability ``p``. Across customers ``lambda ~ gamma(r, alpha)`` (shape r, rate alpha) and
``p ~ beta(a, b)``. Each customer is summarised by

* ``frequency`` x: the number of *repeat* purchases (periods with a purchase after the first one),
* ``recency`` t_x: the time of the last purchase, measured from the first purchase,
* ``T``: the time from the first purchase to the end of observation,

all in one time unit (``period``, usually weeks). The individual likelihood (FHL 2005, eq. 6) is

``L = B(a, b+x)/B(a, b) * G(r+x)/G(r) * alpha^r / (alpha+T)^(r+x)
    + [x > 0] * B(a+1, b+x-1)/B(a, b) * G(r+x)/G(r) * alpha^r / (alpha+t_x)^(r+x)``.

Source: Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting Your Customers' the Easy Way: An
Alternative to the Pareto/NBD Model", *Marketing Science* 24(2), 275-284.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln, hyp2f1

from clvedu.models._fitting import (
    ConvergenceError, _row_labels, column, compress, maximise_likelihood, same_length,
)
from clvedu.units import normalise_period


def check_rfm(frequency, recency, T, *, allow_scalar: bool = False):
    """Validate the (frequency, recency, T) columns; errors name the column and the offending rows."""
    x = column("frequency", frequency, low=0.0, integer=True, allow_scalar=allow_scalar)
    tx = column("recency", recency, low=0.0, allow_scalar=allow_scalar)
    big_t = column("T", T, low=0.0, allow_scalar=allow_scalar)
    n = same_length(frequency=x, recency=tx, T=big_t)
    if n > 1:
        x, tx, big_t = (np.broadcast_to(v, n) if v.size == 1 else v for v in (x, tx, big_t))
    late = tx > big_t + 1e-9
    if late.any():
        raise ValueError(f"recency must not exceed T (the last purchase cannot come after the end of observation); "
                         f"rows {_row_labels(recency, late)} break this")
    odd = (x == 0) & (tx > 0)
    if odd.any():
        raise ValueError(f"recency must be 0 for customers with frequency 0 (no repeat purchase); rows "
                         f"{_row_labels(recency, odd)} are not")
    return x, tx, big_t


def _log_terms(params, x, tx, big_t):
    """A1 + A2 (shared) and the two log-terms A3 (still active) and A4 (left after last purchase)."""
    r, alpha, a, b = params
    shared = (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
              + gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x))
    a3 = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1.0, 1e-300)) - (r + x) * np.log(alpha + tx),
                      -np.inf)
    return shared, a3, a4


@dataclass(frozen=True)
class BetaGeoNBD:
    """A fitted BG/NBD model: purchase rates ~ gamma(``r``, ``alpha``), drop-out probabilities ~ beta(``a``, ``b``).

    ``period`` is the time unit of recency and T ("week" for lifetimes-style summaries).
    """

    r: float
    alpha: float
    a: float
    b: float
    period: str = "week"
    log_likelihood: float | None = None

    def __post_init__(self) -> None:
        for name in ("r", "alpha", "a", "b"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"BG/NBD {name} must be a positive number; got {value!r}")
            object.__setattr__(self, name, float(value))
        object.__setattr__(self, "period", normalise_period(self.period))

    @property
    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}

    @classmethod
    def fit(cls, frequency, recency, T, *, period: str = "week") -> "BetaGeoNBD":
        """Maximum-likelihood fit to one row per customer (see the module docstring for the likelihood).

        Identical (frequency, recency, T) rows are compressed into weights first, so a large customer base
        with whole-period recency fits in well under a second.
        """
        x, tx, big_t = check_rfm(frequency, recency, T)
        if not (x > 0).any():
            raise ValueError("frequency is 0 for every customer: with no repeat purchases the BG/NBD model cannot be fitted")
        (x, tx, big_t), w = compress(x, tx, big_t)
        total = float(w.sum())
        pos = x > 0

        def neg_ll(params):
            r, alpha, a, b = params
            shared, a3, a4 = _log_terms(params, x, tx, big_t)
            log_mix = np.logaddexp(a3, a4)
            ll = shared + log_mix
            w3 = np.exp(a3 - log_mix)
            w4 = 1.0 - w3
            d_r = (digamma(r + x) - digamma(r) + np.log(alpha)
                   - w3 * np.log(alpha + big_t) - w4 * np.log(alpha + tx))
            d_alpha = r / alpha - w3 * (r + x) / (alpha + big_t) - w4 * (r + x) / (alpha + tx)
            d_a = digamma(a + b) - digamma(a + b + x) + np.where(pos, w4 / a, 0.0)
            d_b = (digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x)
                   - np.where(pos, w4 / np.where(pos, b + x - 1.0, 1.0), 0.0))
            grad = np.array([w @ d_r, w @ d_alpha, w @ d_a, w @ d_b])
            return -float(w @ ll) / total, -grad / total

        mean_x = float(w @ x / total)
        mean_t = float(w @ big_t / total)
        rate = max(mean_x, 0.05) / max(mean_t, 1e-3)
        starts = [(1.0, 1.0 / rate, 1.0, 1.0), (0.5, 0.5 / rate, 0.5, 2.0), (2.0, 2.0 / rate, 2.0, 5.0)]
        result = maximise_likelihood("BG/NBD fit", ("r", "alpha", "a", "b"), neg_ll, starts, total)
        return cls(*result.params, period=period, log_likelihood=result.log_likelihood)

    # --- predictions -------------------------------------------------------------------------

    def _check_t(self, t):
        t = np.asarray(t, dtype=float)
        if not np.all(np.isfinite(t)) or np.any(t < 0):
            raise ValueError(f"t must be a length of time >= 0 (in {self.period}s); got {t!r}")
        return t

    def expected_purchases(self, t):
        """E[X(t)]: expected repeat purchases in (0, t] by a new customer (FHL 2005, eq. 7).

        ``E[X(t)] = (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r * 2F1(r, b; a+b-1; t/(alpha+t))]``, t in ``period`` units.
        """
        t = self._check_t(t)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        if abs(a - 1.0) < 1e-9:
            raise ValueError("expected_purchases needs a != 1 (the closed form divides by a - 1)")
        value = (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1.0, t / (alpha + t)))
        return _finite(value, "expected purchases")

    def probability_alive(self, frequency, recency, T):
        """P(active | x, t_x, T) = 1 / (1 + [x > 0] * a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)).

        Source: Fader, Hardie & Lee (2008), "Computing P(alive) Using the BG/NBD Model" (note 021, brucehardie.com).
        """
        x, tx, big_t = check_rfm(frequency, recency, T, allow_scalar=True)
        _, a3, a4 = _log_terms((self.r, self.alpha, self.a, self.b), x, tx, big_t)
        value = np.exp(a3 - np.logaddexp(a3, a4))
        return _shape_like(value, frequency)

    def conditional_expected_purchases(self, t, frequency, recency, T):
        """E[Y(t) | x, t_x, T]: expected purchases in the next t periods by a customer with this history (FHL 2005, eq. 10).

        ``(a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]``
        ``/ (1 + [x > 0] * a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x))``.
        """
        t = self._check_t(t)
        x, tx, big_t = check_rfm(frequency, recency, T, allow_scalar=True)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        if abs(a - 1.0) < 1e-9:
            raise ValueError("conditional_expected_purchases needs a != 1 (the closed form divides by a - 1)")
        z = t / (alpha + big_t + t)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1.0, z)
        first = (a + b + x - 1.0) / (a - 1.0) * (1.0 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp)
        value = first * self.probability_alive(x, tx, big_t)
        return _shape_like(_finite(value, "conditional expected purchases"), frequency)

    def __repr__(self) -> str:
        return (f"BetaGeoNBD(r={self.r:.4g}, alpha={self.alpha:.4g}, a={self.a:.4g}, b={self.b:.4g}, "
                f"period={self.period!r})")


def _finite(value, what: str):
    if not np.all(np.isfinite(value)):
        raise ConvergenceError(f"{what} did not evaluate to a finite number for these parameters")
    return value if np.ndim(value) else float(value)


def _shape_like(value, like):
    """Return a Series with ``like``'s index when the input was a Series, a float for a scalar, else an array."""
    if isinstance(like, pd.Series) and np.ndim(value) == 1 and len(value) == len(like):
        return pd.Series(value, index=like.index)
    if np.ndim(like) == 0 and np.size(value) == 1:
        return float(np.ravel(value)[0])
    return value
