"""Numbers as people read them: money with its currency and period, shares as percentages.

Used by the book and the decks alike, so a figure reads the same on a slide and on a page.
"""

from __future__ import annotations

import math

from clvedu.units import ADJECTIVE, Timed, normalise_period

CURRENCY_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "JPY": "¥", "INR": "₹"}


def money(value: float, currency: str = "USD", *, per: str | None = None, decimals: int = 2) -> str:
    """``money(16.28, per="month") == "$16.28 a month"``; negative values keep their sign: ``-$12.50``."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"cannot format a money amount that is not finite: {value}")
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    body = f"{abs(value):,.{decimals}f}"
    text = f"{symbol}{body}" if symbol else f"{body} {currency.upper()}"
    if value < 0:
        text = "-" + text
    if per:
        text += f" a {normalise_period(per)}"
    return text


def percent(share: float, decimals: int = 1) -> str:
    """``percent(0.022) == "2.2%"``."""
    share = float(share)
    if not math.isfinite(share):
        raise ValueError(f"cannot format a share that is not finite: {share}")
    return f"{100 * share:.{decimals}f}%"


def timed(quantity: Timed, decimals: int = 1) -> str:
    """A rate with its period in words: ``"2.2% monthly churn"``, ``"10.0% annual discount rate"``."""
    return f"{percent(quantity.value, decimals)} {ADJECTIVE[quantity.per]} {quantity.kind}"


def plural(noun: str) -> str:
    """English plural of a customer noun: member -> members, business -> businesses, company -> companies."""
    word = str(noun)
    lower = word.lower()
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if len(word) > 1 and lower.endswith("y") and lower[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"
