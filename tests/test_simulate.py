"""The synthetic data: seeded, labelled, the promised columns, and faithful to the models it claims to follow."""

import types

import numpy as np
import pandas as pd
import pytest

from clvedu.data import cohort_retention, durations_from_panel
from clvedu.models import ShiftedBetaGeometric
from clvedu.simulate import (
    PANEL_COLUMNS, PRIME_LIKE_PURCHASING, purchase_log, purchase_log_from_case, sbg_parameters_for_churn,
    subscription_panel, subscription_panel_from_case,
)
from clvedu.units import Churn, Money

EXPECTED_DTYPES = {
    "customer_id": str, "cohort": str, "signup_month": int, "plan": str, "monthly_price": float, "region": str,
    "age_band": str, "device": str, "viewing_hours_monthly": float, "favourite_genre": str, "motivation": str,
    "price_sensitivity": float, "tenure_months": int, "churned": bool, "churn_propensity": float,
}


@pytest.fixture(scope="module")
def panel():
    return subscription_panel(6000, alpha=1.2, beta=10.0, cohorts=12, seed=4)


def test_panel_has_exactly_the_agreed_columns_and_types(panel):
    assert list(panel.columns) == list(EXPECTED_DTYPES) == PANEL_COLUMNS
    for col, kind in EXPECTED_DTYPES.items():
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
    by_motivation = panel.groupby("motivation")["churn_propensity"].mean()
    assert by_motivation["family sharer"] < by_motivation["casual viewer"]
    assert panel["viewing_hours_monthly"].corr(panel["churn_propensity"], method="spearman") < -0.3
    assert panel["price_sensitivity"].corr(panel["churn_propensity"], method="spearman") > 0.3
    cheapest = panel.loc[panel["monthly_price"] == panel["monthly_price"].min(), "churn_propensity"].mean()
    dearest = panel.loc[panel["monthly_price"] == panel["monthly_price"].max(), "churn_propensity"].mean()
    assert dearest < cheapest


def test_purchase_log_is_seeded_labelled_and_well_formed():
    a = purchase_log(500, **PRIME_LIKE_PURCHASING, weeks=26, seed=1)
    b = purchase_log(500, **PRIME_LIKE_PURCHASING, weeks=26, seed=1)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    t = a.transactions
    assert list(t.columns) == ["customer_id", "date", "value"]
    assert pd.api.types.is_datetime64_any_dtype(t["date"]) and (t["value"] > 0).all()
    assert t["date"].max() <= pd.Timestamp(t.attrs["observation_end"])
    assert t.attrs["synthetic"] and a.members.attrs["synthetic"]
    assert set(t["customer_id"]) <= set(a.members["customer_id"])
    assert {"customer_id", "age_band", "region", "prime_video_hours_weekly"} <= set(a.members.columns)
    # Every member makes a first purchase at joining.
    assert t["customer_id"].nunique() == len(a.members)


def test_purchase_log_spend_matches_the_gamma_gamma_mean():
    data = purchase_log(4000, r=1.0, alpha=5.0, a=0.8, b=8.0, p=4.0, q=4.0, v=24.0, weeks=52, seed=2)
    assert data.transactions["value"].mean() == pytest.approx(4.0 * 24.0 / 3.0, rel=0.1)


def test_sbg_parameters_for_churn_hit_the_target():
    alpha, beta = sbg_parameters_for_churn(0.02, 0.5)
    assert alpha + beta == pytest.approx(2.0)
    assert ShiftedBetaGeometric(alpha, beta).churn(13) == pytest.approx(0.02)
    with pytest.raises(ValueError, match="too high"):
        sbg_parameters_for_churn(0.2, 1.0)
    with pytest.raises(ValueError, match="monthly_churn"):
        sbg_parameters_for_churn(1.5)


def _fake_case():
    inputs = types.SimpleNamespace(churn=Churn(0.03, per="month"), arpu=Money(12.0, per="month"))
    streamer = types.SimpleNamespace(name="Streamer", repeat_purchases=False)
    shop = types.SimpleNamespace(name="Shop Club", repeat_purchases=True)  # a retail membership: purchase log too
    return types.SimpleNamespace(companies={"streamer": streamer, "shop_club": shop},
                                 clv_inputs=lambda cid: inputs)


def test_helpers_build_from_case_inputs():
    panel = subscription_panel_from_case(_fake_case(), "streamer", 3000, seed=0)
    assert panel["monthly_price"].groupby(panel["plan"]).first().mean() == pytest.approx(12.0, abs=0.02)
    assert panel["customer_id"].str.startswith("ST").all()
    data = purchase_log_from_case(_fake_case(), "shop_club", 200, seed=0)
    assert data.transactions.attrs["parameters"]["company_id"] == "shop_club"
    with pytest.raises(ValueError, match="not in the case"):
        purchase_log_from_case(_fake_case(), "nobody", 10)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="n_customers"):
        subscription_panel(0, alpha=1, beta=1)
    with pytest.raises(ValueError, match="first_cohort"):
        subscription_panel(10, alpha=1, beta=1, first_cohort="January")
    with pytest.raises(ValueError, match="alpha"):
        subscription_panel(10, alpha=-1, beta=1)
    with pytest.raises(ValueError, match="before the last cohort"):
        subscription_panel(10, alpha=1, beta=1, cohorts=12, observation_end="2021-03")


@pytest.fixture
def cli_main(monkeypatch):
    """``clvedu.cli.main`` with only this command registered, so other commands' state cannot interfere."""
    import clvedu.cli

    monkeypatch.setattr(clvedu.cli, "COMMAND_MODULES", ["clvedu.commands.simulate"])
    return clvedu.cli.main


def test_cli_writes_labelled_csvs_atomically(tmp_path, monkeypatch, cli_main):
    import clvedu.cases

    main = cli_main

    (tmp_path / "case.yaml").write_text("stand-in: the loader is replaced below\n")
    monkeypatch.setattr(clvedu.cases, "load_case", lambda path: _fake_case(), raising=False)
    assert main(["simulate", str(tmp_path), "--customers", "300", "--seed", "3"]) == 0
    files = sorted(p.name for p in (tmp_path / "synthetic").iterdir())
    assert all("synthetic" in name for name in files)
    assert "streamer_synthetic_subscription_panel.csv" in files
    assert "shop_club_synthetic_purchase_log.csv" in files and "shop_club_synthetic_members.csv" in files
    assert "streamer_synthetic_purchase_log.csv" not in files  # only companies marked repeat_purchases
    assert not [n for n in files if n.endswith(".tmp")]
    panel = pd.read_csv(tmp_path / "synthetic" / "streamer_synthetic_subscription_panel.csv")
    assert list(panel.columns) == PANEL_COLUMNS and len(panel) == 300
    first = (tmp_path / "synthetic" / "streamer_synthetic_subscription_panel.csv").read_bytes()
    assert main(["simulate", str(tmp_path), "--customers", "300", "--seed", "3"]) == 0
    assert (tmp_path / "synthetic" / "streamer_synthetic_subscription_panel.csv").read_bytes() == first
    assert "SYNTHETIC" in (tmp_path / "synthetic" / "README_synthetic.txt").read_text()


def test_cli_reports_a_missing_case_in_one_line(tmp_path, capsys, cli_main):
    assert cli_main(["simulate", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "no case.yaml" in err and len(err.strip().splitlines()) == 1
