"""The shifted-beta-geometric model: published fits, closed forms against brute-force sums, bad input."""

import numpy as np
import pytest
from scipy.special import beta as beta_fn

from clvedu.models import ShiftedBetaGeometric
from clvedu.units import Discount, PeriodMismatchError

# Fader & Hardie (2007), "How to Project Customer Retention", Table 1: customers alive at the start of
# years 0..12 of a cohort of 1,000 (the "regular" and "high end" segments); the paper fits years 0-7.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


@pytest.mark.parametrize("alive, alpha, beta", [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)])
def test_reproduces_fader_hardie_2007_published_parameters(alive, alpha, beta):
    model = ShiftedBetaGeometric.fit(alive[:8], period="year")
    assert round(model.alpha, 3) == alpha
    assert round(model.beta, 3) == beta


def test_projection_of_regular_segment_tracks_the_hold_out_years():
    # The paper's point: fitted on 7 years, the sBG projects years 8-12 closely (within a few customers per 1000).
    model = ShiftedBetaGeometric.fit(REGULAR[:8], period="year")
    projected = 1000 * model.survival(np.arange(8, 13))
    assert np.max(np.abs(projected - np.array(REGULAR[8:]))) < 10


def test_likelihood_matches_a_hand_calculation():
    alive = [1000, 631, 468]
    model = ShiftedBetaGeometric.fit(alive)
    a, b = model.alpha, model.beta
    p1 = a / (a + b)
    p2 = p1 * (b / (a + b + 1))
    s2 = 1 - p1 - p2
    hand = 369 * np.log(p1) + 163 * np.log(p2) + 468 * np.log(s2)
    assert model.log_likelihood == pytest.approx(hand, rel=1e-10)
    # With two churn periods and two parameters the fit is exact: the model reproduces the counts.
    assert 1000 * model.survival(1) == pytest.approx(631, rel=1e-6)
    assert 1000 * model.survival(2) == pytest.approx(468, rel=1e-6)


def test_curves_follow_their_definitions():
    m = ShiftedBetaGeometric(0.7, 1.2)
    t = np.arange(1, 30)
    assert m.survival(0) == pytest.approx(1.0)
    assert np.allclose(m.survival(t), beta_fn(0.7, 1.2 + t) / beta_fn(0.7, 1.2))
    assert np.allclose(m.retention(t), m.survival(t) / m.survival(t - 1))
    assert np.all(np.diff(m.retention(t)) > 0), "aggregate retention rises with tenure"
    assert np.allclose(m.churn(t) + m.retention(t), 1.0)
    assert np.allclose(m.probability_churn_at(t), m.survival(t - 1) - m.survival(t))
    assert m.mean_churn == pytest.approx(0.7 / 1.9)


@pytest.mark.parametrize("alpha, beta, d", [(0.704, 1.182, 0.10), (0.668, 3.806, 0.10), (2.0, 30.0, 0.008)])
def test_del_and_derl_equal_their_defining_sums(alpha, beta, d):
    m = ShiftedBetaGeometric(alpha, beta)
    t = np.arange(0, 200_000)
    s = m.survival(t)
    disc = (1 + d) ** -t.astype(float)
    assert m.discounted_expected_lifetime(d) == pytest.approx(np.sum(s * disc), rel=1e-8)
    assert m.del_(d) == m.discounted_expected_lifetime(d)
    for n in (1, 2, 5, 12):
        brute = np.sum(s[n:] / s[n - 1] * disc[: len(t) - n])
        assert m.derl(d, renewals=n - 1) == pytest.approx(brute, rel=1e-8)


def test_derl_rises_with_renewals_because_survivors_are_more_loyal():
    m = ShiftedBetaGeometric(0.704, 1.182)
    values = m.derl(0.1, np.arange(0, 10))
    assert np.all(np.diff(values) > 0)


def test_homogeneous_limit_matches_the_constant_churn_formula():
    # With alpha + beta huge every customer has churn c: DEL = (1 + d) / (d + c).
    c, d = 0.05, 0.01
    m = ShiftedBetaGeometric(c * 1e7, (1 - c) * 1e7)
    assert m.del_(d) == pytest.approx((1 + d) / (d + c), rel=1e-5)


def test_discount_must_be_over_the_models_period():
    m = ShiftedBetaGeometric(0.7, 1.2, period="month")
    assert m.del_(Discount(0.01, per="month")) == pytest.approx(m.del_(0.01))
    with pytest.raises(PeriodMismatchError, match="to\\('month'\\)"):
        m.del_(Discount(0.10, per="year"))
    with pytest.raises(PeriodMismatchError):
        m.derl(Discount(0.10, per="year"), 3)


def test_no_discount_and_heavy_tail_is_refused_not_infinite():
    with pytest.raises(ValueError, match="infinite"):
        ShiftedBetaGeometric(0.7, 1.2).del_(0.0)
    # alpha > 1: the undiscounted expected lifetime is finite, (alpha + beta - 1) / (alpha - 1).
    assert ShiftedBetaGeometric(3.0, 5.0).del_(0.0) == pytest.approx(7.0 / 2.0, rel=1e-9)


def test_fit_durations_with_censoring_equals_fit_on_the_alive_curve():
    alive = np.array(REGULAR[:8])
    lost = alive[:-1] - alive[1:]
    durations = np.r_[np.repeat(np.arange(1, 8), lost), np.full(alive[-1], 7)]
    censored = np.r_[np.zeros(lost.sum(), bool), np.ones(alive[-1], bool)]
    a = ShiftedBetaGeometric.fit(alive, period="year")
    b = ShiftedBetaGeometric.fit_durations(durations, censored, period="year")
    assert b.alpha == pytest.approx(a.alpha, rel=1e-6) and b.beta == pytest.approx(a.beta, rel=1e-6)


def test_recovers_parameters_from_simulated_durations():
    rng = np.random.default_rng(7)
    theta = rng.beta(1.5, 12.0, 20_000)
    lifetime = rng.geometric(theta)
    window = rng.integers(1, 36, theta.size)
    censored = lifetime > window
    durations = np.where(censored, window, lifetime)
    m = ShiftedBetaGeometric.fit_durations(durations, censored)
    assert m.alpha == pytest.approx(1.5, rel=0.12)
    assert m.beta == pytest.approx(12.0, rel=0.15)
    assert m.mean_churn == pytest.approx(1.5 / 13.5, rel=0.03)


@pytest.mark.parametrize("alive, message", [
    ([1000, 1100, 900], "must not increase"),
    ([1000, float("nan"), 900], "alive has missing"),
    ([1000], "at least two"),
    ([0, 0, 0], "cohort size"),
    ([1000, -5], "alive must be >= 0"),
    ([1000, 500.5], "whole numbers"),
])
def test_bad_alive_counts_are_named(alive, message):
    with pytest.raises(ValueError, match=message):
        ShiftedBetaGeometric.fit(alive)


def test_bad_durations_are_named():
    with pytest.raises(ValueError, match="durations must be >= 1 for customers who left"):
        ShiftedBetaGeometric.fit_durations([0, 3], [False, True])
    with pytest.raises(ValueError, match="no customer in the data has left"):
        ShiftedBetaGeometric.fit_durations([3, 4], [True, True])
    with pytest.raises(ValueError, match="one value per customer"):
        ShiftedBetaGeometric.fit_durations([3, 4, 5], [True, False])
    with pytest.raises(ValueError, match="renewals"):
        ShiftedBetaGeometric(1, 2).derl(0.1, -1)
    with pytest.raises(ValueError, match="alpha must be a positive"):
        ShiftedBetaGeometric(-1, 2)
