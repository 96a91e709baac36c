"""Customer attributes: the generic ones every case gets, a case's own from ``synthetic.yaml``, and drawing them.

Attributes are drawn from ``z``, the normal score of each customer's propensity to leave (high ``z`` = more
likely to leave), plus noise, so they carry real but imperfect information about value. Every case gets how
the customer was won and, when its plans name markets, the market; a case folder may add its own in
``synthetic.yaml`` (:func:`load_attributes`, :func:`case_attributes`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from clvedu.errors import InvalidInput, UserError
from clvedu.simulate.columns import _RESERVED
from clvedu.simulate.common import _choose

ATTRIBUTES_FILE = "synthetic.yaml"
"""The optional file in a case folder that adds case-specific customer attributes (:func:`case_attributes`)."""

TABLE_KINDS = ("subscription_panel", "purchase_log", "account_panel")


@dataclass(frozen=True)
class Level:
    """One level of a categorical attribute and how likely a customer is to have it.

    A customer's utility for the level is ``base + churn * z + sum of given bonuses``, where ``z`` is their
    leaving propensity in standard deviations and ``given`` adds a bonus when an earlier attribute has a given
    level (``{motivation: {family sharer: 0.5}}``). ``plan`` (subscription panels only) is a preference for
    dearer plans among customers with this level.
    """

    name: str
    base: float = 0.0
    churn: float = 0.0
    plan: float = 0.0
    given: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Attribute:
    """A categorical customer attribute: its column, a label for the column list, its levels."""

    column: str
    label: str
    levels: tuple[Level, ...]
    replaces: str | None = None  # a generic column this one stands in for (only ``market``)


@dataclass(frozen=True)
class Usage:
    """How much a subscriber uses the service: log-normal with ``median``, lower for those likely to leave
    when ``churn`` is negative (the change in log usage per standard deviation of ``z``)."""

    column: str
    label: str
    median: float
    churn: float = -0.35
    spread: float = 0.45
    decimals: int = 1


@dataclass(frozen=True)
class TableAttributes:
    """The case-specific attributes of one kind of table."""

    usage: Usage | None = None
    attributes: tuple[Attribute, ...] = ()


CONSUMER_CHANNELS = Attribute("acquisition_channel", "how the {noun} was won (assumed channels)", (
    Level("direct", 0.4, -0.2), Level("advertising", 0.3, 0.2), Level("referral", 0.0, -0.5),
    Level("promotional offer", -0.1, 0.6)))
"""How a consumer was won; promotions bring more who leave soon, referrals more who stay (assumptions)."""

BUSINESS_CHANNELS = Attribute("acquisition_channel", "how the {noun} was won (assumed channels)", (
    Level("direct sales", 0.5, -0.2), Level("partner", 0.1, 0.1), Level("referral", 0.0, -0.4),
    Level("inbound enquiry", 0.2, 0.3)))
"""How a business customer (a contract account) was won (assumptions)."""


def _market_attribute(markets: Sequence[str]) -> Attribute | None:
    markets = list(dict.fromkeys(m for m in markets if m))
    if not markets:
        return None
    return Attribute("market", "market whose prices the {noun} pays (from the case's plans)",
                     tuple(Level(m) for m in markets))


def _draw_attributes(rng: np.random.Generator, z: np.ndarray, attributes: Sequence[Attribute]) -> dict[str, np.ndarray]:
    drawn: dict[str, np.ndarray] = {}
    for attr in attributes:
        utilities = np.empty((len(z), len(attr.levels)))
        for j, level in enumerate(attr.levels):
            u = level.base + level.churn * z
            for column, bonuses in level.given.items():
                for value, bonus in bonuses.items():
                    u = u + bonus * (drawn[column] == value)
            utilities[:, j] = u
        drawn[attr.column] = _choose(rng, [lv.name for lv in attr.levels], utilities).astype(str)
    return drawn


_ATTR_KEYS = {"column", "label", "levels", "replaces"}
_LEVEL_KEYS = {"base", "churn", "plan", "given"}
_USAGE_KEYS = {"column", "label", "median", "churn", "spread", "decimals"}
_COLUMN = re.compile(r"^[a-z][a-z0-9_]*$")


def _number(value, where: str, *, low: float | None = None, low_inclusive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidInput(f"{where}: must be a number; got {value!r}")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        raise InvalidInput(f"{where}: must be {'at least' if low_inclusive else 'above'} {low:g}; got {value!r}")
    return float(value)


def _text(value, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: must be a non-empty text; got {value!r}")
    return value.strip()


def _mapping(value, where: str, allowed: set[str] | None = None) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: must be a mapping; got {type(value).__name__}")
    if allowed is not None:
        unknown = sorted(set(map(str, value)) - allowed)
        if unknown:
            raise InvalidInput(f"{where}.{unknown[0]}: unknown field; allowed: {', '.join(sorted(allowed))}")
    return value


def _column_name(value, where: str, reserved: set[str], seen: set[str]) -> str:
    name = _text(value, where)
    if not _COLUMN.match(name):
        raise InvalidInput(f"{where}: a column name is lower case letters, digits and _, starting with a letter; got {name!r}")
    if name in reserved or name in seen:
        raise InvalidInput(f"{where}: column {name!r} is already in the table; choose another name")
    seen.add(name)
    return name


def _parse_table(data, where: str, kind: str) -> TableAttributes:
    allowed = {"usage", "attributes"} if kind == "subscription_panel" else {"attributes"}
    data = _mapping(data, where, allowed)
    reserved = set(_RESERVED[kind])
    seen: set[str] = set()
    usage = None
    if "usage" in data:
        u = _mapping(data["usage"], f"{where}.usage", _USAGE_KEYS)
        for key in ("column", "label", "median"):
            if key not in u:
                raise InvalidInput(f"{where}.usage.{key}: field required")
        decimals = u.get("decimals", 1)
        if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
            raise InvalidInput(f"{where}.usage.decimals: must be a whole number from 0 to 6; got {decimals!r}")
        usage = Usage(
            column=_column_name(u["column"], f"{where}.usage.column", reserved, seen),
            label=_text(u["label"], f"{where}.usage.label"),
            median=_number(u["median"], f"{where}.usage.median", low=0.0, low_inclusive=False),
            churn=_number(u.get("churn", -0.35), f"{where}.usage.churn"),
            spread=_number(u.get("spread", 0.45), f"{where}.usage.spread", low=0.0),
            decimals=decimals,
        )
    attributes = []
    items = data.get("attributes", [])
    if not isinstance(items, list):
        raise InvalidInput(f"{where}.attributes: must be a list of attributes; got {type(items).__name__}")
    for i, item in enumerate(items):
        at = f"{where}.attributes[{i}]"
        item = _mapping(item, at, _ATTR_KEYS)
        for key in ("column", "levels"):
            if key not in item:
                raise InvalidInput(f"{at}.{key}: field required")
        replaces = item.get("replaces")
        if replaces is not None and replaces != "market":
            raise InvalidInput(f"{at}.replaces: only 'market' can be replaced; got {replaces!r}")
        column = _column_name(item["column"], f"{at}.column", reserved - ({"market"} if replaces else set()), seen)
        levels_in = _mapping(item["levels"], f"{at}.levels")
        if len(levels_in) < 2:
            raise InvalidInput(f"{at}.levels: give at least two levels")
        levels = []
        for name, spec in levels_in.items():
            lw = f"{at}.levels.{name}"
            spec = {} if spec is None else _mapping(spec, lw, _LEVEL_KEYS)
            given: dict[str, dict[str, float]] = {}
            for col, bonuses in _mapping(spec.get("given", {}), f"{lw}.given").items():
                earlier = {a.column: a for a in attributes}
                if col not in earlier:
                    raise InvalidInput(f"{lw}.given.{col}: must name an attribute listed earlier; "
                                    f"earlier: {', '.join(earlier) or 'none'}")
                names = {lv.name for lv in earlier[col].levels}
                given[col] = {}
                for value, bonus in _mapping(bonuses, f"{lw}.given.{col}").items():
                    if str(value) not in names:
                        raise InvalidInput(f"{lw}.given.{col}.{value}: not a level of {col}; levels: {', '.join(names)}")
                    given[col][str(value)] = _number(bonus, f"{lw}.given.{col}.{value}")
            if "plan" in spec and kind != "subscription_panel":
                raise InvalidInput(f"{lw}.plan: plan preferences apply to subscription panels only")
            levels.append(Level(_text(str(name), lw), _number(spec.get("base", 0.0), f"{lw}.base"),
                                _number(spec.get("churn", 0.0), f"{lw}.churn"),
                                _number(spec.get("plan", 0.0), f"{lw}.plan"), given))
        label = _text(item.get("label", column.replace("_", " ")), f"{at}.label")
        attributes.append(Attribute(column, label, tuple(levels), replaces))
    return TableAttributes(usage, tuple(attributes))


def load_attributes(path: str | Path) -> dict[str, TableAttributes]:
    """Read a ``synthetic.yaml``: ``{subscription_panel|purchase_log|account_panel: {usage?, attributes}}``.

    ``usage`` (subscription panels) replaces the generic ``active_days_<period>`` column; each entry of
    ``attributes`` adds a categorical column ``{column, label, levels: {name: {base, churn, plan, given}},
    replaces: market}``. A file that cannot be read raises :class:`~clvedu.errors.UserError`; a field that
    breaks a rule :class:`~clvedu.errors.InvalidInput`; both name the file and the field.
    """
    from clvedu.io import load_yaml, read_at_most

    file = Path(path)
    try:
        raw = read_at_most(file, 1_000_000)
        if raw is None:
            raise UserError(f"{file}: larger than 1 MB; a synthetic.yaml lists a few attributes")
        data = load_yaml(raw.decode("utf-8"), str(file))
    except OSError as exc:
        raise UserError(f"{file}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except UserError:
        raise
    except Exception as exc:  # a YAML syntax error
        mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
        if mark is not None and problem:
            raise UserError(f"{file}: line {mark.line + 1}: not valid YAML ({problem})") from None
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{file}: not valid YAML ({first})") from None
    if data is None:
        return {}
    try:
        data = _mapping(data, "top level", set(TABLE_KINDS))
        return {kind: _parse_table(value, kind, kind) for kind, value in data.items()}
    except UserError as exc:
        raise type(exc)(f"{file}: {exc}") from None


def case_attributes(case) -> dict[str, TableAttributes]:
    """The case's own attributes from ``synthetic.yaml`` in its folder; ``{}`` when it has none."""
    folder = getattr(case, "path", None)
    if folder is None:
        return {}
    folder = Path(folder)
    file = (folder.parent if folder.is_file() else folder) / ATTRIBUTES_FILE
    return load_attributes(file) if file.is_file() else {}
