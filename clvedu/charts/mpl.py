"""Draw a :class:`~clvedu.charts.spec.ChartSpec` with matplotlib (used by the book)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter

from clvedu.charts.spec import PALETTE, ChartSpec

LINE_STYLES = ("-", "--", ":", "-.")


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)


def draw(spec: ChartSpec, ax=None, *, colors: list[str] | None = None):
    """Render ``spec`` on ``ax`` (a new figure if None) and return the figure."""
    colors = list(colors or PALETTE)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    else:
        fig = ax.figure
    fmt = FuncFormatter(lambda v, _pos: spec.format(v))
    if spec.kind == "line":
        # a different dash per series keeps lines apart where they coincide (a model that fits its data)
        for i, s in enumerate(spec.series):
            ax.plot(spec.x, s.values, label=s.name, color=colors[i % len(colors)],
                    linestyle=LINE_STYLES[i % len(LINE_STYLES)], linewidth=3 if i == 0 else 2)
        ax.yaxis.set_major_formatter(fmt)
        for name, xpos in spec.markers.items():
            ax.axvline(xpos, color="#999999", linestyle="--", linewidth=1)
            # written up the line, on its left: labels of neighbouring markers cannot run into each other
            ax.annotate(name, (xpos, ax.get_ylim()[1]), xytext=(-3, -4), textcoords="offset points", fontsize=8,
                        color="#555555", rotation=90, ha="right", va="top",
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.85})
    elif spec.kind == "scatter":
        for i, s in enumerate(spec.series):
            ax.scatter(spec.x, s.values, label=s.name, color=colors[i % len(colors)], s=60)
        for label, xv, yv in zip(spec.labels, spec.x, spec.series[0].values):
            ax.annotate(label, (xv, yv), xytext=(5, 5), textcoords="offset points", fontsize=9)
    elif spec.kind in ("bar", "barh"):
        n = len(spec.series)
        pos = np.arange(len(spec.categories))
        width = 0.8 / n
        for i, s in enumerate(spec.series):
            offs = pos - 0.4 + width * (i + 0.5)
            if spec.kind == "bar":
                ax.bar(offs, s.values, width, label=s.name, color=colors[i % len(colors)])
            else:
                ax.barh(offs, s.values, width, label=s.name, color=colors[i % len(colors)])
        if spec.kind == "bar":
            ax.set_xticks(pos, spec.categories)
            ax.yaxis.set_major_formatter(fmt)
        else:
            ax.set_yticks(pos, spec.categories)
            ax.xaxis.set_major_formatter(fmt)
    elif spec.kind == "tornado":
        low, high = spec.series
        base = spec.baseline
        pos = np.arange(len(spec.categories))[::-1]
        ax.barh(pos, np.array(low.values) - base, left=base, color=colors[0], label=low.name)
        ax.barh(pos, np.array(high.values) - base, left=base, color=colors[1], label=high.name)
        ax.axvline(base, color="#333333", linewidth=1)
        ax.set_yticks(pos, spec.categories)
        ax.xaxis.set_major_formatter(fmt)
        ax.grid(axis="x", alpha=0.3)
    ax.set_title(spec.title, fontsize=12, loc="left")
    ax.set_xlabel(spec.x_label)
    ax.set_ylabel(spec.y_label)
    _style(ax)
    if spec.kind == "tornado":  # below the axis: inside, it would sit on the shortest bars
        ax.legend(frameon=False, fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.24), ncol=2)
    elif len(spec.series) > 1:
        ax.legend(frameon=False, fontsize=9)
    if spec.note:
        fig.text(0.01, 0.01, spec.note, fontsize=7.5, color="#666666")
    fig.tight_layout()
    return fig
