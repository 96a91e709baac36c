"""From raw customer records to the summaries the models need.

* :func:`rfm_summary` - one row per customer (frequency, recency, T, monetary_value) from a transaction log,
  with the definitions of the lifetimes package (``summary_data_from_transaction_data``);
* :func:`calibration_holdout` - the same summary for a calibration period plus what each customer did in a
  later hold-out period, to test a model's forecasts;
* :func:`cohort_retention` - customers alive in each month of tenure, per sign-up cohort, from a subscription
  panel; :func:`durations_from_panel` - each subscriber's duration and censoring flag for the sBG model.

Definitions (time counted in whole periods of ``freq``: days, weeks or months). Transactions are first
grouped into periods, and purchases in the same period count as one (their values add up):

* ``frequency`` - number of periods with a purchase *after* the first purchase period (repeat purchases);
* ``recency`` - periods from the first purchase period to the last one (0 without repeat purchases);
* ``T`` - periods from the first purchase period to the observation end's period (the customer's "age");
* ``monetary_value`` - mean value of the repeat-purchase periods (0 without repeat purchases); the first
  purchase is left out because it often differs (a welcome offer, a device bought with the membership).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clvedu.units import normalise_period

_FREQ = {"day": "D", "week": "W", "month": "M"}


def _freq_code(freq: str) -> tuple[str, str]:
    """Accept pandas codes ("D", "W", "M") or clvedu period names; return (pandas code, clvedu period)."""
    if not isinstance(freq, str):
        raise ValueError(f"freq must be 'D', 'W' or 'M' (or day, week, month); got {freq!r}")
    code = freq.strip().upper()
    for period, c in _FREQ.items():
        if code == c:
            return c, period
    try:
        period = normalise_period(freq, "freq")
    except ValueError:
        raise ValueError(f"freq must be 'D', 'W' or 'M' (or day, week, month); got {freq!r}") from None
    if period not in _FREQ:
        raise ValueError(f"freq must be 'D', 'W' or 'M' (or day, week, month); got {freq!r}")
    return _FREQ[period], period


def _require_columns(frame: pd.DataFrame, name: str, columns: list[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame; got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} has no column {', '.join(map(repr, missing))}; its columns are "
                         f"{', '.join(map(str, frame.columns))}")


def _rows(frame: pd.DataFrame, mask, limit: int = 5) -> str:
    labels = list(frame.index[np.asarray(mask)][:limit])
    more = int(np.sum(mask)) - len(labels)
    return ", ".join(map(str, labels)) + (f" and {more} more" if more > 0 else "")


def _prepare(transactions, customer_col, date_col, value_col):
    cols = [customer_col, date_col] + ([value_col] if value_col is not None else [])
    _require_columns(transactions, "transactions", cols)
    if transactions[customer_col].isna().any():
        raise ValueError(f"column {customer_col!r} has missing customer ids in rows "
                         f"{_rows(transactions, transactions[customer_col].isna())}")
    try:
        dates = pd.to_datetime(transactions[date_col])
    except (ValueError, TypeError) as exc:
        raise ValueError(f"column {date_col!r} must hold dates: {exc}") from None
    if dates.isna().any():
        raise ValueError(f"column {date_col!r} has missing dates in rows {_rows(transactions, dates.isna())}")
    values = None
    if value_col is not None:
        values = pd.to_numeric(transactions[value_col], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype=float))
        if bad.any():
            raise ValueError(f"column {value_col!r} must hold numbers; rows {_rows(transactions, bad)} do not")
    return transactions[customer_col], dates, values


def _to_ordinal(timestamps, code: str) -> np.ndarray:
    return pd.PeriodIndex(pd.DatetimeIndex(timestamps), freq=code).asi8


def _summarise(customers, ordinals, values, end_ordinal: int, period: str) -> pd.DataFrame:
    """The RFM table from customer ids, period ordinals and (optional) values, all pre-filtered."""
    codes, uniques = pd.factorize(customers, sort=True)
    frame = pd.DataFrame({"c": codes, "o": ordinals, "v": 0.0 if values is None else values})
    per_period = frame.groupby(["c", "o"], sort=True)["v"].sum()
    c = per_period.index.get_level_values(0).to_numpy()
    o = per_period.index.get_level_values(1).to_numpy()
    v = per_period.to_numpy()
    n = len(uniques)
    counts = np.bincount(c, minlength=n)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    first = o[starts]
    last = o[starts + counts - 1]
    is_first = np.zeros(len(o), dtype=bool)
    is_first[starts] = True
    repeat_total = np.bincount(c, weights=np.where(is_first, 0.0, v), minlength=n)
    frequency = counts - 1.0
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last - first).astype(float),
            "T": (end_ordinal - first).astype(float),
        },
        index=pd.Index(uniques, name="customer_id"),
    )
    if values is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value"] = np.where(frequency > 0, repeat_total / np.maximum(frequency, 1.0), 0.0)
    out.attrs["period"] = period
    return out


def rfm_summary(
    transactions: pd.DataFrame,
    customer_col: str,
    date_col: str,
    value_col: str | None = None,
    observation_end=None,
    freq: str = "W",
) -> pd.DataFrame:
    """One row per customer: ``frequency``, ``recency``, ``T`` (in periods of ``freq``) and ``monetary_value``.

    Definitions are in the module docstring and match lifetimes' ``summary_data_from_transaction_data``
    (weeks start on Monday for ``freq="W"``). Transactions after ``observation_end`` (default: the last
    transaction date) are ignored. The result's ``attrs["period"]`` says the time unit ("week").
    """
    code, period = _freq_code(freq)
    customers, dates, values = _prepare(transactions, customer_col, date_col, value_col)
    end = dates.max() if observation_end is None else _timestamp(observation_end, "observation_end")
    end_ordinal = int(_to_ordinal([end], code)[0])
    ordinals = _to_ordinal(dates, code)
    keep = ordinals <= end_ordinal
    if not keep.any():
        raise ValueError(f"no transaction falls on or before observation_end {end:%Y-%m-%d}")
    return _summarise(customers.to_numpy()[keep], ordinals[keep],
                      None if values is None else values.to_numpy(dtype=float)[keep], end_ordinal, period)


def _timestamp(value, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a date such as '1997-09-30'; got {value!r}") from None
    if pd.isna(ts):
        raise ValueError(f"{name} must be a date such as '1997-09-30'; got {value!r}")
    return ts


def calibration_holdout(
    transactions: pd.DataFrame,
    customer_col: str,
    date_col: str,
    calibration_end,
    observation_end=None,
    value_col: str | None = None,
    freq: str = "W",
) -> pd.DataFrame:
    """RFM summary up to ``calibration_end`` plus each customer's purchases in the hold-out period after it.

    Columns: ``frequency_cal``, ``recency_cal``, ``T_cal`` (and ``monetary_value_cal``) as in :func:`rfm_summary`;
    ``frequency_holdout`` = number of periods with a purchase in (calibration_end, observation_end];
    ``monetary_value_holdout`` = mean transaction value in the hold-out (0 if none); ``duration_holdout`` = the
    hold-out's length in periods. Only customers who bought in the calibration period appear (as in lifetimes'
    ``calibration_and_holdout_data``).
    """
    code, period = _freq_code(freq)
    customers, dates, values = _prepare(transactions, customer_col, date_col, value_col)
    cal_end = _timestamp(calibration_end, "calibration_end")
    obs_end = dates.max() if observation_end is None else _timestamp(observation_end, "observation_end")
    if obs_end <= cal_end:
        raise ValueError(f"observation_end ({obs_end:%Y-%m-%d}) must come after calibration_end ({cal_end:%Y-%m-%d})")
    in_cal = (dates <= cal_end).to_numpy()
    if not in_cal.any():
        raise ValueError(f"no transaction falls on or before calibration_end {cal_end:%Y-%m-%d}")
    cal_ordinal = int(_to_ordinal([cal_end], code)[0])
    ordinals = _to_ordinal(dates, code)
    vals = None if values is None else values.to_numpy(dtype=float)
    summary = _summarise(customers.to_numpy()[in_cal], ordinals[in_cal],
                         None if vals is None else vals[in_cal], cal_ordinal, period)
    summary.columns = [f"{c}_cal" for c in summary.columns]
    in_hold = ((dates > cal_end) & (dates <= obs_end)).to_numpy()
    if not in_hold.any():
        raise ValueError("no transaction falls in the hold-out period; check calibration_end and observation_end")
    hold = pd.DataFrame({"c": customers.to_numpy()[in_hold], "o": ordinals[in_hold]})
    summary["frequency_holdout"] = (hold.drop_duplicates().groupby("c").size()
                                    .reindex(summary.index, fill_value=0).astype(float).to_numpy())
    if vals is not None:
        hold["v"] = vals[in_hold]
        summary["monetary_value_holdout"] = (hold.groupby("c")["v"].mean()
                                             .reindex(summary.index, fill_value=0.0).to_numpy())
    summary["duration_holdout"] = float(int(_to_ordinal([obs_end], code)[0]) - cal_ordinal)
    summary.attrs["period"] = period
    return summary


# --- subscription panels -----------------------------------------------------------------------

PANEL_COLUMNS_FOR_RETENTION = ["cohort", "signup_month", "tenure_months", "churned"]


def observation_month(panel: pd.DataFrame) -> int:
    """The last observed month (months since the first cohort) of a subscription panel.

    Taken from ``panel.attrs["observation_month"]`` when present (the simulator sets it), else inferred:
    an active customer's last paid month is ``signup_month + tenure_months - 1``; a leaver's churn month
    ``signup_month + tenure_months`` was observed too.
    """
    if "observation_month" in panel.attrs:
        return int(panel.attrs["observation_month"])
    last_paid = panel["signup_month"] + panel["tenure_months"] - 1
    seen = np.where(panel["churned"].astype(bool), last_paid + 1, last_paid)
    return int(np.max(seen))


def _check_panel(panel: pd.DataFrame) -> None:
    _require_columns(panel, "panel", PANEL_COLUMNS_FOR_RETENTION)
    for col in ("signup_month", "tenure_months"):
        values = pd.to_numeric(panel[col], errors="coerce")
        bad = values.isna() | (values < (1 if col == "tenure_months" else 0)) | (values != np.round(values))
        if bad.any():
            allowed = ">= 1" if col == "tenure_months" else ">= 0"
            raise ValueError(f"panel column {col!r} must hold whole numbers {allowed}; rows {_rows(panel, bad)} do not")


def cohort_retention(panel: pd.DataFrame, *, observation_month_index: int | None = None) -> pd.DataFrame:
    """Customers still paying in each month of tenure, one row per sign-up cohort.

    Cell (cohort, t) counts the cohort's customers who paid in their t-th month after sign-up (t = 0 is the
    sign-up month, so column 0 is the cohort size): those with ``tenure_months > t``. Cells beyond the
    observation end are missing (``<NA>``): those months have not happened yet for that cohort.
    """
    _check_panel(panel)
    last = observation_month(panel) if observation_month_index is None else int(observation_month_index)
    signup = panel["signup_month"].to_numpy(dtype=int)
    tenure = panel["tenure_months"].to_numpy(dtype=int)
    if np.any(signup > last):
        raise ValueError(f"panel has sign-ups after the observation month {last}")
    cohorts = panel["cohort"].astype(str).to_numpy()
    order = pd.DataFrame({"cohort": cohorts, "signup": signup}).groupby("cohort")["signup"].min().sort_values()
    max_t = last - int(order.min())
    table = pd.DataFrame(index=pd.Index(order.index, name="cohort"),
                         columns=pd.RangeIndex(0, max_t + 1, name="month"), dtype="Int64")
    for cohort, start in order.items():
        mine = tenure[cohorts == cohort]
        observed = last - int(start) + 1
        counts = (mine[None, :] > np.arange(observed)[:, None]).sum(axis=1)
        table.loc[cohort, list(range(observed))] = counts
    table.attrs["period"] = "month"
    return table


def durations_from_panel(panel: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each subscriber's sBG duration and censoring flag (see :meth:`ShiftedBetaGeometric.fit_durations`).

    A leaver's duration is the month of tenure in which they did not renew (= months paid); a subscriber still
    active has survived ``tenure_months - 1`` renewals and is censored.
    """
    _check_panel(panel)
    churned = panel["churned"].astype(bool).to_numpy()
    tenure = panel["tenure_months"].to_numpy(dtype=int)
    return np.where(churned, tenure, tenure - 1), ~churned
