"""The book reads like a course text: every chapter has its outcomes, summary and exercises; the
assessment guide covers every criterion; glossary terms and references are defined and used; and the
case and assessment chapters' worked figures and exercise solutions match independent hand calculations.

The structural checks read the Markdown sources (fast); the numeric checks read the executed notebooks
from the session's book build (``built_book``), as ``tests/test_book.py`` does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from clvedu.assessment import (
    chapter_file,
    chapter_title,
    headings,
    load_criteria_map,
    parse_criteria_map,
)
from clvedu.errors import UserError
from clvedu.rubric import load_rubric

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted((BOOK / "chapters").glob("*.md"))
CASE_YAML = ROOT / "case_studies" / "netflix_vs_prime_video" / "case.yaml"

ROLE = re.compile(r"\{(?P<role>term|cite(?::[a-z]+)?)\}`(?P<body>[^`]+)`")


def roles(text: str, kind: str) -> list[str]:
    """Targets of ``{term}`...``` or ``{cite:*}`...``` roles (``text <target>`` gives ``target``)."""
    out = []
    for m in ROLE.finditer(text):
        if not m["role"].startswith(kind):
            continue
        body = m["body"]
        target = re.search(r"<([^>]+)>\s*$", body)
        body = target[1] if target else body
        out += [k.strip() for k in body.split(",")] if kind == "cite" else [body.strip()]
    return out


def prose(path: Path) -> str:
    """A chapter's Markdown with its code cells removed."""
    return re.sub(r"```\{code-cell\}.*?\n```", "", path.read_text(encoding="utf-8"), flags=re.S)


# --- every chapter: outcomes first, summary and exercises last ----------------------------------------

@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_opens_with_outcomes_and_criteria(chapter):
    text = chapter.read_text(encoding="utf-8")
    body = text.split("\n# ", 1)[1]  # after the front matter and the title line
    first_cell = re.search(r"```\{code-cell\}[^\n]*\n(.*?)\n```", body, flags=re.S)
    assert first_cell is not None, f"{chapter.name} has no code cell"
    before = body[: first_cell.start()].split("\n", 1)[1].strip()
    assert before == "", f"{chapter.name}: the learning-outcomes box must come straight after the title"
    call = re.search(r"outcomes_box\(\s*\[(?P<los>[^\]]*)\]\s*,\s*\[(?P<crits>[^\]]*)\]", first_cell[1])
    assert call, f"{chapter.name}: the first cell must show outcomes_box([...outcomes], [...criteria])"
    rubric = load_rubric()
    los = re.findall(r"LO\d", call["los"])
    crits = re.findall(r"[PMD]\d", call["crits"])
    assert los and all(lo in rubric.outcomes for lo in los), f"{chapter.name}: outcomes {los}"
    assert crits and all(c in rubric.criteria for c in crits), f"{chapter.name}: criteria {crits}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_closes_with_summary_and_exercises(chapter):
    h2 = [text for level, text in headings(chapter) if level == 2]
    assert h2[-2:] == ["Summary", "Exercises"], f"{chapter.name} ends with sections {h2[-2:]}"
    exercises = chapter.read_text(encoding="utf-8").split("\n## Exercises", 1)[1]
    labels = re.findall(r"```\{exercise\}\n:label: (\S+)", exercises)
    solved = re.findall(r"```\{solution\} (\S+)\n:class: dropdown", exercises)
    assert labels, f"{chapter.name} has no exercises"
    assert sorted(labels) == sorted(solved), f"{chapter.name}: every exercise needs a solution hidden in a dropdown"


# --- the assessment guide's map ------------------------------------------------------------------------

def test_criteria_map_covers_every_criterion_with_real_sections():
    rubric = load_rubric()
    cmap = load_criteria_map()
    assert list(cmap) == list(rubric.criteria)
    for code, places in cmap.items():
        assert any(chapter_file(BOOK, p.chapter) for p in places), f"{code}: no written chapter teaches it"
        for place in places:
            path = chapter_file(BOOK, place.chapter)
            if path is None:
                assert place.look_for, f"{code}: chapter {place.chapter} is not written and says nothing to look for"
                continue
            titles = [text for _, text in headings(path)]
            for section in place.sections:
                assert section in titles, f"{code}: {path.name} has no section {section!r}"


def test_criteria_map_rejects_unknown_missing_and_malformed_entries():
    good = (ROOT / "clvedu" / "resources" / "criteria_map.yaml").read_text()
    with pytest.raises(UserError, match="unknown criterion code.*P9"):
        parse_criteria_map(good + '\nP9:\n  - {chapter: "01", sections: ["x"]}\n')
    without_d1 = re.sub(r"\nD1:.*", "", good, flags=re.S)
    with pytest.raises(UserError, match="no entry for criterion D1"):
        parse_criteria_map(without_d1)
    with pytest.raises(UserError, match=r"P1\[0\]\.chapter: must be a two-digit"):
        parse_criteria_map(good.replace('P1:\n  - {chapter: "01"', 'P1:\n  - {chapter: "1"', 1))
    with pytest.raises(UserError, match=r"P2\[0\]: give the 'sections'"):
        parse_criteria_map(good.replace('P2:\n  - {chapter: "01", sections: ["Why firms care (P2)"]}',
                                        'P2:\n  - {chapter: "01"}', 1))
    with pytest.raises(UserError, match="malformed YAML"):
        parse_criteria_map("P1: [")


def test_chapter_titles_are_read_from_the_files():
    assert chapter_title(BOOK / "chapters" / "06_case_study.md") == "Case study: Netflix vs Amazon Prime Video"
    # a '#' comment inside a code cell is not a heading
    assert all(not t.startswith("Value members") for _, t in headings(BOOK / "chapters" / "02_measuring_clv.md"))


def test_every_criterion_is_in_the_assessment_guide_table(built_book):
    page = (built_book / "html" / "chapters" / "07_assessment_guide.html").read_text(encoding="utf-8")
    table = page.split("Where each criterion is taught", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)
    first_cells = [re.sub(r"<[^>]+>", " ", re.search(r"<td[^>]*>(.*?)</td>", r, flags=re.S)[1]).split()[0]
                   for r in rows if "<td" in r]
    assert first_cells == list(load_rubric().criteria)
    for code, row in zip(first_cells, (r for r in rows if "<td" in r)):
        assert "reference internal" in row, f"{code}: the row links no chapter"


# --- glossary ------------------------------------------------------------------------------------------

def glossary_entries() -> list[list[str]]:
    """Each glossary entry as its list of names (a term and its aliases), in file order."""
    block = (BOOK / "glossary.md").read_text(encoding="utf-8").split("```{glossary}", 1)[1].split("\n```", 1)[0]
    entries, names = [], []
    for line in block.splitlines():
        if line and not line.startswith(" "):
            names.append(line.strip())
        elif line.startswith("  ") and names:
            entries.append(names)
            names = []
    return entries


def test_glossary_has_the_terms_the_unit_needs():
    names = {n.lower() for entry in glossary_entries() for n in entry}
    for term in ["clv", "churn", "retention rate", "margin multiple", "discount rate", "arpu", "contribution margin",
                 "acquisition cost", "derl", "sbg", "bg/nbd", "rfm", "stp", "segmentation bases", "positioning",
                 "involvement", "perceived risk", "consumer learning", "buy classes", "buying centre", "cross-sell",
                 "upsell", "loyalty programme"]:
        assert term in names, f"the glossary has no entry for {term!r}"


def test_term_links_resolve_and_every_term_is_used_in_a_chapter():
    entries = glossary_entries()
    known = {n.lower(): i for i, entry in enumerate(entries) for n in entry}
    used = set()
    for path in [*CHAPTERS, BOOK / "glossary.md", BOOK / "intro.md"]:
        for target in roles(path.read_text(encoding="utf-8"), "term"):
            assert target.lower() in known, f"{path.name} links {{term}}`{target}`, which the glossary lacks"
            if path.parent.name == "chapters":
                used.add(known[target.lower()])
    unused = [entries[i][0] for i in range(len(entries)) if i not in used]
    assert not unused, f"glossary terms no chapter links to: {unused}"


# --- references ----------------------------------------------------------------------------------------

def bib_entries() -> dict:
    from pybtex.database import parse_file

    return parse_file(str(BOOK / "references.bib")).entries


def test_every_case_source_has_a_reference_entry():
    sources = yaml.safe_load(CASE_YAML.read_text())["sources"]
    entries = bib_entries()
    missing = [s for s in sources if s not in entries]
    assert not missing, f"case sources without a references.bib entry: {missing}"
    for sid, src in sources.items():
        year = str(src.get("date", ""))[:4]
        if year:
            assert entries[sid].fields["year"] == year, f"{sid}: year {entries[sid].fields['year']} vs case date {year}"


def test_every_reference_is_cited_and_every_citation_exists(built_book):
    from test_book import executed

    cited = set()
    for path in BOOK.rglob("*.md"):
        if "_build" not in path.parts:
            cited |= set(roles(path.read_text(encoding="utf-8"), "cite"))
    # the case chapter cites its sources from tables generated out of the case data
    for cell in executed(built_book, BOOK / "chapters" / "06_case_study.md")["cells"]:
        for out in cell.get("outputs", []):
            cited |= set(roles(str(out.get("data", {}).get("text/markdown", "")), "cite"))
    keys = set(bib_entries())
    assert cited <= keys, f"citations with no entry: {sorted(cited - keys)}"
    assert keys <= cited, f"references never cited: {sorted(keys - cited)}"


# --- worked figures and exercise solutions ------------------------------------------------------------

def _clv(margin, retention, monthly_discount, acquisition):
    """Gupta & Lehmann, margin at the end of each month: m r / (1 + d - r) - AC."""
    return margin * retention / (1 + monthly_discount - retention) - acquisition


@pytest.fixture(scope="module")
def case_chapter(built_book):
    from test_book import executed, glued

    return glued(executed(built_book, BOOK / "chapters" / "06_case_study.md"))


@pytest.fixture(scope="module")
def raw_case():
    data = yaml.safe_load(CASE_YAML.read_text())
    netflix = data["companies"]["netflix"]["figures"]
    prime = data["companies"]["prime_video"]["figures"]
    discount = data["shared"]["discount_rate"]
    monthly_d = {s: (1 + discount[k]) ** (1 / 12) - 1 for s, k in [("low", "high"), ("base", "value"), ("high", "low")]}
    fig = lambda f, s, pessimistic: f["value"] if s == "base" else f[pessimistic if s == "low" else
                                                                   ("low" if pessimistic == "high" else "high")]
    hand = {}
    for s in ("low", "base", "high"):
        n_m = netflix["ucan_arm_2023"]["value"] * fig(netflix["contribution_margin"], s, "low")
        n_r = 1 - fig(netflix["churn"], s, "high")
        hand["netflix", s] = dict(margin=n_m, retention=n_r, d=monthly_d[s],
                                  ac=fig(netflix["acquisition_cost"], s, "high"))
        p_m = prime["standalone_price"]["value"] * fig(prime["contribution_margin"], s, "low")
        p_r = fig(prime["renewal_first_year"], s, "low") ** (1 / 12)
        hand["prime_video", s] = dict(margin=p_m, retention=p_r, d=monthly_d[s],
                                      ac=fig(prime["acquisition_cost"], s, "high"))
    return data, hand


def test_case_chapter_clv_scenarios_match_hand_calculations(case_chapter, raw_case):
    g = case_chapter
    _, hand = raw_case
    values = {}
    for (cid, s), x in hand.items():
        values[cid, s] = _clv(x["margin"], x["retention"], x["d"], x["ac"])
        assert g[f"clv_{cid}_{s}"] == pytest.approx(values[cid, s]), (cid, s)
        assert g[f"clv_{cid}_{s}_gross"] == pytest.approx(values[cid, s] + x["ac"]), (cid, s)
    overlap = max(values[c, "low"] for c in ("netflix", "prime_video")) <= min(values[c, "high"] for c in ("netflix", "prime_video"))
    assert g["ranges_overlap"] == ("overlap" if overlap else "do not overlap")
    leader = max(("netflix", "prime_video"), key=lambda c: values[c, "base"])
    assert g["base_gap"] == pytest.approx(abs(values["netflix", "base"] - values["prime_video", "base"]))
    assert g["base_leader"] == {"netflix": "Netflix", "prime_video": "Amazon Prime Video"}[leader]
    assert g["lifetime_netflix"] == pytest.approx(1 / (1 - hand["netflix", "base"]["retention"]))
    # the prose says Netflix has the higher monthly margin and the higher churn in every scenario
    for s in ("low", "base", "high"):
        assert hand["netflix", s]["margin"] > hand["prime_video", s]["margin"]
        assert hand["netflix", s]["retention"] < hand["prime_video", s]["retention"]


def test_case_chapter_levers_and_segments_match_hand_calculations(case_chapter, raw_case):
    g = case_chapter
    data, hand = raw_case
    for cid in ("netflix", "prime_video"):
        x = hand[cid, "base"]
        base = _clv(x["margin"], x["retention"], x["d"], x["ac"])
        churn = 1 - x["retention"]
        assert g[f"gain_{cid}_churn"] == pytest.approx(_clv(x["margin"], 1 - 0.9 * churn, x["d"], x["ac"]) - base)
        assert g[f"gain_{cid}_revenue"] == pytest.approx(_clv(1.1 * x["margin"], x["retention"], x["d"], x["ac"]) - base)
        assert g[f"gain_{cid}_acquisition"] == pytest.approx(0.1 * x["ac"])
    prime = data["companies"]["prime_video"]["figures"]
    p = hand["prime_video", "base"]
    new = _clv(p["margin"], prime["renewal_first_year"]["value"] ** (1 / 12), p["d"], 0)
    established = _clv(p["margin"], prime["renewal_after_first_year"]["value"] ** (1 / 12), p["d"], 0)
    assert g["tenure_ratio"] == pytest.approx(established / new)
    gap = prime["spend_member"]["value"] - prime["spend_non_member"]["value"]
    assert g["spend_gap"] == pytest.approx(gap)
    assert g["what_if_5"] == pytest.approx(_clv(gap / 12 * 0.05, p["retention"], p["d"], 0))
    n = hand["netflix", "base"]
    assert g["tier_premium"] == pytest.approx(_clv(22.99 * 0.40, n["retention"], n["d"], 0))
    assert g["tier_ads"] == pytest.approx(_clv(6.99 * 0.40, n["retention"], n["d"], 0))
    # evidence count: of the nine CLV inputs, Netflix's churn is the only reported one
    kinds = [data["companies"][c]["figures"][f]["kind"] for c in ("netflix", "prime_video")
             for f in ("arpu", "contribution_margin", "churn", "acquisition_cost")] + [data["shared"]["discount_rate"]["kind"]]
    assert (g["n_inputs"], g["n_reported"], g["n_derived"], g["n_assumed"]) == (
        9, kinds.count("reported"), kinds.count("derived"), kinds.count("assumption"))


def test_case_chapter_exercise_solutions(case_chapter, raw_case):
    g = case_chapter
    _, hand = raw_case
    n = hand["netflix", "base"]
    assert g["ex6_monthly_discount"] == pytest.approx(1.10 ** (1 / 12) - 1)
    assert g["ex6_netflix_clv"] == pytest.approx(16.28 * 0.40 * 0.978 / (1 + (1.10 ** (1 / 12) - 1) - 0.978) - 60)
    assert g["ex6_prime_churn"] == pytest.approx(1 - 0.93 ** (1 / 12))
    assert g["ex6_churn_gain"] == pytest.approx(_clv(n["margin"], 0.98, n["d"], 60) - _clv(n["margin"], 0.978, n["d"], 60))
    assert g["ex6_premium_monthly_margin"] == pytest.approx(22.99 * 0.40)
    assert g["ex6_premium_value"] == pytest.approx(_clv(22.99 * 0.40, 0.978, n["d"], 0))
    assert g["retention_1pct_churn_cut"] == pytest.approx(1 - (1 - 1.01 * 0.978) / 0.022)


def test_assessment_guide_figures_and_exercise_solutions(built_book):
    from test_book import executed, glued

    g = glued(executed(built_book, BOOK / "chapters" / "07_assessment_guide.md"))
    assert g["n_criteria"] == 10
    assert g["target_words"] == pytest.approx(130 * 10)
    assert g["ex7_minutes"] == pytest.approx(1610 / 130)
    assert g["ex7_cut"] == pytest.approx(1610 - 1300)
    assert g["ex7_words_per_slide"] == pytest.approx(1300 / 12)
    # The four-slide draft claims LO1, P1, M1 (slide 1), P3 (slide 2), LO2, P4 (slide 3); slide 4 has no notes.
    assert g["draft_claimed"] == "LO1, LO2, P1, P3, P4, M1"
    assert g["draft_missing"] == "LO3, P2, P5, P6, M2, M3, D1"
    assert g["draft_status"] == 1
