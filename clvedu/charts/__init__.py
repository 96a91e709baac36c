"""Charts shared by the book and the decks.

A chart is first a :class:`ChartSpec`: plain data (kind, title, axis labels, categories and
named series). Builders in :mod:`clvedu.charts.builders` make specs from the kit's results;
:func:`clvedu.charts.mpl.draw` renders a spec with matplotlib for the book, and
:mod:`clvedu.charts.pptx` renders the same spec as a native, editable PowerPoint chart.
"""

from clvedu.charts.spec import ChartSpec, Series

__all__ = ["ChartSpec", "Series"]
