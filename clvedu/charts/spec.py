"""Renderer-independent chart specifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np

ChartKind = Literal["line", "bar", "barh", "tornado", "scatter"]


PALETTE = ("#1F4E79", "#D08C2B", "#2E8B57", "#7F7F7F", "#8E44AD", "#C0392B")
"""Series colours shared by the book and the decks (navy, amber, green, grey, ...): neutral, so that no
case's brand colours are built in; a chart's caller may pass its own."""


@dataclass(frozen=True)
class Series:
    """One named series. ``values`` align with the spec's ``categories`` (or ``x`` for line/scatter).

    For ``tornado`` charts a spec holds two series, the value at the low and at the high setting
    of each driver; the bars are drawn from ``baseline``.
    """

    name: str
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        vals = np.asarray(self.values, dtype=float)
        if not np.isfinite(vals).all():
            raise ValueError(f"chart series {self.name!r} has a value that is not finite")
        object.__setattr__(self, "values", tuple(float(v) for v in vals))


@dataclass(frozen=True)
class ChartSpec:
    """What to draw, independent of how: a title, axis labels with their units, and the data.

    * ``line`` and ``scatter``: ``x`` holds the x values, each series its y values.
    * ``bar``/``barh``: ``categories`` label the bars, one bar group per category.
    * ``tornado``: ``categories`` are drivers, two series (low, high), ``baseline`` the base value.
    * ``labels`` (scatter only) name each point.
    """

    kind: ChartKind
    title: str
    x_label: str
    y_label: str
    series: tuple[Series, ...]
    categories: tuple[str, ...] = ()
    x: tuple[float, ...] = ()
    baseline: float | None = None
    labels: tuple[str, ...] = ()
    number_format: str = "{:,.0f}"
    note: str = ""
    markers: dict[str, float] = field(default_factory=dict)

    def format(self, value: float) -> str:
        """``value`` in the chart's number format, the minus sign before any currency symbol (-$25, not $-25)."""
        text = self.number_format.format(abs(value))
        rounds_to_zero = not any(ch in "123456789" for ch in text)
        return "-" + text if value < 0 and not rounds_to_zero else text

    def __post_init__(self) -> None:
        n = len(self.x) if self.kind in ("line", "scatter") else len(self.categories)
        if n == 0:
            raise ValueError(f"chart {self.title!r}: no {'x values' if self.kind in ('line', 'scatter') else 'categories'}")
        for s in self.series:
            if len(s.values) != n:
                raise ValueError(
                    f"chart {self.title!r}: series {s.name!r} has {len(s.values)} values for {n} points"
                )
        if self.kind == "tornado" and (len(self.series) != 2 or self.baseline is None):
            raise ValueError(f"chart {self.title!r}: a tornado needs two series (low, high) and a baseline")


def line(title: str, x_label: str, y_label: str, x: Sequence[float], series: dict[str, Sequence[float]], **kw) -> ChartSpec:
    """Shorthand for a line chart from a mapping of series name to values."""
    return ChartSpec("line", title, x_label, y_label, tuple(Series(k, tuple(v)) for k, v in series.items()),
                     x=tuple(float(v) for v in x), **kw)


def bar(title: str, x_label: str, y_label: str, categories: Sequence[str], series: dict[str, Sequence[float]], **kw) -> ChartSpec:
    """Shorthand for a (vertical) bar chart."""
    return ChartSpec("bar", title, x_label, y_label, tuple(Series(k, tuple(v)) for k, v in series.items()),
                     categories=tuple(categories), **kw)
