"""Deck generator: the exemplar presentation and the tutor's briefing deck, for any case folder.

    >>> from clvedu.decks import build_deck
    >>> build_deck("case_studies/<case>", "build/decks/exemplar.pptx")   # doctest: +SKIP

Slide specifications and note texts live in ``templates/<kind>.yaml`` (Jinja2, sandboxed);
:mod:`clvedu.decks.context` picks what they show from :mod:`clvedu.analysis`; :mod:`clvedu.decks.coverage`
reads the "Maps to:" lines of any deck.
"""

from clvedu.decks.build import DeckResult, build_deck, maps_to_line
from clvedu.decks.coverage import Coverage, format_report, read_coverage
from clvedu.decks.templating import TemplateError

__all__ = ["Coverage", "DeckResult", "TemplateError", "build_deck", "format_report", "maps_to_line", "read_coverage"]
