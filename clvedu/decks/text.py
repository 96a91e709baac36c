"""Text that is safe to put in a .pptx and short enough to stay inside its box.

PowerPoint files are XML 1.0, which forbids most control characters (a stray form feed pasted
from a PDF makes the file unreadable); :func:`clean` removes them. Bullets are limited in number
and length before the layout chooses a font size (:func:`fit_font_size`) that fills the box
without overflowing, estimated from the average width of a character in a sans-serif font.
"""

from __future__ import annotations

import re

# XML 1.0 allows tab, newline, carriage return and everything from U+0020 except surrogates and U+FFFE/U+FFFF
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

MAX_BULLETS = 7
MAX_BULLET_CHARS = 240
CHAR_WIDTH = 0.50   # average glyph width of Calibri-like fonts, as a share of the font size
LINE_HEIGHT = 1.2   # line spacing, as a multiple of the font size


def clean(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids, and with runs of spaces collapsed."""
    text = _FORBIDDEN.sub("", str(text))
    return re.sub(r"[ \t]+", " ", text).strip()


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

