"""The techniques that raise CLV: one catalogue, read by the case schema, the levers and the analysis.

Each technique moves one CLV driver and takes named parameters, each of a unit family:

* ``share`` - a fraction in [0, 1];
* ``money`` - a one-off amount per new customer (no period);
* ``money_per_period`` - an amount per customer per period (``per`` required);
* ``relative`` - a relative change above -1 (``+0.10`` = ten per cent up);
* ``number`` - any finite number (an elasticity).

Every technique may also have the costs of :data:`COST_PARAMETERS`: ``one_off_cost`` (money per new
customer) and ``running_cost`` (money per retained customer per period).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Technique:
    """One technique: the driver it moves, its parameters (name -> unit family) and how it changes the inputs."""

    id: str
    label: str
    driver: str
    parameters: dict[str, str]
    effect: str
    needs_data_added: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


TECHNIQUES: dict[str, Technique] = {t.id: t for t in (
    Technique("upselling", "Upselling", "margin", {"share_moving": "share", "price_difference": "money_per_period"},
              "revenue per customer rises by share moving x price difference (margin follows)"),
    Technique("cross_selling", "Cross-selling", "margin", {"attach_rate": "share", "addon_margin": "money_per_period"},
              "margin per customer rises by attach rate x add-on margin"),
    Technique("loyalty_rewards", "Loyalty rewards", "retention", {"retention_uplift_points": "share"},
              "churn falls by the uplift (percentage points of retention per period)"),
    Technique("personalisation", "Personalisation", "retention", {"churn_reduction": "share"},
              "churn falls by the given share of itself"),
    Technique("price_change", "Price change", "margin", {"price_change": "relative", "churn_elasticity": "number"},
              "revenue x (1 + change); churn x (1 + elasticity x change)"),
    Technique("referrals", "Referrals", "acquisition_cost", {"referred_share": "share", "referral_reward": "money"},
              "acquisition cost becomes (1 - referred share) x cost + referred share x reward"),
    Technique("digital_channels", "Digital channels", "retention", {"churn_reduction": "share"},
              "churn falls by the given share of itself", needs_data_added=True),
    Technique("connected_data", "Connected data (IoT and cognitive systems)", "retention", {"churn_reduction": "share"},
              "churn falls by the given share of itself", needs_data_added=True),
)}
"""Techniques a scenario can model, by id."""

COST_PARAMETERS = {"one_off_cost": "money", "running_cost": "money_per_period"}
"""Costs any technique may carry."""


def parameters_of(technique: str) -> dict[str, str]:
    """Every parameter ``technique`` accepts (its own and the costs), name -> unit family."""
    return {**TECHNIQUES[technique].parameters, **COST_PARAMETERS}


def check_parameters(technique: str, given) -> None:
    """Raise ``ValueError`` naming the first unknown or missing parameter of ``technique``."""
    if technique not in TECHNIQUES:
        raise ValueError(f"technique must be one of {', '.join(TECHNIQUES)}; got {technique!r}")
    allowed = parameters_of(technique)
    unknown = [p for p in given if p not in allowed]
    if unknown:
        raise ValueError(f"{technique} does not take parameter {unknown[0]!r}; it takes {', '.join(allowed)}")
    missing = [p for p in TECHNIQUES[technique].parameters if p not in given]
    if missing:
        raise ValueError(f"{technique} needs parameter {missing[0]!r}; it takes {', '.join(allowed)}")
