"""Case folders: the real Netflix/Prime Video case, the fictional mini case, and every validation rule."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
import yaml

from clvedu.cases import Case, CaseError, load_case
from clvedu.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "case_studies" / "netflix_vs_prime_video"
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"


@pytest.fixture(scope="module")
def real() -> Case:
    return load_case(REAL)


@pytest.fixture(scope="module")
def mini() -> Case:
    return load_case(MINI / "case.yaml")


@pytest.fixture()
def mini_data() -> dict:
    return yaml.safe_load((MINI / "case.yaml").read_text())


def write_case(folder: Path, data: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "case.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(CaseError) as info:
        load_case(folder)
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


def only_problem(folder: Path, field_path: str, words: str) -> str:
    """Exactly one problem, naming the file and the field path, and containing ``words``."""
    problems = problems_of(folder)
    assert len(problems) == 1, problems
    line = problems[0]
    assert line.startswith(f"{folder / 'case.yaml'}: {field_path}: "), line
    assert words in line, line
    return line


# --- the real case ----------------------------------------------------------------------------

def test_real_case_loads_with_both_services_in_file_order(real):
    assert real.title == "Netflix vs Amazon Prime Video"
    assert real.currency == "USD"
    assert list(real.companies) == ["netflix", "prime_video"]
    assert real.path == REAL
    assert real.question.endswith("?")


def test_real_case_uses_the_filing_not_the_aggregator_membership_figure(real):
    # The Q4 2023 letter says 260.28 M; aggregator pages give 247 M, which is Q3 2023.
    q4 = real.figure("netflix", "paid_memberships_q4_2023")
    assert q4.value == pytest.approx(260.28)
    assert q4.source == "nflx-q4-2023-letter"
    assert real.figure("netflix", "paid_memberships_q3_2023").value == pytest.approx(247.15)


def test_every_reported_figure_and_plan_cites_a_listed_source(real):
    table = real.reported_figures()
    assert len(table) > 50
    assert table["source"].isin(list(real.sources)).all()
    assert (table["citation"].str.len() > 10).all()
    plans = real.plans_table()
    assert plans["source"].isin(list(real.sources)).all()
    assert {"Standard with ads", "Premium"} <= set(plans.loc[plans.company_id == "netflix", "name"])


def test_every_assumption_has_a_reason_and_derived_figures_trace_to_sources(real):
    table = real.assumptions()
    assert set(table["kind"]) == {"assumption", "derived"}
    assert (table["reason"].str.len() > 20).all()
    derived = table[table.kind == "derived"].set_index(["company_id", "id"])
    assert derived.loc[("prime_video", "churn"), "source"] == "cirp-2021, antenna-churn-2021"  # renewal, then the streaming end
    assert derived.loc[("netflix", "arpu"), "source"] == "nflx-10k-2023"
    assert "renewal_first_year" in derived.loc[("prime_video", "churn"), "derivation"]


def test_real_case_netflix_arpu_is_the_ucan_2023_average_revenue(real):
    assert real.figure("netflix", "arpu").value == pytest.approx(16.28)
    assert real.figure("netflix", "arpu").per == "month"
    assert real.figure("netflix", "churn").value == pytest.approx(0.022)
    assert real.figure("netflix", "churn").kind == "reported"


def test_prime_churn_is_derived_from_the_93_percent_first_year_renewal(real):
    churn = real.figure("prime_video", "churn")
    assert churn.kind == "derived"
    assert churn.per == "month"
    assert churn.value == pytest.approx(1 - 0.93 ** (1 / 12), rel=1e-12)
    # borrowed from Prime members, so it is shown as an assumption and names whose figure it is
    assert churn.is_assumption and "Prime" in churn.borrowed
    # its pessimistic end is the average US streaming service's monthly churn (standalone subscribers leave
    # more often than Prime members), read back from the yearly retention it implies; its optimistic end the
    # 98% renewal of longer-standing Prime members
    industry = real.figure("shared", "industry_churn_2021").value
    assert churn.high == pytest.approx(industry, rel=1e-12)
    assert churn.high > 1 - 0.91 ** (1 / 12)
    assert churn.low == pytest.approx(1 - 0.98 ** (1 / 12), rel=1e-12)
    # twelve months at this churn give back the annual renewal
    assert (1 - churn.value) ** 12 == pytest.approx(0.93, rel=1e-12)


def test_clv_inputs_convert_the_annual_discount_to_the_monthly_churn_period(real):
    x = real.clv_inputs("netflix")
    assert x.period == "month"
    assert x.discount.per == "month"
    assert x.discount.value == pytest.approx(1.1 ** (1 / 12) - 1, rel=1e-12)
    assert x.arpu.value == pytest.approx(16.28)
    assert x.margin.value == pytest.approx(16.28 * 0.40)
    assert x.margin.per == x.churn.per == x.retention.per == "month"
    assert x.retention.value == pytest.approx(1 - 0.022)
    assert x.acquisition_cost == pytest.approx(60.0)
    assert x.retention_cost is None and x.growth is None


def test_clv_inputs_in_another_period(real):
    monthly = real.clv_inputs("prime_video")
    yearly = real.clv_inputs("prime_video", period="year")
    assert yearly.period == "year"
    assert yearly.arpu.value == pytest.approx(12 * 8.99)
    assert yearly.retention.value == pytest.approx(monthly.retention.value ** 12)
    assert yearly.retention.value == pytest.approx(0.93)
    assert yearly.discount.value == pytest.approx(0.10)


def _hand_clv(x) -> float:
    """Gupta-Lehmann m r / (1 + d - r) - AC, written out here independently of clvedu.clv."""
    m, r, d = float(x.margin.value), float(x.retention.value), float(x.discount.value)
    return m * r / (1 + d - r) - x.acquisition_cost


@pytest.mark.parametrize("company", ["netflix", "prime_video"])
def test_low_scenario_is_pessimistic_and_high_optimistic(real, company):
    low, base, high = (real.clv_inputs(company, s) for s in ("low", "base", "high"))
    assert low.churn.value >= base.churn.value >= high.churn.value
    assert low.margin_rate <= base.margin_rate <= high.margin_rate
    assert low.discount.value > base.discount.value > high.discount.value
    assert low.acquisition_cost >= base.acquisition_cost >= high.acquisition_cost
    assert _hand_clv(low) < _hand_clv(base) < _hand_clv(high)


def test_scenario_values_come_from_the_figure_ranges(real):
    assert real.clv_inputs("netflix", "low").churn.value == pytest.approx(0.033)
    assert real.clv_inputs("netflix", "high").churn.value == pytest.approx(0.019)
    assert real.clv_inputs("netflix", "low").discount.value == pytest.approx(1.12 ** (1 / 12) - 1)
    with pytest.raises(ValueError, match="scenario must be one of base, low, high"):
        real.clv_inputs("netflix", "worst")


def test_lookups_name_what_exists(real):
    with pytest.raises(UserError, match="has no figure 'arpuu'.*arpu"):
        real.figure("netflix", "arpuu")
    with pytest.raises(UserError, match="unknown company 'hulu'.*netflix, prime_video"):
        real.figure("hulu", "arpu")
    with pytest.raises(UserError, match="unknown company 'hulu'"):
        real.clv_inputs("hulu")
    with pytest.raises(UserError, match="unknown source 'nope'"):
        real.citation("nope")
    assert real.figure("shared", "discount_rate").value == pytest.approx(0.10)


def test_citation_format(real):
    assert real.citation("nflx-q4-2023-letter") == "Netflix, Fourth-quarter 2023 letter to shareholders, 23 Jan 2024"
    assert real.citation("antenna-churn-2021").endswith("reported by State of the Screens / Cross Screen Media, 10 Mar 2022")


# --- the mini case: every derive method the loader needs -----------------------------------

def test_mini_case_loads_and_derives(mini):
    assert list(mini.companies) == ["tunely", "orbit"]
    assert mini.currency == "GBP"
    orbit = mini.companies["orbit"].figures
    assert orbit["arpu"].value == pytest.approx(96 / 12)
    assert orbit["churn"].value == pytest.approx(1 - 0.80 ** (1 / 12))
    # churn falls as renewal rises, so the renewal range's ends swap
    assert orbit["churn"].low == pytest.approx(1 - 0.85 ** (1 / 12))
    assert orbit["churn"].high == pytest.approx(1 - 0.70 ** (1 / 12))
    assert orbit["monthly_discount"].value == pytest.approx(1.12 ** (1 / 12) - 1)


def test_mini_case_optional_clv_inputs(mini):
    tunely = mini.clv_inputs("tunely")
    assert tunely.retention_cost.value == pytest.approx(0.5) and tunely.retention_cost.per == "month"
    orbit = mini.clv_inputs("orbit")
    assert orbit.growth.per == "month"
    assert orbit.growth.value == pytest.approx(1.02 ** (1 / 12) - 1)
    assert mini.clv_inputs("orbit", "low").churn.value == pytest.approx(1 - 0.70 ** (1 / 12))


def test_case_error_is_a_user_error():
    assert issubclass(CaseError, UserError)


# --- validation rules: each names the file and the field path ------------------------------

def test_reported_figure_without_source(tmp_path, mini_data):
    del mini_data["companies"]["tunely"]["figures"]["churn"]["source"]
    only_problem(write_case(tmp_path, mini_data), "companies.tunely.figures.churn.source", "required for a reported figure")


@pytest.mark.parametrize("reason", [None, "   "])
def test_assumption_without_reason(tmp_path, mini_data, reason):
    fig = mini_data["companies"]["tunely"]["figures"]["contribution_margin"]
    if reason is None:
        del fig["reason"]
    else:
        fig["reason"] = reason
    only_problem(write_case(tmp_path, mini_data), "companies.tunely.figures.contribution_margin.reason",
                 "must not be empty" if reason else "required for an assumption")


def test_unknown_source_id(tmp_path, mini_data):
    mini_data["companies"]["tunely"]["figures"]["churn"]["source"] = "made-up-report"
    line = only_problem(write_case(tmp_path, mini_data), "companies.tunely.figures.churn.source",
                        "unknown source id 'made-up-report'")
    assert "tunely-report-2024" in line  # lists the ids that exist


def test_unknown_source_id_in_a_plan(tmp_path, mini_data):
    mini_data["companies"]["orbit"]["plans"][0]["source"] = "nowhere"
    only_problem(write_case(tmp_path, mini_data), "companies.orbit.plans.0.source", "unknown source id")


def test_unknown_field_suggests_the_right_one(tmp_path, mini_data):
    fig = mini_data["companies"]["tunely"]["figures"]["arpu"]
    fig["valeu"] = fig.pop("value")
    line = only_problem(write_case(tmp_path, mini_data), "companies.tunely.figures.arpu.valeu",
                        "unknown field (did you mean 'value'?")
    assert "allowed: label, value, unit, per" in line


def test_unknown_top_level_field(tmp_path, mini_data):
    mini_data["titel"] = "x"
    only_problem(write_case(tmp_path, mini_data), "titel", "unknown field (did you mean 'title'?")


@pytest.mark.parametrize("value", [2.2, -0.01])
def test_share_out_of_range(tmp_path, mini_data, value):
    mini_data["companies"]["tunely"]["figures"]["churn"]["value"] = value
    only_problem(write_case(tmp_path, mini_data), "companies.tunely.figures.churn.value", "a share must be in [0, 1]")


def test_negative_money(tmp_path, mini_data):
    mini_data["companies"]["tunely"]["figures"]["acquisition_cost"]["value"] = -5
    only_problem(write_case(tmp_path, mini_data), "companies.tunely.figures.acquisition_cost.value", "must not be negative")


def test_low_above_value(tmp_path, mini_data):
    mini_data["companies"]["tunely"]["figures"]["contribution_margin"]["low"] = 0.5
    only_problem(write_case(tmp_path, mini_data), "companies.tunely.figures.contribution_margin.low", "must not exceed value")


def test_rate_without_period(tmp_path, mini_data):
    del mini_data["shared"]["discount_rate"]["per"]
    only_problem(write_case(tmp_path, mini_data), "shared.discount_rate.per", "field required for a rate")


def test_bad_period_word(tmp_path, mini_data):
    mini_data["companies"]["tunely"]["figures"]["churn"]["per"] = "fortnight"
    only_problem(write_case(tmp_path, mini_data), "companies.tunely.figures.churn.per", "per must be one of")


def test_invalid_calendar_date(tmp_path, mini_data):
    text = yaml.safe_dump(mini_data, sort_keys=False).replace("effective_from: '2024-01-01'", "effective_from: '2023-02-30'")
    text = text.replace("effective_from: 2024-01-01", "effective_from: 2023-02-30")
    tmp_path.joinpath("case.yaml").write_text(text)
    only_problem(tmp_path, "companies.tunely.plans.0.effective_from", "2023-02-30 is not a valid date")


def test_missing_required_clv_figure(tmp_path, mini_data):
    del mini_data["companies"]["orbit"]["figures"]["acquisition_cost"]
    only_problem(write_case(tmp_path, mini_data), "companies.orbit.figures.acquisition_cost",
                 "figure required for the CLV of a subscription company (one-off cost of winning a customer) "
                 "is missing from company 'orbit'")


def test_missing_discount_rate(tmp_path, mini_data):
    data = copy.deepcopy(mini_data)
    del data["companies"]["orbit"]["figures"]["monthly_discount"]  # it derives from the discount rate
    del data["shared"]["discount_rate"]
    only_problem(write_case(tmp_path, data), "shared.discount_rate", "figure required for CLV")


def test_clv_figure_with_wrong_unit(tmp_path, mini_data):
    mini_data["companies"]["tunely"]["figures"]["arpu"]["unit"] = "GBP thousand"
    only_problem(write_case(tmp_path, mini_data), "companies.tunely.figures.arpu.unit", "case currency GBP")


def test_derived_value_must_not_be_typed(tmp_path, mini_data):
    mini_data["companies"]["orbit"]["figures"]["churn"]["value"] = 0.02
    only_problem(write_case(tmp_path, mini_data), "companies.orbit.figures.churn.value", "computed from derive")


def test_derive_from_unknown_figure(tmp_path, mini_data):
    mini_data["companies"]["orbit"]["figures"]["churn"]["derive"]["from"] = "renewal"
    only_problem(write_case(tmp_path, mini_data), "companies.orbit.figures.churn.derive.from", "unknown figure 'renewal'")


def test_derive_loop(tmp_path, mini_data):
    figures = mini_data["companies"]["orbit"]["figures"]
    figures["annual_renewal"] = {"label": "loop", "kind": "derived", "reason": "test",
                                 "derive": {"method": "retention_from_churn", "from": "churn", "to": "year"}}
    problems = problems_of(write_case(tmp_path, mini_data))
    assert any("derive.from: derivations form a loop" in p for p in problems), problems


def test_derive_method_needs_the_right_unit(tmp_path, mini_data):
    mini_data["companies"]["orbit"]["figures"]["churn"]["derive"]["from"] = "annual_fee"
    only_problem(write_case(tmp_path, mini_data), "companies.orbit.figures.churn.derive", "needs a figure with unit 'share'")


def test_reserved_company_id_and_bad_ids(tmp_path, mini_data):
    mini_data["companies"]["Bad-Id"] = mini_data["companies"].pop("orbit")
    problems = problems_of(write_case(tmp_path, mini_data))
    assert any("companies.Bad-Id: id 'Bad-Id' is not allowed" in p for p in problems), problems


def test_several_problems_reported_together(tmp_path, mini_data):
    del mini_data["companies"]["tunely"]["figures"]["churn"]["source"]
    del mini_data["companies"]["orbit"]["figures"]["contribution_margin"]["reason"]
    problems = problems_of(write_case(tmp_path, mini_data))
    assert len(problems) == 2
    assert any(".tunely.figures.churn.source:" in p for p in problems)
    assert any(".orbit.figures.contribution_margin.reason:" in p for p in problems)


def test_problem_lines_give_the_yaml_line(tmp_path):
    text = (MINI / "case.yaml").read_text()
    bad = text.replace("churn: {label: Monthly churn, value: 0.03,", "churn: {label: Monthly churn, value: 3,")
    assert bad != text
    tmp_path.joinpath("case.yaml").write_text(bad)
    expected_line = next(i for i, line in enumerate(bad.splitlines(), 1) if "value: 3," in line)
    line = only_problem(tmp_path, "companies.tunely.figures.churn.value", "a share must be in [0, 1]")
    assert line.endswith(f"(line {expected_line})")


def test_malformed_yaml_gives_line_and_column(tmp_path):
    text = (MINI / "case.yaml").read_text().splitlines()
    target = next(i for i, line in enumerate(text) if line.startswith("  tunely:"))
    text[target] = "  tunely: [unclosed"
    tmp_path.joinpath("case.yaml").write_text("\n".join(text) + "\n")
    problems = problems_of(tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'case.yaml'}: line ")
    assert "column" in problems[0] and "malformed YAML" in problems[0]
    reported_line = int(problems[0].split(": line ")[1].split(",")[0])
    assert reported_line > target  # the parser notices after the opening bracket, never before


def test_duplicate_key_is_an_error(tmp_path):
    text = (MINI / "case.yaml").read_text().replace("currency: GBP\n", "currency: GBP\ncurrency: EUR\n")
    tmp_path.joinpath("case.yaml").write_text(text)
    problems = problems_of(tmp_path)
    expected = text.splitlines().index("currency: EUR") + 1
    assert len(problems) == 1 and "found the key 'currency' twice" in problems[0]
    assert f"line {expected}," in problems[0]


def test_missing_folder_and_missing_file(tmp_path):
    problems = problems_of(tmp_path / "nowhere")
    assert problems == [f"{tmp_path / 'nowhere'}: no such case folder or file (a case folder contains case.yaml)"]
    (tmp_path / "empty").mkdir()
    assert "file not found" in problems_of(tmp_path / "empty")[0]


def test_empty_file_and_non_mapping(tmp_path):
    tmp_path.joinpath("case.yaml").write_text("")
    assert "an empty file" in problems_of(tmp_path)[0]
    tmp_path.joinpath("case.yaml").write_text("- a\n- b\n")
    assert "must be a YAML mapping" in problems_of(tmp_path)[0]


def test_tables_are_tidy(mini):
    reported = mini.reported_figures()
    assert list(reported.columns[:7]) == ["company_id", "company", "id", "label", "value", "unit", "per"]
    kinds = [f.kind for figs in [mini.shared, *(c.figures for c in mini.companies.values())] for f in figs.values()]
    assert len(reported) == kinds.count("reported")
    assumptions = mini.assumptions()
    assert len(assumptions) == kinds.count("assumption") + kinds.count("derived")
    row = assumptions.set_index(["company_id", "id"]).loc[("tunely", "acquisition_cost")]
    assert math.isnan(row["low"]) and row["value"] == 25


# --- one customer group per company, borrowed figures, segments ---------------------------------------

SHIPPED = sorted(p for p in (ROOT / "case_studies").iterdir() if (p / "case.yaml").is_file())


@pytest.mark.parametrize("folder", SHIPPED, ids=lambda p: p.name)
def test_every_clv_input_describes_its_company_customer_group_or_says_what_it_borrows(folder):
    from clvedu.cases.checks import figure_group

    case = load_case(folder)
    for cid, company in case.companies.items():
        assert company.customer_group, f"{folder.name}: {cid} states no customer group"
        for owner, fid in case.clv_figures(cid):
            if owner == "shared":
                continue
            measured = figure_group(case, cid, fid)
            fig = case.figure(cid, fid)
            assert measured in (None, company.customer_group) or fig.borrowed, (cid, fid, measured)


def test_prime_video_inputs_are_for_a_paying_viewer_and_only_churn_is_borrowed(real):
    from clvedu.cases.checks import figure_group

    group = real.companies["prime_video"].customer_group
    assert "Prime Video viewer" in group and "standalone price" in group
    borrowed = [fid for owner, fid in real.clv_figures("prime_video") if real.figure(owner, fid).borrowed]
    assert borrowed == ["churn"]
    # the churn is computed from new Prime members' renewal: another group, hence borrowed
    assert figure_group(real, "prime_video", "churn") == real.figure("prime_video", "renewal_first_year").group
    assert figure_group(real, "prime_video", "churn") != group
    # the revenue is the standalone price: the viewer's own group
    assert figure_group(real, "prime_video", "arpu") is None


def real_data() -> dict:
    return yaml.safe_load((REAL / "case.yaml").read_text())


def test_a_clv_input_computed_from_another_group_must_say_it_is_borrowed(tmp_path):
    data = real_data()
    del data["companies"]["prime_video"]["figures"]["churn"]["borrowed"]
    line = only_problem(write_case(tmp_path / "c", data), "companies.prime_video.figures.churn", "new US Prime members")
    assert "borrowed" in line


def test_a_borrowed_figure_needs_the_company_customer_group(tmp_path):
    data = real_data()
    del data["companies"]["prime_video"]["customer_group"]
    only_problem(write_case(tmp_path / "c", data), "companies.prime_video.figures.churn.borrowed", "customer_group")


def test_a_reported_figure_cannot_be_borrowed(tmp_path):
    data = real_data()
    data["companies"]["prime_video"]["figures"]["standalone_price"]["borrowed"] = "someone else's price"
    only_problem(write_case(tmp_path / "c", data), "companies.prime_video.figures.standalone_price.borrowed",
                 "reported figure")


def test_ends_from_must_name_known_figures(tmp_path):
    data = real_data()
    data["companies"]["prime_video"]["figures"]["churn"]["derive"]["ends_from"] = ["renewal_after_first_year", "nope"]
    only_problem(write_case(tmp_path / "c", data), "companies.prime_video.figures.churn.derive.ends_from.1", "'nope'")


def _segments(share_a=0.6, share_b=0.4, source=None):
    value = {"value": 10.0, "per": "month", "kind": "reported", "source": source} if source else \
        {"value": 10.0, "per": "month", "kind": "assumption", "reason": "illustrative"}
    return [{"name": "A", "customer_share": {"value": share_a, "kind": "assumption", "reason": "illustrative"},
             "revenue": value},
            {"name": "B", "customer_share": {"value": share_b, "kind": "assumption", "reason": "illustrative"},
             "revenue": {"value": 20.0, "per": "month", "kind": "assumption", "reason": "illustrative"},
             "churn": {"value": 0.03, "per": "month", "kind": "assumption", "reason": "illustrative"}}]


def test_segments_load_and_their_shares_must_cover_every_customer(tmp_path):
    data = real_data()
    data["companies"]["netflix"]["segments"] = _segments()
    case = load_case(write_case(tmp_path / "ok", data))
    assert [s.name for s in case.companies["netflix"].segments] == ["A", "B"]
    data["companies"]["netflix"]["segments"] = _segments(0.6, 0.2)
    only_problem(write_case(tmp_path / "bad", data), "companies.netflix.segments", "add up to 0.800")


def test_segment_numbers_need_evidence_and_known_sources(tmp_path):
    data = real_data()
    segs = _segments()
    del segs[0]["customer_share"]["reason"]
    data["companies"]["netflix"]["segments"] = segs
    only_problem(write_case(tmp_path / "a", data), "companies.netflix.segments.0.customer_share.reason", "why")
    data["companies"]["netflix"]["segments"] = _segments(source="no-such-source")
    only_problem(write_case(tmp_path / "b", data), "companies.netflix.segments.0.revenue.source", "unknown source")
    segs = _segments()
    del segs[1]["churn"]["per"]
    data["companies"]["netflix"]["segments"] = segs
    only_problem(write_case(tmp_path / "c", data), "companies.netflix.segments.1.churn.per", "period")


def test_primary_sources_are_preferred_with_the_reprint_kept_as_reported_by(real):
    # figures whose first publisher is the company are cited to it, with the press that carried them
    ad_tier = real.sources[real.figure("netflix", "ad_tier_members_q4_2023").source]
    assert ad_tier.publisher == "Netflix" and "Kidscreen" in ad_tier.reported_by
    members = real.sources[real.figure("prime_video", "prime_members_worldwide_2021").source]
    assert members.publisher == "Amazon" and "Motley Fool" in members.reported_by


def test_adp_figures_not_checked_against_the_filing_say_so():
    case = load_case(ROOT / "case_studies" / "adp_vs_paychex")
    for cid, fid in (("adp", "es_client_revenue_retention_fy2024"), ("adp", "clients_fy2024"),
                     ("paychex", "client_retention_fy2024")):
        note = case.figure(cid, fid).note or ""
        assert "reported by" in note and "not checked against the filing" in note, (cid, fid)
