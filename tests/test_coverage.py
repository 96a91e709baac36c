"""`clvedu coverage`: the criteria x slides matrix, talk time and problems, on generated and hand-made decks."""

from __future__ import annotations

from pathlib import Path

from pptx import Presentation

from clvedu.cli import main
from clvedu.decks.build import build_deck
from clvedu.decks.coverage import parse_maps_to, read_coverage
from clvedu.rubric import load_rubric

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"


def student_deck(path: Path, notes: list[str | None], titles: list[str] | None = None) -> Path:
    """A deck as a student might make it in PowerPoint: one title slide per entry, notes as given."""
    prs = Presentation()
    for i, text in enumerate(notes, 1):
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        slide.shapes.title.text = titles[i - 1] if titles else f"Slide {i}"
        if text is not None:
            slide.notes_slide.notes_text_frame.text = text
    prs.save(str(path))
    return path


ALL = "Maps to: LO1, LO2, LO3 · P1, P2, P3, P4, P5, P6, M1, M2, M3, D1"


def test_parse_maps_to_is_forgiving_about_case_and_separators():
    codes, rest = parse_maps_to("Some words here.\nmaps to : lo2; p4 / M2, x\n")
    assert codes == ["LO2", "P4", "M2"]
    assert "maps" not in rest.lower() and "Some words here." in rest


def test_complete_student_deck_passes(tmp_path, capsys):
    words = "word " * 650
    deck = student_deck(tmp_path / "s.pptx", [words + "\nMaps to: LO1 · P1", words + "\n" + ALL])
    assert main(["coverage", str(deck)]) == 0
    out = capsys.readouterr().out
    assert "1300 words" in out and "10.0 minutes" in out
    assert "Not covered: none" in out and "Slides without notes: none" in out
    p1_row = next(line for line in out.splitlines() if line.startswith("P1 "))
    assert p1_row.split()[1:] == ["●", "●", "2"]


def test_missing_notes_and_uncovered_criteria_fail(tmp_path, capsys):
    deck = student_deck(tmp_path / "s.pptx", ["Intro words.\nMaps to: LO1 · P1, P2", None, "   ", "Talk.\nMaps to: M7, P3"])
    cov = read_coverage(deck)
    assert cov.without_notes == [2, 3]
    assert cov.uncovered == ["LO2", "LO3", "P4", "P5", "P6", "M1", "M2", "M3", "D1"]
    assert main(["coverage", str(deck)]) == 1
    out = capsys.readouterr().out
    assert "Slides without notes: 2, 3" in out and "M7" in out and "Not covered: LO2" in out


def test_notes_without_a_mapping_line_count_words_but_claim_nothing(tmp_path):
    deck = student_deck(tmp_path / "s.pptx", ["Just talking about churn and margins today."])
    cov = read_coverage(deck)
    assert cov.slides[0].codes == [] and cov.slides[0].words == 7 and cov.slides[0].has_notes
    assert cov.uncovered == load_rubric().codes()


def test_generated_decks_are_fully_covered(tmp_path):
    for kind in ("exemplar", "briefing"):
        out = tmp_path / f"{kind}.pptx"
        build_deck(MINI, out, kind=kind)
        cov = read_coverage(out)
        assert cov.ok, (kind, cov.uncovered, cov.without_notes)
    assert 8.5 <= read_coverage(tmp_path / "exemplar.pptx").minutes <= 12.5


def test_talk_time_is_the_same_in_deck_and_coverage(tmp_path):
    """`clvedu deck` and `clvedu coverage` agree: backup slides after Questions are not part of the talk."""
    result = build_deck(MINI, tmp_path / "exemplar.pptx")
    cov = read_coverage(result.path)
    assert cov.words == result.words
    assert cov.backup_slides == [n for n, s in enumerate(result.slides, 1) if s.backup]
    assert cov.backup_slides, "the exemplar keeps detail on backup slides after Questions"


def test_slides_after_questions_or_titled_backup_are_not_timed(tmp_path, capsys):
    words = "word " * 130
    titles = ["Why CLV", "Backup: the sums", "Any questions?", "Appendix A", "Extra detail"]
    deck = student_deck(tmp_path / "s.pptx", [words] * 5, titles)
    cov = read_coverage(deck)
    assert cov.backup_slides == [2, 4, 5]
    assert cov.words == 260 and abs(cov.minutes - 2.0) < 1e-9
    main(["coverage", str(deck)])
    out = capsys.readouterr().out
    assert "260 words" in out and "3 backup slides not counted" in out


def test_unreadable_files_give_one_line(tmp_path, capsys):
    bad = tmp_path / "not.pptx"
    bad.write_text("hello", encoding="utf-8")
    assert main(["coverage", str(bad)]) == 2
    assert main(["coverage", str(tmp_path / "missing.pptx")]) == 2
    err = capsys.readouterr().err
    assert "not a PowerPoint" in err and "file not found" in err and "Traceback" not in err


def test_collect_text_reads_text_boxes_tables_and_notes_only_when_asked(tmp_path):
    from pptx.util import Inches

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "CLV per member"
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(6), Inches(2)).table
    table.cell(1, 1).text = "£152.47"
    slide.notes_slide.notes_text_frame.text = "It pays back in 11 months.\nMaps to: LO1 · P1"
    prs.save(str(tmp_path / "s.pptx"))
    text = read_coverage(tmp_path / "s.pptx", collect_text=True).text
    assert "CLV per member" in text.splitlines() and "£152.47" in text.splitlines()
    assert "It pays back in 11 months." in text
    assert read_coverage(tmp_path / "s.pptx").text == ""
