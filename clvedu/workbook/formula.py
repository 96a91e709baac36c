"""Spreadsheet formulas that carry their own value: one expression gives the Excel text and the number.

The workbook's formulas are built from :class:`Expr` objects with Python operators::

    >>> churn = Expr.ref("netflix_base_churn", 0.022)
    >>> d = Expr.ref("netflix_base_discount_rate", 0.008)
    >>> r = 1 - churn
    >>> multiple = r / (1 + d - r)
    >>> multiple.text
    '(1-netflix_base_churn)/(1+netflix_base_discount_rate-(1-netflix_base_churn))'
    >>> round(multiple.value, 4)
    32.6

so the formula a student reads in a cell and the value stored with it (what a spreadsheet shows before
it recalculates: LibreOffice keeps stored values unless told otherwise) come from one expression and
cannot disagree. The text uses only operators and functions Excel 2010 already had (``IF``, ``ISNUMBER``,
``MIN``, ``ABS``), in the file format's own (English, comma-separated) syntax, which every spreadsheet
translates into its user's language.

Parentheses follow Excel's precedence (``^`` above ``*`` ``/`` above ``+`` ``-`` above comparisons, all
left-associative); unary minus is always bracketed, because in Excel ``-2^2`` is 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_ATOM, _POWER, _PRODUCT, _SUM, _COMPARE = 5, 4, 3, 2, 1
_PREC = {"^": _POWER, "*": _PRODUCT, "/": _PRODUCT, "+": _SUM, "-": _SUM}
_COMPARISONS = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
                "<=": lambda a, b: a <= b, "=": lambda a, b: a == b, "<>": lambda a, b: a != b}


def number_text(value: float) -> str:
    """A number as a formula literal: ``12``, ``0.1``, ``1E-05`` (never ``nan`` or ``inf``)."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"a formula cannot hold a number that is not finite: {value}")
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value).upper()


@dataclass(frozen=True)
class Expr:
    """A formula's text (without the leading ``=``), its value, and how tightly its text binds."""

    text: str
    value: float | str | bool | None
    prec: int = _ATOM

    # --- atoms ----------------------------------------------------------------------------------
    @staticmethod
    def ref(text: str, value: float | str | None) -> "Expr":
        """A cell reference or a defined name whose cell holds ``value`` (``None`` for an empty cell)."""
        return Expr(text, value, _ATOM)

    @staticmethod
    def const(value: float) -> "Expr":
        return Expr(number_text(value), float(value), _ATOM)

    # --- operators ------------------------------------------------------------------------------
    def _binary(self, op: str, other: "Expr | float", swap: bool = False) -> "Expr":
        other = as_expr(other)
        left, right = (other, self) if swap else (self, other)
        prec = _PREC[op]
        # a left operand binding at least as tightly needs no brackets (Excel is left-associative);
        lt = left.text if left.prec >= prec else f"({left.text})"
        # and a right operand of equal rank is bracketed, so Excel groups exactly as the value was computed
        rt = right.text if right.prec > prec else f"({right.text})"
        if op == "^":  # Excel's power binds differently from Python's for negative bases: bracket any non-atom
            lt = left.text if left.prec == _ATOM else f"({left.text})"
            rt = right.text if right.prec == _ATOM else f"({right.text})"
        a, b = _number(left.value, left.text), _number(right.value, right.text)
        value = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: _divide(a, b),
                 "^": lambda: _power(a, b)}[op]()
        return Expr(f"{lt}{op}{rt}", value, prec)

    def __add__(self, other): return self._binary("+", other)
    def __radd__(self, other): return self._binary("+", other, swap=True)
    def __sub__(self, other): return self._binary("-", other)
    def __rsub__(self, other): return self._binary("-", other, swap=True)
    def __mul__(self, other): return self._binary("*", other)
    def __rmul__(self, other): return self._binary("*", other, swap=True)
    def __truediv__(self, other): return self._binary("/", other)
    def __rtruediv__(self, other): return self._binary("/", other, swap=True)
    def __pow__(self, other): return self._binary("^", other)
    def __rpow__(self, other): return self._binary("^", other, swap=True)

    def __neg__(self) -> "Expr":
        inner = self.text if self.prec == _ATOM else f"({self.text})"
        return Expr(f"(-{inner})", -_number(self.value, self.text), _ATOM)

    def compare(self, op: str, other: "Expr | float") -> "Expr":
        other = as_expr(other)
        value = _COMPARISONS[op](_number(self.value, self.text), _number(other.value, other.text))
        return Expr(f"{self.text}{op}{other.text}", value, _COMPARE)


def _number(value, text: str) -> float:
    if value is None:
        return 0.0  # an empty cell counts as 0 in arithmetic, as in every spreadsheet
    if isinstance(value, str):
        raise ValueError(f"{text} holds text ({value!r}), not a number")
    return float(value)


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise ValueError("a workbook formula divides by zero with the case's figures")
    return a / b


def _power(a: float, b: float) -> float:
    if a < 0 and b != int(b):
        raise ValueError(f"a workbook formula raises a negative number ({a:g}) to a fractional power")
    return a ** b


def as_expr(value: "Expr | float | int") -> Expr:
    return value if isinstance(value, Expr) else Expr.const(value)


def call(name: str, *args: "Expr | float", value) -> Expr:
    """``NAME(a, b, ...)`` with a value the caller computes (the functions are too few to need more)."""
    return Expr(f"{name}({','.join(as_expr(a).text for a in args)})", value, _ATOM)


def minimum(*args: "Expr | float") -> Expr:
    exprs = [as_expr(a) for a in args]
    return call("MIN", *exprs, value=min(_number(e.value, e.text) for e in exprs))


def absolute(arg: Expr) -> Expr:
    return call("ABS", arg, value=abs(_number(arg.value, arg.text)))


def first_number(preferred: Expr, fallback: Expr) -> Expr:
    """``IF(ISNUMBER(preferred),preferred,fallback)``: a range end when one is typed, else the value."""
    usable = isinstance(preferred.value, (int, float)) and not isinstance(preferred.value, bool)
    return Expr(f"IF(ISNUMBER({preferred.text}),{preferred.text},{fallback.text})",
                preferred.value if usable else fallback.value, _ATOM)


def if_positive(test: Expr, yes: str, no: str) -> Expr:
    """``IF(test>0,"yes","no")`` with text results."""
    quote = lambda s: '"' + s.replace('"', '""') + '"'  # noqa: E731
    return Expr(f"IF({test.text}>0,{quote(yes)},{quote(no)})", yes if _number(test.value, test.text) > 0 else no,
                _ATOM)
