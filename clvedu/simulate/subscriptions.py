"""Subscription panels: one row per subscriber, churn following the sBG model."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import beta as beta_dist
from scipy.stats import norm

from clvedu.simulate.attributes import CONSUMER_CHANNELS, TableAttributes, _draw_attributes, _market_attribute
from clvedu.simulate.columns import _panel_names
from clvedu.simulate.common import (
    _FREQ, _choose_p, _ids, _label, _period_label, _periods_per_year, _seed_param, _start_period, _whole,
)
from clvedu.simulate.plans import PlanOption, _calibrated_plan_probabilities, _plan_options
from clvedu.units import PERIODS_PER_YEAR, check_range, normalise_period


def subscription_panel(
    n_customers: int,
    *,
    alpha: float,
    beta: float,
    first_cohort: str = "2021-01",
    cohorts: int | None = None,
    observation_end: str | None = None,
    seed: int | np.random.SeedSequence = 0,
    plans: Mapping[str, float] | Sequence[PlanOption] | None = None,
    id_prefix: str = "S",
    period: str = "month",
    target_price: float | None = None,
    attributes: TableAttributes | None = None,
) -> pd.DataFrame:
    """A synthetic subscription panel, one row per subscriber, in periods of ``period`` (default ``month``).

    Subscribers join evenly over ``cohorts`` sign-up periods starting ``first_cohort`` (default two years'
    worth); the panel is observed up to ``observation_end`` (default a year after the last cohort, at least
    three periods). Each subscriber's churn probability per period, ``churn_propensity``, is drawn from
    beta(``alpha``, ``beta``); they pay in their sign-up period and renew each period with probability
    1 - churn_propensity. ``tenure_<period>s`` counts periods paid up to the observation end; ``churned`` says
    whether they left by then. ``churn_propensity`` is known only because the data are simulated.

    ``plans`` are :class:`PlanOption` (name, market, price per ``period``) or a mapping of name to price.
    Price-sensitive subscribers lean to cheaper plans; when ``target_price`` is given, every subscriber's plan
    choice is tilted by one common amount so that the expected average price equals it (when it lies between
    the cheapest and dearest plan; ``attrs["price_calibrated"]`` says whether it did). Columns for a monthly
    panel: customer_id, cohort, signup_month, plan, monthly_price, market (when the plans name markets),
    acquisition_channel, active_days_monthly (or the case's usage column), price_sensitivity, the case's own
    attributes, tenure_months, churned, churn_propensity.
    """
    n = _whole("n_customers", n_customers)
    check_range("alpha", alpha, 0.0, None, low_inclusive=False)
    check_range("beta", beta, 0.0, None, low_inclusive=False)
    period = normalise_period(period)
    freq = _FREQ[period]
    per_year = _periods_per_year(period)
    cohorts = max(4, 2 * per_year) if cohorts is None else _whole("cohorts", cohorts)
    first = _start_period(first_cohort, "first_cohort", freq)
    last_cohort = first + (cohorts - 1)
    end = (last_cohort + max(3, per_year) if observation_end is None
           else _start_period(observation_end, "observation_end", freq))
    if end < last_cohort:
        raise ValueError(f"observation_end {end} is before the last cohort {last_cohort}")
    last = (end - first).n
    options = _plan_options({"Plan A": 8.0, "Plan B": 12.0, "Plan C": 18.0} if plans is None else plans)
    attributes = attributes or TableAttributes()
    names = _panel_names(period)

    rng = np.random.default_rng(seed)
    theta = np.clip(rng.beta(alpha, beta, n), 1e-12, 1.0)
    z = norm.ppf(np.clip(beta_dist.cdf(theta, alpha, beta), 1e-9, 1 - 1e-9))
    signup = np.sort(rng.integers(0, cohorts, n))
    # numpy's geometric counts trials up to and including the first "success" (leaving): periods paid.
    lifetime = rng.geometric(theta)
    opportunities = last - signup
    churned = lifetime <= opportunities
    tenure = np.where(churned, lifetime, opportunities + 1)

    price_sensitivity = expit(0.9 * z + rng.normal(0.0, 0.8, n))
    if attributes.usage is None:
        days = max(1, int(round(365.0 / PERIODS_PER_YEAR[period])))
        usage_col, usage = names["usage"], rng.binomial(days, expit(-0.2 - 0.8 * z + rng.normal(0.0, 0.8, n)))
    else:
        spec = attributes.usage
        usage_col = spec.column
        usage = np.round(np.exp(np.log(spec.median) + spec.churn * z + rng.normal(0.0, spec.spread, n)), spec.decimals)
    replaced = {a.replaces for a in attributes.attributes}
    market_attr = None if "market" in replaced else _market_attribute([p.market for p in options])
    generic = [CONSUMER_CHANNELS] + ([market_attr] if market_attr else [])
    drawn = _draw_attributes(rng, z, generic)
    drawn.update(_draw_attributes(rng, z, attributes.attributes))

    prices = np.array([p.price for p in options], dtype=float)
    spread = (prices - prices.min()) / (np.ptp(prices) or 1.0)
    pref_dear = -3.0 * (price_sensitivity - 0.5)
    for attr in attributes.attributes:
        for level in attr.levels:
            if level.plan:
                pref_dear = pref_dear + level.plan * (drawn[attr.column] == level.name)
    prefs = pref_dear[:, None] * spread[None, :]
    if market_attr is not None:
        allowed = np.column_stack([(drawn["market"] == p.market) | (p.market is None) for p in options])
    else:
        allowed = np.ones((n, len(options)), dtype=bool)
    probs, tilt, calibrated = _calibrated_plan_probabilities(prefs, spread, allowed, prices, target_price)
    index = _choose_p(rng, list(range(len(options))), probs).astype(int)

    labels = _period_label(pd.period_range(first, periods=cohorts, freq=freq), period)
    columns: dict[str, Any] = {
        "customer_id": _ids(id_prefix, n).astype(str),
        "cohort": np.asarray(labels)[signup].astype(str),
        names["signup"]: signup.astype(int),
        "plan": np.array([options[i].name for i in index], dtype=object).astype(str),
        names["price"]: prices[index],
    }
    if market_attr is not None:
        columns["market"] = drawn["market"]
    columns["acquisition_channel"] = drawn["acquisition_channel"]
    columns[usage_col] = usage
    columns["price_sensitivity"] = np.round(price_sensitivity, 3)
    for attr in attributes.attributes:
        columns[attr.column] = drawn[attr.column]
    columns[names["tenure"]] = tenure.astype(int)
    columns["churned"] = churned.astype(bool)
    columns["churn_propensity"] = theta
    frame = pd.DataFrame(columns)
    if period == "month":
        frame.attrs["observation_month"] = int(last)
    frame.attrs["observation_index"] = int(last)
    frame.attrs["observation_end"] = str(end)
    frame.attrs["period"] = period
    frame.attrs["price_calibrated"] = bool(calibrated)
    frame.attrs["target_price"] = target_price
    frame.attrs["money_columns"] = [names["price"]]
    frame.attrs["labels"] = {attr.column: attr.label for attr in attributes.attributes}
    if attributes.usage is not None:
        frame.attrs["labels"][usage_col] = attributes.usage.label
    return _label(frame, alpha=float(alpha), beta=float(beta), period=period, first_cohort=str(first),
                  cohorts=cohorts, observation_end=str(end), n_customers=n, plans=len(options),
                  plan_tilt=round(tilt, 4), **_seed_param(seed))
