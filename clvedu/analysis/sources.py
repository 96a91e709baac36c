"""Where each figure shown comes from: its basis (reported, derived or assumed) and author-date references.

A reference is written in one author-date (Harvard) style wherever it appears:

    Netflix (2024) *Fourth-quarter 2023 letter to shareholders*. 23 January.
    Antenna (2021) *Churn in US streaming*. Reported by Digital TV Europe. Available at: https://...

and cited in the text as ``(Netflix, 2024)``. A source without a date is cited ``(Netflix, n.d.)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clvedu.errors import UserError


@dataclass(frozen=True)
class Reference:
    """One source of the case, ready to cite."""

    id: str
    author: str
    year: str
    title: str
    detail: str       # "23 January", "" when only a year is known
    reported_by: str  # the secondary source that reported it, or ""
    url: str

    @property
    def citation(self) -> str:
        """The in-text citation without brackets: ``Netflix, 2024``."""
        return f"{self.author}, {self.year}"

    @property
    def entry(self) -> str:
        """The reference-list entry, plain text (titles are not italicised in plain text)."""
        text = f"{self.author} ({self.year}) {self.title}."
        if self.detail:
            text += f" {self.detail}."
        if self.reported_by:
            text += f" Reported by {self.reported_by}."
        if self.url:
            text += f" Available at: {self.url}"
        return text


@dataclass(frozen=True)
class Basis:
    """How a figure is known: ``kind`` reported, derived or assumption; ``text`` says from where or why.

    A derived figure that borrows another group's measure (``borrowed`` in the case) is an assumption: its
    ``kind`` is ``assumption``, ``derivation`` says how it was computed and ``borrowed`` whose figure it is.
    """

    kind: str
    text: str
    sources: tuple[str, ...]
    derivation: str = ""   # how a derived (or borrowed) figure is computed, e.g. "churn_from_retention of ..."
    borrowed: str = ""     # whose measure a borrowed figure is and why it stands in; "" otherwise

    @property
    def letter(self) -> str:
        return {"reported": "R", "derived": "D", "assumption": "A"}[self.kind]


def _detail(text: str | None) -> tuple[str, str]:
    """(year, day and month) of a partial date ``2024-01-23``, ``2024-01`` or ``2024``."""
    if not text:
        return "n.d.", ""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return str(parts[0]), date(*parts).strftime("%-d %B")
    if len(parts) == 2:
        return str(parts[0]), date(parts[0], parts[1], 1).strftime("%B")
    return str(parts[0]), ""


def reference(case, source_id: str) -> Reference:
    """The :class:`Reference` of one source id of ``case``."""
    if source_id not in case.sources:
        raise UserError(f"unknown source {source_id!r}; this case has: {', '.join(case.sources)}")
    src = case.sources[source_id]
    year, detail = _detail(src.date)
    return Reference(id=source_id, author=src.publisher, year=year, title=src.title, detail=detail,
                     reported_by=src.reported_by or "", url=src.url or "")


def basis(case, owner: str, figure_id: str) -> Basis:
    """The basis of one figure: the citation of a reported one, the reason of an assumption, the origin of a derived one."""
    fig = case.figure(owner, figure_id)
    sources = tuple(case.figure_sources(owner, figure_id))
    if fig.kind == "reported":
        return Basis("reported", reference(case, fig.source).citation, sources)
    if fig.kind == "derived":
        origin = "; ".join(reference(case, s).citation for s in sources)
        reason = fig.reason or case.derivation(owner, figure_id)
        return Basis("assumption" if fig.borrowed else "derived", reason + (f" ({origin})" if origin else ""),
                     sources, derivation=case.derivation(owner, figure_id), borrowed=fig.borrowed or "")
    return Basis("assumption", fig.reason or "", sources, borrowed=fig.borrowed or "")
