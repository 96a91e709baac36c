"""Tests for clvedu.units: period conversions, round trips, range errors and common_period."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from clvedu import units
from clvedu.units import (
    Churn,
    Discount,
    Duration,
    Growth,
    Money,
    PeriodMismatchError,
    Retention,
    check_range,
    common_period,
    convert_rate,
    convert_retention,
    expected_lifetime,
    normalise_period,
    periods_in,
    plain,
)

PERIODS = ("day", "week", "month", "quarter", "year")


# --- conversions by hand ------------------------------------------------------------------------------

def test_monthly_retention_to_annual():
    # 0.98 ** 12 = 0.78472
    assert convert_retention(0.98, "month", "year") == pytest.approx(0.98 ** 12, rel=1e-15)
    assert Retention(0.98, "month").to("year").value == pytest.approx(0.7847167237, rel=1e-9)
    # and back: 0.5 a year is 0.5 ** (1/12) = 0.94387 a month
    assert Retention(0.5, "year").to("month").value == pytest.approx(0.9438743127, rel=1e-9)


def test_monthly_churn_to_annual_goes_through_retention():
    # 2% monthly churn keeps 0.98 ** 12 a year, so annual churn is 1 - 0.78472 = 0.21528, not 24%
    assert Churn(0.02, "month").to("year").value == pytest.approx(1 - 0.98 ** 12, rel=1e-12)


def test_annual_discount_to_monthly():
    # 1.1 ** (1/12) - 1 = 0.0079741
    assert convert_rate(0.10, "year", "month") == pytest.approx(1.1 ** (1 / 12) - 1, rel=1e-15)
    assert Discount(0.10, "year").to("month").value == pytest.approx(0.0079741404, rel=1e-8)
    # and not 0.10 / 12 = 0.008333
    assert Discount(0.10, "year").to("month").value != pytest.approx(0.10 / 12, rel=1e-3)


def test_growth_compounds_like_discount():
    # 1% a month is 1.01 ** 12 - 1 = 12.68% a year
    assert Growth(0.01, "month").to("year").value == pytest.approx(0.1268250301, rel=1e-9)


def test_money_per_month_to_per_year():
    # 15 a month x 12 = 180 a year
    assert Money(15, "month").to("year").value == pytest.approx(180.0)
    # 52 a year is 1 a week; 365 a year is 1 a day (the fixed table of period lengths)
    assert Money(52, "year").to("week").value == pytest.approx(1.0)
    assert Money(1, "day").to("year").value == pytest.approx(365.0)


def test_duration_months_to_years():
    # 36 months / 12 = 3 years
    assert Duration(36, "month").to("year").value == pytest.approx(3.0)
    assert Duration(2, "quarter").to("month").value == pytest.approx(6.0)


def test_conversions_work_elementwise_on_arrays_and_series():
    monthly = Retention(np.array([0.9, 0.98]), "month").to("year").value
    assert monthly == pytest.approx([0.9 ** 12, 0.98 ** 12])
    yearly = Money(pd.Series([10.0, 20.0]), "month").to("year").value
    assert list(yearly) == pytest.approx([120.0, 240.0])


def test_periods_and_aliases():
    assert normalise_period("Monthly") == "month"
    assert normalise_period(" annual ") == "year"
    assert normalise_period("weeks") == "week"
    assert periods_in("month", "year") == 12
    assert periods_in("week", "year") == 52
    assert Retention(0.9, per="monthly").per == "month"


# --- round trips --------------------------------------------------------------------------------------

@given(r=st.floats(0.3, 1.0), a=st.sampled_from(PERIODS), b=st.sampled_from(PERIODS))
def test_retention_round_trip(r, a, b):
    assert Retention(r, a).to(b).to(a).value == pytest.approx(r, rel=1e-10)


@given(c=st.floats(0.0, 0.7), a=st.sampled_from(PERIODS), b=st.sampled_from(PERIODS))
def test_churn_round_trip(c, a, b):
    # When the converted churn is within 1e-3 of 1 (0.5 a day is 1 - 7e-10 a month), 1 - churn
    # keeps too few digits to come back exactly; such churn rates are not realistic.
    assume(convert_retention(1 - c, a, b) > 1e-3)
    assert Churn(c, a).to(b).to(a).value == pytest.approx(c, rel=1e-9, abs=1e-12)


@given(d=st.floats(-0.5, 2.0), a=st.sampled_from(PERIODS), b=st.sampled_from(PERIODS))
def test_rate_round_trip(d, a, b):
    assume(1 + convert_rate(d, a, b) > 1e-3)  # as for churn: (1 + d) near 0 keeps too few digits
    assert Discount(d, a).to(b).to(a).value == pytest.approx(d, rel=1e-9, abs=1e-12)
    assert Growth(d, a).to(b).to(a).value == pytest.approx(d, rel=1e-9, abs=1e-12)


@given(x=st.floats(-1e6, 1e6), a=st.sampled_from(PERIODS), b=st.sampled_from(PERIODS))
def test_money_round_trip(x, a, b):
    assert Money(x, a).to(b).to(a).value == pytest.approx(x, rel=1e-12, abs=1e-9)


@given(x=st.floats(0.0, 1e4), a=st.sampled_from(PERIODS), b=st.sampled_from(PERIODS))
def test_duration_round_trip_and_money_duration_product_is_period_free(x, a, b):
    assert Duration(x, a).to(b).to(a).value == pytest.approx(x, rel=1e-12, abs=1e-9)
    # 5 per period over x periods is the same total whichever period both are expressed in
    total = Money(5.0, a).value * Duration(x, a).value
    assert Money(5.0, a).to(b).value * Duration(x, a).to(b).value == pytest.approx(total, rel=1e-12, abs=1e-9)


@given(r=st.floats(0.0, 1.0))
def test_churn_and_retention_are_complements(r):
    assert units.churn_from_retention(r) == pytest.approx(1 - r)
    assert units.retention_from_churn(units.churn_from_retention(r)) == pytest.approx(r, abs=1e-15)
    assert Retention(r, "month").churn.retention.value == pytest.approx(r, abs=1e-15)


# --- expected lifetime ----------------------------------------------------------------------------------

def test_expected_lifetime():
    # 2% monthly churn: 1 / 0.02 = 50 months
    assert expected_lifetime(0.02) == pytest.approx(50.0)
    lifetime = Churn(0.02, "month").expected_lifetime()
    assert isinstance(lifetime, Duration) and lifetime.per == "month"
    assert lifetime.value == pytest.approx(50.0)
    assert Retention(0.75, "year").expected_lifetime().value == pytest.approx(4.0)


# --- range errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "make,words",
    [
        (lambda: Retention(1.2, "month"), ["monthly retention", "[0, 1]", "1.2"]),
        (lambda: Retention(-0.1, "year"), ["annual retention"]),
        (lambda: Churn(1.5, "week"), ["weekly churn", "[0, 1]"]),
        (lambda: Discount(-1.0, "year"), ["annual discount rate", "(-1, inf)"]),
        (lambda: Growth(-2.0, "quarter"), ["quarterly growth", "(-1, inf)"]),
        (lambda: Duration(-3, "month"), ["monthly duration", "[0, inf)"]),
        (lambda: Money(float("nan"), "month"), ["monthly amount", "finite"]),
        (lambda: Money(float("inf"), "month"), ["monthly amount", "finite"]),
        (lambda: Retention(0.9, "fortnight"), ["retention period", "month"]),
        (lambda: Retention(np.array([0.5, 2.0]), "month"), ["monthly retention", "position 1"]),
        (lambda: convert_retention(1.5, "month", "year"), ["retention"]),
        (lambda: convert_retention(0.5, "month", "decade"), ["to_period"]),
        (lambda: convert_rate(-2.0, "year", "month", "discount"), ["discount", "(-1, inf)"]),
        (lambda: expected_lifetime(0.0), ["churn", "(0, 1]"]),
        (lambda: Money("lots", "month"), ["monthly amount", "number"]),
    ],
)
def test_range_errors_name_the_quantity(make, words):
    with pytest.raises(ValueError) as err:
        make()
    for word in words:
        assert word in str(err.value)


def test_check_range_formats_open_ends():
    with pytest.raises(ValueError, match=r"x must be in \(-inf, 1\]; got 5"):
        check_range("x", 5, None, 1)
    with pytest.raises(ValueError, match=r"y must be in \(0, 1\); got 1"):
        check_range("y", 1.0, 0, 1, low_inclusive=False, high_inclusive=False)
    assert check_range("z", [0.5, 0.25], 0, 1).tolist() == [0.5, 0.25]
    assert check_range("z", 0.5, 0, 1) == 0.5


# --- common_period and plain -----------------------------------------------------------------------------

def test_common_period_of_bare_numbers_is_none():
    assert common_period(margin=10, retention=0.9, discount=0.1) is None


def test_common_period_of_matching_quantities():
    assert common_period(margin=Money(10, "month"), retention=Retention(0.9, "monthly"), discount=None) == "month"


def test_common_period_refuses_mixed_periods_and_says_how_to_convert():
    with pytest.raises(PeriodMismatchError) as err:
        common_period(retention=Retention(0.98, "month"), discount=Discount(0.1, "year"))
    message = str(err.value)
    assert "retention is monthly retention" in message
    assert "discount is annual discount rate" in message
    assert "discount.to('month')" in message
    assert isinstance(err.value, ValueError)


def test_common_period_refuses_bare_numbers_beside_timed_ones():
    with pytest.raises(PeriodMismatchError, match="margin has no period but retention is monthly"):
        common_period(margin=15, retention=Retention(0.98, "month"))


def test_plain_checks_the_kind():
    assert plain(0.5, Retention, "retention") == 0.5
    assert plain(Retention(0.5, "month"), (Retention, Churn), "retention") == 0.5
    with pytest.raises(ValueError, match="discount must be Discount; got Retention \\(monthly retention\\)"):
        plain(Retention(0.5, "month"), Discount, "discount")


def test_labels():
    assert Discount(0.1, "year").label == "annual discount rate"
    assert Churn(0.02, "month").label == "monthly churn"
    assert Duration(3, "year").label == "years"


def test_module_docstring_examples():
    result = doctest.testmod(units)
    assert result.attempted > 0 and result.failed == 0
