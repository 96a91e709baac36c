"""Text that is safe to put in a .pptx and short enough to stay inside its box.

PowerPoint files are XML 1.0, which forbids most control characters (a stray form feed pasted
from a PDF makes the file unreadable); :func:`clean` removes them, and refuses a text longer than
:data:`MAX_TEXT_CHARS` (a 1 MB company name would make a deck no program can open). Every text
that reaches a deck goes through it: titles, bullets, notes, tables, chart texts, footers and the
file's core properties (:func:`set_core_properties`). :func:`for_terminal` makes text safe to print.
Bullets are limited in number and length before the layout chooses a font size
(:func:`fit_font_size`) that fills the box without overflowing, estimated from the average width
of a character in a sans-serif font.
"""

from __future__ import annotations

import re

from clvedu.errors import UserError

# XML 1.0 allows tab, newline, carriage return and everything from U+0020 except surrogates and U+FFFE/U+FFFF;
# DEL and the C1 controls (U+007F-U+009F) are allowed but are control characters too, shown as boxes.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

MAX_TEXT_CHARS = 20_000
"""Longest text one box, cell, label or paragraph of notes may hold (a slide's notes run to about 1,000)."""
MAX_BULLETS = 7
MAX_BULLET_CHARS = 240
CHAR_WIDTH = 0.50   # average glyph width of Calibri-like fonts, as a share of the font size
LINE_HEIGHT = 1.2   # line spacing, as a multiple of the font size


class TextTooLong(UserError):
    """A text too long for a slide; the message quotes its start so it can be found."""

    exit_code = 1  # read, but invalid


def clean(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``text`` without the characters XML 1.0 forbids, and with runs of spaces collapsed.

    Raises :class:`TextTooLong` if the result is longer than ``limit`` characters.
    """
    text = _FORBIDDEN.sub("", str(text))
    text = re.sub(r"[ \t]+", " ", text).strip()
    if len(text) > limit:
        raise TextTooLong(f"a text of {len(text):,} characters would reach the deck (at most {limit:,} fit one "
                          f"box, cell or label); it starts {for_terminal(text[:60])!r}: shorten it in the case "
                          "or the slide specification")
    return text


_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                              "\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def for_terminal(text: str) -> str:
    """``text`` with control characters (escape sequences, NUL, bidirectional overrides) shown as
    ``\\xNN`` / ``\\uNNNN`` instead of acted on by the terminal. Tabs and newlines are kept."""
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 256 else f"\\u{ord(m[0]):04x}",
                                str(text))


CORE_PROPERTIES = ("title", "subject", "author", "keywords", "comments", "category", "content_status",
                   "identifier", "language", "last_modified_by", "version")


def set_core_properties(prs, **values: str) -> None:
    """Set the deck file's core properties (title, subject, author...) from ``values``, and clean every
    text core property already there (a tutor's template brings its own), so no control character
    reaches the file's metadata; each is cut to the 255 characters the format allows."""
    props = prs.core_properties
    for name in CORE_PROPERTIES:
        value = values.get(name, getattr(props, name, None))
        if isinstance(value, str) and (value or name in values):
            setattr(props, name, shorten(value[:MAX_TEXT_CHARS], 255))  # the file format allows 255 characters


def shorten(text: str, limit: int = MAX_BULLET_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis if cut."""
    text = clean(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def limit_bullets(bullets: list[tuple[int, str]], max_bullets: int = MAX_BULLETS,
                  max_chars: int = MAX_BULLET_CHARS) -> list[tuple[int, str]]:
    """At most ``max_bullets`` (level, text) bullets, each at most ``max_chars`` characters."""
    return [(level, shorten(text, max_chars)) for level, text in bullets if clean(text)][:max_bullets]


def lines_needed(text: str, width_pt: float, font_pt: float) -> int:
    """Lines ``text`` wraps onto in a box ``width_pt`` wide at ``font_pt`` (word-wrapped estimate)."""
    per_line = max(1, int(width_pt / (font_pt * CHAR_WIDTH)))
    lines, current = 1, 0
    for word in text.split():
        length = len(word)
        if current and current + 1 + length > per_line:
            lines += 1
            current = length
        else:
            current += (1 if current else 0) + length
        while current > per_line:  # a word longer than a line
            lines += 1
            current -= per_line
    return lines


def fit_font_size(paragraphs: list[tuple[int, str]], width_pt: float, height_pt: float, *,
                  largest: int = 20, smallest: int = 14, indent_pt: float = 18.0,
                  space_after: float = 0.35) -> int:
    """The largest font size in [smallest, largest] at which the paragraphs fit the box.

    Returns ``smallest`` if even that overflows; the caller then relies on the box's
    shrink-on-overflow setting and the bullet limits.
    """
    for size in range(largest, smallest - 1, -1):
        total = 0.0
        for level, text in paragraphs:
            n = lines_needed(text, width_pt - indent_pt * (level + 1), size)
            total += n * size * LINE_HEIGHT + size * space_after
        if total <= height_pt:
            return size
    return smallest


def word_count(text: str) -> int:
    """Words in ``text`` (runs of letters, digits and the characters inside numbers and words)."""
    return len(re.findall(r"[\w$£€%][\w$£€%.,'’\-/]*", text))

