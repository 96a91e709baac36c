"""Contract account panels: accounts on fixed terms that can leave only when a term ends (sBG renewal)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy.stats import beta as beta_dist
from scipy.stats import nbinom, norm

from clvedu.simulate.attributes import BUSINESS_CHANNELS, TableAttributes, _draw_attributes, _market_attribute
from clvedu.simulate.common import _ids, _label, _seed_param, _start_period, _whole
from clvedu.units import ADJECTIVE, PERIODS_PER_YEAR, check_range, normalise_period

_MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class AccountData:
    """A synthetic account panel (``accounts``, one row per account) and its ``terms`` (one row per account
    and contract term)."""

    accounts: pd.DataFrame
    terms: pd.DataFrame


def _add_periods(dates: pd.DatetimeIndex, k: int, term: str) -> pd.DatetimeIndex:
    if term in _MONTHS_IN:
        return dates + pd.DateOffset(months=_MONTHS_IN[term] * k)
    return dates + pd.Timedelta(days=(7 if term == "week" else 1) * k)


def _stochastic_round(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """Whole numbers whose expectation is ``x``: floor(x), plus one with probability frac(x)."""
    base = np.floor(x)
    return (base + (rng.random(len(x)) < (x - base))).astype(int)


def account_panel(
    n_accounts: int,
    *,
    seats: float,
    price_per_seat: float,
    alpha: float,
    beta: float,
    price_period: str = "month",
    term: str = "year",
    seat_growth: float = 0.0,
    first_start: str = "2021-01",
    start_months: int = 24,
    observation_end: str | None = None,
    seed: int | np.random.SeedSequence = 0,
    id_prefix: str = "A",
    markets: Sequence[str] = (),
    attributes: TableAttributes | None = None,
    seat_dispersion: float = 1.5,
    price_spread: float = 0.1,
) -> AccountData:
    """Synthetic fixed-term contracts: accounts that can leave only when a term ends.

    Accounts start on a random day in the ``start_months`` months from ``first_start``; each signs a first term
    of one ``term`` and, at each term end before ``observation_end`` (default three terms after the last start),
    renews with probability 1 - theta, ``theta ~ beta(alpha, beta)`` (so cohorts follow the sBG model), or
    leaves on that date. Seats at the start are 1 + negative binomial with mean ``seats`` - 1 (dispersion
    ``seat_dispersion``; accounts more likely to leave are smaller), and grow by ``seat_growth`` at each
    renewal (rounded at random, so the expected growth is exact). Each account's price per seat (per
    ``price_period``) varies by a mean-preserving log-normal factor (``price_spread``) around ``price_per_seat``.

    ``accounts``: customer_id, start_date, market, acquisition_channel, the case's attributes, seats_at_start,
    seats (in the last term), price_per_seat_<period>, contract_value_<term> (seats x price over one term, last
    term), terms_started, terms_renewed, left, left_on, non_renewal_probability (known only because simulated).
    ``terms``: customer_id, term (1 = first), term_start, term_end, seats, contract_value_<term>, outcome
    (renewed, left, or running at the observation end).
    """
    n = _whole("n_accounts", n_accounts)
    seats = float(check_range("seats", seats, 1.0, None))
    price = float(check_range("price_per_seat", price_per_seat, 0.0, None, low_inclusive=False))
    check_range("alpha", alpha, 0.0, None, low_inclusive=False)
    check_range("beta", beta, 0.0, None, low_inclusive=False)
    growth = float(check_range("seat_growth", seat_growth, -1.0, None, low_inclusive=False))
    check_range("seat_dispersion", seat_dispersion, 0.0, None, low_inclusive=False)
    check_range("price_spread", price_spread, 0.0, None)
    price_period, term = normalise_period(price_period, "price_period"), normalise_period(term, "term")
    start_months = _whole("start_months", start_months)
    first = _start_period(first_start, "first_start", "M").start_time
    last_start = first + pd.DateOffset(months=start_months)
    end = (_add_periods(pd.DatetimeIndex([last_start]), 3, term)[0] if observation_end is None
           else pd.Timestamp(_start_period(observation_end, "observation_end", "D").start_time))
    if end < last_start:
        raise ValueError(f"observation_end {end.date()} is before the last start {last_start.date()}")
    attributes = attributes or TableAttributes()
    per_term = PERIODS_PER_YEAR[price_period] / PERIODS_PER_YEAR[term]  # price periods in one term

    rng = np.random.default_rng(seed)
    theta = np.clip(rng.beta(alpha, beta, n), 1e-12, 1.0)
    z = norm.ppf(np.clip(beta_dist.cdf(theta, alpha, beta), 1e-9, 1 - 1e-9))
    month = rng.integers(0, start_months, n)
    day = rng.integers(0, 28, n)
    start_month = np.datetime64(first.strftime("%Y-%m"), "M") + month.astype("timedelta64[M]")
    starts = pd.DatetimeIndex(start_month.astype("datetime64[D]") + day.astype("timedelta64[D]"))
    order = np.argsort(starts.values, kind="stable")
    starts, theta, z = starts[order], theta[order], z[order]
    u = norm.cdf(-0.4 * z + math.sqrt(1 - 0.16) * rng.normal(0.0, 1.0, n))
    if seats > 1:
        mu = seats - 1.0
        k = float(seat_dispersion)
        first_seats = 1 + nbinom.ppf(np.clip(u, 1e-12, 1 - 1e-12), k, k / (k + mu)).astype(int)
    else:
        first_seats = np.ones(n, dtype=int)
    price_each = np.round(price * np.exp(price_spread * rng.normal(0.0, 1.0, n) - price_spread ** 2 / 2), 2)

    current = first_seats.copy()
    running = np.ones(n, dtype=bool)  # still a customer
    left_on = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    renewed = np.zeros(n, dtype=int)
    started = np.ones(n, dtype=int)
    rows = []
    k = 1
    while True:
        term_start = _add_periods(starts, k - 1, term)
        term_end = _add_periods(starts, k, term)
        in_term = running & (started >= k)
        if not in_term.any():
            break
        decided = in_term & (term_end.values <= end.to_datetime64())
        leaves = decided & (rng.random(n) < theta)
        stays = decided & ~leaves
        idx = np.flatnonzero(in_term)
        rows.append(pd.DataFrame({
            "row": idx, "term": k, "term_start": term_start.values[idx], "term_end": term_end.values[idx],
            "seats": current[idx],
            "outcome": np.where(leaves[idx], "left", np.where(stays[idx], "renewed", "running")),
        }))
        left_on[leaves] = term_end.values[leaves]
        running &= ~leaves
        renewed += stays
        if stays.any():
            current[stays] = np.maximum(1, _stochastic_round(rng, current[stays] * (1.0 + growth)))
            started[stays] += 1
        k += 1
    ids = _ids(id_prefix, n).astype(str)
    market_attr = None if any(a.replaces == "market" for a in attributes.attributes) else _market_attribute(markets)
    drawn = _draw_attributes(rng, z, [BUSINESS_CHANNELS] + ([market_attr] if market_attr else []))
    drawn.update(_draw_attributes(rng, z, attributes.attributes))

    price_col = f"price_per_seat_{ADJECTIVE[price_period]}"
    value_col = f"contract_value_{ADJECTIVE[term]}"
    columns: dict[str, Any] = {"customer_id": ids, "start_date": starts.values.astype("datetime64[ns]")}
    if market_attr is not None:
        columns["market"] = drawn["market"]
    columns["acquisition_channel"] = drawn["acquisition_channel"]
    for attr in attributes.attributes:
        columns[attr.column] = drawn[attr.column]
    columns.update({
        "seats_at_start": first_seats, "seats": current, price_col: price_each,
        value_col: np.round(current * price_each * per_term, 2), "terms_started": started,
        "terms_renewed": renewed, "left": ~running, "left_on": left_on.to_numpy(),
        "non_renewal_probability": theta,
    })
    accounts = pd.DataFrame(columns)
    terms = pd.concat(rows, ignore_index=True)
    terms = terms.sort_values(["row", "term"], kind="stable").reset_index(drop=True)
    row = terms.pop("row").to_numpy()
    terms.insert(0, "customer_id", ids[row])
    terms.insert(terms.columns.get_loc("seats") + 1, value_col,
                 np.round(terms["seats"].to_numpy() * price_each[row] * per_term, 2))
    params = dict(alpha=float(alpha), beta=float(beta), seats=seats, price_per_seat=price, price_period=price_period,
                  term=term, seat_growth=growth, first_start=str(first.date()), start_months=start_months,
                  observation_end=str(end.date()), n_accounts=n, **_seed_param(seed))
    accounts = _label(accounts, **params)
    terms = _label(terms, **params)
    for frame in (accounts, terms):
        frame.attrs["money_columns"] = [c for c in (price_col, value_col) if c in frame.columns]
        frame.attrs["period"] = term
        frame.attrs["observation_end"] = str(end.date())
    accounts.attrs["labels"] = {attr.column: attr.label for attr in attributes.attributes}
    return AccountData(accounts, terms)
