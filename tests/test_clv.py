"""Tests for clvedu.clv: hand calculations, explicit sums, conventions' ratios and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clvedu import clv, units
from clvedu.clv import Frequency, historical_value, lifetime_value, margin_multiple, subscription_value
from clvedu.units import Churn, Discount, Duration, Growth, Money, PeriodMismatchError, Retention

TIMINGS = ("end", "start", "end_all")

retentions = st.floats(0.0, 0.99)
discounts = st.floats(0.0, 1.0)
margins = st.floats(0.01, 1e4)


def explicit_sum(m, r, d, timing, periods, g=0.0, cost=0.0):
    """The cash flows of the module table added one by one (independent of clv's closed forms)."""
    total = 0.0
    for k in range(periods):  # k-th payment, k = 0 is the first
        if timing == "end":
            t, survivors = k + 1, r ** (k + 1)
        elif timing == "start":
            t, survivors = k, r ** k
        else:
            t, survivors = k + 1, r ** k
        total += (m * (1 + g) ** k - cost) * survivors / (1 + d) ** t
    return total


# --- hand-calculated values -----------------------------------------------------------------------

def test_margin_multiple_by_hand():
    # r / (1 + d - r) = 0.8 / (1 + 0.1 - 0.8) = 0.8 / 0.3
    assert margin_multiple(0.8, 0.1) == pytest.approx(2.666666666, rel=1e-9)
    # 0.9 / (1 + 0.12 - 0.9) = 0.9 / 0.22
    assert margin_multiple(0.9, 0.12) == pytest.approx(4.0909090909, rel=1e-9)
    assert margin_multiple(0.0, 0.1) == 0.0


def test_lifetime_value_default_by_hand():
    # 100 x 0.8 / 0.3 = 266.666...
    assert lifetime_value(100, 0.8, 0.1) == pytest.approx(266.6666667, rel=1e-9)
    # minus a one-off acquisition cost of 50: 216.666...
    assert lifetime_value(100, 0.8, 0.1, acquisition_cost=50) == pytest.approx(216.6666667, rel=1e-9)


def test_other_timings_by_hand():
    # start: 100 x 1.1 / 0.3 = 366.666...; end_all: 100 / 0.3 = 333.333...
    assert lifetime_value(100, 0.8, 0.1, timing="start") == pytest.approx(366.6666667, rel=1e-9)
    assert lifetime_value(100, 0.8, 0.1, timing="end_all") == pytest.approx(333.3333333, rel=1e-9)


def test_seed_002_software_example_corrected():
    # The article's own numbers: 25 x 1.1 = 27.5 margin, r = 0.9, d = 0.1, first margin at the
    # end of period 1 for every customer: 27.5 / (1 + 0.1 - 0.9) = 27.5 / 0.2 = 137.5, minus 100.
    assert lifetime_value(27.5, 0.9, 0.1, timing="end_all", acquisition_cost=100) == pytest.approx(37.5)
    # The printed 175 would need 275 / 0.2 ... i.e. a margin of 55: it is not what the inputs give.
    assert lifetime_value(27.5, 0.9, 0.1, timing="end_all", acquisition_cost=100) != pytest.approx(175)


def test_seed_002_with_the_ignored_retention_cost_is_negative_and_allowed():
    # (27.5 - 20) / 0.2 - 100 = 37.5 - 100 = -62.5: a legitimate loss, not an error.
    value = lifetime_value(27.5, 0.9, 0.1, timing="end_all", acquisition_cost=100, retention_cost=20)
    assert value == pytest.approx(-62.5)


def test_negative_result_is_returned_not_raised():
    # 10 x 0.5 / 0.6 = 8.333 against an acquisition cost of 100.
    assert lifetime_value(10, 0.5, 0.1, acquisition_cost=100) == pytest.approx(8.3333333 - 100)


# --- timing conventions ---------------------------------------------------------------------------

@given(m=margins, r=st.floats(0.01, 0.99), d=discounts)
def test_conventions_exact_ratios(m, r, d):
    end = lifetime_value(m, r, d)
    assert lifetime_value(m, r, d, timing="start") == pytest.approx(end * (1 + d) / r, rel=1e-9)
    assert lifetime_value(m, r, d, timing="end_all") == pytest.approx(end / r, rel=1e-9)


@given(m=margins, r=st.floats(0.01, 0.98), d=st.floats(0.001, 1.0))
def test_conventions_rank_start_above_end_all_above_end(m, r, d):
    start = lifetime_value(m, r, d, timing="start")
    end_all = lifetime_value(m, r, d, timing="end_all")
    end = lifetime_value(m, r, d)
    assert start > end_all > end


def test_timing_table_names_the_three_conventions():
    assert set(clv.TIMINGS) == set(TIMINGS)
    for timing in TIMINGS:
        assert f"``{timing}``" in clv.__doc__


# --- finite horizons -------------------------------------------------------------------------------

def test_one_period_horizon_by_hand():
    # end: 100 x 0.8 / 1.1; start: the 100 paid at acquisition; end_all: 100 / 1.1
    assert lifetime_value(100, 0.8, 0.1, horizon=1) == pytest.approx(72.7272727, rel=1e-9)
    assert lifetime_value(100, 0.8, 0.1, horizon=1, timing="start") == pytest.approx(100.0)
    assert lifetime_value(100, 0.8, 0.1, horizon=1, timing="end_all") == pytest.approx(90.9090909, rel=1e-9)


def test_two_period_horizon_by_hand():
    # end: 100 x 0.8 / 1.1 + 100 x 0.64 / 1.21 = 72.7273 + 52.8926 = 125.6198
    assert lifetime_value(100, 0.8, 0.1, horizon=2) == pytest.approx(125.6198347, rel=1e-9)
    # start: 100 + 100 x 0.8 / 1.1 = 172.7273
    assert lifetime_value(100, 0.8, 0.1, horizon=2, timing="start") == pytest.approx(172.7272727, rel=1e-9)
    # end_all: 100 / 1.1 + 100 x 0.8 / 1.21 = 90.9091 + 66.1157 = 157.0248
    assert lifetime_value(100, 0.8, 0.1, horizon=2, timing="end_all") == pytest.approx(157.0247934, rel=1e-9)


def test_zero_horizon_leaves_only_the_acquisition_cost():
    assert lifetime_value(100, 0.8, 0.1, horizon=0, acquisition_cost=30) == pytest.approx(-30.0)


def test_retention_one_is_allowed_with_a_finite_horizon():
    # every customer stays: 36 undiscounted margins of 10 = 360
    assert lifetime_value(10, 1.0, 0.0, horizon=36) == pytest.approx(360.0)
    # discounted at 1%: 10 x (1 - 1.01^-36) / 0.01 (an annuity)
    annuity = 10 * (1 - 1.01 ** -36) / 0.01
    assert lifetime_value(10, 1.0, 0.01, horizon=36) == pytest.approx(annuity, rel=1e-12)


@pytest.mark.parametrize("timing", TIMINGS)
def test_finite_horizons_converge_to_the_infinite_value(timing):
    infinite = lifetime_value(100, 0.8, 0.1, timing=timing)
    gaps = [abs(infinite - lifetime_value(100, 0.8, 0.1, timing=timing, horizon=h)) for h in (5, 20, 80, 400)]
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-9 * infinite


@settings(max_examples=150)
@given(
    m=st.floats(-100, 1e3),
    r=st.floats(0.0, 1.0),
    d=st.floats(-0.5, 1.0),
    g=st.floats(-0.5, 0.5),
    periods=st.integers(0, 60),
    timing=st.sampled_from(TIMINGS),
)
def test_finite_horizon_equals_the_explicit_sum(m, r, d, g, periods, timing):
    expected = explicit_sum(m, r, d, timing, periods, g=g)
    got = lifetime_value(m, r, d, timing=timing, horizon=periods, growth=g)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_finite_horizon_near_q_equal_one_is_precise():
    # q = r (1 + g) / (1 + d) = 1 - 1e-13: the sum of 1000 terms is 1000 - (1000 x 999 / 2) x 1e-13 ~ 1000
    r = 1 / (1 + 1e-13)
    value = lifetime_value(1.0, r, 0.0, timing="start", horizon=1000)
    assert value == pytest.approx(explicit_sum(1.0, r, 0.0, "start", 1000), rel=1e-12)


def test_horizon_as_duration_converted_to_the_rates_period():
    three_years = Duration(3, per="year").to("month")
    value = lifetime_value(Money(10, "month"), Retention(0.98, "month"), Discount(0.01, "month"), horizon=three_years)
    assert value == pytest.approx(explicit_sum(10, 0.98, 0.01, "end", 36), rel=1e-12)


def test_finite_horizon_overflow_is_an_error_not_infinity():
    with pytest.raises(ValueError, match="not a finite number"):
        lifetime_value(1.0, 1.0, 0.0, growth=1.0, horizon=5000)


# --- growth -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("timing,numerator", [("end", 0.9), ("start", 1.1), ("end_all", 1.0)])
def test_growth_formula_against_a_long_explicit_sum(timing, numerator):
    # denominator 1 + 0.1 - 0.9 x 1.05 = 0.155; e.g. end: 100 x 0.9 / 0.155 = 580.645
    closed = 100 * numerator / (1 + 0.1 - 0.9 * 1.05)
    assert lifetime_value(100, 0.9, 0.1, growth=0.05, timing=timing) == pytest.approx(closed, rel=1e-12)
    assert explicit_sum(100, 0.9, 0.1, timing, 3000, g=0.05) == pytest.approx(closed, rel=1e-9)


def test_growth_that_does_not_converge_is_an_error_naming_everything():
    # 0.9 x 1.25 = 1.125 >= 1.1
    with pytest.raises(ValueError) as err:
        lifetime_value(100, 0.9, 0.1, growth=0.25)
    message = str(err.value)
    for word in ("growth", "retention", "discount", "retention x (1 + growth) < 1 + discount", "1.125"):
        assert word in message


def test_growth_divergence_boundary_is_an_error():
    # r (1 + g) = 1 + d exactly: 0.5 x 2.2 = 1.1
    with pytest.raises(ValueError, match="growth"):
        lifetime_value(100, 0.5, 0.1, growth=1.2)


def test_divergent_growth_is_fine_over_a_finite_horizon():
    value = lifetime_value(100, 0.9, 0.1, growth=0.25, horizon=10)
    assert value == pytest.approx(explicit_sum(100, 0.9, 0.1, "end", 10, g=0.25), rel=1e-12)


def test_negative_discount_below_churn_is_an_error():
    # 1 + d - r = 1 - 0.5 - 0.8 < 0: the formula would give a negative "value" for a paying customer
    with pytest.raises(ValueError, match="retention < 1 \\+ discount"):
        lifetime_value(100, 0.8, -0.5)


def test_timed_growth():
    value = lifetime_value(Money(100, "year"), Retention(0.9, "year"), Discount(0.1, "year"), growth=Growth(0.05, "year"))
    assert value == pytest.approx(90 / 0.155, rel=1e-12)
    with pytest.raises(PeriodMismatchError):
        lifetime_value(Money(100, "year"), Retention(0.9, "year"), Discount(0.1, "year"), growth=Growth(0.004, "month"))


# --- retention cost ---------------------------------------------------------------------------------

@given(m=margins, c=st.floats(0, 1e3), r=retentions, d=discounts, timing=st.sampled_from(TIMINGS))
def test_retention_cost_lowers_value_by_cost_times_multiple(m, c, r, d, timing):
    multiple = lifetime_value(1.0, r, d, timing=timing)
    drop = lifetime_value(m, r, d, timing=timing) - lifetime_value(m, r, d, timing=timing, retention_cost=c)
    assert drop == pytest.approx(c * multiple, rel=1e-9, abs=1e-9)


def test_retention_cost_by_hand_gupta_lehmann():
    # (100 - 20) x 0.8 / 0.3 = 213.333
    assert lifetime_value(100, 0.8, 0.1, retention_cost=20) == pytest.approx(213.3333333, rel=1e-9)
    assert lifetime_value(100, 0.8, 0.1, retention_cost=20) == pytest.approx(
        lifetime_value(100, 0.8, 0.1) - 20 * margin_multiple(0.8, 0.1)
    )


def test_retention_cost_does_not_grow():
    # margin grows, cost stays: 100 x 0.9 / 0.155 - 20 x 0.9 / 0.2
    expected = 100 * 0.9 / 0.155 - 20 * 0.9 / 0.2
    assert lifetime_value(100, 0.9, 0.1, growth=0.05, retention_cost=20) == pytest.approx(expected, rel=1e-12)
    assert explicit_sum(100, 0.9, 0.1, "end", 3000, g=0.05, cost=20) == pytest.approx(expected, rel=1e-9)


def test_retention_cost_in_a_finite_horizon():
    value = lifetime_value(50, 0.7, 0.05, retention_cost=5, horizon=12, timing="start")
    assert value == pytest.approx(explicit_sum(50, 0.7, 0.05, "start", 12, cost=5), rel=1e-12)


# --- arrays and Series ------------------------------------------------------------------------------

def test_series_in_series_out_with_index():
    index = pd.Index(["netflix", "prime"], name="service")
    margin = pd.Series([10.0, 6.0], index=index)
    value = lifetime_value(margin, 0.8, 0.1)
    assert isinstance(value, pd.Series)
    assert value.index.equals(index)
    # 10 x 0.8 / 0.3 and 6 x 0.8 / 0.3
    assert value.tolist() == pytest.approx([26.6666667, 16.0])


def test_series_in_any_argument_gives_a_series():
    retention = pd.Series([0.5, 0.8], index=[7, 3])
    value = lifetime_value(100, retention, 0.1, timing="start")
    assert list(value.index) == [7, 3]
    # 100 x 1.1 / 0.6 and 100 x 1.1 / 0.3
    assert value.tolist() == pytest.approx([183.3333333, 366.6666667])
    assert isinstance(margin_multiple(retention, 0.1), pd.Series)
    assert isinstance(subscription_value(10, 0.5, pd.Series([0.1, 0.2])), pd.Series)
    assert isinstance(historical_value(pd.Series([10.0, 20.0]), 2, 3), pd.Series)


def test_series_with_different_indexes_are_refused():
    with pytest.raises(ValueError, match="different indexes"):
        lifetime_value(pd.Series([1.0, 2.0], index=[0, 1]), pd.Series([0.5, 0.6], index=[1, 2]), 0.1)


def test_arrays_broadcast_like_scalar_calls():
    margins_ = np.array([10.0, 20.0, 30.0])[:, None]
    retention = np.array([0.5, 0.7, 0.9, 0.95])
    value = lifetime_value(margins_, retention, 0.1, horizon=24, retention_cost=1.0)
    assert value.shape == (3, 4)
    for i, m in enumerate(margins_[:, 0]):
        for j, r in enumerate(retention):
            assert value[i, j] == pytest.approx(lifetime_value(m, r, 0.1, horizon=24, retention_cost=1.0), rel=1e-12)


def test_array_horizons_broadcast():
    value = lifetime_value(100, 0.8, 0.1, horizon=np.array([0, 1, 2]))
    assert value.tolist() == pytest.approx([0.0, 72.7272727, 125.6198347])


def test_shapes_that_do_not_broadcast_are_named():
    with pytest.raises(ValueError, match="margin .*retention"):
        lifetime_value(np.ones(3), np.full(4, 0.5), 0.1)


def test_scalars_give_a_plain_float():
    assert type(lifetime_value(100, 0.8, 0.1)) is float


# --- monotonicity -----------------------------------------------------------------------------------

@given(m=margins, r1=retentions, r2=retentions, d=discounts, timing=st.sampled_from(TIMINGS))
def test_value_rises_with_retention(m, r1, r2, d, timing):
    low, high = sorted((r1, r2))
    assert lifetime_value(m, high, d, timing=timing) >= lifetime_value(m, low, d, timing=timing)


@given(m1=margins, m2=margins, r=retentions, d=discounts, timing=st.sampled_from(TIMINGS))
def test_value_rises_with_margin(m1, m2, r, d, timing):
    low, high = sorted((m1, m2))
    assert lifetime_value(high, r, d, timing=timing) >= lifetime_value(low, r, d, timing=timing)


@given(m=margins, r=retentions, d1=discounts, d2=discounts, timing=st.sampled_from(TIMINGS))
def test_value_falls_with_discount(m, r, d1, d2, timing):
    low, high = sorted((d1, d2))
    assert lifetime_value(m, r, high, timing=timing) <= lifetime_value(m, r, low, timing=timing) * (1 + 1e-12)


# --- periods ----------------------------------------------------------------------------------------

def test_monthly_retention_with_annual_discount_is_refused():
    with pytest.raises(PeriodMismatchError, match="discount"):
        lifetime_value(Money(15, "month"), Retention(0.98, "month"), Discount(0.10, "year"))


def test_converting_the_discount_fixes_the_mismatch():
    monthly_discount = Discount(0.10, "year").to("month")
    value = lifetime_value(Money(15, "month"), Retention(0.98, "month"), monthly_discount)
    d = 1.1 ** (1 / 12) - 1  # 0.007974
    assert value == pytest.approx(15 * 0.98 / (1 + d - 0.98), rel=1e-12)  # about 525.9


def test_timed_and_bare_numbers_are_not_mixed():
    with pytest.raises(PeriodMismatchError, match="no period"):
        lifetime_value(15, Retention(0.98, "month"), Discount(0.01, "month"))
    with pytest.raises(PeriodMismatchError, match="horizon"):
        lifetime_value(Money(15, "month"), Retention(0.98, "month"), Discount(0.01, "month"), horizon=36)
    with pytest.raises(PeriodMismatchError):
        lifetime_value(Money(15, "month"), Retention(0.98, "month"), Discount(0.01, "month"),
                       horizon=Duration(3, "year"))


def test_bare_zero_options_may_accompany_timed_rates():
    args = (Money(15, "month"), Retention(0.98, "month"), Discount(0.01, "month"))
    assert lifetime_value(*args, growth=0, retention_cost=0) == pytest.approx(lifetime_value(*args))


def test_churn_is_converted_to_retention():
    assert lifetime_value(Money(100, "year"), Churn(0.2, "year"), Discount(0.1, "year")) == pytest.approx(
        100 * 0.8 / 0.3, rel=1e-12
    )
    assert margin_multiple(Churn(0.2, "year"), Discount(0.1, "year")) == pytest.approx(0.8 / 0.3, rel=1e-12)


def test_quantities_of_the_wrong_kind_are_named():
    with pytest.raises(ValueError, match="discount must be Discount"):
        lifetime_value(Money(1, "year"), Retention(0.8, "year"), Retention(0.1, "year"))
    with pytest.raises(ValueError, match="margin must be Money"):
        lifetime_value(Discount(1, "year"), Retention(0.8, "year"), Discount(0.1, "year"))
    with pytest.raises(ValueError, match="acquisition_cost is a one-off amount"):
        lifetime_value(Money(1, "year"), Retention(0.8, "year"), Discount(0.1, "year"), acquisition_cost=Money(5, "year"))


# --- bad input --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kwargs,words",
    [
        (dict(retention=1.2), ["retention", "[0, 1]"]),
        (dict(retention=-0.1), ["retention"]),
        (dict(retention=1.0), ["retention", "[0, 1)"]),
        (dict(retention=float("nan")), ["retention", "finite"]),
        (dict(discount=-1.0), ["discount", "(-1, inf)"]),
        (dict(margin=float("nan")), ["margin", "finite"]),
        (dict(margin=float("inf")), ["margin", "finite"]),
        (dict(timing="middle"), ["timing", "'end'", "'start'", "'end_all'"]),
        (dict(horizon=2.5), ["horizon", "whole number"]),
        (dict(horizon=-1), ["horizon"]),
        (dict(growth=-1.0), ["growth"]),
        (dict(retention_cost=-5), ["retention_cost"]),
        (dict(acquisition_cost=-5), ["acquisition_cost"]),
        (dict(margin="ten"), ["margin"]),
    ],
)
def test_bad_input_names_the_parameter(kwargs, words):
    args = dict(margin=100, retention=0.8, discount=0.1) | kwargs
    with pytest.raises(ValueError) as err:
        lifetime_value(**args)
    for word in words:
        assert word in str(err.value)


def test_bad_array_element_is_located():
    with pytest.raises(ValueError, match="position 2"):
        lifetime_value(100, np.array([0.5, 0.6, 1.5]), 0.1)


def test_margin_multiple_refuses_retention_one():
    with pytest.raises(ValueError, match="retention must be in \\[0, 1\\)"):
        margin_multiple(1.0, 0.1)


# --- subscription shortcut ---------------------------------------------------------------------------

def test_subscription_shortcut_by_hand():
    # 15.49 x 0.3 / 0.02 = 232.35 (undiscounted, every subscriber pays the first month)
    assert subscription_value(15.49, 0.3, 0.02) == pytest.approx(232.35, rel=1e-12)
    # discounted at 1% a month, paying at sign-up: 4.647 x 1.01 / 0.03 = 156.449
    assert subscription_value(15.49, 0.3, 0.02, 0.01) == pytest.approx(4.647 * 1.01 / 0.03, rel=1e-12)
    # end_all: 4.647 / 0.03; end: 4.647 x 0.98 / 0.03
    assert subscription_value(15.49, 0.3, 0.02, 0.01, timing="end_all") == pytest.approx(154.9, rel=1e-12)
    assert subscription_value(15.49, 0.3, 0.02, 0.01, timing="end") == pytest.approx(4.647 * 0.98 / 0.03, rel=1e-12)


@given(
    arpu=st.floats(0.0, 100.0),
    k=st.floats(0.0, 1.0),
    c=st.floats(0.01, 1.0),
    d=st.one_of(st.none(), st.floats(0.0, 0.5)),
    timing=st.sampled_from(TIMINGS),
)
def test_subscription_value_equals_lifetime_value(arpu, k, c, d, timing):
    expected = lifetime_value(arpu * k, 1 - c, 0.0 if d is None else d, timing=timing)
    assert subscription_value(arpu, k, c, d, timing=timing) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_subscription_value_with_timed_quantities():
    value = subscription_value(Money(10, "month"), 0.4, Churn(0.05, "month"), Discount(0.01, "month"))
    assert value == pytest.approx(4 * 1.01 / 0.06, rel=1e-12)
    same = subscription_value(Money(10, "month"), 0.4, Retention(0.95, "month"), Discount(0.01, "month"))
    assert same == pytest.approx(value, rel=1e-12)
    with pytest.raises(PeriodMismatchError):
        subscription_value(Money(10, "month"), 0.4, Churn(0.05, "month"), Discount(0.1, "year"))


def test_subscription_value_errors():
    with pytest.raises(ValueError, match="churn must be in \\(0, 1\\]"):
        subscription_value(10, 0.5, 0.0)
    with pytest.raises(ValueError, match="margin_rate"):
        subscription_value(10, 50, 0.05)  # 50 meant as 50%
    with pytest.raises(ValueError, match="churn"):
        subscription_value(10, 0.5, 1.5)
    with pytest.raises(ValueError, match="churn must be Churn or Retention"):
        subscription_value(10, 0.5, Discount(0.1, "year"))  # a discount passed where churn belongs
    # no churn is fine over a finite horizon: 12 months of 5
    assert subscription_value(10, 0.5, 0.0, horizon=12) == pytest.approx(60.0)


# --- historical value ---------------------------------------------------------------------------------

def test_historical_value_by_hand():
    # 40 x 4 a year x 3 years x 25% = 120
    assert historical_value(40, 4, 3, margin=0.25) == pytest.approx(120.0)
    assert historical_value(40, Frequency(4, "year"), Duration(3, "year"), margin=0.25) == pytest.approx(120.0)
    # revenue when no margin is given: 40 x 4 x 3 = 480
    assert historical_value(40, 4, 3) == pytest.approx(480.0)


def test_historical_value_periods_must_agree():
    with pytest.raises(PeriodMismatchError):
        historical_value(40, Frequency(2, "month"), Duration(3, "year"))
    with pytest.raises(PeriodMismatchError):
        historical_value(40, Frequency(2, "month"), 36)
    # 2 a month for 36 months = 72 orders of 40 = 2880
    assert historical_value(40, Frequency(2, "month"), Duration(3, "year").to("month")) == pytest.approx(2880.0)
    assert historical_value(40, Frequency(2, "month").to("year"), Duration(3, "year")) == pytest.approx(2880.0)


def test_historical_value_with_lifespan_from_churn():
    # 5% monthly churn: 1 / 0.05 = 20 months; 1 order a month of 30 at 40% margin: 30 x 1 x 20 x 0.4 = 240
    lifespan = Churn(0.05, "month").expected_lifetime()
    assert historical_value(30, Frequency(1, "month"), lifespan, margin=0.4) == pytest.approx(240.0)


def test_historical_value_errors_name_the_parameter():
    with pytest.raises(ValueError, match="margin"):
        historical_value(40, 4, 3, margin=25)
    with pytest.raises(ValueError, match="frequency"):
        historical_value(40, -1, 3)
    with pytest.raises(ValueError, match="frequency must be Frequency"):
        historical_value(40, Money(4, "year"), Duration(3, "year"))
    with pytest.raises(ValueError, match="order_value"):
        historical_value(Money(40, "year"), 4, 3)


# --- re-exports ---------------------------------------------------------------------------------------

def test_conversions_are_reexported_from_units():
    for name in ("convert_retention", "convert_rate", "retention_from_churn", "churn_from_retention",
                 "expected_lifetime"):
        assert getattr(clv, name) is getattr(units, name)
    assert clv.convert_retention(0.98, "month", "year") == pytest.approx(0.98 ** 12)
    assert clv.expected_lifetime(0.02) == pytest.approx(50.0)
    assert math.isclose(clv.retention_from_churn(0.25), 0.75)


def test_docstring_examples():
    import doctest

    result = doctest.testmod(clv)
    assert result.attempted >= 4 and result.failed == 0
