"""The case-analysis layer: everything a reader sees about a case, computed once.

    >>> from clvedu.cases import load_case
    >>> from clvedu.analysis import analyse_case
    >>> a = analyse_case(load_case("case_studies/netflix_vs_prime_video"))   # doctest: +SKIP
    >>> round(a.company("netflix").clv.base, 2)                                # doctest: +SKIP
    152.47

Layers: it reads :mod:`clvedu.cases` (the data), :mod:`clvedu.levers` and :mod:`clvedu.clv` (the
formulas) and :mod:`clvedu.domain` (the vocabulary); the renderers (book, decks, workbooks, the
CLI) read it and compute nothing of their own.
"""

from clvedu.analysis.case import B2BView, CaseAnalysis, MixedPeriodMistake, analyse_case, load_journey_of
from clvedu.analysis.company import (
    SWING,
    BreakEven,
    CompanyAnalysis,
    InputLine,
    LeverEffect,
    PlanValue,
    ScenarioAnalysis,
    ScenarioValues,
    WorkedStep,
    analyse_company,
    current_plans,
    lever_effects,
)
from clvedu.analysis.sources import Basis, Reference, basis, reference

__all__ = [
    "B2BView", "Basis", "BreakEven", "CaseAnalysis", "CompanyAnalysis", "InputLine", "LeverEffect",
    "MixedPeriodMistake", "PlanValue", "Reference", "SWING", "ScenarioAnalysis", "ScenarioValues", "WorkedStep", "analyse_case",
    "analyse_company", "basis", "current_plans", "lever_effects", "load_journey_of", "reference",
]
