"""The whole case, analysed once: :func:`analyse_case` returns :class:`CaseAnalysis`.

This is the one place the kit computes what a reader sees about a case (CLV by scenario, the worked
table, sensitivity, levers, break-even, payback, plan values, the decision-stage table, the B2B
view, the briefing's common mistakes and the references behind every figure shown). The book's
chapters, the decks and ``clvedu case show`` read it; none of them computes a figure of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clvedu.analysis.company import SWING, CompanyAnalysis, analyse_company
from clvedu.analysis.sources import Reference, reference
from clvedu.cases import Case
from clvedu.clv import lifetime_value



@dataclass(frozen=True)
class MixedPeriodMistake:
    """The CLV a student gets by using each figure in the period it was typed in, without converting."""

    company_id: str
    figures: tuple[tuple[str, str], ...]   # (figure id, the period it is typed in)
    wrong_clv: float
    right_clv: float
    period: str


@dataclass(frozen=True)
class B2BView:
    """The business-to-business side: buy classes, the buying centre, and the account values."""

    seller: str | None
    scenario: str
    buyer: str
    situations: pd.DataFrame | None
    buying_centre: pd.DataFrame | None
    account: dict | None
    contract_companies: tuple[str, ...]


@dataclass(frozen=True)
class CaseAnalysis:
    """Every company's analysis, the comparisons between them, and what the case adds around them."""

    case: Case
    journey: object | None
    companies: dict[str, CompanyAnalysis]
    stage_table: pd.DataFrame | None
    b2b: B2BView | None
    references: tuple[Reference, ...]
    mistake: MixedPeriodMistake | None
    swing: float = SWING

    @property
    def currency(self) -> str:
        return self.case.currency

    @property
    def noun(self) -> str:
        return self.case.customer_noun

    @property
    def ranked(self) -> list[CompanyAnalysis]:
        """Companies by base CLV, highest first."""
        return sorted(self.companies.values(), key=lambda c: c.clv.base, reverse=True)

    @property
    def ranges_overlap(self) -> bool:
        """Whether every company's low-high CLV range overlaps the best company's."""
        best, *rest = self.ranked
        return any(c.clv.high >= best.clv.low for c in rest)

    @property
    def is_b2b(self) -> bool:
        return self.b2b is not None

    def company(self, cid: str) -> CompanyAnalysis:
        if cid not in self.companies:
            raise KeyError(f"unknown company {cid!r}; this case has {', '.join(self.companies)}")
        return self.companies[cid]


def _references(case: Case, companies: dict[str, CompanyAnalysis], journey) -> tuple[Reference, ...]:
    """Every source behind a figure the analysis shows, in order of first use, then the journey's sources."""
    ids: list[str] = []
    for company in companies.values():
        for line in company.input_lines:
            ids += [s for s in line.basis.sources if s not in ids]
    if journey is not None:
        for stage in journey.b2c_stages:
            for techniques in stage.techniques.values():
                for technique in techniques:
                    if technique.source and technique.source not in ids:
                        ids.append(technique.source)
    return tuple(reference(case, s) for s in ids)


def _mistake(case: Case, companies: dict[str, CompanyAnalysis]) -> MixedPeriodMistake | None:
    """The mixed-period mistake on the first company whose CLV figures are typed in more than one period."""
    for cid, company in companies.items():
        typed = [(fid, case.figure(owner, fid).per) for owner, fid in case.clv_figures(cid)
                 if case.figure(owner, fid).per is not None]
        if len({per for _, per in typed}) < 2:
            continue
        x = company.inputs
        rel = company.relationship

        def as_typed(fid: str, owner: str = cid) -> float:
            return case.scenario_value(owner, fid)

        stay = as_typed(rel.retention_figure)
        r = 1.0 - stay if rel.retention_is_churn else stay
        if rel.id == "subscription":
            revenue = as_typed("arpu")
        elif rel.id == "repeat_purchase":
            revenue = as_typed("order_value") * as_typed("purchase_frequency")
        else:
            revenue = as_typed("seats") * as_typed("price_per_seat")
        margin = revenue * x.margin_rate - (as_typed("retention_cost") if x.retention_cost is not None else 0.0)
        d = as_typed("discount_rate", "shared")
        try:
            # bare numbers on purpose: the period check that stops this mistake in the kit is what it bypasses
            wrong = float(lifetime_value(margin, r, d, acquisition_cost=x.acquisition_cost, timing=x.timing))
        except ValueError:
            continue
        return MixedPeriodMistake(cid, tuple(typed), wrong, company.clv.base, x.period)
    return None


def _b2b(case: Case, journey, companies: dict[str, CompanyAnalysis]) -> B2BView | None:
    contracts = tuple(cid for cid, c in companies.items() if c.relationship.id == "contract")
    b2b = getattr(journey, "b2b", None) if journey is not None else None
    if b2b is None and not contracts:
        return None
    from clvedu.decisions import b2b_account_value, buying_centre_table, situations_table

    if b2b is None:
        return B2BView(None, "", "", None, None, None, contracts)
    account = b2b_account_value(journey, case) if b2b.account is not None else None
    return B2BView(b2b.seller, b2b.scenario.strip(), b2b.buyer.strip(), situations_table(journey),
                   buying_centre_table(journey), account, contracts)


def load_journey_of(case: Case):
    """The case folder's ``journey.yaml``, or None when the folder has none."""
    from clvedu.cases.journey import journey_file, load_journey

    if case.path is None or not journey_file(case.path).is_file():
        return None
    return load_journey(case.path, case=case)


def analyse_case(case: Case, journey=None, *, load_journey: bool = True) -> CaseAnalysis:
    """Analyse every company of ``case``; ``journey`` defaults to the case folder's ``journey.yaml``, if any."""
    if journey is None and load_journey:
        journey = load_journey_of(case)
    companies = {cid: analyse_company(case, cid, journey) for cid in case.companies}
    stages = None
    if journey is not None:
        from clvedu.decisions import stage_table

        stages = stage_table(journey)
    return CaseAnalysis(case=case, journey=journey, companies=companies, stage_table=stages,
                        b2b=_b2b(case, journey, companies), references=_references(case, companies, journey),
                        mistake=_mistake(case, companies))


