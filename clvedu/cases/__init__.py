"""Case folders: a pydantic schema for ``case.yaml``, a loader with precise errors, and CLV inputs.

    >>> from clvedu.cases import load_case
    >>> case = load_case("case_studies/netflix_vs_prime_video")      # doctest: +SKIP
    >>> x = case.clv_inputs("netflix")                                 # doctest: +SKIP

See :mod:`clvedu.cases.schema` for the file format, :mod:`clvedu.cases.derive` for derived
figures and :mod:`clvedu.cases.model` for the scenario rule of :meth:`Case.clv_inputs`.
"""

from clvedu.cases.derive import compute_derived
from clvedu.cases.loader import CASE_FILE, CaseError, case_file, load_case
from clvedu.cases.model import PESSIMISTIC_END, SCENARIOS, Case, CLVInputs
from clvedu.cases.schema import (
    DERIVE_METHODS,
    KINDS,
    Company,
    Derivation,
    Event,
    Figure,
    Plan,
    Source,
)

__all__ = [
    "CASE_FILE", "CLVInputs", "Case", "CaseError", "Company", "DERIVE_METHODS", "Derivation",
    "Event", "Figure", "KINDS", "PESSIMISTIC_END", "Plan", "SCENARIOS", "Source", "case_file", "compute_derived",
    "load_case",
]
