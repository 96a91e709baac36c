"""The exercise solutions of chapters 2 to 5, as printed in the built book, against hand calculations.

Each solution is glued into the page by the kit when the book is built; here the same answers are
worked out again from the case files with plain arithmetic (or a published value), so that a wrong
kit function, a wrong chapter cell or a changed case file fails the suite.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.special import betaln

from test_book import BOOK, executed, glued

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "case_studies" / "netflix_vs_prime_video"

pytestmark = pytest.mark.book


def chapter(built: Path, stem: str) -> dict:
    return glued(executed(built, BOOK / "chapters" / f"{stem}.md"))


@pytest.fixture(scope="module")
def journey() -> dict:
    return yaml.safe_load((CASE / "journey.yaml").read_text())


def sbg_survival(alpha: float, beta: float, t: int) -> float:
    """S(t) = B(alpha, beta + t) / B(alpha, beta) (Fader & Hardie 2007, eq. 7)."""
    return float(np.exp(betaln(alpha, beta + t) - betaln(alpha, beta)))


def test_chapter_two_sbg_exercises(built_book):
    g = chapter(built_book, "02_measuring_clv")
    a, b = g["ex1_alpha"], g["ex1_beta"]
    # Fader & Hardie (2007), "regular" segment: alpha 0.704, beta 1.182
    assert a == pytest.approx(0.704, abs=1e-3) and b == pytest.approx(1.182, abs=1e-3)
    assert g["ex1_year12"] == pytest.approx(1000 * sbg_survival(a, b, 12))
    assert g["ex1_ret1"] == pytest.approx(b / (a + b))  # r(t) = (beta + t - 1) / (alpha + beta + t - 1)
    assert g["ex1_ret7"] == pytest.approx((b + 6) / (a + b + 6))
    # DEL and DERL as discounted sums of survival, no hypergeometric function (10% a year)
    z = 1 / 1.10
    terms = range(0, 3000)
    assert g["ex2_del"] == pytest.approx(sum(sbg_survival(a, b, t) * z**t for t in terms), rel=1e-9)
    n = 5  # four renewals made: the customer is in period 5
    derl = sum(sbg_survival(a, b, n + k) * z**k for k in terms) / sbg_survival(a, b, n - 1)
    assert g["ex2_derl"] == pytest.approx(derl, rel=1e-9)
    assert g["ex2_derl"] > g["ex2_del"]  # survivors are the low-churn types
    # same purchases, longer silence: less likely to be active
    assert 0 < g["ex3_gone"] < g["ex3_active"] < 1


def test_chapter_four_decision_exercises(built_book, journey):
    g = chapter(built_book, "04_how_customers_decide")
    # weighted additive rule for the price-conscious student, from the attribute ratings
    weights = {"content_breadth": 0.15, "originals": 0.15, "value_for_money": 0.45, "ad_free": 0.10, "extras": 0.15}
    attrs = journey["attributes"]
    scores = {s: sum(w * attrs[a]["values"][s] for a, w in weights.items()) for s in ("netflix", "prime_video")}
    names = {"netflix": "Netflix", "prime_video": "Amazon Prime Video"}
    assert g["ex1_winner"] == names[max(scores, key=scores.get)]
    # funnel: the same spend per person reached over a fifth more paying members
    nf = journey["funnel"]["netflix"]
    steps = nf["steps"]
    assert g["ex2_before"] == pytest.approx(steps["consideration"]["value"])
    paid_per_reached = 1.2 * steps["consideration"]["value"] * steps["trial"]["value"] * steps["paid"]["value"]
    assert g["ex2_cac"] == pytest.approx(nf["cost_per_reached"]["value"] / paid_per_reached)
    # the hand scores shown in the solution, and the worked example's scores with the case viewer's weights
    order_shown = ["netflix", "prime_video"]
    for i, service in enumerate(order_shown):
        assert g[f"ex1_score_{i}"] == pytest.approx(scores[service])
        case_weights = journey["choice"]["weights"]
        assert g[f"wadd_score_{i}"] == pytest.approx(sum(w * attrs[a]["values"][service] for a, w in case_weights.items()))
    assert g["ex2_paid_share"] == pytest.approx(paid_per_reached)
    # 1,000 Netflix members through the switching matrix for one month, then two
    order = ["netflix", "prime_video", "none"]
    matrix = journey["switching"]["matrix"]
    month1 = {j: 1000 * matrix["netflix"][j] for j in order}
    for j in order:
        assert g[f"ex3_m1_{j}"] == pytest.approx(month1[j])
        assert g[f"ex3_p_{j}"] == pytest.approx(matrix[j]["netflix"])
    assert g["ex3_m2_netflix"] == pytest.approx(sum(month1[i] * matrix[i]["netflix"] for i in order))
    assert sum(month1.values()) == pytest.approx(1000)
    # the B2B account, contract convention: every account won pays the first year, so m / (1 + d - r) - cost
    acct = journey["b2b"]["account"]
    margin = acct["subscribers"]["value"] * acct["fee_per_subscriber"]["value"] * 12 * acct["margin_rate"]["value"]
    renewal, d = acct["renewal"]["value"], 0.10
    assert g["b2b_margin"] == pytest.approx(margin)
    assert g["b2b_clv"] == pytest.approx(margin / (1 + d - renewal) - acct["account_cost"]["value"])
    assert g["b2b_clv"] == pytest.approx(sum(margin * renewal ** (t - 1) / (1 + d) ** t for t in range(1, 3000))
                                         - acct["account_cost"]["value"])


def netflix_inputs() -> tuple[float, float, float, float]:
    """(margin a month, monthly churn, monthly discount, acquisition cost) from the case file by hand."""
    from clvedu.cases import load_case

    x = load_case(CASE).clv_inputs("netflix")
    return float(x.margin.value), float(x.churn.value), float(x.discount.value), float(x.acquisition_cost)


def gl(m: float, churn: float, d: float, ac: float = 0.0, cost: float = 0.0) -> float:
    """Gupta & Lehmann by hand: (m - cost) r / (1 + d - r) - AC."""
    r = 1 - churn
    return (m - cost) * r / (1 + d - r) - ac


def scenario_parameters(journey: dict, company: str, technique: str) -> dict[str, float]:
    """The values of one technique scenario's parameters, straight from journey.yaml."""
    sc = next(t for t in journey["technique_scenarios"][company] if t["technique"] == technique)
    return {k: v["value"] for k, v in sc["parameters"].items()}


def test_chapter_five_technique_exercises(built_book, journey):
    g = chapter(built_book, "05_techniques_that_raise_clv")
    m, c, d, ac = netflix_inputs()
    raw = yaml.safe_load((CASE / "case.yaml").read_text())
    prime = raw["companies"]["prime_video"]["figures"]
    # Prime Video's ad-free upsell: share x price difference x margin rate x r / (1 + d - r), no cost
    up = scenario_parameters(journey, "prime_video", "upselling")
    r = prime["renewal_first_year"]["value"] ** (1 / 12)
    extra = up["share_moving"] * up["price_difference"] * prime["contribution_margin"]["value"]
    assert g["ex1_delta"] == pytest.approx(extra * r / (1 + d - r))
    # the referral reward doubled: the saving is referred share x (acquisition cost - reward)
    ref = scenario_parameters(journey, "netflix", "referrals")
    assert g["ex2_delta"] == pytest.approx(ref["referred_share"] * (ac - 2 * ref["referral_reward"]))
    # price rise of 10%: churn breaks even where the multiple falls by 1/1.10, M = (1 - c)/(d + c)
    multiple = (1 - c) / (d + c) / 1.10
    churn_at_break_even = (1 - multiple * d) / (1 + multiple)
    assert g["ex3_churn_rise"] == pytest.approx(churn_at_break_even / c - 1, rel=1e-6)
    assert g["ex3_breakeven"] == pytest.approx((churn_at_break_even / c - 1) / 0.10, rel=1e-6)


def test_chapter_three_break_even_cost_to_serve(built_book):
    g = chapter(built_book, "03_segmenting_for_value")
    m, r, d, ac = g["ex3_arpu"] * g["ex3_margin_rate"], g["ex3_retention"], g["ex3_discount"], g["ex3_acquisition"]
    cost = g["ex3_breakeven"]
    # at the break-even cost to serve, CLV after acquisition is exactly zero; a cent more makes it negative
    assert (m - cost) * r / (1 + d - r) - ac == pytest.approx(0.0, abs=1e-9)
    assert (m - cost - 0.01) * r / (1 + d - r) - ac < 0
    # the case's own inputs: the Netflix margin rate and acquisition cost
    from clvedu.cases import load_case

    x = load_case(CASE).clv_inputs("netflix")
    assert (g["ex3_margin_rate"], g["ex3_acquisition"]) == (x.margin_rate, x.acquisition_cost)
    assert g["ex3_discount"] == pytest.approx(float(x.discount.value))


def test_case_chapter_membership_trap_uses_the_filing_figures(built_book):
    g = chapter(built_book, "06_case_study")
    figures = yaml.safe_load((CASE / "case.yaml").read_text())["companies"]["netflix"]["figures"]
    assert g["members_q3_2023"] == figures["paid_memberships_q3_2023"]["value"]
    assert g["members_q4_2023"] == figures["paid_memberships_q4_2023"]["value"]
    assert g["members_q4_2023"] > g["members_q3_2023"]


def test_chapter_three_region_rfm_and_scorecard_exercises(built_book):
    g = chapter(built_book, "03_segmenting_for_value")
    from clvedu.cases import load_case

    x = load_case(CASE).clv_inputs("netflix")
    figures = yaml.safe_load((CASE / "case.yaml").read_text())["companies"]["netflix"]["figures"]
    d, r = float(x.discount.value), 1 - figures["churn"]["value"]
    emea = figures["emea_arm_2023"]["value"] * figures["contribution_margin"]["value"]
    assert g["ex1_margin"] == pytest.approx(emea)
    assert g["ex1_value"] == pytest.approx(emea * r / (1 + d - r))
    assert g["ex1_clv"] == f"${emea * r / (1 + d - r) - figures['acquisition_cost']['value']:,.2f}"
    # RFM by the published rules, by hand: high = 4-5, middling = 3, low = 1-2 (FM = mean of F and M)
    assert [g[f"ex4_{c}"] for c in "ABCD"] == ["Champions", "At Risk", "Potential", "Lost"]
    assert [g[f"ex4_fm_{c}"] for c in "ABCD"] == [4.5, 4.0, 1.5, 1.5]
    # family sharers' margin multiple and the share of acquisition cost each month must carry
    rr, dd = g["ex3_retention"], g["ex3_discount"]
    assert g["ex3_multiple"] == pytest.approx(rr / (1 + dd - rr))
    assert g["ex3_margin"] == pytest.approx(g["ex3_arpu"] * g["ex3_margin_rate"])
    assert g["ex3_margin"] - g["ex3_ac_share"] == pytest.approx(g["ex3_breakeven"])


def test_chapter_two_cohort_exercise_by_hand(built_book):
    g = chapter(built_book, "02_measuring_clv")
    counts = [1000, 631, 468, 382, 326, 289, 262, 241]
    assert g["ex0_r1"] == pytest.approx(0.631)
    assert g["ex0_r7"] == pytest.approx(241 / 262)
    constant = (241 / 1000) ** (1 / 7)
    assert g["ex0_constant"] == pytest.approx(constant)
    assert g["ex0_first_vs"] == ("above" if constant > counts[1] / counts[0] else "below")
    assert g["ex0_last_vs"] == ("above" if constant > counts[7] / counts[6] else "below")
    assert g["ex3_active_of_1000"] == pytest.approx(1000 * g["ex3_active"])


# --- chapters 4, 4b, 5 and 5b: worked examples and exercises, by hand ------------------------------------------

def _netflix_multiple() -> float:
    """r / (1 + d - r) for Netflix from the case file: 2.2% monthly churn, 10% a year as a monthly rate."""
    _, c, d, _ = netflix_inputs()
    return (1 - c) / (1 + d - (1 - c))


def test_chapter_four_acquisition_share(built_book):
    g = chapter(built_book, "04_how_customers_decide")
    m, c, d, ac = netflix_inputs()
    # acquisition cost as a share of the value of a new member's margins, m r / (1 + d - r)
    assert g["acq_share_netflix"] == pytest.approx(ac / (m * (1 - c) / (d + c)))
    assert 0 < g["acq_share_prime_video"] < 1


def test_chapter_four_b_price_and_plan_values(built_book):
    g = chapter(built_book, "04b_inside_the_customers_mind")
    raw = yaml.safe_load((CASE / "case.yaml").read_text())["companies"]
    prices = {p["name"]: p["price"] for p in raw["netflix"]["plans"] if str(p.get("effective_from", "")) >= "2023-10"}
    standard = prices["Standard"]
    pv = {p["name"]: p["price"] for p in raw["prime_video"]["plans"]}
    with_addon = pv["Prime Video (standalone)"] + pv["Ad-free add-on"]
    assert g["ex1_share"] == pytest.approx(abs(standard - with_addon) / standard)
    # each plan's CLV: price x 40% margin x the Netflix multiple, less the $60 acquisition cost
    _, _, _, ac = netflix_inputs()
    margin_rate = raw["netflix"]["figures"]["contribution_margin"]["value"]
    for key in ("top", "bottom"):
        price = g[f"plan_{key}_price"]
        assert price == pytest.approx(prices[g[f"plan_{key}_name"]])
        assert g[f"plan_{key}_clv"] == pytest.approx(price * margin_rate * _netflix_multiple() - ac)
    assert g["plan_top_price"] == max(p for n, p in prices.items() if n != "Extra member")


def test_chapter_five_worked_upsell_and_referral(built_book, journey):
    g = chapter(built_book, "05_techniques_that_raise_clv")
    _, _, _, ac = netflix_inputs()
    margin_rate = yaml.safe_load((CASE / "case.yaml").read_text())["companies"]["netflix"]["figures"][
        "contribution_margin"]["value"]
    up = scenario_parameters(journey, "netflix", "upselling")
    assert g["up_multiple"] == pytest.approx(_netflix_multiple())
    assert g["up_delta_value"] == pytest.approx(
        up["share_moving"] * up["price_difference"] * margin_rate * _netflix_multiple() - up["one_off_cost"])
    ref = scenario_parameters(journey, "netflix", "referrals")
    new_ac = (1 - ref["referred_share"]) * ac + ref["referred_share"] * ref["referral_reward"]
    assert g["ref_new_ac"] == pytest.approx(new_ac)
    assert g["ref_delta_value"] == pytest.approx(ac - new_ac)


def test_chapter_five_b_members_kept_by_data_techniques(built_book, journey):
    g = chapter(built_book, "05b_channels_data_and_trust")
    _, c, _, _ = netflix_inputs()
    app = scenario_parameters(journey, "netflix", "digital_channels")
    assert g["app_saved"] == pytest.approx(10_000 * c * app["churn_reduction"])
    renewal = yaml.safe_load((CASE / "case.yaml").read_text())["companies"]["prime_video"]["figures"][
        "renewal_first_year"]["value"]
    iot = scenario_parameters(journey, "prime_video", "connected_data")
    assert g["iot_saved"] == pytest.approx(10_000 * (1 - renewal ** (1 / 12)) * iot["churn_reduction"])
