"""Chart specifications built from the kit's results (levers, decisions, segments).

Each builder takes a result table and returns a :class:`~clvedu.charts.spec.ChartSpec`, which the
book draws with :func:`clvedu.charts.mpl.draw` and the decks with :mod:`clvedu.charts.pptx`.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from clvedu.charts.spec import ChartSpec, Series

__all__ = [
    "tornado_chart", "perceptual_map_chart", "segment_bars", "funnel_chart", "clv_vs_retention_chart",
    "technique_chart", "shares_chart",
]


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} needs columns {', '.join(columns)}; missing {', '.join(missing)}")


def tornado_chart(df: pd.DataFrame, title: str, *, swing: float = 0.10, x_label: str = "CLV per new member",
                  number_format: str = "{:,.0f}") -> ChartSpec:
    """A tornado from :func:`clvedu.levers.tornado`'s table (driver, low_value, high_value, base_value).

    The widest bar is drawn at the top; the vertical line is the base CLV.
    """
    _require(df, ["driver", "low_value", "high_value", "base_value"], "tornado_chart")
    if df.empty:
        raise ValueError("tornado_chart needs at least one driver")
    return ChartSpec(
        "tornado", title, x_label, "",
        (Series(f"Driver {swing:.0%} worse", tuple(df["low_value"])),
         Series(f"Driver {swing:.0%} better", tuple(df["high_value"]))),
        categories=tuple(str(d) for d in df["driver"]), baseline=float(df["base_value"].iloc[0]),
        number_format=number_format,
    )


def perceptual_map_chart(coords: pd.DataFrame, title: str, *, x_label: str, y_label: str,
                         number_format: str = "{:,.1f}") -> ChartSpec:
    """A positioning map: one labelled point per service, from :func:`clvedu.segments.perceptual_map`."""
    _require(coords, ["service", "x", "y"], "perceptual_map_chart")
    return ChartSpec("scatter", title, x_label, y_label, (Series("services", tuple(coords["y"])),),
                     x=tuple(float(v) for v in coords["x"]), labels=tuple(str(s) for s in coords["service"]),
                     number_format=number_format)


def segment_bars(table: pd.DataFrame, columns: Sequence[str] | str, title: str, *, y_label: str,
                 category: str | None = None, number_format: str = "{:,.0f}", x_label: str = "") -> ChartSpec:
    """Bars of one or more metrics per segment; categories are ``table[category]`` or the index."""
    cols = [columns] if isinstance(columns, str) else list(columns)
    _require(table, cols + ([category] if category else []), "segment_bars")
    cats = table[category] if category else table.index
    return ChartSpec("bar", title, x_label, y_label,
                     tuple(Series(str(c), tuple(table[c].astype(float))) for c in cols),
                     categories=tuple(str(c) for c in cats), number_format=number_format)


def funnel_chart(funnels: Mapping[str, pd.DataFrame], title: str, *, share: bool = True) -> ChartSpec:
    """One bar group per funnel stage, one series per company (share of people reached, or counts)."""
    if not funnels:
        raise ValueError("funnel_chart needs at least one funnel")
    first = next(iter(funnels.values()))
    stages = list(first["stage"])
    series = []
    for name, table in funnels.items():
        if list(table["stage"]) != stages:
            raise ValueError("funnel_chart: every funnel must have the same stages")
        series.append(Series(name, tuple(table["share_of_reached" if share else "people"])))
    return ChartSpec("bar", title, "", "Share of people reached" if share else "People", tuple(series),
                     categories=tuple(s.capitalize() for s in stages),
                     number_format="{:.1%}" if share else "{:,.0f}")


def clv_vs_retention_chart(curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], title: str, *,
                           period: str = "month", currency_format: str = "{:,.0f}",
                           markers: Mapping[str, float] | None = None) -> ChartSpec:
    """CLV against retention per ``period``: ``curves`` maps a name to (retention grid, CLV values).

    Every curve must use the same grid (the x axis is shared).
    """
    if not curves:
        raise ValueError("clv_vs_retention_chart needs at least one curve")
    grids = [np.asarray(g, dtype=float) for g, _ in curves.values()]
    if any(g.shape != grids[0].shape or not np.allclose(g, grids[0]) for g in grids):
        raise ValueError("clv_vs_retention_chart: every curve must use the same retention grid")
    from clvedu.units import ADJECTIVE, normalise_period

    return ChartSpec("line", title, f"{ADJECTIVE[normalise_period(period)].capitalize()} retention", "CLV",
                     tuple(Series(name, tuple(v)) for name, (_, v) in curves.items()),
                     x=tuple(grids[0]), number_format=currency_format, markers=dict(markers or {}))


def technique_chart(table: pd.DataFrame, title: str, *, number_format: str = "{:,.2f}",
                    x_label: str = "Change in CLV per new member") -> ChartSpec:
    """Horizontal bars of ΔCLV per technique, from :func:`clvedu.levers.technique_scenarios`."""
    _require(table, ["technique", "delta_clv"], "technique_chart")
    ordered = table.sort_values("delta_clv")
    return ChartSpec("barh", title, x_label, "", (Series("Change in CLV", tuple(ordered["delta_clv"])),),
                     categories=tuple(ordered["technique"]), number_format=number_format)


def shares_chart(shares: Mapping[str, pd.Series] | pd.Series, title: str, *, y_label: str = "Share of customers") -> ChartSpec:
    """Bars of shares per state (e.g. today's and steady-state shares of a switching model)."""
    if isinstance(shares, pd.Series):
        shares = {shares.name or "share": shares}
    first = next(iter(shares.values()))
    return ChartSpec("bar", title, "", y_label,
                     tuple(Series(str(k), tuple(v.reindex(first.index).astype(float))) for k, v in shares.items()),
                     categories=tuple(str(i) for i in first.index), number_format="{:.0%}")
