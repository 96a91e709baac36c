"""A loaded case: look up figures, cite sources, tabulate them, and assemble CLV inputs.

Scenarios
---------
``clv_inputs(company, scenario)`` takes every input at its ``value`` for ``"base"``. For
``"low"`` it takes, wherever a figure gives a range, the end that *lowers* CLV, and for
``"high"`` the end that *raises* it (:data:`clvedu.domain.relationships.PESSIMISTIC_END`):
low revenue, price, seats, orders and margin, high churn, low active retention or renewal,
high acquisition and retention costs, high discount rate. So ``"low"`` is the pessimistic case
throughout, never a mixture of low numbers that pull CLV in opposite directions. A figure
without ``low``/``high`` keeps its value in every scenario.

Relationships
-------------
Every company's inputs come out in one shape, :class:`CLVInputs`, whatever its relationship
(:mod:`clvedu.domain.relationships`): revenue per customer per period, the margin rate, churn
and retention per period, and the timing convention its CLV uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from pydantic import model_validator

from clvedu.cases.checks import SCENARIOS, case_problems
from clvedu.cases.derive import resolve
from clvedu.cases.schema import CaseData, Figure, FieldProblems
from clvedu.domain.relationships import PESSIMISTIC_END, RELATIONSHIPS, Relationship
from clvedu.errors import UserError
from clvedu.units import Churn, Discount, Growth, Money, Retention, normalise_period


@dataclass(frozen=True)
class CLVInputs:
    """Everything the closed-form CLV formulas need for one company, all over one period.

    Every timed quantity is expressed per ``period``, the period of the company's churn, active
    retention or renewal rate (or the period asked for), so
    ``lifetime_value(x.margin, x.retention, x.discount, acquisition_cost=x.acquisition_cost, timing=x.timing)``
    combines like with like. ``arpu`` is revenue per customer per period whatever the relationship
    (order value x orders for repeat purchases, seats x price per seat for a contract) and
    ``margin = arpu x margin_rate``. ``timing`` is the convention of :func:`clvedu.clv.lifetime_value`
    the relationship uses (``end``, or ``end_all`` for contracts).
    """

    company: str
    scenario: str
    period: str
    arpu: Money
    margin_rate: float
    margin: Money
    churn: Churn
    retention: Retention
    discount: Discount
    acquisition_cost: float
    retention_cost: Money | None = None
    growth: Growth | None = None
    relationship: str = "subscription"
    timing: str = "end"
    noun: str = "customer"


def _format_date(text: str) -> str:
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return date(*parts).strftime("%-d %b %Y")
    if len(parts) == 2:
        return date(parts[0], parts[1], 1).strftime("%b %Y")
    return text


class Case(CaseData):
    """A validated case. Load it with :func:`clvedu.cases.load_case`."""

    @model_validator(mode="after")
    def _check_case(self) -> "Case":
        problems = case_problems(self)
        if problems:
            raise FieldProblems(problems)
        return self

    @property
    def path(self) -> Path | None:
        """The case folder (``None`` for a case built in memory)."""
        return self._path

    # --- look-ups -------------------------------------------------------------------------------

    def _owner_figures(self, owner: str) -> dict[str, Figure]:
        if owner == "shared":
            return self.shared
        if owner not in self.companies:
            raise UserError(f"unknown company {owner!r}; this case has {', '.join(self.companies)} (or 'shared')")
        return self.companies[owner].figures

    def figure(self, company_id: str, figure_id: str) -> Figure:
        """The figure ``figure_id`` of company ``company_id`` (``"shared"`` for case-level figures)."""
        figures = self._owner_figures(company_id)
        if figure_id not in figures:
            raise UserError(f"company {company_id!r} has no figure {figure_id!r}; it has: {', '.join(figures)}")
        return figures[figure_id]

    def citation(self, source_id: str) -> str:
        """A short citation: ``Netflix, Fourth-quarter 2023 letter to shareholders, 23 Jan 2024``."""
        if source_id not in self.sources:
            raise UserError(f"unknown source {source_id!r}; this case has: {', '.join(self.sources)}")
        src = self.sources[source_id]
        text = f"{src.publisher}, {src.title}"
        if src.reported_by:
            text += f", reported by {src.reported_by}"
        if src.date:
            text += f", {_format_date(src.date)}"
        return text

    def figure_sources(self, company_id: str, figure_id: str) -> list[str]:
        """Source ids behind a figure: its own for a reported one, its origins' for a derived one."""
        found: list[str] = []
        seen: set[tuple[str, str]] = set()
        todo = [(company_id, figure_id)]
        while todo:
            owner, fid = todo.pop(0)
            if (owner, fid) in seen:
                continue
            seen.add((owner, fid))
            fig = self.figure(owner, fid)
            if fig.kind != "derived" or fig.derive is None:
                if fig.source and fig.source not in found:
                    found.append(fig.source)
                continue
            todo += [t for ref in fig.derive.all_references() if (t := resolve(self, owner, ref)) is not None]
        return found

    def relationship_of(self, company_id: str) -> Relationship:
        """The :class:`~clvedu.domain.relationships.Relationship` of one company."""
        if company_id not in self.companies:
            raise UserError(f"unknown company {company_id!r}; this case has {', '.join(self.companies)}")
        return RELATIONSHIPS[self.companies[company_id].relationship]

    def noun(self, company_id: str | None = None) -> str:
        """The word for one customer: the company's own ``customer_noun``, else the case's."""
        if company_id is not None and self.companies[company_id].customer_noun:
            return self.companies[company_id].customer_noun  # type: ignore[return-value]
        return self.customer_noun

    def clv_figures(self, company_id: str) -> list[tuple[str, str]]:
        """(owner, figure id) of every figure the company's CLV reads, in the order of its formula."""
        rel = self.relationship_of(company_id)
        figures = self.companies[company_id].figures
        own = [(company_id, fid) for fid in rel.figures if fid in figures]
        return own + [("shared", "discount_rate")]

    def derivation(self, company_id: str, figure_id: str) -> str:
        """``churn_from_retention of renewal_after_first_year (to month)`` for a derived figure, else ``""``."""
        fig = self.figure(company_id, figure_id)
        if fig.derive is None:
            return ""
        to = f" (to {fig.derive.to})" if fig.derive.to else ""
        ends = f"; ends from {', '.join(fig.derive.ends_from)}" if fig.derive.ends_from else ""
        return f"{fig.derive.method} of {fig.derive.from_}{to}{ends}"

    # --- tables ---------------------------------------------------------------------------------

    def _owners(self):
        yield "shared", "case-wide", self.shared
        for cid, company in self.companies.items():
            yield cid, company.name, company.figures

    def reported_figures(self) -> pd.DataFrame:
        """One row per reported figure: company_id, company, id, label, value, unit, per, as_of,
        qualifier, source, citation."""
        rows = [
            {"company_id": cid, "company": name, "id": fid, "label": f.label, "value": f.value,
             "unit": f.unit, "per": f.per or "", "as_of": f.as_of or "", "qualifier": f.qualifier or "",
             "source": f.source, "citation": self.citation(f.source)}  # type: ignore[arg-type]
            for cid, name, figures in self._owners() for fid, f in figures.items() if f.kind == "reported"
        ]
        columns = ["company_id", "company", "id", "label", "value", "unit", "per", "as_of", "qualifier",
                   "source", "citation"]
        return pd.DataFrame(rows, columns=columns)

    def assumptions(self) -> pd.DataFrame:
        """One row per assumption or derived figure: company_id, company, id, label, value, unit, per,
        kind, low, high (NaN when no range), reason, derivation, source (the origin's, for derived)."""
        rows = [
            {"company_id": cid, "company": name, "id": fid, "label": f.label, "value": f.value,
             "unit": f.unit, "per": f.per or "", "kind": f.kind,
             "low": float("nan") if f.low is None else f.low, "high": float("nan") if f.high is None else f.high,
             "reason": f.reason, "derivation": self.derivation(cid, fid),
             "source": ", ".join(self.figure_sources(cid, fid))}
            for cid, name, figures in self._owners() for fid, f in figures.items() if f.kind != "reported"
        ]
        columns = ["company_id", "company", "id", "label", "value", "unit", "per", "kind", "low", "high",
                   "reason", "derivation", "source"]
        return pd.DataFrame(rows, columns=columns)

    def plans_table(self) -> pd.DataFrame:
        """Every plan of every company, in file order: company_id, company, name, price, per, market,
        effective_from, effective_until, ads, source, note."""
        rows = [
            {"company_id": cid, "company": c.name, "name": p.name, "price": p.price, "per": p.per or "",
             "market": p.market, "effective_from": p.effective_from or "", "effective_until": p.effective_until or "",
             "ads": p.ads, "source": p.source, "note": p.note or ""}
            for cid, c in self.companies.items() for p in c.plans
        ]
        columns = ["company_id", "company", "name", "price", "per", "market", "effective_from",
                   "effective_until", "ads", "source", "note"]
        return pd.DataFrame(rows, columns=columns)

    # --- CLV ------------------------------------------------------------------------------------

    def scenario_value(self, company_id: str, figure_id: str, scenario: str = "base") -> float:
        """A figure's value in a scenario (see the module notes: ``low`` is pessimistic for CLV)."""
        if scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}; got {scenario!r}")
        fig = self.figure(company_id, figure_id)
        if scenario == "base":
            return float(fig.value)  # type: ignore[arg-type]
        pessimistic = PESSIMISTIC_END.get(figure_id, "low")
        optimistic = "high" if pessimistic == "low" else "low"
        return float(fig.bound(pessimistic if scenario == "low" else optimistic))

    def clv_inputs(self, company_id: str, scenario: str = "base", *, period: str | None = None,
                   ends: dict[str, str] | None = None) -> CLVInputs:
        """The CLV inputs of one company in one scenario, every quantity over one period.

        ``ends`` sets single figures to one end of their range whatever the scenario:
        ``{"churn": "high"}`` (figure id -> ``low``, ``high`` or ``value``); the range sensitivity uses it.

        The period is the churn figure's period unless ``period`` is given. Money per period is
        rescaled (``$120 a year = $10 a month``), churn converted with a constant hazard and the
        annual discount rate compounded (``(1.10) ** (1/12) - 1`` a month).
        """
        rel = self.relationship_of(company_id)

        chosen = ends or {}

        def value(fid: str, owner: str = company_id) -> float:
            if fid in chosen:
                end = chosen[fid]
                if end not in ("low", "high", "value"):
                    raise ValueError(f"ends[{fid!r}] must be low, high or value; got {end!r}")
                return float(self.figure(owner, fid).bound("base" if end == "value" else end))
            return self.scenario_value(owner, fid, scenario)

        figures = self.companies[company_id].figures
        per = normalise_period(period, "period") if period else figures[rel.retention_figure].per

        def over_period(kind, fid: str, owner: str = company_id):
            quantity = kind(value(fid, owner), self.figure(owner, fid).per)
            # converting to the same period would only add rounding noise (0.022 -> 0.02200000000000002)
            return quantity if quantity.per == per else quantity.to(per)

        if rel.retention_is_churn:
            churn = over_period(Churn, rel.retention_figure)
        else:
            churn = over_period(Retention, rel.retention_figure).churn
        if rel.id == "subscription":
            arpu = over_period(Money, "arpu")
        elif rel.id == "repeat_purchase":
            from clvedu.clv import Frequency

            orders = over_period(Frequency, "purchase_frequency")
            arpu = Money(value("order_value") * float(orders.value), per)
        else:
            arpu = Money(value("seats") * float(over_period(Money, "price_per_seat").value), per)
        margin_rate = value("contribution_margin")
        discount = over_period(Discount, "discount_rate", "shared")
        retention_cost = over_period(Money, "retention_cost") if "retention_cost" in figures else None
        growth = over_period(Growth, rel.growth_figure) if rel.growth_figure in figures else None
        return CLVInputs(
            company=company_id,
            scenario=scenario,
            period=per,
            arpu=arpu,
            margin_rate=margin_rate,
            margin=Money(arpu.value * margin_rate, per),
            churn=churn,
            retention=churn.retention,
            discount=discount,
            acquisition_cost=value("acquisition_cost"),
            retention_cost=retention_cost,
            growth=growth,
            relationship=rel.id,
            timing=rel.timing,
            noun=self.noun(company_id),
        )
