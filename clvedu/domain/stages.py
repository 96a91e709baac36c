"""Decision stages, buying models and CLV drivers: the names every chapter, case file and deck uses."""

from __future__ import annotations

B2C_STAGES = {
    "need_recognition": "Need recognition",
    "information_search": "Information search",
    "evaluation_of_alternatives": "Evaluation of alternatives",
    "purchase": "Purchase",
    "post_purchase": "Post-purchase",
}
"""The five-stage consumer decision process (Engel, Kollat & Blackwell), in order."""

CLV_DRIVERS = {
    "acquisition_cost": "Acquisition cost",
    "retention": "Retention",
    "margin": "Margin per customer",
    "frequency": "Usage frequency",
    "referrals": "Referrals",
}
"""The CLV drivers a technique can move."""

RISK_TYPES = ("financial", "performance", "time", "social", "psychological")

BUY_CLASSES = {
    "new_task": "New task",
    "modified_rebuy": "Modified rebuy",
    "straight_rebuy": "Straight rebuy",
}
"""Robinson, Faris & Wind (1967) buy classes."""

BUYING_ROLES = ("initiator", "user", "influencer", "decider", "buyer", "gatekeeper")
"""Webster & Wind (1972) buying-centre roles."""

FUNNEL_STEPS = ("consideration", "trial", "paid")
"""Conversion steps typed in ``journey.yaml``; awareness is the number reached and ``retained`` is computed
from the case's retention."""
