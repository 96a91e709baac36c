"""A whole class's decks at once: coverage per deck and, with the tutor's answer key, whose figures each shows.

``clvedu coverage DECK_OR_FOLDER... [--answers answer_key.csv] [--csv FILE]`` (:mod:`clvedu.commands.coverage`)
runs :func:`check_class`. One row per deck: slides, slides without notes, talk time, criteria covered and
missing (:func:`clvedu.decks.coverage.read_coverage`, which opens every deck through
:func:`clvedu.io.open_presentation`, so a damaged file or a zip bomb becomes one line in its row).

**Finding the decks** (:func:`find_decks`). A folder stands for every ``.pptx`` directly inside it, sorted
by name; its subfolders are not read, a link to a file outside the folder is skipped, and so are
PowerPoint's lock files (``~$name.pptx``) and hidden files (``._name.pptx`` from macOS). At most
:data:`MAX_DECKS` decks a run.

**Matching a deck to a student.** The file name (without ``.pptx``) must contain the student's id, in any
case; when several ids fit, the longest wins (``S12`` before ``S1``). Two ids of the same length is
ambiguous and reported, as is a deck that matches no id.

**Figures** (:func:`read_answer_key`). The answer key is the CSV ``clvedu variants`` writes
(:mod:`clvedu.variants.key`): ``student_id``, the roster's columns, and for each company
``<id>_clv_low|base|high_<cur>`` (money), ``<id>_break_even_<rate>_per_<period>`` (a share) and
``<id>_payback_<periods>`` (whole periods); columns of any other name are ignored, and so is
``<id>_strongest_lever`` (a phrase many students share, not a figure). A blank cell, ``none`` or ``never``
is no figure. A figure *appears* in a deck when, somewhere on a slide or in the notes:

* money: its value to the cent (``29.04``, ``£29.04``, ``1,234.56 GBP``), or rounded to whole units with a
  currency symbol or code beside it (``£29``, ``GBP 1,235``, ``$1235``); the sign is not compared;
* a rate: its value as a percentage to two or one decimals (``3.46%``, ``3.5%``, ``3.5 per cent``);
* a payback: the number with its period (``16 months``, ``1 year``, ``16-month``).

Thousands separators (commas, or thin or non-breaking spaces) are optional. When the key's value sits
exactly half-way between two roundings, either counts.

**Another student's figures** (:func:`match_answers`). A figure of another student's key is evidence only
through a form that none of this student's own figures has (a value two variants share says nothing).
Another student S is named when three things hold: a larger share of S's figures appears than of the
student's own; of S's figures that differ from the student's, at least half (and at least
:data:`MIN_OTHER_FIGURES`) appear in a form the student's key lacks; and at least one of those is precise
(money to the cent or a percentage to two decimals, :data:`PRECISE_FORMS`), because whole amounts such as
£22 also turn up as other numbers of a talk. Of the students who qualify, those with the largest share are
named (several when their variants show the same numbers). For a deck that matches no student, the
student whose figures it shows is named by the same rules.

On 20 exemplar decks built from a 200-student class of the mini case, every deck credited to its own
student named nobody (also with slides removed at random), and every deck credited to another student
named its true author, except where the two variants show the same numbers to the displayed rounding.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Callable, Iterable, Sequence

from clvedu.decks.coverage import WORDS_PER_MINUTE, Coverage, read_coverage
from clvedu.decks.text import for_terminal
from clvedu.errors import InvalidInput, UserError
from clvedu.formatting import CURRENCY_SYMBOLS
from clvedu.formatting import money as format_money
from clvedu.io import os_error_message
from clvedu.rubric import Rubric, load_rubric
from clvedu.units import PERIODS_PER_YEAR

MAX_DECKS = 500
"""Most decks one run reads."""
MAX_KEY_BYTES = 20_000_000
"""An answer key larger than this is refused before it is read (2,000 students is about 1 MB)."""
MAX_KEY_STUDENTS = 5_000
MIN_OTHER_FIGURES = 2
"""Fewest figures of another student's key that must appear before the report names that student."""
MIN_WHOLE_FIGURES = 4
"""Without a precise form (cents, two-decimal percentages), this many of another student's figures must appear in
whole currency units: decks round CLVs for speech, so a copied deck may show no cents at all."""
MAX_NAMED = 5
"""Most other students named for one deck (ties beyond are counted, not listed)."""
ID_COLUMN = "student_id"
PRECISE_FORMS = frozenset({"m2", "p2"})
"""Forms precise enough that a chance match is rare: money to the cent, a percentage to two decimals. Another
student is named only if at least one of their figures appears in such a form (whole amounts such as £22
also turn up as other numbers of the talk: a sensitivity bar, a segment's value)."""

Form = tuple
"""A figure as it can be shown: ``("m2", 29.04)`` money to the cent, ``("m0", 29)`` whole money units,
``("p2", 3.46)`` / ``("p1", 3.5)`` a percentage, ``("n", 16, "month")`` a count of periods."""


# --- the answer key ----------------------------------------------------------------------------------------------

_CLV_COLUMN = re.compile(r"^(?P<company>.+)_clv_(?P<scenario>low|base|high)_(?P<cur>[a-z]{3})$")
_BREAK_EVEN_COLUMN = re.compile(r"^(?P<company>.+)_break_even_(?P<rate>.+)_per_(?P<period>[a-z]+)$")
_PAYBACK_COLUMN = re.compile(r"^(?P<company>.+)_payback_(?P<period>[a-z]+)s$")
_NO_FIGURE = {"", "none", "never", "n/a", "-", "—"}


@dataclass(frozen=True)
class KeyFigure:
    """One figure of one student's key: its column, how a reader would see it, and the forms that show it."""

    column: str
    shown: str
    forms: frozenset


@dataclass(frozen=True)
class KeyStudent:
    id: str
    row: int
    figures: tuple[KeyFigure, ...]


@dataclass(frozen=True)
class AnswerKey:
    path: Path
    students: tuple[KeyStudent, ...]
    currencies: frozenset[str]
    index: dict = field(repr=False, compare=False, default_factory=dict)
    """form -> ((student index, figure index), ...): every figure of every student that the form shows."""

    def __len__(self) -> int:
        return len(self.students)


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def roundings(value: Decimal, places: int) -> set[Decimal]:
    """``|value|`` rounded half up to ``places`` decimals; both neighbours when it sits exactly half-way
    (the key's value is itself rounded, so the true figure may lie on either side)."""
    value = abs(value)
    rounded = _round(value, places)
    step = Decimal(1).scaleb(-places)
    found = {rounded}
    if abs(value - rounded) * 2 == step:
        found.add(rounded - step)
    return found


def money_forms(value: Decimal) -> frozenset:
    return frozenset({("m2", v) for v in roundings(value, 2)} | {("m0", v) for v in roundings(value, 0)})


def rate_forms(share: Decimal) -> frozenset:
    percent = share * 100
    return frozenset({("p2", v) for v in roundings(percent, 2)} | {("p1", v) for v in roundings(percent, 1)})


def _figure_columns(header: list[str]) -> list[tuple[int, str, str, str]]:
    """(position, column, kind, currency or period) of every figure column of the key's header."""
    found = []
    for i, name in enumerate(header):
        if m := _CLV_COLUMN.match(name):
            found.append((i, name, "money", m["cur"].upper()))
        elif (m := _BREAK_EVEN_COLUMN.match(name)) and m["period"] in PERIODS_PER_YEAR:
            found.append((i, name, "rate", m["period"]))
        elif (m := _PAYBACK_COLUMN.match(name)) and m["period"] in PERIODS_PER_YEAR:
            found.append((i, name, "count", m["period"]))
    return found


def _parse_figure(cell: str, kind: str, unit: str, where: str) -> KeyFigure | None:
    text = cell.strip()
    if text.lower() in _NO_FIGURE:
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        allowed = {"money": "an amount such as 29.04", "rate": "a share such as 0.0346, or none",
                   "count": "a whole number of periods such as 16, or never"}[kind]
        raise InvalidInput(f"{where}: {text[:40]!r} is not a figure; allowed: {allowed}")
    if kind == "money":
        return KeyFigure("", format_money(float(value), unit), money_forms(value))
    if kind == "rate":
        if not 0 <= value <= 1:
            raise InvalidInput(f"{where}: {text[:40]!r} is not a share between 0 and 1 (0.0346 is 3.46%)")
        return KeyFigure("", f"{_round(value * 100, 2)}% a {unit}", rate_forms(value))
    if value != value.to_integral_value() or value < 0:
        raise InvalidInput(f"{where}: {text[:40]!r} is not a whole number of {unit}s (or never)")
    n = int(value)
    return KeyFigure("", f"{n} {unit}{'' if n == 1 else 's'}", frozenset({("n", n, unit)}))


def read_answer_key(path: str | os.PathLike) -> AnswerKey:
    """Read the answer key ``clvedu variants`` writes (or one typed by hand with the same column names).

    Raises :class:`UserError` (exit 2) for a file that cannot be read, :class:`InvalidInput` (exit 1, one
    line naming the row and column) for one that is read but unusable: no ``student_id`` column, no figure
    column, a blank or repeated id, a cell that is not a figure.
    """
    path = Path(path)
    if path.is_dir():
        raise UserError(f"--answers {path}: that is a folder; give the answer_key.csv file")
    try:
        size = path.stat().st_size
        if size > MAX_KEY_BYTES:
            raise InvalidInput(f"--answers {path}: {size:,} bytes; an answer key may be at most "
                               f"{MAX_KEY_BYTES:,} bytes")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"--answers {path}: file not found") from None
    except OSError as exc:
        raise UserError(f"--answers {os_error_message(exc, path, action='read')}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"--answers {path}: not UTF-8 text (byte {exc.start}); save the answer key as "
                           "CSV UTF-8") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InvalidInput(f"--answers {path}: not a readable CSV file ({exc})") from None
    if not rows:
        raise InvalidInput(f"--answers {path}: the file is empty; it needs a header row with {ID_COLUMN}")
    header = [h.strip() for h in rows[0]]
    if ID_COLUMN not in header:
        raise InvalidInput(f"--answers {path}: row 1 has no {ID_COLUMN} column; an answer key made by "
                           "clvedu variants has one")
    id_at = header.index(ID_COLUMN)
    columns = _figure_columns(header)
    if not columns:
        raise InvalidInput(f"--answers {path}: no figure columns (such as <company>_clv_base_gbp, "
                           "<company>_break_even_churn_per_month, <company>_payback_months)")
    if len(rows) - 1 > MAX_KEY_STUDENTS:
        raise InvalidInput(f"--answers {path}: {len(rows) - 1:,} rows; an answer key may have at most "
                           f"{MAX_KEY_STUDENTS:,} students")
    students: list[KeyStudent] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        sid = row[id_at].strip() if id_at < len(row) else ""
        if not sid:
            raise InvalidInput(f"--answers {path}: row {number}, column {ID_COLUMN}: blank; every row needs "
                               "the student's id")
        if sid.lower() in seen:
            raise InvalidInput(f"--answers {path}: row {number}, column {ID_COLUMN}: {sid!r} repeats row "
                               f"{seen[sid.lower()]}")
        seen[sid.lower()] = number
        figures = []
        for i, name, kind, unit in columns:
            cell = row[i] if i < len(row) else ""
            figure = _parse_figure(cell, kind, unit, f"--answers {path}: row {number}, column {name}")
            if figure is not None:
                figures.append(KeyFigure(name, figure.shown, figure.forms))
        students.append(KeyStudent(sid, number, tuple(figures)))
    if not students:
        raise InvalidInput(f"--answers {path}: no students below the header row")
    index: dict[Form, list[tuple[int, int]]] = {}
    for s, student in enumerate(students):
        for f, figure in enumerate(student.figures):
            for form in figure.forms:
                index.setdefault(form, []).append((s, f))
    currencies = frozenset(unit for _, _, kind, unit in columns if kind == "money")
    return AnswerKey(path, tuple(students), currencies, {k: tuple(v) for k, v in index.items()})


# --- figures in a deck's text ----------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[,\u00a0\u202f\u2009]\d{3})+|\d+)(?:\.(\d+))?(?!\w)")
_GROUP_SEPARATORS = str.maketrans("", "", ",\u00a0\u202f\u2009")
_SYMBOLS = frozenset(CURRENCY_SYMBOLS.values()) | {"$"}
_PREFIX = re.compile(r"(?:(?P<symbol>[^\w\s])|(?<![A-Za-z])(?P<code>[A-Z]{3}))\s?[-−–]?\s?$")
_SUFFIX = re.compile(r"\s?(?:(?P<percent>%|per\s?cent\b)|(?P<code>[A-Z]{3})(?![A-Za-z]))", re.IGNORECASE)
_COUNT = re.compile(r"(?<![\w.,])(\d{1,4})(?:\s|-|\u00a0)?(day|week|month|quarter|year)s?\b", re.IGNORECASE)


def figure_forms(text: str, currency_codes: Iterable[str] = ()) -> set[Form]:
    """Every form (see :data:`Form`) a figure takes somewhere in ``text``.

    A number to two decimals counts as money to the cent with or without a currency; a whole number only
    with a currency symbol or code beside it (``£29``, ``29 GBP``): bare whole numbers (slide numbers,
    years) prove nothing. A number followed by ``%`` or "per cent" is a percentage.
    """
    codes = {c.upper() for c in currency_codes} | set(CURRENCY_SYMBOLS)
    found: set[Form] = set()
    for m in _NUMBER.finditer(text):
        start, end = m.span()
        whole, decimals = m.group(1).translate(_GROUP_SEPARATORS), m.group(2) or ""
        value = Decimal(f"{whole}.{decimals}" if decimals else whole)
        suffix = _SUFFIX.match(text, end, end + 12)
        if suffix and suffix["percent"]:
            if len(decimals) in (1, 2):
                found.add((f"p{len(decimals)}", value))
            continue
        if len(decimals) == 2:
            found.add(("m2", value))
        elif not decimals:
            prefix = _PREFIX.search(text, max(0, start - 6), start)
            has_currency = bool(prefix and (prefix["symbol"] in _SYMBOLS or prefix["code"] in codes)) or bool(
                suffix and suffix["code"] and suffix["code"].upper() in codes)
            if has_currency:
                found.add(("m0", value))
    for m in _COUNT.finditer(text):
        found.add(("n", int(m.group(1)), m.group(2).lower()))
    return found


@dataclass(frozen=True)
class OtherStudent:
    """Another student whose figures appear in a deck: how many of theirs appear, out of how many, and
    those that appear in a form the deck's own student's key does not have (``figures``)."""

    id: str
    found: int
    expected: int
    figures: tuple[KeyFigure, ...]


@dataclass(frozen=True)
class AnswerMatch:
    """A deck checked against the answer key."""

    student: str | None
    note: str | None                      # why no student: no id in the name, or two ids equally long
    found: tuple[KeyFigure, ...] = ()
    missing: tuple[KeyFigure, ...] = ()
    others: tuple[OtherStudent, ...] = ()
    others_tied: int = 0                  # how many more students tie with those named (not listed)

    @property
    def expected(self) -> int:
        return len(self.found) + len(self.missing)

    @property
    def problem(self) -> bool:
        return self.student is None or bool(self.others)


def match_student(file_name: str, ids: Sequence[str]) -> tuple[str | None, str | None]:
    """(the student id the file name contains, or None; and if None, why). Case is ignored; the longest
    id that the name contains wins."""
    stem = file_name[:-5] if file_name.lower().endswith(".pptx") else file_name
    stem = stem.lower()
    hits = [sid for sid in ids if sid.lower() in stem]
    if not hits:
        return None, "no student id in the file name"
    longest = max(len(h) for h in hits)
    best = [h for h in hits if len(h) == longest]
    if len(best) > 1:
        shown = ", ".join(sorted(best)[:3]) + (" ..." if len(best) > 3 else "")
        return None, f"{len(best)} student ids fit the file name equally ({shown})"
    return best[0], None


def match_answers(forms: set[Form], key: AnswerKey, student: str | None, note: str | None = None) -> AnswerMatch:
    """Which of ``student``'s figures appear among ``forms``, and whose figures appear instead.

    Another student S is named when (1) a larger share of S's figures appears than of ``student``'s own,
    (2) at least :data:`MIN_OTHER_FIGURES` of S's figures appear in a form ``student``'s key lacks, and (3) one of those forms is precise
    (:data:`PRECISE_FORMS`) or at least :data:`MIN_WHOLE_FIGURES` appear. Of the students who pass, those with the largest share are named (several when
    they tie: their variants show the same numbers). ``student=None`` (a deck matching no id) names whose
    figures the deck shows.
    """
    position = {s.id: i for i, s in enumerate(key.students)}
    own_index = position.get(student) if student is not None else None
    found: tuple[KeyFigure, ...] = ()
    missing: tuple[KeyFigure, ...] = ()
    own_forms: set[Form] = set()
    if own_index is not None:
        own = key.students[own_index]
        found = tuple(f for f in own.figures if f.forms & forms)
        missing = tuple(f for f in own.figures if not f.forms & forms)
        own_forms = set().union(*(f.forms for f in own.figures))
    own_share = len(found) / (len(found) + len(missing)) if found or missing else 0.0
    hits: dict[int, set[int]] = {}
    precise: set[int] = set()
    for form in forms - own_forms:
        for s, f in key.index.get(form, ()):
            if s != own_index:
                hits.setdefault(s, set()).add(f)
                if form[0] in PRECISE_FORMS:
                    precise.add(s)
    candidates = []
    for s, distinct_found in hits.items():
        if len(distinct_found) < MIN_OTHER_FIGURES or (s not in precise and len(distinct_found) < MIN_WHOLE_FIGURES):
            continue
        theirs = key.students[s]
        shown = sum(1 for f in theirs.figures if f.forms & forms)
        share = shown / len(theirs.figures)
        if share > own_share:
            candidates.append((share, shown, s))
    others: list[OtherStudent] = []
    tied = 0
    if candidates:
        best = max(share for share, _, _ in candidates)
        top = sorted((key.students[s].id, shown, s) for share, shown, s in candidates if share == best)
        for sid, shown, s in top[:MAX_NAMED]:
            theirs = key.students[s]
            others.append(OtherStudent(sid, shown, len(theirs.figures),
                                       tuple(theirs.figures[f] for f in sorted(hits[s]))))
        tied = max(0, len(top) - MAX_NAMED)
    return AnswerMatch(student, note, found, missing, tuple(others), tied)


# --- finding the decks -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeckInput:
    """A deck to read, or a folder given on the command line that holds none (``problem`` says why)."""

    path: Path
    problem: str | None = None


def _too_many(count: int, limit: int) -> UserError:
    return UserError(f"more than {limit} decks given ({count:,} so far); check at most {limit} in one run, "
                     "for example one folder a group")


def _folder_decks(folder: Path, skipped: list[str], limit: int) -> list[Path]:
    real = os.path.realpath(folder)
    names = []
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if not name.lower().endswith(".pptx"):
                continue
            path = folder / name
            if name.startswith(("~$", ".")):
                skipped.append(f"{path}: skipped (a PowerPoint lock file or a hidden file)")
                continue
            if entry.is_symlink():
                target = os.path.realpath(path)
                if os.path.commonpath([real, target]) != real:
                    skipped.append(f"{path}: skipped (a link to a file outside the folder)")
                    continue
            if not entry.is_file():
                skipped.append(f"{path}: skipped (not a file)")
                continue
            names.append(name)
            if len(names) > limit:
                raise _too_many(len(names), limit)
    return [folder / name for name in sorted(names)]


def find_decks(arguments: Sequence[str | os.PathLike], *, limit: int | None = None) -> tuple[list[DeckInput], list[str]]:
    """The decks to read (folders expanded, each deck once) and a line for every file skipped.

    A path that is not a folder is read as a deck whatever its name, so a missing or mistyped file gets
    its own row. Raises :class:`UserError` beyond ``limit`` decks (default :data:`MAX_DECKS`).
    """
    limit = MAX_DECKS if limit is None else limit
    decks: list[DeckInput] = []
    skipped: list[str] = []
    seen: set[str] = set()

    def add(item: DeckInput) -> None:
        key = os.path.realpath(item.path) if item.problem is None else f"\0{item.path}"
        if key in seen:
            return
        seen.add(key)
        decks.append(item)
        if len(decks) > limit:
            raise _too_many(len(decks), limit)

    for argument in arguments:
        path = Path(argument)
        if not path.is_dir():
            add(DeckInput(path))
            continue
        try:
            found = _folder_decks(path, skipped, limit)
        except OSError as exc:
            add(DeckInput(path, os_error_message(exc, path, action="read the folder")))
            continue
        if not found:
            add(DeckInput(path, f"{path}: a folder with no .pptx files in it (subfolders are not read)"))
        for deck in found:
            add(DeckInput(deck))
    return decks, skipped


# --- the class report --------------------------------------------------------------------------------------------

@dataclass
class DeckRow:
    path: Path
    coverage: Coverage | None = None
    problem: str | None = None            # why the deck could not be read (one line)
    answers: AnswerMatch | None = None

    @property
    def status(self) -> str:
        if self.coverage is None:
            return "unreadable"
        if not self.coverage.ok or (self.answers is not None and self.answers.problem):
            return "gaps"
        return "ok"


@dataclass
class ClassReport:
    results: list[DeckRow]
    rubric_codes: list[str]
    key: AnswerKey | None = None
    skipped: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        statuses = {r.status for r in self.results}
        return 2 if "unreadable" in statuses else 1 if "gaps" in statuses else 0

    def students_without_deck(self) -> list[str]:
        if self.key is None:
            return []
        matched = {r.answers.student for r in self.results if r.answers is not None}
        return [s.id for s in self.key.students if s.id not in matched]

    def students_with_several_decks(self) -> dict[str, list[Path]]:
        decks: dict[str, list[Path]] = {}
        for r in self.results:
            if r.answers is not None and r.answers.student is not None:
                decks.setdefault(r.answers.student, []).append(r.path)
        return {sid: paths for sid, paths in decks.items() if len(paths) > 1}


def check_deck(path: Path, rubric: Rubric, key: AnswerKey | None = None) -> DeckRow:
    """One deck's row: its coverage, or why it could not be read; with a key, whose figures it shows."""
    try:
        cov = read_coverage(path, rubric, collect_text=key is not None)
    except UserError as exc:
        return DeckRow(path, problem=" ".join(str(exc).split()))
    result = DeckRow(path, cov)
    if key is not None:
        student, note = match_student(path.name, [s.id for s in key.students])
        result.answers = match_answers(figure_forms(cov.text, key.currencies), key, student, note)
        cov.text = ""  # the text is not kept: 500 decks' words would only fill memory
    return result


def check_class(arguments: Sequence[str | os.PathLike], *, answers: str | os.PathLike | None = None,
                rubric: Rubric | None = None, limit: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> ClassReport:
    """Read every deck of ``arguments`` (files and folders) and, given ``answers``, match it to the key.

    Raises :class:`UserError` only for the whole run (too many decks, an unusable answer key); a deck that
    cannot be read gets a row saying why.
    """
    key = read_answer_key(answers) if answers is not None else None
    decks, skipped = find_decks(arguments, limit=limit)
    rubric = rubric or load_rubric()
    results = []
    for done, item in enumerate(decks, start=1):
        results.append(DeckRow(item.path, problem=item.problem) if item.problem
                       else check_deck(item.path, rubric, key))
        if progress is not None:
            progress(done, len(decks))
    return ClassReport(results, rubric.codes(), key, skipped)


# --- output ------------------------------------------------------------------------------------------------------

def _figures_text(figures: Iterable[KeyFigure]) -> str:
    return ", ".join(f"{f.column} {f.shown}" for f in figures)


def _others_text(match: AnswerMatch) -> str:
    text = "; ".join(f"{o.id}: {o.found} of {o.expected}" for o in match.others)
    if match.others_tied:
        text += f"; and {match.others_tied} more with as many"
    return text


def answer_lines(match: AnswerMatch) -> list[str]:
    """The answer-key part of a single deck's report."""
    if match.student is None:
        lines = [f"Student: none ({match.note})"]
    else:
        lines = [f"Student: {match.student} (from the file name)",
                 f"Their figures found: {len(match.found)} of {match.expected}"]
        if match.missing:
            lines.append("Their figures not found: " + _figures_text(match.missing))
    if match.others:
        for o in match.others:
            lines.append(f"Figures from {o.id}'s variant instead: {o.found} of their {o.expected} appear; "
                         f"not in this student's key: {_figures_text(o.figures)}")
        if match.others_tied:
            lines.append(f"... and {match.others_tied} more students with as many of their figures")
    else:
        lines.append("Figures from another student's variant: none")
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1):]


def table_rows(report: ClassReport) -> tuple[list[str], list[list[str]]]:
    """The terminal table's header and rows (texts already safe to print)."""
    total = len(report.rubric_codes)
    header = ["file", "slides", "no notes", "talk (min)", f"covered (of {total})", "missing"]
    if report.key is not None:
        header += ["student", "own figures", "other students' figures"]
    rows = []
    for r in report.results:
        name = for_terminal(_cut(str(r.path), 48))
        if r.coverage is None:
            why = r.problem or ""
            prefix = f"{r.path}: "
            rows.append([name, "unreadable: " + for_terminal(why[len(prefix):] if why.startswith(prefix) else why)])
            continue
        cov = r.coverage
        row = [name, str(len(cov.slides)), str(len(cov.without_notes)), f"{cov.minutes:.1f}",
               str(total - len(cov.uncovered)), " ".join(cov.uncovered) or "none"]
        if r.answers is not None:
            a = r.answers
            row += [for_terminal(a.student) if a.student else "none",
                    f"{len(a.found)} of {a.expected}" if a.student else "",
                    for_terminal(_others_text(a)) or "none"]
        rows.append(row)
    return header, rows


NUMERIC = {1, 2, 3, 4}


def format_table(report: ClassReport) -> str:
    """The class table, aligned, with a summary below it."""
    header, rows = table_rows(report)
    widths = [len(h) for h in header]
    for row in rows:
        if len(row) == len(header):
            widths = [max(w, len(c)) for w, c in zip(widths, row)]
    widths[-1] = 0  # the last column is not padded

    def line(cells: list[str]) -> str:
        if len(cells) < len(header):  # an unreadable deck: its reason runs across the row
            return f"{cells[0]:<{widths[0]}}  {cells[1]}"
        return "  ".join((f"{c:>{w}}" if i in NUMERIC else f"{c:<{w}}") for i, (c, w) in
                         enumerate(zip(cells, widths))).rstrip()

    lines = [f"Coverage of {len(report.results)} decks", "", line(header)]
    lines += [line(row) for row in rows]
    counts = {s: sum(r.status == s for r in report.results) for s in ("ok", "gaps", "unreadable")}
    lines += ["", f"{counts['ok']} complete, {counts['gaps']} with gaps, {counts['unreadable']} unreadable. "
                  f"Talk time at {WORDS_PER_MINUTE} words a minute; covered: codes of "
                  f"{', '.join(report.rubric_codes)} claimed by a 'Maps to:' line in some slide's notes."]
    if report.key is not None:
        lines.append(f"Answer key {for_terminal(str(report.key.path))}: {len(report.key)} students. Own figures: "
                     "the student's CLVs, break-even rates and paybacks found on the slides or in the notes.")
        unmatched = [r for r in report.results if r.answers is not None and r.answers.student is None]
        if unmatched:
            lines.append("Decks matching no student: " + "; ".join(
                f"{for_terminal(r.path.name)} ({for_terminal(r.answers.note or '')})" for r in unmatched[:10])
                + (" ..." if len(unmatched) > 10 else ""))
        without = report.students_without_deck()
        if without:
            shown = ", ".join(for_terminal(s) for s in without[:10]) + (" ..." if len(without) > 10 else "")
            lines.append(f"Students without a deck here: {len(without)} ({shown})")
        for sid, paths in sorted(report.students_with_several_decks().items()):
            lines.append(f"Student {for_terminal(sid)} has {len(paths)} decks: "
                         + ", ".join(for_terminal(p.name) for p in paths))
    return "\n".join(lines)


def csv_header(with_answers: bool) -> list[str]:
    header = ["file", "status", "slides", "slides_without_notes", "talk_minutes", "criteria_covered",
              "criteria_missing", "problem"]
    if with_answers:
        header += ["student_id", "own_figures_found", "own_figures_expected", "own_figures_missing",
                   "other_students_figures"]
    return header


def _cell(text: str) -> str:
    """A text cell a spreadsheet shows as text: control characters escaped, and a leading = + - @ quoted so
    that a file name such as ``=cmd|...`` is never run as a formula."""
    text = for_terminal(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(report: ClassReport) -> str:
    """The report as CSV, one row per deck (``\\n`` line ends)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    with_answers = report.key is not None
    writer.writerow(csv_header(with_answers))
    for r in report.results:
        cov = r.coverage
        if cov is None:
            row = [_cell(str(r.path)), r.status, "", "", "", "", "", _cell(r.problem or "")]
            if with_answers:
                row += ["", "", "", "", ""]
        else:
            a = r.answers
            row = [_cell(str(r.path)), r.status, len(cov.slides), len(cov.without_notes), f"{cov.minutes:.1f}",
                   len(cov.rubric_codes) - len(cov.uncovered), " ".join(cov.uncovered),
                   _cell(a.note or "") if a is not None else ""]
            if a is not None:
                row += [_cell(a.student or ""), len(a.found) if a.student else "",
                        a.expected if a.student else "", " ".join(f.column for f in a.missing),
                        _cell(_others_text(a))]
        writer.writerow(row)
    return buffer.getvalue()
