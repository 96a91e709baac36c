"""The tutor's answer key: one row per student with each company's key results, as CSV and as a workbook.

Columns: ``student_id``, the roster's other columns as given, then for each company (``<id>`` its id in
``case.yaml``, ``<cur>`` the case currency in lower case, ``<period>`` the period of its stay-or-leave rate)::

    <id>_clv_low_<cur>, <id>_clv_base_<cur>, <id>_clv_high_<cur>
        CLV per new customer net of acquisition cost: pessimistic (every range at the end that lowers CLV),
        base, optimistic; to the cent
    <id>_break_even_<churn|active_retention|renewal_rate>_per_<period>
        the churn (subscription) or the active retention / renewal rate at which a 10% price rise leaves
        CLV unchanged, as a share to four decimals; ``none`` when no rate can
    <id>_payback_<periods>
        whole periods until the discounted margins repay the acquisition cost; ``never`` when they do not
    <id>_strongest_lever
        the lever whose 10% improvement adds most to CLV

The numbers are :func:`clvedu.analysis.analyse_case` of each student's variant, the analysis behind
``clvedu case show --json``. Both files are the same for the same roster and seed, byte for byte: the
workbook's creation date is fixed and nothing else in it depends on the clock.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from clvedu.analysis import CaseAnalysis
from clvedu.io import atomic_write
from clvedu.variants.roster import ID_COLUMN, Roster, Student

FIXED_CREATED = datetime(2000, 1, 1)
"""The creation date written into every answer-key workbook, so two runs give identical files."""

SHARE_DECIMALS = 4


@dataclass(frozen=True)
class Column:
    """One column of the key: its header, what it holds (for the workbook's notes) and its kind."""

    name: str
    meaning: str
    kind: str  # text, money, share, count


@dataclass(frozen=True)
class CompanyResult:
    """The key figures of one company in one student's variant."""

    clv_low: float
    clv_base: float
    clv_high: float
    break_even: float | None
    payback: int | None
    lever: str


def _plural(period: str) -> str:
    return f"{period}s"


def company_results(analysis: CaseAnalysis) -> dict[str, CompanyResult]:
    """The key figures of every company of one analysed variant."""
    results = {}
    for cid, c in analysis.companies.items():
        be = c.break_even.churn if c.relationship.retention_is_churn else c.break_even.retention
        results[cid] = CompanyResult(c.clv.low, c.clv.base, c.clv.high, be, c.payback_periods,
                                     c.strongest_lever.label)
    return results


def key_columns(roster: Roster, analysis: CaseAnalysis) -> list[Column]:
    """Every column of the key, in order (the case's companies and periods decide the names)."""
    cur = analysis.currency.lower()
    columns = [Column(ID_COLUMN, "the student's id, as in the roster; their variant is the folder of that name", "text")]
    columns += [Column(name, "from the roster", "text") for name in roster.columns]
    for cid, c in analysis.companies.items():
        rel, per, noun = c.relationship, c.period, c.noun
        for scenario, words in (("low", "pessimistic scenario: every range at the end that lowers CLV"),
                                ("base", "base scenario: every figure at its value"),
                                ("high", "optimistic scenario: every range at the end that raises CLV")):
            columns.append(Column(f"{cid}_clv_{scenario}_{cur}",
                                  f"{c.name}: CLV per new {noun}, net of acquisition cost, in {analysis.currency}; "
                                  f"{words}", "money"))
        stay = "churn" if rel.retention_is_churn else rel.retention_figure
        columns.append(Column(f"{cid}_break_even_{stay}_per_{per}",
                              f"{c.name}: the {rel.leaving_noun if rel.retention_is_churn else rel.stay_noun} per "
                              f"{per} at which a {c.break_even.price_change:.0%} price rise leaves CLV unchanged, "
                              "as a share ('none': no rate can)", "share"))
        columns.append(Column(f"{cid}_payback_{_plural(per)}",
                              f"{c.name}: whole {_plural(per)} until the discounted margins of a new {noun} repay "
                              "the acquisition cost ('never': they do not)", "count"))
        columns.append(Column(f"{cid}_strongest_lever",
                              f"{c.name}: the lever whose {analysis.swing:.0%} improvement adds most to CLV", "text"))
    return columns


def key_row(student: Student, results: dict[str, CompanyResult]) -> list[object]:
    """One student's row: text cells as given, numbers rounded (money to the cent, shares to 4 decimals)."""
    row: list[object] = [student.id, *student.extra]
    for r in results.values():
        row += [_cents(r.clv_low), _cents(r.clv_base), _cents(r.clv_high),
                "none" if r.break_even is None else round(r.break_even, SHARE_DECIMALS) + 0.0,
                "never" if r.payback is None else r.payback, r.lever]
    return row


def _cents(x: float) -> float:
    return round(x, 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def _cell_text(value: object, kind: str) -> str:
    if isinstance(value, str):
        return value
    if kind == "money":
        return f"{value:.2f}"
    if kind == "share":
        return f"{value:.{SHARE_DECIMALS}f}"
    return str(value)


def csv_text(columns: list[Column], rows: list[list[object]]) -> str:
    """The key as CSV text (``\\n`` line ends, every cell as the workbook shows it)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        writer.writerow([_cell_text(v, c.kind) for v, c in zip(row, columns)])
    return buffer.getvalue()


def write_csv(path: Path, columns: list[Column], rows: list[list[object]], *, overwrite: bool) -> None:
    text = csv_text(columns, rows)
    with atomic_write(path, overwrite=overwrite) as tmp:
        tmp.write_bytes(text.encode("utf-8"))


def write_xlsx(path: Path, columns: list[Column], rows: list[list[object]], *, overwrite: bool,
               about: list[tuple[str, str]]) -> None:
    """The key as a workbook: sheet ``Answer key`` (the CSV's table, numbers formatted) and sheet ``About``
    (``about``'s lines, then what every column holds). Text is always written as text, never as a formula."""
    import xlsxwriter

    with atomic_write(path, overwrite=overwrite) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        book.set_properties({"title": "Answer key", "created": FIXED_CREATED, "author": "clvedu variants"})
        bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
        formats = {"money": book.add_format({"num_format": "#,##0.00"}),
                   "share": book.add_format({"num_format": "0.00%"}),
                   "count": book.add_format({"num_format": "0"}),
                   "text": book.add_format({})}
        sheet = book.add_worksheet("Answer key")
        for j, column in enumerate(columns):
            sheet.write_string(0, j, column.name, bold)
            longest = max([len(str(row[j])) for row in rows] + [len(column.name) // 2 + 1, 10])
            sheet.set_column(j, j, min(45, longest + 2))
        for i, row in enumerate(rows, start=1):
            for j, (value, column) in enumerate(zip(row, columns)):
                if isinstance(value, str):
                    sheet.write_string(i, j, value)
                else:
                    sheet.write_number(i, j, value, formats[column.kind])
        sheet.freeze_panes(1, 1)
        sheet.set_row(0, 45)
        sheet.set_landscape()  # printed: every column on one page wide, the header row on every page
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
        sheet.autofilter(0, 0, len(rows), len(columns) - 1)
        notes = book.add_worksheet("About")
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        notes.set_column(0, 0, 42, wrap)
        notes.set_column(1, 1, 90, wrap)
        notes.set_landscape()
        notes.fit_to_pages(1, 0)

        def lines(r: int, *texts: tuple[str, int]) -> None:
            # spreadsheets do not all grow a row to fit wrapped text, so give each row its height
            needed = max(math.ceil(len(t) / (width - 4)) for t, width in texts)
            if needed > 1:
                notes.set_row(r, 15 * needed)

        r = 0
        for label, text in about:
            notes.write_string(r, 0, label, bold)
            notes.write_string(r, 1, text, wrap)
            lines(r, (label, 42), (text, 90))
            r += 1
        r += 1
        notes.write_string(r, 0, "column", bold)
        notes.write_string(r, 1, "what it holds", bold)
        for column in columns:
            r += 1
            notes.write_string(r, 0, column.name, wrap)
            notes.write_string(r, 1, column.meaning, wrap)
            lines(r, (column.name, 42), (column.meaning, 90))
        book.close()
