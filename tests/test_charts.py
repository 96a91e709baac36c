"""The chart module shared by book and decks: specifications, number formats, and both renderers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from pptx import Presentation  # noqa: E402
from pptx.util import Inches  # noqa: E402

from clvedu.charts import builders  # noqa: E402
from clvedu.charts.mpl import draw  # noqa: E402
from clvedu.charts.pptx import add_chart, excel_number_format, nice_bounds  # noqa: E402
from clvedu.charts.spec import ChartSpec, Series, bar, line  # noqa: E402


def tornado_table() -> pd.DataFrame:
    return pd.DataFrame({"driver": ["Monthly churn", "Acquisition cost"], "low_value": [80.0, 95.0],
                         "high_value": [125.0, 105.0], "base_value": [100.0, 100.0]})


def test_spec_rejects_mismatched_and_non_finite_data():
    with pytest.raises(ValueError, match="series 's' has 1 values for 2 points"):
        bar("t", "", "", ["a", "b"], {"s": [1.0]})
    with pytest.raises(ValueError, match="not finite"):
        bar("t", "", "", ["a"], {"s": [float("nan")]})
    with pytest.raises(ValueError, match="no categories"):
        bar("t", "", "", [], {})
    with pytest.raises(ValueError, match="tornado needs two series"):
        ChartSpec("tornado", "t", "", "", (Series("low", (1.0,)),), categories=("a",), baseline=0.0)


def test_number_format_puts_the_minus_before_the_currency():
    spec = bar("t", "", "", ["a"], {"s": [1.0]}, number_format="${:,.0f}")
    assert spec.format(-25) == "-$25" and spec.format(1234.4) == "$1,234" and spec.format(-0.2) == "$0"
    assert bar("t", "", "", ["a"], {"s": [1.0]}, number_format="{:.1%}").format(-0.25) == "-25.0%"


@pytest.mark.parametrize("python, excel", [("${:,.0f}", '"$"#,##0'), ("{:.1%}", "0.0%"), ("{:,.2f}", "#,##0.00"),
                                           ("{:.0f} months", '0" months"')])
def test_excel_number_format(python, excel):
    assert excel_number_format(python) == excel


def test_excel_number_format_rejects_what_it_cannot_translate():
    with pytest.raises(ValueError, match="number_format"):
        excel_number_format("{:e}")


@pytest.mark.parametrize("low, high, expected", [(128.4, 175.2, (120, 180, 10)), (0.0, 1.0, (0.0, 1.0, 0.2)),
                                                 (-23.0, 174.0, (-50, 200, 50))])
def test_nice_bounds_are_round_and_contain_the_data(low, high, expected):
    got = nice_bounds(low, high)
    assert got == pytest.approx(expected)
    assert got[0] <= low and got[1] >= high


def test_tornado_builder_keeps_the_table_order_and_base():
    spec = builders.tornado_chart(tornado_table(), "CLV", swing=0.2)
    assert spec.categories == ("Monthly churn", "Acquisition cost")
    assert [s.name for s in spec.series] == ["Driver 20% worse", "Driver 20% better"]
    assert spec.series[0].values == (80.0, 95.0) and spec.baseline == 100.0
    with pytest.raises(ValueError, match="missing low_value"):
        builders.tornado_chart(tornado_table().drop(columns="low_value"), "CLV")


def test_matplotlib_tornado_bars_run_from_the_base():
    fig = draw(builders.tornado_chart(tornado_table(), "CLV", number_format="${:,.0f}"))
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 4
    spans = sorted(tuple(sorted((round(b.get_x(), 6), round(b.get_x() + b.get_width(), 6)))) for b in bars)
    assert spans == [(80.0, 100.0), (95.0, 100.0), (100.0, 105.0), (100.0, 125.0)]
    ticks = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels())), reverse=True)
    assert [label for _, label in ticks] == ["Monthly churn", "Acquisition cost"]  # widest on top
    assert ax.get_title(loc="left") == "CLV"


def test_matplotlib_line_and_bar_charts_carry_labels_and_units():
    fig = draw(line("Survival", "Months since sign-up", "Share still subscribed", [0, 1, 2],
                    {"model": [1.0, 0.9, 0.8], "actual": [1.0, 0.88, 0.79]}, number_format="{:.0%}"))
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Months since sign-up" and len(ax.lines) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["model", "actual"]


def test_pptx_chart_is_native_with_the_spec_data(tmp_path):
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    spec = bar("CLV by scenario", "", "CLV ($)", ["Low", "Base"], {"A": [10.0, 20.0], "B": [5.0, 7.5]},
               number_format="${:,.0f}")
    frame = add_chart(slide.shapes, spec, Inches(1), Inches(1), Inches(6), Inches(4))
    out = tmp_path / "chart.pptx"
    prs.save(out)
    chart = [s for s in Presentation(out).slides[0].shapes if s.has_chart][0].chart
    assert frame.has_chart and chart.chart_title.text_frame.text == "CLV by scenario"
    assert list(chart.plots[0].categories) == ["Low", "Base"]
    assert [list(s.values) for s in chart.plots[0].series] == [[10.0, 20.0], [5.0, 7.5]]
    assert chart.value_axis.tick_labels.number_format == '"$"#,##0'


def test_pptx_tornado_axis_is_round_and_crosses_at_the_base(tmp_path):
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    add_chart(slide.shapes, builders.tornado_chart(tornado_table(), "CLV"), Inches(1), Inches(1), Inches(6), Inches(4))
    chart = [s for s in slide.shapes if s.has_chart][0].chart
    axis = chart.value_axis
    assert (axis.minimum_scale, axis.maximum_scale, axis.major_unit) == (80.0, 130.0, 10.0)
    assert axis.crosses_at == 100.0
    assert list(chart.plots[0].categories) == ["Acquisition cost", "Monthly churn"]  # PowerPoint draws bottom-up
