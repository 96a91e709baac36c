"""The student's data sheet: one page with their own numbers, where each comes from, and no answers.

:func:`sheet_context` turns one analysed variant into plain words and numbers; :func:`render_sheet`
fills ``templates/data_sheet.html.j2`` with them, in Jinja2's sandbox with ``StrictUndefined`` and
HTML escaping; :func:`convert_to_pdf` turns many sheets into PDF with one LibreOffice call.

The sheet shows every figure the student's CLV reads (value, unit, period, the student's low-high range
and its basis: the source of a reported figure, the reason for an assumption, the derivation of a
derived one) and the references it cites. It shows no CLV, break-even, payback or lever: those are the
answers.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import jinja2

from clvedu import __version__
from clvedu.analysis import CaseAnalysis, InputLine
from clvedu.cases.schema import unit_family
from clvedu.decks.templating import BoundedSandbox
from clvedu.errors import UserError
from clvedu.formatting import money
from clvedu.io import atomic_write

TEMPLATE = "data_sheet.html.j2"
LANG = "en-GB"


def _kit_templates() -> Path:
    """``templates/`` of a source checkout (editable installs too), else the copy inside the installed package."""
    from importlib import resources

    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "templates").is_dir():
        return root / "templates"
    return Path(str(resources.files("clvedu").joinpath("resources", "templates")))


# --- numbers as the sheet shows them --------------------------------------------------------------------

def _decimals(x: float, most: int) -> int:
    """Fewest decimals (up to ``most``) that show ``x`` exactly."""
    for d in range(most + 1):
        if abs(round(x, d) - x) < 1e-9 * max(1.0, abs(x)):
            return d
    return most


def percent_text(share: float) -> str:
    """``0.44 -> 44%``, ``0.093 -> 9.3%``, a derived ``0.0184234 -> 1.842%``."""
    pct = 100 * share
    return f"{pct:.{_decimals(pct, 3)}f}%"


def number_text(x: float) -> str:
    return f"{x:,.{_decimals(x, 3)}f}"


def value_text(x: float, unit: str, currency: str) -> str:
    """A figure's value with its unit: a percentage (``37%``), money (``$1,800``) or a count (``45 seats``)."""
    if not math.isfinite(x):
        raise ValueError(f"cannot show a value that is not finite: {x}")
    family = unit_family(unit)
    if family in ("share", "rate"):
        return percent_text(x)
    if family == "money" and unit == currency:
        return money(x, currency, decimals=0 if float(x).is_integer() else 2)
    return f"{number_text(x)} {unit}".strip()


def _line(line: InputLine, currency: str, once: bool) -> dict[str, str]:
    unit = line.unit
    has_range = line.low is not None or line.high is not None
    low = line.value if line.low is None else line.low
    high = line.value if line.high is None else line.high
    label = {"reported": "Reported", "derived": "Derived", "assumption": "Assumption"}[line.basis.kind]
    return {
        "label": line.label,
        "value": value_text(line.value, unit, currency),
        "unit": unit,
        "period": line.per or ("once" if once else "none"),
        "range": f"{value_text(low, unit, currency)} to {value_text(high, unit, currency)}" if has_range else "none",
        "kind": label,
        "basis": line.basis.text,
    }


def sheet_context(student_id: str, analysis: CaseAnalysis, case_name: str) -> dict:
    """Everything the data sheet shows, as plain text: no numbers left to format in the template."""
    case = analysis.case
    companies, shared, shared_seen = [], [], set()
    for c in analysis.companies.values():
        rows = []
        for line in c.input_lines:
            once = bool(c.relationship.figures.get(line.figure_id) and c.relationship.figures[line.figure_id].once)
            if line.owner == "shared":
                if line.figure_id not in shared_seen:
                    shared_seen.add(line.figure_id)
                    shared.append(_line(line, case.currency, once))
                continue
            rows.append(_line(line, case.currency, once))
        companies.append({"name": c.name, "relationship": c.relationship.label, "noun": c.noun, "rows": rows})
    return {
        "lang": LANG,
        "student_id": student_id,
        "title": case.title,
        "question": " ".join(case.question.split()),
        "currency": case.currency,
        "noun": case.customer_noun,
        "companies": companies,
        "shared": shared,
        "references": [r.entry for r in analysis.references],
        "case_name": case_name,
        "version": __version__,
    }


# --- rendering --------------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _template(folder: str) -> jinja2.Template:
    path = Path(folder) / TEMPLATE
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: the data-sheet template cannot be read ({exc.strerror or exc})") from None
    # the kit's bounded sandbox: the same size and nesting limits as the deck templates a tutor may edit
    env = BoundedSandbox(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                         lstrip_blocks=True, keep_trailing_newline=True)
    try:
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(f"{path}: line {exc.lineno}: {exc.message}") from None


def render_sheet(context: dict, templates_dir: str | Path | None = None) -> str:
    """The data sheet's HTML for one student."""
    folder = str(Path(templates_dir) if templates_dir else _kit_templates())
    try:
        return _template(folder).render(**context)
    except jinja2.UndefinedError as exc:
        raise UserError(f"{Path(folder) / TEMPLATE}: {exc.message}") from None


# --- PDF ------------------------------------------------------------------------------------------------

def soffice_path() -> str | None:
    """LibreOffice's command, when it is installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def writer_missing(soffice: str) -> bool:
    """Whether this LibreOffice clearly lacks Writer, which reads HTML (Debian splits it into libreoffice-writer).

    Judged from the program folder: other modules' libraries there, Writer's (``libswlo``) not. When the
    folder does not look like that, conversion is simply tried.
    """
    program = Path(os.path.realpath(soffice)).parent
    try:
        names = [p.name for p in program.iterdir()]
    except OSError:
        return False
    others = any(n.startswith(("libsdlo.", "libsclo.")) for n in names)
    return others and not any(n.startswith("libswlo.") for n in names)


def convert_to_pdf(sheets: list[tuple[str, Path, Path]], soffice: str, *, overwrite: bool,
                   seconds_per_sheet: float = 3.0) -> list[str]:
    """Convert each (student id, HTML file, PDF file) with one LibreOffice run; return the ids it failed on.

    LibreOffice names its output after the input, and every sheet is called ``data_sheet.html``, so the
    sheets are copied to ``<student id>.html`` in a private folder first. LibreOffice runs with its own
    throw-away profile, so a LibreOffice already open (or converting decks) does not block it.
    """
    if not sheets:
        return []
    with tempfile.TemporaryDirectory(prefix="clvedu-sheets-") as work:
        work_dir = Path(work)
        (work_dir / "html").mkdir()
        inputs = []
        for sid, html, _ in sheets:
            copy = work_dir / "html" / f"{sid}.html"
            shutil.copyfile(html, copy)
            inputs.append(str(copy))
        # read as a Writer document (not Writer/Web, whose PDF export starts with a blank page)
        command = [soffice, "--headless", "--norestore", f"-env:UserInstallation={(work_dir / 'profile').as_uri()}",
                   "--infilter=HTML (StarWriter)", "--convert-to", "pdf:writer_pdf_Export",
                   "--outdir", str(work_dir / "pdf"), *inputs]
        try:
            subprocess.run(command, capture_output=True, timeout=60 + seconds_per_sheet * len(sheets), check=False)
        except subprocess.TimeoutExpired:
            pass  # whatever was converted in time is kept; the rest are reported
        except OSError as exc:
            raise UserError(f"cannot run LibreOffice ({soffice}): {exc.strerror or exc}") from None
        failed = []
        for sid, _, pdf in sheets:
            made = work_dir / "pdf" / f"{sid}.pdf"
            if not made.is_file() or made.stat().st_size == 0:
                failed.append(sid)
                continue
            with atomic_write(pdf, overwrite=overwrite) as tmp:
                shutil.copyfile(made, tmp)
        return failed
