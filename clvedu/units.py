"""Quantities that carry their time period, and the conversions between periods.

Confused time units are the commonest silent error in CLV work: a monthly margin
divided by an annual "1 + d - r" gives a number that looks plausible and is wrong
by an order of magnitude. Every rate and amount in clvedu can therefore be given
as a *timed quantity* that says its period::

    >>> from clvedu.units import Retention, Discount, Money
    >>> round(Retention(0.98, per="month").to("year").value, 4)
    0.7847

Conversions follow the arithmetic of each kind of quantity:

* retention and survival compound: ``r_year = r_month ** 12``;
* discount and growth rates compound: ``1 + d_year = (1 + d_month) ** 12``;
* money per period adds up: ``m_year = 12 * m_month`` (undiscounted);
* durations rescale: ``36 months = 3 years``.

A period's length is fixed by :data:`PERIODS_PER_YEAR` (52 weeks, 12 months,
4 quarters, 365 days to a year). Functions that combine several quantities call
:func:`common_period`, which refuses to mix periods or to mix timed and bare
numbers, and says which conversion to use instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

PERIODS_PER_YEAR: dict[str, float] = {
    "day": 365.0,
    "week": 52.0,
    "month": 12.0,
    "quarter": 4.0,
    "year": 1.0,
}

_ALIASES = {
    "daily": "day", "days": "day",
    "weekly": "week", "weeks": "week",
    "monthly": "month", "months": "month",
    "quarterly": "quarter", "quarters": "quarter",
    "annual": "year", "annually": "year", "yearly": "year", "years": "year",
}

ADJECTIVE = {"day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly", "year": "annual"}


class PeriodMismatchError(ValueError):
    """Quantities measured over different periods were combined without a conversion."""


def normalise_period(period: str, name: str = "period") -> str:
    """Return the canonical period name (``"month"``) for ``period`` or one of its aliases."""
    if not isinstance(period, str):
        raise ValueError(f"{name} must be one of {', '.join(PERIODS_PER_YEAR)}; got {period!r}")
    key = period.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in PERIODS_PER_YEAR:
        raise ValueError(
            f"{name} must be one of {', '.join(PERIODS_PER_YEAR)} (or monthly, annual, ...); got {period!r}"
        )
    return key


def periods_in(period: str, longer: str) -> float:
    """How many ``period`` fit in one ``longer`` period: ``periods_in("month", "year") == 12``."""
    return PERIODS_PER_YEAR[normalise_period(period)] / PERIODS_PER_YEAR[normalise_period(longer, "longer")]


# --- validation -----------------------------------------------------------------------------

def as_array(name: str, value: Any) -> np.ndarray | float:
    """Turn a scalar, list, array or Series into floats, rejecting NaN and infinity by name."""
    if isinstance(value, pd.Series):
        value = value.to_numpy()
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers; got {value!r}") from None
    bad = ~np.isfinite(arr)
    if bad.any():
        where = "" if arr.ndim == 0 else f" at position {int(np.flatnonzero(bad.ravel())[0])}"
        raise ValueError(f"{name} must be a finite number; got {arr.ravel()[bad.ravel()][0]}{where}")
    return float(arr) if arr.ndim == 0 else arr


def check_range(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> np.ndarray | float:
    """Validate that every element of ``value`` lies in the interval; the error names ``name`` and the interval."""
    arr = as_array(name, value)
    a = np.asarray(arr)
    ok = np.ones(a.shape, dtype=bool)
    if low is not None:
        ok &= (a >= low) if low_inclusive else (a > low)
    if high is not None:
        ok &= (a <= high) if high_inclusive else (a < high)
    if not ok.all():
        left = "(-inf" if low is None else ("[" if low_inclusive else "(") + f"{low:g}"
        right = "inf)" if high is None else f"{high:g}" + ("]" if high_inclusive else ")")
        offending = a.ravel()[~ok.ravel()][0]
        where = "" if a.ndim == 0 else f" at position {int(np.flatnonzero(~ok.ravel())[0])}"
        raise ValueError(f"{name} must be in {left}, {right}; got {offending:g}{where}")
    return arr


# --- plain conversion functions ---------------------------------------------------------------

def convert_retention(retention, from_period: str, to_period: str):
    """Retention over ``to_period`` from retention over ``from_period``: r_to = r_from ** (n_from / n_to).

    ``n`` is the number of periods in a year, so ``convert_retention(0.98, "month", "year") == 0.98 ** 12``.
    Assumes a constant hazard within the longer period.
    """
    r = check_range("retention", retention, 0.0, 1.0)
    return r ** (PERIODS_PER_YEAR[normalise_period(from_period, "from_period")]
                 / PERIODS_PER_YEAR[normalise_period(to_period, "to_period")])


def convert_rate(rate, from_period: str, to_period: str, name: str = "rate"):
    """Compound a discount or growth rate: 1 + d_to = (1 + d_from) ** (n_from / n_to)."""
    d = check_range(name, rate, -1.0, None, low_inclusive=False)
    return (1.0 + d) ** (PERIODS_PER_YEAR[normalise_period(from_period, "from_period")]
                         / PERIODS_PER_YEAR[normalise_period(to_period, "to_period")]) - 1.0


def retention_from_churn(churn):
    """Retention r = 1 - c, for churn and retention over the same period."""
    return 1.0 - check_range("churn", churn, 0.0, 1.0)


def churn_from_retention(retention):
    """Churn c = 1 - r, for churn and retention over the same period."""
    return 1.0 - check_range("retention", retention, 0.0, 1.0)


def expected_lifetime(churn):
    """Expected number of paid periods for a constant churn c, counting the first: 1 / c.

    Under a constant per-period churn the number of periods a customer pays for is
    geometric with mean 1/c (a 2% monthly churn gives 50 months). This is the
    undiscounted "customer lifespan" of the AOV x frequency x lifespan formula.
    """
    c = check_range("churn", churn, 0.0, 1.0, low_inclusive=False)
    return 1.0 / c


# --- timed quantities ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Timed:
    """A number (or array) measured over a stated period. Subclasses fix the kind and its valid range."""

    value: Any
    per: str

    kind: ClassVar[str] = "quantity"
    low: ClassVar[float | None] = None
    high: ClassVar[float | None] = None
    low_inclusive: ClassVar[bool] = True
    high_inclusive: ClassVar[bool] = True

    def __post_init__(self) -> None:
        per = normalise_period(self.per, f"{self.kind} period")
        value = check_range(
            f"{ADJECTIVE[per]} {self.kind}", self.value, self.low, self.high,
            low_inclusive=self.low_inclusive, high_inclusive=self.high_inclusive,
        )
        object.__setattr__(self, "per", per)
        object.__setattr__(self, "value", value)

    def to(self, per: str) -> "Timed":  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    @property
    def label(self) -> str:
        """``"monthly churn"``, ``"annual discount"``: the words a chart axis or a table header needs."""
        return f"{ADJECTIVE[self.per]} {self.kind}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r}, per={self.per!r})"


class Retention(Timed):
    """Share of customers at the start of a period who are still customers at its end."""

    kind = "retention"
    low, high = 0.0, 1.0

    def to(self, per: str) -> "Retention":
        return Retention(convert_retention(self.value, self.per, per), per)

    @property
    def churn(self) -> "Churn":
        return Churn(1.0 - self.value, self.per)

    def expected_lifetime(self) -> "Duration":
        """Expected paid periods 1 / (1 - r), as a :class:`Duration` in this quantity's period."""
        return Duration(expected_lifetime(1.0 - np.asarray(self.value)), self.per)


class Churn(Timed):
    """Share of customers at the start of a period who leave during it (1 - retention)."""

    kind = "churn"
    low, high = 0.0, 1.0

    def to(self, per: str) -> "Churn":
        return self.retention.to(per).churn

    @property
    def retention(self) -> Retention:
        return Retention(1.0 - self.value, self.per)

    def expected_lifetime(self) -> "Duration":
        return Duration(expected_lifetime(self.value), self.per)


class Discount(Timed):
    """Discount rate (cost of capital) per period: 1 is worth 1 / (1 + d) one period earlier."""

    kind = "discount rate"
    low, low_inclusive = -1.0, False

    def to(self, per: str) -> "Discount":
        return Discount(convert_rate(self.value, self.per, per, "discount"), per)


class Growth(Timed):
    """Constant growth rate of the margin per period: m_t = m_1 (1 + g) ** (t - 1)."""

    kind = "growth"
    low, low_inclusive = -1.0, False

    def to(self, per: str) -> "Growth":
        return Growth(convert_rate(self.value, self.per, per, "growth"), per)


class Money(Timed):
    """A money amount earned or spent each period (ARPU, margin, servicing cost)."""

    kind = "amount"

    def to(self, per: str) -> "Money":
        per = normalise_period(per)
        return Money(np.asarray(self.value) * PERIODS_PER_YEAR[self.per] / PERIODS_PER_YEAR[per], per)


class Duration(Timed):
    """A length of time counted in periods (a horizon, a lifetime, a trial)."""

    kind = "duration"
    low = 0.0

    def to(self, per: str) -> "Duration":
        per = normalise_period(per)
        return Duration(np.asarray(self.value) * PERIODS_PER_YEAR[per] / PERIODS_PER_YEAR[self.per], per)

    @property
    def label(self) -> str:
        return f"{self.per}s"


# --- combining quantities ------------------------------------------------------------------------

def common_period(**quantities: Any) -> str | None:
    """The one period shared by the named quantities, or ``None`` if all are bare numbers.

    ``None`` arguments are ignored. Timed quantities must all have the same period; bare
    numbers may not be mixed with timed ones, because a bare number's period is unknown.
    Raises :class:`PeriodMismatchError` naming the parameters and the conversion to use.
    """
    given = {k: v for k, v in quantities.items() if v is not None}
    timed = {k: v for k, v in given.items() if isinstance(v, Timed)}
    if not timed:
        return None
    bare = [k for k in given if k not in timed]
    periods = {v.per for v in timed.values()}
    if len(periods) > 1:
        described = ", ".join(f"{k} is {v.label}" for k, v in timed.items())
        target = next(iter(timed.values())).per
        raise PeriodMismatchError(
            f"cannot combine quantities over different periods: {described}. "
            f"Convert them to one period first, e.g. {next(k for k, v in timed.items() if v.per != target)}.to({target!r})."
        )
    per = periods.pop()
    if bare:
        raise PeriodMismatchError(
            f"{', '.join(bare)} {'has' if len(bare) == 1 else 'have'} no period but "
            f"{', '.join(timed)} {'is' if len(timed) == 1 else 'are'} {ADJECTIVE[per]}: "
            f"give every rate as a timed quantity (e.g. Discount(0.01, per={per!r})) or none of them."
        )
    return per


def plain(value: Any, expected: type[Timed] | tuple[type[Timed], ...], name: str) -> Any:
    """The bare value of a timed quantity after checking its kind; bare numbers pass through."""
    if isinstance(value, Timed):
        if not isinstance(value, expected):
            kinds = expected if isinstance(expected, tuple) else (expected,)
            raise ValueError(
                f"{name} must be {' or '.join(k.__name__ for k in kinds)}; got {type(value).__name__} ({value.label})"
            )
        return value.value
    return value
