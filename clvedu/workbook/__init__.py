"""The CLV model of a case as a spreadsheet a student can read and change: live formulas, named cells.

    >>> from clvedu.workbook import build_workbook
    >>> build_workbook("case_studies/netflix_vs_prime_video", "netflix.xlsx")   # doctest: +SKIP

:mod:`clvedu.workbook.layout` decides what goes where (it reads the case analysis and computes nothing
of its own beyond the formulas it writes); :mod:`clvedu.workbook.writer` writes it with XlsxWriter;
:mod:`clvedu.workbook.formula` builds each formula together with the value it gives.
:func:`write_tables` (:mod:`clvedu.workbook.tables`) writes data tables, such as the synthetic data of
``clvedu simulate``, as one workbook with a README sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clvedu.errors import UserError


@dataclass(frozen=True)
class WorkbookResult:
    """What :func:`build_workbook` wrote: the file, its sheets, how many names and formulas it holds."""

    path: Path
    sheets: tuple[str, ...]
    names: int
    formulas: int


def build_workbook(case_dir, out, *, overwrite: bool = False, case=None) -> WorkbookResult:
    """Write the CLV workbook of the case folder ``case_dir`` to ``out`` (an .xlsx file).

    Raises :class:`~clvedu.cases.CaseError` for a broken case and :class:`UserError` for a bad output
    path; an existing ``out`` is refused unless ``overwrite``. The file is written to a temporary name
    and renamed, so a failure leaves nothing behind. ``case`` may pass an already loaded case.
    """
    from clvedu.analysis import analyse_case
    from clvedu.cases import load_case
    from clvedu.io import atomic_write, check_output_path
    from clvedu.workbook.formula import Expr
    from clvedu.workbook.layout import workbook_layout
    from clvedu.workbook.writer import write_workbook

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"--out {out}: the workbook must be an .xlsx file (for example clv.xlsx)")
    check_output_path(out, overwrite=overwrite)
    if case is None:
        case = load_case(case_dir)
    analysis = analyse_case(case, load_journey=False)
    layout = workbook_layout(analysis, case.path.name if case.path is not None else Path(case_dir).name)
    with atomic_write(out, overwrite=overwrite) as tmp:
        write_workbook(layout, tmp)
    formulas = sum(isinstance(c.content, Expr) for s in layout.sheets for c in s.cells.values())
    return WorkbookResult(out, tuple(s.title for s in layout.sheets), len(layout.names), formulas)


from clvedu.workbook.tables import TableSheet, write_tables  # noqa: E402  (data tables as one workbook)

__all__ = ["TableSheet", "WorkbookResult", "build_workbook", "write_tables"]
