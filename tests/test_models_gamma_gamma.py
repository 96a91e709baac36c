"""Gamma-Gamma spend and the combined BG/NBD + Gamma-Gamma CLV, against lifetimes' results and published figures.

lifetimes' results are stored in ``tests/reference/gamma_gamma_cdnow.json`` (``tests/reference/regenerate.py``
remakes them); the tests do not need lifetimes installed.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from clvedu.models import BetaGeoNBD, GammaGamma, customer_lifetime_value
from clvedu.units import Discount, Duration

REFERENCE = Path(__file__).resolve().parent / "reference"


@pytest.fixture(scope="module")
def cdnow():
    # the 2,357-customer CDNOW summary with mean repeat spend, as lifetimes ships it
    data = pd.read_csv(REFERENCE / "cdnow_summary_with_spend.csv")
    data.columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    return data.set_index("customer_id")


@pytest.fixture(scope="module")
def oracle():
    return json.loads((REFERENCE / "gamma_gamma_cdnow.json").read_text(encoding="utf-8"))


def _sampled(values, cdnow, oracle) -> np.ndarray:
    rows = [cdnow.index.get_loc(i) for i in oracle["per_customer"]["customer_id"]]
    assert len(rows) > 200
    return np.asarray(values)[rows]


@pytest.fixture(scope="module")
def fitted(cdnow):
    return GammaGamma.fit(cdnow["frequency"], cdnow["monetary_value"])


def test_reproduces_the_published_cdnow_spend_parameters(fitted):
    # Fader & Hardie, "The Gamma-Gamma Model of Monetary Value" (2013): p = 6.25, q = 3.74, v = 15.44.
    assert round(fitted.p, 2) == 6.25
    assert round(fitted.q, 2) == 3.74
    assert fitted.v == pytest.approx(15.44, abs=0.01)


def test_parameters_and_predictions_match_lifetimes(fitted, cdnow, oracle):
    for name in ("p", "q", "v"):
        assert getattr(fitted, name) == pytest.approx(oracle["parameters"][name], abs=1e-3)
    ours = fitted.conditional_expected_average_value(cdnow["frequency"], cdnow["monetary_value"])
    assert np.allclose(_sampled(ours, cdnow, oracle), oracle["per_customer"]["expected_mean_spend"], rtol=1e-4)
    assert np.sum(ours) == pytest.approx(oracle["totals"]["expected_mean_spend"], rel=1e-4)


def test_expected_spend_is_a_weighted_mean_of_own_and_population_mean(fitted):
    p, q, v = fitted.p, fitted.q, fitted.v
    population = p * v / (q - 1)
    assert fitted.conditional_expected_average_value(0, 50.0) == pytest.approx(population)
    w = p * 3 / (p * 3 + q - 1)
    assert fitted.conditional_expected_average_value(3, 50.0) == pytest.approx(w * 50 + (1 - w) * population)


def test_log_likelihood_matches_the_density_by_hand(fitted, cdnow):
    r = cdnow[cdnow["frequency"] > 0]
    x, m = r["frequency"].to_numpy(float), r["monetary_value"].to_numpy(float)
    p, q, v = fitted.p, fitted.q, fitted.v
    hand = (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v) + (p * x - 1) * np.log(m)
            + p * x * np.log(x) - (p * x + q) * np.log(x * m + v))
    assert fitted.log_likelihood == pytest.approx(hand.sum(), rel=1e-10)


def test_recovers_parameters_from_simulated_spend():
    rng = np.random.default_rng(5)
    n, p, q, v = 20_000, 4.0, 4.0, 24.0
    x = rng.integers(1, 10, n)
    nu = rng.gamma(q, 1 / v, n)
    mean_spend = rng.gamma(p * x, 1 / nu) / x  # the mean of x gamma(p, nu) draws is gamma(p x, nu x)
    g = GammaGamma.fit(x, mean_spend)
    assert g.p == pytest.approx(p, rel=0.05)
    assert g.population_mean_spend == pytest.approx(p * v / (q - 1), rel=0.05)


def test_rejects_samples_without_repeat_customers_or_with_non_positive_spend():
    with pytest.raises(ValueError, match="no customer has a repeat purchase"):
        GammaGamma.fit([0, 0], [0.0, 0.0])
    with pytest.raises(ValueError, match="monetary_value must be positive .* rows 1"):
        GammaGamma.fit([2, 3, 1], [10.0, 0.0, 5.0])
    with pytest.raises(ValueError, match="monetary_value must be >= 0"):
        GammaGamma.fit([2, 3], [10.0, -4.0])
    with pytest.raises(ValueError, match="mean spend is infinite"):
        GammaGamma(1.0, 0.5, 10.0).conditional_expected_average_value(2, 10.0)


def test_clv_matches_lifetimes_monthly_steps(cdnow, oracle):
    x, tx, T, m = cdnow["frequency"], cdnow["recency"], cdnow["T"], cdnow["monetary_value"]
    # lifetimes' freq="M" treats T as months, so declare the BG/NBD time unit a month for this comparison.
    settings = oracle["clv_settings"]
    bg = BetaGeoNBD.fit(x, tx, T, period="month")
    gg = GammaGamma.fit(x, m)
    ours = customer_lifetime_value(bg, gg, x, tx, T, m, horizon=Duration(settings["horizon_months"], per="month"),
                                   discount=Discount(settings["discount_per_month"], per="month"))
    assert np.allclose(_sampled(ours, cdnow, oracle), oracle["per_customer"]["clv"], rtol=1e-4)
    assert ours.sum() == pytest.approx(oracle["totals"]["clv"], rel=1e-4)


def test_clv_without_discounting_is_expected_purchases_times_spend(cdnow):
    x, tx, T, m = cdnow["frequency"], cdnow["recency"], cdnow["T"], cdnow["monetary_value"]
    bg = BetaGeoNBD.fit(x, tx, T, period="week")
    gg = GammaGamma.fit(x, m)
    value = customer_lifetime_value(bg, gg, x, tx, T, m, horizon=Duration(1, per="year"),
                                    discount=Discount(0.0, per="month"), margin_rate=0.3)
    expected = bg.conditional_expected_purchases(52, x, tx, T) * gg.conditional_expected_average_value(x, m) * 0.3
    assert np.allclose(value, expected, rtol=1e-9)


def test_clv_demands_explicit_periods(cdnow):
    x, tx, T, m = cdnow["frequency"], cdnow["recency"], cdnow["T"], cdnow["monetary_value"]
    bg, gg = BetaGeoNBD(0.24, 4.4, 0.79, 2.4), GammaGamma(6.25, 3.74, 15.44)
    with pytest.raises(ValueError, match="horizon must be a Duration"):
        customer_lifetime_value(bg, gg, x, tx, T, m, horizon=12, discount=Discount(0.01, per="month"))
    with pytest.raises(ValueError, match="whole number"):
        customer_lifetime_value(bg, gg, x, tx, T, m, horizon=Duration(10, per="day"),
                                discount=Discount(0.01, per="month"))
