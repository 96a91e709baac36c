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
    # steady state of the changed switching matrix, by solving pi P = pi with sum(pi) = 1
    order = ["netflix", "prime_video", "none"]
    matrix = journey["switching"]["matrix"]
    P = np.array([[matrix[i][j] for j in order] for i in order])
    P[0, 0] -= 0.005
    P[0, 2] += 0.005
    A = np.vstack([P.T - np.eye(3), np.ones(3)])
    pi = np.linalg.lstsq(A, np.array([0, 0, 0, 1.0]), rcond=None)[0]
    assert g["ex3_share"] == pytest.approx(pi[0], rel=1e-9)
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


def test_chapter_five_technique_exercises(built_book):
    g = chapter(built_book, "05_techniques_that_raise_clv")
    m, c, d, ac = netflix_inputs()
    # personalisation: churn 10% lower, $0.05 a member a month to run
    delta = gl(m, 0.9 * c, d, ac, cost=0.05) - gl(m, c, d, ac)
    running = 0.05 * (1 - 0.9 * c) / (d + 0.9 * c)  # the running cost over the retained lifetime
    assert g["ex1_delta"] == pytest.approx(delta)
    assert g["ex1_roi"] == pytest.approx(delta / running)
    # price rise of 8%: churn breaks even where the multiple falls by 1/1.08, M = (1 - c)/(d + c)
    multiple = (1 - c) / (d + c) / 1.08
    churn_at_break_even = (1 - multiple * d) / (1 + multiple)
    assert g["ex2_breakeven"] == pytest.approx((churn_at_break_even / c - 1) / 0.08, rel=1e-6)


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
