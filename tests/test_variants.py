"""``clvedu variants``: a variant of the case for every student, their data sheets and the answer key.

The checks are independent of the code under test wherever they can be: ranges are compared with the
original case file, CLVs with ``clvedu case show --json`` of each written folder and with a CLV worked by
hand, break-even with what it promises (a 10% price rise at that churn leaves CLV unchanged), and the
workbook is read back from its XML.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

from clvedu.cases import load_case
from clvedu.cli import main
from clvedu.commands.case import show_json
from clvedu.levers import clv, with_arpu, with_churn
from clvedu.variants import RosterError, VariantDrawer, generate_variants, read_roster, valid_variant
from clvedu.variants import generate as generate_module
from clvedu.variants.draw import number_text, step_decimals
from clvedu.variants.sheet import soffice_path, writer_missing

ROOT = Path(__file__).resolve().parents[1]
NETFLIX = ROOT / "case_studies" / "netflix_vs_prime_video"
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"
SEED = 20240917


def write_roster(path: Path, n: int = 30, *, header=("student_id", "name", "group"), start: int = 1) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(header)
        for i in range(start, start + n):
            w.writerow([f"k{i:04d}", f"Student {i}", "AB"[i % 2]])
    return path


def read_key(folder: Path) -> list[dict[str, str]]:
    with open(folder / "answer_key.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def xlsx_cells(path: Path, sheet: int = 1) -> list[list[str]]:
    """The cells of one worksheet as text, read straight from the workbook's XML."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as z:
        shared = [("".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")))
                  for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns)]
        root = ElementTree.fromstring(z.read(f"xl/worksheets/sheet{sheet}.xml"))
    rows = []
    for row in root.iter(f"{{{ns['m']}}}row"):
        cells = []
        for c in row.findall("m:c", ns):
            v = c.find("m:v", ns)
            text = "" if v is None else v.text
            cells.append(shared[int(text)] if c.get("t") == "s" else text)
        rows.append(cells)
    return rows


@pytest.fixture(scope="module")
def netflix_set(tmp_path_factory):
    base = tmp_path_factory.mktemp("netflix")
    roster = write_roster(base / "class.csv")
    out = base / "out"
    result = generate_variants(NETFLIX, roster, out, seed=SEED, pdf=False)
    return roster, out, result


@pytest.fixture(scope="module")
def mini_set(tmp_path_factory):
    base = tmp_path_factory.mktemp("mini")
    roster = write_roster(base / "class.csv")
    out = base / "out"
    result = generate_variants(MINI, roster, out, seed=SEED, pdf=False)
    return roster, out, result


def _figures(case):
    yield from (("shared", fid, f) for fid, f in case.shared.items())
    for cid, company in case.companies.items():
        yield from ((cid, fid, f) for fid, f in company.figures.items())


# --- a class of 30 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["netflix_set", "mini_set"])
def test_thirty_students_get_a_folder_each_and_a_key_row_each(which, request):
    roster, out, result = request.getfixturevalue(which)
    assert result.students == 30 and result.edits_text
    ids = [f"k{i:04d}" for i in range(1, 31)]
    for sid in ids:
        names = {p.name for p in (out / sid).iterdir()}
        assert {"case.yaml", "journey.yaml", "data_sheet.html"} <= names
        src = NETFLIX if which == "netflix_set" else MINI
        assert (out / sid / "journey.yaml").read_bytes() == (src / "journey.yaml").read_bytes()
    rows = read_key(out)
    assert [r["student_id"] for r in rows] == ids
    assert [r["name"] for r in rows] == [f"Student {i}" for i in range(1, 31)]  # roster columns kept, in order
    assert list(rows[0])[:3] == ["student_id", "name", "group"]


@pytest.mark.parametrize("which,source", [("netflix_set", NETFLIX), ("mini_set", MINI)])
def test_every_variant_validates_within_the_original_ranges(which, source, request):
    _, out, _ = request.getfixturevalue(which)
    original = load_case(source)
    seen: dict[tuple[str, str], set[float]] = {}
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        variant = load_case(folder)  # the kit's own loader and every whole-case check
        for owner, fid, fig in _figures(original):
            new = variant.figure(owner, fid)
            if fig.kind == "reported" or (fig.kind == "assumption" and not fig.bound("high") > fig.bound("low")):
                assert (new.value, new.low, new.high) == (fig.value, fig.low, fig.high), (folder.name, owner, fid)
            elif fig.kind == "assumption":
                lo, hi = fig.bound("low"), fig.bound("high")
                assert lo <= new.bound("low") <= new.value <= new.bound("high") <= hi, (folder.name, owner, fid)
                seen.setdefault((owner, fid), set()).add(new.value)
    assert seen, "the case has ranged assumptions to draw"
    for key, values in seen.items():
        assert len(values) > 3, f"{key} took only {sorted(values)} across 30 students"


def test_variants_differ_between_students(netflix_set):
    _, out, _ = netflix_set
    drawn = set()
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        case = load_case(folder)
        drawn.add(tuple((owner, fid, f.value, f.low, f.high) for owner, fid, f in _figures(case)
                        if f.kind == "assumption"))
    assert len(drawn) == 30
    bases = {r["netflix_clv_base_usd"] for r in read_key(out)}
    assert len(bases) > 25  # CLVs rounded to the cent: a collision or two is possible, not a pattern


def test_variant_file_keeps_the_original_text_except_the_drawn_numbers(netflix_set):
    _, out, _ = netflix_set
    original = (NETFLIX / "case.yaml").read_text(encoding="utf-8").splitlines()
    variant = (out / "k0001" / "case.yaml").read_text(encoding="utf-8").splitlines()
    header = [line for line in variant if line.startswith("#")][:5]
    assert any("k0001" in line for line in header)
    body = variant[len(variant) - len(original):]
    assert len(body) == len(original)
    changed = [(a, b) for a, b in zip(original, body) if a != b]
    assert changed
    for before, after in changed:  # only a number after value:, low: or high: may change
        key = r"^(\s*(?:value|low|high): )"
        assert re.match(key, before) and re.match(key, after), (before, after)
        assert re.match(key, before).group(1) == re.match(key, after).group(1)
    comments = [line for line in original if line.lstrip().startswith("#")]
    assert all(c in body for c in comments)


# --- the answer key ------------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["netflix_set", "mini_set"])
def test_answer_key_equals_case_show_json_of_each_folder(which, request):
    _, out, _ = request.getfixturevalue(which)
    rows = read_key(out)
    for row in rows:
        shown = show_json(load_case(out / row["student_id"]))
        cur = shown["currency"].lower()
        for cid, company in shown["companies"].items():
            for scenario in ("low", "base", "high"):
                key_value = float(row[f"{cid}_clv_{scenario}_{cur}"])
                assert abs(key_value - company["clv"][scenario]) <= 0.005 + 1e-9, (row["student_id"], cid, scenario)
                assert re.fullmatch(r"-?\d+\.\d\d", row[f"{cid}_clv_{scenario}_{cur}"])


def test_answer_key_base_clv_matches_a_hand_calculation(netflix_set):
    """Netflix's CLV worked by hand from the variant's own figures: m r / (1 + d - r) - AC, all per month."""
    _, out, _ = netflix_set
    for row in read_key(out)[:10]:
        case = load_case(out / row["student_id"])
        f = case.companies["netflix"].figures
        margin = f["arpu"].value * f["contribution_margin"].value
        r = 1 - f["churn"].value
        d = (1 + case.shared["discount_rate"].value) ** (1 / 12) - 1
        by_hand = margin * r / (1 + d - r) - f["acquisition_cost"].value
        assert float(row["netflix_clv_base_usd"]) == pytest.approx(by_hand, abs=0.005)


def test_break_even_payback_and_lever_do_what_they_say(netflix_set):
    _, out, _ = netflix_set
    for row in read_key(out)[:10]:
        case = load_case(out / row["student_id"])
        for cid in case.companies:
            x = case.clv_inputs(cid)
            churn = float(row[f"{cid}_break_even_churn_per_month"])
            raised = with_arpu(with_churn(x, churn), float(x.arpu.value) * 1.10)
            # at the break-even churn (to 4 decimals) a 10% price rise leaves CLV where it was, within rounding
            assert clv(raised) == pytest.approx(clv(x), rel=0.01)
            assert churn > float(x.churn.value)  # a price rise can afford some extra churn
            # payback by hand: the first month by whose end the survival-weighted, discounted margins
            # m r^t / (1 + d)^t add up to the acquisition cost (neither company has growth or a retention cost)
            assert x.growth is None and x.retention_cost is None
            m, r, d = float(x.margin.value), float(x.retention.value), float(x.discount.value)
            total, month = 0.0, 0
            while total < x.acquisition_cost:
                month += 1
                total += m * r ** month / (1 + d) ** month
            assert int(row[f"{cid}_payback_months"]) == month
            gains = {"retention": clv(with_churn(x, float(x.churn.value) * 0.9)) - clv(x),
                     "revenue": clv(with_arpu(x, float(x.arpu.value) * 1.1)) - clv(x),
                     "acquisition": 0.1 * x.acquisition_cost}
            best = max(gains, key=gains.get)
            words = {"retention": "churn", "revenue": "revenue", "acquisition": "acquisition"}[best]
            assert words in row[f"{cid}_strongest_lever"].lower()


def test_workbook_holds_the_same_table_as_the_csv(netflix_set):
    _, out, _ = netflix_set
    with open(out / "answer_key.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    cells = xlsx_cells(out / "answer_key.xlsx")
    assert cells[0] == table[0]
    assert len(cells) == len(table)
    for got, want in zip(cells[1:], table[1:]):
        for g, w in zip(got, want):
            if re.fullmatch(r"-?\d+(\.\d+)?", w):
                assert float(g) == pytest.approx(float(w), abs=1e-9)
            else:
                assert g == w
    about = xlsx_cells(out / "answer_key.xlsx", sheet=2)
    assert ["seed", str(SEED)] in about


def test_same_roster_and_seed_give_identical_files_and_another_seed_does_not(netflix_set, tmp_path):
    roster, out, _ = netflix_set
    again = tmp_path / "again"
    generate_variants(NETFLIX, roster, again, seed=SEED, pdf=False)
    for name in ("answer_key.csv", "answer_key.xlsx"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
    for sid in ("k0001", "k0017", "k0030"):
        assert (again / sid / "case.yaml").read_bytes() == (out / sid / "case.yaml").read_bytes()
        assert (again / sid / "data_sheet.html").read_bytes() == (out / sid / "data_sheet.html").read_bytes()
    other = tmp_path / "other"
    generate_variants(NETFLIX, roster, other, seed=SEED + 1, pdf=False)
    for name in ("answer_key.csv", "answer_key.xlsx"):
        assert (other / name).read_bytes() != (out / name).read_bytes(), name


def test_a_students_variant_does_not_depend_on_the_rest_of_the_roster(netflix_set, tmp_path):
    _, out, _ = netflix_set
    roster = write_roster(tmp_path / "late.csv", 3, start=29)  # k0029, k0030 and a late joiner k0031
    generate_variants(NETFLIX, roster, tmp_path / "late", seed=SEED, pdf=False)
    for sid in ("k0029", "k0030"):
        assert (tmp_path / "late" / sid / "case.yaml").read_bytes() == (out / sid / "case.yaml").read_bytes()


def test_a_draw_that_fails_validation_is_redrawn_deterministically(monkeypatch):
    drawer = VariantDrawer(MINI)
    real = generate_module.validate_draw
    calls = []

    def fail_first(draw):
        calls.append(draw.text)
        if len(calls) % 2 == 1:
            raise ValueError("pretend the first draw is invalid")
        return real(draw)

    monkeypatch.setattr(generate_module, "validate_draw", fail_first)
    first = valid_variant(drawer, "s1", 5)
    second = valid_variant(drawer, "s1", 5)
    assert first.attempts == second.attempts == 2
    assert first.draw.text == second.draw.text == drawer.draw("s1", 5, attempt=1).text
    assert drawer.draw("s1", 5, attempt=1).text != drawer.draw("s1", 5, attempt=0).text


# --- the data sheet -------------------------------------------------------------------------------

class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.parts.append(data)

    @property
    def text(self):
        return " ".join(" ".join(self.parts).split())


def _shown(value: float, unit: str, currency_symbol: str) -> str:
    if unit in ("share", "rate"):
        return f"{round(100 * value, 3):g}%"
    if unit == "GBP" or unit == "USD":
        return f"{currency_symbol}{value:,.0f}" if float(value).is_integer() else f"{currency_symbol}{value:,.2f}"
    return f"{value:g}"


@pytest.mark.parametrize("which", ["netflix_set", "mini_set"])
def test_data_sheet_shows_each_of_the_students_inputs_and_no_answer(which, request):
    _, out, _ = request.getfixturevalue(which)
    rows = {r["student_id"]: r for r in read_key(out)}
    for sid in ("k0001", "k0002", "k0030"):
        case = load_case(out / sid)
        symbol = {"USD": "$", "GBP": "£"}[case.currency]
        page = _Text()
        page.feed((out / sid / "data_sheet.html").read_text(encoding="utf-8"))
        text = page.text
        assert sid in text and case.title in text
        html_tag = next(attrs for tag, attrs in page.tags if tag == "html")
        assert html_tag.get("lang")
        assert any(tag == "th" and attrs.get("scope") == "col" for tag, attrs in page.tags)
        for cid in case.companies:
            for owner, fid in case.clv_figures(cid):
                fig = case.figure(owner, fid)
                assert fig.label in text, (sid, fid)
                assert _shown(fig.value, fig.unit, symbol) in text, (sid, fid, _shown(fig.value, fig.unit, symbol))
                if fig.per:
                    assert fig.per in text
        for column, value in rows[sid].items():
            if "_clv_" in column:
                assert value not in text and f"{float(value):,.2f}" not in text, (sid, column)


@pytest.mark.render
@pytest.mark.skipif(soffice_path() is None or writer_missing(soffice_path() or ""),
                    reason="LibreOffice with Writer (libreoffice-writer) is needed to turn HTML into PDF")
def test_data_sheets_become_one_page_pdfs(tmp_path):
    roster = write_roster(tmp_path / "class.csv", 3)
    result = generate_variants(NETFLIX, roster, tmp_path / "out", seed=SEED, pdf=True)
    assert result.pdfs == 3 and not result.pdf_failed
    for sid in ("k0001", "k0002", "k0003"):
        pdf = tmp_path / "out" / sid / "data_sheet.pdf"
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF")
        pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
        assert pages == 1, f"{sid}: {pages} pages"
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
            assert sid in text
            churn = load_case(tmp_path / "out" / sid).companies["netflix"].figures["contribution_margin"].value
            assert f"{round(100 * churn, 3):g}%" in text


# --- decks build from a variant ---------------------------------------------------------------------

@pytest.mark.parametrize("which", ["netflix_set", "mini_set"])
def test_both_decks_build_for_a_variant(which, request, tmp_path):
    from clvedu.decks.build import build_deck

    _, out, _ = request.getfixturevalue(which)
    for kind in ("exemplar", "briefing"):
        result = build_deck(out / "k0007", tmp_path / f"{kind}.pptx", kind=kind)
        assert result.path.is_file() and len(result.slides) > 5


# --- the command line: a bad roster, an existing output ---------------------------------------------

BAD_ROSTERS = {
    "no id column": ("name,group\nAda,A\n", "row 1", "student_id"),
    "duplicate id": ("student_id,name\ns1,Ada\ns2,Bob\ns1,Cy\n", "row 4", "repeats row 2"),
    "ids differing in case": ("student_id\nAB1\nab1\n", "row 3", "repeats row 2"),
    "empty id": ("student_id,name\ns1,Ada\n,Bob\n", "row 3", "empty"),
    "path separator": ("student_id\n../escape\n", "row 2", "folder name"),
    "slash": ("student_id\na/b\n", "row 2", "folder name"),
    "space": ("student_id\nann smith\n", "row 2", "folder name"),
    "device name": ("student_id\nCON\n", "row 2", "reserved"),
    "clashes with the key": ("student_id\nanswer_key.csv\n", "row 2", "answer_key"),
    "no students": ("student_id,name\n", "row 2", "no students"),
    "too many cells": ("student_id,name\ns1,Ada,extra\n", "row 2", "cells"),
}


@pytest.mark.parametrize("name", sorted(BAD_ROSTERS))
def test_a_bad_roster_is_one_line_naming_file_row_and_column(name, tmp_path, capsys):
    text, row, words = BAD_ROSTERS[name]
    roster = tmp_path / "class.csv"
    roster.write_text(text, encoding="utf-8")
    code = main(["variants", "--case", str(MINI), "--roster", str(roster), "--out", str(tmp_path / "out"),
                 "--seed", "1", "--no-pdf"])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert str(roster) in err and row in err and words in err
    assert not (tmp_path / "out" / "answer_key.csv").exists()


def test_an_oversized_or_binary_roster_is_refused_in_one_line(tmp_path, capsys):
    big = tmp_path / "big.csv"
    big.write_text("student_id,notes\n" + "".join(f"s{i},{'x' * 900}\n" for i in range(6000)), encoding="utf-8")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"student_id\n\xff\xfe\x00s1\n")
    many = write_roster(tmp_path / "many.csv", 2001)
    for roster, words in ((big, "at most 5,000,000"), (binary, "UTF-8"), (many, "more than 2,000 students")):
        code = main(["variants", "--case", str(MINI), "--roster", str(roster), "--out", str(tmp_path / "out"),
                     "--seed", "1", "--no-pdf"])
        err = capsys.readouterr().err.strip()
        assert code == 1 and len(err.splitlines()) == 1 and words in err and str(roster) in err, err


def test_read_roster_keeps_other_columns_and_reads_semicolons(tmp_path):
    path = tmp_path / "class.csv"
    path.write_text("\ufeffName;Student_ID;Group\nAda;s.1;A\n\nBob;s-2;B\n", encoding="utf-8")
    roster = read_roster(path)
    assert roster.columns == ("Name", "Group")
    assert [(s.id, s.row, s.extra) for s in roster.students] == [("s.1", 2, ("Ada", "A")), ("s-2", 4, ("Bob", "B"))]
    path.write_text("student_id\n.hidden\n", encoding="utf-8")
    with pytest.raises(RosterError, match="row 2"):
        read_roster(path)


def test_existing_outputs_are_kept_without_force(tmp_path, capsys):
    roster = write_roster(tmp_path / "class.csv", 3)
    out = tmp_path / "out"
    common = ["variants", "--case", str(MINI), "--roster", str(roster), "--out", str(out), "--no-pdf"]
    args = [*common, "--seed", "9"]
    assert main(args) == 0
    key = (out / "answer_key.csv").read_bytes()
    (out / "k0002" / "case.yaml").write_text("edited by hand", encoding="utf-8")
    capsys.readouterr()
    assert main([*common, "--seed", "10"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "already exists" in err and "--force" in err
    assert (out / "answer_key.csv").read_bytes() == key
    assert (out / "k0002" / "case.yaml").read_text(encoding="utf-8") == "edited by hand"
    assert main([*args, "--force"]) == 0
    assert (out / "answer_key.csv").read_bytes() == key
    assert load_case(out / "k0002").title == load_case(MINI).title
    assert not list(out.rglob(".*.tmp"))  # no temporary files left behind


def test_command_line_errors_are_one_line(tmp_path, capsys):
    roster = write_roster(tmp_path / "class.csv", 2)
    cases = [
        (["--case", str(tmp_path / "nope"), "--roster", str(roster)], 2, "no such case folder"),
        (["--case", str(MINI), "--roster", str(tmp_path / "missing.csv")], 2, "file not found"),
        (["--case", str(MINI), "--roster", str(roster), "--seed", "-3"], 2, "--seed"),
    ]
    for extra, code, words in cases:
        got = main(["variants", *extra, "--out", str(tmp_path / "out"), "--no-pdf"] +
                   ([] if "--seed" in extra else ["--seed", "1"]))
        err = capsys.readouterr().err.strip()
        assert got == code and len(err.splitlines()) == 1 and words in err, (extra, err)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["variants", "--case", str(MINI), "--roster", str(roster), "--out", str(tmp_path / "file"),
                 "--seed", "1", "--no-pdf"]) == 2
    assert "is a file" in capsys.readouterr().err


def test_progress_is_reported_every_ten_students(tmp_path, capsys):
    roster = write_roster(tmp_path / "class.csv", 25)
    assert main(["variants", "--case", str(MINI), "--roster", str(roster), "--out", str(tmp_path / "out"),
                 "--seed", "1", "--no-pdf"]) == 0
    captured = capsys.readouterr()
    assert [line for line in captured.err.splitlines() if line.startswith("variants:")] == [
        "variants: 10/25 students", "variants: 20/25 students", "variants: 25/25 students"]
    assert "seed 1" in captured.out


# --- drawing ------------------------------------------------------------------------------------------

def test_values_are_drawn_on_round_steps():
    assert step_decimals(0.30, 0.50) == 2      # 20 steps of 0.01
    assert step_decimals(0.08, 0.12) == 3      # 40 steps of 0.001
    assert step_decimals(40, 90) == 0          # 50 steps of 1
    assert step_decimals(6000, 11000) == -2    # 50 steps of 100
    assert number_text(44 / 100, 3) == "0.44"
    assert number_text(8400.0, 0) == "8400"
    assert number_text(-5 / 1000, 3) == "-0.005"
    drawer = VariantDrawer(NETFLIX)
    for sid in ("a", "b", "c", "d"):
        for (owner, fid), (value, low, high) in drawer.draw(sid, 1).values.items():
            step = next(d for d in drawer.drawables if (d.owner, d.figure_id) == (owner, fid)).decimals
            assert round(value, max(step, 0)) == value


# --- cases that give little or nothing to draw, hostile text, no seed -----------------------------------

def mini_copy(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(MINI, folder)
    text = (folder / "case.yaml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    (folder / "case.yaml").write_text(text, encoding="utf-8")
    return folder


NO_MARGIN_RANGE = ("low: 0.25, high: 0.35, reason: Royalties", "reason: Royalties")


def test_a_case_without_ranged_assumptions_is_refused(tmp_path, capsys):
    case = mini_copy(tmp_path, NO_MARGIN_RANGE, ("    low: 0.10\n    high: 0.15\n", ""))
    roster = write_roster(tmp_path / "class.csv", 2)
    assert main(["variants", "--case", str(case), "--roster", str(roster), "--out", str(tmp_path / "out"),
                 "--seed", "1", "--no-pdf"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no assumption has a low-high range" in err


def test_students_who_drew_the_same_numbers_are_reported(tmp_path):
    # one assumption, 0.11 to 0.12 in steps of 0.0001: 101 values for 30 students, so some coincide
    case = mini_copy(tmp_path, NO_MARGIN_RANGE, ("    low: 0.10\n    high: 0.15\n", "    low: 0.11\n    high: 0.12\n"))
    roster = write_roster(tmp_path / "class.csv", 30)
    result = generate_variants(case, roster, tmp_path / "out", seed=4, pdf=False)
    by_rate: dict[float, list[str]] = {}
    for folder in sorted(p for p in (tmp_path / "out").iterdir() if p.is_dir()):
        by_rate.setdefault(load_case(folder).shared["discount_rate"].value, []).append(folder.name)
    expected = sorted(tuple(ids) for ids in by_rate.values() if len(ids) > 1)
    assert expected, "with this seed some students draw the same rate"
    assert sorted(result.same_numbers) == expected


def test_case_text_is_escaped_on_the_data_sheet(tmp_path):
    case = mini_copy(tmp_path, ("reason: Royalties take most of each fee.",
                                "reason: 'Royalties <script>alert(1)</script> & {{ fees }}'"))
    roster = write_roster(tmp_path / "class.csv", 1)
    generate_variants(case, roster, tmp_path / "out", seed=1, pdf=False)
    html = (tmp_path / "out" / "k0001" / "data_sheet.html").read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ fees }}" in html


def test_without_a_seed_the_printed_seed_makes_the_same_set(tmp_path, capsys):
    roster = write_roster(tmp_path / "class.csv", 4)
    assert main(["variants", "--case", str(MINI), "--roster", str(roster), "--out", str(tmp_path / "a"),
                 "--no-pdf"]) == 0
    seed = re.search(r"^seed (\d+):", capsys.readouterr().out, re.M).group(1)
    assert main(["variants", "--case", str(MINI), "--roster", str(roster), "--out", str(tmp_path / "b"),
                 "--no-pdf", "--seed", seed]) == 0
    assert (tmp_path / "a" / "answer_key.csv").read_bytes() == (tmp_path / "b" / "answer_key.csv").read_bytes()


def test_progress_on_a_terminal_is_one_updating_line():
    import io

    from clvedu.commands.variants import _Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    progress = _Progress(stream)
    for done in range(1, 4):
        progress("variants", done, 3)
    assert stream.getvalue() == "\rvariants: 1/3 students\rvariants: 2/3 students\rvariants: 3/3 students\n"
