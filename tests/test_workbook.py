"""``clvedu workbook``: the CLV model as a live-formula .xlsx.

The workbook's formulas are checked against the case analysis (which computes CLV with
:mod:`clvedu.clv` and converts periods with :mod:`clvedu.units`, never with the workbook's formulas):

* without LibreOffice, the values the file stores with each formula, read straight from its XML;
* with LibreOffice (``render``), after throwing those stored values away: LibreOffice opens the file
  in a throwaway profile set to recalculate on load, saves it, and the values it computed are read back.
  A second recalculation test edits input cells in the file, as a student would, and checks that every
  CLV follows the kit's value for the edited case.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

from clvedu.analysis import analyse_case
from clvedu.cases import load_case
from clvedu.workbook import build_workbook
from clvedu.workbook.formula import Expr
from clvedu.workbook.layout import workbook_layout

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "netflix_vs_prime_video": ROOT / "case_studies" / "netflix_vs_prime_video",
    "asos_vs_boohoo": ROOT / "case_studies" / "asos_vs_boohoo",
    "adp_vs_paychex": ROOT / "case_studies" / "adp_vs_paychex",
    "mini": ROOT / "tests" / "fixtures" / "cases" / "mini",
}
SCENARIOS = ("low", "base", "high")
CENT = 0.01
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed; .ci/run installs libreoffice-calc")

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


# --- reading an .xlsx without a spreadsheet library -------------------------------------------------------

class Xlsx:
    """The stored (cached) values of an .xlsx: cells by sheet and address, and the defined names."""

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as z:
            book = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target") for r in rels}
            self.parts = {}
            for s in book.find("m:sheets", NS):
                target = targets[s.get(REL)].lstrip("/")
                self.parts[s.get("name")] = target if target.startswith("xl/") else "xl/" + target
            names = book.find("m:definedNames", NS)
            self.names = {d.get("name"): d.text for d in (names if names is not None else [])}
            shared = []
            if "xl/sharedStrings.xml" in z.namelist():
                for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
                    shared.append("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
            self.cells: dict[str, dict[str, object]] = {}
            self.formulas: dict[str, dict[str, str]] = {}
            for sheet, part in self.parts.items():
                cells, formulas = {}, {}
                for c in ET.fromstring(z.read(part)).iter(f"{{{NS['m']}}}c"):
                    f, v, t = c.find("m:f", NS), c.find("m:v", NS), c.get("t")
                    if f is not None and f.text:
                        formulas[c.get("r")] = f.text
                    if t == "inlineStr":
                        cells[c.get("r")] = "".join(x.text or "" for x in c.iter(f"{{{NS['m']}}}t"))
                    if v is None:
                        continue
                    cells[c.get("r")] = shared[int(v.text)] if t == "s" else v.text if t in ("str", "e") \
                        else float(v.text)
                self.cells[sheet], self.formulas[sheet] = cells, formulas

    def where(self, name: str) -> tuple[str, str]:
        m = re.fullmatch(r"'?(.+?)'?!\$?([A-Z]+)\$?(\d+)", self.names[name])
        assert m, f"{name} refers to {self.names[name]}, not one cell"
        return m.group(1).replace("''", "'"), m.group(2) + m.group(3)

    def __getitem__(self, name: str):
        sheet, ref = self.where(name)
        return self.cells[sheet].get(ref)

    def rows(self, sheet: str) -> dict[int, dict[str, object]]:
        """Cells of one sheet by row number, then column letters."""
        out: dict[int, dict[str, object]] = {}
        for ref, value in self.cells[sheet].items():
            col, row = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
            out.setdefault(int(row), {})[col] = value
        return out


def _rewrite(src: Path, dst: Path, edit) -> None:
    """Copy an .xlsx, passing each worksheet's XML (bytes) through ``edit(part_name, xml)``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = edit(info.filename, data)
            zout.writestr(info, data)


def forget_stored_values(part: str, xml: bytes) -> bytes:
    """Every formula's stored result set to 0, so only a recalculation can give the right numbers."""
    xml = re.sub(rb'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="str"', rb"\1", xml)
    return re.sub(rb"(</f>)<v>[^<]*</v>", rb"\1<v>0</v>", xml)


def set_input(book: Xlsx, changes: dict[str, float]):
    """An ``edit`` for :func:`_rewrite` that types new numbers into named input cells."""
    targets: dict[str, dict[str, float]] = {}
    for name, value in changes.items():
        sheet, ref = book.where(name)
        targets.setdefault(book.parts[sheet], {})[ref] = value

    def edit(part: str, xml: bytes) -> bytes:
        for ref, value in targets.get(part, {}).items():
            pattern = rb'<c r="' + ref.encode() + rb'"( s="\d+")?(?:/>|>(?:<v>[^<]*</v>)?</c>)'
            xml, n = re.subn(pattern, lambda m: b'<c r="' + ref.encode() + b'"' + (m.group(1) or b"") + b"><v>"
                             + repr(float(value)).encode() + b"</v></c>", xml)
            assert n == 1, f"input cell {ref} not found in {part}"
        return forget_stored_values(part, xml)
    return edit


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("workbooks")
    return {key: build_workbook(path, folder / f"{key}.xlsx").path for key, path in CASES.items()}


@pytest.fixture(scope="module")
def analyses() -> dict:
    return {key: analyse_case(load_case(path), load_journey=False) for key, path in CASES.items()}


# --- the stored values equal the kit's, case by case --------------------------------------------------------

@pytest.mark.parametrize("key", CASES)
def test_stored_clv_equals_the_analysis_in_every_scenario(key, workbooks, analyses):
    book = Xlsx(workbooks[key])
    for cid, company in analyses[key].companies.items():
        for s in SCENARIOS:
            assert book[f"{cid}_{s}_clv"] == pytest.approx(getattr(company.clv, s), abs=CENT), (cid, s)
        assert book[f"{cid}_base_value_of_margins"] == pytest.approx(company.value_before_acquisition, abs=CENT)
        assert book[f"{cid}_base_multiple"] == pytest.approx(company.multiple, rel=1e-9)
        assert book[f"{cid}_base_check"] == "OK"


@pytest.mark.parametrize("key", CASES)
def test_conversions_equal_the_kits_period_conversions(key, workbooks, analyses):
    """Revenue, margin, retention and discount per period, in each scenario, as clvedu.units converts them."""
    book = Xlsx(workbooks[key])
    for cid, company in analyses[key].companies.items():
        for s, x in company.scenario_inputs.items():
            assert book[f"{cid}_{s}_revenue"] == pytest.approx(float(x.arpu.value), rel=1e-12)
            assert book[f"{cid}_{s}_gross_margin"] == pytest.approx(float(x.margin.value), rel=1e-12)
            assert book[f"{cid}_{s}_retention"] == pytest.approx(float(x.retention.value), rel=1e-12)
            assert book[f"{cid}_{s}_discount_rate"] == pytest.approx(float(x.discount.value), rel=1e-12)
            growth = company.relationship.growth_figure
            if x.growth is not None:
                assert book[f"{cid}_{s}_{growth}"] == pytest.approx(float(x.growth.value), rel=1e-12)
            if x.retention_cost is not None:
                assert book[f"{cid}_{s}_retention_cost"] == pytest.approx(float(x.retention_cost.value), rel=1e-12)


def test_annual_discount_becomes_monthly_by_compounding(workbooks):
    """By hand: 10% a year is (1.10)^(1/12) - 1 a month, about 0.797%, not 10%/12 = 0.833%."""
    book = Xlsx(workbooks["netflix_vs_prime_video"])
    assert book["netflix_base_discount_rate"] == pytest.approx(1.10 ** (1 / 12) - 1, rel=1e-12)
    formula = book.formulas[book.where("netflix_base_discount_rate")[0]][book.where("netflix_base_discount_rate")[1]]
    assert "^(1/12)" in formula
    # ADP's price per seat is typed per month and its model runs by the year: 12 x $36
    adp = Xlsx(workbooks["adp_vs_paychex"])
    assert adp["adp_base_price_per_seat"] == pytest.approx(12 * 36.0)


@pytest.mark.parametrize("key", CASES)
def test_sensitivity_rows_equal_the_tornado(key, workbooks, analyses):
    book = Xlsx(workbooks[key])
    rows = book.rows("Sensitivity")
    bands = {cells["A"]: r for r, cells in rows.items() if str(cells.get("A", "")).count(": CLV per new ")}
    ends = sorted(bands.values()) + [max(rows) + 1]
    for company in analyses[key].companies.values():
        start = bands[f"{company.name}: CLV per new {company.noun}"]
        end = ends[ends.index(start) + 1]
        block = {rows[r]["A"]: rows[r] for r in range(start + 3, end) if r in rows and "E" in rows[r]}
        assert len(block) == len(company.tornado)
        for t in company.tornado.itertuples():
            label = next(a for a in block if a.startswith(t.driver))
            row = block.pop(label)
            assert row["E"] == pytest.approx(t.low_value, abs=CENT), (company.id, t.driver)
            assert row["F"] == pytest.approx(t.high_value, abs=CENT), (company.id, t.driver)


@pytest.mark.parametrize("key", CASES)
def test_by_period_table_equals_the_schedule_and_reaches_the_closed_form(key, workbooks, analyses):
    book = Xlsx(workbooks[key])
    rows = book.rows("By period")
    header = next(r for r, cells in rows.items() if "Running total" in cells.values())
    heads = rows[header]
    starts = sorted((col for col, text in heads.items() if text == "Still to come"), key=lambda c: (len(c), c))
    for company, last_col in zip(analyses[key].companies.values(), starts):
        cols = [k for k, v in sorted(heads.items(), key=lambda kv: (len(kv[0]), kv[0]))]
        i = cols.index(last_col)
        period, still, margin, factor, value, running, left = cols[i - 6:i + 1]
        schedule = company.schedule(12)
        for k in range(12):
            row = rows[header + 2 + k]
            assert row[period] == k + 1
            assert row[still] == pytest.approx(schedule["still_customers"][k], rel=1e-9)
            assert row[margin] == pytest.approx(schedule["margin"][k], rel=1e-9)
            assert row[factor] == pytest.approx(schedule["discount_factor"][k], rel=1e-9)
            assert row[running] == pytest.approx(schedule["running_total"][k], rel=1e-9)
        last = max(r for r, cells in rows.items() if isinstance(cells.get(running), float))
        closed = company.value_before_acquisition
        assert rows[last][running] == pytest.approx(closed, rel=0.0011)     # the table visibly converges
        assert abs(rows[last][left]) < abs(rows[header + 2][left]) / 50
        assert rows[last][period] >= 12


# --- what a student sees ----------------------------------------------------------------------------------

@pytest.mark.parametrize("key", CASES)
def test_every_clv_figure_is_a_named_input_with_its_basis(key, analyses):
    analysis = analyses[key]
    case = analysis.case
    layout = workbook_layout(analysis)
    inputs = layout.sheet("Inputs")
    by_name = {c.name: c for c in inputs.cells.values() if c.name}
    for cid in case.companies:
        for owner, fid in case.clv_figures(cid):
            fig = case.figure(owner, fid)
            cell = by_name[f"{owner}_{fid}"]
            assert cell.content == pytest.approx(fig.value)
            kind = "assumption" if fig.is_assumption else fig.kind  # a borrowed rate is shown as the assumption it is
            assert cell.style.startswith(f"v:{kind}:")
            assert (cell.comment == "change me") == fig.is_assumption
            for end in ("low", "high"):
                assert by_name[f"{owner}_{fid}_{end}"].content == getattr(fig, end)
            row = {c.col: c.content for c in inputs.cells.values() if c.row == cell.row}
            assert row[6] == kind
            assert row[5] == (fig.per or ("once" if fid == "acquisition_cost" else "—"))
            if fig.kind == "reported":
                assert case.sources[fig.source].publisher in row[8]
            elif kind == "assumption":
                assert fig.reason.strip()[:40] in row[8]


@pytest.mark.parametrize("key", CASES)
def test_formulas_use_only_functions_excel_2010_had(key, workbooks):
    book = Xlsx(workbooks[key])
    allowed = {"IF", "ISNUMBER", "MIN", "ABS"}
    used = {name for sheet in book.formulas.values() for f in sheet.values()
            for name in re.findall(r"([A-Z][A-Z0-9.]*)\(", f)}
    assert used and used <= allowed
    assert sum(len(f) for f in book.formulas.values()) > 100


def test_clv_sheet_formula_cells_are_named_and_explained(analyses):
    layout = workbook_layout(analyses["adp_vs_paychex"])
    sheet = layout.sheet("CLV")
    named = [c for c in sheet.cells.values() if c.name]
    assert len(named) >= 3 * 2 * 8
    for cell in named:
        assert isinstance(cell.content, Expr)
        notes = sheet.cells[(cell.row, 6)].content
        assert isinstance(notes, str) and len(notes) > 10, cell.name
    # names resolve to the cell that carries them, and the formulas refer to names, not addresses
    for name, (title, row, col) in layout.names.items():
        assert layout.sheet(title).cells[(row, col)].name == name
    assert sheet.cells[next(c for c in sheet.cells if sheet.cells[c].name == "adp_base_clv")].content.text == \
        "adp_base_value_of_margins-adp_base_acquisition_cost"


def test_currency_noun_frozen_headers_and_widths(workbooks):
    for key, symbol, noun in (("asos_vs_boohoo", "£", "shopper"), ("netflix_vs_prime_video", "$", "member"),
                              ("adp_vs_paychex", "$", "client")):
        with zipfile.ZipFile(workbooks[key]) as z:
            styles = z.read("xl/styles.xml").decode()
            strings = z.read("xl/sharedStrings.xml").decode()
            sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert f"&quot;{symbol}&quot;#,##0.00" in styles
        assert f"CLV per new {noun}" in strings
        assert all('state="frozen"' in s for s in sheets[1:]), "every sheet after README freezes its headers"
        assert all("<cols>" in s for s in sheets)
    book = Xlsx(workbooks["netflix_vs_prime_video"])
    assert list(book.parts) == ["README", "Inputs", "Conversions", "CLV", "Sensitivity", "By period"]


def test_readme_explains_use_and_shows_live_results(workbooks, analyses):
    book = Xlsx(workbooks["mini"])
    texts = " ".join(v for v in book.cells["README"].values() if isinstance(v, str))
    assert "recalculates" in texts and "change me" in texts and "Inputs" in texts
    formulas = book.formulas["README"].values()
    for cid in analyses["mini"].companies:
        assert {f"{cid}_{s}_clv" for s in SCENARIOS} <= set(formulas)


# --- the command line --------------------------------------------------------------------------------------

def clvedu(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clvedu.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_cli_writes_refuses_to_overwrite_and_replaces_with_force(tmp_path):
    out = tmp_path / "clv.xlsx"
    proc = clvedu("workbook", "--case", str(CASES["mini"]), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"wrote {out} (6 sheets")
    assert Xlsx(out)["tunely_base_clv"] == pytest.approx(
        analyse_case(load_case(CASES["mini"]), load_journey=False).company("tunely").clv.base, abs=CENT)
    out.write_bytes(b"mine")
    proc = clvedu("workbook", "--case", str(CASES["mini"]), "--out", str(out))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--force" in proc.stderr and "Traceback" not in proc.stderr
    assert out.read_bytes() == b"mine"
    proc = clvedu("workbook", "--case", str(CASES["mini"]), "--out", str(out), "--force")
    assert proc.returncode == 0, proc.stderr
    assert zipfile.is_zipfile(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clv.xlsx"], "no temporary file left behind"


@pytest.mark.parametrize("args, code, words", [
    (["--out", "{tmp}/clv.xls"], 2, ".xlsx"),
    (["--out", "{tmp}/missing/clv.xlsx"], 2, "does not exist"),
    (["--case", "{tmp}/nowhere"], 2, "nowhere"),
    (["--case", "{tmp}/broken"], 1, "contribution_margin"),
])
def test_cli_errors_are_one_line(tmp_path, args, code, words):
    broken = tmp_path / "broken"
    broken.mkdir()
    data = yaml.safe_load((CASES["mini"] / "case.yaml").read_text())
    data["companies"]["orbit"]["figures"]["contribution_margin"]["value"] = 1.5
    (broken / "case.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    given = dict(zip(args[::2], args[1::2]))
    full = {"--case": str(CASES["mini"]), "--out": str(tmp_path / "clv.xlsx"), **given}
    argv = [x.replace("{tmp}", str(tmp_path)) for kv in full.items() for x in kv]
    proc = clvedu("workbook", *argv)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and words in proc.stderr
    assert not list(tmp_path.glob("*.xlsx")) and not list(tmp_path.glob(".*.tmp"))


# --- recalculated by LibreOffice ------------------------------------------------------------------------------

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <item oor:path="/org.openoffice.Office.Calc/Formula/Load">
    <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
  </item>
</oor:items>
"""


def recalculate(files: list[Path], folder: Path) -> dict[str, Xlsx]:
    """Open each file in LibreOffice with a throwaway profile that recalculates on load; read what it saved."""
    profile = folder / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS)
    out = folder / "recalculated"
    out.mkdir(exist_ok=True)
    proc = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation={profile.as_uri()}", "--convert-to",
                           "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = {}
    for f in files:
        assert (out / f.name).is_file(), f"LibreOffice did not convert {f.name}: {proc.stdout} {proc.stderr}"
        result[f.stem] = Xlsx(out / f.name)
    return result


def show_json(path: Path) -> dict:
    proc = clvedu("case", "show", "--json", str(path))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.render
@needs_soffice
def test_libreoffice_recalculates_every_clv_to_the_kits_value(workbooks, analyses, tmp_path):
    blank = []
    for key, path in workbooks.items():
        target = tmp_path / f"{key}.xlsx"
        _rewrite(path, target, forget_stored_values)
        assert Xlsx(target)[f"{next(iter(analyses[key].companies))}_base_clv"] == 0
        blank.append(target)
    books = recalculate(blank, tmp_path)
    for key, book in books.items():
        shown = show_json(CASES[key])
        for cid, company in analyses[key].companies.items():
            for s in SCENARIOS:
                assert book[f"{cid}_{s}_clv"] == pytest.approx(getattr(company.clv, s), abs=CENT), (key, cid, s)
                assert book[f"{cid}_{s}_clv"] == pytest.approx(shown["companies"][cid]["clv"][s], abs=CENT)
                assert book[f"{cid}_{s}_check"] == "OK"
            assert book[f"{cid}_base_value_of_margins"] == pytest.approx(company.value_before_acquisition, abs=CENT)
        rows = book.rows("Sensitivity")
        values = [v for cells in rows.values() for v in cells.values() if isinstance(v, float)]
        for company in analyses[key].companies.values():
            for t in company.tornado.itertuples():
                assert any(abs(v - t.low_value) < CENT for v in values), (key, t.driver)
                assert any(abs(v - t.high_value) < CENT for v in values), (key, t.driver)


def _edited_case(path: Path, folder: Path, changes: dict[tuple[str, str, str], float]):
    """A copy of a case with some figures' value, low or high changed, loaded and analysed by the kit."""
    data = yaml.safe_load((path / "case.yaml").read_text())
    for (owner, fid, field), value in changes.items():
        figures = data["shared"] if owner == "shared" else data["companies"][owner]["figures"]
        figures[fid][field] = value
    folder.mkdir()
    (folder / "case.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return analyse_case(load_case(folder), load_journey=False)


@pytest.mark.render
@needs_soffice
def test_an_edited_input_flows_through_to_every_clv(workbooks, analyses, tmp_path):
    edits = {
        "netflix_vs_prime_video": {("netflix", "churn", "value"): 0.03, ("shared", "discount_rate", "value"): 0.08,
                                   ("netflix", "contribution_margin", "low"): 0.25,
                                   ("prime_video", "acquisition_cost", "high"): 75.0},
        "adp_vs_paychex": {("adp", "price_per_seat", "value"): 38.0, ("adp", "seat_growth", "high"): 0.03,
                           ("paychex", "contribution_margin", "value"): 0.5,
                           ("paychex", "retention_cost", "value"): 350.0},
    }
    files, expected = [], {}
    for key, changes in edits.items():
        names = {f"{o}_{f}" + ("" if field == "value" else f"_{field}"): v for (o, f, field), v in changes.items()}
        target = tmp_path / f"{key}.xlsx"
        _rewrite(workbooks[key], target, set_input(Xlsx(workbooks[key]), names))
        files.append(target)
        expected[key] = _edited_case(CASES[key], tmp_path / f"{key}-case", changes)
    books = recalculate(files, tmp_path)
    for key, book in books.items():
        for cid, company in expected[key].companies.items():
            before = analyses[key].company(cid)
            for s in SCENARIOS:
                assert book[f"{cid}_{s}_clv"] == pytest.approx(getattr(company.clv, s), abs=CENT), (key, cid, s)
            moved = [s for s in SCENARIOS if abs(getattr(company.clv, s) - getattr(before.clv, s)) > 1.0]
            assert moved, f"the edits must move at least one of {cid}'s CLVs"


# --- data tables as one workbook (for the synthetic data of clvedu simulate) ----------------------------------

def test_tables_workbook_has_a_readme_rounded_values_and_a_sheet_per_table(tmp_path, monkeypatch):
    import pandas as pd

    from clvedu.errors import UserError
    from clvedu.workbook import tables as tables_module
    from clvedu.workbook.tables import TableSheet, write_tables

    panel = pd.DataFrame({"customer_id": ["A1", "A2", "A3"], "monthly_price": [16.284999, 9.0, 22.991],
                          "propensity": [0.1234567, float("nan"), 0.5], "tenure": [3, 12, 1],
                          "churned": [True, False, True]})
    log = pd.DataFrame({"customer_id": ["A1"], "date": pd.to_datetime(["2024-03-01"]), "spend": [40.126]})
    long_name = "a_sheet_name_far_longer_than_excel_allows"
    sheets = [TableSheet(long_name, panel, "one row per subscriber", {"tenure": "months paid"}, ("monthly_price",)),
              TableSheet(long_name, log, "one row per order", money_columns=("spend",))]
    out = write_tables(sheets, tmp_path / "data.xlsx", readme="SYNTHETIC DATA for teaching\nsecond line",
                       currency="GBP", decimals=3)
    book = Xlsx(out)
    names = list(book.parts)
    assert names[0] == "README" and len(names) == 3 and len(set(n.lower() for n in names)) == 3
    assert all(len(n) <= 31 for n in names)
    readme = list(book.cells["README"].values())
    assert readme[0] == "SYNTHETIC DATA for teaching" and "tenure: months paid" in readme
    assert any(str(v).startswith(f"Sheet {names[1]}: one row per subscriber (3 rows)") for v in readme)
    first = book.rows(names[1])
    assert [first[1][c] for c in "ABCDE"] == ["customer_id", "monthly_price", "propensity", "tenure", "churned"]
    assert first[2]["B"] == 16.28 and first[2]["C"] == 0.123 and first[2]["D"] == 3 and first[2]["E"] == 1
    assert "C" not in first[3], "a missing value stays an empty cell"
    assert book.rows(names[2])[2]["C"] == 40.13
    with zipfile.ZipFile(out) as z:
        assert 'state="frozen"' in z.read(book.parts[names[1]]).decode()
        assert "&quot;£&quot;#,##0.00" in z.read("xl/styles.xml").decode()
    with pytest.raises(UserError, match="already exists"):
        write_tables(sheets, out, readme="x")
    monkeypatch.setattr(tables_module, "MAX_ROWS", 2)
    with pytest.raises(UserError, match="at most 2"):
        write_tables(sheets, tmp_path / "big.xlsx", readme="x")
    assert not (tmp_path / "big.xlsx").exists()
