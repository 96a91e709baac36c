"""The judgements a presentation on the case needs, computed once from the case analysis.

:func:`analyse_insights` takes a :class:`~clvedu.analysis.case.CaseAnalysis` and returns
:class:`CaseInsights`: for each company its regional segments and value tiers
(:mod:`~clvedu.analysis.segmentation`), the value of its members' extra spending elsewhere in the firm
(:mod:`~clvedu.analysis.ecosystem`), the undiscounted shortcut CLV (:mod:`~clvedu.analysis.methods`),
its recommendation tested against the case's price history (:mod:`~clvedu.analysis.recommendation`) and
how much of its value arrives late; for the case the judged fit of every technique at every stage of the
journey loop (:mod:`~clvedu.analysis.stage_fit`) and a test of the ranking. Renderers read these objects
and compute no judgement of their own, so a stage or a recommendation reads the same wherever it appears.
"""

from __future__ import annotations

from dataclasses import dataclass

from clvedu.analysis.case import CaseAnalysis
from clvedu.analysis.company import CompanyAnalysis
from clvedu.analysis.ecosystem import EcosystemValue, ecosystem_value
from clvedu.analysis.methods import SimpleLifetime, simple_lifetime
from clvedu.analysis.recommendation import RankingTest, Recommendation, ranking_test, recommend
from clvedu.analysis.segmentation import (RegionSegment, SegmentationEvidence, ValueTier, break_even_revenue,
                                          break_even_volume, regional_segments, segmentation_evidence, value_tiers,
                                          volume_of)
from clvedu.analysis.stage_fit import LOOP, StageFit, TechniqueFit, stage_fits, technique_fits
from clvedu.units import PERIODS_PER_YEAR

LATE_YEARS = 3
"""Years after which the value still to come is reported as the share of value that arrives late."""


@dataclass(frozen=True)
class CompanyInsights:
    company_id: str
    regions: tuple[RegionSegment, ...]
    tiers: tuple[ValueTier, ...]
    break_even_revenue: float | None    # revenue per customer per period at which CLV is zero
    break_even_volume: float | None     # the same in orders or seats per customer, where the relationship has one
    volume: tuple | None                # (figure id, value, unit, period) of that volume figure
    segmentation: SegmentationEvidence
    ecosystem: EcosystemValue | None
    simple: SimpleLifetime
    recommendation: Recommendation
    late_share: float                   # share of the value of margins that arrives after LATE_YEARS years
    late_years: int


@dataclass(frozen=True)
class CaseInsights:
    companies: dict[str, CompanyInsights]
    fits: tuple[StageFit, ...]
    ranking: RankingTest
    techniques: tuple[TechniqueFit, ...] = ()   # each modelled technique, judged once

    def technique(self, company_id: str, name: str) -> TechniqueFit:
        """The one judgement of the modelled technique ``name`` of ``company_id``."""
        for t in self.techniques:
            if t.company_id == company_id and t.name == name:
                return t
        raise KeyError(f"no modelled technique {name!r} for company {company_id!r}")

    @property
    def source_ids(self) -> tuple[str, ...]:
        """The case's source ids behind every figure these judgements show (regions, member spending, price
        rises, customer counts), in order of first use."""
        ids: list[str] = []
        for ci in self.companies.values():
            found = [r.source for r in ci.regions]
            found += [ci.ecosystem.source] if ci.ecosystem is not None else []
            found += [r.source for r in ci.recommendation.price_test.rises]
            found += [ci.recommendation.trend.source] if ci.recommendation.trend is not None else []
            ids += [s for s in found if s and s not in ids]
        return tuple(ids)

    def fit(self, stage: str, company_id: str) -> StageFit:
        """The one judgement of ``company_id`` at ``stage``."""
        for f in self.fits:
            if f.stage == stage and f.company_id == company_id:
                return f
        raise KeyError(f"no stage fit for stage {stage!r} and company {company_id!r}; stages: {', '.join(LOOP)}")


def late_share(company: CompanyAnalysis, years: int = LATE_YEARS) -> float:
    """Share of the company's value of margins (before acquisition cost) that arrives after ``years`` years."""
    total = company.value_before_acquisition
    if total <= 0:
        return 0.0
    periods = int(round(years * PERIODS_PER_YEAR[company.period]))
    early = float(company.schedule(periods)["running_total"].iloc[-1]) if periods > 0 else 0.0
    return max(0.0, min(1.0, (total - early) / total))


def analyse_insights(analysis: CaseAnalysis) -> CaseInsights:
    """Every judgement of the case (see the module notes)."""
    case, journey = analysis.case, analysis.journey
    fits = stage_fits(case, journey, analysis.companies)
    judged = technique_fits(fits)
    companies = {}
    for cid, c in analysis.companies.items():
        regions = regional_segments(case, c)
        ecosystem = ecosystem_value(case, c)
        companies[cid] = CompanyInsights(
            company_id=cid, regions=regions, tiers=value_tiers(c, regions, case), break_even_revenue=break_even_revenue(c),
            break_even_volume=break_even_volume(case, c), volume=volume_of(case, c),
            segmentation=segmentation_evidence(case, c, regions, journey), ecosystem=ecosystem,
            simple=simple_lifetime(c),
            recommendation=recommend(case, c, tuple(j for j in judged if j.company_id == cid) if fits else None,
                                     ecosystem),
            late_share=late_share(c),
            late_years=LATE_YEARS)
    return CaseInsights(companies=companies, fits=fits, ranking=ranking_test(analysis.ranked, analysis.ranges_overlap),
                        techniques=judged)
