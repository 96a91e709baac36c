"""Each kind of table for one company of a case, with its parameters set from the case's figures.

These return the plain column names the book uses (``customer_id``, ``value``, ``monthly_price``); the
labelled tables ``clvedu simulate`` writes are in :mod:`clvedu.simulate.tables`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from clvedu.simulate.attributes import case_attributes
from clvedu.simulate.calibration import (
    MEMBERSHIP_PURCHASING, _feasible_heterogeneity, bgnbd_parameters_for_case, gamma_gamma_parameters,
    sbg_parameters_for_churn,
)
from clvedu.simulate.common import _periods_per_year, company_stream
from clvedu.simulate.contracts import AccountData, account_panel
from clvedu.simulate.plans import PlanOption, current_plans
from clvedu.simulate.purchases import PurchaseData, purchase_log
from clvedu.simulate.subscriptions import subscription_panel
from clvedu.units import normalise_period


def _company(case, company_id: str):
    companies = getattr(case, "companies", {})
    if company_id not in companies:
        raise ValueError(f"company_id {company_id!r} is not in the case; choose one of {', '.join(companies)}")
    return companies[company_id]


def _relationship(case, company_id: str) -> str:
    return getattr(_company(case, company_id), "relationship", "subscription") or "subscription"


def _prefix(company_id: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", company_id.upper())[:2] or "C"


def _stream_or_seed(seed, company_id: str, table: str):
    return seed if isinstance(seed, np.random.SeedSequence) else company_stream(seed, company_id, table)


def _figure_value(case, company_id: str, figure_id: str) -> float | None:
    figures = getattr(_company(case, company_id), "figures", {}) or {}
    fig = figures.get(figure_id)
    return None if fig is None or fig.value is None else float(fig.value)


def subscription_panel_from_case(case, company_id: str, n_customers: int = 5000, *, heterogeneity: float = 0.5,
                                 seed: int = 0, **kwargs) -> pd.DataFrame:
    """:func:`subscription_panel` for a subscription company of a case.

    The panel's period is the company's CLV period (the period of its churn). Churn: sBG parameters from
    :func:`sbg_parameters_for_churn` (matched after a year's tenure; ``heterogeneity`` is lowered when the
    churn is too high for it). Plans: :func:`current_plans`, the plan choice tilted so that the average price
    equals the company's revenue per customer where the plans allow it (a company without plans gets one
    plan, ``single plan``, at that revenue). Attributes: generic, plus the case's ``synthetic.yaml``.
    Keyword arguments go to :func:`subscription_panel` (``cohorts``, ``observation_end``, ``plans``, ...).
    The company's own random stream comes from ``seed`` (:func:`company_stream`).
    """
    if _relationship(case, company_id) != "subscription":
        raise ValueError(f"company {company_id!r} is a {_relationship(case, company_id)} company, not a subscription; "
                         "use simulate_company (or purchase_log_from_case / account_panel_from_case)")
    inputs = case.clv_inputs(company_id)
    period = normalise_period(getattr(inputs, "period", None) or inputs.churn.per)
    churn = float(np.asarray(inputs.churn.to(period).value))
    arpu = float(np.asarray(inputs.arpu.to(period).value))
    k = _periods_per_year(period)
    h = _feasible_heterogeneity(churn, heterogeneity, k)
    alpha, beta = sbg_parameters_for_churn(churn, h, tenure_periods=k)
    plans = kwargs.pop("plans", None)
    if plans is None:
        plans = current_plans(case, company_id, period) or [PlanOption("single plan", None, round(arpu, 2))]
    attributes = kwargs.pop("attributes", None) or case_attributes(case).get("subscription_panel")
    prefix = kwargs.pop("id_prefix", _prefix(company_id))
    panel = subscription_panel(n_customers, alpha=alpha, beta=beta, seed=_stream_or_seed(seed, company_id, "panel"),
                               plans=plans, id_prefix=prefix, period=period, target_price=kwargs.pop("target_price", arpu),
                               attributes=attributes, **kwargs)
    panel.attrs["parameters"].update(company_id=company_id, heterogeneity=h, seed=seed,
                                     churn_matched=churn, revenue_per_customer=arpu)
    panel.attrs["company_id"] = company_id
    return panel



def purchase_log_from_case(case, company_id: str, n_customers: int = 3000, *, seed: int = 0,
                           heterogeneity: float = 0.5, **kwargs) -> PurchaseData:
    """:func:`purchase_log` for a repeat-purchase company, or for a subscription company marked
    ``repeat_purchases: true`` (a retail membership).

    When the company has ``order_value``, ``purchase_frequency`` and ``active_retention`` figures (every
    repeat-purchase company does), buying follows :func:`bgnbd_parameters_for_case` and spend
    :func:`gamma_gamma_parameters`; otherwise the labelled assumptions :data:`MEMBERSHIP_PURCHASING`. Any
    parameter (r, alpha, a, b, p, q, v) can be overridden by keyword; other keywords go to :func:`purchase_log`.
    The company's own random stream comes from ``seed`` (:func:`company_stream`).
    """
    company = _company(case, company_id)
    rel = _relationship(case, company_id)
    if rel == "contract" or (rel == "subscription" and not getattr(company, "repeat_purchases", False)):
        raise ValueError(f"company {company_id!r} has no purchase log: it is a {rel} company"
                         + ("" if rel == "contract" else " not marked repeat_purchases: true"))
    values = {fid: _figure_value(case, company_id, fid) for fid in ("order_value", "purchase_frequency", "active_retention")}
    if all(v is not None for v in values.values()):
        from clvedu.clv import Frequency

        figs = company.figures
        period = normalise_period(figs["active_retention"].per)
        orders = Frequency(values["purchase_frequency"], figs["purchase_frequency"].per)
        frequency = float(np.asarray((orders if orders.per == period else orders.to(period)).value))
        retention = values["active_retention"]
        params = {**bgnbd_parameters_for_case(frequency, retention, period, heterogeneity=heterogeneity),
                  **gamma_gamma_parameters(values["order_value"])}
        source = {"purchase_frequency": frequency, "active_retention": retention, "order_value": values["order_value"],
                  "heterogeneity": heterogeneity}
    else:
        period = "week"
        params = dict(MEMBERSHIP_PURCHASING)
        source = {"assumed": "MEMBERSHIP_PURCHASING"}
    params.update({k: kwargs.pop(k) for k in list(kwargs) if k in MEMBERSHIP_PURCHASING})
    prefix = kwargs.pop("id_prefix", _prefix(company_id))
    markets = kwargs.pop("markets", [p.market for p in getattr(company, "plans", []) or [] if p.effective_until is None])
    attributes = kwargs.pop("attributes", None) or case_attributes(case).get("purchase_log")
    data = purchase_log(n_customers, seed=_stream_or_seed(seed, company_id, "purchase_log"), id_prefix=prefix,
                        period=kwargs.pop("period", period), markets=markets, attributes=attributes, **params, **kwargs)
    for frame in (data.transactions, data.members):
        frame.attrs["parameters"].update(company_id=company_id, seed=seed, **source)
        frame.attrs["company_id"] = company_id
    return data


def account_panel_from_case(case, company_id: str, n_accounts: int = 3000, *, seed: int = 0,
                            heterogeneity: float = 0.5, **kwargs) -> AccountData:
    """:func:`account_panel` for a contract company: its seats, price per seat (and its period), renewal rate
    (its period is the term; matched after a year's tenure by :func:`sbg_parameters_for_churn`) and
    ``seat_growth`` per term when given. The company's own random stream comes from ``seed``."""
    if _relationship(case, company_id) != "contract":
        raise ValueError(f"company {company_id!r} is a {_relationship(case, company_id)} company, not a contract")
    inputs = case.clv_inputs(company_id)
    term = normalise_period(inputs.period)
    figs = _company(case, company_id).figures
    seats = case.scenario_value(company_id, "seats", "base")
    price = case.scenario_value(company_id, "price_per_seat", "base")
    price_period = figs["price_per_seat"].per
    churn = 1.0 - float(np.asarray(inputs.retention.value))
    k = _periods_per_year(term)
    h = _feasible_heterogeneity(churn, heterogeneity, k)
    alpha, beta = sbg_parameters_for_churn(churn, h, tenure_periods=k)
    growth = 0.0 if inputs.growth is None else float(np.asarray(
        (inputs.growth if inputs.growth.per == term else inputs.growth.to(term)).value))
    if "seat_growth" in figs and figs["seat_growth"].per == term:
        growth = case.scenario_value(company_id, "seat_growth", "base")  # exact, without conversion noise
    company = _company(case, company_id)
    markets = kwargs.pop("markets", [p.market for p in getattr(company, "plans", []) or [] if p.effective_until is None])
    attributes = kwargs.pop("attributes", None) or case_attributes(case).get("account_panel")
    prefix = kwargs.pop("id_prefix", _prefix(company_id))
    data = account_panel(n_accounts, seats=seats, price_per_seat=price, price_period=price_period, term=term,
                         alpha=alpha, beta=beta, seat_growth=growth, seed=_stream_or_seed(seed, company_id, "accounts"),
                         id_prefix=prefix, markets=markets, attributes=attributes, **kwargs)
    for frame in (data.accounts, data.terms):
        frame.attrs["parameters"].update(company_id=company_id, seed=seed, heterogeneity=h, renewal_matched=1 - churn)
        frame.attrs["company_id"] = company_id
    return data
