"""Draw a :class:`~clvedu.charts.spec.ChartSpec` with matplotlib (used by the book).

Charts are drawn for two screens at once. A figure is ``WIDTH`` inches wide and shown at ``DISPLAY_PX`` CSS
pixels on a laptop (its PNG holds twice as many pixels, so it stays sharp on phones and high-density
screens); on a 390-pixel phone the page scales it down to about 350 pixels, and the font sizes below keep
every label at about 11 pixels or more there. Value axes carry at most five or six ticks, and long
category names and titles are wrapped rather than shrunk.

Every figure remembers the alt text of the specifications drawn on it (:func:`figure_alt`); in a Jupyter
kernel the figure's PNG output carries it as ``metadata["image/png"]["alt"]``, which the book turns into
the image's ``alt`` attribute (``book/_ext/page_fixes.py``).
"""

from __future__ import annotations

import base64
import struct
import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from clvedu.charts.spec import PALETTE, ChartSpec

LINE_STYLES = ("-", "--", ":", "-.")

WIDTH = 5.2
"""Figure width in inches; at ``DISPLAY_DPI`` it is shown ``DISPLAY_PX`` CSS pixels wide."""
HEIGHT = 3.5
DISPLAY_DPI = 100
DISPLAY_PX = round(WIDTH * DISPLAY_DPI)
PIXEL_RATIO = 2
"""The PNG holds this many pixels per CSS pixel (sharp on high-density screens)."""

# font sizes in points: at 350 CSS pixels (a phone) a 12-point label is 12 * 100/72 * 350/520 = 11.2 pixels
TITLE_SIZE = 14
LABEL_SIZE = 12.5
TICK_SIZE = 12
LEGEND_SIZE = 12
NOTE_SIZE = 12
MAX_TICKS = 5

TITLE_CHARS = 44
"""Titles longer than this are wrapped onto a second line (a title starts at the figure's left edge)."""
NOTE_CHARS = 56
CATEGORY_CHARS = 18
"""Category names longer than this (drivers, techniques, segments) are wrapped."""

_ALT = "_clvedu_alt_texts"


def _wrap(text: str, width: int) -> str:
    """``text`` wrapped at ``width`` characters into lines of even length (no lone last word)."""
    lines = textwrap.wrap(str(text), width, break_long_words=False)
    if len(lines) > 1:
        for narrower in range(-(-len(str(text)) // len(lines)), width):
            even = textwrap.wrap(str(text), narrower, break_long_words=False)
            if len(even) == len(lines):
                lines = even
                break
    return "\n".join(lines) or str(text)


def figure_alt(fig) -> str:
    """The alt text of ``fig``: the alt of the one chart drawn on it, or each chart's numbered in turn."""
    texts = getattr(fig, _ALT, [])
    if len(texts) <= 1:
        return texts[0] if texts else ""
    return f"{len(texts)} charts. " + " ".join(f"Chart {i}: {t}" for i, t in enumerate(texts, start=1))


def set_alt(fig, text: str) -> None:
    """Give ``fig`` its own alt text (a figure drawn without :func:`draw`), replacing any it had."""
    setattr(fig, _ALT, [" ".join(str(text).split())])
    _announce_alt_to_ipython()


def subplots(nrows: int = 1, ncols: int = 1, *, height: float | None = None):
    """A figure of the book's width with ``nrows`` x ``ncols`` axes for :func:`draw` (``height`` in inches,
    by default ``HEIGHT`` per row); returns ``(fig, axes)`` as :func:`matplotlib.pyplot.subplots` does."""
    return plt.subplots(nrows, ncols, figsize=(WIDTH, height or HEIGHT * nrows), dpi=DISPLAY_DPI * PIXEL_RATIO,
                        squeeze=True)


def _legend_below(ax, ncol: int):
    """A legend centred under the axis, clear of the tick labels and the axis label.

    The gap is measured in points (the height of what hangs below the axis), so it stays right when
    ``tight_layout`` later resizes the axes.
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    axis_box = ax.xaxis.get_tightbbox(renderer)
    below_px = ax.get_window_extent(renderer).y0 - axis_box.y0 if axis_box is not None else 0.0
    below_pt = max(below_px, 0.0) * 72 / fig.dpi
    return ax.legend(frameon=False, fontsize=LEGEND_SIZE, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                     borderaxespad=below_pt / LEGEND_SIZE + 0.4, ncol=ncol)


def _chars(inches: float, size: float) -> int:
    """About how many characters of ``size`` points fit in ``inches`` (DejaVu Sans averages about 0.55 em)."""
    return max(12, int(inches * 72 / (size * 0.55)))


def _fit_texts(ax, spec: ChartSpec) -> None:
    """Wrap the title to the width from the axis's left edge to the figure's right edge, the x label to the
    axis's width and the y label to its height, so that no text runs past the figure or into another."""
    fig = ax.figure
    width, height = fig.get_size_inches()
    box = ax.get_position()
    ax.set_title(_wrap(spec.title, min(TITLE_CHARS, _chars((1 - box.x0) * width - 0.1, TITLE_SIZE))),
                 fontsize=TITLE_SIZE, loc="left")
    ax.set_xlabel(_wrap(spec.x_label, _chars(box.width * width, LABEL_SIZE)), fontsize=LABEL_SIZE)
    ax.set_ylabel(_wrap(spec.y_label, _chars(box.height * height, LABEL_SIZE)), fontsize=LABEL_SIZE)


def _legend_columns(names: list[str], width: float) -> int:
    """As many legend columns as fit across the figure (each entry: a 2 em handle, its name, 1 em of space)."""
    longest = max((len(n) for n in names), default=1)
    per_column = (longest * 0.58 + 3) * LEGEND_SIZE / 72
    return max(1, min(len(names), int(width * 0.95 // per_column)))


def _height(spec: ChartSpec) -> float:
    """A figure height that leaves the plot its room: more for many horizontal bars (two-line names), a
    legend of several rows, a note or a long title."""
    names = [s.name for s in spec.series]
    legend_rows = 0
    if spec.kind == "tornado" or len(names) > 1:
        legend_rows = -(-len(names) // _legend_columns(names, WIDTH))
    note_lines = len(textwrap.wrap(spec.note, NOTE_CHARS)) if spec.note else 0
    title_lines = len(textwrap.wrap(spec.title, TITLE_CHARS - 10))  # the axis starts right of the y labels
    bars = len(spec.categories) if spec.kind in ("barh", "tornado") else 0
    return (max(HEIGHT, 1.9 + 0.5 * bars) + 0.3 * max(0, legend_rows - 1) + 0.25 * note_lines
            + 0.3 * max(0, title_lines - 1))


def draw(spec: ChartSpec, ax=None, *, colors: list[str] | None = None):
    """Render ``spec`` on ``ax`` (a new figure of the book's size if None) and return the figure.

    The figure keeps ``spec.alt`` (see :func:`figure_alt`)."""
    colors = list(colors or PALETTE)
    if ax is None:
        fig, ax = subplots(height=_height(spec))
    else:
        fig = ax.figure
    fmt = FuncFormatter(lambda v, _pos: spec.format(v))
    values_axis = ax.xaxis if spec.kind in ("barh", "tornado") else ax.yaxis
    values_axis.set_major_locator(MaxNLocator(nbins=MAX_TICKS))
    if spec.kind == "line":
        # a different dash per series keeps lines apart where they coincide (a model that fits its data)
        for i, s in enumerate(spec.series):
            ax.plot(spec.x, s.values, label=s.name, color=colors[i % len(colors)],
                    linestyle=LINE_STYLES[i % len(LINE_STYLES)], linewidth=3 if i == 0 else 2.2)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=MAX_TICKS))
        ax.yaxis.set_major_formatter(fmt)
        for name, xpos in spec.markers.items():
            ax.axvline(xpos, color="#767676", linestyle="--", linewidth=1.2)
            # written up the line, on its left: labels of neighbouring markers cannot run into each other
            ax.annotate(name, (xpos, ax.get_ylim()[1]), xytext=(-3, -4), textcoords="offset points",
                        fontsize=TICK_SIZE, color="#444444", rotation=90, ha="right", va="top",
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.85})
    elif spec.kind == "scatter":
        for i, s in enumerate(spec.series):
            ax.scatter(spec.x, s.values, label=s.name, color=colors[i % len(colors)], s=70)
        for label, xv, yv in zip(spec.labels, spec.x, spec.series[0].values):
            ax.annotate(label, (xv, yv), xytext=(6, 6), textcoords="offset points", fontsize=TICK_SIZE)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=MAX_TICKS))
        ax.margins(x=0.2, y=0.15)  # room for the point labels
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
            chars = max(8, int(48 / max(len(spec.categories), 1)))  # the room each bar group has
            ax.set_xticks(pos, [_wrap(c, chars) for c in spec.categories])
            ax.yaxis.set_major_formatter(fmt)
        else:
            ax.set_yticks(pos, [_wrap(c, CATEGORY_CHARS) for c in spec.categories])
            ax.xaxis.set_major_formatter(fmt)
    elif spec.kind == "tornado":
        low, high = spec.series
        base = spec.baseline
        pos = np.arange(len(spec.categories))[::-1]
        ax.barh(pos, np.array(low.values) - base, left=base, color=colors[0], label=low.name)
        ax.barh(pos, np.array(high.values) - base, left=base, color=colors[1], label=high.name)
        ax.axvline(base, color="#333333", linewidth=1)
        ax.set_yticks(pos, [_wrap(c, CATEGORY_CHARS) for c in spec.categories])
        ax.xaxis.set_major_formatter(fmt)
        ax.grid(axis="x", alpha=0.3)
    ax.set_title(_wrap(spec.title, TITLE_CHARS), fontsize=TITLE_SIZE, loc="left")
    ax.set_xlabel(spec.x_label, fontsize=LABEL_SIZE)
    ax.set_ylabel(spec.y_label, fontsize=LABEL_SIZE)
    ax.tick_params(labelsize=TICK_SIZE)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x" if spec.kind in ("barh", "tornado") else "y", alpha=0.3)
    bottom = 0.0
    if spec.note:  # under everything else, with room kept for it
        note = _wrap(spec.note, NOTE_CHARS)
        bottom = ((note.count("\n") + 1) * NOTE_SIZE * 1.3 / 72 + 0.08) / fig.get_figheight()
        fig.text(0.01, 0.01, note, fontsize=NOTE_SIZE, color="#555555", va="bottom")
    fig.tight_layout(rect=(0, bottom, 1, 1))
    _fit_texts(ax, spec)  # now that the axis has its size: title and axis labels wrapped to fit it
    legend = None
    if spec.kind == "tornado" or len(spec.series) > 1:
        # below the axis: inside, a legend would sit on the data (the shortest bars, a line's end)
        legend = _legend_below(ax, ncol=_legend_columns([s.name for s in spec.series], fig.get_figwidth()))
    fig.tight_layout(rect=(0, bottom, 1, 1))
    box = ax.get_position()
    if legend is not None and box.width > 0.6:  # a chart as wide as the figure: legend centred on the figure
        legend.set_bbox_to_anchor(((0.5 - box.x0) / box.width, 0.0), transform=ax.transAxes)
    setattr(fig, _ALT, [*getattr(fig, _ALT, []), spec.alt])
    _announce_alt_to_ipython()
    return fig


# --- alt text and display size for Jupyter -------------------------------------------------------------

def _png_size(data) -> tuple[int, int]:
    """Width and height in pixels of PNG ``data`` (bytes, or base64 text as Jupyter keeps it)."""
    raw = base64.b64decode(data[:64]) if isinstance(data, str) else bytes(data[:32])
    width, height = struct.unpack(">II", raw[16:24])
    return width, height


def _with_alt(inner):
    """Wrap IPython's PNG printer for figures: add ``alt`` (and the CSS width of a ``draw`` figure)."""

    def png_with_alt(fig, *args, **kwargs):
        out = inner(fig, *args, **kwargs)
        alt = figure_alt(fig)
        if out is None or not alt:
            return out
        data, meta = out if isinstance(out, tuple) else (out, None)
        meta = dict(meta or {})
        meta["alt"] = alt
        if "width" not in meta and round(fig.dpi) == DISPLAY_DPI * PIXEL_RATIO:
            try:
                meta["width"] = round(_png_size(data)[0] / PIXEL_RATIO)
            except (ValueError, struct.error, TypeError):
                pass  # not a PNG we can read: show it at its own size
        return data, meta

    png_with_alt.clvedu_alt = True
    return png_with_alt


def _announce_alt_to_ipython() -> None:
    """In a Jupyter kernel with matplotlib's inline display, make figure PNGs carry their alt text."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    formatter = getattr(getattr(shell, "display_formatter", None), "formatters", {}).get("image/png")
    if formatter is None:
        return
    try:
        current = formatter.lookup_by_type(Figure)
    except KeyError:
        return  # figures are not shown as PNG here
    if not getattr(current, "clvedu_alt", False):
        formatter.for_type(Figure, _with_alt(current))
