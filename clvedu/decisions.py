"""How customers decide, as data and calculations: the B2C stages, choice rules, the funnel, brand switching, B2B.

* :func:`stage_table` - the five-stage consumer decision process with each company's techniques.
* :func:`choice_rules` - compensatory (weighted additive) and non-compensatory (conjunctive,
  lexicographic, elimination by aspects) rules over an attribute table, naming each rule's winner.
* :func:`funnel` - awareness to retained members, the cost of a paying member (CAC) and CLV / CAC.
* :func:`steady_state`, :func:`migration_clv` - a brand-switching Markov chain: long-run shares and
  CLV with migration between services (Pfeifer & Carraway 2000).
* :func:`buying_centre_table`, :func:`b2b_account_value` - buy classes, buying-centre roles and the
  value of a business account.

Case-specific content (techniques, ratings, conversion rates, the switching matrix) lives in the
case folder's ``journey.yaml`` (:mod:`clvedu.cases.journey`); this module holds only the methods.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from clvedu.cases.journey import B2C_STAGES, BUY_CLASSES, CLV_DRIVERS, FUNNEL_STEPS
from clvedu.clv import lifetime_value
from clvedu.units import Discount, Money, Retention, check_range, normalise_period

__all__ = [
    "stage_table", "risk_table", "attribute_table", "weighted_scores", "choice_rules", "funnel", "funnel_from_journey",
    "transition_matrix", "steady_state", "migration_clv", "buying_centre_table", "situations_table",
    "b2b_account_value",
]

TOLERANCE = 1e-9


# --- B2C stages -------------------------------------------------------------------------------------------

def stage_table(journey) -> pd.DataFrame:
    """One row per decision stage: stage, customer_does, one column per company (its techniques, joined
    by "; "), metric, clv_driver. Company columns are headed by the company's name."""
    names = journey.company_names or {}
    companies = list(names) or sorted({c for st in journey.b2c_stages for c in st.techniques})
    rows = []
    for st in journey.b2c_stages:
        row = {"stage": B2C_STAGES[st.stage], "customer_does": st.customer_does}
        for cid in companies:
            row[names.get(cid, cid)] = "; ".join(t.name for t in st.techniques.get(cid, [])) or "-"
        row["metric"] = st.metric
        row["clv_driver"] = CLV_DRIVERS[st.clv_driver]
        rows.append(row)
    return pd.DataFrame(rows)


def risk_table(journey) -> pd.DataFrame:
    """Perceived risks (risk, what) and how each company reduces them (one column per company name)."""
    names = journey.company_names or {}
    rows = []
    for risk in journey.perceived_risks:
        row = {"risk": risk.risk.capitalize(), "what": risk.what}
        for cid, text in risk.reducers.items():
            row[names.get(cid, cid)] = text
        rows.append(row)
    return pd.DataFrame(rows)


# --- choice rules -----------------------------------------------------------------------------------------

def attribute_table(journey, unit: str | None = "rating") -> pd.DataFrame:
    """The journey's attributes as a table: rows are company names, columns attribute ids.

    ``unit`` keeps only attributes with that unit (``None`` keeps all). ``attrs["labels"]`` maps each
    attribute id to its label.
    """
    names = journey.company_names or {}
    chosen = {aid: a for aid, a in journey.attributes.items() if unit is None or a.unit == unit}
    if not chosen:
        raise ValueError(f"the journey has no attributes with unit {unit!r}")
    companies = list(names) or sorted({c for a in chosen.values() for c in a.values})
    table = pd.DataFrame({aid: [a.values[c] for c in companies] for aid, a in chosen.items()},
                         index=pd.Index([names.get(c, c) for c in companies], name="service"))
    table.attrs["labels"] = {aid: a.label for aid, a in chosen.items()}
    return table


def _check_table(attribute_table: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(attribute_table, pd.DataFrame) or attribute_table.empty:
        raise ValueError("attribute_table must be a non-empty DataFrame: one row per option, one column per attribute")
    try:
        values = attribute_table.astype(float)
    except (TypeError, ValueError):
        raise ValueError("attribute_table must hold numbers (ratings where higher is better)") from None
    if not np.isfinite(values.to_numpy()).all():
        raise ValueError("attribute_table has a missing or infinite rating")
    return values


def _check_attributes(name: str, given, table: pd.DataFrame) -> None:
    unknown = [a for a in given if a not in table.columns]
    if unknown:
        raise ValueError(f"{name} names unknown attribute {unknown[0]!r}; the attributes are: {', '.join(map(str, table.columns))}")


def weighted_scores(attribute_table: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Weighted additive (compensatory) score of each option: sum over attributes of weight x rating.

    Weights must be non-negative, name known attributes and sum to 1 (attributes not named get weight
    0). A low rating on one attribute can be made up by high ratings elsewhere, which is what makes
    the rule compensatory (Fishbein-style multi-attribute model).
    """
    table = _check_table(attribute_table)
    _check_attributes("weights", weights, table)
    w = pd.Series({a: float(check_range(f"weight of {a}", v, 0.0)) for a, v in weights.items()}, dtype=float)
    if abs(w.sum() - 1.0) > TOLERANCE:
        raise ValueError(f"weights must sum to 1; they sum to {w.sum():g}")
    return (table[w.index] * w).sum(axis=1).rename("score")


def _best(scores: pd.Series) -> list[str]:
    top = scores.max()
    return [str(i) for i in scores.index[np.isclose(scores.to_numpy(), top, rtol=0, atol=TOLERANCE)]]


def choice_rules(attribute_table: pd.DataFrame, weights: Mapping[str, float], cutoffs: Mapping[str, float],
                 order: Sequence[str]) -> pd.DataFrame:
    """The option each decision rule picks, with the reason, over ratings where higher is better.

    Rules (Solomon; Schiffman & Kanuk):

    * **weighted additive** (compensatory): highest sum of weight x rating;
    * **conjunctive**: options meeting *every* cut-off are acceptable; if more than one is, the
      rule alone does not decide (winner "tie: ..."); if none, "none acceptable";
    * **lexicographic**: best on the most important attribute (first in ``order``); ties broken by
      the next attribute, and so on;
    * **elimination by aspects**: attributes taken in ``order``; options below an attribute's cut-off
      are dropped (attributes without a cut-off are skipped) until one is left; a step that would
      drop every option is skipped; if several remain at the end, the weighted score decides.

    Returns DataFrame[rule, kind, winner, reason].
    """
    table = _check_table(attribute_table)
    _check_attributes("cutoffs", cutoffs, table)
    _check_attributes("order", order, table)
    if len(order) == 0:
        raise ValueError("order must name at least one attribute, most important first")
    if len(set(order)) != len(order):
        raise ValueError("order must not name an attribute twice")
    scores = weighted_scores(table, weights)
    rows = []

    best = _best(scores)
    detail = ", ".join(f"{i} {s:.2f}" for i, s in scores.sort_values(ascending=False).items())
    rows.append(("Weighted additive", "compensatory", _name(best), f"weighted scores: {detail}"))

    passing = [str(i) for i in table.index if all(table.loc[i, a] >= c for a, c in cutoffs.items())]
    if len(passing) == 1:
        winner = passing[0]
    elif passing:
        winner = "tie: " + ", ".join(passing)
    else:
        winner = "none acceptable"
    failing = [f"{i} fails {a} ({table.loc[i, a]:g} < {c:g})" for i in table.index for a, c in cutoffs.items()
               if table.loc[i, a] < c]
    rows.append(("Conjunctive", "non-compensatory", winner,
                 "; ".join(failing) if failing else "every option meets every cut-off"))

    remaining = list(map(str, table.index))
    steps = []
    for a in order:
        col = table.loc[remaining, a]
        remaining = _best(col)
        steps.append(f"{a}: {', '.join(remaining)}")
        if len(remaining) == 1:
            break
    rows.append(("Lexicographic", "non-compensatory", _name(remaining), "; ".join(steps)))

    remaining = list(map(str, table.index))
    steps = []
    for a in order:
        if a not in cutoffs or len(remaining) == 1:
            continue
        kept = [i for i in remaining if table.loc[i, a] >= cutoffs[a]]
        if kept and len(kept) < len(remaining):
            dropped = [i for i in remaining if i not in kept]
            steps.append(f"{a} >= {cutoffs[a]:g} drops {', '.join(dropped)}")
            remaining = kept
    if len(remaining) > 1:
        remaining = _best(scores[remaining])
        steps.append("weighted score breaks the tie")
    rows.append(("Elimination by aspects", "non-compensatory", _name(remaining),
                 "; ".join(steps) if steps else "no aspect separates the options"))
    return pd.DataFrame(rows, columns=["rule", "kind", "winner", "reason"])


def _name(options: list[str]) -> str:
    return options[0] if len(options) == 1 else "tie: " + ", ".join(options)


# --- funnel -------------------------------------------------------------------------------------------------

def funnel(reached: float, rates: Mapping[str, float], cost_per_reached: float, *, trial_cost: float = 0.0,
           retention_to_horizon: float | None = None) -> pd.DataFrame:
    """Awareness -> consideration -> trial -> paid (-> retained): people at each stage and the cost per member.

    ``rates`` gives each step's conversion from the stage before it (``consideration``, ``trial``,
    ``paid``). Spending is ``reached x cost_per_reached`` plus ``trial_cost`` for each person who
    trials; the acquisition cost per paying member is spending / paid members. ``retention_to_horizon``
    (share of paid members still there at the horizon) adds a ``retained`` row.

    Returns DataFrame[stage, people, step_rate, share_of_reached]; ``attrs`` hold ``spend`` and
    ``cac`` (cost per paying member).
    """
    n = float(check_range("reached", reached, 0.0, None, low_inclusive=False))
    cost = float(check_range("cost_per_reached", cost_per_reached, 0.0))
    trial = float(check_range("trial_cost", trial_cost, 0.0))
    unknown = [s for s in rates if s not in FUNNEL_STEPS]
    if unknown:
        raise ValueError(f"rates names unknown stage {unknown[0]!r}; the stages are {', '.join(FUNNEL_STEPS)}")
    missing = [s for s in FUNNEL_STEPS if s not in rates]
    if missing:
        raise ValueError(f"rates needs the conversion for stage {missing[0]!r}")
    rows = [("awareness", n, 1.0)]
    people = n
    for stage in FUNNEL_STEPS:
        rate = float(check_range(f"rates[{stage!r}]", rates[stage], 0.0, 1.0))
        people *= rate
        rows.append((stage, people, rate))
    if retention_to_horizon is not None:
        kept = float(check_range("retention_to_horizon", retention_to_horizon, 0.0, 1.0))
        rows.append(("retained", people * kept, kept))
    table = pd.DataFrame(rows, columns=["stage", "people", "step_rate"])
    table["share_of_reached"] = table["people"] / n
    paid = float(table.loc[table["stage"] == "paid", "people"].iloc[0])
    if paid <= 0:
        raise ValueError("no one reaches the paid stage (a conversion rate is 0), so the cost per member is undefined")
    trialists = float(table.loc[table["stage"] == "trial", "people"].iloc[0])
    spend = n * cost + trialists * trial
    table.attrs.update(spend=spend, cac=spend / paid)
    return table


def funnel_from_journey(journey, case, company_id: str, scenario: str = "base") -> pd.DataFrame:
    """:func:`funnel` for one company of the case, with CLV / CAC.

    The ``retained`` row uses the case's churn compounded over the funnel's ``retained_after_months``
    (retention^months, constant hazard). ``attrs`` add ``clv_before_acquisition`` (timing ``end``),
    ``clv_to_cac`` (that value divided by the funnel's CAC) and ``case_acquisition_cost`` for comparison.
    """
    if company_id not in journey.funnel:
        raise ValueError(f"journey.yaml has no funnel for {company_id!r}; it has: {', '.join(journey.funnel)}")
    f = journey.funnel[company_id]
    x = case.clv_inputs(company_id, scenario)
    months = f.retained_after_months
    kept = float(Retention(float(x.retention.value), x.period).to("month").value) ** months
    table = funnel(f.reached.value, {k: v.value for k, v in f.steps.items()}, f.cost_per_reached.value,
                   trial_cost=f.trial_cost.value if f.trial_cost else 0.0, retention_to_horizon=kept)
    value = float(lifetime_value(x.margin, x.retention, x.discount,
                                 retention_cost=x.retention_cost if x.retention_cost is not None else 0.0,
                                 growth=x.growth))
    table.attrs.update(clv_before_acquisition=value, clv_to_cac=value / table.attrs["cac"],
                       case_acquisition_cost=x.acquisition_cost, retained_after_months=months)
    return table


# --- brand switching (Markov chain) -------------------------------------------------------------------------------

def _matrix(transitions) -> tuple[np.ndarray, list[str]]:
    if isinstance(transitions, pd.DataFrame):
        if list(transitions.index) != list(transitions.columns):
            raise ValueError("transitions must have the same states, in the same order, as rows and columns")
        states = [str(s) for s in transitions.index]
        p = transitions.to_numpy(dtype=float)
    else:
        p = np.asarray(transitions, dtype=float)
        states = [f"state {i}" for i in range(len(p))]
    if p.ndim != 2 or p.shape[0] != p.shape[1] or p.shape[0] == 0:
        raise ValueError(f"transitions must be a square matrix; got shape {p.shape}")
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise ValueError("transitions must hold probabilities in [0, 1]")
    sums = p.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-9)
    if bad.size:
        raise ValueError(f"each row of transitions must sum to 1; row {states[bad[0]]!r} sums to {sums[bad[0]]:.6g}")
    return p, states


def transition_matrix(journey) -> pd.DataFrame:
    """The journey's switching matrix as a DataFrame (rows: from, columns: to), states ordered as the case's
    companies then ``none``; ``attrs["period"]`` is the period of one step."""
    sw = journey.switching
    states = [c for c in (journey.company_names or {}) if c in sw.matrix] or [s for s in sw.matrix if s != "none"]
    states = states + ["none"]
    table = pd.DataFrame([[sw.matrix[a][b] for b in states] for a in states], index=states, columns=states)
    table.attrs["period"] = sw.period
    return table


def steady_state(transitions) -> pd.Series:
    """Long-run share of customers in each state of a regular Markov chain: pi P = pi with sum(pi) = 1.

    Solved as the least-squares solution of the stacked system [P' - I; 1'] pi = [0; 1] (numpy), which
    is exact for a chain with a unique stationary distribution. Raises ValueError if the chain has more
    than one (e.g. two absorbing states), because then the long run depends on where customers start.
    """
    p, states = _matrix(transitions)
    n = len(p)
    a = np.vstack([p.T - np.eye(n), np.ones((1, n))])
    b = np.concatenate([np.zeros(n), [1.0]])
    if np.linalg.matrix_rank(p.T - np.eye(n)) < n - 1:
        raise ValueError("transitions has more than one steady state (some states never reach each other)")
    pi, *_ = np.linalg.lstsq(a, b, rcond=None)
    pi = np.clip(pi, 0.0, None)
    return pd.Series(pi / pi.sum(), index=states, name="steady_state_share")


def migration_clv(transitions, margins, discount, *, period: str, timing: str = "end") -> pd.Series:
    """Expected discounted margin of a customer starting in each state, allowing for switching.

    Pfeifer & Carraway (2000), "Modeling customer relationships as Markov chains", J. Interactive
    Marketing 14(2): with transition matrix P over one ``period``, margin vector R (per period, 0 for
    "none") and discount rate d per the same period,

        end timing:    V = sum_{t>=1} (P / (1 + d))^t R = (I - P/(1+d))^-1 (P/(1+d)) R
        start timing:  V = sum_{t>=0} (P / (1 + d))^t R = (I - P/(1+d))^-1 R

    ``end`` matches :func:`clvedu.clv.lifetime_value`'s default: with a lost-for-good chain
    [[r, 1 - r], [0, 1]] and R = [m, 0] it gives m r / (1 + d - r). ``margins`` maps states to margin
    per period (numbers or ``Money`` over ``period``); ``discount`` is a ``Discount`` over ``period`` or a
    bare rate for that period.
    """
    p, states = _matrix(transitions)
    per = normalise_period(period, "period")
    if isinstance(discount, Discount):
        if discount.per != per:
            from clvedu.units import PeriodMismatchError

            raise PeriodMismatchError(f"discount is {discount.label} but the transitions are {per}ly steps; "
                                      f"convert it with discount.to({per!r})")
        d = float(discount.value)
    else:
        d = float(check_range("discount", discount, 0.0, None, low_inclusive=False))
    if d <= 0:
        raise ValueError("discount must be above 0 per period, or the discounted sum may not converge")
    if timing not in ("end", "start"):
        raise ValueError(f"timing must be 'end' or 'start'; got {timing!r}")
    if isinstance(margins, Mapping):
        unknown = [s for s in margins if s not in states]
        if unknown:
            raise ValueError(f"margins names unknown state {unknown[0]!r}; the states are {', '.join(states)}")
        values = []
        for s in states:
            m = margins.get(s, 0.0)
            if isinstance(m, Money):
                if m.per != per:
                    raise ValueError(f"margin of {s!r} is {m.label}; give it per {per} like the transitions")
                m = m.value
            values.append(float(check_range(f"margin of {s!r}", m)))
        r = np.array(values)
    else:
        r = np.asarray(margins, dtype=float)
        if r.shape != (len(states),):
            raise ValueError(f"margins must give one value per state ({len(states)}); got shape {r.shape}")
    q = p / (1.0 + d)
    solve_rhs = q @ r if timing == "end" else r
    value = np.linalg.solve(np.eye(len(states)) - q, solve_rhs)
    return pd.Series(value, index=states, name="clv_with_migration")


# --- B2B ------------------------------------------------------------------------------------------------------

def situations_table(journey) -> pd.DataFrame:
    """The B2B buy classes of the case: buy_class, what happens, techniques that fit."""
    return pd.DataFrame([{"buy_class": BUY_CLASSES[s.buy_class], "what": s.what, "techniques": s.techniques}
                         for s in journey.b2b.situations])


def buying_centre_table(journey) -> pd.DataFrame:
    """The buying-centre roles of the B2B scenario: role, who, cares_about, technique."""
    return pd.DataFrame([{"role": r.role.capitalize(), "who": r.who, "cares_about": r.cares_about,
                          "technique": r.technique} for r in journey.b2b.buying_centre])


def b2b_account_value(journey, case) -> dict[str, float]:
    """CLV of the B2B account: the seller's yearly margin from the partner, renewed each year.

    Yearly margin m = subscribers x fee per subscriber (converted to a year) x margin rate; the
    contract renews each year with probability r. The first year is contracted, so every account won
    pays it, and renewal decides the later years: CLV = m / (1 + d - r) - account cost (the contract
    convention of :mod:`clvedu.domain.relationships`, timing ``end_all``), with the case's discount
    rate per year. Also returns ``first_year_margin`` and ``expected_years`` = 1 / (1 - r).
    """
    if journey.b2b is None or journey.b2b.account is None:
        raise ValueError("journey.yaml has no b2b.account: add one (subscribers, fee_per_subscriber, margin_rate, "
                         "renewal, account_cost) to value a business account")
    acc = journey.b2b.account
    fee = acc.fee_per_subscriber
    if fee.per is None:
        raise ValueError("b2b.account.fee_per_subscriber needs per (month, year, ...)")
    fee_year = float(Money(fee.value, fee.per).to("year").value)
    margin = acc.subscribers.value * fee_year * acc.margin_rate.value
    per = acc.renewal.per or "year"
    renewal = Retention(acc.renewal.value, per).to("year")
    d = case.clv_inputs(journey.b2b.seller).discount.to("year")
    value = float(lifetime_value(Money(margin, "year"), renewal, d, acquisition_cost=acc.account_cost.value,
                                 timing="end_all"))
    return {"first_year_margin": margin, "renewal": float(renewal.value), "discount": float(d.value),
            "expected_years": 1.0 / (1.0 - float(renewal.value)), "account_cost": acc.account_cost.value,
            "clv": value}
