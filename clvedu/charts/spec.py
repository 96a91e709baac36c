"""Renderer-independent chart specifications."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np

ChartKind = Literal["line", "bar", "barh", "tornado", "scatter"]


PALETTE = ("#1F4E79", "#B8741A", "#2E8B57", "#767676", "#8E44AD", "#C0392B")
"""Series colours shared by the book and the decks (navy, amber, green, grey, ...): neutral, so that no
case's brand colours are built in; a chart's caller may pass its own. Each reaches at least 3:1 against a
white background (WCAG 2.2, 1.4.11 non-text contrast; the amber is 3.8:1, the grey 4.5:1)."""


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
    * ``alt`` is the text alternative a screen reader announces in place of the chart (the book's
      ``<img alt>``, the decks' picture description). Left empty, it is written from the title and the
      data (:func:`describe`), so every chart says what it shows and its key figures. Give your own
      when the chart needs more explanation than its numbers; control characters are removed either way.
      ``dataclasses.replace`` keeps the alt of the spec it copies: pass ``alt=""`` to have it rewritten.
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
    alt: str = ""

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
        object.__setattr__(self, "alt", _clean(self.alt) or describe(self))


KIND_WORDS = {"line": "Line chart", "bar": "Bar chart", "barh": "Horizontal bar chart",
              "tornado": "Tornado chart", "scatter": "Scatter chart"}
LISTED = 10
"""Up to this many bars or drivers are read out one by one; above it, the alt text names the highest and lowest."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    """One line of text without control characters (a line break or tab becomes a space)."""
    return " ".join(_CONTROL.sub("", str(text)).split())


def _lower_first(text: str) -> str:
    """'Monthly retention' -> 'monthly retention', but 'CLV' stays 'CLV'."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _number(value: float) -> str:
    """An axis value without a format of its own (the x of a line or scatter chart): 0.95, 12, 1,250."""
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"


def _sentence(text: str) -> str:
    text = _clean(text)
    return text if not text or text[-1] in ".!?" else text + "."


def describe(spec: ChartSpec) -> str:
    """The default alt text of ``spec``: what kind of chart, its title, and its key figures in words.

    A bar or tornado chart with up to ``LISTED`` bars reads every value out; a longer one names its highest
    and lowest; a line chart gives each series' first and last value and its highest; a scatter chart gives
    each labelled point. Numbers use the chart's own format (``-$25``, ``12.5%``).
    """
    fmt = spec.format
    parts = [_sentence(f"{KIND_WORDS[spec.kind]}: {spec.title}")]
    if spec.kind == "line":
        x0, x1 = spec.x[0], spec.x[-1]
        what = spec.y_label or "Value"
        parts.append(_sentence(f"{what} against {_lower_first(spec.x_label) or 'x'}, from {_number(x0)} to {_number(x1)}"))
        for s in spec.series:
            peak = max(range(len(s.values)), key=lambda i: s.values[i])
            text = f"{s.name}: {fmt(s.values[0])} at {_number(x0)}, {fmt(s.values[-1])} at {_number(x1)}"
            if 0 < peak < len(s.values) - 1:
                text += f", highest {fmt(s.values[peak])} at {_number(spec.x[peak])}"
            parts.append(_sentence(text))
        if spec.markers:
            parts.append(_sentence("Marked: " + "; ".join(f"{name} at {_number(v)}"
                                                          for name, v in spec.markers.items())))
    elif spec.kind in ("bar", "barh"):
        if spec.y_label and spec.kind == "bar" or spec.x_label and spec.kind == "barh":
            parts.append(_sentence(f"Values: {spec.y_label if spec.kind == 'bar' else spec.x_label}"))
        for s in spec.series:
            pairs = list(zip(spec.categories, s.values))
            if len(pairs) <= LISTED:
                body = ", ".join(f"{c} {fmt(v)}" for c, v in pairs)
            else:
                hi = max(pairs, key=lambda p: p[1])
                lo = min(pairs, key=lambda p: p[1])
                body = f"{len(pairs)} bars, highest {hi[0]} {fmt(hi[1])}, lowest {lo[0]} {fmt(lo[1])}"
            parts.append(_sentence(f"{s.name}: {body}" if len(spec.series) > 1 or s.name else body))
    elif spec.kind == "tornado":
        low, high = spec.series
        parts.append(_sentence(f"Base value {fmt(spec.baseline)}; each bar runs from the value with "
                               f"{low.name.lower()} to the value with {high.name.lower()}"))
        rows = [f"{c} {fmt(lo)} to {fmt(hi)}" for c, lo, hi in zip(spec.categories, low.values, high.values)]
        if len(rows) > LISTED:
            rows = rows[:LISTED] + [f"and {len(rows) - LISTED} more"]
        parts.append(_sentence("; ".join(rows)))
    elif spec.kind == "scatter":
        parts.append(_sentence(f"{spec.x_label or 'x'} across, {_lower_first(spec.y_label) or 'y'} up"))
        for s in spec.series:
            labels = spec.labels or tuple(f"point {i + 1}" for i in range(len(s.values)))
            points = [f"{name} ({_number(x)}, {fmt(y)})" for name, x, y in zip(labels, spec.x, s.values)]
            if len(points) > LISTED:
                points = points[:LISTED] + [f"and {len(points) - LISTED} more"]
            parts.append(_sentence("; ".join(points)))
    if spec.note:
        parts.append(_sentence(spec.note))
    return _clean(" ".join(p for p in parts if p))


def line(title: str, x_label: str, y_label: str, x: Sequence[float], series: dict[str, Sequence[float]], **kw) -> ChartSpec:
    """Shorthand for a line chart from a mapping of series name to values."""
    return ChartSpec("line", title, x_label, y_label, tuple(Series(k, tuple(v)) for k, v in series.items()),
                     x=tuple(float(v) for v in x), **kw)


def bar(title: str, x_label: str, y_label: str, categories: Sequence[str], series: dict[str, Sequence[float]], **kw) -> ChartSpec:
    """Shorthand for a (vertical) bar chart."""
    return ChartSpec("bar", title, x_label, y_label, tuple(Series(k, tuple(v)) for k, v in series.items()),
                     categories=tuple(categories), **kw)
