"""The three customer relationships a case can describe, the figures each needs and the words that fit each.

=================  ==========================================================  ===============================
relationship       margin per period (m)                                       CLV (per new customer)
=================  ==========================================================  ===============================
``subscription``   arpu x contribution_margin - retention_cost                  m r / (1 + d - r (1 + g)) - AC
``repeat_purchase`` order_value x purchase_frequency x contribution_margin       m r / (1 + d - r (1 + g)) - AC
                   - retention_cost
``contract``       seats x price_per_seat (over the term) x contribution_margin  m / (1 + d - r (1 + g)) - AC
                   - retention_cost
=================  ==========================================================  ===============================

r is the share that stays one more period (1 - churn, the active retention, or the renewal rate), d the
discount rate over the same period (converted by compounding), g the growth of the gross margin per period
(``margin_growth``, or ``seat_growth`` for a contract) and AC the one-off acquisition cost. A retention
cost does not grow. Subscriptions and repeat purchases keep the timing of Gupta & Lehmann (2003): each
period's stay-or-leave decision comes first and its margin arrives at the end of the period, from those who
stayed (timing ``end`` of :func:`clvedu.clv.lifetime_value`). A contract's first term is signed, so every
account won pays it; renewal decides the later terms (timing ``end_all``).

A repeat-purchase customer never cancels: nobody observes them leaving, so ``active_retention`` is the
firm's judgement of the share still buying a period later (Fader, Hardie & Lee 2005 model it as BG/NBD
drop-out), not a measured rate.
"""

from __future__ import annotations

from dataclasses import dataclass

RELATIONSHIP_IDS = ("subscription", "repeat_purchase", "contract")


@dataclass(frozen=True)
class FigureNeed:
    """What a relationship needs of one figure: its unit family, whether it needs a period, and what it is.

    Families: ``money`` (the case currency, unscaled), ``share`` (0 to 1), ``rate`` (above -1),
    ``orders`` and ``seats`` (counts whose unit must be that word).
    """

    family: str
    needs_per: bool
    meaning: str
    once: bool = False  # paid once (an acquisition cost): must not have a period


@dataclass(frozen=True)
class Relationship:
    """One kind of customer relationship: figures, CLV timing and wording."""

    id: str
    label: str
    required: dict[str, FigureNeed]
    optional: dict[str, FigureNeed]
    retention_figure: str
    retention_is_churn: bool
    growth_figure: str
    timing: str
    # wording, chosen by renderers so that no template is written for one relationship
    leave_verb: str          # after "will", "may": "cancel", "stop buying", "not renew"
    leaves: str              # after a plural subject: "cancel", "stop buying", "do not renew"
    leaves_one: str          # after a singular subject: "cancels", "stops buying", "does not renew"
    leaving_noun: str        # "churn", "lapse", "non-renewal"
    stay_noun: str           # "retention", "active retention", "renewal rate"
    period_word: str         # "billing period", "period", "contract term"
    join_verb: str           # "subscribe", "make a first purchase", "sign a contract"
    revenue_label: str       # "revenue per customer", "spend per customer", "contract value per account"
    retention_evidence: str  # how the stay-or-leave figure is known, in one clause
    first_payment: str       # the timing convention, in words

    @property
    def figures(self) -> dict[str, FigureNeed]:
        return {**self.required, **self.optional}

    def revenue_per(self, noun: str) -> str:
        """The revenue label with the case's own noun: ``"spend per shopper"``, ``"contract value per client"``."""
        head, _, _ = self.revenue_label.rpartition(" per ")
        return f"{head} per {noun}" if head else self.revenue_label


_MARGIN = FigureNeed("share", False, "share of revenue kept as contribution margin")
_ACQUISITION = FigureNeed("money", False, "one-off cost of winning a customer", once=True)
_RETENTION_COST = FigureNeed("money", True, "cost of keeping a customer, per period")
_GROWTH = FigureNeed("rate", True, "growth of the margin per period")

RELATIONSHIPS: dict[str, Relationship] = {
    "subscription": Relationship(
        id="subscription",
        label="Subscription",
        required={
            "arpu": FigureNeed("money", True, "average revenue per customer per period"),
            "contribution_margin": _MARGIN,
            "churn": FigureNeed("share", True, "share of customers cancelling per period"),
            "acquisition_cost": _ACQUISITION,
        },
        optional={"retention_cost": _RETENTION_COST, "margin_growth": _GROWTH},
        retention_figure="churn",
        retention_is_churn=True,
        growth_figure="margin_growth",
        timing="end",
        leave_verb="cancel",
        leaves="cancel",
        leaves_one="cancels",
        leaving_noun="churn",
        stay_noun="retention",
        period_word="billing period",
        join_verb="subscribe",
        revenue_label="revenue per customer",
        retention_evidence="subscribers cancel, so the firm sees who leaves each period",
        first_payment="first margin at the end of the first period, from those who stay (Gupta & Lehmann 2003)",
    ),
    "repeat_purchase": Relationship(
        id="repeat_purchase",
        label="Repeat purchase (no contract)",
        required={
            "order_value": FigureNeed("money", False, "average spend per order"),
            "purchase_frequency": FigureNeed("orders", True, "orders per active customer per period"),
            "contribution_margin": _MARGIN,
            "active_retention": FigureNeed("share", True, "share of active customers still buying a period later"),
            "acquisition_cost": _ACQUISITION,
        },
        optional={"retention_cost": _RETENTION_COST, "margin_growth": _GROWTH},
        retention_figure="active_retention",
        retention_is_churn=False,
        growth_figure="margin_growth",
        timing="end",
        leave_verb="stop buying",
        leaves="stop buying",
        leaves_one="stops buying",
        leaving_noun="lapse",
        stay_noun="active retention",
        period_word="period",
        join_verb="make a first purchase",
        revenue_label="spend per customer",
        retention_evidence="shoppers never cancel, so who is still active is the firm's judgement, not an observation",
        first_payment="first margin at the end of the first period, from those still buying (Gupta & Lehmann 2003)",
    ),
    "contract": Relationship(
        id="contract",
        label="Fixed-term contract",
        required={
            "seats": FigureNeed("seats", False, "seats (users, employees or units) under contract per account"),
            "price_per_seat": FigureNeed("money", True, "price per seat per period"),
            "contribution_margin": _MARGIN,
            "renewal_rate": FigureNeed("share", True, "share of accounts renewing at each term end (per: the term)"),
            "acquisition_cost": _ACQUISITION,
        },
        optional={"retention_cost": FigureNeed("money", True, "cost of keeping an account, per term"),
                  "seat_growth": FigureNeed("rate", True, "growth in seats per account per term")},
        retention_figure="renewal_rate",
        retention_is_churn=False,
        growth_figure="seat_growth",
        timing="end_all",
        leave_verb="not renew",
        leaves="do not renew",
        leaves_one="does not renew",
        leaving_noun="non-renewal",
        stay_noun="renewal rate",
        period_word="contract term",
        join_verb="sign a first contract",
        revenue_label="contract value per account",
        retention_evidence="accounts can leave only when a term ends, so renewals are counted at each term end",
        first_payment="every account won pays its first term; renewal decides each later term",
    ),
}
"""The relationships by id."""

PESSIMISTIC_END = {
    "arpu": "low", "order_value": "low", "purchase_frequency": "low", "seats": "low", "price_per_seat": "low",
    "contribution_margin": "low", "margin_growth": "low", "seat_growth": "low",
    "active_retention": "low", "renewal_rate": "low", "churn": "high",
    "acquisition_cost": "high", "retention_cost": "high", "discount_rate": "high",
}
"""For each CLV figure, the end of its range (``low``/``high``) that lowers CLV."""

SHARED_FIGURES = {"discount_rate": FigureNeed("rate", True, "discount rate (cost of capital) per period")}
"""Figures every case needs once, under ``shared``."""


def relationship(rid: str) -> Relationship:
    """The :class:`Relationship` called ``rid``; ``ValueError`` naming the allowed ids otherwise."""
    try:
        return RELATIONSHIPS[rid]
    except KeyError:
        raise ValueError(f"relationship must be one of {', '.join(RELATIONSHIP_IDS)}; got {rid!r}") from None
