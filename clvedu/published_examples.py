"""A published CLV worked example with wrong arithmetic: its inputs, kept once for the book and the decks.

Chapter 1 redoes it step by step and the briefing deck's "common mistakes" slide shows the results.

A widely copied practitioner article (seed 002 of the kit's sources) works a software-company example
through ``CLV = (revenue x margin x growth) / (1 + discount - retention) - acquisition cost``.
Its inputs are kept here as data; every result shown on a slide is computed from them, so the deck
shows what the article's own formula gives, where its arithmetic slips, and a period-consistent answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from clvedu.clv import lifetime_value
from clvedu.units import Discount, Growth, Money, Retention


@dataclass(frozen=True)
class PublishedExample:
    """The article's inputs, each with the period the article gives it, and the answer it prints."""

    revenue: float = 50.0            # per month
    revenue_per: str = "month"
    margin_rate: float = 0.5
    growth: float = 0.10             # per year
    discount: float = 0.10           # per year
    retention: float = 0.90          # per year
    acquisition_cost: float = 100.0  # once
    retention_cost: float = 20.0     # per year; the article lists it but leaves it out
    printed_value_before_acquisition: float = 275.0
    printed_clv: float = 175.0

    @property
    def numerator(self) -> float:
        """Revenue x margin x (1 + growth), exactly as the article multiplies them."""
        return self.revenue * self.margin_rate * (1 + self.growth)

    @property
    def denominator(self) -> float:
        """1 + discount - retention, with the article's annual rates."""
        return 1 + self.discount - self.retention

    @property
    def own_formula_value(self) -> float:
        """What the article's own formula gives before the acquisition cost (it prints 275)."""
        return self.numerator / self.denominator

    @property
    def own_formula_clv(self) -> float:
        return self.own_formula_value - self.acquisition_cost

    def consistent_clv(self) -> float:
        """CLV with every input over one year: annual margin 12 x monthly, growth applied to each
        later year's margin, the annual retention cost netted off, timing ``end`` (Gupta & Lehmann)."""
        annual_margin = Money(self.revenue * self.margin_rate, self.revenue_per).to("year")
        return float(lifetime_value(
            annual_margin, Retention(self.retention, "year"), Discount(self.discount, "year"),
            acquisition_cost=self.acquisition_cost, growth=Growth(self.growth, "year"),
            retention_cost=Money(self.retention_cost, "year"),
        ))


PUBLISHED_EXAMPLE = PublishedExample()
