"""Derived figures: values the loader computes from other figures with :mod:`clvedu.units`.

A derived figure names a method and the figure it starts from::

    churn:
      label: Monthly churn implied by the annual renewal rate
      kind: derived
      derive: {method: churn_from_retention, from: renewal_after_first_year, to: month}
      reason: assumes the annual renewal rate holds as a constant monthly hazard

Methods (``x`` is the source figure's value over period ``p``; ``t`` is ``to``, default ``p``):

=======================  ==============================  =======================================
method                   result                          source figure
=======================  ==============================  =======================================
``same_as``              x                               any (a reported figure used as an input)
``convert_retention``    x ** (n_p / n_t)                share per period (a retention rate)
``churn_from_retention`` 1 - x ** (n_p / n_t)            share per period (a retention rate)
``retention_from_churn`` (1 - x) ** (n_p / n_t)          share per period (a churn rate)
``convert_churn``        1 - (1 - x) ** (n_p / n_t)      share per period (a churn rate)
``convert_rate``         (1 + x) ** (n_p / n_t) - 1      rate per period (discount, growth)
``convert_money``        x * n_p / n_t                   money per period
``product``              x * y (``times``: figure y)     any; the result's ``unit`` must be typed
``ratio``                x / y (``by``: figure y)        any; the result's ``unit`` must be typed
=======================  ==============================  =======================================

For ``product`` and ``ratio`` the derived figure states its own ``unit`` (and ``per``, if the result
is per period): the kit cannot know that USD million divided by million clients is USD a client.
At most one of the two figures may have a period, and it passes to the result.

``n_p`` is the number of periods ``p`` in a year (:data:`clvedu.units.PERIODS_PER_YEAR`). The
retention conversions assume a constant hazard within the longer period. A source figure's
``low`` and ``high`` are carried through the same method (and swapped when the method reverses
the order, as churn from retention does). ``ends_from`` replaces that range: each named figure's value
goes through the same method, and the lowest and highest results (with the value) are the new ends. A
borrowed rate uses it when the evidence for its range is not the source figure's own range (Prime's renewal
rate standing in for a video service's churn, with the churn of standalone streaming services as one end).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from clvedu import units
from clvedu.cases.schema import Figure, Loc, range_problem, unit_family

if TYPE_CHECKING:
    from clvedu.cases.schema import CaseData

_COMBINE = {"product": lambda x, y: x * y, "ratio": lambda x, y: x / y}

# method -> (unit family the source must have, whether `to` is required, function(x, p, t))
_METHODS: dict[str, tuple[str | None, bool, Callable[[float, str | None, str | None], float]]] = {
    "same_as": (None, False, lambda x, p, t: x),
    "convert_retention": ("share", True, lambda x, p, t: float(units.convert_retention(x, p, t))),
    "churn_from_retention": ("share", False, lambda x, p, t: float(units.churn_from_retention(units.convert_retention(x, p, t)))),
    "retention_from_churn": ("share", False, lambda x, p, t: float(units.convert_retention(units.retention_from_churn(x), p, t))),
    "convert_churn": ("share", True, lambda x, p, t: float(units.churn_from_retention(units.convert_retention(units.retention_from_churn(x), p, t)))),
    "convert_rate": ("rate", True, lambda x, p, t: float(units.convert_rate(x, p, t))),
    "convert_money": ("money", True, lambda x, p, t: x * units.PERIODS_PER_YEAR[p] / units.PERIODS_PER_YEAR[t]),
}


def resolve(case: "CaseData", owner: str, ref: str) -> tuple[str, str] | None:
    """The (owner, figure id) a ``from`` reference names, or None.

    ``owner`` is ``"shared"`` or a company id. ``id`` looks in the owner's figures, then the shared
    ones; ``shared.id`` and ``company.id`` name the owner explicitly.
    """
    if "." in ref:
        head, _, fid = ref.partition(".")
        return (head, fid) if fid in _figures_of(case, head) else None
    if ref in _figures_of(case, owner):
        return owner, ref
    if ref in case.shared:
        return "shared", ref
    return None


def _figures_of(case: "CaseData", owner: str) -> dict[str, Figure]:
    if owner == "shared":
        return case.shared
    company = case.companies.get(owner)
    return company.figures if company is not None else {}


def _loc(owner: str, fid: str) -> Loc:
    return ("shared", fid) if owner == "shared" else ("companies", owner, "figures", fid)


def compute_derived(case: "CaseData") -> list[tuple[Loc, str]]:
    """Fill in value, unit, per, low and high of every derived figure; return the problems found."""
    problems: list[tuple[Loc, str]] = []
    done: set[tuple[str, str]] = set()
    failed: set[tuple[str, str]] = set()

    def compute(owner: str, fid: str, chain: tuple[tuple[str, str], ...]) -> bool:
        key = (owner, fid)
        if key in done:
            return True
        if key in failed:
            return False
        fig = _figures_of(case, owner)[fid]
        if fig.kind != "derived" or fig.derive is None:
            done.add(key)
            return fig.value is not None
        loc = _loc(owner, fid) + ("derive",)
        if key in chain:
            cycle = " -> ".join(f"{o}.{f}" for o, f in chain[chain.index(key):] + (key,))
            problems.append((loc + ("from",), f"derivations form a loop: {cycle}"))
            failed.add(key)
            return False
        spec = fig.derive

        def operand(field: tuple, ref: str) -> Figure | None:
            """The figure ``ref`` names, computed first; None (with the problem noted) when it cannot be."""
            target = resolve(case, owner, ref)
            if target is None:
                problems.append((loc + field, f"unknown figure {ref!r}; use an id of this company's figures, "
                                              "shared.<id> or <company>.<id>"))
            elif compute(*target, chain + (key,)):
                return _figures_of(case, target[0])[target[1]]
            failed.add(key)
            return None

        operands = []
        for field_name, ref in zip(("from", "times" if spec.method == "product" else "by"), spec.references()):
            found = operand((field_name,), ref)
            if found is None:
                return False
            operands.append(found)
        ends: list[Figure] = []
        for i, ref in enumerate(spec.ends_from or []):
            found = operand(("ends_from", i), ref)
            if found is None:
                return False
            ends.append(found)
        why = _apply(fig, spec.method, spec.to, *operands, ends=ends)
        if why:
            problems.append((loc, why))
            failed.add(key)
            return False
        for name in ("value", "low", "high"):
            number = getattr(fig, name)
            if number is not None and (bad := range_problem(fig.unit, number)):
                problems.append((_loc(owner, fid) + (name,), f"computed {name} {bad}"))
        done.add(key)
        return True

    owners = ["shared", *case.companies]
    for owner in owners:
        for fid, fig in _figures_of(case, owner).items():
            if fig.kind == "derived":
                compute(owner, fid, ())
    return problems


def _apply(fig: Figure, method: str, to: str | None, source: Figure, other: Figure | None = None,
           ends: list[Figure] | None = None):
    """Set the derived figure's numbers from ``source`` (and ``other``; ``ends`` replace the source's range);
    return a problem text or None."""
    if method in _COMBINE:
        return _combine(fig, method, source, other)  # type: ignore[arg-type]
    family, needs_to, function = _METHODS[method]
    if family is not None and unit_family(source.unit) != family:
        return f"method {method} needs a figure with unit {'the case currency' if family == 'money' else family!r}; " \
               f"{source.label!r} has unit {source.unit!r}"
    if family is not None and source.per is None:
        return f"method {method} needs a figure with a period (per); {source.label!r} has none"
    if needs_to and to is None:
        return f"method {method} needs 'to': the period of the result (day, week, month, quarter, year)"
    result_per = (to or source.per) if family is not None else source.per
    result_unit = source.unit
    for name, typed, computed in (("unit", fig.unit, result_unit), ("per", fig.per, result_per)):
        if typed is not None and typed != computed:
            return f"{name} {typed!r} disagrees with the derivation, which gives {computed!r}; correct or remove {name}"
    for end in ends or []:
        if family is not None and (unit_family(end.unit) != family or end.per is None):
            return (f"ends_from figure {end.label!r} must be like the source figure (unit family {family!r}, with a "
                    f"period) so that method {method} applies to it; it has unit {end.unit!r}, per {end.per!r}")
    try:
        value = function(source.value, source.per, result_per)
        if ends:
            at_ends = [function(e.value, e.per, result_per) for e in ends]
        else:
            at_ends = [function(b, source.per, result_per) for b in (source.low, source.high) if b is not None]
        low_high = {}
        if at_ends:
            candidates = at_ends + [value]
            low_high = {"low": min(candidates), "high": max(candidates)}
    except ValueError as exc:
        return f"cannot apply {method} to {source.label!r}: {exc}"
    fig.value = value
    fig.unit = result_unit
    fig.per = result_per
    fig.low = low_high.get("low")
    fig.high = low_high.get("high")
    return None


def _combine(fig: Figure, method: str, x: Figure, y: Figure) -> str | None:
    """``product`` or ``ratio`` of two figures; their ranges carried through every combination of ends."""
    if fig.unit is None:
        return f"method {method} needs the derived figure's own unit (e.g. unit: USD); the kit cannot infer it"
    periods = {f.per for f in (x, y) if f.per is not None}
    if len(periods) > 1:
        return (f"method {method} cannot combine figures over different periods ({' and '.join(sorted(periods))}); "
                "convert one first with a derived figure")
    per = periods.pop() if periods else None
    if method == "ratio" and per is not None and y.per is not None:
        per = None  # a per-period amount over a per-period count is timeless
    if fig.per is not None and fig.per != per:
        return f"per {fig.per!r} disagrees with the derivation, which gives {per!r}; correct or remove per"
    function = _COMBINE[method]
    if method == "ratio" and 0.0 in (y.value, y.low, y.high):
        return f"cannot divide by {y.label!r}: it is zero at its value or an end of its range"
    value = function(x.value, y.value)
    fig.value, fig.per = value, per
    if any(b is not None for b in (x.low, x.high, y.low, y.high)):
        ends = [function(a, b) for a in (x.bound("low"), x.bound("high")) for b in (y.bound("low"), y.bound("high"))]
        fig.low, fig.high = min(ends + [value]), max(ends + [value])
    else:
        fig.low = fig.high = None
    return None
