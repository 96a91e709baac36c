"""The Unit 38 rubric: codes, bands and criterion-to-outcome links exactly as the unit specifies."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from clvedu.errors import UserError
from clvedu.rubric import load_rubric, parse_rubric

# From the unit specification's grading table (seed 001).
LINKS = {
    "P1": ("LO1",), "P2": ("LO1",), "P3": ("LO1",), "M1": ("LO1",),
    "P4": ("LO2",), "P5": ("LO2",), "M2": ("LO2",),
    "P6": ("LO3",), "M3": ("LO3",),
    "D1": ("LO1", "LO2", "LO3"),
}
# Fingerprints of the specification's seven-word runs (not its text); tests/reference/regenerate.py makes them.
WORDING = Path(__file__).resolve().parent / "reference" / "unit38_wording.json"


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


def test_codes_in_order(rubric):
    assert rubric.codes() == ["LO1", "LO2", "LO3", "P1", "P2", "P3", "P4", "P5", "P6", "M1", "M2", "M3", "D1"]


def test_links_match_the_specification(rubric):
    assert {code: crit.outcomes for code, crit in rubric.criteria.items()} == LINKS


def test_bands_follow_the_letters(rubric):
    bands = {code: crit.band for code, crit in rubric.criteria.items()}
    assert bands == {code: {"P": "pass", "M": "merit", "D": "distinction"}[code[0]] for code in LINKS}


def test_criteria_for_each_outcome(rubric):
    assert [c.code for c in rubric.criteria_for("LO1")] == ["P1", "P2", "P3", "M1", "D1"]
    assert [c.code for c in rubric.criteria_for("LO2")] == ["P4", "P5", "M2", "D1"]
    assert [c.code for c in rubric.criteria_for("LO3")] == ["P6", "M3", "D1"]
    with pytest.raises(ValueError, match="outcome must be one of LO1, LO2, LO3; got 'LO4'"):
        rubric.criteria_for("LO4")


def test_every_entry_has_text(rubric):
    for lo in rubric.outcomes.values():
        assert lo.code.startswith("LO") and len(lo.title) > 20 and len(lo.summary) > 40 and len(lo.topics) >= 5
    for crit in rubric.criteria.values():
        assert len(crit.summary) > 30 and len(crit.evidence) >= 2
    assert rubric.unit.number == 38 and rubric.unit.credits == 15


def test_load_is_cached_and_frozen(rubric):
    assert load_rubric() is rubric
    with pytest.raises(Exception):
        rubric.criteria["P1"].band = "merit"


def test_describe(rubric):
    assert rubric.describe("M2").startswith("M2 (merit): ")
    assert rubric.describe("LO3") == f"LO3: {rubric.outcomes['LO3'].title}"
    with pytest.raises(ValueError, match="code must be one of"):
        rubric.describe("X9")


def test_a_link_to_an_unknown_outcome_is_rejected():
    text = """
unit: {number: 1, title: T, code: C, level: 5, credits: 15}
outcomes:
  LO1: {title: a title, summary: a summary, topics: [one]}
criteria:
  P1: {band: pass, outcomes: [LO1, LO4], summary: s, evidence: [e]}
"""
    with pytest.raises(UserError, match="P1 links to unknown outcome.*LO4"):
        parse_rubric(text, "test.yaml")


def test_unknown_field_is_rejected():
    text = """
unit: {number: 1, title: T, code: C, level: 5, credits: 15}
outcomes:
  LO1: {title: a title, summary: a summary, topics: [one], colour: red}
criteria: {}
"""
    with pytest.raises(UserError, match="test.yaml: outcomes.LO1.colour"):
        parse_rubric(text, "test.yaml")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def test_summaries_are_written_in_our_own_words(rubric):
    """No summary shares a run of seven words with the specification's wording."""
    reference = json.loads(WORDING.read_text(encoding="utf-8"))
    assert reference["run_words"] == 7
    spec_runs = set(reference["runs"])
    assert len(spec_runs) > 500  # the whole specification, not a fragment
    texts = [lo.title for lo in rubric.outcomes.values()] + [lo.summary for lo in rubric.outcomes.values()]
    texts += [t for lo in rubric.outcomes.values() for t in lo.topics]
    texts += [c.summary for c in rubric.criteria.values()] + [e for c in rubric.criteria.values() for e in c.evidence]
    for text in texts:
        words = _words(text)
        for i in range(len(words) - 6):
            run = " ".join(words[i:i + 7])
            fingerprint = hashlib.sha256(run.encode("utf-8")).hexdigest()[:16]
            assert fingerprint not in spec_runs, f"copied wording: {run!r} in {text!r}"
