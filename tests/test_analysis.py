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
