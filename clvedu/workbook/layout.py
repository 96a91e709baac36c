"""What goes where in the CLV workbook: sheets, cells, formulas, names and notes, without writing a file.

:func:`workbook_layout` turns a :class:`~clvedu.analysis.CaseAnalysis` into a :class:`Layout`, which
:mod:`clvedu.workbook.writer` writes with XlsxWriter. Sheets, in order:

* **README**: what the workbook is, how to use it, the colour key, and each company's CLV by scenario.
* **Inputs**: every figure each company's CLV reads (``case.clv_figures``), as typed in the case: value,
  range (low and high ends), unit, period, kind and basis (citation or reason). Assumptions are pale
  yellow input cells with a "change me" note. Each value and range end is a defined name
  (``netflix_churn``, ``netflix_churn_low``, ``netflix_churn_high``; ``shared_discount_rate``), and the
  sensitivity step is ``sensitivity_step``.
* **Conversions**: per company, each figure's value in each scenario as typed (``IF(ISNUMBER(end),end,
  value)``, the end that lowers CLV for the low scenario, :data:`~clvedu.domain.relationships.PESSIMISTIC_END`),
  then converted to the company's period: money and orders per period by the ratio of periods, churn
  and retention by compounding survival, discount and growth rates by ``(1+d)^(n_from/n_to)-1``. Names
  ``{company}_{scenario}_{figure}`` (``netflix_base_churn``).
* **CLV**: per company, the relationship's formula in steps for the three scenarios side by side: margin
  per period, retention, ``1 + d - r(1 + g)``, the margin multiple (``r/(...)`` for timing ``end``,
  ``1/(...)`` for ``end_all``), the retention-cost multiple without growth, the value of the margins,
  acquisition cost and CLV. Names ``{company}_{scenario}_{step}`` (``netflix_base_clv``).
* **Sensitivity**: per company, each driver of :func:`clvedu.levers.tornado` moved ``sensitivity_step``
  worse and better, others at base, and the CLV each gives.
* **By period**: per company (side by side), the discounted sum written out period by period, its
  running total and what is still to come to reach the closed form.

Every formula is an :class:`~clvedu.workbook.formula.Expr`, so each cell stores the value its formula
gives with the case's figures; the tests recalculate the file in LibreOffice and compare both with the
case analysis.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from clvedu import __version__
from clvedu.analysis import SWING, CaseAnalysis, CompanyAnalysis
from clvedu.domain.relationships import PESSIMISTIC_END, SHARED_FIGURES, FigureNeed
from clvedu.formatting import plural
from clvedu.units import ADJECTIVE, PERIODS_PER_YEAR
from clvedu.workbook.formula import Expr, absolute, first_number, if_positive, minimum

SCENARIOS = ("low", "base", "high")
SCENARIO_HEADERS = {"low": "Low scenario (pessimistic)", "base": "Base", "high": "High scenario (optimistic)"}
CONVERGENCE = 0.001
"""The By period table runs until the running total is within this share of the closed form."""
MIN_PERIODS, MAX_PERIODS = 12, 1200

# column widths in characters, used for the layout and to estimate the height of wrapped rows
WIDE_NOTE = 72


# --- the layout model ----------------------------------------------------------------------------------

@dataclass
class Cell:
    """One cell: ``content`` is an :class:`Expr` (a formula), a number, a string or None (empty, styled)."""

    row: int
    col: int
    content: object
    style: str
    name: str | None = None
    comment: str | None = None
    validation: dict | None = None


@dataclass
class Sheet:
    """One worksheet: cells by position, column widths, row heights, merged ranges and frozen panes."""

    title: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    freeze: tuple[int, int] | None = None
    landscape: bool = True
    highlights: list[tuple[int, int, str, str]] = field(default_factory=list)  # (row, col, formula, style)

    def put(self, row: int, col: int, content, style: str = "text", *, name: str | None = None,
            comment: str | None = None, validation: dict | None = None) -> Expr:
        """Place a cell and return a reference to it (its name when it has one, else its address)."""
        if (row, col) in self.cells:
            raise AssertionError(f"{self.title}!{address(row, col)} written twice")
        self.cells[(row, col)] = Cell(row, col, content, style, name, comment, validation)
        value = content.value if isinstance(content, Expr) else content
        return Expr.ref(name or address(row, col), value)

    def merge(self, row: int, first_col: int, last_col: int, content, style: str) -> None:
        self.put(row, first_col, content, style)
        if last_col > first_col:
            self.merges.append((row, first_col, row, last_col))

    def wrap_height(self, row: int, texts: list[tuple], line: float = 15.0) -> None:
        """Make ``row`` tall enough for each (text, column width[, font size]) when wrapped.

        Neither Excel nor LibreOffice fits a row to wrapped text when it opens a file, so the height is
        estimated here (a character is taken as 1/1.2 of a column-width unit at 11 points).
        """
        height = 0.0
        for text, width, *size in texts:
            points = size[0] if size else 11
            height = max(height, _lines(text, width * 11 / points) * line * points / 11)
        if height > line + 1:
            self.heights[row] = max(self.heights.get(row, 0.0), height + 3)


@dataclass
class Layout:
    """The whole workbook: its sheets in order, the defined names and the document properties."""

    sheets: list[Sheet]
    names: dict[str, tuple[str, int, int]]
    currency: str
    properties: dict[str, str]
    result_names: dict[str, dict[str, str]]   # company -> {scenario: name of its CLV cell}
    periods: dict[str, int]                    # company -> rows of its By period table

    def sheet(self, title: str) -> Sheet:
        return next(s for s in self.sheets if s.title == title)


def address(row: int, col: int, absolute: bool = False) -> str:
    """A1-style address of a zero-based cell: ``address(0, 2) == "C1"``."""
    letters = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"${letters}${row + 1}" if absolute else f"{letters}{row + 1}"


def _lines(text: str, width: float) -> int:
    per_line = max(8, int(width * 1.2))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


_CELL_LIKE = re.compile(r"^([a-z]{1,3}\d+|r\d*c\d*|r|c)$")


def _check_name(name: str) -> str:
    """Defined names must not look like cell addresses (``ab12``, ``r1c1``); case ids never do with a suffix."""
    if not re.fullmatch(r"[a-z_][a-z0-9_.]*", name) or _CELL_LIKE.match(name) or len(name) > 255:
        raise ValueError(f"cannot use {name!r} as a spreadsheet name; company and figure ids must be snake_case")
    return name


def _upfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- the builder -----------------------------------------------------------------------------------------

class _Builder:
    def __init__(self, analysis: CaseAnalysis, case_label: str) -> None:
        self.analysis = analysis
        self.case = analysis.case
        self.case_label = case_label
        self.names: dict[str, tuple[str, int, int]] = {}
        self.inputs: dict[tuple[str, str], dict[str, Expr]] = {}   # (owner, fid) -> value/low/high refs
        self.converted: dict[str, dict[str, dict[str, Expr]]] = {}  # company -> scenario -> fid -> ref
        self.clv: dict[str, dict[str, dict[str, Expr]]] = {}        # company -> scenario -> step -> ref
        self.periods: dict[str, int] = {}
        self.step: Expr | None = None

    # names ------------------------------------------------------------------------------------------
    def named(self, sheet: Sheet, row: int, col: int, content, style: str, name: str, **kw) -> Expr:
        name = _check_name(name)
        if name in self.names:
            raise AssertionError(f"defined name {name} used twice")
        self.names[name] = (sheet.title, row, col)
        return sheet.put(row, col, content, style, name=name, **kw)

    def need(self, owner: str, fid: str) -> FigureNeed:
        if owner == "shared":
            return SHARED_FIGURES[fid]
        return self.case.relationship_of(owner).figures[fid]

    def unit_words(self, need: FigureNeed, per: str | None) -> str:
        """``USD a month``, ``share``, ``orders a year``, ``USD once``: a value's unit and period in words."""
        unit = {"money": self.case.currency, "share": "share", "rate": "rate", "orders": "orders",
                "seats": "seats"}[need.family]
        if per:
            return f"{unit} a {per}"
        return f"{unit} once" if need.once else unit

    @staticmethod
    def fmt(need: FigureNeed) -> str:
        return {"money": "money", "share": "share", "rate": "share", "orders": "count", "seats": "count"}[need.family]

    # sheets ------------------------------------------------------------------------------------------
    def build(self) -> Layout:
        inputs = self.inputs_sheet()
        conversions = self.conversions_sheet()
        clv = self.clv_sheet()
        sensitivity = self.sensitivity_sheet()
        by_period = self.by_period_sheet()
        readme = self.readme_sheet()
        result_names = {cid: {s: f"{cid}_{s}_clv" for s in SCENARIOS} for cid in self.analysis.companies}
        props = {"title": f"{self.case.title}: customer lifetime value workbook",
                 "subject": "Customer lifetime value (Unit 38, Customer Value Management)",
                 "author": "clvedu", "comments": f"Written by clvedu {__version__} from the case folder {self.case_label}",
                 "keywords": "customer lifetime value, CLV, retention, churn"}
        return Layout([readme, inputs, conversions, clv, sensitivity, by_period], self.names, self.case.currency,
                      props, result_names, dict(self.periods))

    # --- Inputs ------------------------------------------------------------------------------------
    def inputs_sheet(self) -> Sheet:
        sh = Sheet("Inputs")
        widths = [46, 13, 13, 13, 12, 16, 12, 30, 80]
        sh.widths = dict(enumerate(widths))
        sh.merge(0, 0, 8, f"{self.case.title}: the figures behind each CLV", "title")
        intro = ("Pale yellow cells are the case's assumptions: change them, and every other sheet recalculates. "
                 "White cells are reported figures (the Basis column names the source); grey cells were derived by "
                 "the kit from other figures in the case. You may change any of them, and type a low and a high end "
                 "to give a figure a range. Shares are percentages (type 2.2% or 0.022). A value outside its own "
                 "range turns red.")
        sh.merge(1, 0, 8, intro, "para")
        sh.wrap_height(1, [(intro, sum(widths))])
        headers = ["Figure", "Value", "Low end", "High end", "Unit", "Per", "Kind", "Name (of the value)",
                   "Basis: source, or why this value"]
        for col, text in enumerate(headers):
            sh.put(3, col, text, "header")
        sh.freeze = (4, 1)
        row = 4
        owners = [(cid, f"{c.name} ({c.relationship.label.lower()}; one {c.noun})")
                  for cid, c in self.analysis.companies.items()]
        owners.append(("shared", "Case-wide: used by every company"))
        lines = {}
        for company in self.analysis.companies.values():
            for line in company.input_lines:
                lines.setdefault((line.owner, line.figure_id), line)
        for owner, title in owners:
            sh.merge(row, 0, 8, title, "band")
            row += 1
            for (o, fid), line in lines.items():
                if o != owner:
                    continue
                row = self.input_row(sh, row, owner, fid, line)
            row += 1
        sh.merge(row, 0, 8, "Model settings", "band")
        row += 1
        sh.put(row, 0, "Sensitivity step: how far each driver moves on the Sensitivity sheet", "label")
        self.step = self.named(sh, row, 1, SWING, "v:assumption:share", "sensitivity_step", comment="change me",
                               validation=_validation("share", "The sensitivity step"))
        sh.put(row, 4, "share", "text")
        sh.put(row, 6, "assumption", "text")
        sh.put(row, 7, "sensitivity_step", "name")
        why = "Each driver is moved this share of its own size, worse and then better, with the others at base."
        sh.put(row, 8, why, "note")
        row += 2
        refs = [r for r in self.analysis.references if any(r.id in line.basis.sources for line in lines.values())]
        if refs:
            sh.merge(row, 0, 8, "References (sources of the reported and derived figures)", "band")
            row += 1
            for ref in refs:
                sh.merge(row, 0, 8, ref.entry, "para")
                sh.wrap_height(row, [(ref.entry, sum(widths))])
                row += 1
        return sh

    def input_row(self, sh: Sheet, row: int, owner: str, fid: str, line) -> int:
        need = self.need(owner, fid)
        kind = line.basis.kind
        role = {"assumption": "assumption", "reported": "reported", "derived": "derived"}[kind]
        fmt = self.fmt(need)
        what = _upfirst(need.meaning)
        sh.put(row, 0, line.label, "label")
        base = f"{owner}_{fid}"
        comment = "change me" if kind == "assumption" else None
        check = _validation(need.family, line.label)
        refs = {"base": self.named(sh, row, 1, line.value, f"v:{role}:{fmt}", base, comment=comment, validation=check)}
        for col, end in ((2, "low"), (3, "high")):
            value = getattr(line, end)
            refs[end] = self.named(sh, row, col, value, f"v:{role}:{fmt}", f"{base}_{end}", validation=check)
        self.inputs[(owner, fid)] = refs
        v, lo, hi = (address(row, col, absolute=True) for col in (1, 2, 3))
        sh.highlights.append((row, 1, f"OR(AND(ISNUMBER({lo}),{v}<{lo}),AND(ISNUMBER({hi}),{v}>{hi}))", "warning"))
        sh.put(row, 4, self.unit_words(need, None).removesuffix(" once"), "text")
        per = line.per or ("once" if need.once else "—")
        sh.put(row, 5, per, "text")
        sh.put(row, 6, kind, "text")
        sh.put(row, 7, base, "name")
        basis = line.basis.text if line.basis.text else what
        if kind == "reported":
            basis = f"Reported: {basis}. {what}."
        sh.put(row, 8, basis, "note")
        sh.wrap_height(row, [(line.label, 46), (basis, 80, 10)])
        return row + 1

    # --- Conversions ---------------------------------------------------------------------------------
    def conversions_sheet(self) -> Sheet:
        sh = Sheet("Conversions")
        widths = [40, 9, 13, 13, 13, 13, 13, 13, 34, WIDE_NOTE]
        sh.widths = dict(enumerate(widths))
        sh.merge(0, 0, 9, "Each figure in each scenario, then converted to the company's period", "title")
        intro = ("Left: the value each scenario uses, as typed on the Inputs sheet (the low scenario takes the end "
                 "of each range that lowers CLV, the high scenario the end that raises it; a figure without a "
                 "range keeps its value). Right: the same values over one period of the company's model. Money "
                 "and orders per period scale with the length of the period; churn, retention, discount and "
                 "growth rates compound.")
        sh.merge(1, 0, 9, intro, "para")
        sh.wrap_height(1, [(intro, sum(widths))])
        sh.freeze = (2, 1)
        row = 3
        for cid, company in self.analysis.companies.items():
            row = self.conversion_block(sh, row, cid, company) + 1
        return sh

    def conversion_block(self, sh: Sheet, row: int, cid: str, company: CompanyAnalysis) -> int:
        P = company.period
        sh.merge(row, 0, 9, f"{company.name}: every figure over one {P}", "band")
        row += 1
        sh.put(row, 0, "", "header")
        sh.put(row, 1, "", "header")
        sh.merge(row, 2, 4, "Value used, as typed", "header_center")
        sh.merge(row, 5, 7, f"Converted to one {P}", "header_center")
        sh.put(row, 8, "", "header")
        sh.put(row, 9, "", "header")
        row += 1
        heads = ["Figure", "Typed per", "Low", "Base", "High", "Low", "Base", "High", "Name (base)",
                 "How the scenario value is chosen, and converted"]
        for col, text in enumerate(heads):
            sh.put(row, col, text, "header_num" if 2 <= col <= 7 else "header")
        row += 1
        self.converted[cid] = {s: {} for s in SCENARIOS}
        for owner, fid in self.case.clv_figures(cid):
            need = self.need(owner, fid)
            fig = self.case.figure(owner, fid)
            per = fig.per
            refs = self.inputs[(owner, fid)]
            pessimistic = PESSIMISTIC_END.get(fid, "low")
            optimistic = "high" if pessimistic == "low" else "low"
            label = f"{fig.label}"
            sh.put(row, 0, label, "label")
            sh.put(row, 1, per or "—", "text")
            fmt = self.fmt(need)
            typed = {"low": first_number(refs[pessimistic], refs["base"]), "base": _same(refs["base"]),
                     "high": first_number(refs[optimistic], refs["base"])}
            typed_refs = {}
            for col, s in zip((2, 3, 4), SCENARIOS):
                typed_refs[s] = sh.put(row, col, typed[s], f"v:formula:{fmt}")
            conversion, words = self.convert(fid, need, per, P)
            for col, s in zip((5, 6, 7), SCENARIOS):
                ref = self.named(sh, row, col, conversion(typed_refs[s]), f"v:formula:{fmt}", f"{cid}_{s}_{fid}")
                self.converted[cid][s][fid] = ref
            sh.put(row, 8, f"{cid}_base_{fid}", "name")
            if fig.low is None and fig.high is None:
                end_words = "No range typed, so every scenario uses the value."
            else:
                end_words = (f"Low scenario: the {pessimistic} end (a {'higher' if pessimistic == 'high' else 'lower'}"
                             f" {_short(fid)} lowers CLV); high scenario: the {optimistic} end.")
            note = f"{words} {end_words}"
            sh.put(row, 9, note, "note")
            sh.wrap_height(row, [(label, 40), (note, WIDE_NOTE, 10)])
            row += 1
        return row

    def convert(self, fid: str, need: FigureNeed, per: str | None, P: str):
        """(function of the typed value's reference, words) converting a figure to period ``P``."""
        if per is None:
            return _same, "No period: used as typed."
        if per == P:
            return _same, f"Already per {P}: used as typed."
        n_from, n_to = PERIODS_PER_YEAR[per], PERIODS_PER_YEAR[P]
        ratio = n_from / n_to
        exponent = Expr.const(ratio) if ratio == int(ratio) else Expr(
            f"{_num(n_from)}/{_num(n_to)}", n_from / n_to, 3)
        times = exponent.text
        if need.family in ("money", "orders"):
            def scale(x: Expr) -> Expr:
                out = x if n_from == 1 else x * n_from
                return out if n_to == 1 else out / n_to
            what = "amount" if need.family == "money" else "number of orders"
            return scale, (f"A {P}'s {what} is {_ratio_words(n_from, n_to, per, P)} a {per}'s "
                           f"(no discounting inside the period).")
        if need.family == "rate":
            return (lambda x: (1 + x) ** exponent - 1), (
                f"By compounding: (1 + rate a {per})^({times}) − 1, not the rate ÷ or × the number of periods.")
        if fid == "churn":
            return (lambda x: 1 - (1 - x) ** exponent), (
                f"Retention compounds: 1 − (1 − churn a {per})^({times}), assuming the same chance of leaving "
                f"in every {P}.")
        return (lambda x: x ** exponent), (
            f"Retention compounds: (share a {per})^({times}), assuming the same chance of leaving in every {P}.")

    # --- CLV ------------------------------------------------------------------------------------------
    def clv_sheet(self) -> Sheet:
        sh = Sheet("CLV")
        widths = [44, 15, 15, 15, 18, 34, WIDE_NOTE]
        sh.widths = dict(enumerate(widths))
        nouns = sorted({c.noun for c in self.analysis.companies.values()})
        sh.merge(0, 0, 6, f"Customer lifetime value of one new {' or '.join(nouns)}, in three scenarios", "title")
        intro = ("Each company's CLV written out as its formula: the margin it earns from one new "
                 f"{self.analysis.noun} each period, times the margin multiple (how many periods' margin that "
                 "customer is worth today, after leaving and discounting), less what it cost to win them. The "
                 "three columns use the scenario values of the Conversions sheet; the Name column gives the "
                 "base cell's name (swap base for low or high for the other columns).")
        sh.merge(1, 0, 6, intro, "para")
        sh.wrap_height(1, [(intro, sum(widths))])
        sh.freeze = (2, 1)
        row = 3
        for cid, company in self.analysis.companies.items():
            row = self.clv_block(sh, row, cid, company) + 1
        return sh

    def clv_block(self, sh: Sheet, row: int, cid: str, company: CompanyAnalysis) -> int:
        rel = company.relationship
        P, noun, cur = company.period, company.noun, self.case.currency
        conv = self.converted[cid]
        figs = {fid for _, fid in self.case.clv_figures(cid)}
        has_cost = "retention_cost" in figs
        has_growth = rel.growth_figure in figs
        timing = company.inputs.timing
        title = (f"{company.name}: {rel.label.lower()}, one period = one {P}. "
                 f"Timing: {rel.first_payment}.")
        sh.merge(row, 0, 6, title, "band")
        sh.wrap_height(row, [(title, 140)])
        row += 1
        for col, text in enumerate(["Step", SCENARIO_HEADERS["low"], SCENARIO_HEADERS["base"],
                                    SCENARIO_HEADERS["high"], "Unit", "Name (base)", "How it is worked out"]):
            sh.put(row, col, text, "header_num" if 1 <= col <= 3 else "header")
        sh.heights[row] = 32
        row += 1
        self.clv[cid] = {s: {} for s in SCENARIOS}
        money_per = f"{cur} a {P}"

        def line(label: str, unit: str, fmt: str, make, note: str, step: str | None = None,
                 style: str = "formula") -> None:
            nonlocal row
            sh.put(row, 0, label, "label_bold" if style == "result" else "label")
            for col, s in zip((1, 2, 3), SCENARIOS):
                expr = make(s)
                name = f"{cid}_{s}_{step}" if step else None
                ref = (self.named(sh, row, col, expr, f"v:{style}:{fmt}", name) if name
                       else sh.put(row, col, expr, f"v:{style}:{fmt}"))
                if step:
                    self.clv[cid][s][step] = ref
            sh.put(row, 4, unit, "text")
            sh.put(row, 5, f"{cid}_base_{step}" if step else "", "name")
            sh.put(row, 6, note, "note")
            sh.wrap_height(row, [(label, 44), (note, WIDE_NOTE, 10)])
            row += 1

        def c(fid: str):
            return lambda s: _same(conv[s][fid])

        def got(step: str):
            return lambda s: self.clv[cid][s][step]

        # revenue per customer per period
        if rel.id == "repeat_purchase":
            line("Spend per order", cur, "money", c("order_value"), "From the Conversions sheet.")
            line(f"× orders per {noun} per {P}", f"orders a {P}", "count", c("purchase_frequency"),
                 "From the Conversions sheet.")
            line(f"= spend per {noun} per {P}", money_per, "money",
                 lambda s: conv[s]["order_value"] * conv[s]["purchase_frequency"],
                 "Spend per order × orders per period.", "revenue")
        elif rel.id == "contract":
            line(f"Seats per {noun}", "seats", "count", c("seats"), "From the Conversions sheet.")
            line(f"× price per seat per {P}", money_per, "money", c("price_per_seat"), "From the Conversions sheet.")
            line(f"= contract value per {noun} per {P}", money_per, "money",
                 lambda s: conv[s]["seats"] * conv[s]["price_per_seat"], "Seats × price per seat.", "revenue")
        else:
            line(f"Revenue per {noun} per {P}", money_per, "money", c("arpu"), "From the Conversions sheet.",
                 "revenue")
        line("× contribution margin", "share", "share", c("contribution_margin"),
             "Share of revenue left after the costs of serving this customer.")
        line(f"= gross margin per {noun} per {P}", money_per, "money",
             lambda s: got("revenue")(s) * conv[s]["contribution_margin"],
             "Revenue × contribution margin.", "gross_margin")
        if has_cost:
            line(f"− retention cost per {noun} per {P}", money_per, "money", c("retention_cost"),
                 "What keeping this customer costs each period (it does not grow).")
            line(f"= margin per {noun} per {P}, after retention cost", money_per, "money",
                 lambda s: got("gross_margin")(s) - conv[s]["retention_cost"],
                 f"Gross margin − retention cost: what one {noun} leaves each {P}"
                 + (" in the first period (the gross margin grows, the cost does not)." if has_growth else "."),
                 "margin")
        if rel.retention_is_churn:
            line(f"Churn per {P}", "share", "share", c(rel.retention_figure),
                 f"Share of {plural(noun)} who {rel.leaves} each {P} (Conversions sheet).")
            line(f"Retention r = 1 − churn, per {P}", "share", "share",
                 lambda s: 1 - conv[s][rel.retention_figure],
                 f"Share of {plural(noun)} still paying a {P} later.", "retention")
        else:
            line(f"{_upfirst(rel.stay_noun)} r, per {P}", "share", "share", c(rel.retention_figure),
                 f"{_upfirst(rel.retention_evidence)} (Conversions sheet).", "retention")
            line(f"{_upfirst(rel.leaving_noun)} = 1 − r, per {P}", "share", "share",
                 lambda s: 1 - got("retention")(s),
                 f"Share who {rel.leave_verb} each {P}: the churn of this relationship.", "churn")
        line(f"Discount rate d, per {P}", "share", "share", c("discount_rate"),
             "Cost of capital over one period (Conversions sheet).")
        if has_growth:
            what = f"seats per {noun}" if rel.growth_figure == "seat_growth" else "the margin"
            line(f"Growth g of {what}, per {P}", "rate", "share", c(rel.growth_figure),
                 "The gross margin grows by (1 + g) with each payment; the retention cost does not.")

        def denominator(s: str) -> Expr:
            r, d = self.clv[cid][s]["retention"], conv[s]["discount_rate"]
            grown = r * (1 + conv[s][rel.growth_figure]) if has_growth else r
            return 1 + d - grown

        grown_words = "r × (1 + g)" if has_growth else "r"
        line(f"1 + d − {grown_words}", "number", "factor", denominator,
             "Must be above 0: otherwise the discounted margins never stop adding up.", "denominator")
        top = "r" if timing == "end" else "1"
        timing_words = ("Each period's stay-or-leave decision comes first; margins arrive at the end of each "
                        "period from those who stayed" if timing == "end" else
                        "Every account won pays its first term; renewal decides each later term; margins at "
                        "each term's end")
        line(f"Margin multiple = {top} ÷ (1 + d − {grown_words})", f"× margin a {P}", "multiple",
             lambda s: (self.clv[cid][s]["retention"] if timing == "end" else Expr.const(1))
             / self.clv[cid][s]["denominator"],
             f"What 1 {cur} of margin a {P} from one new {noun} is worth today. {timing_words} "
             "(Gupta & Lehmann 2003).", "multiple")
        if has_cost and has_growth:
            line(f"Retention-cost multiple = {top} ÷ (1 + d − r)", f"× cost a {P}", "multiple",
                 lambda s: (self.clv[cid][s]["retention"] if timing == "end" else Expr.const(1))
                 / (1 + conv[s]["discount_rate"] - self.clv[cid][s]["retention"]),
                 "The same multiple without growth, because the retention cost does not grow.", "flat_multiple")

            def value(s: str) -> Expr:
                return (self.clv[cid][s]["gross_margin"] * self.clv[cid][s]["multiple"]
                        - conv[s]["retention_cost"] * self.clv[cid][s]["flat_multiple"])
            how = "Gross margin × margin multiple − retention cost × retention-cost multiple."
        else:
            first = "margin" if has_cost else "gross_margin"

            def value(s: str) -> Expr:
                return self.clv[cid][s][first] * self.clv[cid][s]["multiple"]
            how = f"{'Margin after retention cost' if has_cost else 'Gross margin'} a {P} × margin multiple."
        line("Value of the margins", cur, "money", value,
             how + f" The By period sheet adds the same margins up {P} by {P}.", "value_of_margins")
        line("− acquisition cost", cur, "money", c("acquisition_cost"), "Paid once, when the customer is won.")
        line(f"= CLV per new {noun}", cur, "money",
             lambda s: self.clv[cid][s]["value_of_margins"] - conv[s]["acquisition_cost"],
             "Value of the margins − acquisition cost. A negative CLV is a legitimate answer: winning this "
             "customer costs more than they bring in.", "clv", style="result")
        line("Check", "", "text",
             lambda s: if_positive(self.clv[cid][s]["denominator"], "OK",
                                   "No finite CLV: r × (1 + g) must stay below 1 + d"),
             "Says whether the formula has a finite answer with these inputs.", "check")
        return row

    # --- Sensitivity --------------------------------------------------------------------------------------
    def sensitivity_sheet(self) -> Sheet:
        sh = Sheet("Sensitivity")
        widths = [40, 14, 14, 14, 15, 15, 15, WIDE_NOTE]
        sh.widths = dict(enumerate(widths))
        sh.merge(0, 0, 7, "What moves CLV most: each driver a step worse and a step better", "title")
        intro = ("Base scenario. Each row moves one driver by the sensitivity step (a share of its own size, set on "
                 "the Inputs sheet), worse and then better, keeps every other input at base and works CLV out "
                 "again with the formula of the CLV sheet. Rows are in order of how far CLV moves, "
                 "widest first, with the case's figures.")
        sh.merge(1, 0, 7, intro, "para")
        sh.wrap_height(1, [(intro, sum(widths))])
        sh.put(2, 0, "Sensitivity step (Inputs sheet)", "label_bold")
        sh.put(2, 1, _same(self.step), "v:formula:share")
        sh.freeze = (3, 1)
        row = 4
        for cid, company in self.analysis.companies.items():
            row = self.sensitivity_block(sh, row, cid, company) + 1
        return sh

    def sensitivity_block(self, sh: Sheet, row: int, cid: str, company: CompanyAnalysis) -> int:
        rel = company.relationship
        P, noun = company.period, company.noun
        base = dict(self.clv[cid]["base"])
        conv = self.converted[cid]["base"]
        figs = {fid for _, fid in self.case.clv_figures(cid)}
        has_cost, has_growth = "retention_cost" in figs, rel.growth_figure in figs
        timing = company.inputs.timing
        step = self.step
        adj = ADJECTIVE[P].capitalize()
        sh.merge(row, 0, 7, f"{company.name}: CLV per new {noun}", "band")
        row += 1
        heads = ["Driver", "Base value", "Step worse", "Step better", "CLV if worse", "CLV if better",
                 "Spread (better − worse)", "How the worse and better values are set"]
        for col, text in enumerate(heads):
            sh.put(row, col, text, "header_num" if 1 <= col <= 6 else "header")
        sh.heights[row] = 32
        row += 1
        sh.put(row, 0, f"Base CLV per new {noun}", "label_bold")
        sh.put(row, 1, _same(base["clv"]), "v:result:money")
        row += 1

        churn = conv["churn"] if rel.retention_is_churn else base["churn"]
        g = conv.get(rel.growth_figure) if has_growth else None
        c = conv.get("retention_cost") if has_cost else None

        def value_of(gross: Expr, cost: Expr | None, r: Expr | None, d: Expr | None, gr: Expr | None) -> Expr:
            """Value of the margins, recomputing the multiples only when r, d or g changed."""
            if r is None and d is None and gr is None:
                mult, flat = base["multiple"], base.get("flat_multiple", base["multiple"])
            else:
                r = r if r is not None else base["retention"]
                d = d if d is not None else conv["discount_rate"]
                gr = gr if gr is not None else g
                top = r if timing == "end" else Expr.const(1)
                mult = top / (1 + d - (r * (1 + gr) if gr is not None else r))
                flat = top / (1 + d - r) if (has_cost and has_growth) else mult
            if cost is None:
                return gross * mult
            if has_growth:
                return gross * mult - cost * flat
            return (gross - cost) * mult

        gross, ac = base["gross_margin"], conv["acquisition_cost"]
        # the same labels as clvedu.levers.tornado, so the sheet and the analysis name each driver alike
        churn_label = f"{adj} {rel.leaving_noun}"
        growth_label = f"{adj} {rel.growth_figure.replace('_', ' ')}"
        drivers = [
            (churn_label + ("" if rel.retention_is_churn else f" (1 − {rel.stay_noun})"), churn, False, "share",
             lambda v: value_of(gross, c, 1 - v, None, None) - ac, True),
            (f"{adj} {rel.revenue_per(noun)}", base["revenue"], True, "money",
             lambda v: value_of(v * conv["contribution_margin"], c, None, None, None) - ac, False),
            ("Contribution margin rate", conv["contribution_margin"], True, "share",
             lambda v: value_of(base["revenue"] * v, c, None, None, None) - ac, False),
            ("Acquisition cost", ac, False, "money", lambda v: base["value_of_margins"] - v, False),
            (f"{adj} discount rate", conv["discount_rate"], False, "share",
             lambda v: value_of(gross, c, None, v, None) - ac, False),
        ]
        if has_growth and g.value != 0:
            drivers.append((growth_label, g, True, "share",
                            lambda v: value_of(gross, c, None, None, v) - ac, False))
        if has_cost and c.value != 0:
            drivers.append((f"{adj} retention cost", c, False, "money",
                            lambda v: value_of(gross, v, None, None, None) - ac, False))
        rows = []
        for label, ref, higher_better, fmt, clv_of, capped in drivers:
            ref = _same(ref)
            if label == growth_label:
                down, up = ref - step * absolute(ref), ref + step * absolute(ref)
            else:
                down, up = ref * (1 - step), ref * (1 + step)
            worse, better = (down, up) if higher_better else (up, down)
            if capped:
                worse = minimum(worse, 1)
            rows.append((label, ref, worse, better, fmt, clv_of, higher_better))
        # widest first, with the case's figures (stable, like clvedu.levers.tornado)
        spreads = [abs(clv_of(Expr.const(better.value)).value - clv_of(Expr.const(worse.value)).value)
                   for _, _, worse, better, _, clv_of, _ in rows]
        order = sorted(range(len(rows)), key=lambda i: -spreads[i])
        for i in order:
            label, ref, worse, better, fmt, clv_of, higher_better = rows[i]
            sh.put(row, 0, label, "label")
            sh.put(row, 1, ref, f"v:formula:{fmt}")
            w = sh.put(row, 2, worse, f"v:formula:{fmt}")
            b = sh.put(row, 3, better, f"v:formula:{fmt}")
            lo = sh.put(row, 4, clv_of(w), "v:formula:money")
            hi = sh.put(row, 5, clv_of(b), "v:formula:money")
            sh.put(row, 6, hi - lo, "v:formula:money")
            if label == growth_label:
                how = "Growth can be negative, so it moves by the step × its size either way: g ∓ step × |g|."
            elif higher_better:
                how = "Worse: × (1 − step); better: × (1 + step)."
            else:
                how = "Worse: × (1 + step); better: × (1 − step)."
            if label.startswith(churn_label):
                how += f" {rel.leaving_noun.capitalize()} cannot pass 100%."
                if not rel.retention_is_churn:
                    how += " Retention r is 1 − churn."
            sh.put(row, 7, how, "note")
            sh.wrap_height(row, [(label, 40), (how, WIDE_NOTE, 10)])
            row += 1
        return row

    # --- By period ----------------------------------------------------------------------------------------
    def by_period_sheet(self) -> Sheet:
        sh = Sheet("By period", landscape=False)
        companies = list(self.analysis.companies.items())
        block = 8
        sh.merge(0, 0, block * len(companies) - 2, "The same CLV added up period by period (base scenario)", "title")
        for i, (cid, company) in enumerate(companies):
            col = i * block
            for j, w in enumerate([11, 14, 14, 12, 13, 14, 14]):
                sh.widths[col + j] = w
            if i < len(companies) - 1:
                sh.widths[col + 7] = 3
            self.by_period_block(sh, col, cid, company)
        sh.freeze = (6, 0)
        return sh

    def by_period_block(self, sh: Sheet, col: int, cid: str, company: CompanyAnalysis) -> None:
        rel = company.relationship
        P, noun = company.period, company.noun
        base = self.clv[cid]["base"]
        conv = self.converted[cid]["base"]
        figs = {fid for _, fid in self.case.clv_figures(cid)}
        has_cost, has_growth = "retention_cost" in figs, rel.growth_figure in figs
        timing = company.inputs.timing
        n = self.schedule_length(company)
        self.periods[cid] = n
        sh.merge(1, col, col + 6, f"{company.name}: one new {noun}, {P} by {P}", "band")
        sh.merge(2, col, col + 4, "Closed form: value of the margins (CLV sheet)", "label_bold")
        sh.put(2, col + 5, _same(base["value_of_margins"]), "v:result:money")
        closed = Expr.ref(address(2, col + 5, absolute=True), base["value_of_margins"].value)
        sh.merge(3, col, col + 4, f"Rows shown: {n} {P}s, until the running total is within "
                 f"{CONVERGENCE:.1%} of the closed form", "note")
        heads = [P.capitalize(), f"{_upfirst(plural(noun))} still paying", f"Margin per paying {noun}",
                 "Discount factor", "Value today", "Running total", "Still to come"]
        still_words = "r^t" if timing == "end" else "r^(t − 1)"
        grow = " × (1 + g)^(t − 1)" if has_growth else ""
        cost = " − retention cost" if has_cost else ""
        hows = [f"t: the {P} the margin arrives (at its end)", f"{still_words}: share of those won",
                f"gross margin{grow}{cost}", "1 ÷ (1 + d)^t", "still paying × margin × factor",
                "sum of value today so far", "closed form − running total"]
        for j, (head, how) in enumerate(zip(heads, hows)):
            sh.put(4, col + j, head, "header_num" if j else "header")
            sh.put(5, col + j, how, "how")
        sh.heights[4] = 32
        sh.heights[5] = 44
        r, d, gross = base["retention"], conv["discount_rate"], base["gross_margin"]
        g = conv[rel.growth_figure] if has_growth else None
        c = conv["retention_cost"] if has_cost else None
        running = None
        for k in range(1, n + 1):
            row = 5 + k
            t = sh.put(row, col, k, f"v:formula:period:{P}")
            still = sh.put(row, col + 1, r ** t if timing == "end" else r ** (t - 1), "v:formula:share2")
            margin = gross * (1 + g) ** (t - 1) if g is not None else _same(gross)
            if c is not None:
                margin = margin - c
            m = sh.put(row, col + 2, margin, "v:formula:money")
            f = sh.put(row, col + 3, 1 / (1 + d) ** t, "v:formula:factor")
            v = sh.put(row, col + 4, still * m * f, "v:formula:money")
            running = sh.put(row, col + 5, _same(v) if running is None else running + v, "v:formula:money")
            sh.put(row, col + 6, closed - running, "v:formula:money")

    @staticmethod
    def schedule_length(company: CompanyAnalysis) -> int:
        """Periods until the running total is within :data:`CONVERGENCE` of the closed form (or one cent)."""
        closed = company.value_before_acquisition
        tolerance = max(CONVERGENCE * abs(closed), 0.005)
        n = MIN_PERIODS
        while n < MAX_PERIODS:
            total = float(company.schedule(n)["running_total"].iloc[-1])
            if abs(closed - total) <= tolerance:
                break
            n = min(MAX_PERIODS, math.ceil(n * 1.25))
        lo, hi = max(MIN_PERIODS, int(n / 1.25)), n
        while lo < hi:  # the first length that is close enough
            mid = (lo + hi) // 2
            if abs(closed - float(company.schedule(mid)["running_total"].iloc[-1])) <= tolerance:
                hi = mid
            else:
                lo = mid + 1
        return hi

    # --- README ----------------------------------------------------------------------------------------------
    def readme_sheet(self) -> Sheet:
        sh = Sheet("README", landscape=False)
        widths = [34, 16, 16, 16, 16, 40]
        sh.widths = dict(enumerate(widths))
        total = sum(widths)
        noun = self.analysis.noun
        row = 0
        sh.merge(row, 0, 5, f"{self.case.title}: customer lifetime value workbook", "title")
        row += 1
        sub = (f"Written by clvedu {__version__} from the case folder {self.case_label}. Every number outside "
               "the Inputs sheet is a live formula.")
        sh.merge(row, 0, 5, sub, "subtitle")
        row += 2

        def para(text: str, style: str = "para") -> None:
            nonlocal row
            sh.merge(row, 0, 5, text, style)
            sh.wrap_height(row, [(text, total)])
            row += 1

        def heading(text: str) -> None:
            nonlocal row
            row += 1
            sh.merge(row, 0, 5, text, "heading")
            row += 1

        heading("What this is")
        para(f"A model of customer lifetime value (CLV): what one new {noun} is worth to each company of the "
             f"case today, after the {plural(noun)} who leave, the cost of capital and the cost of winning them. "
             "The kit wrote it from the case's figures; each figure's source or reason is on the Inputs sheet.")
        para(f"Question of the case: {' '.join(self.case.question.split())}")
        heading("Results at a glance (live)")
        heads = ["Company", SCENARIO_HEADERS["low"], SCENARIO_HEADERS["base"], SCENARIO_HEADERS["high"],
                 "Period of the model", "Relationship"]
        for col, text in enumerate(heads):
            sh.put(row, col, text, "header_num" if 1 <= col <= 3 else "header")
        sh.heights[row] = 32
        row += 1
        for cid, company in self.analysis.companies.items():
            sh.put(row, 0, f"{company.name}: CLV per new {company.noun}", "label")
            for col, s in zip((1, 2, 3), SCENARIOS):
                ref = self.clv[cid][s]["clv"]
                sh.put(row, col, _same(ref), "v:result:money" if s == "base" else "v:formula:money")
            sh.put(row, 4, company.period, "text")
            sh.put(row, 5, company.relationship.label, "text")
            row += 1
        heading("How to use it")
        para("1. Open the Inputs sheet. Pale yellow cells are the case's assumptions; each has a note saying "
             "\"change me\". Type a new value: every other sheet recalculates at once. Shares and rates are "
             "percentages (type 2.2% or 0.022).")
        para("2. Each figure's low and high ends give the scenarios. The low scenario is pessimistic throughout: "
             "it takes, for every figure, the end of its range that lowers CLV (high churn, low margin, high "
             "acquisition cost, high discount rate...); the high scenario takes the other end. Type an end to "
             "give a figure a range, or clear both ends to keep it fixed.")
        first = next(iter(self.analysis.companies))
        para("3. Follow a number back: click a cell and read its formula. Formulas use names rather than "
             f"addresses, so ={first}_base_gross_margin*{first}_base_multiple reads as it is worked. The Name "
             "columns list them; Formulas > Name Manager (Excel) or Sheet > Named Ranges (LibreOffice) "
             "shows them all.")
        para("4. Try a technique: lower churn to see what a retention campaign is worth, raise revenue for an "
             "upsell, or raise the acquisition cost for a richer welcome offer. The Sensitivity sheet shows "
             "which driver matters most.")
        heading("The sheets")
        for name, what in [
            ("Inputs", "every figure as typed in the case, with its unit, period, kind and basis, and its range"),
            ("Conversions", "the value each scenario uses, then each figure over one period of the company's "
                            "model (monthly from annual by compounding, never by dividing by 12)"),
            ("CLV", "the CLV formula step by step for each company, three scenarios side by side"),
            ("Sensitivity", "each driver a step worse and better, and the CLV each gives"),
            ("By period", "the same value added up period by period: it approaches the closed form of the "
                          "CLV sheet"),
        ]:
            sh.put(row, 0, name, "label_bold")
            sh.merge(row, 1, 5, what, "para")
            sh.wrap_height(row, [(what, total - widths[0])])
            row += 1
        heading("Colour key")
        for style, label, what in [
            ("v:assumption:share", "assumption", "chosen for teaching, with a reason: change me"),
            ("v:reported:share", "reported", "published by the company or a research firm (source on Inputs)"),
            ("v:derived:share", "derived", "worked out by the kit from other figures of the case"),
            ("v:formula:share", "formula", "calculated: do not type over it"),
            ("v:result:money", "result", "a CLV"),
        ]:
            sh.put(row, 0, label, style)
            sh.merge(row, 1, 5, what, "para")
            row += 1
        heading("Good to know")
        para("Every rate and amount says its period. Each company's model runs over one period (the period of "
             "its churn, retention or renewal figure); the Conversions sheet turns every figure into that period.")
        para("Derived figures hold the value the kit worked out when it wrote this workbook; they do not follow "
             "changes to the figures they came from, which are in the case folder, not here.")
        para("The By period tables stop when the running total is within 0.1% of the closed form with the case's "
             "figures. If you lower churn a lot, the last row's \"still to come\" shows how much is missing.")
        para("LibreOffice shows the values stored in the file, which are the ones the formulas give with the "
             "case's figures; any change you make recalculates. Only functions Excel 2010 already had are used, "
             "so the workbook opens the same in Excel, LibreOffice, Numbers and Google Sheets.")
        return sh


def _validation(family: str, label: str) -> dict:
    """Data validation for an input cell: shares 0 to 1, rates above -1, money and counts not negative."""
    label = label[:60]
    if family == "share":
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1,
                "error_title": "A share between 0% and 100%",
                "error_message": f"{label}: type a percentage such as 2.2% (or 0.022)."}
    if family == "rate":
        return {"validate": "decimal", "criteria": ">", "value": -1, "error_title": "A rate above -100%",
                "error_message": f"{label}: type a percentage such as 10% (or 0.1)."}
    return {"validate": "decimal", "criteria": ">=", "value": 0, "error_title": "Not negative",
            "error_message": f"{label}: type a number of 0 or more."}


def _same(ref: Expr) -> Expr:
    """A formula that is just another cell's reference (``=netflix_base_arpu``)."""
    return Expr(ref.text, ref.value)


def _num(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:g}"


def _ratio_words(n_from: float, n_to: float, per: str, P: str) -> str:
    ratio = n_from / n_to
    if ratio == int(ratio):
        return f"{_num(ratio)} ×"
    if (1 / ratio) == int(1 / ratio):
        return f"1/{_num(1 / ratio)} of"
    return f"{_num(n_from)}/{_num(n_to)} of"


_SHORT = {"arpu": "revenue", "contribution_margin": "margin", "purchase_frequency": "order frequency",
          "seats": "seat count", "margin_growth": "growth"}


def _short(fid: str) -> str:
    return _SHORT.get(fid, fid.replace("_", " "))


def workbook_layout(analysis: CaseAnalysis, case_label: str = "") -> Layout:
    """The layout of the CLV workbook of ``analysis`` (``case_label`` names the case folder in the README)."""
    return _Builder(analysis, case_label or (analysis.case.path.name if analysis.case.path else "")).build()
