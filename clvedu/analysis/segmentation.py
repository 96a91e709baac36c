"""Segments with a value on each: regions, price plans and value tiers, computed from the case's own figures.

Three things a reader of the case analysis can be shown about segments, none typed by hand:

* :func:`regional_segments`: when a revenue input of the CLV (revenue per customer, orders per customer,
  spend per order, seats or price per seat) is, or is derived from, a figure whose label names a region
  after its last comma (``Average monthly revenue per paying membership, UCAN``), the case's other
  regions of that figure (``..., EMEA``) give a geographic base. Each region's CLV is the company's base
  CLV with that one input replaced (CLV is linear in it, so the input is scaled); the customers in each
  region come from a figure of the same region whose unit counts customers (``thousand members``).
* :func:`case_segments`: the segments a company's ``segments:`` list in ``case.yaml`` gives (small business,
  mid-market, enterprise; regions), each with its share of customers, revenue per customer and, when the
  case gives one, its own churn, and the CLV per new customer that follows: the company's base inputs with
  the segment's revenue (and churn) in their place, every other input (margin, costs, discount rate) at the
  company's average, which the renderers must say.
* :func:`value_tiers`: the case's segments when it gives them; else the price plans on sale (a
  subscription), else the regions, give tiers of value; each tier carries its CLV per new customer. A case
  with none of these gets volume tiers where the relationship has a volume figure (orders per shopper,
  seats per account): half, the average and double the average, the other inputs unchanged, an
  illustration of how value follows size.
* :func:`break_even_volume`: the same floor in orders or seats per customer.
* :func:`break_even_revenue`: the revenue per customer per period below which a new customer never
  repays the cost of winning them (CLV is zero there): the floor of any value tier worth targeting.

:func:`segmentation_evidence` collects what the case shows about each company's segmentation strategy:
how many price levels it sells, how many regions report different values, and whether it personalises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from clvedu.analysis.company import CompanyAnalysis
from clvedu.analysis.sources import reference
from clvedu.cases import Case
from clvedu.cases.derive import resolve
from clvedu.levers import clv, with_arpu, with_churn
from clvedu.units import Churn, Money

REVENUE_FIGURES = ("arpu", "order_value", "purchase_frequency", "price_per_seat", "seats")
"""CLV inputs that scale revenue per customer: a regional value of one of them gives a regional CLV."""

_PARENTHESIS = re.compile(r"\s*\(.*\)\s*$")
_YEAR = re.compile(r"(\d{4})")
_FISCAL = re.compile(r"\bFY\s?(\d{2})\b", re.I)
PERSONALISING = re.compile(r"personalis|personaliz|recommend|stylist", re.I)
"""Words in a technique's name that show a company tailoring its offer to each customer."""


@dataclass(frozen=True)
class RegionSegment:
    """One region of a company's regional figures: the revenue input there and the CLV it gives."""

    region: str
    figure_label: str          # the label before the region: "Average monthly revenue per paying membership"
    value: float               # the regional value of the input, in ``unit`` per ``per``
    unit: str
    per: str | None
    as_of: str
    customers: float | None    # customers in the region, in ``customers_unit`` (None when the case has none)
    customers_unit: str
    clv: float                 # CLV per new customer with the regional value, other inputs at base
    is_base: bool              # the region the company's CLV uses
    citation: str              # author, year of the regional figure's source
    source: str = ""           # its source id


@dataclass(frozen=True)
class ValueTier:
    """A group of customers that pays a different amount: a segment, a price plan or a region, with its CLV."""

    name: str
    revenue: float             # revenue per customer per period (the CLV's period)
    clv: float
    basis: str                 # "segment" (from the case's segments), "plan", "region" or "volume"
    volume: float | None = None  # orders or seats per customer (volume tiers only)
    customer_share: float | None = None  # share of the company's customers (segments only)
    churn: float | None = None           # churn per period (the CLV's period) when the segment has its own
    acquisition_cost: float | None = None  # the segment's own cost of winning one, when the case gives it


@dataclass(frozen=True)
class Evidence:
    """How one number of a segment is known: ``kind`` reported, derived or assumption; ``text`` the citation
    of a reported one, else the case's reason (with the citation of any source it names)."""

    kind: str
    text: str
    source: str = ""


@dataclass(frozen=True)
class CaseSegment:
    """One segment of a company's ``segments:`` list, with the CLV per new customer it gives.

    ``revenue`` and ``churn`` are over the CLV's ``period`` (converted from the case's own periods, which
    ``revenue_as_typed`` and ``revenue_per`` keep); ``churn`` is the segment's own, or None when the case gives
    none and the company's churn is used; ``acquisition_cost`` likewise (None: the company's average).
    ``clv`` keeps every other input at the company's average.
    """

    name: str
    description: str
    customer_share: float
    revenue: float
    period: str
    revenue_as_typed: float
    revenue_per: str
    churn: float | None
    clv: float
    share_basis: Evidence
    revenue_basis: Evidence
    churn_basis: Evidence | None
    as_of: str = ""
    acquisition_cost: float | None = None
    acquisition_basis: Evidence | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of the segment's numbers: ``("assumption", "assumption", "assumption")`` and so on."""
        return tuple(b.kind for b in (self.share_basis, self.revenue_basis, self.churn_basis, self.acquisition_basis)
                     if b is not None)


@dataclass(frozen=True)
class SegmentationEvidence:
    """What the case shows about one company's segmentation strategy, counted from its data."""

    price_levels: int          # plans on sale (add-ons left out)
    regions: int               # regions whose revenue input differs
    personalises: bool         # a technique that tailors the offer to each customer
    personalising_technique: str


def _year(as_of: str | None) -> int | None:
    if not as_of:
        return None
    match = _YEAR.search(str(as_of))
    if match:
        return int(match[1])
    fiscal = _FISCAL.search(str(as_of))
    return 2000 + int(fiscal[1]) if fiscal else None


def _split(label: str) -> tuple[str, str] | None:
    """(head, region) of ``"Head, REGION (note)"``; None for a label without a comma."""
    if ", " not in label:
        return None
    head, tail = label.rsplit(", ", 1)
    region = _PARENTHESIS.sub("", tail).strip()
    return (head.strip(), region) if head.strip() and region else None


def _origin(case: Case, cid: str, fid: str) -> tuple[str, str]:
    """The figure a CLV input is copied from (``same_as``, followed to its end), or the input itself."""
    owner, current = cid, fid
    for _ in range(20):
        fig = case.figure(owner, current)
        if fig.kind != "derived" or fig.derive is None or fig.derive.method != "same_as":
            break
        found = resolve(case, owner, fig.derive.from_)
        if found is None:
            break
        owner, current = found
    return owner, current


def _counts_customers(unit: str | None, noun: str) -> bool:
    words = str(unit or "").lower().split()
    plural = noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")
    return bool(words) and words[-1] in {noun, plural, "customers", "customer"}


def regional_segments(case: Case, company: CompanyAnalysis) -> tuple[RegionSegment, ...]:
    """The regions of the first revenue input that has regional figures (see the module notes), base
    region first, then by CLV, highest first; empty when the case has no regional figures."""
    cid = company.id
    figures = case.companies[cid].figures
    for input_id in REVENUE_FIGURES:
        if input_id not in figures:
            continue
        owner, origin_id = _origin(case, cid, input_id)
        if owner != cid:
            continue
        origin = case.figure(owner, origin_id)
        split = _split(origin.label)
        if split is None or origin.value is None or float(origin.value) == 0.0:
            continue
        head, base_region = split
        base_year = _year(origin.as_of)
        best: dict[str, tuple[str, object]] = {}
        for fid, fig in figures.items():
            parts = _split(fig.label)
            if parts is None or parts[0] != head or fig.unit != origin.unit or fig.per != origin.per \
                    or fig.value is None:
                continue
            if base_year is not None and _year(fig.as_of) != base_year:
                continue
            region = parts[1]
            if region not in best or str(fig.as_of or "") > str(best[region][1].as_of or ""):  # type: ignore[attr-defined]
                best[region] = (fid, fig)
        if len(best) < 2 or base_region not in best:
            continue
        customers = _regional_customers(case, cid, company.noun, set(best), base_year)
        x = company.inputs
        out = []
        for region, (fid, fig) in best.items():
            ratio = float(fig.value) / float(origin.value)  # type: ignore[arg-type]
            value_clv = clv(with_arpu(x, float(x.arpu.value) * ratio))
            count, count_unit = customers.get(region, (None, ""))
            out.append(RegionSegment(
                region=region, figure_label=head, value=float(fig.value), unit=fig.unit or "",  # type: ignore[arg-type]
                per=fig.per, as_of=str(fig.as_of or ""), customers=count, customers_unit=count_unit,
                clv=value_clv, is_base=region == base_region,
                citation=reference(case, fig.source).citation if fig.source else "", source=fig.source or ""))
        out.sort(key=lambda s: (not s.is_base, -s.clv))
        return tuple(out)
    return ()


def _regional_customers(case: Case, cid: str, noun: str, regions: set[str],
                        year: int | None) -> dict[str, tuple[float, str]]:
    """Customers per region: the latest figure of the year whose unit counts customers, by region."""
    found: dict[str, tuple[str, float, str]] = {}
    for fig in case.companies[cid].figures.values():
        parts = _split(fig.label)
        if parts is None or parts[1] not in regions or fig.value is None or not _counts_customers(fig.unit, noun):
            continue
        if year is not None and _year(fig.as_of) != year:
            continue
        region = parts[1]
        stamp = str(fig.as_of or "")
        if region not in found or stamp > found[region][0]:
            found[region] = (stamp, float(fig.value), fig.unit or "")
    # the same unit in every region, or none of them: counts in different units do not compare
    units = {unit for _, _, unit in found.values()}
    if len(units) != 1 or set(found) != regions:
        return {}
    return {region: (value, unit) for region, (_, value, unit) in found.items()}


def _evidence(case: Case, value) -> Evidence:
    cite = reference(case, value.source).citation if value.source else ""
    if value.kind == "reported":
        return Evidence("reported", cite, value.source or "")
    text = value.reason or ""
    return Evidence(value.kind, f"{text} ({cite})" if cite else text, value.source or "")


def case_segments(case: Case, company: CompanyAnalysis) -> tuple[CaseSegment, ...]:
    """The company's ``segments`` from the case (see the module notes), in the order typed; () when it has none."""
    x = company.inputs
    out = []
    for seg in case.companies[company.id].segments:
        money = Money(float(seg.revenue.value), seg.revenue.per)
        revenue = float((money if money.per == x.period else money.to(x.period)).value)
        inputs = with_arpu(x, revenue)
        churn = None
        if seg.churn is not None:
            q = Churn(float(seg.churn.value), seg.churn.per)
            churn = float((q if q.per == x.period else q.to(x.period)).value)
            inputs = with_churn(inputs, churn)
        acquisition = None
        if seg.acquisition_cost is not None:
            acquisition = float(seg.acquisition_cost.value)
            inputs = replace(inputs, acquisition_cost=acquisition)
        out.append(CaseSegment(
            name=seg.name, description=seg.description or "", customer_share=float(seg.customer_share.value),
            revenue=revenue, period=x.period, revenue_as_typed=float(seg.revenue.value),
            revenue_per=seg.revenue.per or x.period, churn=churn, clv=clv(inputs),
            share_basis=_evidence(case, seg.customer_share), revenue_basis=_evidence(case, seg.revenue),
            churn_basis=_evidence(case, seg.churn) if seg.churn is not None else None,
            as_of=str(seg.revenue.as_of or ""), acquisition_cost=acquisition,
            acquisition_basis=_evidence(case, seg.acquisition_cost) if seg.acquisition_cost is not None else None))
    return tuple(out)


def segments_average_revenue(segments: tuple[CaseSegment, ...]) -> float | None:
    """Revenue per customer per period averaged over the segments, weighted by their shares of customers
    (to set against the company's own average revenue per customer); None without segments."""
    total = sum(s.customer_share for s in segments)
    if not segments or total <= 0:
        return None
    return sum(s.customer_share * s.revenue for s in segments) / total


def break_even_revenue(company: CompanyAnalysis) -> float | None:
    """Revenue per customer per period (the CLV's period) at which CLV is zero: a customer paying less
    never repays the cost of winning them. None when no revenue does (margin or retention cost make
    CLV fall as revenue rises, which a valid case cannot do)."""
    x = company.inputs
    base = float(x.arpu.value)
    at_base, at_double = clv(x), clv(with_arpu(x, 2 * base))
    slope = (at_double - at_base) / base
    if slope <= 0:
        return None
    revenue = base - at_base / slope
    return revenue if revenue > 0 else 0.0


VOLUME_FIGURES = {"repeat_purchase": "purchase_frequency", "contract": "seats"}
"""The figure of each relationship that measures how much a customer buys: orders, or seats."""
VOLUME_MULTIPLES = (0.5, 1.0, 2.0)


def volume_of(case: Case, company: CompanyAnalysis) -> tuple[str, float, str, str | None] | None:
    """(figure id, value per customer, unit, period) of the company's volume figure, or None."""
    fid = VOLUME_FIGURES.get(company.relationship.id)
    if fid is None or fid not in case.companies[company.id].figures:
        return None
    fig = case.figure(company.id, fid)
    value = case.scenario_value(company.id, fid)
    if value <= 0:
        return None
    return fid, value, fig.unit or "", fig.per


def break_even_volume(case: Case, company: CompanyAnalysis) -> float | None:
    """Orders or seats per customer (as the case types them) below which a customer never repays the cost
    of winning them: :func:`break_even_revenue` over the revenue each unit of volume brings."""
    volume = volume_of(case, company)
    floor = break_even_revenue(company)
    if volume is None or floor is None:
        return None
    return volume[1] * floor / float(company.inputs.arpu.value)


def value_tiers(company: CompanyAnalysis, regions: tuple[RegionSegment, ...],
                case: Case | None = None) -> tuple[ValueTier, ...]:
    """Tiers of value, lowest CLV first: the case's segments (when ``case`` is given and has them), else the
    plans on sale (when there are two or more), else the regions, else volume tiers (see the module notes)
    when ``case`` is given."""
    segments = case_segments(case, company) if case is not None else ()
    if len(segments) >= 2:
        tiers = [ValueTier(s.name, s.revenue, s.clv, "segment", customer_share=s.customer_share, churn=s.churn,
                           acquisition_cost=s.acquisition_cost) for s in segments]
        return tuple(sorted(tiers, key=lambda t: t.clv))
    if len(company.plans) >= 2:
        return tuple(ValueTier(p.name, p.price, p.clv, "plan") for p in sorted(company.plans, key=lambda p: p.clv))
    if len(regions) >= 2:
        x = company.inputs
        base = next(r for r in regions if r.is_base)
        tiers = [ValueTier(r.region, float(x.arpu.value) * r.value / base.value, r.clv, "region") for r in regions]
        return tuple(sorted(tiers, key=lambda t: t.clv))
    volume = volume_of(case, company) if case is not None else None
    if volume is not None:
        x = company.inputs
        _, amount, _, _ = volume
        return tuple(ValueTier(f"{k:g} x average", float(x.arpu.value) * k, clv(with_arpu(x, float(x.arpu.value) * k)),
                               "volume", amount * k) for k in VOLUME_MULTIPLES)
    return ()


def segmentation_evidence(case: Case, company: CompanyAnalysis, regions: tuple[RegionSegment, ...],
                          journey=None) -> SegmentationEvidence:
    """Price levels, regions and personalisation of one company, from the case and its journey."""
    technique = ""
    if journey is not None:
        for stage in journey.b2c_stages:
            for t in stage.techniques.get(company.id, []):
                if not technique and PERSONALISING.search(t.name):
                    technique = t.name
        if not technique:
            for sc in journey.technique_scenarios.get(company.id, []):
                if sc.technique == "personalisation":
                    technique = sc.technique.capitalize()
    distinct = len({round(r.value, 6) for r in regions})
    return SegmentationEvidence(price_levels=len(company.plans), regions=distinct if distinct >= 2 else 0,
                                personalises=bool(technique), personalising_technique=technique)
