"""Jinja2 filters that turn the deck context's raw numbers into words: money, shares, periods, nouns.

The deck context (:mod:`clvedu.decks.context`) holds numbers, never formatted strings; a template
formats each where it shows it::

    {{ c.clv.base | money(0) }}                  -> $152
    {{ c.inputs.arpu | money }}                  -> $16.28 a month   (a timed amount brings its period)
    {{ c.margin | money(2, c.period) }}          -> $6.51 a month
    {{ c.stay.value | percent }}                 -> 2.2%        (decimals: as many as show it, up to 2)
    {{ c.inputs.churn | percent(1, 'rate') }}    -> 2.2% a month
    {{ c.period | period }}                      -> a month     ('adjective' -> monthly, 'plural' -> months)
    {{ c.payback_periods | periods(c.period) }}  -> 11 months   (None -> never)
    {{ c.noun | plural }}                        -> members
    {{ c.noun | a }}                             -> a member    (an account)
    {{ names | join_and }}                       -> Acme and Brightline
    {{ text | upfirst }}                         -> Text        (unlike Jinja's capitalize, keeps ACME as it is)
    {{ text | lowfirst }}                        -> text        (mid-sentence; CLV and NHS stay in capitals)
    {{ 29607.55 | money_spoken }}                -> about $29,600
    {{ 152.47 | say_money }}                     -> about $150   (two significant figures, for speech)
    {{ 0.02490 | say_percent }}                  -> about 2.5%   (at most two significant figures)
    {{ f.source | basis }}                       -> reported (Acme plc, 2024)
    {{ ev.how | gist }}                          -> the first clause of a sentence, to say aloud

:func:`deck_filters` binds them to one case's currency; the tests format the analysis's figures
with the same functions, so a slide and a test can never disagree about a figure's look.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Iterable

from clvedu.formatting import money as _money
from clvedu.formatting import percent as _percent
from clvedu.units import ADJECTIVE, normalise_period


def _number(value: Any, name: str) -> tuple[float, str | None]:
    """(value, its period) of a number or a timed quantity (anything with ``value`` and ``per``)."""
    per = getattr(value, "per", None)
    raw = getattr(value, "value", value)
    if raw is None:
        raise ValueError(f"{name}: there is no figure here (None); guard it with {{% if ... %}}")
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{name} needs a number; got {raw!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} cannot show a number that is not finite: {number}")
    return number, per


def _rounded(number: float, decimals: int) -> float:
    """``number`` rounded half away from zero, after clearing binary noise (69.49999999999999 is 69.5, so £70)."""
    exact = Decimal(repr(round(number, 9)))
    return float(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def money(value: Any, decimals: int | None = None, per: str | None = None, *, currency: str = "USD") -> str:
    """An amount in ``currency``: ``money(16.28, 2, 'month') == '$16.28 a month'``.

    A timed amount (``Money(16.28, per='month')``) brings its own period. ``decimals`` defaults to 0 for
    whole amounts and from 1,000 up (``$60``, ``$19,440``), else 2 (``$16.28``); ``per=''`` drops the
    period of a timed amount.
    """
    number, own_per = _number(value, "money")
    if decimals is None:
        decimals = 0 if abs(number) >= 1000 or abs(number - round(number)) < 5e-9 else 2
    period = own_per if per is None else (per or None)
    return _money(_rounded(number, int(decimals)), currency, per=period, decimals=int(decimals))


def money_spoken(value: Any, *, currency: str = "USD") -> str:
    """An amount as a speaker says it: whole units below 1,000 (``$152``), else three significant
    figures with "about" (``about $29,600``)."""
    number, _ = _number(value, "money_spoken")
    if abs(number) < 1000:
        return _money(_rounded(number, 0), currency, decimals=0)
    digits = int(math.floor(math.log10(abs(number)))) - 2
    rounded = round(number, -digits)
    text = _money(rounded, currency, decimals=0)
    return text if rounded == number else f"about {text}"


def _significant(number: float, figures: int) -> float:
    if number == 0:
        return 0.0
    digits = figures - 1 - int(math.floor(math.log10(abs(number))))
    return _rounded(number, digits)


def say_money(value: Any, *, currency: str = "USD") -> str:
    """An amount rounded for speech: whole units below 100 (``$21``), else two significant figures
    (``$152.47`` -> ``about $150``, ``29607`` -> ``about $30,000``); "about" whenever rounding moved it by
    more than half of one per cent; a loss is said as ``minus about $30``."""
    number, _ = _number(value, "say_money")
    rounded = _rounded(number, 0) if abs(number) < 100 else _significant(number, 2)
    text = _money(abs(rounded), currency, decimals=0)
    close = abs(rounded - number) <= 0.005 * max(abs(number), 1e-12)
    text = text if close else f"about {text}"
    return f"minus {text}" if rounded < 0 else text  # "-$30" cannot be read aloud


def say_percent(value: Any) -> str:
    """A share rounded for speech, to at most two significant figures (``0.022`` -> ``2.2%``,
    ``0.02490`` -> ``about 2.5%``, ``0.6472`` -> ``about 65%``); "about" when rounding moved it by more than
    1% of itself."""
    number, _ = _number(value, "say_percent")
    pct = number * 100
    rounded = _significant(pct, 2) if abs(pct) >= 1 else _significant(pct, 1)
    decimals = max(0, min(2, -int(math.floor(math.log10(abs(rounded)))) + 1)) if rounded else 0
    decimals = 0 if abs(rounded) >= 10 else decimals
    text = f"{rounded:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{rounded:.0f}"
    close = abs(rounded - pct) <= 0.01 * max(abs(pct), 1e-12)
    return f"{text}%" if close else f"about {text}%"


def share_decimals(value: float) -> int:
    """Decimals that show a share exactly, up to two: 0.4 -> 0 (40%), 0.022 -> 1 (2.2%), 0.0249... -> 2 (2.49%)."""
    for decimals in (0, 1):
        if abs(round(value * 100, decimals) - value * 100) < 1e-9:
            return decimals
    return 2


def percent(value: Any, decimals: int | None = None, per: str | None = None) -> str:
    """A share as a percentage: ``percent(0.022) == '2.2%'``, ``percent(0.0249, 1) == '2.5%'``.

    ``decimals`` defaults to what shows the share exactly, up to two (:func:`share_decimals`).
    ``per='rate'`` adds the period of a timed quantity (``2.2% a month``); any other ``per`` names the
    period to add (``percent(0.1, 0, 'year') == '10% a year'``).
    """
    number, own_per = _number(value, "percent")
    decimals = share_decimals(number) if decimals is None else int(decimals)
    text = _percent(_rounded(number * 100, decimals) / 100, decimals)
    period = own_per if per == "rate" else per
    return f"{text} a {normalise_period(period)}" if period else text


def period(value: str, form: str = "a") -> str:
    """A period in words: ``a`` -> "a month", ``adjective`` -> "monthly", ``plural`` -> "months",
    ``noun`` -> "month", ``each`` -> "each month"."""
    p = normalise_period(value)
    forms = {"a": f"a {p}", "adjective": ADJECTIVE[p], "plural": f"{p}s", "noun": p, "each": f"each {p}"}
    if form not in forms:
        raise ValueError(f"period form must be one of {', '.join(forms)}; got {form!r}")
    return forms[form]


def periods(count: Any, per: str, never: str = "never") -> str:
    """A count of periods: ``periods(11, 'month') == '11 months'``, ``periods(1, 'year') == '1 year'``;
    ``never`` when the count is None (a cost that is never paid back)."""
    if count is None:
        return never
    number, _ = _number(count, "periods")
    p = normalise_period(per)
    shown = f"{number:g}"
    return f"{shown} {p}" if number == 1 else f"{shown} {p}s"


def plural(noun: str) -> str:
    """English plural of a customer noun: member -> members, company -> companies, business -> businesses."""
    word = str(noun)
    if not word:
        return word
    lower = word.lower()
    if lower.endswith("y") and len(word) > 1 and lower[-2] not in "aeiou":
        return word[:-1] + "ies"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def article(noun: str) -> str:
    """The noun with "a" or "an": ``a member``, ``an account``, ``an hour`` is not guessed (``a hour``)."""
    word = str(noun)
    digits = re.match(r"\d[\d,]*", word)
    if digits:  # said aloud: "an 8% rise", "an 11% rise", "a 20% rise"
        n = digits[0].replace(",", "")
        spoken_vowel = n.startswith("8") or (len(n) % 3 == 2 and n[:2] in ("11", "18"))
        return f"an {word}" if spoken_vowel else f"a {word}"
    return f"an {word}" if word[:1].lower() in "aeio" else f"a {word}"


def upfirst(text: str) -> str:
    """``text`` with its first letter in capitals and the rest untouched (``non-renewal`` -> ``Non-renewal``)."""
    text = str(text)
    return text[:1].upper() + text[1:]


def lowfirst(text: str, keep: Any = "", names: Any = ()) -> str:
    """``text`` with its first letter in lower case, unless its first word is an acronym or a name written
    in capitals (``Business case`` -> ``business case``; ``CLV figures`` and ``ACME's offer`` stay), or a
    word that ``keep`` (a text, or a list of texts) writes with a capital inside a sentence, such as a
    company or brand name (``lowfirst('Gold at checkout', 'Acme Gold')`` stays), or one of ``names``
    (``lowfirst('Acme helps', names=['Acme plc'])`` stays)."""
    text = str(text)
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[1:2].isupper():
        return text
    bare = re.sub(r"['’]s$", "", first.rstrip(".,;:"))
    if bare and any(bare in str(n).split() for n in (names if isinstance(names, (list, tuple)) else [names])):
        return text
    if keep and bare:
        for part in (keep if isinstance(keep, (list, tuple)) else [keep]):
            if re.search(rf"(?<![.!?]\s)(?<!^)\b{re.escape(bare)}\b", str(part)):
                return text
    return text[:1].lower() + text[1:]


def join_and(items: Iterable[Any], last: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = [str(i) for i in items]
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def basis(source: Any) -> str:
    """Where a figure comes from, in words, from its source (``kind`` and ``citations``):
    ``reported (Acme plc, 2024)``, ``derived from reported figures (Acme plc, n.d.)``, ``an assumption``."""
    kind = getattr(source, "kind", None)
    cites = "; ".join(getattr(source, "citations", ()) or ())
    if kind == "reported":
        return f"reported ({cites})" if cites else "reported"
    if kind == "derived":
        return f"derived from reported figures ({cites})" if cites else "derived from other figures of the case"
    if kind == "assumption":
        return "an assumption"
    raise ValueError(f"basis needs a figure's source (reported, derived or assumption); got {source!r}")


_CLAUSE_BREAKS = ("; ", " - ", ", so ", ", which ", ", and ", ": ")


def gist(text: str, words: int = 0) -> str:
    """The first clause of a sentence, for saying aloud what a table cell says in full: the text up to the
    first "; ", " - ", ", so ", ", which ", ", and " or ": " that leaves at least four words, else the whole
    sentence (or its first ``words`` words, when given); without a closing full stop."""
    text = " ".join(str(text).split()).rstrip(".")
    cut = len(text)
    for mark in _CLAUSE_BREAKS:
        at = text.find(mark)
        while at != -1 and len(text[:at].split()) < 4:
            at = text.find(mark, at + 1)
        if at != -1:
            cut = min(cut, at)
    head = text[:cut]
    parts = head.split()
    return " ".join(parts[:words]) if 0 < words < len(parts) else head


def deck_filters(currency: str) -> dict[str, Callable[..., str]]:
    """Every filter, with ``money`` and ``money_spoken`` in ``currency`` (``money(v, currency='USD')``
    still formats another currency, as the briefing's published example needs)."""
    def bound(func):
        def apply(value, *args, currency: str = currency, **kwargs):
            return func(value, *args, currency=currency, **kwargs)
        apply.__name__ = func.__name__
        apply.__doc__ = func.__doc__
        return apply

    return {
        "money": bound(money), "money_spoken": bound(money_spoken), "say_money": bound(say_money),
        "say_percent": say_percent, "percent": percent, "period": period,
        "periods": periods, "plural": plural, "basis": basis, "a": article, "upfirst": upfirst, "lowfirst": lowfirst,
        "join_and": join_and, "gist": gist,
    }


__all__ = ["article", "basis", "deck_filters", "gist", "join_and", "lowfirst", "money", "money_spoken", "percent", "period", "periods",
           "plural", "say_money", "say_percent", "share_decimals", "upfirst"]
