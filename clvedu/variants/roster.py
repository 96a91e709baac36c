"""Read a class roster: a CSV file with a ``student_id`` column, one student a row.

Every student id becomes a folder name, so an id may hold only letters, digits, ``-``, ``_`` and ``.``
(not first or last), at most :data:`MAX_ID_LENGTH` characters; two ids that differ only in case are the
same folder on Windows and macOS and are refused as duplicates. The roster's other columns are kept, in
order, for the answer key. Rows are counted as a spreadsheet counts them: the header is row 1.

Every problem is one :class:`RosterError` line naming the file, the row and the column::

    class.csv: row 7, column student_id: 'S-12' repeats row 3; every student needs their own id
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from clvedu.errors import UserError
from clvedu.io import os_error_message

ID_COLUMN = "student_id"
MAX_ROSTER_BYTES = 5_000_000
"""A roster larger than this is refused before it is read (2,000 rows of a few columns is about 200 kB)."""
MAX_STUDENTS = 2_000
MAX_ID_LENGTH = 64
MAX_CELL = 1_000
"""Longest cell of any other column (a name, a group, an email address)."""
MAX_COLUMNS = 50

_ID = re.compile(r"^[A-Za-z0-9_-](?:[A-Za-z0-9._-]*[A-Za-z0-9_-])?$")
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


class RosterError(UserError):
    """A roster that was read but cannot be used (exit status 1); the message is one line."""


@dataclass(frozen=True)
class Student:
    """One row of the roster: its id, its row number (header = 1) and its other columns, as written."""

    id: str
    row: int
    extra: tuple[str, ...]


@dataclass(frozen=True)
class Roster:
    """The students, in roster order, and the names of the roster's other columns."""

    path: Path
    columns: tuple[str, ...]
    students: tuple[Student, ...]

    def __len__(self) -> int:
        return len(self.students)


def id_problem(student_id: str, reserved: tuple[str, ...] = ()) -> str | None:
    """Why ``student_id`` cannot name a folder, or None."""
    if not student_id:
        return "the id is empty; every student needs an id"
    if len(student_id) > MAX_ID_LENGTH:
        return f"the id is {len(student_id)} characters long; at most {MAX_ID_LENGTH} are allowed"
    if not _ID.match(student_id):
        return (f"{student_id!r} cannot be a folder name: use letters, digits, '-', '_' and '.' "
                "('.' neither first nor last; no spaces or path separators)")
    if student_id.split(".")[0].lower() in _WINDOWS_DEVICES:
        return f"{student_id!r} is a reserved device name on Windows; add a letter or digit"
    if student_id.lower() in (r.lower() for r in reserved):
        return f"{student_id!r} is the name of a file the command writes beside the students' folders"
    return None


def _delimiter(header_line: str) -> str:
    """The roster's delimiter: the one of , ; and tab that splits the header most (spreadsheets differ)."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def read_roster(path: str | os.PathLike, *, reserved: tuple[str, ...] = ()) -> Roster:
    """Read and check a roster; ``reserved`` are names no student id may take (the command's own files).

    Raises :class:`UserError` when the file cannot be read and :class:`RosterError` when its content
    cannot be used, each with one line naming the file, row and column.
    """
    file = Path(path)
    if file.is_dir():
        raise UserError(f"--roster {file}: that is a folder; give the roster's .csv file")
    if not file.is_file():
        raise UserError(f"--roster {file}: file not found")
    try:
        size = file.stat().st_size
        if size > MAX_ROSTER_BYTES:
            raise RosterError(f"{file}: the file is {size:,} bytes; a roster may be at most {MAX_ROSTER_BYTES:,}")
        raw = file.read_bytes()
    except OSError as exc:
        raise UserError(os_error_message(exc, file, action="read")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterError(f"{file}: not UTF-8 text (byte {exc.start}); save it from your spreadsheet as "
                          "'CSV UTF-8'") from None
    if "\x00" in text:
        raise RosterError(f"{file}: holds NUL bytes, so it is not a CSV text file")
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise RosterError(f"{file}: row {reader.line_num}: not readable as CSV ({exc})") from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise RosterError(f"{file}: row 1: the file is empty; its first row must name the columns, "
                          f"one of them {ID_COLUMN}")
    header = [cell.strip() for cell in records[0]]
    rows = records[1:]
    return _check(file, header, rows, reserved)


def _check(file: Path, header: list[str], rows: list[list[str]], reserved: tuple[str, ...]) -> Roster:
    keys = [h.lower() for h in header]
    if ID_COLUMN not in keys:
        found = ", ".join(repr(h) for h in header if h) or "none"
        raise RosterError(f"{file}: row 1: no {ID_COLUMN} column (the first row names the columns; found {found})")
    if len(header) > MAX_COLUMNS:
        raise RosterError(f"{file}: row 1: {len(header)} columns; a roster may have at most {MAX_COLUMNS}")
    # a column with no name is allowed only when it is empty all the way down (spreadsheets export such tails)
    keep = []
    for i, name in enumerate(header):
        if name:
            keep.append(i)
        elif any(i < len(r) and r[i].strip() for r in rows):
            raise RosterError(f"{file}: row 1, column {i + 1}: the column has values but no name; name it in row 1")
    seen: dict[str, int] = {}
    for i in keep:
        key = header[i].lower()
        if key in seen:
            raise RosterError(f"{file}: row 1, column {i + 1}: the column name {header[i]!r} repeats "
                              f"column {seen[key] + 1}; column names must differ")
        seen[key] = i
    id_index = keys.index(ID_COLUMN)
    others = [i for i in keep if i != id_index]
    students: list[Student] = []
    ids: dict[str, int] = {}
    for number, record in enumerate(rows, start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank line
        if len(record) > len(header) and any(c.strip() for c in record[len(header):]):
            raise RosterError(f"{file}: row {number}: {len(record)} cells but the first row names "
                              f"{len(header)} columns; quote any cell that contains the delimiter")
        if len(students) == MAX_STUDENTS:
            raise RosterError(f"{file}: row {number}: more than {MAX_STUDENTS:,} students; split the class "
                              "into rosters of at most that many")
        cells = [c.strip() for c in record] + [""] * (len(header) - len(record))
        sid = cells[id_index]
        if why := id_problem(sid, reserved):
            raise RosterError(f"{file}: row {number}, column {ID_COLUMN}: {why}")
        if sid.lower() in ids:
            same = "" if sid in (s.id for s in students) else " (ids that differ only in case name the same folder)"
            raise RosterError(f"{file}: row {number}, column {ID_COLUMN}: {sid!r} repeats row {ids[sid.lower()]}"
                              f"{same}; every student needs their own id")
        ids[sid.lower()] = number
        for i in others:
            if len(cells[i]) > MAX_CELL:
                raise RosterError(f"{file}: row {number}, column {header[i]}: {len(cells[i]):,} characters; "
                                  f"a cell may hold at most {MAX_CELL:,}")
        students.append(Student(sid, number, tuple(cells[i] for i in others)))
    if not students:
        raise RosterError(f"{file}: row 2: no students; put one {ID_COLUMN} a row below the header")
    return Roster(file, tuple(header[i] for i in others), tuple(students))
