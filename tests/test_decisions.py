"""Decision models: stage table, choice rules, funnel, brand switching (Markov) and the B2B account, by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clvedu.cases import load_case
from clvedu.cases.journey import B2C_STAGES, load_journey
from clvedu.clv import lifetime_value
from clvedu.decisions import (
    attribute_table, b2b_account_value, buying_centre_table, choice_rules, funnel, funnel_from_journey,
    migration_clv, stage_table, steady_state, transition_matrix, weighted_scores,
)
from clvedu.units import Discount, Money, PeriodMismatchError

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"
REAL = ROOT / "case_studies" / "netflix_vs_prime_video"


@pytest.fixture(scope="module")
def mini():
    case = load_case(MINI)
    return case, load_journey(MINI, case=case)


RATINGS = pd.DataFrame({"content": [9, 6, 5], "price": [2, 6, 7], "ads": [8, 7, 9]}, index=["A", "B", "C"])


def test_stage_table_has_every_stage_and_company_columns(mini):
    case, journey = mini
    table = stage_table(journey)
    assert list(table.columns) == ["stage", "customer_does", "Tunely", "Orbit Music", "metric", "clv_driver"]
    assert list(table["stage"]) == list(B2C_STAGES.values())
    info = table.set_index("stage").loc["Information search"]
    assert info["Tunely"] == "Price page" and info["Orbit Music"] == "-"


def test_weighted_additive_by_hand():
    scores = weighted_scores(RATINGS, {"content": 0.5, "price": 0.3, "ads": 0.2})
    assert scores["A"] == pytest.approx(0.5 * 9 + 0.3 * 2 + 0.2 * 8)
    assert scores["C"] == pytest.approx(0.5 * 5 + 0.3 * 7 + 0.2 * 9)


def test_rules_pick_different_options():
    rules = choice_rules(RATINGS, {"content": 0.5, "price": 0.3, "ads": 0.2},
                         cutoffs={"price": 5, "content": 6}, order=["price", "content", "ads"]).set_index("rule")
    # scores: A 6.7, B 6.2, C 6.4
    assert rules.loc["Weighted additive", "winner"] == "A"
    # A fails price, C fails content: only B passes every cut-off
    assert rules.loc["Conjunctive", "winner"] == "B"
    # price is most important: C has the highest price rating
    assert rules.loc["Lexicographic", "winner"] == "C"
    # price >= 5 drops A; content >= 6 drops C
    assert rules.loc["Elimination by aspects", "winner"] == "B"
    assert set(rules["kind"]) == {"compensatory", "non-compensatory"}


def test_lexicographic_tie_goes_to_next_attribute_and_conjunctive_reports_ties():
    table = pd.DataFrame({"x": [5, 5, 3], "y": [1, 4, 9]}, index=["P", "Q", "R"])
    rules = choice_rules(table, {"x": 0.5, "y": 0.5}, cutoffs={"x": 0}, order=["x", "y"]).set_index("rule")
    assert rules.loc["Lexicographic", "winner"] == "Q"
    assert rules.loc["Conjunctive", "winner"] == "tie: P, Q, R"
    none = choice_rules(table, {"x": 0.5, "y": 0.5}, cutoffs={"x": 6}, order=["x"]).set_index("rule")
    assert none.loc["Conjunctive", "winner"] == "none acceptable"


def test_choice_rule_errors_name_the_argument():
    with pytest.raises(ValueError, match="weights must sum to 1; they sum to 0.9"):
        weighted_scores(RATINGS, {"content": 0.5, "price": 0.4})
    with pytest.raises(ValueError, match="weights names unknown attribute 'colour'"):
        weighted_scores(RATINGS, {"content": 0.5, "colour": 0.5})
    with pytest.raises(ValueError, match="cutoffs names unknown attribute 'speed'"):
        choice_rules(RATINGS, {"content": 1.0}, {"speed": 1}, ["content"])
    with pytest.raises(ValueError, match="order names unknown attribute 'size'"):
        choice_rules(RATINGS, {"content": 1.0}, {}, ["size"])
    with pytest.raises(ValueError, match="weight of price"):
        weighted_scores(RATINGS, {"content": 1.5, "price": -0.5})


def test_journey_attribute_table_and_rules(mini):
    case, journey = mini
    table = attribute_table(journey)
    assert list(table.index) == ["Tunely", "Orbit Music"]
    assert "price" not in table.columns  # price is in GBP, not a rating
    rules = choice_rules(table, journey.choice.weights, journey.choice.cutoffs, journey.choice.order)
    assert rules.set_index("rule").loc["Weighted additive", "winner"] == "Orbit Music"   # 7.1 vs 6.9


def test_funnel_by_hand():
    table = funnel(1000, {"consideration": 0.5, "trial": 0.2, "paid": 0.5}, 0.10, trial_cost=1.0,
                   retention_to_horizon=0.8)
    people = dict(zip(table["stage"], table["people"]))
    assert people == pytest.approx({"awareness": 1000, "consideration": 500, "trial": 100, "paid": 50, "retained": 40})
    assert table.attrs["spend"] == pytest.approx(1000 * 0.10 + 100 * 1.0)
    assert table.attrs["cac"] == pytest.approx(200 / 50)


def test_funnel_errors():
    with pytest.raises(ValueError, match="needs the conversion for stage 'paid'"):
        funnel(100, {"consideration": 0.5, "trial": 0.5}, 1.0)
    with pytest.raises(ValueError, match="unknown stage 'lead'"):
        funnel(100, {"consideration": 0.5, "trial": 0.5, "paid": 1, "lead": 1}, 1.0)
    with pytest.raises(ValueError, match=r"rates\['trial'\]"):
        funnel(100, {"consideration": 0.5, "trial": 1.5, "paid": 1}, 1.0)
    with pytest.raises(ValueError, match="paid stage"):
        funnel(100, {"consideration": 0.5, "trial": 0.0, "paid": 1}, 1.0)


def test_funnel_from_journey_by_hand(mini):
    case, journey = mini
    table = funnel_from_journey(journey, case, "tunely")
    paid = 10000 * 0.2 * 0.25 * 0.5
    assert table.attrs["cac"] == pytest.approx((10000 * 0.5 + 10000 * 0.2 * 0.25 * 1.0) / paid)
    retained = table.set_index("stage").loc["retained", "people"]
    assert retained == pytest.approx(paid * 0.97 ** 12)
    x = case.clv_inputs("tunely")
    value = (2.7 - 0.5) * 0.97 / (1 + float(x.discount.value) - 0.97)
    assert table.attrs["clv_to_cac"] == pytest.approx(value / table.attrs["cac"])


def test_steady_state_two_states_by_hand():
    pi = steady_state(np.array([[0.9, 0.1], [0.5, 0.5]]))
    assert pi.to_numpy() == pytest.approx([5 / 6, 1 / 6])


@pytest.mark.parametrize("folder", [MINI, REAL])
def test_steady_state_of_case_matrices_is_stationary(folder):
    p = transition_matrix(load_journey(folder))
    pi = steady_state(p)
    assert pi.sum() == pytest.approx(1.0)
    assert (pi >= 0).all()
    assert (pi.to_numpy() @ p.to_numpy()) == pytest.approx(pi.to_numpy(), abs=1e-12)
    assert list(p.index)[-1] == "none" and p.attrs["period"] == "month"


def test_transition_matrix_errors():
    with pytest.raises(ValueError, match="row 'b' sums to 0.9"):
        steady_state(pd.DataFrame([[0.5, 0.5], [0.2, 0.7]], index=["a", "b"], columns=["a", "b"]))
    with pytest.raises(ValueError, match="square"):
        steady_state(np.ones((2, 3)) / 3)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        steady_state(np.array([[1.5, -0.5], [0.5, 0.5]]))
    with pytest.raises(ValueError, match="more than one steady state"):
        steady_state(np.eye(2))


def test_migration_clv_lost_for_good_equals_closed_form():
    r, d, m = 0.9, 0.01, 10.0
    p = pd.DataFrame([[r, 1 - r], [0.0, 1.0]], index=["member", "none"], columns=["member", "none"])
    end = migration_clv(p, {"member": m}, Discount(d, "month"), period="month")
    assert end["member"] == pytest.approx(float(lifetime_value(m, r, d)))
    assert end["none"] == pytest.approx(0.0)
    start = migration_clv(p, {"member": Money(m, "month")}, d, period="month", timing="start")
    assert start["member"] == pytest.approx(m * (1 + d) / (1 + d - r))


def test_migration_clv_returning_customers_add_value():
    """With a chance of coming back from 'none', a member is worth more than in the lost-for-good model."""
    p = pd.DataFrame([[0.9, 0.1], [0.05, 0.95]], index=["member", "none"], columns=["member", "none"])
    with_return = migration_clv(p, {"member": 10.0}, 0.01, period="month")
    # by hand: V = (I - P/(1+d))^-1 (P/(1+d)) R, solved as a 2x2 system
    q = p.to_numpy() / 1.01
    expected = np.linalg.inv(np.eye(2) - q) @ q @ np.array([10.0, 0.0])
    assert with_return.to_numpy() == pytest.approx(expected)
    assert with_return["member"] > float(lifetime_value(10.0, 0.9, 0.01))


def test_migration_clv_refuses_mixed_periods():
    p = np.array([[0.9, 0.1], [0.0, 1.0]])
    with pytest.raises(PeriodMismatchError, match="annual"):
        migration_clv(p, [10.0, 0.0], Discount(0.1, "year"), period="month")
    with pytest.raises(ValueError, match="margins names unknown state"):
        migration_clv(pd.DataFrame(p, index=["a", "b"], columns=["a", "b"]), {"c": 1.0}, 0.01, period="month")


def test_b2b_account_value_by_hand(mini):
    case, journey = mini
    value = b2b_account_value(journey, case)
    margin = 1000 * 2.0 * 12 * 0.5
    assert value["first_year_margin"] == pytest.approx(margin)
    # the first year is contracted, so every account won pays it (timing end_all): m / (1 + d - r) - cost
    assert value["clv"] == pytest.approx(margin / (1 + 0.12 - 0.8) - 5000)
    assert value["expected_years"] == pytest.approx(5.0)
    assert list(buying_centre_table(journey)["role"]) == ["Decider"]
