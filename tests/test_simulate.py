"""The synthetic data: seeded, labelled, well formed, faithful to the models they claim to follow, and written
by ``clvedu simulate`` safely (never over an existing file without --force, never partially)."""

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clvedu.cases import load_case
from clvedu.data import cohort_retention, durations_from_panel
from clvedu.errors import UserError
from clvedu.models import BetaGeoNBD, ShiftedBetaGeometric
from clvedu.simulate import (
    MEMBERSHIP_PURCHASING, account_panel, bgnbd_parameters_for_case, bgnbd_survival, company_stream,
    gamma_gamma_parameters, load_attributes, plural, purchase_log, purchase_log_from_case, sbg_parameters_for_churn,
    subscription_panel, subscription_panel_from_case,
)

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"
NETFLIX = ROOT / "case_studies" / "netflix_vs_prime_video"

GENERIC_MONTHLY = {
    "customer_id": str, "cohort": str, "signup_month": int, "plan": str, "monthly_price": float,
    "acquisition_channel": str, "active_days_monthly": int, "price_sensitivity": float, "tenure_months": int,
    "churned": bool, "churn_propensity": float,
}


@pytest.fixture(scope="module")
def panel():
    return subscription_panel(6000, alpha=1.2, beta=10.0, cohorts=12, seed=4)


def test_panel_has_the_generic_columns_and_types(panel):
    assert list(panel.columns) == list(GENERIC_MONTHLY)  # no market: the default plans name none
    for col, kind in GENERIC_MONTHLY.items():
        value = panel[col].iloc[0]
        assert isinstance(value.item() if hasattr(value, "item") else value, kind), col
    assert panel["cohort"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert panel["price_sensitivity"].between(0, 1).all()
    assert panel["customer_id"].is_unique
    assert panel.attrs["synthetic"] is True and "SYNTHETIC" in panel.attrs["note"]


def test_same_seed_same_data_other_seed_other_data(panel):
    again = subscription_panel(6000, alpha=1.2, beta=10.0, cohorts=12, seed=4)
    pd.testing.assert_frame_equal(panel, again)
    other = subscription_panel(6000, alpha=1.2, beta=10.0, cohorts=12, seed=5)
    assert not panel["tenure_months"].equals(other["tenure_months"])


def test_company_streams_differ_by_company_and_table_and_repeat_by_seed():
    draw = lambda *key: np.random.default_rng(company_stream(*key)).random(3)  # noqa: E731
    assert np.array_equal(draw(1, "a"), draw(1, "a"))
    assert not np.array_equal(draw(1, "a"), draw(1, "b"))
    assert not np.array_equal(draw(1, "a", "panel"), draw(1, "a", "purchase_log"))
    assert not np.array_equal(draw(1, "a"), draw(2, "a"))
    with pytest.raises(ValueError, match="seed"):
        company_stream(-1, "a")


def test_tenure_and_churn_are_consistent_with_the_observation_window(panel):
    last = panel.attrs["observation_month"]
    assert last == 11 + 12
    paid_to = panel["signup_month"] + panel["tenure_months"] - 1
    assert (paid_to[~panel["churned"]] == last).all()
    assert (paid_to[panel["churned"]] < last).all()


def test_panel_follows_the_sbg_model_it_was_drawn_from(panel):
    durations, censored = durations_from_panel(panel)
    fit = ShiftedBetaGeometric.fit_durations(durations, censored)
    assert fit.mean_churn == pytest.approx(1.2 / 11.2, rel=0.06)
    assert fit.alpha == pytest.approx(1.2, rel=0.25)
    # Months 0-12 are observed for every cohort, so the pooled curve is the survival of all 6,000 customers.
    table = cohort_retention(panel).iloc[:, :13].astype(float)
    pooled = table.sum() / table[0].sum()
    truth = ShiftedBetaGeometric(1.2, 10.0).survival(np.arange(13))
    assert np.allclose(pooled, truth, atol=0.02)


def test_attributes_carry_information_about_churn(panel):
    assert panel["active_days_monthly"].corr(panel["churn_propensity"], method="spearman") < -0.2
    assert panel["price_sensitivity"].corr(panel["churn_propensity"], method="spearman") > 0.3
    by_channel = panel.groupby("acquisition_channel")["churn_propensity"].mean()
    assert by_channel["referral"] < by_channel["promotional offer"]
    cheapest = panel.loc[panel["monthly_price"] == panel["monthly_price"].min(), "churn_propensity"].mean()
    dearest = panel.loc[panel["monthly_price"] == panel["monthly_price"].max(), "churn_propensity"].mean()
    assert dearest < cheapest


def test_a_yearly_panel_is_named_and_counted_in_years():
    panel = subscription_panel(800, alpha=0.5, beta=2.0, period="year", plans={"Yearly": 120.0}, seed=1)
    assert {"signup_year", "tenure_years", "annual_price", "active_days_annual"} <= set(panel.columns)
    assert panel["cohort"].str.fullmatch(r"\d{4}").all()
    assert panel.attrs["parameters"]["cohorts"] == 4 and panel["active_days_annual"].max() <= 365


def test_target_price_moves_the_average_price_within_sampling_error():
    plans = {"Small": 5.0, "Medium": 10.0, "Large": 20.0}
    for target in (7.0, 15.0):
        p = subscription_panel(6000, alpha=1.0, beta=5.0, plans=plans, target_price=target, seed=2)["monthly_price"]
        assert abs(p.mean() - target) <= 4 * p.std() / math.sqrt(len(p))
    out_of_reach = subscription_panel(300, alpha=1.0, beta=5.0, plans=plans, target_price=25.0, seed=2)
    assert out_of_reach.attrs["price_calibrated"] is False


def test_purchase_log_is_seeded_labelled_and_well_formed():
    a = purchase_log(500, **MEMBERSHIP_PURCHASING, weeks=26, seed=1)
    b = purchase_log(500, **MEMBERSHIP_PURCHASING, weeks=26, seed=1)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    t = a.transactions
    assert list(t.columns) == ["customer_id", "date", "value"]
    assert pd.api.types.is_datetime64_any_dtype(t["date"]) and (t["value"] > 0).all()
    assert t["date"].max() <= pd.Timestamp(t.attrs["observation_end"])
    assert t.attrs["synthetic"] and a.members.attrs["synthetic"]
    assert a.customers is a.members
    assert set(t["customer_id"]) <= set(a.members["customer_id"])
    # Every customer makes a first purchase at joining; the table counts each one's orders.
    assert t["customer_id"].nunique() == len(a.members)
    counts = t["customer_id"].value_counts().reindex(a.members["customer_id"]).to_numpy()
    assert np.array_equal(counts, a.members["orders"].to_numpy())
    assert {"customer_id", "joined", "acquisition_channel", "dropout_probability"} <= set(a.members.columns)


def test_purchase_log_spend_matches_the_gamma_gamma_mean():
    data = purchase_log(4000, r=1.0, alpha=5.0, a=0.8, b=8.0, p=4.0, q=4.0, v=24.0, weeks=52, seed=2)
    assert data.transactions["value"].mean() == pytest.approx(4.0 * 24.0 / 3.0, rel=0.1)


def test_bgnbd_survival_is_what_the_simulation_does():
    params = dict(r=2.0, alpha=10.0, a=0.6, b=2.4)
    data = purchase_log(8000, **params, p=4.0, q=4.0, v=24.0, weeks=60, join_weeks=4, seed=3)
    m = data.members
    active_after_26_weeks = m["dropped_out"].isna() | (m["dropped_out"] >= m["joined"] + pd.Timedelta(weeks=26))
    expected = bgnbd_survival(26, **params)
    assert abs(active_after_26_weeks.mean() - expected) <= 4 * math.sqrt(expected * (1 - expected) / len(m))


def test_bgnbd_parameters_hit_frequency_and_retention_and_the_fit_recovers_them():
    params = bgnbd_parameters_for_case(6.0, 0.6, "year", heterogeneity=0.5)
    assert params["r"] / params["alpha"] * 52 == pytest.approx(6.0)
    assert params["a"] + params["b"] == pytest.approx(2.0)
    assert bgnbd_survival(52, **params) == pytest.approx(0.6, abs=1e-8)
    data = purchase_log(5000, **params, **gamma_gamma_parameters(25.0), weeks=104, seed=8)
    from clvedu.data import rfm_summary

    summary = rfm_summary(data.transactions, "customer_id", "date", "value",
                          observation_end=data.transactions.attrs["observation_end"])
    fit = BetaGeoNBD.fit(summary["frequency"], summary["recency"], summary["T"])
    assert fit.r / fit.alpha * 52 == pytest.approx(6.0, rel=0.15)


def test_bgnbd_parameters_refuse_what_the_model_cannot_do():
    # one order a year cannot lose 90% of shoppers a year: drop-out happens only after an order
    with pytest.raises(ValueError, match="active_retention .* purchase_frequency"):
        bgnbd_parameters_for_case(1.0, 0.1, "year")
    with pytest.raises(ValueError, match="active_retention"):
        bgnbd_parameters_for_case(5.0, 1.0, "year")


def test_gamma_gamma_parameters_give_the_order_value():
    g = gamma_gamma_parameters(40.0)
    assert g["p"] * g["v"] / (g["q"] - 1) == pytest.approx(40.0)
    with pytest.raises(ValueError, match="order_value"):
        gamma_gamma_parameters(0.0)


def test_sbg_parameters_for_churn_hit_the_target():
    alpha, beta = sbg_parameters_for_churn(0.02, 0.5)
    assert alpha + beta == pytest.approx(2.0)
    assert ShiftedBetaGeometric(alpha, beta).churn(13) == pytest.approx(0.02)
    alpha, beta = sbg_parameters_for_churn(0.15, 0.5, tenure_periods=1)  # yearly: after one renewal
    assert ShiftedBetaGeometric(alpha, beta).churn(2) == pytest.approx(0.15)
    with pytest.raises(ValueError, match="too high"):
        sbg_parameters_for_churn(0.2, 1.0)
    with pytest.raises(ValueError, match="churn"):
        sbg_parameters_for_churn(1.5)


def test_account_panel_is_seeded_and_well_formed():
    kw = dict(seats=10.0, price_per_seat=20.0, alpha=0.5, beta=3.0, seat_growth=0.1, seed=3)
    a, b = account_panel(400, **kw), account_panel(400, **kw)
    pd.testing.assert_frame_equal(a.accounts, b.accounts)
    pd.testing.assert_frame_equal(a.terms, b.terms)
    acc, terms = a.accounts, a.terms
    assert (acc["seats_at_start"] >= 1).all() and acc["customer_id"].is_unique
    assert terms.groupby("customer_id").size().reindex(acc["customer_id"]).to_numpy().tolist() == acc["terms_started"].tolist()
    assert set(terms["outcome"]) <= {"renewed", "left", "running"}
    assert (terms["term_end"] <= pd.Timestamp(acc.attrs["observation_end"]))[terms["outcome"] != "running"].all()
    assert (terms["term_end"] > pd.Timestamp(acc.attrs["observation_end"]))[terms["outcome"] == "running"].all()


def test_book_functions_keep_their_signatures_and_columns():
    case = load_case(NETFLIX)
    panel = subscription_panel_from_case(case, "netflix", 600, seed=1, cohorts=12, observation_end="2023-12")
    assert panel.attrs["observation_month"] == 35 and panel["cohort"].min() == "2021-01"
    assert {"monthly_price", "viewing_hours_monthly", "motivation", "churn_propensity", "tenure_months"} <= set(panel.columns)
    prime = purchase_log_from_case(case, "prime_video", 300, seed=2)
    assert list(prime.transactions.columns) == ["customer_id", "date", "value"]
    assert prime.transactions.attrs["observation_end"] == "2025-06-29"  # 78 weeks from 1 Jan 2024
    assert len(prime.members) == 300
    with pytest.raises(ValueError, match="not in the case"):
        purchase_log_from_case(case, "nobody", 10)
    with pytest.raises(ValueError, match="no purchase log"):
        purchase_log_from_case(case, "netflix", 10)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="n_customers"):
        subscription_panel(0, alpha=1, beta=1)
    with pytest.raises(ValueError, match="first_cohort"):
        subscription_panel(10, alpha=1, beta=1, first_cohort="January")
    with pytest.raises(ValueError, match="alpha"):
        subscription_panel(10, alpha=-1, beta=1)
    with pytest.raises(ValueError, match="before the last cohort"):
        subscription_panel(10, alpha=1, beta=1, cohorts=12, observation_end="2021-03")
    with pytest.raises(ValueError, match="seats"):
        account_panel(10, seats=0.5, price_per_seat=1, alpha=1, beta=1)
    with pytest.raises(ValueError, match="term"):
        account_panel(10, seats=2, price_per_seat=1, alpha=1, beta=1, term="fortnight")


def test_plural_nouns():
    assert [plural(w) for w in ("member", "business", "company", "day", "client")] == [
        "members", "businesses", "companies", "days", "clients"]


@pytest.mark.parametrize("text, where", [
    ("subscription_panel:\n  attributes:\n    - column: Mood\n      levels: {a: {}, b: {}}\n", "attributes[0].column"),
    ("subscription_panel:\n  attributes:\n    - column: plan\n      levels: {a: {}, b: {}}\n", "already in the table"),
    ("subscription_panel:\n  attributes:\n    - column: x\n      levels: {a: {}}\n", "at least two levels"),
    ("subscription_panel:\n  attributes:\n    - column: x\n      levels: {a: {given: {y: {b: 1}}}, b: {}}\n",
     "levels.a.given.y"),
    ("subscription_panel:\n  colour: red\n", "colour: unknown field"),
    ("purchase_log:\n  usage: {column: x, label: y, median: 1}\n", "usage: unknown field"),
    ("elsewhere: {}\n", "top level.elsewhere"),
    ("subscription_panel: [\n", "not valid YAML"),
])
def test_synthetic_yaml_problems_name_the_file_and_field(tmp_path, text, where):
    file = tmp_path / "synthetic.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_attributes(file)
    message = str(info.value)
    assert message.startswith(str(file)) and where in message and "\n" not in message


# --- the command line -------------------------------------------------------------------------------

@pytest.fixture
def cli_main(monkeypatch):
    """``clvedu.cli.main`` with only this command registered, so other commands' state cannot interfere."""
    import clvedu.cli

    monkeypatch.setattr(clvedu.cli, "COMMAND_MODULES", ["clvedu.commands.simulate"])
    return clvedu.cli.main


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_cli_writes_labelled_csvs_and_refuses_to_overwrite(tmp_path, cli_main, capsys):
    out = tmp_path / "out"
    assert cli_main(["simulate", str(MINI), "--out", str(out), "--customers", "300", "--seed", "3"]) == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == ["README_synthetic.txt", "orbit_synthetic_subscription_panel.csv",
                     "tunely_synthetic_subscription_panel.csv"]
    panel = pd.read_csv(out / "tunely_synthetic_subscription_panel.csv")
    assert len(panel) == 300 and "listener_id" in panel.columns and "monthly_price_gbp" in panel.columns
    first = (out / "tunely_synthetic_subscription_panel.csv").read_bytes()
    capsys.readouterr()
    assert cli_main(["simulate", str(MINI), "--out", str(out), "--customers", "300", "--seed", "4"]) == 2
    err = _one_line_error(capsys)
    assert "already exists" in err and "--force" in err and "synthetic" in err
    assert (out / "tunely_synthetic_subscription_panel.csv").read_bytes() == first  # untouched
    assert cli_main(["simulate", str(MINI), "--out", str(out), "--customers", "300", "--seed", "4", "--force"]) == 0
    assert (out / "tunely_synthetic_subscription_panel.csv").read_bytes() != first
    assert cli_main(["simulate", str(MINI), "--out", str(out), "--customers", "300", "--seed", "3", "--force"]) == 0
    assert (out / "tunely_synthetic_subscription_panel.csv").read_bytes() == first  # same seed, same bytes
    assert not [p for p in out.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]
    assert "SYNTHETIC" in (out / "README_synthetic.txt").read_text(encoding="utf-8")


def test_cli_default_folder_is_beside_the_user_not_in_the_case(tmp_path, cli_main, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli_main(["simulate", str(MINI), "--customers", "20"]) == 0
    assert (tmp_path / "mini_synthetic" / "tunely_synthetic_subscription_panel.csv").is_file()
    assert not (MINI / "synthetic").exists()


def test_cli_failure_part_way_leaves_nothing(tmp_path, cli_main, capsys, monkeypatch):
    calls = []
    real = pd.DataFrame.to_csv

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing)
    out = tmp_path / "new" / "out"
    assert cli_main(["simulate", str(MINI), "--out", str(out), "--customers", "20"]) == 2
    err = _one_line_error(capsys)
    assert str(out) in err and ("full" in err or "No space left" in err)
    assert not out.exists() or not list(out.iterdir())


def test_cli_reports_folder_problems_in_one_line(tmp_path, cli_main, capsys, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert cli_main(["simulate", str(MINI), "--out", str(blocker), "--customers", "10"]) == 2
    assert str(blocker) in _one_line_error(capsys)
    assert cli_main(["simulate", str(MINI), "--out", str(blocker / "sub"), "--customers", "10"]) == 2
    assert "cannot create the folder" in _one_line_error(capsys)

    import clvedu.io

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(clvedu.io.tempfile, "mkstemp", refused)  # a read-only folder, even for root
    out = tmp_path / "ro"
    out.mkdir()
    assert cli_main(["simulate", str(MINI), "--out", str(out), "--customers", "10"]) == 2
    err = _one_line_error(capsys)
    assert str(out) in err and "permission denied" in err.lower()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write to a read-only folder")
def test_cli_read_only_folder_for_real(tmp_path, cli_main, capsys):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert cli_main(["simulate", str(MINI), "--out", str(out), "--customers", "10"]) == 2
        assert "permission denied" in _one_line_error(capsys).lower()
    finally:
        out.chmod(0o755)


def test_cli_reports_bad_input_in_one_line(tmp_path, cli_main, capsys):
    assert cli_main(["simulate", str(tmp_path / "nowhere")]) == 2
    assert "no case.yaml" in _one_line_error(capsys)
    assert cli_main(["simulate", str(MINI), "--seed", "-1", "--out", str(tmp_path / "x")]) == 2
    assert "--seed" in _one_line_error(capsys)
    assert cli_main(["simulate", str(MINI), "--customers", "0", "--out", str(tmp_path / "x")]) == 2
    assert "--customers" in _one_line_error(capsys)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "case.yaml").write_text((MINI / "case.yaml").read_text().replace("value: 0.03", "value: 3"))
    assert cli_main(["simulate", str(broken), "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert "case.yaml" in err and "churn" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
