"""The case-analysis layer on the shipped cases: every figure it reports checked independently."""

from __future__ import annotations

from pathlib import Path

import pytest

from clvedu.analysis import analyse_case
from clvedu.cases import load_case

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted(p.parent for p in (ROOT / "case_studies").glob("*/case.yaml"))


@pytest.fixture(scope="module")
def netflix():
    return analyse_case(load_case(ROOT / "case_studies" / "netflix_vs_prime_video"))


def gl(m, r, d, ac):
    return m * r / (1 + d - r) - ac


def test_range_tornado_by_hand(netflix):
    rows = netflix.company("netflix").range_tornado.set_index("figure")
    d = 1.10 ** (1 / 12) - 1
    assert rows.loc["churn", "low_value"] == pytest.approx(gl(16.28 * 0.4, 1 - 0.033, d, 60))
    assert rows.loc["churn", "high_value"] == pytest.approx(gl(16.28 * 0.4, 1 - 0.019, d, 60))
    assert rows.loc["acquisition_cost", "low_value"] == pytest.approx(gl(16.28 * 0.4, 0.978, d, 90))
    widths = (rows["high_value"] - rows["low_value"]).to_numpy()
    assert list(widths) == sorted(widths, reverse=True)


def test_levers_are_sorted_and_named_for_the_relationship(netflix):
    for company in netflix.companies.values():
        gains = [lever.gain for lever in company.levers]
        assert gains == sorted(gains, reverse=True)
        assert company.strongest_lever is company.levers[0]
        assert {lever.lever for lever in company.levers} == {"retention", "revenue", "acquisition"}


def test_references_are_author_date_and_cover_every_clv_input(netflix):
    ids = {r.id for r in netflix.references}
    for company in netflix.companies.values():
        for line in company.input_lines:
            assert set(line.basis.sources) <= ids
    letter = next(r for r in netflix.references if r.id == "nflx-q4-2023-letter") if "nflx-q4-2023-letter" in ids \
        else netflix.references[0]
    assert letter.entry.startswith(f"{letter.author} ({letter.year}) {letter.title}.")


def test_mixed_period_mistake_uses_the_case_own_periods(netflix):
    mistake = netflix.mistake
    assert mistake is not None and mistake.company_id == "netflix"
    # monthly margin and retention over the annual discount rate: 6.512 x 0.978 / (1.10 - 0.978) - 60
    assert mistake.wrong_clv == pytest.approx(6.512 * 0.978 / (1.10 - 0.978) - 60)
    assert mistake.right_clv == pytest.approx(netflix.company("netflix").clv.base)


@pytest.mark.parametrize("folder", CASES, ids=[p.name for p in CASES])
def test_every_shipped_case_analyses_consistently(folder):
    analysis = analyse_case(load_case(folder))
    for company in analysis.companies.values():
        c = company.clv
        assert c.low <= c.base <= c.high
        assert company.steps[-1].value == pytest.approx(c.base)
        assert company.steps[-1].label.endswith(company.noun)
        assert company.schedule(4000)["running_total"].iloc[-1] == pytest.approx(company.value_before_acquisition)
        if company.payback_periods is not None:
            total = company.schedule(company.payback_periods + 1)["running_total"]
            start = 1 if company.inputs.timing != "start" else 0
            assert total.iloc[company.payback_periods - start] >= company.inputs.acquisition_cost - 1e-9
            if company.payback_periods > 1:
                assert total.iloc[company.payback_periods - 1 - start] < company.inputs.acquisition_cost
    if any(c.relationship.id == "contract" for c in analysis.companies.values()):
        assert analysis.is_b2b and analysis.b2b.contract_companies


def test_an_all_annual_case_has_no_mixed_period_mistake(tmp_path):
    import yaml

    data = yaml.safe_load((ROOT / "tests" / "fixtures" / "cases" / "mini" / "case.yaml").read_text())
    tunely = data["companies"]["tunely"]["figures"]
    tunely["arpu"].update(value=108.0, per="year")
    tunely["churn"].update(value=0.3, per="year")
    tunely["retention_cost"].update(value=6.0, per="year")
    data["companies"]["orbit"]["figures"]["arpu"]["derive"]["to"] = "year"
    data["companies"]["orbit"]["figures"]["churn"]["derive"]["to"] = "year"
    (tmp_path / "case.yaml").write_text(yaml.safe_dump(data))
    analysis = analyse_case(load_case(tmp_path))
    assert analysis.mistake is None


# --- one customer group, the ecosystem of a Prime member, the contract margin identity ---------------------

@pytest.fixture(scope="module")
def adp():
    return analyse_case(load_case(ROOT / "case_studies" / "adp_vs_paychex"))


def test_each_company_analysis_states_its_customer_group_and_borrowed_inputs(netflix):
    prime = netflix.company("prime_video")
    assert prime.group == netflix.case.companies["prime_video"].customer_group
    assert [fid for fid, _ in prime.borrowed] == ["churn"]
    # the borrowed churn is shown as an assumption, with its derivation and whose figure it is
    line = next(ln for ln in prime.input_lines if ln.figure_id == "churn")
    assert line.basis.kind == "assumption" and line.basis.letter == "A"
    assert "renewal_first_year" in line.basis.derivation and "Prime" in line.basis.borrowed
    assert "Chapter" not in line.basis.text
    assert netflix.company("netflix").borrowed == ()


def test_prime_video_churn_range_runs_to_standalone_streaming_churn(netflix):
    case = netflix.case
    prime = netflix.company("prime_video")
    d = (1 + case.figure("shared", "discount_rate").bound("high")) ** (1 / 12) - 1
    # pessimistic: every input at its CLV-lowering end, churn at the average US streaming service's
    churn = case.figure("shared", "industry_churn_2021").value
    m = case.figure("prime_video", "standalone_price").value * case.figure("prime_video", "contribution_margin").low
    ac = case.figure("prime_video", "acquisition_cost").high
    assert prime.clv.low == pytest.approx(gl(m, 1 - churn, d, ac), rel=1e-9)


def test_ecosystem_values_a_prime_member_with_the_retail_margin(netflix):
    from clvedu.analysis.ecosystem import ecosystem_value

    case = netflix.case
    eco = ecosystem_value(case, netflix.company("prime_video"))
    f = case.companies["prime_video"].figures
    assert eco.group == f["spend_member"].group == "US Prime members"
    retail = f["retail_margin"]
    assert retail.kind == "assumption" and retail.reason
    # the retail margin, not the video margin, is applied to the spending gap
    assert eco.retail_margin.base == retail.value != f["contribution_margin"].value
    gap = f["spend_member"].value - f["spend_non_member"].value
    assert eco.extra_margin_per_year == pytest.approx(gap * retail.value)
    # over a new member's life: first-year renewal, then the renewal of longer-standing members, yearly discount
    r1, r2 = f["renewal_first_year"].value, f["renewal_after_first_year"].value
    d = case.figure("shared", "discount_rate").value
    by_hand = sum(gap * retail.value * r1 * r2 ** (t - 1) / (1 + d) ** t for t in range(1, 2000))
    assert eco.member_value.base == pytest.approx(by_hand, rel=1e-9)
    assert eco.member_value.low == pytest.approx(by_hand * retail.low / retail.value, rel=1e-9)
    assert eco.member_value.high == pytest.approx(by_hand * retail.high / retail.value, rel=1e-9)
    assert set(eco.member_sources) >= {f["spend_member"].source, f["renewal_first_year"].source}


def test_contract_margin_m_is_gross_and_retention_cost_a_separate_term(adp):
    case = adp.case
    for cid in ("adp", "paychex"):
        c = adp.company(cid)
        seats, price = case.figure(cid, "seats").value, case.figure(cid, "price_per_seat").value
        q, cost = case.figure(cid, "contribution_margin").value, case.figure(cid, "retention_cost").value
        r, g = c.retention, case.figure(cid, "seat_growth").value
        d = case.figure("shared", "discount_rate").value
        ac = case.figure(cid, "acquisition_cost").value
        m = seats * price * 12 * q              # gross contribution per client-year
        assert c.gross_margin == pytest.approx(m)
        assert c.net_margin == pytest.approx(m - cost)
        assert c.retention_cost == pytest.approx(cost)
        # contract timing: the first term is paid by every client won; the cost does not grow
        by_hand = m / (1 + d - r * (1 + g)) - cost / (1 + d - r) - ac
        assert c.clv.base == pytest.approx(by_hand, rel=1e-12)
        assert c.value_of_margin - c.value_of_retention_cost - ac == pytest.approx(by_hand, rel=1e-12)
        # the net margin times the growing multiple is not the CLV: m in a table must be the gross figure
        assert abs(c.net_margin * c.multiple - ac - c.clv.base) > 1.0
        # the worked steps show m gross, then the retention cost as its own line
        labels = [s.label for s in c.steps]
        margin_step = next(s for s in c.steps if s.label.startswith("Margin per"))
        assert margin_step.value == pytest.approx(m)
        assert labels.index("Retention cost") == labels.index(margin_step.label) + 1
