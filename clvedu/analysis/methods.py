"""A second way to calculate CLV, to check the first and to show what discounting does.

The kit's CLV discounts each period's margin and weighs it by the share still a customer
(:mod:`clvedu.clv`). The textbook shortcut many firms use instead multiplies the margin per period by the
expected number of paid periods and subtracts the acquisition cost, with no discounting (Berger and Nasr
1998 give both). :func:`simple_lifetime` computes that shortcut from the same inputs:

* expected paid periods: r / (1 - r) when the first margin comes from those who stay a period (timing
  ``end``), 1 / (1 - r) when every customer won pays the first period (``end_all``, ``start``);
* value: (margin - retention cost) x expected paid periods - acquisition cost; growth is left out, as
  the shortcut leaves it out.

The gap between the two is the price of ignoring when the money arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

from clvedu.analysis.company import CompanyAnalysis


@dataclass(frozen=True)
class SimpleLifetime:
    """The undiscounted shortcut: margin per period x expected paid periods - acquisition cost."""

    margin: float              # margin per period less the retention cost
    paid_periods: float        # expected number of periods paid for
    expected_lifetime: float   # expected periods a new customer stays, 1 / churn
    value: float               # CLV by the shortcut
    discounted: float          # the company's CLV, for comparison
    period: str

    @property
    def overstatement(self) -> float:
        """How much the shortcut exceeds the discounted CLV, as a share of the discounted CLV (None-safe:
        0 when the discounted CLV is not positive)."""
        return (self.value - self.discounted) / self.discounted if self.discounted > 0 else 0.0


def simple_lifetime(company: CompanyAnalysis) -> SimpleLifetime:
    """The shortcut CLV of :class:`CompanyAnalysis` ``company`` (see the module notes)."""
    x = company.inputs
    r = float(x.retention.value)
    churn = float(x.churn.value)
    paid = r / churn if x.timing == "end" else 1.0 / churn
    margin = float(x.margin.value) - (float(x.retention_cost.value) if x.retention_cost is not None else 0.0)
    return SimpleLifetime(margin=margin, paid_periods=paid, expected_lifetime=1.0 / churn,
                          value=margin * paid - x.acquisition_cost, discounted=company.clv.base, period=x.period)
