"""Customer relationships: each CLV convention against a hand calculation, and the case rules that guard them."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from clvedu.analysis import analyse_case
from clvedu.cases import CaseError, load_case
from clvedu.clv import cash_flow_schedule, lifetime_value, payback_period
from clvedu.levers import acquisition_payback, break_even_churn, clv, with_arpu, with_churn

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"


def base_data() -> dict:
    data = yaml.safe_load((MINI / "case.yaml").read_text())
    data.pop("customer_noun", None)
    return data


def write(folder: Path, data: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "case.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def a(value, unit, per=None, **extra):
    fig = {"label": "x", "value": value, "unit": unit, "kind": "assumption", "reason": "test"}
    if per:
        fig["per"] = per
    fig.update(extra)
    return fig


def repeat_company(**changes) -> dict:
    figures = {
        "order_value": a(40.0, "GBP"),
        "purchase_frequency": a(6.0, "orders", "year"),
        "contribution_margin": a(0.25, "share", low=0.2, high=0.3),
        "active_retention": a(0.7, "share", "year", low=0.6, high=0.8),
        "acquisition_cost": a(20.0, "GBP"),
    }
    figures.update(changes)
    return {"name": "Shop", "relationship": "repeat_purchase", "business_model": "Online shop.",
            "description": "Sells clothes.", "figures": figures}


def contract_company(**changes) -> dict:
    figures = {
        "seats": a(50.0, "seats"),
        "price_per_seat": a(10.0, "GBP", "month"),
        "contribution_margin": a(0.4, "share"),
        "renewal_rate": a(0.85, "share", "year", low=0.8, high=0.9),
        "acquisition_cost": a(3000.0, "GBP"),
    }
    figures.update(changes)
    return {"name": "Supplier", "relationship": "contract", "customer_noun": "account",
            "business_model": "Annual contracts.", "description": "Sells per seat.", "figures": figures}


@pytest.fixture()
def mixed(tmp_path) -> Path:
    data = base_data()
    data["companies"]["shop"] = repeat_company()
    data["companies"]["supplier"] = contract_company()
    return write(tmp_path / "mixed", data)


# --- conventions by hand ---------------------------------------------------------------------------------

def test_repeat_purchase_clv_by_hand(mixed):
    case = load_case(mixed)
    x = case.clv_inputs("shop")
    m, r, d = 40 * 6 * 0.25, 0.7, 0.12
    assert x.period == "year" and x.timing == "end"
    assert clv(x) == pytest.approx(m * r / (1 + d - r) - 20)
    low = case.clv_inputs("shop", "low")  # lower margin, lower retention, higher discount
    assert clv(low) == pytest.approx(40 * 6 * 0.2 * 0.6 / (1 + 0.15 - 0.6) - 20)


def test_contract_clv_by_hand_first_term_paid_by_every_account(mixed):
    case = load_case(mixed)
    x = case.clv_inputs("supplier")
    m = 50 * 10 * 12 * 0.4  # seats x price per seat over the year x margin
    assert x.period == "year" and x.timing == "end_all" and x.noun == "account"
    assert clv(x) == pytest.approx(m / (1 + 0.12 - 0.85) - 3000)
    high = case.clv_inputs("supplier", "high")
    assert clv(high) == pytest.approx(m / (1 + 0.10 - 0.9) - 3000)


def test_contract_with_seat_growth_and_flat_retention_cost(tmp_path):
    data = base_data()
    data["companies"]["supplier"] = contract_company(seat_growth=a(0.05, "rate", "year"),
                                                     retention_cost=a(500.0, "GBP", "year"))
    case = load_case(write(tmp_path / "c", data))
    x = case.clv_inputs("supplier")
    gross = 50 * 10 * 12 * 0.4
    by_hand = gross / (1 + 0.12 - 0.85 * 1.05) - 500 / (1 + 0.12 - 0.85) - 3000
    assert clv(x) == pytest.approx(by_hand)
    # the same as an explicit sum over 400 years: every account pays term 1, renewals decide the rest
    t = np.arange(1, 401)
    flows = (gross * 1.05 ** (t - 1) - 500) * 0.85 ** (t - 1) / 1.12 ** t
    assert clv(x) == pytest.approx(flows.sum() - 3000, rel=1e-9)


def test_retention_cost_and_growth_on_a_repeat_purchase_company(tmp_path):
    data = base_data()
    data["companies"]["shop"] = repeat_company(retention_cost=a(2.0, "GBP", "year"),
                                               margin_growth=a(0.03, "rate", "year"))
    x = load_case(write(tmp_path / "c", data)).clv_inputs("shop")
    by_hand = 60 * 0.7 / (1.12 - 0.7 * 1.03) - 2 * 0.7 / (1.12 - 0.7) - 20
    assert clv(x) == pytest.approx(by_hand)


# --- schedule and payback ----------------------------------------------------------------------------------

@pytest.mark.parametrize("timing", ["end", "start", "end_all"])
def test_schedule_converges_to_the_closed_form(timing):
    s = cash_flow_schedule(10.0, 0.9, 0.01, 2000, timing=timing, growth=0.002, retention_cost=1.0)
    closed = lifetime_value(10.0, 0.9, 0.01, timing=timing, growth=0.002, retention_cost=1.0)
    assert s["running_total"][-1] == pytest.approx(closed, rel=1e-10)
    # each row is customers left x margin x discount factor, as a student would tabulate it
    assert s["value"] == pytest.approx(s["still_customers"] * s["margin"] * s["discount_factor"])


def test_payback_is_the_first_period_covered_for_good():
    assert payback_period([-10, 4, 4, 4]) == 3
    assert payback_period([-10, 11, -5, 5]) == 3  # covered at 1, short again at 2
    assert payback_period([0, 1]) == 0
    assert payback_period([-10, 1, 1]) is None


def test_acquisition_payback_matches_a_brute_force_count(mixed):
    case = load_case(mixed)
    for cid in case.companies:
        x = case.clv_inputs(cid)
        total, t = -x.acquisition_cost, 0
        r, d, m = float(x.retention.value), float(x.discount.value), float(x.margin.value)
        g = float(x.growth.value) if x.growth is not None else 0.0
        c = float(x.retention_cost.value) if x.retention_cost is not None else 0.0
        while total < 0 and t < 5000:
            t += 1
            alive = r ** t if x.timing == "end" else r ** (t - 1)
            total += (m * (1 + g) ** (t - 1) - c) * alive / (1 + d) ** t
        assert acquisition_payback(x) == t, cid


def test_break_even_renewal_of_a_contract_keeps_clv(mixed):
    x = load_case(mixed).clv_inputs("supplier")
    churn = break_even_churn(x, float(x.arpu.value) * 1.1)
    assert clv(with_churn(with_arpu(x, float(x.arpu.value) * 1.1), churn)) == pytest.approx(clv(x))
    # closed form for end_all: 1 / M* - d
    m_new = float(x.margin.value) * 1.1
    assert churn == pytest.approx(m_new / (clv(x) + x.acquisition_cost) - float(x.discount.value))


# --- the analysis and case show --json ---------------------------------------------------------------------

def test_analysis_steps_end_in_the_clv_and_the_noun(mixed):
    analysis = analyse_case(load_case(mixed))
    shop, supplier = analysis.company("shop"), analysis.company("supplier")
    assert shop.steps[-1].value == pytest.approx(shop.clv.base)
    assert [s.label for s in shop.steps[:3]] == ["Spend per order", "Orders per customer", "Spend per customer"]
    assert supplier.steps[-1].label == "CLV per new account"
    assert supplier.relationship.leave_verb == "not renew"
    assert shop.schedule(3000)["running_total"].iloc[-1] == pytest.approx(shop.value_before_acquisition)


def test_case_show_json_equals_the_hand_calculations(mixed):
    out = subprocess.run([sys.executable, "-m", "clvedu.cli", "case", "show", str(mixed), "--json"],
                         capture_output=True, text=True, check=True).stdout
    shown = json.loads(out)
    assert shown["currency"] == "GBP"
    shop = shown["companies"]["shop"]
    assert shop["relationship"] == "repeat_purchase" and shop["period"] == "year"
    assert shop["inputs"]["purchase_frequency"] == {"value": 6.0, "unit": "orders", "per": "year"}
    assert shop["clv"]["base"] == pytest.approx(60 * 0.7 / 0.42 - 20)
    assert shown["companies"]["supplier"]["customer_noun"] == "account"
    assert shown["companies"]["supplier"]["clv"]["base"] == pytest.approx(2400 / 0.27 - 3000)


# --- rules a case must keep ---------------------------------------------------------------------------------

def problems(folder: Path) -> list[str]:
    with pytest.raises(CaseError) as info:
        load_case(folder)
    return info.value.problems


def test_missing_relationship_figure_is_named(tmp_path):
    data = base_data()
    company = repeat_company()
    del company["figures"]["active_retention"]
    data["companies"]["shop"] = company
    found = problems(write(tmp_path / "c", data))
    assert any("companies.shop.figures.active_retention: figure required for the CLV of a repeat_purchase company"
               in p for p in found), found


def test_churn_zero_is_refused_at_validation_with_its_line(tmp_path):
    data = base_data()
    data["companies"]["tunely"]["figures"]["churn"]["value"] = 0.0
    found = problems(write(tmp_path / "c", data))
    assert len(found) == 1 and "companies.tunely.figures.churn:" in found[0] and "(line " in found[0], found
    assert "never leaves" in found[0]


def test_zero_margin_or_price_is_refused(tmp_path):
    data = base_data()
    data["companies"]["tunely"]["figures"]["contribution_margin"].update(value=0.0, low=0.0)
    data["companies"]["shop"] = repeat_company(order_value=a(0.0, "GBP"))
    found = problems(write(tmp_path / "c", data))
    assert any("companies.tunely.figures.contribution_margin: contribution_margin must be above 0" in p for p in found)
    assert any("companies.shop.figures.order_value: order_value must be above 0" in p for p in found)


def test_discount_zero_with_growth_is_analysed_when_it_converges(tmp_path):
    data = base_data()
    data["shared"]["discount_rate"].update(value=0.0, low=0.0, high=0.0)
    analysis = analyse_case(load_case(write(tmp_path / "c", data)), load_journey=False)
    orbit = analysis.company("orbit")
    assert np.isfinite(orbit.clv.base) and orbit.break_even.churn is not None


def test_growth_at_or_above_the_discount_is_refused_naming_the_growth(tmp_path):
    data = base_data()
    data["shared"]["discount_rate"].update(value=0.0, low=0.0, high=0.0)
    data["companies"]["orbit"]["figures"]["margin_growth"]["value"] = 0.30  # 0.8 renewal x 1.3 > 1
    found = problems(write(tmp_path / "c", data))
    assert any(p.split(": ")[1] == "companies.orbit.figures.margin_growth" and "CLV is infinite" in p
               for p in found), found


def test_a_boolean_is_not_a_number(tmp_path):
    data = base_data()
    data["companies"]["tunely"]["figures"]["churn"]["value"] = True
    found = problems(write(tmp_path / "c", data))
    assert any("companies.tunely.figures.churn.value: must be a number, not true" in p for p in found), found


def test_an_infinite_plan_price_is_refused(tmp_path):
    folder = write(tmp_path / "c", base_data())
    text = (folder / "case.yaml").read_text().replace("price: 9.99", "price: .inf")
    (folder / "case.yaml").write_text(text)
    found = problems(folder)
    assert any("companies.tunely.plans.0.price" in p and "finite" in p for p in found), found


def test_a_figure_of_another_relationship_is_named(tmp_path):
    data = base_data()
    data["companies"]["tunely"]["figures"]["active_retention"] = a(0.9, "share", "year")
    found = problems(write(tmp_path / "c", data))
    assert any("companies.tunely.figures.active_retention" in p and "relationship: repeat_purchase" in p
               for p in found), found


def test_product_and_ratio_derivations(tmp_path):
    data = base_data()
    company = repeat_company()
    company["figures"]["revenue"] = a(1200.0, "GBP million", "year", low=1100.0, high=1300.0)
    company["figures"]["active_customers"] = a(20.0, "million customers")
    company["figures"]["spend_per_customer"] = {
        "label": "Spend per active customer", "kind": "derived", "unit": "GBP", "per": "year",
        "derive": {"method": "ratio", "from": "revenue", "by": "active_customers"}, "reason": "revenue / customers"}
    company["figures"]["orders_total"] = {
        "label": "Orders", "kind": "derived", "unit": "million orders", "per": "year",
        "derive": {"method": "product", "from": "active_customers", "times": "purchase_frequency"}, "reason": "x"}
    data["companies"]["shop"] = company
    case = load_case(write(tmp_path / "c", data))
    spend = case.figure("shop", "spend_per_customer")
    assert (spend.value, spend.low, spend.high, spend.per) == (60.0, 55.0, 65.0, "year")
    assert case.figure("shop", "orders_total").value == 120.0
    bad = copy.deepcopy(data)
    del bad["companies"]["shop"]["figures"]["spend_per_customer"]["derive"]["by"]
    assert any("derive.by: field required for method ratio" in p for p in problems(write(tmp_path / "d", bad)))


def test_netflix_headline_values_are_unchanged():
    analysis = analyse_case(load_case(ROOT / "case_studies" / "netflix_vs_prime_video"))
    assert round(analysis.company("netflix").clv.base, 2) == 152.47
    assert round(analysis.company("prime_video").clv.base, 2) == 161.43
