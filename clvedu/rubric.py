"""Unit 38 (Customer Value Management): learning outcomes and grading criteria as package data.

The data live in ``clvedu/resources/unit38.yaml``, summarised in the kit's own words; the codes
(LO1-LO3, P1-P6, M1-M3, D1) and the links between criteria and outcomes follow the unit
specification exactly. Chapters use them for their "what this chapter covers" boxes, and the
marking deck for its evidence checklists.

    >>> from clvedu.rubric import load_rubric
    >>> [c.code for c in load_rubric().criteria_for("LO2")]
    ['P4', 'P5', 'M2', 'D1']
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from clvedu.errors import UserError
from clvedu.io import load_yaml

BANDS = ("pass", "merit", "distinction")
RESOURCE = "unit38.yaml"

NonEmpty = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(_Strict):
    number: int
    title: NonEmpty
    code: NonEmpty
    level: int
    credits: int


class LearningOutcome(_Strict):
    """A learning outcome: its code, a short title, a summary and the essential-content topics."""

    code: NonEmpty
    title: NonEmpty
    summary: NonEmpty
    topics: tuple[NonEmpty, ...] = Field(min_length=1)


class Criterion(_Strict):
    """A grading criterion: band, the outcomes it assesses, a summary and what evidence meets it."""

    code: NonEmpty
    band: Literal[BANDS]  # type: ignore[valid-type]
    outcomes: tuple[NonEmpty, ...] = Field(min_length=1)
    summary: NonEmpty
    evidence: tuple[NonEmpty, ...] = Field(min_length=1)


class Rubric(_Strict):
    """The unit, its outcomes (in order LO1, LO2, ...) and its criteria (in order P1..P6, M1..M3, D1)."""

    unit: Unit
    outcomes: dict[str, LearningOutcome]
    criteria: dict[str, Criterion]

    @model_validator(mode="before")
    @classmethod
    def _codes_from_keys(cls, data):
        """Each outcome and criterion is keyed by its code in the file; copy the key into ``code``."""
        if isinstance(data, dict):
            data = dict(data)
            for section in ("outcomes", "criteria"):
                items = data.get(section)
                if isinstance(items, dict):
                    data[section] = {code: {"code": code, **(body or {})} for code, body in items.items()}
        return data

    @model_validator(mode="after")
    def _links_exist(self) -> "Rubric":
        for crit in self.criteria.values():
            unknown = [lo for lo in crit.outcomes if lo not in self.outcomes]
            if unknown:
                raise ValueError(f"criterion {crit.code} links to unknown outcome(s) {', '.join(unknown)}; "
                                 f"the outcomes are {', '.join(self.outcomes)}")
            expected_letter = crit.band[0].upper()
            if not crit.code.startswith(expected_letter):
                raise ValueError(f"criterion {crit.code} is in band {crit.band}, whose codes start with {expected_letter}")
        return self

    def criteria_for(self, outcome: str) -> list[Criterion]:
        """The criteria that assess ``outcome``, in rubric order (pass, merit, then distinction)."""
        if outcome not in self.outcomes:
            raise ValueError(f"outcome must be one of {', '.join(self.outcomes)}; got {outcome!r}")
        return [c for c in self.criteria.values() if outcome in c.outcomes]

    def codes(self) -> list[str]:
        """Every code in order: the outcomes, then the criteria (``LO1, LO2, LO3, P1, ..., D1``)."""
        return [*self.outcomes, *self.criteria]

    def describe(self, code: str) -> str:
        """``"P1 (pass): Explain each component ..."`` or ``"LO1: Explain customer lifetime value ..."``."""
        if code in self.outcomes:
            return f"{code}: {self.outcomes[code].title}"
        if code in self.criteria:
            crit = self.criteria[code]
            return f"{code} ({crit.band}): {crit.summary}"
        raise ValueError(f"code must be one of {', '.join(self.codes())}; got {code!r}")


def parse_rubric(text: str, name: str = RESOURCE) -> Rubric:
    """Validate rubric YAML text; problems raise :class:`UserError` naming ``name`` and the field."""
    try:
        data = load_yaml(text)
        return Rubric.model_validate(data)
    except yaml.YAMLError as exc:
        raise UserError(f"{name}: malformed YAML: {exc}") from None
    except ValidationError as exc:
        lines = [f"{name}: {'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg']}" for e in exc.errors()]
        raise UserError("\n".join(lines)) from None


@lru_cache(maxsize=1)
def load_rubric() -> Rubric:
    """The Unit 38 rubric shipped with the package (parsed once, then cached; the objects are frozen)."""
    text = resources.files("clvedu").joinpath("resources", RESOURCE).read_text(encoding="utf-8")
    return parse_rubric(text)
