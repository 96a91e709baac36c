"""The shape of a case folder's ``case.yaml``, as pydantic models, and the rules each part keeps.

A case describes two or more companies with *figures*. Every figure says what kind of number
it is, and each kind carries its own evidence:

* ``reported``: published somewhere; ``source`` names an entry of the case's ``sources``;
* ``assumption``: chosen for teaching; ``reason`` says why, in one line;
* ``derived``: computed by the loader from another figure (``derive``), never typed; ``reason``
  says what the derivation assumes (e.g. a constant monthly hazard).

Units are free text with three recognised families, which get range checks:
``share`` (a fraction in [0, 1]), ``rate`` (a discount or growth rate per period, above -1;
``per`` required) and money (a three-letter currency code, optionally scaled:
``USD``, ``USD million``; never negative). Anything else (``million members``, ``days``)
is a count or a measure and is checked only for being a finite number.

Each company has a ``relationship`` (``subscription``, ``repeat_purchase`` or ``contract``,
see :mod:`clvedu.domain.relationships`) that decides which figures its CLV needs.

This module holds the shape of the file and the rules about one part at a time
(:meth:`Figure._check_kind`); rules that need the whole case (source ids exist, ``derive``
references resolve, every company has the figures its relationship needs, the CLV is finite
in every scenario) live in :mod:`clvedu.cases.checks`. Both report every problem they find,
each with its field path, through :class:`FieldProblems`.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from clvedu.domain.relationships import RELATIONSHIP_IDS
from clvedu.units import normalise_period

KINDS = ("reported", "assumption", "derived")
QUALIFIERS = ("about", "more than", "less than", "just below", "at least", "estimate")
MONEY_SCALES = {"": 1.0, "thousand": 1e3, "million": 1e6, "billion": 1e9}

Loc = tuple[Any, ...]


class FieldProblems(ValueError):
    """Several problems found by one validator, each with a path relative to the validated object."""

    def __init__(self, problems: list[tuple[Loc, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems))


# --- small value types ------------------------------------------------------------------------

_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _partial_date(value: Any) -> str:
    """``2024-01-23``, ``2024-01`` or ``2024``, checked for being a real calendar date."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _PARTIAL_DATE.match(value.strip()):
        raise ValueError(f"must be a date written YYYY-MM-DD, YYYY-MM or YYYY; got {value!r}")
    text = value.strip()
    parts = [int(p) for p in text.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError as exc:
        raise ValueError(f"{text} is not a valid date ({exc})") from None
    return text


def _date_or_period(value: Any) -> str:
    """A date (checked if it looks like one) or a period in words: ``Q4 2023``, ``FY2023``."""
    if isinstance(value, (date, int)) and not isinstance(value, bool):
        return _partial_date(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a date (YYYY-MM-DD) or a period such as 'Q4 2023'; got {value!r}")
    if re.match(r"^\d{4}-", value.strip()):
        return _partial_date(value)
    return value.strip()


def _period(value: Any) -> str:
    return normalise_period(value, "per")


MAX_TEXT = 4000
"""Longest text field (a description or a reason); a slide or a page cannot show more."""


def _text(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if len(value) > MAX_TEXT:
            raise ValueError(f"is {len(value):,} characters long; at most {MAX_TEXT:,} fit on a slide or a page")
        if any(not ch.isprintable() and ch not in "\n\t" for ch in value):
            bad = next(ch for ch in value if not ch.isprintable() and ch not in "\n\t")
            raise ValueError(f"contains the control character {bad!r}; remove it")
    return value


def _number(value: Any) -> Any:
    """A real number: YAML's true/false are not numbers (``churn: true`` would silently become 100%)."""
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not {str(value).lower()}; write the value, e.g. 0.022")
    return value


PartialDate = Annotated[str, BeforeValidator(_partial_date)]
Number = Annotated[float, BeforeValidator(_number)]
FiniteNumber = Annotated[float, BeforeValidator(_number), Field(allow_inf_nan=False)]
DateOrPeriod = Annotated[str, BeforeValidator(_date_or_period)]
Period = Annotated[str, BeforeValidator(_period)]
Text = Annotated[str, BeforeValidator(_text)]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
SourceId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


def unit_family(unit: str | None) -> str:
    """``"share"``, ``"rate"``, ``"money"`` or ``"other"`` for a unit text."""
    if unit is None:
        return "other"
    words = unit.split()
    if unit == "share":
        return "share"
    if unit == "rate":
        return "rate"
    if words and re.fullmatch(r"[A-Z]{3}", words[0]) and (len(words) == 1 or (len(words) == 2 and words[1] in MONEY_SCALES)):
        return "money"
    return "other"


def range_problem(unit: str | None, value: float) -> str | None:
    """Why ``value`` is impossible for ``unit``'s family, or None."""
    if not math.isfinite(value):
        return f"must be a finite number; got {value}"
    family = unit_family(unit)
    if family == "share" and not 0.0 <= value <= 1.0:
        return f"a share must be in [0, 1]; got {value:g} (write 2.2% as 0.022)"
    if family == "rate" and value <= -1.0:
        return f"a rate must be above -1; got {value:g}"
    if family == "money" and value < 0.0:
        return f"a money amount must not be negative; got {value:g}"
    return None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)


# --- parts of a case ------------------------------------------------------------------------

class Source(Strict):
    """A document a reported figure comes from."""

    title: Text
    publisher: Text
    date: PartialDate | None = None
    url: Text | None = None
    reported_by: Text | None = None
    note: Text | None = None

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://\S+$", value):
            raise ValueError(f"must be a web address starting http:// or https://; got {value!r}")
        return value


DERIVE_METHODS = (
    "same_as", "convert_retention", "churn_from_retention", "retention_from_churn",
    "convert_churn", "convert_rate", "convert_money", "product", "ratio",
)


class Derivation(Strict):
    """How a derived figure is computed: ``{method: churn_from_retention, from: renewal, to: month}``.

    ``from`` names a figure: ``id`` (same company, or ``shared``), ``shared.id`` or ``company.id``.
    ``to`` is the period of the result for the conversion methods. ``product`` multiplies ``from``
    by the figure named in ``times``; ``ratio`` divides ``from`` by the figure named in ``by``.
    """

    method: Literal[DERIVE_METHODS]  # type: ignore[valid-type]
    from_: Text = Field(alias="from")
    to: Period | None = None
    times: Text | None = None
    by: Text | None = None
    ends_from: list[Text] | None = Field(
        default=None, min_length=1, max_length=2,
        description="figures whose values, put through the same method, give the result's low and high ends "
                    "instead of the source's own range (e.g. a borrowed rate whose ends come from other evidence)")

    @model_validator(mode="after")
    def _operand(self) -> "Derivation":
        if self.ends_from is not None and self.method in ("product", "ratio"):
            raise FieldProblems([(("ends_from",), "only the one-figure methods take ends_from; "
                                                  "product and ratio carry both figures' ranges")])
        wants = {"product": "times", "ratio": "by"}.get(self.method)
        for name in ("times", "by"):
            if getattr(self, name) is not None and name != wants:
                raise FieldProblems([((name,), f"only method {'product' if name == 'times' else 'ratio'} takes {name}")])
        if wants and getattr(self, wants) is None:
            raise FieldProblems([((wants,), f"field required for method {self.method}: the figure to "
                                            f"{'multiply' if wants == 'times' else 'divide'} by")])
        return self

    def references(self) -> list[str]:
        """The figures the value is computed from: ``from``, and ``times`` or ``by``."""
        return [ref for ref in (self.from_, self.times, self.by) if ref is not None]

    def all_references(self) -> list[str]:
        """Every figure this derivation reads: :meth:`references` and then ``ends_from``."""
        return self.references() + list(self.ends_from or [])


class Figure(Strict):
    """One number of the case, with its unit, its period and its evidence."""

    label: Text
    value: Number | None = None
    unit: Text | None = None
    per: Period | None = None
    as_of: DateOrPeriod | None = None
    kind: Literal[KINDS]  # type: ignore[valid-type]
    qualifier: Literal[QUALIFIERS] | None = None  # type: ignore[valid-type]
    source: SourceId | None = None
    reason: Text | None = None
    low: Number | None = None
    high: Number | None = None
    derive: Derivation | None = None
    note: Text | None = None
    group: Text | None = Field(
        default=None,
        description="the customers this figure measures, when the case must say so (e.g. 'new US Prime members'); "
                    "a CLV input without a group describes its company's customer_group")
    borrowed: Text | None = Field(
        default=None,
        description="for a CLV input measured on another group of customers than the company's customer_group: "
                    "whose figure it borrows and why; the figure is then shown as an assumption")

    @model_validator(mode="after")
    def _check_kind(self) -> "Figure":
        problems: list[tuple[Loc, str]] = []
        typed = self.kind != "derived"
        if self.borrowed is not None and self.kind == "reported":
            problems.append((("borrowed",), "a reported figure measures what its source measured; put borrowed on "
                                            "the assumption or derived figure that applies it to other customers"))
        if self.kind == "reported" and not self.source:
            problems.append((("source",), "field required for a reported figure (an id from the case's sources)"))
        if self.kind in ("assumption", "derived") and not self.reason:
            problems.append((("reason",), f"field required for {'an assumption' if self.kind == 'assumption' else 'a derived figure'}: say in one line why"))
        if typed:
            if self.value is None:
                problems.append((("value",), f"field required for a {self.kind} figure"))
            if self.unit is None:
                problems.append((("unit",), "field required: e.g. share, rate, USD, million members"))
            if self.derive is not None:
                problems.append((("derive",), "only a figure of kind 'derived' can have derive"))
        else:
            if self.derive is None:
                problems.append((("derive",), f"field required for a derived figure: {{method: ..., from: <figure id>}}; methods: {', '.join(DERIVE_METHODS)}"))
            if self.value is not None:
                problems.append((("value",), "a derived figure's value is computed from derive; remove it"))
            if self.source is not None:
                problems.append((("source",), "a derived figure takes its sources from the figure it is derived from; remove it"))
            for bound in ("low", "high"):
                if getattr(self, bound) is not None:
                    problems.append(((bound,), f"a derived figure's {bound} is computed from the {bound} of the figure it is derived from; put the range there"))
        if self.kind == "reported" and (self.low is not None or self.high is not None) and not self.reason:
            problems.append((("reason",), "field required when a reported figure has low/high: say where the range comes from"))
        if self.unit_family == "rate" and self.per is None:
            problems.append((("per",), "field required for a rate: the period it applies to (day, week, month, quarter, year)"))
        for name in ("value", "low", "high"):
            number = getattr(self, name)
            if number is not None and (why := range_problem(self.unit, number)):
                problems.append(((name,), why))
        if self.value is not None:
            if self.low is not None and self.low > self.value:
                problems.append((("low",), f"must not exceed value ({self.low:g} > {self.value:g})"))
            if self.high is not None and self.high < self.value:
                problems.append((("high",), f"must not be below value ({self.high:g} < {self.value:g})"))
        if problems:
            raise FieldProblems(problems)
        return self

    @property
    def unit_family(self) -> str:
        return unit_family(self.unit)

    @property
    def is_assumption(self) -> bool:
        """An assumption, or a derived figure that borrows another group's measure (``borrowed``)."""
        return self.kind == "assumption" or self.borrowed is not None

    def bound(self, which: str) -> float:
        """``low``, ``high`` or ``value`` (``base``), falling back to the value when no range is given."""
        if which == "base":
            return self.value  # type: ignore[return-value]
        chosen = getattr(self, which)
        return self.value if chosen is None else chosen  # type: ignore[return-value]


class Plan(Strict):
    """A price the company charged, from a date, in a market."""

    name: Text
    price: Annotated[FiniteNumber, Field(ge=0)]
    per: Period | None = None
    market: Text
    effective_from: PartialDate | None = None
    effective_until: PartialDate | None = None
    ads: bool | None = None
    add_on: bool = Field(default=False, description="an extra bought on top of a plan (nobody joins on it alone)")
    source: SourceId
    note: Text | None = None

    @model_validator(mode="after")
    def _dated(self) -> "Plan":
        if self.effective_from is None and self.effective_until is None:
            raise FieldProblems([(("effective_from",), "field required: when the price started (or give effective_until)")])
        if self.effective_from and self.effective_until and self.effective_until < self.effective_from:
            raise FieldProblems([(("effective_until",), f"must not be before effective_from ({self.effective_until} < {self.effective_from})")])
        return self


class Event(Strict):
    """Something the company did or announced, dated and sourced (a plan withdrawn, a policy change)."""

    date: PartialDate
    what: Text
    source: SourceId


CustomerNoun = Annotated[str, BeforeValidator(_text), Field(pattern=r"^[a-z][a-z -]{0,29}$")]


class SegmentValue(Strict):
    """One number of a segment with its evidence: ``{value: 0.30, kind: assumption, reason: ...}``.

    ``reported`` names a source; ``assumption`` and ``derived`` give a ``reason`` (for ``derived``, how it was
    worked out from reported figures, which ``source`` may name).
    """

    value: FiniteNumber
    per: Period | None = None
    as_of: DateOrPeriod | None = None
    kind: Literal[KINDS]  # type: ignore[valid-type]
    qualifier: Literal[QUALIFIERS] | None = None  # type: ignore[valid-type]
    source: SourceId | None = None
    reason: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _evidence(self) -> "SegmentValue":
        problems: list[tuple[Loc, str]] = []
        if self.kind == "reported" and not self.source:
            problems.append((("source",), "field required for a reported value (an id from the case's sources)"))
        if self.kind != "reported" and not self.reason:
            problems.append((("reason",), f"field required for {'an assumption' if self.kind == 'assumption' else 'a derived value'}: say in one line why"))
        if problems:
            raise FieldProblems(problems)
        return self


class Segment(Strict):
    """A group of customers the company reports (or the case assumes): its share of customers, what one of them
    pays per period (in the case currency) and, optionally, its own churn or renewal per period and its own
    cost of winning one customer (once, in the case currency)."""

    name: Annotated[Text, Field(max_length=80)]
    description: Text | None = None
    customer_share: SegmentValue
    revenue: SegmentValue
    churn: SegmentValue | None = None
    acquisition_cost: SegmentValue | None = None

    @model_validator(mode="after")
    def _ranges(self) -> "Segment":
        problems: list[tuple[Loc, str]] = []
        if not 0.0 < self.customer_share.value <= 1.0:
            problems.append((("customer_share", "value"), f"a share of customers must be in (0, 1]; got {self.customer_share.value:g}"))
        if self.revenue.value <= 0.0:
            problems.append((("revenue", "value"), f"revenue per customer must be above 0; got {self.revenue.value:g}"))
        if self.revenue.per is None:
            problems.append((("revenue", "per"), "field required: the period the revenue is over (month, year, ...)"))
        if self.churn is not None:
            if not 0.0 < self.churn.value < 1.0:
                problems.append((("churn", "value"), f"churn must be in (0, 1); got {self.churn.value:g}"))
            if self.churn.per is None:
                problems.append((("churn", "per"), "field required: the period the churn is over (month, year, ...)"))
        if self.acquisition_cost is not None:
            if self.acquisition_cost.value < 0.0:
                problems.append((("acquisition_cost", "value"), f"a cost of winning a customer must be 0 or more; got {self.acquisition_cost.value:g}"))
            if self.acquisition_cost.per is not None:
                problems.append((("acquisition_cost", "per"), "a cost of winning a customer is paid once: leave per out"))
        if problems:
            raise FieldProblems(problems)
        return self


class Company(Strict):
    """One company of the case: what it sells, its prices, dated events and its figures.

    ``relationship`` says how customers stay (see :mod:`clvedu.domain.relationships`) and so which
    figures its CLV needs; ``customer_noun`` overrides the case's word for this company's customers.
    """

    name: Annotated[Text, Field(max_length=80)]
    relationship: Literal[RELATIONSHIP_IDS] = "subscription"  # type: ignore[valid-type]
    customer_noun: CustomerNoun | None = None
    business_model: Text
    description: Text
    offers: list[Text] = Field(default_factory=list)
    repeat_purchases: bool = Field(
        default=False,
        description="members also buy products from the firm (a retail membership), so the simulator "
                    "writes a purchase log for repeat-purchase models as well as a subscription panel")
    plans: list[Plan] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    customer_group: Text | None = Field(
        default=None,
        description="the one group of customers every CLV input describes, in words shown to readers "
                    "(e.g. 'a paying Prime Video viewer, with the standalone price as a proxy for revenue')")
    segments: list[Segment] = Field(
        default_factory=list,
        description="groups of customers the company reports (small business, mid-market, regions), each with its "
                    "share of customers and revenue per customer; the segmentation analysis uses them when given")
    figures: dict[Identifier, Figure]

    @field_validator("segments")
    @classmethod
    def _segments_add_up(cls, segments: list[Segment]) -> list[Segment]:
        if segments:
            if len(segments) < 2:
                raise ValueError("give at least two segments, or none")
            names = [s.name for s in segments]
            if len(set(names)) != len(names):
                raise ValueError(f"segment names must differ; got {', '.join(names)}")
            total = sum(s.customer_share.value for s in segments)
            if abs(total - 1.0) > 0.02:
                raise ValueError(f"the segments' customer shares add up to {total:.3f}; they must cover every "
                                 "customer (1, within 0.02 for rounding)")
        return segments


class CaseData(Strict):
    """Everything in ``case.yaml``. :class:`clvedu.cases.Case` adds the methods chapters call."""

    title: Text
    question: Text
    customer_noun: CustomerNoun = Field(
        default="customer",
        description="the singular word for one customer in every sentence (member, household, shopper, account)")
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    sources: dict[SourceId, Source]
    shared: dict[Identifier, Figure] = Field(default_factory=dict)
    companies: dict[Identifier, Company] = Field(min_length=1)

    _path: Any = PrivateAttr(default=None)

    @field_validator("companies")
    @classmethod
    def _no_reserved_ids(cls, companies: dict[str, Company]) -> dict[str, Company]:
        if "shared" in companies:
            raise ValueError("'shared' is reserved for case-level figures; choose another company id")
        return companies
