"""Write a :class:`~clvedu.workbook.layout.Layout` as an .xlsx file with XlsxWriter.

Only this module calls XlsxWriter: it turns style keys into cell formats, writes every formula with
the value it gives (so a spreadsheet that does not recalculate on opening still shows the right
numbers), defines the names, and sets column widths, row heights, frozen panes and print settings.

Style keys: plain ones (``title``, ``para``, ``band``, ``header``, ``label``, ``note``, ...) and value
styles ``v:ROLE:FORMAT`` where ROLE is ``assumption``, ``reported``, ``derived`` (input cells),
``formula`` or ``result`` and FORMAT is ``money`` (the case's currency), ``share``, ``share2``,
``count``, ``multiple``, ``factor``, ``text`` or ``period:PERIOD`` (``month 12``).
"""

from __future__ import annotations

from pathlib import Path

from clvedu.formatting import CURRENCY_SYMBOLS
from clvedu.workbook.formula import Expr
from clvedu.workbook.layout import Layout, address

NAVY = "#1F4E79"
INPUT_BLUE = "#1F3F9F"
FONT = "Calibri"

_TEXT_STYLES = {
    "title": {"bold": True, "font_size": 15, "font_color": NAVY, "valign": "vcenter"},
    "subtitle": {"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"},
    "heading": {"bold": True, "font_size": 12, "font_color": NAVY, "bottom": 1, "bottom_color": NAVY},
    "para": {"text_wrap": True, "valign": "top"},
    "band": {"bold": True, "font_color": "#FFFFFF", "bg_color": NAVY, "valign": "vcenter", "text_wrap": True},
    "header": {"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True, "valign": "top"},
    "header_num": {"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True, "valign": "top",
                   "align": "right"},
    "header_center": {"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "align": "center", "valign": "top"},
    "label": {"text_wrap": True, "valign": "top"},
    "label_bold": {"bold": True, "text_wrap": True, "valign": "top"},
    "text": {"valign": "top", "align": "left", "indent": 1},
    "name": {"font_color": "#595959", "font_size": 9, "valign": "top", "align": "left", "indent": 1},
    "warning": {"bg_color": "#F8CBAD", "font_color": "#9C0006"},
    "note": {"text_wrap": True, "valign": "top", "font_color": "#404040", "font_size": 10},
    "how": {"italic": True, "text_wrap": True, "valign": "top", "font_color": "#404040", "font_size": 9,
            "bg_color": "#F2F2F2"},
}

_ROLES = {
    "assumption": {"bg_color": "#FFF2CC", "font_color": INPUT_BLUE, "border": 1, "border_color": "#BF9000"},
    "reported": {"bg_color": "#FFFFFF", "font_color": INPUT_BLUE, "border": 1, "border_color": "#A6A6A6"},
    "derived": {"bg_color": "#E7E6E6", "font_color": INPUT_BLUE, "border": 1, "border_color": "#A6A6A6"},
    "setting": {"bg_color": "#FFF2CC", "font_color": INPUT_BLUE, "border": 1, "border_color": "#BF9000"},
    "formula": {},
    "result": {"bold": True, "bg_color": "#E2EFDA", "border": 1, "border_color": "#548235"},
}


def money_format(currency: str) -> str:
    """``"$"#,##0.00`` for USD, ``#,##0.00" CHF"`` for a currency without a symbol the kit knows."""
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    if symbol:
        return f'"{symbol}"#,##0.00;-"{symbol}"#,##0.00'
    return f'#,##0.00" {currency.upper()}";-#,##0.00" {currency.upper()}"'


def _number_format(fmt: str, currency: str) -> str:
    if fmt.startswith("period:"):
        return f'"{fmt.split(":", 1)[1]} "0'
    return {"money": money_format(currency), "share": "0.0##%", "share2": "0.00%", "count": "General",
            "multiple": "0.00", "factor": "0.0000", "text": "General"}[fmt]


class _Formats:
    """XlsxWriter formats, made once per style key."""

    def __init__(self, workbook, currency: str) -> None:
        self.workbook = workbook
        self.currency = currency
        self.cache: dict[str, object] = {}

    def __call__(self, key: str):
        if key not in self.cache:
            self.cache[key] = self.workbook.add_format({"font_name": FONT, **self.props(key)})
        return self.cache[key]

    def props(self, key: str) -> dict:
        if key in _TEXT_STYLES:
            return dict(_TEXT_STYLES[key])
        if not key.startswith("v:"):
            raise KeyError(f"unknown workbook style {key!r}")
        _, role, fmt = key.split(":", 2)
        props = {"valign": "top", "num_format": _number_format(fmt, self.currency), **_ROLES[role]}
        if fmt.startswith("period:"):
            props["align"] = "left"
        elif fmt == "text":
            props["align"] = "center"
        return props


def _sheet_ref(title: str, row: int, col: int) -> str:
    return "='" + title.replace("'", "''") + "'!" + address(row, col, absolute=True)


def write_workbook(layout: Layout, path: str | Path) -> None:
    """Write ``layout`` to ``path`` (an .xlsx file; the caller makes the write atomic)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                               "strings_to_urls": False})
    try:
        formats = _Formats(workbook, layout.currency)
        workbook.set_properties(layout.properties)
        workbook.set_calc_mode("auto")
        for sheet in layout.sheets:
            _write_sheet(workbook, formats, sheet)
        for name, (title, row, col) in sorted(layout.names.items()):
            workbook.define_name(name, _sheet_ref(title, row, col))
    finally:
        workbook.close()


def _write_sheet(workbook, formats: _Formats, sheet) -> None:
    ws = workbook.add_worksheet(sheet.title)
    if sheet.title == "Inputs":
        ws.set_tab_color("#BF9000")
    for col, width in sheet.widths.items():
        ws.set_column(col, col, width)
    for row, height in sheet.heights.items():
        ws.set_row(row, height)
    merged = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in sheet.merges}
    for (row, col), cell in sorted(sheet.cells.items()):
        fmt = formats(cell.style)
        content = cell.content
        if (row, col) in merged:
            r2, c2 = merged[(row, col)]
            ws.merge_range(row, col, r2, c2, "", fmt)
        if isinstance(content, Expr):
            value = content.value
            ws.write_formula(row, col, "=" + content.text, fmt, _cached(value))
        elif content is None or content == "":
            ws.write_blank(row, col, None, fmt)
        elif isinstance(content, str):
            ws.write_string(row, col, content, fmt)
        else:
            ws.write_number(row, col, float(content), fmt)
        if cell.comment:
            ws.write_comment(row, col, cell.comment, {"author": "clvedu", "x_scale": 0.5, "y_scale": 0.35})
        if cell.validation:
            ws.data_validation(row, col, row, col, dict(cell.validation))
    for row, col, formula, style in sheet.highlights:
        ws.conditional_format(row, col, row, col, {"type": "formula", "criteria": "=" + formula,
                                                   "format": formats(style)})
    if sheet.freeze:
        ws.freeze_panes(*sheet.freeze)
    ws.set_paper(9)  # A4
    if sheet.landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    if sheet.title == "README":
        ws.activate()


def _cached(value):
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if value is None:
        return 0
    return value
