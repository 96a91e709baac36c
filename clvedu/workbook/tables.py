"""Data tables (the synthetic data of ``clvedu simulate``, say) as one workbook: a README sheet, a sheet per table.

    >>> write_tables([TableSheet("panel", frame, "one row per subscriber")], "data.xlsx",
    ...              readme="SYNTHETIC DATA ...")                                   # doctest: +SKIP

Each table sheet has a frozen, filterable header row and columns sized to their contents; numbers are
rounded (money to cents, in the case's currency format; other decimals to ``decimals`` places),
booleans are TRUE/FALSE and dates are dates. The README sheet holds the given text, then each table's
description and the meaning of each column. A sheet holds at most :data:`MAX_ROWS` rows (Excel's limit).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from clvedu.errors import UserError

MAX_ROWS = 1_048_575
"""Data rows a sheet can hold below its header (Excel's limit is 1,048,576 rows in all)."""


@dataclass(frozen=True)
class TableSheet:
    """One table: its sheet name, the data, a one-line description and the meaning of each column."""

    name: str
    frame: object  # a pandas DataFrame
    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    money_columns: tuple[str, ...] = ()


def _sheet_names(tables: list[TableSheet]) -> list[str]:
    """Names Excel accepts (at most 31 characters, none of []:*?/\\), unique regardless of case."""
    used: set[str] = {"readme"}
    names = []
    for t in tables:
        base = re.sub(r"[\[\]:*?/\\']", " ", t.name).strip()[:31] or "data"
        name, n = base, 2
        while name.lower() in used:
            suffix = f" ({n})"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(name.lower())
        names.append(name)
    return names


def write_tables(tables: list[TableSheet], out: str | Path, *, readme: str, currency: str = "USD",
                 decimals: int = 4, overwrite: bool = False) -> Path:
    """Write ``tables`` to the .xlsx file ``out`` (atomically; an existing file only with ``overwrite``)."""
    import xlsxwriter

    from clvedu.io import atomic_write, check_output_path
    from clvedu.workbook.writer import money_format

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"{out}: the workbook must be an .xlsx file (for example data.xlsx)")
    check_output_path(out, overwrite=overwrite)
    for t in tables:
        if len(t.frame) > MAX_ROWS:
            raise UserError(f"table {t.name} has {len(t.frame):,} rows; a spreadsheet sheet holds at most "
                            f"{MAX_ROWS:,}: use fewer customers or the CSV files")
    names = _sheet_names(tables)
    with atomic_write(out, overwrite=overwrite) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False,
                                            "nan_inf_to_errors": False})
        try:
            bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
            title = wb.add_format({"bold": True, "font_size": 14, "font_color": "#1F4E79"})
            wrap = wb.add_format({"text_wrap": True, "valign": "top"})
            money = wb.add_format({"num_format": money_format(currency)})
            number = wb.add_format({"num_format": "0." + "#" * decimals if decimals else "0"})
            date = wb.add_format({"num_format": "yyyy-mm-dd"})
            ws = wb.add_worksheet("README")
            ws.set_column(0, 0, 110, wrap)
            row = 0
            lines = readme.splitlines()
            ws.write_string(row, 0, lines[0] if lines else "", title)
            row += 1
            for line in lines[1:]:
                ws.write_string(row, 0, line)
                row += 1
            for t, name in zip(tables, names):
                row += 1
                ws.write_string(row, 0, f"Sheet {name}: {t.description} ({len(t.frame):,} rows)", bold)
                row += 1
                for column, meaning in t.columns.items():
                    ws.write_string(row, 0, f"{column}: {meaning}")
                    row += 1
            for t, name in zip(tables, names):
                _write_table(wb, name, t, bold, {"money": money, "number": number, "date": date}, decimals)
        finally:
            wb.close()
    return out


def _write_table(wb, name: str, table: TableSheet, header, formats: dict, decimals: int) -> None:
    import pandas as pd

    frame = table.frame
    ws = wb.add_worksheet(name)
    columns = [str(c) for c in frame.columns]
    widths = [max(8, len(c) + 2) for c in columns]
    kinds = []
    for c in frame.columns:
        dtype = frame[c].dtype
        if c in table.money_columns:
            kinds.append("money")
        elif pd.api.types.is_bool_dtype(dtype):
            kinds.append("bool")
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            kinds.append("date")
        elif pd.api.types.is_integer_dtype(dtype):
            kinds.append("int")
        elif pd.api.types.is_float_dtype(dtype):
            kinds.append("number")
        else:
            kinds.append("text")
    for col, text in enumerate(columns):
        ws.write_string(0, col, text, header)
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        for col, (value, kind) in enumerate(zip(values, kinds)):
            if value is None or (isinstance(value, float) and not math.isfinite(value)) or value is pd.NaT:
                continue
            if kind == "money":
                ws.write_number(r, col, round(float(value), 2), formats["money"])
            elif kind == "number":
                ws.write_number(r, col, round(float(value), decimals), formats["number"])
            elif kind == "int":
                ws.write_number(r, col, int(value))
            elif kind == "bool":
                ws.write_boolean(r, col, bool(value))
            elif kind == "date":
                ws.write_datetime(r, col, pd.Timestamp(value).to_pydatetime(), formats["date"])
            else:
                text = str(value)
                ws.write_string(r, col, text)
                if r <= 200:
                    widths[col] = max(widths[col], min(40, len(text) + 2))
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.repeat_rows(0)
    if columns:
        ws.autofilter(0, 0, max(1, len(frame)), len(columns) - 1)
