"""Every synthetic table of a case, with the case's currency and customer noun in the column names, for
``clvedu simulate`` to write (one file per table and a line describing each column)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clvedu.simulate.common import _slug, company_stream, plural
from clvedu.simulate.from_case import (
    _company, _relationship, account_panel_from_case, purchase_log_from_case, subscription_panel_from_case,
)
from clvedu.units import ADJECTIVE


@dataclass(frozen=True)
class SyntheticTable:
    """One table for ``clvedu simulate``: its data with case-labelled column names and a line per column."""

    company_id: str
    name: str
    frame: pd.DataFrame
    columns: dict[str, str]
    parameters: dict
    description: str
    method: str = ""

    @property
    def file_name(self) -> str:
        return f"{self.company_id}_synthetic_{self.name}.csv"


def _column_text(column: str, ctx: dict) -> str:
    """A description of a generic column, in the case's words."""
    period, adj = ctx["period"], ADJECTIVE.get(ctx["period"], ctx["period"])
    fixed = {
        "customer_id": "synthetic {noun} identifier",
        "cohort": "the " + period + " the {noun} joined",
        f"signup_{period}": period + "s from the first cohort to the {noun}'s first " + period + " (0 = first cohort)",
        "plan": "the {noun}'s plan (the case's current plans)",
        f"{adj}_price": "price of the plan, {currency} a " + period,
        "market": "market whose prices the {noun} pays (from the case's plans)",
        "acquisition_channel": "how the {noun} was won (assumed channels)",
        f"active_days_{adj}": "days a " + period + " the {noun} uses the service",
        "price_sensitivity": "price sensitivity score, 0 (none) to 1 (very)",
        f"tenure_{period}s": period + "s paid for up to the end of the data",
        "churned": "whether the {noun} had left by the end of the data",
        "churn_propensity": "the {noun}'s true chance of leaving each " + period + " (known only because simulated)",
        "date": "date of the order",
        "value": "value of the order, {currency}",
        "joined": "date of the {noun}'s first order",
        "orders": "orders the {noun} placed in the log",
        f"purchase_rate_{adj}": "orders a " + period + " while active (known only because simulated)",
        "dropout_probability": "chance of stopping for good after each repeat order (known only because simulated)",
        "mean_order_value": "the {noun}'s true mean order value, {currency} (known only because simulated)",
        "dropped_out": "date the {noun} stopped buying for good; empty if still active (known only because simulated)",
        "start_date": "date the {noun}'s first contract started",
        "seats_at_start": "seats in the first contract",
        "seats": "seats in the latest contract term",
        "terms_started": "contract terms started, the first included",
        "terms_renewed": "times the {noun} renewed",
        "left": "whether the {noun} had left (did not renew) by the end of the data",
        "left_on": "date the {noun} left (a term end); empty if still a {noun}",
        "non_renewal_probability": "the {noun}'s true chance of not renewing at each term end (known only because simulated)",
        "term": "contract term number (1 = the first)",
        "term_start": "date the term started",
        "term_end": "date the term ends",
        "outcome": "renewed, left, or running (the term had not ended when the data end)",
    }
    if ctx.get("table") == "contract_terms" and column == "seats":
        return "seats in this term"
    if ctx.get("table") == "contract_terms" and column.startswith("contract_value_"):
        return "seats x price per seat over this term ({term}), {currency}"
    if column.startswith("price_per_seat_"):
        per = {a: p for p, a in ADJECTIVE.items()}.get(column.removeprefix("price_per_seat_"), "period")
        return "price per seat, {currency} a " + per
    if column.startswith("contract_value_"):
        return "seats x price per seat over one contract term ({term}) in the latest term, {currency}"
    return fixed.get(column, column.replace("_", " "))


def _labelled(company_id: str, name: str, frame: pd.DataFrame, ctx: dict, description: str,
              method: str = "") -> SyntheticTable:
    currency = ctx["currency"]
    rename = {"customer_id": f"{_slug(ctx['noun'])}_id"}
    for col in frame.attrs.get("money_columns", []):
        base = "order_value" if col == "value" else col
        rename[col] = f"{base}_{currency.lower()}"
    labels = frame.attrs.get("labels", {})
    words = {"noun": ctx["noun"], "currency": currency, "term": ctx.get("term", "")}

    def fill(text: str) -> str:
        for key, word in words.items():
            text = text.replace("{" + key + "}", word)
        return text

    columns = {rename.get(c, c): fill(labels.get(c) or _column_text(c, ctx)) for c in frame.columns}
    out = frame.rename(columns=rename)
    out.attrs = dict(frame.attrs)
    return SyntheticTable(company_id, name, out, columns, dict(frame.attrs.get("parameters", {})), description, method)


def simulate_company(case, company_id: str, n_customers: int = 5000, *, seed: int = 0,
                     heterogeneity: float = 0.5) -> list[SyntheticTable]:
    """Every synthetic table of one company, labelled with the case's currency and customer noun.

    subscription: ``subscription_panel`` (and ``purchase_log`` plus a customers table when the company is
    marked ``repeat_purchases``); repeat_purchase: ``purchase_log`` and a customers table named by the noun
    (``shoppers``); contract: ``account_panel`` and ``contract_terms``.
    """
    company_stream(seed, company_id)  # checks the seed
    rel = _relationship(case, company_id)
    noun = case.noun(company_id) if hasattr(case, "noun") else getattr(case, "customer_noun", "customer")
    currency = getattr(case, "currency", "money")
    name = getattr(_company(case, company_id), "name", company_id)
    tables: list[SyntheticTable] = []
    if rel == "subscription":
        panel = subscription_panel_from_case(case, company_id, n_customers, heterogeneity=heterogeneity, seed=seed)
        ctx = dict(period=panel.attrs["period"], noun=noun, currency=currency)
        period = panel.attrs["period"]
        price = ("the plan choice is tilted so that the average price is the case's revenue per " + noun
                 if panel.attrs["price_calibrated"] else
                 "the plans keep their own prices, which cannot average the case's revenue per " + noun)
        tables.append(_labelled(company_id, "subscription_panel", panel, ctx,
                                f"one row per {noun} of {name}: plan, price, attributes, tenure and whether they left",
                                f"churn per {period} is the case's among {plural(noun)} with a year's tenure (sBG); "
                                + price))
    if rel == "repeat_purchase" or (rel == "subscription" and getattr(_company(case, company_id), "repeat_purchases", False)):
        data = purchase_log_from_case(case, company_id, n_customers, seed=seed, heterogeneity=heterogeneity)
        ctx = dict(period=data.members.attrs["period"], noun=noun, currency=currency)
        if "assumed" in data.transactions.attrs["parameters"]:
            method = ("the case gives no purchase figures for this company, so buying and spending follow "
                      "assumed membership parameters (about ten orders a year while active)")
        else:
            period = data.members.attrs["period"]
            method = (f"the mean order value is the case's; the purchase rate while active is its purchase "
                      f"frequency; a new {noun}'s chance of still buying one {period} after the first order is "
                      "its active retention (BG/NBD)")
        tables.append(_labelled(company_id, "purchase_log", data.transactions, ctx,
                                f"one row per order by a {noun} of {name} (BG/NBD buying, Gamma-Gamma order values)",
                                method))
        tables.append(_labelled(company_id, _slug(plural(noun)), data.members, ctx,
                                f"one row per {noun} of {name} in the purchase log", method))
    if rel == "contract":
        data = account_panel_from_case(case, company_id, n_customers, seed=seed, heterogeneity=heterogeneity)
        term = data.accounts.attrs["period"]
        ctx = dict(period=term, noun=noun, currency=currency, term=f"one {term}")
        method = (f"{plural(noun)} can leave only when a {term}-long term ends; renewal at the term end after a "
                  "year's tenure is the case's renewal rate (sBG); seats and price per seat average the case's, "
                  "and seats grow by the case's seat growth at each renewal")
        tables.append(_labelled(company_id, "account_panel", data.accounts, ctx,
                                f"one row per {noun} of {name}: seats, price per seat, renewals and whether they left",
                                method))
        tables.append(_labelled(company_id, "contract_terms", data.terms, {**ctx, "table": "contract_terms"},
                                f"one row per contract term of a {noun} of {name}", method))
    return tables


def simulate_case(case, n_customers: int = 5000, *, seed: int = 0, heterogeneity: float = 0.5) -> list[SyntheticTable]:
    """:func:`simulate_company` for every company of the case, in file order."""
    return [t for cid in case.companies for t in simulate_company(case, cid, n_customers, seed=seed,
                                                                    heterogeneity=heterogeneity)]
