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

The spending figures describe *members of the wider programme* (Prime members), not the service's own
paying customer (a viewer who buys the video service alone), so the values above, which ride on the service's
own margin multiple, mix two groups. When the case also gives

* ``retail_margin``: the firm's margin on that extra spending (an assumption with a reason and a range), and
* ``renewal_first_year`` (and optionally ``renewal_after_first_year``): the programme's own yearly renewal,

:class:`EcosystemValue` carries the view of one group, the programme member (``group``, the spending
figure's ``group`` in the case): the extra margin per year, gap x retail margin, valued over a new member's
life with the programme's renewal,

    value = m r1 / (1 + d - r2),

m the extra margin a year, r1 the first-year renewal, r2 the renewal after the first year (r1 when not
given), d the yearly discount rate; margins arrive at the end of each year from those who renewed. Its
low and high ends take the retail margin's own range (``member_value``).
"""

from __future__ import annotations

from dataclasses import dataclass

from clvedu.analysis.company import SWING, CompanyAnalysis, ScenarioValues
from clvedu.analysis.sources import reference
from clvedu.cases import Case
from clvedu.levers import clv, with_churn
from clvedu.units import Money

MEMBER_SPEND = "spend_member"
NON_MEMBER_SPEND = "spend_non_member"
RETAIL_MARGIN = "retail_margin"
MEMBER_RENEWAL = ("renewal_first_year", "renewal_after_first_year")
"""The programme member's yearly renewal: in the first year, and after it (optional)."""


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
    # --- the programme member's view (None without retail_margin and renewal_first_year in the case) ---
    group: str = ""                        # whose spending it is, e.g. "US Prime members"
    retail_margin: ScenarioValues | None = None   # margin on the extra spending: low, value, high (an assumption)
    retail_margin_reason: str = ""
    member_renewal_first: float | None = None     # yearly renewal in a new member's first year
    member_renewal_after: float | None = None     # yearly renewal after it (the first-year rate when not given)
    member_discount: float | None = None          # yearly discount rate
    member_multiple: float | None = None          # r1 / (1 + d - r2): value per unit of extra margin a year
    extra_margin_per_year: float | None = None    # spending gap x retail margin
    member_value: ScenarioValues | None = None    # present value of the extra margin over a new member's life
    member_sources: tuple[str, ...] = ()          # source ids behind the member's view (spending, renewal)


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
    view = _member_view(case, company.id, member, gap)
    return EcosystemValue(
        spend_member=float(member.value), spend_non_member=float(other.value), spend_per=member.per,
        as_of=str(member.as_of or ""), extra_per_period=extra_period, period=x.period,
        extra_revenue_value=revenue_value, own_margin_value=own,
        equal_value_margin=own / revenue_value,
        retention_first_margin=retention_first,
        citation=reference(case, member.source).citation if member.source else "", source=member.source or "",
        **view)


def _member_view(case: Case, cid: str, member, gap: float) -> dict:
    """The fields of the programme member's view (see the module notes), or {} when the case lacks its figures."""
    from clvedu.units import Discount, Money

    figures = case.companies[cid].figures
    first_id, after_id = MEMBER_RENEWAL
    if RETAIL_MARGIN not in figures or first_id not in figures:
        return {}
    margin, first = figures[RETAIL_MARGIN], figures[first_id]
    after = figures.get(after_id)
    if first.per is None or (after is not None and after.per != first.per):
        return {}
    per = first.per
    yearly_gap = float(Money(gap, member.per).to(per).value) if member.per != per else gap
    discount_fig = case.figure("shared", "discount_rate")
    d = float(Discount(float(discount_fig.value), discount_fig.per).to(per).value) \
        if discount_fig.per != per else float(discount_fig.value)
    r1 = float(first.value)
    r2 = float(after.value) if after is not None else r1
    if not r2 < 1 + d:
        return {}
    multiple = r1 / (1 + d - r2)
    q = ScenarioValues(margin.bound("low"), float(margin.value), margin.bound("high"))
    sources = []
    for fid in (MEMBER_SPEND, NON_MEMBER_SPEND, first_id, after_id):
        if fid in figures:
            sources += [s for s in case.figure_sources(cid, fid) if s not in sources]
    return dict(
        group=member.group or "", retail_margin=q, retail_margin_reason=margin.reason or "",
        member_renewal_first=r1, member_renewal_after=r2, member_discount=d, member_multiple=multiple,
        extra_margin_per_year=yearly_gap * q.base,
        member_value=ScenarioValues(yearly_gap * q.low * multiple, yearly_gap * q.base * multiple,
                                    yearly_gap * q.high * multiple),
        member_sources=tuple(sources))
