"""The book builds with warnings as errors, every chapter executes cleanly, and its worked examples are right.

The build runs once per test session (the execution cache keeps reruns fast); the executed notebooks
that Jupyter Book leaves in ``_build/jupyter_execute`` are then read back, so the numbers checked here are
exactly the numbers printed in the book.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
GLUE_PREFIX = "application/papermill.record/"

pytestmark = pytest.mark.book


def chapter_files() -> list[Path]:
    return sorted((BOOK / "chapters").glob("*.md"))


def executed(built: Path, chapter: Path) -> dict:
    """The chapter as executed by the build, with every output (removed cells included).

    Jupyter Book strips removed cells and glue outputs from the notebooks it publishes, so the
    outputs are read from the execution cache, which keeps them whole and matches the current text.
    """
    from jupyter_cache import get_cache

    cache = get_cache(built / ".jupyter_cache")
    record = cache.get_cached_project_nb(str(chapter.resolve()))
    assert record is not None, f"{chapter.name} has no up-to-date execution in the cache"
    return cache.get_cache_bundle(record.pk).nb


def glued(notebook: dict) -> dict[str, object]:
    """Every glued value by name: numbers and strings as Python values, glued sentences as their Markdown text."""
    values: dict[str, object] = {}
    for cell in notebook["cells"]:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            data = out.get("data", {})
            if name and GLUE_PREFIX + "text/markdown" in data:  # a sentence (clvedu.teaching.glue_sentence)
                values[name] = data[GLUE_PREFIX + "text/markdown"].replace("\\$", "$")
                continue
            text = data.get(GLUE_PREFIX + "text/plain")
            if name and text is not None:
                try:
                    values[name] = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    values[name] = text
    return values


def test_every_chapter_is_in_the_table_of_contents():
    toc = (BOOK / "_toc.yml").read_text()
    for chapter in chapter_files():
        assert f"chapters/{chapter.stem}" in toc, f"{chapter.name} is not listed in book/_toc.yml"


@pytest.mark.parametrize("chapter", chapter_files(), ids=lambda p: p.stem)
def test_chapter_executes_without_errors(built_book, chapter):
    nb = executed(built_book, chapter)
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", (
                f"{chapter.name} cell {i} raised {out.get('ename')}: {out.get('evalue')}"
            )
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                assert "Traceback" not in out.get("text", ""), f"{chapter.name} cell {i} printed a traceback"


def test_chapter_one_worked_examples_match_hand_calculations(built_book):
    g = glued(executed(built_book, BOOK / "chapters" / "01_what_clv_is.md"))

    # The one-customer example: $6 a month, 98% monthly retention, 10% a year.
    d = 1.10 ** (1 / 12) - 1
    assert g["ex_monthly_discount"] == pytest.approx(d)
    assert g["ex_multiple"] == pytest.approx(0.98 / (1 + d - 0.98))
    assert g["ex_end"] == pytest.approx(6 * 0.98 / (1 + d - 0.98))
    assert g["ex_end_all"] == pytest.approx(6 / (1 + d - 0.98))
    assert g["ex_start"] == pytest.approx(6 * (1 + d) / (1 + d - 0.98))
    assert g["ex_undiscounted"] == pytest.approx(6 / 0.02)
    hand_36 = sum(6 * 0.98**t / (1 + d) ** t for t in range(1, 37))
    assert g["ex_36"] == pytest.approx(hand_36)

    # Seed 002's software company: 50 x 0.5 x 1.1 = 27.5; 27.5 / 0.2 = 137.5; minus 100 = 37.5.
    assert g["seed_numerator"] == pytest.approx(27.5)
    assert g["seed_ratio"] == pytest.approx(137.5)
    assert g["seed_own_formula"] == pytest.approx(37.5)
    assert g["seed_printed"] == pytest.approx(175.0)
    # Annual units: margin 300 growing 10% a year, a flat $20 retention cost, end-of-year timing, less $100.
    hand = sum((300 * 1.1 ** (t - 1) - 20) * 0.9**t / 1.1**t for t in range(1, 4000)) - 100
    assert g["seed_annual_margin"] == pytest.approx(300.0)
    assert g["seed_consistent"] == pytest.approx(hand, rel=1e-6)

    # The case: Netflix's base CLV and payback from the case file's figures (16.28 a month, 40%, 2.2% churn, $60).
    r = 0.978
    assert g["case_clv_0"] == pytest.approx(16.28 * 0.40 * r / (1 + d - r) - 60)
    paid, month = 0.0, 0
    while paid < 60:
        month += 1
        paid += 16.28 * 0.40 * r**month / (1 + d) ** month
    assert g["case_payback_0"] == month

    # Exercises.
    dm = 1.12 ** (1 / 12) - 1
    assert g["exercise_1"] == pytest.approx(4 * 0.97 / (1 + dm - 0.97))
    assert g["exercise_2"] == pytest.approx(4 * 0.97 / (1 + dm - 0.97) - 150)
    assert g["exercise_3"] == pytest.approx(1 - 0.93 ** (1 / 12))


def test_built_pages_exist_for_every_chapter(built_book):
    html = built_book / "html"
    assert (html / "intro.html").is_file()
    for chapter in chapter_files():
        page = html / "chapters" / f"{chapter.stem}.html"
        assert page.is_file(), f"no page for {chapter.name}"
        text = page.read_text()
        assert "Traceback" not in text, f"{page.name} shows a traceback"


def test_execution_cache_is_cleared_when_the_kit_changes(tmp_path):
    import sys
    import types

    sys.path.insert(0, str(BOOK / "_ext"))
    try:
        import kit_cache
    finally:
        sys.path.pop(0)
    (tmp_path / "book" / "_build" / "html").mkdir(parents=True)
    (tmp_path / "clvedu").mkdir()
    (tmp_path / "clvedu" / "clv.py").write_text("MULTIPLE = 1\n")
    cache = tmp_path / "book" / "_build" / ".jupyter_cache"
    app = types.SimpleNamespace(srcdir=str(tmp_path / "book"), outdir=str(tmp_path / "book" / "_build" / "html"),
                                config=types.SimpleNamespace(nb_execution_cache_path=""))

    cache.mkdir()
    kit_cache._clear_stale_cache(app)  # no fingerprint yet: the cache may be stale
    assert not cache.exists()
    cache.mkdir()
    kit_cache._clear_stale_cache(app)  # nothing changed: the cache is kept
    assert cache.exists()
    env = types.SimpleNamespace(found_docs={"intro", "chapters/01"})
    assert kit_cache._reread_everything(app, env, set(), set(), set()) == ["chapters/01", "intro"]
    app = types.SimpleNamespace(**{k: v for k, v in vars(app).items() if k != "kit_changed"})
    kit_cache._clear_stale_cache(app)  # nothing changed: the cache is kept and no page is re-read
    assert cache.exists() and kit_cache._reread_everything(app, env, set(), set(), set()) == []
    (tmp_path / "clvedu" / "clv.py").write_text("MULTIPLE = 2\n")
    kit_cache._clear_stale_cache(app)  # the package changed: every page is read and every chapter runs again
    assert not cache.exists()
    assert kit_cache._reread_everything(app, env, set(), set(), set()) == ["chapters/01", "intro"]


@pytest.mark.parametrize("chapter", chapter_files(), ids=lambda p: p.stem)
def test_every_chapter_page_offers_its_executed_notebook(built_book, chapter):
    import json

    html = built_book / "html"
    page = (html / "chapters" / f"{chapter.stem}.html").read_text()
    link = f"_sources/chapters/{chapter.stem}.ipynb"
    assert link in page, f"{chapter.name}: no .ipynb in the download menu"
    notebook = json.loads((html / link).read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code and any(c.get("outputs") for c in code), f"{chapter.name}: the download has no outputs"
    assert any("clvedu" in "".join(c["source"]) for c in code)  # it runs the kit, not a copy of its numbers
    for cell in code:  # values kept only for the book's text would show as empty outputs in Jupyter
        for out in cell.get("outputs", []):
            assert not all(k.startswith(GLUE_PREFIX) for k in out.get("data", {"text/plain": ""}))
