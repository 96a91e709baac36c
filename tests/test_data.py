"""RFM summaries, calibration/hold-out splits and cohort tables: lifetimes' results as oracle plus hand-made cases.

lifetimes' summaries of the CDNOW log are stored in ``tests/reference/rfm_cdnow.json`` (row counts, SHA-256
fingerprints of the ids and of every whole-number column, sums, every hundredth row); ``tests/reference/
regenerate.py`` remakes them. The tests do not need lifetimes installed.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clvedu.data import calibration_holdout, cohort_retention, durations_from_panel, rfm_summary

REFERENCE = Path(__file__).resolve().parent / "reference"
CDNOW_MASTER = REFERENCE / "CDNOW_master.txt.gz"  # the full CDNOW log as lifetimes ships it, gzip-compressed


@pytest.fixture(scope="module")
def cdnow_log():
    log = pd.read_csv(CDNOW_MASTER, sep=r"\s+", header=0, names=["customer_id", "date", "quantity", "value"],
                      dtype={"customer_id": str, "date": str})
    log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
    return log


@pytest.fixture(scope="module")
def oracle():
    return json.loads((REFERENCE / "rfm_cdnow.json").read_text(encoding="utf-8"))


def _sha256(values) -> str:
    return hashlib.sha256(",".join(str(v) for v in values).encode("utf-8")).hexdigest()


def assert_matches_reference(ours: pd.DataFrame, ref: dict) -> None:
    """Our per-customer table against lifetimes' stored one: ids, whole-number columns exactly, the rest to 1e-9."""
    assert len(ours) == ref["rows"]
    assert _sha256(str(i) for i in ours.index) == ref["sha256_of_customer_ids"]
    for name in ref["columns"]:
        values = ours[name].to_numpy(float)
        check = ref["column_checks"][name]
        assert values.min() == pytest.approx(check["min"], abs=1e-9), name
        assert values.max() == pytest.approx(check["max"], abs=1e-9), name
        assert values.sum() == pytest.approx(check["sum"], rel=1e-12, abs=1e-9), name
        assert (values ** 2).sum() == pytest.approx(check["sum_of_squares"], rel=1e-12, abs=1e-9), name
        if "sha256_of_whole_numbers" in check:
            assert np.all(values == np.round(values)), name
            assert _sha256(int(v) for v in values) == check["sha256_of_whole_numbers"], name
    sample = ref["sample"]
    rows = ours.loc[sample["customer_id"]]
    assert len(rows) > 200
    for name in ref["columns"]:
        assert np.allclose(rows[name].to_numpy(float), sample[name], atol=1e-9), name


def test_hand_made_log_follows_the_definitions():
    log = pd.DataFrame({
        "id": ["a", "a", "a", "a", "b", "c"],
        # a: Monday 1 Jan 2024 week, twice in the week of 15 Jan, once in the week of 29 Jan
        "day": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-01-17", "2024-01-29", "2024-01-10", "2024-03-01"]),
        "spend": [100.0, 10.0, 20.0, 60.0, 5.0, 7.0],
    })
    s = rfm_summary(log, "id", "day", "spend", observation_end="2024-02-05", freq="W")
    assert list(s.index) == ["a", "b"]  # c bought after the end
    a = s.loc["a"]
    assert (a["frequency"], a["recency"], a["T"]) == (2, 4, 5)
    assert a["monetary_value"] == pytest.approx((30.0 + 60.0) / 2)  # same-week purchases add up; first excluded
    assert tuple(s.loc["b", ["frequency", "recency", "monetary_value"]]) == (0, 0, 0)
    assert s.attrs["period"] == "week"


def test_matches_lifetimes_on_the_full_cdnow_log(cdnow_log, oracle):
    assert len(cdnow_log) == oracle["log_rows"]
    for freq in ("W", "D"):
        ours = rfm_summary(cdnow_log, "customer_id", "date", "value", observation_end=oracle["observation_end"],
                           freq=freq)
        assert list(ours.index) == sorted(ours.index)
        assert_matches_reference(ours, oracle["summary"][freq])


def test_calibration_holdout_matches_lifetimes(cdnow_log, oracle):
    ref = oracle["calibration_holdout"]
    ours = calibration_holdout(cdnow_log, "customer_id", "date", ref["calibration_end"], oracle["observation_end"],
                               value_col="value")
    assert list(ours.columns) == ref["columns"]
    assert_matches_reference(ours, ref)
    assert ours["duration_holdout"].iloc[0] == 39


def test_bad_logs_are_named():
    log = pd.DataFrame({"id": ["a", "b"], "day": ["2024-01-01", "not a date"], "spend": [1.0, 2.0]})
    with pytest.raises(ValueError, match="'day' must hold dates"):
        rfm_summary(log, "id", "day", "spend")
    log["day"] = ["2024-01-01", "2024-01-02"]
    log["spend"] = [1.0, np.nan]
    with pytest.raises(ValueError, match="'spend' must hold numbers; rows 1"):
        rfm_summary(log, "id", "day", "spend")
    with pytest.raises(ValueError, match="no column 'customer'"):
        rfm_summary(log, "customer", "day")
    with pytest.raises(ValueError, match="freq must be"):
        rfm_summary(log, "id", "day", freq="fortnight")
    with pytest.raises(ValueError, match="must come after calibration_end"):
        calibration_holdout(log, "id", "day", "2024-01-05", "2024-01-02")


def _panel(rows, last_month):
    frame = pd.DataFrame(rows, columns=["cohort", "signup_month", "tenure_months", "churned"])
    frame.attrs["observation_month"] = last_month
    return frame


def test_cohort_table_counts_customers_paying_in_each_month():
    panel = _panel([
        ("2021-01", 0, 1, True),   # paid month 0 only
        ("2021-01", 0, 3, True),   # paid months 0-2
        ("2021-01", 0, 4, False),  # still paying in month 3 (the last observed)
        ("2021-02", 1, 3, False),
        ("2021-02", 1, 2, True),
    ], last_month=3)
    table = cohort_retention(panel)
    assert table.loc["2021-01"].tolist() == [3, 2, 2, 1]
    assert table.loc["2021-02", [0, 1, 2]].tolist() == [2, 2, 1]
    assert pd.isna(table.loc["2021-02", 3])  # month 3 of the February cohort is not observed yet
    durations, censored = durations_from_panel(panel)
    assert durations.tolist() == [1, 3, 3, 2, 2]
    assert censored.tolist() == [False, False, True, True, False]


def test_observation_month_is_inferred_without_attrs():
    panel = _panel([("2021-01", 0, 5, False), ("2021-01", 0, 2, True)], last_month=4)
    panel.attrs.clear()
    assert cohort_retention(panel).columns.max() == 4


def test_panel_errors_name_the_column():
    panel = _panel([("2021-01", 0, 0, True)], last_month=3)
    with pytest.raises(ValueError, match="'tenure_months' must hold whole numbers >= 1; rows 0"):
        cohort_retention(panel)
    with pytest.raises(ValueError, match="no column 'churned'"):
        cohort_retention(panel.drop(columns="churned"))
