"""Segmentation: RFM rules, value tiers, silhouette choice of k, segment economics and the scorecard, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clvedu.segments import (
    RFM_RULES, choose_k, kmeans_segments, observed_monthly_churn, perceptual_map, profile, rfm_from_summary,
    rfm_scores, rfm_segments, segment_economics, targeting_scorecard, value_tiers,
)
from clvedu.units import Discount, Money


def panel(rows):
    """A tiny hand-made panel with the simulator's columns that the functions use."""
    return pd.DataFrame(rows, columns=["segment", "monthly_price", "tenure_months", "churned",
                                       "viewing_hours_monthly", "price_sensitivity"])


def test_observed_churn_counts_decisions():
    # two leavers after 2 and 4 months (6 decisions), one stayer after 5 months (4 decisions)
    assert observed_monthly_churn([2, 4, 5], [True, True, False]) == pytest.approx(2 / 10)
    with pytest.raises(ValueError, match="no renewal decisions"):
        observed_monthly_churn([1, 1], [False, False])


def test_rfm_scores_quantiles_by_hand():
    frame = pd.DataFrame({"recency": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                          "frequency": [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
                          "monetary": [5, 5, 5, 5, 5, 50, 50, 50, 50, 50]}, index=list("abcdefghij"))
    s = rfm_scores(frame, bins=5)
    assert list(s["R"]) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]     # most recent scores 5
    assert list(s["F"]) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert sorted(s["M"].value_counts().tolist()) == [2, 2, 2, 2, 2]   # ties split into equal groups
    assert s.loc["a", "rfm"] == "55" + str(s.loc["a", "M"])


def test_rfm_segment_rules():
    scores = pd.DataFrame({"R": [5, 3, 5, 1, 3, 1], "F": [5, 3, 1, 4, 1, 1], "M": [4, 3, 2, 5, 2, 1]})
    scores["fm"] = (scores["F"] + scores["M"]) / 2
    scores.attrs["bins"] = 5
    names = list(rfm_segments(scores))
    assert names == ["Champions", "Loyal", "Potential", "At Risk", "Needs Attention", "Lost"]
    assert [n for n, _ in RFM_RULES] == names


def test_rfm_errors():
    frame = pd.DataFrame({"recency": [1, 2], "frequency": [1, 2], "monetary": [1, 2]})
    with pytest.raises(ValueError, match="bins must be between 2 and the number of customers"):
        rfm_scores(frame, bins=5)
    with pytest.raises(ValueError, match="missing column"):
        rfm_scores(frame.drop(columns="monetary"))


def test_rfm_from_summary_uses_time_since_last_purchase():
    summary = pd.DataFrame({"frequency": [0, 3], "recency": [0, 10], "T": [20, 30], "monetary_value": [0, 12.5]})
    summary.attrs["period"] = "week"
    out = rfm_from_summary(summary)
    assert list(out["recency"]) == [20, 20] and list(out["frequency"]) == [1, 4]
    assert out.attrs["recency_unit"] == "weeks since the last purchase"


def test_value_tiers_quartiles():
    tiers = value_tiers(pd.Series([100, 5, 60, 30, 80, 10, 45, 70]))
    assert list(tiers) == ["Platinum", "Bronze", "Gold", "Silver", "Platinum", "Bronze", "Silver", "Gold"]
    with pytest.raises(ValueError, match="at least 4"):
        value_tiers([1, 2, 3])


def test_choose_k_finds_three_separated_groups():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [10, 0], [0, 10]])
    points = np.vstack([c + rng.normal(0, 0.5, (40, 2)) for c in centres])
    choice = choose_k(pd.DataFrame(points, columns=["a", "b"]), range(2, 6), seed=0)
    assert choice.best_k == 3
    assert choice.table["silhouette"].max() > 0.8
    result = kmeans_segments(pd.DataFrame(points, columns=["a", "b"]), 3, seed=0)
    assert sorted(result.sizes.tolist()) == [40, 40, 40]
    # each cluster's centre sits near one true centre, in the original units
    for c in centres:
        assert np.min(np.linalg.norm(result.centres.to_numpy() - c, axis=1)) < 0.5


def test_k_must_be_below_customers_and_features_numeric():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0]})
    with pytest.raises(ValueError, match="k must be smaller than the number of customers"):
        choose_k(frame, range(2, 5))
    with pytest.raises(ValueError, match=r"k \(4\) cannot be larger than the number of customers \(3\)"):
        kmeans_segments(frame, 4)
    with pytest.raises(ValueError, match="column 'c' is not"):
        kmeans_segments(frame.assign(c=["x", "y", "z"]), 2)


def test_segment_economics_by_hand():
    p = panel([("A", 10.0, 2, True, 5, 0.2), ("A", 10.0, 4, True, 5, 0.2), ("A", 10.0, 5, False, 5, 0.2),
               ("B", 20.0, 3, True, 40, 0.7), ("B", 20.0, 7, False, 40, 0.7)])
    d = Discount(0.01, "month")
    econ = segment_economics(p, "segment", margin_rate=0.5, discount=d, acquisition_cost=5.0,
                             cost_to_serve={"A": Money(1.0, "month"), "B": Money(24.0, "year")}).set_index("segment")
    churn_a, churn_b = 2 / 10, 1 / 9
    assert econ.loc["A", "monthly_churn"] == pytest.approx(churn_a)
    assert econ.loc["A", "clv"] == pytest.approx((5 - 1) * (1 - churn_a) / (1.01 - (1 - churn_a)) - 5)
    assert econ.loc["B", "clv"] == pytest.approx((10 - 2) * (1 - churn_b) / (1.01 - (1 - churn_b)) - 5)
    assert econ.loc["B", "total_value"] == pytest.approx(2 * econ.loc["B", "clv"])
    with pytest.raises(ValueError, match="monthly Discount"):
        segment_economics(p, "segment", margin_rate=0.5, discount=Discount(0.1, "year"))
    with pytest.raises(ValueError, match="unknown segment 'C'"):
        segment_economics(p, "segment", margin_rate=0.5, discount=d, cost_to_serve={"C": Money(1.0, "month")})


def test_profile_reports_size_and_churn():
    p = panel([("A", 10.0, 2, True, 5, 0.2), ("A", 10.0, 4, True, 5, 0.9), ("B", 20.0, 3, True, 40, 0.7)])
    prof = profile(p, "segment").set_index("segment")
    assert prof.loc["A", "customers"] == 2 and prof.loc["A", "share"] == pytest.approx(2 / 3)
    assert prof.loc["A", "monthly_churn"] == pytest.approx(2 / 6)
    assert prof.loc["A", "price_sensitive_share"] == pytest.approx(0.5)


def test_targeting_scorecard_by_hand():
    seg = pd.DataFrame({"segment": ["X", "Y", "Z"], "size": [100, 300, 200], "churn": [0.01, 0.05, 0.03]})
    card = targeting_scorecard(seg, {"size": 0.6, "churn": 0.4}, lower_is_better=["churn"]).set_index("segment")
    assert card.loc["X", "score"] == pytest.approx(0.6 * 0 + 0.4 * 1)
    assert card.loc["Y", "score"] == pytest.approx(0.6 * 1 + 0.4 * 0)
    assert card.loc["Z", "score"] == pytest.approx(0.6 * 0.5 + 0.4 * 0.5)
    assert card.loc["Y", "rank"] == 1
    with pytest.raises(ValueError, match="weights must sum to 1"):
        targeting_scorecard(seg, {"size": 0.6, "churn": 0.6})
    with pytest.raises(ValueError, match="unknown criterion 'reach'"):
        targeting_scorecard(seg, {"reach": 1.0})


def test_perceptual_map():
    table = pd.DataFrame({"price": [15.49, 8.99], "breadth": [9, 7]}, index=["S1", "S2"])
    coords = perceptual_map(table, "price", "breadth")
    assert list(coords["service"]) == ["S1", "S2"] and list(coords["x"]) == [15.49, 8.99]
    with pytest.raises(ValueError, match="y names unknown attribute 'taste'"):
        perceptual_map(table, "price", "taste")


# --- segments typed in a case (clvedu.analysis.segmentation) ------------------------------------------------

def _adp():
    from pathlib import Path

    from clvedu.analysis import analyse_case
    from clvedu.cases import load_case

    return analyse_case(load_case(Path(__file__).resolve().parents[1] / "case_studies" / "adp_vs_paychex"))


def test_case_segments_come_from_the_case_and_their_clv_is_computed_by_hand():
    from clvedu.analysis.segmentation import case_segments, segments_average_revenue

    analysis = _adp()
    case = analysis.case
    d = case.figure("shared", "discount_rate").value
    for cid in ("adp", "paychex"):
        company = analysis.company(cid)
        typed = case.companies[cid].segments
        segs = case_segments(case, company)
        assert [s.name for s in segs] == [t.name for t in typed] and len(segs) >= 3
        assert sum(s.customer_share for s in segs) == pytest.approx(1.0, abs=0.02)
        g = case.figure(cid, "seat_growth").value
        cost = case.figure(cid, "retention_cost").value
        ac = case.figure(cid, "acquisition_cost").value
        q = case.figure(cid, "contribution_margin").value
        for s, t in zip(segs, typed):
            assert t.revenue.per == "year" and s.revenue == pytest.approx(t.revenue.value)
            r = 1 - t.churn.value
            # contract timing: m / (1 + d - r(1 + g)) - c / (1 + d - r) - AC, every other input at the average
            won = t.acquisition_cost.value if t.acquisition_cost is not None else ac  # the segment's own cost, if given
            by_hand = s.revenue * q / (1 + d - r * (1 + g)) - cost / (1 + d - r) - won
            assert s.clv == pytest.approx(by_hand, rel=1e-12)
            assert all(k in ("reported", "derived", "assumption") for k in s.kinds)
            assert s.share_basis.text and s.revenue_basis.text
        # the segments describe the same clients as the average the CLV uses, to within a few per cent
        average = segments_average_revenue(segs)
        assert average == pytest.approx(float(company.inputs.arpu.value), rel=0.05)


def test_value_tiers_use_case_segments_when_present_and_fall_back_otherwise():
    from clvedu.analysis.segmentation import value_tiers

    analysis = _adp()
    company = analysis.company("adp")
    tiers = value_tiers(company, (), analysis.case)
    assert {t.basis for t in tiers} == {"segment"}
    assert [t.clv for t in tiers] == sorted(t.clv for t in tiers)
    assert {t.name for t in tiers} == {s.name for s in analysis.case.companies["adp"].segments}
    assert all(t.customer_share is not None and t.churn is not None for t in tiers)
    # without segments in the case, the size illustration comes back (half, average, double)
    bare = analysis.case.model_copy(deep=True)
    bare.companies["adp"] = bare.companies["adp"].model_copy(update={"segments": []})
    fallback = value_tiers(company, (), bare)
    assert [t.basis for t in fallback] == ["volume"] * 3
    assert [t.volume for t in fallback] == pytest.approx([22.5, 45, 90])


def test_case_segments_reconcile_with_the_company_average():
    """A case's segments, weighted by their shares of customers, come back to the company's own average revenue
    and cost of winning a customer (within 5%), so a segment's CLV and the average CLV tell one story."""
    from clvedu.analysis.segmentation import case_segments, segments_average_revenue

    analysis = _adp()
    case = analysis.case
    for cid in ("adp", "paychex"):
        company = analysis.company(cid)
        segs = case_segments(case, company)
        average_revenue = float(company.inputs.arpu.value)
        assert segments_average_revenue(segs) == pytest.approx(average_revenue, rel=0.05), cid
        if all(s.acquisition_cost is not None for s in segs):
            weighted = sum(s.customer_share * s.acquisition_cost for s in segs) / sum(s.customer_share for s in segs)
            assert weighted == pytest.approx(company.inputs.acquisition_cost, rel=0.05), cid
