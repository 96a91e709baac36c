"""Draw a :class:`~clvedu.charts.spec.ChartSpec` as a native, editable PowerPoint chart (python-pptx).

The chart's data travel inside the .pptx as an embedded workbook, so a tutor or student can
right-click the chart in PowerPoint (or LibreOffice) and edit the numbers. Mapping of kinds:

=========  ==============================================================================
kind       PowerPoint chart
=========  ==============================================================================
line       XY scatter with straight lines (numeric x axis; markers only for short series)
bar        clustered column
barh       clustered bar
tornado    clustered bar, the two series overlapping, the category axis crossing the value
           axis at the baseline, so each bar runs from the base value to the low or high value
scatter    XY scatter, each point labelled with ``spec.labels``
=========  ==============================================================================

For readers who cannot tell the colours apart (or print in grey), series differ by more than colour:
bars of the second and later series are hatched (:data:`BAR_PATTERNS`, outlined in the series colour)
and every bar carries its value as a data label; lines differ by dash (:data:`LINE_DASHES`) and points by
marker shape (:data:`MARKERS`). Every colour reaches 3:1 against the white background (a darker shade is
used for one that does not), and the chart's frame carries the spec's alt text.
"""

from __future__ import annotations

import dataclasses
import math
import re

from pptx.chart.data import CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE,
                              XL_TICK_LABEL_POSITION)
from pptx.enum.dml import MSO_LINE_DASH_STYLE, MSO_PATTERN_TYPE
from pptx.util import Pt

from clvedu.charts.spec import PALETTE, ChartSpec

BAR_PATTERNS = (None, MSO_PATTERN_TYPE.DARK_UPWARD_DIAGONAL, MSO_PATTERN_TYPE.SMALL_GRID,
                MSO_PATTERN_TYPE.LARGE_GRID, MSO_PATTERN_TYPE.DARK_DOWNWARD_DIAGONAL, MSO_PATTERN_TYPE.DIAGONAL_CROSS)
"""Fill of each bar series in turn: the first solid, the others hatched in the series colour on a pale tint
of it (:data:`TINT`), outlined in the series colour."""
TINT = 0.25
"""Share of the series colour in a hatched bar's background (the rest white)."""
LINE_DASHES = (MSO_LINE_DASH_STYLE.SOLID, MSO_LINE_DASH_STYLE.DASH, MSO_LINE_DASH_STYLE.ROUND_DOT,
               MSO_LINE_DASH_STYLE.DASH_DOT, MSO_LINE_DASH_STYLE.LONG_DASH, MSO_LINE_DASH_STYLE.LONG_DASH_DOT)
MARKERS = (XL_MARKER_STYLE.CIRCLE, XL_MARKER_STYLE.SQUARE, XL_MARKER_STYLE.TRIANGLE, XL_MARKER_STYLE.DIAMOND,
           XL_MARKER_STYLE.X, XL_MARKER_STYLE.STAR)

_FORMAT = re.compile(r"^(?P<pre>[^{}]*)\{:(?P<comma>,?)(?:\.(?P<dec>\d+))?(?P<type>[f%d])\}(?P<post>[^{}]*)$")


def excel_number_format(python_format: str) -> str:
    """Translate a spec's Python format (``"${:,.0f}"``, ``"{:.1%}"``) into an Excel number format.

    Only the single-field forms charts use are understood; anything else raises ValueError.
    """
    match = _FORMAT.match(python_format)
    if not match:
        raise ValueError(f"number_format must look like '{{:,.0f}}', '${{:,.2f}}' or '{{:.1%}}'; got {python_format!r}")
    decimals = int(match["dec"] or 0)
    body = ("#,##0" if match["comma"] else "0") + ("." + "0" * decimals if decimals else "")
    if match["type"] == "%":
        body += "%"

    def quoted(text: str) -> str:
        return f'"{text}"' if text else ""

    return quoted(match["pre"]) + body + quoted(match["post"])


def nice_bounds(low: float, high: float, ticks: int = 5) -> tuple[float, float, float]:
    """Axis limits and tick step around [low, high]: the step is 1, 2 or 5 times a power of ten,
    so that about ``ticks`` labels read as round numbers (128, 133, 138 ... reads badly)."""
    span = (high - low) or abs(high) or 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _hex(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#").upper())


def _tint(color: RGBColor, share: float) -> RGBColor:
    """``color`` mixed with white: ``share`` of the colour, the rest white."""
    return RGBColor(*(round(255 - (255 - c) * share) for c in color))


def clean_spec(spec: ChartSpec) -> ChartSpec:
    """``spec`` with every text (title, axis labels, series names, categories, point labels, number
    format) cleaned of the control characters a .pptx cannot hold (:func:`clvedu.decks.text.clean`)."""
    from clvedu.decks.text import clean  # here, not at the top: clvedu.decks imports this module

    def text(value):
        return clean(value) if isinstance(value, str) else value

    return dataclasses.replace(
        spec, title=text(spec.title), x_label=text(spec.x_label), y_label=text(spec.y_label),
        series=tuple(dataclasses.replace(s, name=text(s.name)) for s in spec.series),
        categories=tuple(text(c) for c in spec.categories), labels=tuple(text(c) for c in spec.labels),
        number_format=text(spec.number_format), note=text(spec.note))


def add_chart(shapes, spec: ChartSpec, left: int, top: int, width: int, height: int, *,
              colors: tuple[str, ...] | list[str] | None = None, font_size: int = 12):
    """Add ``spec`` to ``shapes`` (a slide's shape tree) in the given box (EMU); return the graphic frame.

    Every text of the chart is cleaned first (:func:`clean_spec`); the frame's alt text is the spec's
    (:func:`clvedu.decks.accessibility.chart_alt_text`); colours below 3:1 against white are darkened."""
    from clvedu.decks.accessibility import chart_alt_text, ensure_contrast, set_alt_text  # decks imports us

    spec = clean_spec(spec)
    colors = tuple(ensure_contrast(c) for c in (colors or PALETTE))
    number_format = excel_number_format(spec.number_format)
    if spec.kind in ("line", "scatter"):
        data = XyChartData()
        for s in spec.series:
            series = data.add_series(s.name, number_format=number_format)
            for x, y in zip(spec.x, s.values):
                series.add_data_point(x, y)
        if spec.kind == "scatter":
            chart_type = XL_CHART_TYPE.XY_SCATTER
        elif len(spec.x) > 24:
            chart_type = XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS
        else:
            chart_type = XL_CHART_TYPE.XY_SCATTER_LINES
    else:
        data = CategoryChartData(number_format=number_format)
        categories = list(spec.categories)
        series_list = list(spec.series)
        if spec.kind == "tornado":
            # PowerPoint draws the first category at the bottom; the widest swing belongs on top.
            categories = categories[::-1]
            series_list = [type(s)(s.name, tuple(reversed(s.values))) for s in series_list]
        data.categories = categories
        for s in series_list:
            data.add_series(s.name, s.values)
        chart_type = XL_CHART_TYPE.COLUMN_CLUSTERED if spec.kind == "bar" else XL_CHART_TYPE.BAR_CLUSTERED

    frame = shapes.add_chart(chart_type, left, top, width, height, data)
    chart = frame.chart
    chart.font.size = Pt(font_size)
    chart.font.name = "Calibri"
    chart.has_title = True
    chart.chart_title.text_frame.text = spec.title
    title_font = chart.chart_title.text_frame.paragraphs[0].runs[0].font
    title_font.size = Pt(font_size + 2)
    title_font.bold = True

    plot = chart.plots[0]
    for i, series in enumerate(plot.series):
        color = _hex(colors[i % len(colors)])
        if spec.kind in ("line", "scatter"):
            series.format.line.color.rgb = color
            series.format.line.width = Pt(2.25)
            if spec.kind == "scatter":
                series.format.line.fill.background()
            else:
                series.format.line.dash_style = LINE_DASHES[i % len(LINE_DASHES)]
            if chart_type != XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS:
                series.marker.style = MARKERS[i % len(MARKERS)]
                series.marker.size = 8
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = color
            series.marker.format.line.color.rgb = color
            series.smooth = False
        else:
            pattern = BAR_PATTERNS[i % len(BAR_PATTERNS)]
            if pattern is None:
                series.format.fill.solid()
                series.format.fill.fore_color.rgb = color
            else:
                series.format.fill.patterned()
                series.format.fill.pattern = pattern
                series.format.fill.fore_color.rgb = color
                series.format.fill.back_color.rgb = _tint(color, TINT)
            series.format.line.color.rgb = color  # a hatched bar's edge stands out from the background
            series.format.line.width = Pt(1.5)
    if spec.kind in ("bar", "barh"):
        # each bar's value next to it: read without matching colours to a legend or an axis (a tornado's
        # bars sit either side of the base, and its axis ends at the longest bar, where a label would not fit)
        plot.has_data_labels = True
        labels = plot.data_labels
        labels.number_format = number_format
        labels.number_format_is_linked = False
        labels.show_value = True
        labels.position = XL_LABEL_POSITION.OUTSIDE_END
        labels.font.size = Pt(max(font_size - 2, 9))
        if any(v < 0 for series in spec.series for v in series.values):
            # category names at the edge, not on the zero line where a negative bar and its label sit
            chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW

    value_axis = chart.value_axis
    value_axis.tick_labels.number_format = number_format
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = _hex("D9D9D9")
    category_axis = chart.category_axis
    if spec.kind in ("bar", "barh", "tornado"):
        plot.gap_width = 60
        if len(spec.series) > 1 and spec.kind != "tornado":
            plot.overlap = -10
    if spec.kind == "tornado":
        plot.overlap = 100
        value_axis.crosses_at = float(spec.baseline)  # bars start at the base value, not at zero
        values = [v for series in spec.series for v in series.values] + [float(spec.baseline)]
        low, high, step = nice_bounds(min(values), max(values))
        value_axis.minimum_scale, value_axis.maximum_scale, value_axis.major_unit = low, high, step
        category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # labels stay at the left edge
    if spec.kind == "scatter" and spec.labels:
        for point, label in zip(plot.series[0].points, spec.labels):
            text_frame = point.data_label.text_frame
            text_frame.text = label
            text_frame.paragraphs[0].runs[0].font.size = Pt(font_size - 1)
            point.data_label.position = XL_LABEL_POSITION.RIGHT

    # in a horizontal bar chart the value axis runs across, so the labels swap places
    horizontal = spec.kind in ("barh", "tornado")
    for axis, text in ((category_axis, spec.y_label if horizontal else spec.x_label),
                       (value_axis, spec.x_label if horizontal else spec.y_label)):
        if text:
            axis.has_title = True
            axis.axis_title.text_frame.text = text
            axis.axis_title.text_frame.paragraphs[0].runs[0].font.size = Pt(font_size)
            axis.axis_title.text_frame.paragraphs[0].runs[0].font.bold = False

    show_legend = len(spec.series) > 1 or spec.kind == "tornado"
    chart.has_legend = show_legend
    if show_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(font_size)
    set_alt_text(frame, chart_alt_text(spec))
    return frame
