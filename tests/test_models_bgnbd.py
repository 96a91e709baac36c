"""BG/NBD: the published CDNOW fit, lifetimes' results as an oracle, parameter recovery, bad input.

lifetimes' results are stored in ``tests/reference/bgnbd_cdnow.json`` (``tests/reference/regenerate.py``
remakes them); the tests do not need lifetimes installed.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln, gammaln

from clvedu.models import BetaGeoNBD, ConvergenceError

REFERENCE = Path(__file__).resolve().parent / "reference"


@pytest.fixture(scope="module")
def cdnow():
    # the 2,357-customer CDNOW summary (weeks) as lifetimes ships it
    return pd.read_csv(REFERENCE / "cdnow_summary.csv", index_col=0)


@pytest.fixture(scope="module")
def fitted(cdnow):
    return BetaGeoNBD.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def oracle():
    return json.loads((REFERENCE / "bgnbd_cdnow.json").read_text(encoding="utf-8"))


def test_reproduces_fader_hardie_lee_2005_cdnow_parameters(fitted):
    # FHL (2005), section 4: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426; LL = -9582.4.
    assert (round(fitted.r, 3), round(fitted.alpha, 3), round(fitted.a, 3), round(fitted.b, 3)) == (
        0.243, 4.414, 0.793, 2.426)
    assert fitted.log_likelihood == pytest.approx(-9582.4, abs=0.05)


def test_parameters_and_log_likelihood_match_lifetimes(fitted, oracle):
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fitted, name) == pytest.approx(oracle["parameters"][name], abs=1e-3)
    assert fitted.log_likelihood == pytest.approx(oracle["log_likelihood"], abs=1e-3)


def test_predictions_match_lifetimes(fitted, oracle, cdnow):
    x, tx, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    alive = fitted.probability_alive(x, tx, T)
    ours = fitted.conditional_expected_purchases(39, x, tx, T)
    assert isinstance(ours, pd.Series) and ours.index.equals(cdnow.index)
    theirs = oracle["per_customer"]
    rows = [cdnow.index.get_loc(i) for i in theirs["customer_id"]]
    assert len(rows) > 200
    assert np.allclose(np.asarray(alive)[rows], theirs["probability_alive"], atol=1e-5)
    assert np.allclose(ours.to_numpy()[rows], theirs["expected_purchases_next_39_weeks"], atol=1e-4)
    # every customer counts in the totals, not only the sampled tenth
    assert np.sum(alive) == pytest.approx(oracle["totals"]["probability_alive"], abs=1e-5 * len(cdnow))
    assert ours.sum() == pytest.approx(oracle["totals"]["expected_purchases_next_39_weeks"], abs=1e-4 * len(cdnow))
    new = oracle["expected_purchases_new_customer"]
    assert np.allclose(fitted.expected_purchases(np.array(new["t_weeks"])), new["value"], atol=1e-5)


def test_probability_alive_is_the_still_active_share_of_the_likelihood(cdnow):
    m = BetaGeoNBD(0.25, 4.0, 0.8, 2.5)
    x, tx, T = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    r, al, a, b = 0.25, 4.0, 0.8, 2.5
    common = gammaln(r + x) - gammaln(r) + r * np.log(al)
    first = np.exp(betaln(a, b + x) - betaln(a, b) + common - (r + x) * np.log(al + T))
    second = np.where(x > 0, np.exp(betaln(a + 1, b + x - 1) - betaln(a, b) + common - (r + x) * np.log(al + tx)), 0)
    assert np.allclose(m.probability_alive(x, tx, T), first / (first + second))


def test_expected_purchases_is_the_mean_of_simulated_counts():
    rng = np.random.default_rng(3)
    r, alpha, a, b, t = 1.0, 5.0, 0.8, 4.0, 20.0
    n = 200_000
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    counts = np.zeros(n)
    clock = np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():
        clock[alive] += rng.exponential(1 / lam[alive])
        alive &= clock < t
        counts[alive] += 1
        alive &= rng.random(n) >= p
    assert BetaGeoNBD(r, alpha, a, b).expected_purchases(t) == pytest.approx(counts.mean(), rel=0.02)


def test_recovers_parameters_from_its_own_simulation():
    from clvedu.data import rfm_summary
    from clvedu.simulate import purchase_log

    truth = dict(r=1.0, alpha=5.0, a=0.8, b=8.0)
    data = purchase_log(12_000, **truth, p=4.0, q=4.0, v=24.0, weeks=104, seed=11)
    s = rfm_summary(data.transactions, "customer_id", "date", "value",
                    observation_end=data.transactions.attrs["observation_end"], freq="D")
    m = BetaGeoNBD.fit(s["frequency"], s["recency"] / 7.0, s["T"] / 7.0)
    assert m.r / m.alpha == pytest.approx(truth["r"] / truth["alpha"], rel=0.1)
    assert m.a / (m.a + m.b) == pytest.approx(truth["a"] / (truth["a"] + truth["b"]), rel=0.15)
    assert m.r == pytest.approx(truth["r"], rel=0.2)


def test_compression_does_not_change_the_fit(cdnow):
    doubled = pd.concat([cdnow, cdnow])
    a = BetaGeoNBD.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    b = BetaGeoNBD.fit(doubled["frequency"], doubled["recency"], doubled["T"])
    assert b.log_likelihood == pytest.approx(2 * a.log_likelihood, rel=1e-9)
    assert b.r == pytest.approx(a.r, rel=1e-5)


@pytest.mark.parametrize("column, value, message", [
    ("frequency", -1, "frequency must be >= 0"),
    ("frequency", 1.5, "frequency must be whole"),
    ("recency", 99.0, "recency must not exceed T"),
    ("T", np.nan, "T has missing"),
])
def test_bad_columns_are_named_with_rows(cdnow, column, value, message):
    bad = cdnow.copy()
    bad[column] = bad[column].astype(float)
    bad.loc[bad.index[4], column] = value
    with pytest.raises(ValueError, match=message) as info:
        BetaGeoNBD.fit(bad["frequency"], bad["recency"], bad["T"])
    assert str(bad.index[4]) in str(info.value)


def test_no_repeat_buyers_is_refused():
    with pytest.raises(ValueError, match="frequency is 0 for every customer"):
        BetaGeoNBD.fit([0, 0, 0], [0, 0, 0], [10, 20, 30])


def test_unidentifiable_data_raise_convergence_error():
    # Every customer bought every week up to the end: nobody has ever dropped out, so b runs off to infinity.
    x = np.arange(1, 40, dtype=float)
    with pytest.raises(ConvergenceError, match="ran off|did not converge"):
        BetaGeoNBD.fit(x, x, x)
