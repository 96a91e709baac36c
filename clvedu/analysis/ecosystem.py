"""What a customer is worth to the rest of the firm: the extra spending a member brings elsewhere.

Some services are one part of a larger business: a video service inside a shopping membership, an app
that brings customers to a shop. A case shows this with two figures of the company, by id:

* ``spend_member``: what a customer who has the service spends with the firm as a whole, per period;
* ``spend_non_member``: what a comparable customer without it spends, per the same kind of period.

The difference is the extra spending that comes with a member. The case gives no margin on that
spending (it is the firm's other business), so nothing here assumes one: :class:`EcosystemValue` gives

* the present value of the extra *revenue* over a new member's expected life, with the service's own
  retention and discount rate (the same multiple as its CLV: m r / (1 + d - r), m the extra spend);
* the margin on that extra spending at which it is worth as much as the service's own margins
  (``equal_value_margin``): above it, the extra spending is the larger part of a member's value;
* the margin at which keeping members longer (churn 10% lower) adds more than raising the service's
  price 10% (``retention_first_margin``), because a member who stays keeps spending elsewhere too.

The spending gap compares members with non-members, so it also measures who chooses to join (heavy
shoppers join); the renderers say so wherever they show it.
"""

from __future__ import annotations

from dataclasses import dataclass

from clvedu.analysis.company import SWING, CompanyAnalysis
from clvedu.analysis.sources import reference
from clvedu.cases import Case
from clvedu.levers import clv, with_churn
from clvedu.units import Money

MEMBER_SPEND = "spend_member"
NON_MEMBER_SPEND = "spend_non_member"


@dataclass(frozen=True)
class EcosystemValue:
    """The extra spending a member brings to the rest of the firm (see the module notes)."""

    spend_member: float            # per ``spend_per``, as typed
    spend_non_member: float
    spend_per: str
    as_of: str
    extra_per_period: float        # the extra spend per member over the CLV's period
    period: str
    extra_revenue_value: float     # present value of the extra revenue over a new member's life
    own_margin_value: float        # the service's own value of margins (CLV before acquisition cost)
    equal_value_margin: float      # margin on the extra spend at which it equals the service's own margins
    retention_first_margin: float | None  # margin above which cutting churn 10% beats a 10% price rise
    citation: str
    source: str = ""               # the source id of the spending figures


def ecosystem_value(case: Case, company: CompanyAnalysis) -> EcosystemValue | None:
    """The :class:`EcosystemValue` of a company whose case gives ``spend_member`` and ``spend_non_member``
    (money per period); None otherwise, or when members do not spend more."""
    figures = case.companies[company.id].figures
    if MEMBER_SPEND not in figures or NON_MEMBER_SPEND not in figures:
        return None
    member, other = figures[MEMBER_SPEND], figures[NON_MEMBER_SPEND]
    if member.value is None or other.value is None or member.per is None or other.per != member.per:
        return None
    gap = float(member.value) - float(other.value)
    if gap <= 0:
        return None
    x = company.inputs
    extra = Money(gap, member.per)
    extra_period = float(extra.value) if extra.per == x.period else float(extra.to(x.period).value)
    multiple = company.multiple
    revenue_value = extra_period * multiple
    own = company.value_before_acquisition
    # cutting churn by SWING raises the multiple; the member's extra margin q x extra rides on it too
    lower_churn = with_churn(x, float(x.churn.value) * (1 - SWING))
    multiple_gain = clv(lower_churn, include_acquisition=False) - own  # on the service's own margins
    own_margin = float(x.margin.value) - (float(x.retention_cost.value) if x.retention_cost is not None else 0.0)
    price_gain = next(e.gain for e in company.levers if e.lever == "revenue")
    retention_first = None
    if own_margin > 0 and multiple_gain > 0:
        delta_multiple = multiple_gain / own_margin
        needed = price_gain / delta_multiple - own_margin   # extra margin per period q x extra must exceed this
        retention_first = max(0.0, needed / extra_period)
    return EcosystemValue(
        spend_member=float(member.value), spend_non_member=float(other.value), spend_per=member.per,
        as_of=str(member.as_of or ""), extra_per_period=extra_period, period=x.period,
        extra_revenue_value=revenue_value, own_margin_value=own,
        equal_value_margin=own / revenue_value,
        retention_first_margin=retention_first,
        citation=reference(case, member.source).citation if member.source else "", source=member.source or "")
