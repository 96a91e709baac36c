"""Purchase logs: one row per order, buying following the BG/NBD model and spending the Gamma-Gamma model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from clvedu.simulate.attributes import CONSUMER_CHANNELS, TableAttributes, _draw_attributes, _market_attribute
from clvedu.simulate.common import _ids, _label, _normal_scores, _seed_param, _weeks_in, _whole
from clvedu.units import ADJECTIVE, check_range, normalise_period


@dataclass(frozen=True)
class PurchaseData:
    """A synthetic purchase log (``transactions``: customer_id, date, value) and its customers table
    (``members``, also available as ``customers``)."""

    transactions: pd.DataFrame
    members: pd.DataFrame

    @property
    def customers(self) -> pd.DataFrame:
        return self.members


def purchase_log(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    p: float,
    q: float,
    v: float,
    start: str = "2024-01-01",
    weeks: int = 78,
    join_weeks: int = 13,
    seed: int | np.random.SeedSequence = 0,
    id_prefix: str = "P",
    period: str = "week",
    markets: Sequence[str] = (),
    attributes: TableAttributes | None = None,
) -> PurchaseData:
    """Synthetic transactions from the BG/NBD model (time in weeks) with Gamma-Gamma spend.

    Customer i joins with a first purchase at a uniform time in the first ``join_weeks`` weeks after ``start``.
    While active they buy at Poisson rate ``lambda_i ~ gamma(r, rate alpha)`` per week; after each *repeat*
    purchase they become inactive for good with probability ``p_i ~ beta(a, b)``. Each purchase's value is
    ``gamma(p, rate nu_i)`` with ``nu_i ~ gamma(q, rate v)``, so the customer's mean spend is ``p / nu_i``
    and the population's ``p v / (q - 1)``. The log runs ``weeks`` weeks.

    The customers table holds when each joined, generic attributes (``market`` from ``markets``, how they were
    won) and the case's own, the number of orders in the log, and what only a simulation knows: the purchase
    rate per ``period`` while active, the drop-out probability, the mean order value and the date they dropped
    out (empty while still active at the end of the log).
    """
    n = _whole("n_customers", n_customers)
    for name, value in dict(r=r, alpha=alpha, a=a, b=b, p=p, q=q, v=v).items():
        check_range(name, value, 0.0, None, low_inclusive=False)
    weeks = _whole("weeks", weeks)
    join_weeks = _whole("join_weeks", join_weeks)
    if join_weeks > weeks:
        raise ValueError(f"join_weeks must not exceed weeks; got join_weeks={join_weeks}, weeks={weeks}")
    try:
        start_ts = pd.Timestamp(start)
    except (ValueError, TypeError):
        raise ValueError(f"start must be a date such as '2024-01-01'; got {start!r}") from None
    period = normalise_period(period)
    attributes = attributes or TableAttributes()

    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1.0 / alpha, n)
    dropout = rng.beta(a, b, n)
    nu = rng.gamma(q, 1.0 / v, n)
    joined = rng.uniform(0.0, float(join_weeks), n)
    horizon = float(weeks)

    customer_parts = [np.arange(n)]
    time_parts = [joined]
    current = joined.copy()
    dropped_at = np.full(n, np.nan)
    active = np.arange(n)
    while active.size:
        current_active = current[active] + rng.exponential(1.0, active.size) / np.maximum(rate[active], 1e-300)
        bought = current_active < horizon
        active, current_active = active[bought], current_active[bought]
        customer_parts.append(active)
        time_parts.append(current_active)
        current[active] = current_active
        stays = rng.random(active.size) >= dropout[active]
        dropped_at[active[~stays]] = current_active[~stays]
        active = active[stays]
    who = np.concatenate(customer_parts)
    when = np.concatenate(time_parts)
    value = rng.gamma(p, 1.0 / nu[who])
    order = np.lexsort((when, who))
    ids = _ids(id_prefix, n)

    def dates(weeks_from_start: np.ndarray) -> pd.Series:
        return pd.Series(start_ts + pd.to_timedelta(np.floor(weeks_from_start * 7.0), unit="D")).astype("datetime64[ns]")

    transactions = pd.DataFrame({
        "customer_id": ids[who[order]].astype(str),
        "date": dates(when[order]).to_numpy(),
        "value": np.round(value[order], 2),
    })
    transactions = transactions[transactions["value"] > 0].reset_index(drop=True)

    z = _normal_scores(dropout)
    market_attr = None if any(a.replaces == "market" for a in attributes.attributes) else _market_attribute(markets)
    drawn = _draw_attributes(rng, z, [CONSUMER_CHANNELS] + ([market_attr] if market_attr else []))
    drawn.update(_draw_attributes(rng, z, attributes.attributes))
    counts = transactions["customer_id"].value_counts()
    adj = ADJECTIVE[period]
    columns: dict[str, Any] = {"customer_id": ids.astype(str), "joined": dates(joined).to_numpy()}
    if market_attr is not None:
        columns["market"] = drawn["market"]
    columns["acquisition_channel"] = drawn["acquisition_channel"]
    for attr in attributes.attributes:
        columns[attr.column] = drawn[attr.column]
    columns["orders"] = counts.reindex(ids.astype(str), fill_value=0).to_numpy().astype(int)
    columns[f"purchase_rate_{adj}"] = np.round(rate * _weeks_in(period), 6)
    columns["dropout_probability"] = np.round(dropout, 6)
    columns["mean_order_value"] = np.round(p / nu, 2)
    columns["dropped_out"] = dates(dropped_at).to_numpy()
    members = pd.DataFrame(columns)
    params = dict(r=float(r), alpha=float(alpha), a=float(a), b=float(b), p=float(p), q=float(q), v=float(v),
                  start=str(start_ts.date()), weeks=weeks, join_weeks=join_weeks, n_customers=n, **_seed_param(seed))
    transactions = _label(transactions, **params)
    transactions.attrs["observation_end"] = str((start_ts + pd.Timedelta(weeks=weeks) - pd.Timedelta(days=1)).date())
    transactions.attrs["money_columns"] = ["value"]
    transactions.attrs["period"] = "week"
    members = _label(members, **params)
    members.attrs["money_columns"] = ["mean_order_value"]
    members.attrs["period"] = period
    members.attrs["labels"] = {attr.column: attr.label for attr in attributes.attributes}
    return PurchaseData(transactions, members)
