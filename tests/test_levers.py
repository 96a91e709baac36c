"""CLV levers: tornado, elasticities, technique scenarios and the retention demonstration, by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from clvedu.cases import CLVInputs, load_case
from clvedu.levers import break_even_churn, clv, elasticities, retention_gain_demo, technique_effect, technique_scenarios, tornado
from clvedu.units import Churn, Discount, Growth, Money

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"
REAL = ROOT / "case_studies" / "netflix_vs_prime_video"


def inputs(arpu=20.0, rate=0.5, churn=0.1, d=0.01, ac=20.0, growth=None, cost=None) -> CLVInputs:
    c = Churn(churn, "month")
    return CLVInputs(company="x", scenario="base", period="month", arpu=Money(arpu, "month"), margin_rate=rate,
                     margin=Money(arpu * rate, "month"), churn=c, retention=c.retention, discount=Discount(d, "month"),
                     acquisition_cost=ac, retention_cost=None if cost is None else Money(cost, "month"),
                     growth=None if growth is None else Growth(growth, "month"))


def gl(m, r, d, ac=0.0):
    """Gupta & Lehmann by hand: m r / (1 + d - r) - AC."""
    return m * r / (1 + d - r) - ac


def test_clv_matches_hand_formula():
    assert clv(inputs()) == pytest.approx(10 * 0.9 / 0.11 - 20)
    assert clv(inputs(), include_acquisition=False) == pytest.approx(10 * 0.9 / 0.11)


def test_tornado_values_by_hand_and_sorted():
    t = tornado(inputs(), swing=0.10)
    assert list(t.columns) == ["driver", "low_value", "high_value", "base_value"]
    rows = t.set_index("driver")
    base = gl(10, 0.9, 0.01, 20)
    assert rows["base_value"].to_numpy() == pytest.approx([base] * len(rows))
    assert rows.loc["Monthly churn", "low_value"] == pytest.approx(gl(10, 0.89, 0.01, 20))
    assert rows.loc["Monthly churn", "high_value"] == pytest.approx(gl(10, 0.91, 0.01, 20))
    assert rows.loc["Monthly revenue per customer", "high_value"] == pytest.approx(gl(11, 0.9, 0.01, 20))
    assert rows.loc["Acquisition cost", "low_value"] == pytest.approx(base - 2)
    assert rows.loc["Monthly discount rate", "low_value"] == pytest.approx(gl(10, 0.9, 0.011, 20))
    width = (t["high_value"] - t["low_value"]).abs().to_numpy()
    assert (width[:-1] >= width[1:]).all()
    assert (t["low_value"] <= t["base_value"]).all() and (t["high_value"] >= t["base_value"]).all()


def test_tornado_adds_growth_and_retention_cost_when_present():
    drivers = set(tornado(inputs(growth=0.002, cost=1.0))["driver"])
    assert {"Monthly margin growth", "Monthly retention cost"} <= drivers
    assert "Monthly margin growth" not in set(tornado(inputs())["driver"])


def test_tornado_rejects_bad_swing():
    with pytest.raises(ValueError, match="swing"):
        tornado(inputs(), swing=1.5)


def test_elasticities_match_calculus():
    x = inputs(ac=0.0)
    e = elasticities(x).set_index("driver")["elasticity"]
    assert e["Monthly revenue per customer"] == pytest.approx(1.0, abs=1e-6)
    c, d = 0.1, 0.01
    assert e["Monthly churn"] == pytest.approx(-c * (1 + d) / ((d + c) * (1 - c)), rel=1e-4)
    # discount: CLV = m r / (d + c)  ->  elasticity -d / (d + c)
    assert e["Monthly discount rate"] == pytest.approx(-d / (d + c), rel=1e-4)


def test_upselling_by_hand_with_payback():
    x = inputs()
    res = technique_effect(x, "upselling", share_moving=0.1, price_difference=Money(5.0, "month"), one_off_cost=1.0)
    gain = 0.1 * 5.0 * 0.5 * 0.9 / 0.11          # margin rises 0.25 a month
    assert res.delta_clv == pytest.approx(gain - 1.0)
    assert res.cost == pytest.approx(1.0)
    assert res.roi == pytest.approx(gain - 1.0)
    cumulative, t = -1.0, 0
    while cumulative < 0:
        t += 1
        cumulative += 0.25 * 0.9 ** t / 1.01 ** t
    assert res.payback_periods == t


def test_loyalty_with_running_cost_by_hand():
    x = inputs()
    res = technique_effect(x, "loyalty_rewards", retention_uplift_points=0.02, running_cost=0.5)
    after = (10 - 0.5) * 0.92 / 0.09 - 20
    assert res.clv_after == pytest.approx(after)
    assert res.cost == pytest.approx(0.5 * 0.92 / 0.09)


def test_referrals_and_price_change_by_hand():
    x = inputs()
    ref = technique_effect(x, "referrals", referred_share=0.2, referral_reward=5.0)
    assert ref.delta_clv == pytest.approx(0.2 * (20 - 5))
    assert ref.roi == pytest.approx((20 - 5) / 5)
    assert ref.payback_periods == 0
    price = technique_effect(x, "price_change", price_change=0.10, churn_elasticity=1.0)
    assert price.clv_after == pytest.approx(gl(11, 0.89, 0.01, 20))
    assert price.roi is None
    assert price.payback_periods is None  # it loses value, so it never pays back


def test_annual_money_is_converted_to_the_inputs_period():
    x = inputs()
    monthly = technique_effect(x, "cross_selling", attach_rate=0.5, addon_margin=Money(1.0, "month"))
    yearly = technique_effect(x, "cross_selling", attach_rate=0.5, addon_margin=Money(12.0, "year"))
    assert yearly.delta_clv == pytest.approx(monthly.delta_clv)
    assert monthly.delta_clv == pytest.approx(0.5 * 0.9 / 0.11)


def test_technique_errors_name_the_parameter():
    x = inputs()
    with pytest.raises(ValueError, match="technique must be one of"):
        technique_effect(x, "bribery")
    with pytest.raises(ValueError, match="needs parameter 'share_moving'"):
        technique_effect(x, "upselling", price_difference=1.0)
    with pytest.raises(ValueError, match="does not take parameter 'colour'"):
        technique_effect(x, "personalisation", churn_reduction=0.1, colour=1)
    with pytest.raises(ValueError, match="retention_uplift_points"):
        technique_effect(x, "loyalty_rewards", retention_uplift_points=0.2)
    with pytest.raises(ValueError, match="churn_reduction"):
        technique_effect(x, "personalisation", churn_reduction=1.5)


def test_technique_scenarios_from_mini_case():
    case = load_case(MINI)
    orbit = technique_scenarios(case, "orbit")
    assert list(orbit.columns[:6]) == ["technique", "driver", "assumption", "delta_clv", "roi", "payback_months"]
    assert orbit.loc[0, "delta_clv"] == pytest.approx(0.2 * (40 - 10))
    tunely = technique_scenarios(case, "tunely")
    x = case.clv_inputs("tunely")
    by_hand = technique_effect(x, "personalisation", churn_reduction=0.10, running_cost=0.10)
    assert tunely.loc[1, "delta_clv"] == pytest.approx(by_hand.delta_clv)
    assert "£" in tunely.loc[0, "assumption"]
    assert (tunely["clv_after"] - tunely["clv_before"]).to_numpy() == pytest.approx(tunely["delta_clv"].to_numpy())


def test_technique_scenarios_real_case_runs_for_every_company():
    case = load_case(REAL)
    for cid in case.companies:
        table = technique_scenarios(case, cid)
        assert len(table) >= 5
        assert table["delta_clv"].notna().all()


def test_retention_gain_demo_small_gain_large_value():
    x = inputs()
    demo = retention_gain_demo(x, uplift_points=[0.01, 0.02])
    assert demo.loc[0, "uplift_points"] == 0 and demo.loc[0, "value_change"] == 0
    assert demo.loc[1, "value"] == pytest.approx(10 * 0.91 / 0.10)
    assert demo.loc[1, "value_change"] == pytest.approx((10 * 0.91 / 0.10) / (10 * 0.9 / 0.11) - 1)
    assert demo.loc[1, "retention_change"] == pytest.approx(0.01 / 0.9)
    assert (demo.loc[1:, "leverage"] > 1).all()
    with pytest.raises(ValueError, match="uplift_points"):
        retention_gain_demo(x, uplift_points=[0.2])


def test_break_even_churn_solves_the_multiple_by_hand():
    # the multiple M = (1 - c) / (d + c) must fall by 20/22 when revenue rises from 20 to 22,
    # so c = (1 - M d) / (1 + M) with M = (10 x 0.9 / 0.11) / 11
    x = inputs()
    multiple = (10 * 0.9 / 0.11) / 11
    assert break_even_churn(x, 22.0) == pytest.approx((1 - multiple * 0.01) / (1 + multiple), rel=1e-9)
    assert break_even_churn(x, 20.0) == pytest.approx(0.1, rel=1e-9)
    assert break_even_churn(x, 18.0) < 0.1  # a price cut must be paid for with lower churn


def test_break_even_churn_rejects_an_unrecoverable_cut():
    with pytest.raises(ValueError, match="no churn rate"):
        break_even_churn(inputs(), 0.5)
    with pytest.raises(ValueError, match="arpu"):
        break_even_churn(inputs(), 0.0)


@pytest.mark.parametrize("growth, cost", [(None, None), (None, 2.0), (0.002, None), (0.002, 1.0)])
@pytest.mark.parametrize("new_arpu", [17.0, 21.0, 26.0])
def test_break_even_churn_leaves_clv_unchanged(growth, cost, new_arpu):
    from clvedu.levers import with_arpu, with_churn

    x = inputs(growth=growth, cost=cost)
    churn = break_even_churn(x, new_arpu)
    assert clv(with_churn(with_arpu(x, new_arpu), churn)) == pytest.approx(clv(x), rel=1e-9, abs=1e-9)
    assert (churn > 0.1) == (new_arpu > 20.0)
