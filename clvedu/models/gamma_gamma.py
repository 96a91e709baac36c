"""The Gamma-Gamma model of average spend per transaction (Fader, Hardie & Lee 2005; Fader & Hardie note 025).

Each customer's transaction values vary around their own mean spend; the model assumes
``z ~ gamma(p, nu)`` per transaction (mean p / nu), with ``nu ~ gamma(q, v)`` across customers, and that
spend is independent of how often a customer buys. For a customer with ``x`` repeat transactions of
average value ``m`` the likelihood (note 025, eq. 3, written for the observed mean) is

``f(m | p, q, v, x) = G(px + q) / (G(px) G(q)) * v^q * m^(px - 1) * x^(px) / (v + m x)^(px + q)``,

and the expected average spend given the history is a weighted mean of the population mean and the
customer's own mean (eq. 5):

``E[M | p, q, v, x, m] = (q - 1)/(px + q - 1) * p v/(q - 1) + px/(px + q - 1) * m``.

Sources: Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis", *Journal of Marketing Research* 42(4), 415-430; Fader & Hardie (2013), "The
Gamma-Gamma Model of Monetary Value" (note 025, brucehardie.com).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from clvedu.models._fitting import _row_labels, column, compress, maximise_likelihood, same_length


def _check_spend(frequency, monetary_value, *, allow_scalar=False, for_fit=False):
    x = column("frequency", frequency, low=0.0, integer=True, allow_scalar=allow_scalar)
    m = column("monetary_value", monetary_value, low=0.0, allow_scalar=allow_scalar)
    same_length(frequency=x, monetary_value=m)
    if for_fit:
        if not (x > 0).any():
            raise ValueError("no customer has a repeat purchase (frequency > 0), so the Gamma-Gamma spend model "
                             "cannot be fitted; it needs customers with at least one repeat purchase")
        bad = (x > 0) & (m <= 0)
        if bad.any():
            raise ValueError(f"monetary_value must be positive for customers with repeat purchases; rows "
                             f"{_row_labels(monetary_value, bad)} are not (refunds or zero-value orders "
                             "must be removed before fitting)")
    return x, m


@dataclass(frozen=True)
class GammaGamma:
    """A fitted Gamma-Gamma spend model with shape ``p`` and the gamma(``q``, ``v``) mixing distribution."""

    p: float
    q: float
    v: float
    log_likelihood: float | None = None

    def __post_init__(self) -> None:
        for name in ("p", "q", "v"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"Gamma-Gamma {name} must be a positive number; got {value!r}")
            object.__setattr__(self, name, float(value))

    @property
    def params(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "v": self.v}

    @classmethod
    def fit(cls, frequency, monetary_value) -> "GammaGamma":
        """Maximum-likelihood fit on the customers with at least one repeat purchase (others carry no spend data).

        ``monetary_value`` is each customer's mean value of their *repeat* purchases, as produced by
        :func:`clvedu.data.rfm_summary`. Customers with frequency 0 are ignored.
        """
        x, m = _check_spend(frequency, monetary_value, for_fit=True)
        keep = x > 0
        (x, m), w = compress(x[keep], m[keep])
        total = float(w.sum())
        log_m, log_x = np.log(m), np.log(x)

        def neg_ll(params):
            p, q, v = params
            px = p * x
            log_vmx = np.log(v + m * x)
            ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
                  + (px - 1.0) * log_m + px * log_x - (px + q) * log_vmx)
            d_p = x * (digamma(px + q) - digamma(px) + log_m + log_x - log_vmx)
            d_q = digamma(px + q) - digamma(q) + np.log(v) - log_vmx
            d_v = q / v - (px + q) / (v + m * x)
            return -float(w @ ll) / total, -np.array([w @ d_p, w @ d_q, w @ d_v]) / total

        mean_spend = float(w @ m / total)
        starts = [(1.0, 1.0, mean_spend), (5.0, 3.0, mean_spend * 2.0), (2.0, 10.0, mean_spend * 5.0)]
        result = maximise_likelihood("Gamma-Gamma fit", ("p", "q", "v"), neg_ll, starts, total)
        return cls(*result.params, log_likelihood=result.log_likelihood)

    @property
    def population_mean_spend(self) -> float:
        """E[Z] = p v / (q - 1), the mean spend per transaction across customers (needs q > 1)."""
        if self.q <= 1.0:
            raise ValueError(f"the mean spend is infinite when q <= 1 (q = {self.q:.3g})")
        return self.p * self.v / (self.q - 1.0)

    def conditional_expected_average_value(self, frequency, monetary_value):
        """E[M | x, m]: expected spend per future transaction for each customer (note 025, eq. 5).

        A customer with no repeat purchases gets the population mean p v / (q - 1).
        """
        x, m = _check_spend(frequency, monetary_value, allow_scalar=True)
        weight = self.p * x / (self.p * x + self.q - 1.0)
        value = (1.0 - weight) * self.population_mean_spend + weight * m
        if isinstance(frequency, pd.Series):
            return pd.Series(value, index=frequency.index)
        return float(value[0]) if np.ndim(frequency) == 0 else value

    def __repr__(self) -> str:
        return f"GammaGamma(p={self.p:.4g}, q={self.q:.4g}, v={self.v:.4g})"
