"""Recompute the reference values the tests compare the kit with, using the lifetimes package as the oracle.

The tests read only the files in this folder; they never import lifetimes, which is unmaintained and
not a dependency of the kit. This script is how the stored values were made, and how to remake them::

    .venv/bin/python -m pip install lifetimes==0.11.3     # only for this script
    .venv/bin/python tests/reference/regenerate.py        # data files and *.json, from lifetimes
    .venv/bin/python tests/reference/regenerate.py --check   # recompute and compare; exit 1 on any change

What it writes, all in this folder:

* the CDNOW data as lifetimes ships it: ``cdnow_summary.csv`` (2,357 customers: repeat purchases, recency
  and age T in weeks), ``cdnow_summary_with_spend.csv`` (the same customers with their mean repeat spend)
  and ``CDNOW_master.txt.gz`` (the full transaction log, 69,659 rows, gzip-compressed). The CDNOW data are
  the sample Fader, Hardie and Lee use in "Counting your customers the easy way" (2005);
* ``bgnbd_cdnow.json``: lifetimes' BG/NBD fit on the summary (parameters, the log-likelihood at them,
  expected purchases of a new customer, and P(alive) and expected purchases in the next 39 weeks for every
  tenth customer, with totals over all customers);
* ``gamma_gamma_cdnow.json``: lifetimes' Gamma-Gamma fit (parameters, expected mean spend) and its
  BG/NBD + Gamma-Gamma CLV over 12 months at 1% a month, sampled and totalled the same way;
* ``rfm_cdnow.json``: lifetimes' RFM summaries of the full log (weekly and daily) and its calibration and
  hold-out split: row count, a SHA-256 of the customer ids and of every whole-number column, sums, and
  every hundredth row.

``--unit-spec FILE`` also writes ``unit38_wording.json`` from a plain-text copy of the Unit 38 specification:
a SHA-256 fingerprint (first 16 hex digits) of every run of seven consecutive words, lowercased, letters
only. ``tests/test_rubric.py`` uses it to check that the rubric's summaries are written in the kit's own
words, without the specification's text being stored here. That file needs no lifetimes
(``--only-unit-spec`` skips the rest).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUMMARY_STEP = 10    # every tenth customer of the 2,357-customer summary
LOG_STEP = 100       # every hundredth customer of the 23,570 in the full log
OBSERVATION_END = "1998-06-30"
CALIBRATION_END = "1997-09-30"
RUN_WORDS = 7


# --- helpers shared with the tests' reading of these files (kept tiny and explicit) ----------------------

def sha256_of(values) -> str:
    """SHA-256 of the values written as text and joined by commas (whole numbers without a decimal point)."""
    return hashlib.sha256(",".join(str(v) for v in values).encode("utf-8")).hexdigest()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def run_fingerprints(text: str, length: int = RUN_WORDS) -> set[str]:
    w = words(text)
    return {hashlib.sha256(" ".join(w[i:i + length]).encode("utf-8")).hexdigest()[:16]
            for i in range(len(w) - length + 1)}


# --- the oracle ----------------------------------------------------------------------------------------

def _floats(series) -> list[float]:
    return [float(v) for v in series]


def table_reference(frame, step: int) -> dict:
    """Row count, id and column fingerprints, sums and a sample of rows of a per-customer table."""
    import numpy as np

    frame = frame.sort_index()
    ids = [str(i) for i in frame.index]
    columns = {}
    for name in frame.columns:
        values = frame[name].to_numpy(float)
        check = {"sum": float(values.sum()), "sum_of_squares": float((values ** 2).sum()),
                 "min": float(values.min()), "max": float(values.max())}
        if np.all(values == np.round(values)):
            check["sha256_of_whole_numbers"] = sha256_of(int(v) for v in values)
        columns[str(name)] = check
    sample = frame.iloc[::step]
    return {
        "rows": len(frame),
        "columns": [str(c) for c in frame.columns],
        "sha256_of_customer_ids": sha256_of(ids),
        "column_checks": columns,
        "sample_every": step,
        "sample": {"customer_id": [str(i) for i in sample.index],
                   **{str(c): _floats(sample[c]) for c in frame.columns}},
    }


def compute_lifetimes_references() -> dict[str, object]:
    """Everything lifetimes gives: {file name: JSON-able dict, or bytes for a data file}."""
    try:
        import lifetimes
    except ImportError:
        raise SystemExit("regenerate.py: lifetimes is not installed; "
                         "install it with `.venv/bin/python -m pip install lifetimes==0.11.3` (only for this script)")
    import numpy as np
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data

    warnings.simplefilter("ignore")
    datasets = Path(lifetimes.__file__).parent / "datasets"
    out: dict[str, object] = {
        "cdnow_summary.csv": (datasets / "cdnow_customers_summary.csv").read_bytes(),
        "cdnow_summary_with_spend.csv": (datasets / "cdnow_customers_summary_with_transactions.csv").read_bytes(),
        "CDNOW_master.txt.gz": gzip.compress((datasets / "CDNOW_master.txt").read_bytes(), 9, mtime=0),
    }
    provenance = f"lifetimes {lifetimes.__version__}, pandas {pd.__version__}, numpy {np.__version__}"

    # BG/NBD on the 2,357-customer summary (weeks)
    summary = pd.read_csv(datasets / "cdnow_customers_summary.csv", index_col=0)
    x, tx, T = summary["frequency"], summary["recency"], summary["T"]
    bg = BetaGeoFitter().fit(x, tx, T)
    params = bg.params_
    log_params = np.log(params[["r", "alpha", "a", "b"]].to_numpy(float))
    mean_nll = BetaGeoFitter._negative_log_likelihood(log_params, x.to_numpy(int), tx.to_numpy(float),
                                                      T.to_numpy(float), np.ones(len(x)), 0.0)
    t = [1.0, 10.0, 39.0, 78.0]
    alive = bg.conditional_probability_alive(x, tx, T)
    next39 = bg.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T)
    sample = summary.index[::SUMMARY_STEP]
    pos = np.arange(0, len(summary), SUMMARY_STEP)
    out["bgnbd_cdnow.json"] = {
        "made_with": provenance,
        "data": "cdnow_summary.csv (time unit: week)",
        "parameters": {k: float(params[k]) for k in ("r", "alpha", "a", "b")},
        "log_likelihood": float(-mean_nll * len(x)),
        "expected_purchases_new_customer": {"t_weeks": t, "value": _floats(bg.expected_number_of_purchases_up_to_time(
            np.array(t)))},
        "per_customer": {
            "sample_every": SUMMARY_STEP,
            "customer_id": [int(i) for i in sample],
            "probability_alive": _floats(np.asarray(alive)[pos]),
            "expected_purchases_next_39_weeks": _floats(np.asarray(next39)[pos]),
        },
        "totals": {"probability_alive": float(np.sum(alive)), "expected_purchases_next_39_weeks": float(np.sum(next39))},
    }

    # Gamma-Gamma and CLV on the summary with spend
    spend = pd.read_csv(datasets / "cdnow_customers_summary_with_transactions.csv")
    spend.columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    spend = spend.set_index("customer_id")
    x, tx, T, m = spend["frequency"], spend["recency"], spend["T"], spend["monetary_value"]
    repeat = x > 0
    gg = GammaGammaFitter().fit(x[repeat], m[repeat])
    mean_spend = gg.conditional_expected_average_profit(x, m)
    bg_spend = BetaGeoFitter().fit(x, tx, T)
    clv = gg.customer_lifetime_value(bg_spend, x, tx, T, m, time=12, discount_rate=0.01, freq="M")
    pos = np.arange(0, len(spend), SUMMARY_STEP)
    out["gamma_gamma_cdnow.json"] = {
        "made_with": provenance,
        "data": "cdnow_summary_with_spend.csv",
        "parameters": {k: float(gg.params_[k]) for k in ("p", "q", "v")},
        "clv_settings": {"horizon_months": 12, "discount_per_month": 0.01,
                         "time_unit_of_recency_and_T": "month (lifetimes' freq='M'; see the test)"},
        "per_customer": {
            "sample_every": SUMMARY_STEP,
            "customer_id": [int(i) for i in spend.index[::SUMMARY_STEP]],
            "expected_mean_spend": _floats(np.asarray(mean_spend)[pos]),
            "clv": _floats(np.asarray(clv)[pos]),
        },
        "totals": {"expected_mean_spend": float(np.sum(mean_spend)), "clv": float(np.sum(clv))},
    }

    # RFM summaries and the calibration/hold-out split of the full log
    log = pd.read_csv(datasets / "CDNOW_master.txt", sep=r"\s+", header=0,
                      names=["customer_id", "date", "quantity", "value"], dtype={"customer_id": str, "date": str})
    log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
    rfm = {"made_with": provenance, "data": "CDNOW_master.txt.gz", "log_rows": len(log),
           "observation_end": OBSERVATION_END, "summary": {}}
    for freq in ("W", "D"):
        table = summary_data_from_transaction_data(log, "customer_id", "date", "value",
                                                   observation_period_end=OBSERVATION_END, freq=freq)
        rfm["summary"][freq] = table_reference(table, LOG_STEP)
    split = calibration_and_holdout_data(log, "customer_id", "date", CALIBRATION_END, OBSERVATION_END,
                                         freq="W", monetary_value_col="value")
    rfm["calibration_holdout"] = {"calibration_end": CALIBRATION_END, "freq": "W", **table_reference(split, LOG_STEP)}
    out["rfm_cdnow.json"] = rfm
    return out


def unit_spec_reference(path: Path) -> dict:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    runs = sorted(run_fingerprints(text))
    return {
        "what": "fingerprints of every run of seven consecutive words of the Unit 38 specification "
                "(lowercased, letters only, joined by single spaces): first 16 hex digits of SHA-256",
        "run_words": RUN_WORDS,
        "runs": runs,
    }


def _encode(content) -> bytes:
    if isinstance(content, bytes):
        return content
    return (json.dumps(content, indent=1) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit-spec", metavar="FILE", help="plain text of the Unit 38 specification")
    parser.add_argument("--check", action="store_true", help="compare with the stored files instead of writing")
    parser.add_argument("--only-unit-spec", action="store_true", help="skip the lifetimes references")
    args = parser.parse_args(argv)

    files: dict[str, object] = {} if args.only_unit_spec else compute_lifetimes_references()
    if args.unit_spec:
        files["unit38_wording.json"] = unit_spec_reference(Path(args.unit_spec))
    changed = []
    for name, content in files.items():
        data = _encode(content)
        target = HERE / name
        if args.check:
            if not target.is_file() or target.read_bytes() != data:
                changed.append(name)
        else:
            target.write_bytes(data)
            print(f"wrote {target.relative_to(HERE.parents[1])} ({len(data):,} bytes)")
    if args.check:
        print("unchanged" if not changed else "differs: " + ", ".join(changed))
        return 1 if changed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
