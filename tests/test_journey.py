"""journey.yaml: the real case's and the mini case's files load, and every rule gives a precise error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from clvedu.cases import load_case
from clvedu.cases.journey import B2C_STAGES, JourneyError, Number, load_journey
from clvedu.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "case_studies" / "netflix_vs_prime_video"
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"


def _numbers(obj):
    """Every Number inside a parsed journey."""
    if isinstance(obj, Number):
        yield obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _numbers(getattr(obj, name))
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _numbers(v)


@pytest.mark.parametrize("folder", [REAL, MINI])
def test_case_journeys_load_and_every_number_has_evidence(folder):
    case = load_case(folder)
    journey = load_journey(folder)
    assert [s.stage for s in journey.b2c_stages] == list(B2C_STAGES)
    assert journey.company_names == {cid: c.name for cid, c in case.companies.items()}
    numbers = list(_numbers(journey))
    assert numbers, "the journey should hold numbers"
    for n in numbers:
        if n.kind == "reported":
            assert n.source in case.sources
        else:
            assert n.reason
    for attr in journey.attributes.values():
        assert set(attr.values) == set(case.companies)
        assert (attr.source in case.sources) if attr.kind == "reported" else attr.reason
    assert sum(journey.choice.weights.values()) == pytest.approx(1.0)
    for row in journey.switching.matrix.values():
        assert sum(row.values()) == pytest.approx(1.0, abs=1e-9)


def test_real_switching_matrix_stays_match_case_churn():
    """The matrix's reason says each stay probability is one minus the case's monthly churn: check it."""
    case = load_case(REAL)
    journey = load_journey(REAL, case=case)
    assert journey.switching.period == "month"
    for cid in case.companies:
        churn = float(case.clv_inputs(cid).churn.to("month").value)
        assert journey.switching.matrix[cid][cid] == pytest.approx(1 - churn, abs=5e-5)


def test_mini_journey_has_no_real_company_names():
    text = (MINI / "journey.yaml").read_text(encoding="utf-8").lower()
    for word in ("netflix", "amazon", "prime"):
        assert word not in text


# --- errors -------------------------------------------------------------------------------------------

@pytest.fixture()
def edit(tmp_path):
    """Copy the mini case to tmp_path, apply a change to journey.yaml's data, and try to load it."""
    def run(change):
        folder = tmp_path / "case"
        folder.mkdir(exist_ok=True)
        shutil.copy(MINI / "case.yaml", folder / "case.yaml")
        data = yaml.safe_load((MINI / "journey.yaml").read_text(encoding="utf-8"))
        change(data)
        (folder / "journey.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        with pytest.raises(JourneyError) as info:
            load_journey(folder)
        return str(info.value)
    return run


def test_unknown_field_names_file_and_path(edit):
    msg = edit(lambda d: d["involvement"].update(levle="high"))
    assert "journey.yaml: involvement.levle: unknown field" in msg


def test_weights_must_sum_to_one(edit):
    msg = edit(lambda d: d["choice"]["weights"].update(catalogue=0.6))
    assert "choice.weights" in msg and "sum to 1" in msg


def test_unknown_attribute_in_choice(edit):
    msg = edit(lambda d: d["choice"]["order"].append("colour"))
    assert "choice.order.3" in msg and "colour" in msg


def test_matrix_rows_must_sum_to_one(edit):
    msg = edit(lambda d: d["switching"]["matrix"]["orbit"].update(orbit=0.90))
    assert "switching.matrix.orbit" in msg and "sum to 1" in msg


def test_matrix_must_cover_companies_and_none(edit):
    def drop_none(d):
        m = d["switching"]["matrix"]
        del m["none"]
        for row in m.values():
            row.pop("none")
    assert "'none'" in edit(drop_none)


def test_unknown_company_and_source(edit):
    def change(d):
        d["b2c_stages"][0]["techniques"]["spotty"] = [{"name": "x", "how": "y", "reason": "z"}]
        d["funnel"]["tunely"]["steps"]["paid"]["source"] = "no-such-report"
    msg = edit(change)
    assert "b2c_stages.0.techniques.spotty" in msg and "unknown company 'spotty'" in msg
    assert "funnel.tunely.steps.paid.source" in msg and "no-such-report" in msg


def test_reported_number_needs_source_and_assumption_needs_reason(edit):
    def change(d):
        del d["funnel"]["tunely"]["steps"]["paid"]["source"]
        del d["b2b"]["account"]["renewal"]["reason"]
    msg = edit(change)
    assert "funnel.tunely.steps.paid.source: field required" in msg
    assert "b2b.account.renewal.reason: field required" in msg


def test_technique_parameters_checked(edit):
    def change(d):
        params = d["technique_scenarios"]["tunely"][0]["parameters"]
        del params["share_moving"]
        params["price_difference"].pop("per")
        params["magic"] = {"value": 1, "unit": "share", "kind": "assumption", "reason": "x"}
    msg = edit(change)
    assert "needs parameter 'share_moving'" in msg
    assert "technique_scenarios.tunely.0.parameters.price_difference.per" in msg
    assert "technique_scenarios.tunely.0.parameters.magic: unknown parameter" in msg


def test_stages_in_order(edit):
    msg = edit(lambda d: d["b2c_stages"].reverse())
    assert "b2c_stages" in msg and "in the order" in msg


def test_share_out_of_range(edit):
    msg = edit(lambda d: d["funnel"]["orbit"]["steps"]["trial"].update(value=1.5))
    assert "funnel.orbit.steps.trial.value" in msg and "[0, 1]" in msg


def test_missing_file_and_bad_yaml(tmp_path):
    shutil.copy(MINI / "case.yaml", tmp_path / "case.yaml")
    with pytest.raises(JourneyError, match="file not found"):
        load_journey(tmp_path)
    (tmp_path / "journey.yaml").write_text("b2c_stages: [\n", encoding="utf-8")
    with pytest.raises(UserError, match="malformed YAML"):
        load_journey(tmp_path)


def test_positioning_price_is_ad_free_viewing_priced_from_the_case_plans():
    """The price attribute compares ad-free viewing: Netflix's Standard plan (no adverts), and since adverts came
    to Prime Video the standalone price plus the ad-free add-on; both must match the case's plans on sale."""
    case = load_case(REAL)
    journey = load_journey(REAL, case=case)
    price = journey.attributes["monthly_price"]
    assert "ad-free" in price.label
    plans = {cid: [p for p in c.plans if p.effective_until is None] for cid, c in case.companies.items()}

    def on_sale(cid, name, ads):
        found = [p for p in plans[cid] if p.name == name and p.ads is ads]
        assert len(found) == 1, (cid, name, found)
        return found[0].price

    assert price.values["netflix"] == pytest.approx(on_sale("netflix", "Standard", False))
    standalone = on_sale("prime_video", "Prime Video (standalone)", True)
    add_on = on_sale("prime_video", "Ad-free add-on", False)
    assert price.values["prime_video"] == pytest.approx(standalone + add_on)
    # the old error: the price with adverts shown as ad-free
    assert price.values["prime_video"] != pytest.approx(standalone)
