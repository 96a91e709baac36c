"""The second file of a case folder, ``journey.yaml``: how customers decide, and what each firm does about it.

``case.yaml`` holds the companies' figures; ``journey.yaml`` (beside it) holds the case-specific
material of the decision-making and technique chapters:

* ``b2c_stages``: the five stages of the consumer decision process, each with what the customer
  does, the techniques each company uses, the metric that shows them working and the CLV driver
  they move;
* ``involvement`` and ``perceived_risks``: how involved customers are and how each company lowers
  the risk of trying it;
* ``attributes`` and ``choice``: an attribute table of the services and the weights, cut-offs and
  order of importance used by the choice rules (:func:`clvedu.decisions.choice_rules`);
* ``funnel``: people reached, conversion at each step and the cost of reaching them;
* ``switching``: a brand-switching matrix over the companies and ``none`` with its period;
* ``b2b``: a business-to-business side of the case (buy classes, buying-centre roles, an account);
* ``technique_scenarios``: per company, what each technique is assumed to change and what it costs.

Every number is a :class:`Number` with a ``kind``: ``reported`` numbers name a source from
``case.yaml``'s ``sources``; ``assumption`` numbers give a one-line ``reason``. Load the file with
:func:`load_journey`, which checks it against the case and raises :class:`JourneyError` with one
``<file>: <field.path>: <problem>`` line per problem.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from clvedu.cases.loader import _line_of, _parse_yaml, load_case, read_case_text
from clvedu.cases.schema import FieldProblems, Identifier, Number as Real, Period, SourceId, Text, range_problem
from clvedu.domain.stages import B2C_STAGES, BUY_CLASSES, BUYING_ROLES, CLV_DRIVERS, FUNNEL_STEPS, RISK_TYPES
from clvedu.domain.techniques import TECHNIQUES, parameters_of
from clvedu.errors import UserError

__all__ = ["B2C_STAGES", "BUY_CLASSES", "BUYING_ROLES", "CLV_DRIVERS", "FUNNEL_STEPS", "RISK_TYPES", "TECHNIQUES",
           "Journey", "JourneyError", "load_journey", "journey_file"]

JOURNEY_FILE = "journey.yaml"

TECHNIQUE_IDS = tuple(TECHNIQUES)


class JourneyError(UserError):
    """A ``journey.yaml`` that cannot be used. ``problems`` holds one ``<file>: <field.path>: <problem>`` per line."""

    def __init__(self, problems: list[str], *, unreadable: bool = False):
        self.problems = list(problems)
        self.exit_code = 2 if unreadable else 1
        super().__init__("\n".join(self.problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Number(_Strict):
    """One number with its evidence: ``{value: 0.69, unit: share, kind: reported, source: cirp-2021}``."""

    value: Real
    unit: Text
    per: Period | None = None
    kind: Literal["reported", "assumption"]
    source: SourceId | None = None
    reason: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _evidence(self) -> "Number":
        problems = []
        if self.kind == "reported" and not self.source:
            problems.append((("source",), "field required for a reported number (an id from case.yaml's sources)"))
        if self.kind == "assumption" and not self.reason:
            problems.append((("reason",), "field required for an assumption: say in one line why"))
        if why := range_problem(self.unit, self.value):
            problems.append((("value",), why))
        if problems:
            raise FieldProblems(problems)
        return self


class Technique(_Strict):
    """A technique a company uses at a stage; ``source`` (case source id) or ``reason`` says how we know."""

    name: Text
    how: Text
    source: SourceId | None = None
    reason: Text | None = None

    @model_validator(mode="after")
    def _evidence(self) -> "Technique":
        if not self.source and not self.reason:
            raise FieldProblems([(("source",), "give a source id from case.yaml, or a reason saying how this is known")])
        return self


class Stage(_Strict):
    stage: Literal[tuple(B2C_STAGES)]  # type: ignore[valid-type]
    customer_does: Text
    metric: Text
    clv_driver: Literal[tuple(CLV_DRIVERS)]  # type: ignore[valid-type]
    techniques: dict[Identifier, list[Technique]]


class Involvement(_Strict):
    level: Literal["high", "low"]
    reason: Text


class PerceivedRisk(_Strict):
    risk: Literal[RISK_TYPES]  # type: ignore[valid-type]
    what: Text
    reducers: dict[Identifier, Text]


class Attribute(_Strict):
    """One attribute of the services, with a value per company."""

    label: Text
    unit: Text
    per: Period | None = None
    higher_is_better: bool = True
    kind: Literal["reported", "assumption"]
    source: SourceId | None = None
    reason: Text | None = None
    values: dict[Identifier, Real]

    @model_validator(mode="after")
    def _evidence(self) -> "Attribute":
        problems = []
        if self.kind == "reported" and not self.source:
            problems.append((("source",), "field required for reported values"))
        if self.kind == "assumption" and not self.reason:
            problems.append((("reason",), "field required for assumed values: say in one line why"))
        for cid, v in self.values.items():
            if not math.isfinite(v):
                problems.append((("values", cid), f"must be a finite number; got {v}"))
        if problems:
            raise FieldProblems(problems)
        return self


class Choice(_Strict):
    """Weights (summing to 1), cut-offs and order of importance for the choice rules; all teaching assumptions."""

    reason: Text
    weights: dict[Identifier, float]
    cutoffs: dict[Identifier, float]
    order: list[Identifier] = Field(min_length=1)


class Funnel(_Strict):
    reached: Number
    cost_per_reached: Number
    steps: dict[Literal[FUNNEL_STEPS], Number]  # type: ignore[valid-type]
    trial_cost: Number | None = None
    retained_after_months: int = Field(12, ge=1)


class Switching(_Strict):
    period: Period
    kind: Literal["reported", "assumption"]
    source: SourceId | None = None
    reason: Text | None = None
    matrix: dict[Identifier, dict[Identifier, float]]


class Situation(_Strict):
    buy_class: Literal[tuple(BUY_CLASSES)]  # type: ignore[valid-type]
    what: Text
    techniques: Text


class Role(_Strict):
    role: Literal[BUYING_ROLES]  # type: ignore[valid-type]
    who: Text
    cares_about: Text
    technique: Text


class Account(_Strict):
    """Economics of one B2B account (a partner that buys the service for its own customers)."""

    subscribers: Number
    fee_per_subscriber: Number
    margin_rate: Number
    renewal: Number
    account_cost: Number


class B2B(_Strict):
    seller: Identifier
    scenario: Text
    buyer: Text
    situations: list[Situation] = Field(min_length=1)
    buying_centre: list[Role] = Field(min_length=1)
    account: Account | None = None


class Scenario(_Strict):
    technique: Literal[TECHNIQUE_IDS]  # type: ignore[valid-type]
    description: Text
    data_added: Text | None = None
    parameters: dict[str, Number]


class JourneyData(_Strict):
    """Everything in ``journey.yaml``; checked against the case passed as validation context."""

    b2c_stages: list[Stage] = Field(min_length=1)
    involvement: Involvement
    perceived_risks: list[PerceivedRisk] = Field(default_factory=list)
    attributes: dict[Identifier, Attribute] = Field(min_length=1)
    choice: Choice
    funnel: dict[Identifier, Funnel]
    switching: Switching
    b2b: B2B | None = None
    technique_scenarios: dict[Identifier, list[Scenario]]

    @model_validator(mode="after")
    def _check_against_case(self, info: ValidationInfo) -> "JourneyData":
        case = (info.context or {}).get("case")
        problems: list[tuple[tuple, str]] = []
        companies = list(case.companies) if case is not None else None
        sources = set(case.sources) if case is not None else None

        def company(loc, cid):
            if companies is not None and cid not in companies:
                problems.append((loc, f"unknown company {cid!r}; the case's companies are: {', '.join(companies)}"))

        def source(loc, sid):
            if sid is not None and sources is not None and sid not in sources:
                problems.append((loc + ("source",), f"unknown source id {sid!r}; add it to case.yaml's sources or fix the id"))

        def numbers(loc, obj):
            if isinstance(obj, Number):
                source(loc, obj.source)
            elif isinstance(obj, BaseModel):
                for name in type(obj).model_fields:
                    numbers(loc + (name,), getattr(obj, name))
            elif isinstance(obj, dict):
                for k, v in obj.items():
                    numbers(loc + (k,), v)
            elif isinstance(obj, list):
                for i, v in enumerate(obj):
                    numbers(loc + (i,), v)

        numbers((), self)
        seen = [s.stage for s in self.b2c_stages]
        if seen != [s for s in B2C_STAGES if s in seen] or len(set(seen)) != len(seen):
            problems.append((("b2c_stages",), f"stages must appear once each, in the order {', '.join(B2C_STAGES)}"))
        for i, st in enumerate(self.b2c_stages):
            for cid, techniques in st.techniques.items():
                company(("b2c_stages", i, "techniques", cid), cid)
                for j, t in enumerate(techniques):
                    source(("b2c_stages", i, "techniques", cid, j), t.source)
        for i, risk in enumerate(self.perceived_risks):
            for cid in risk.reducers:
                company(("perceived_risks", i, "reducers", cid), cid)
        for aid, attr in self.attributes.items():
            source(("attributes", aid), attr.source)
            for cid in attr.values:
                company(("attributes", aid, "values", cid), cid)
            if companies is not None:
                for cid in companies:
                    if cid not in attr.values:
                        problems.append((("attributes", aid, "values"), f"no value for company {cid!r}"))
        self._check_choice(problems)
        for cid, funnel in self.funnel.items():
            company(("funnel", cid), cid)
            missing = [s for s in FUNNEL_STEPS if s not in funnel.steps]
            if missing:
                problems.append((("funnel", cid, "steps"), f"missing steps: {', '.join(missing)}"))
            for step, n in funnel.steps.items():
                if n.unit != "share":
                    problems.append((("funnel", cid, "steps", step, "unit"), "a conversion rate must have unit 'share'"))
        self._check_switching(problems, companies)
        source(("switching",), self.switching.source)
        if self.b2b is not None:
            company(("b2b", "seller"), self.b2b.seller)
        for cid, scenarios in self.technique_scenarios.items():
            company(("technique_scenarios", cid), cid)
            for i, sc in enumerate(scenarios):
                problems += _scenario_problems(("technique_scenarios", cid, i), sc)
        if problems:
            raise FieldProblems(problems)
        return self

    def _check_choice(self, problems) -> None:
        ch = self.choice
        for part in ("weights", "cutoffs"):
            for aid in getattr(ch, part):
                if aid not in self.attributes:
                    problems.append((("choice", part, aid), f"unknown attribute; the attributes are: {', '.join(self.attributes)}"))
        for i, aid in enumerate(ch.order):
            if aid not in self.attributes:
                problems.append((("choice", "order", i), f"unknown attribute {aid!r}; the attributes are: {', '.join(self.attributes)}"))
        total = sum(ch.weights.values())
        if abs(total - 1.0) > 1e-9:
            problems.append((("choice", "weights"), f"weights must sum to 1; they sum to {total:g}"))
        if any(w < 0 for w in ch.weights.values()):
            problems.append((("choice", "weights"), "weights must not be negative"))
        used = set(ch.weights) | set(ch.cutoffs) | set(ch.order)
        units = {self.attributes[a].unit for a in used if a in self.attributes}
        if len(units) > 1:
            problems.append((("choice",), f"the choice rules compare attributes on one scale; these have units {sorted(units)}"))
        for a in used:
            if a in self.attributes and not self.attributes[a].higher_is_better:
                problems.append((("choice",), f"attribute {a!r} is lower-is-better; the choice rules need ratings where higher is better"))

    def _check_switching(self, problems, companies) -> None:
        sw = self.switching
        if sw.kind == "reported" and not sw.source:
            problems.append((("switching", "source"), "field required for a reported matrix"))
        if sw.kind == "assumption" and not sw.reason:
            problems.append((("switching", "reason"), "field required for an assumed matrix: say in one line why"))
        states = list(sw.matrix)
        expected = (companies + ["none"]) if companies is not None else states
        if sorted(states) != sorted(expected):
            problems.append((("switching", "matrix"), f"rows must be exactly the companies and 'none': {', '.join(expected)}; got {', '.join(states)}"))
        for row, cells in sw.matrix.items():
            if sorted(cells) != sorted(states):
                problems.append((("switching", "matrix", row), f"columns must be the same states as the rows: {', '.join(states)}"))
            bad = [k for k, v in cells.items() if not (0.0 <= v <= 1.0)]
            if bad:
                problems.append((("switching", "matrix", row, bad[0]), f"a transition probability must be in [0, 1]; got {cells[bad[0]]:g}"))
            total = sum(cells.values())
            if abs(total - 1.0) > 1e-9:
                problems.append((("switching", "matrix", row), f"a row of a transition matrix must sum to 1; it sums to {total:.6g}"))


def _scenario_problems(loc: tuple, sc: Scenario) -> list[tuple[tuple, str]]:
    needs = TECHNIQUES[sc.technique].parameters
    problems = []
    allowed = parameters_of(sc.technique)
    for name in needs:
        if name not in sc.parameters:
            problems.append((loc + ("parameters",), f"{sc.technique} needs parameter {name!r}; it takes {', '.join(allowed)}"))
    for name, n in sc.parameters.items():
        if name not in allowed:
            problems.append((loc + ("parameters", name), f"unknown parameter for {sc.technique}; allowed: {', '.join(allowed)}"))
            continue
        family = allowed[name]
        if family in ("money", "money_per_period") and (len(n.unit) != 3 or not n.unit.isupper()):
            problems.append((loc + ("parameters", name, "unit"), f"{name} is money: give a currency code such as USD"))
        if family == "money_per_period" and n.per is None:
            problems.append((loc + ("parameters", name, "per"), f"{name} is paid each period: give per (month, year, ...)"))
        if family == "money" and n.per is not None:
            problems.append((loc + ("parameters", name, "per"), f"{name} is paid once per member: remove per"))
        if family == "share" and n.unit != "share":
            problems.append((loc + ("parameters", name, "unit"), f"{name} is a share: unit must be 'share'"))
        if family == "relative" and (n.unit != "relative" or n.value <= -1):
            problems.append((loc + ("parameters", name), f"{name} is a relative change: unit 'relative', value above -1"))
    if TECHNIQUES[sc.technique].needs_data_added and not sc.data_added:
        problems.append((loc + ("data_added",), f"{sc.technique} must say what data it adds"))
    return problems


class Journey(JourneyData):
    """A validated ``journey.yaml`` with the names of the case's companies."""

    company_names: dict[str, str] = Field(default_factory=dict, exclude=True)
    currency: str = Field("USD", exclude=True)
    path: Any = Field(None, exclude=True)


def journey_file(case_dir: str | os.PathLike) -> Path:
    given = Path(case_dir)
    return given if given.suffix in (".yaml", ".yml") else given / JOURNEY_FILE


def load_journey(case_dir: str | os.PathLike, case=None) -> Journey:
    """Load and check ``journey.yaml`` in ``case_dir`` against the case in the same folder.

    ``case`` may be passed when already loaded. Raises :class:`JourneyError` listing every problem,
    each as ``<file>: <field.path>: <problem> (line N)``; a broken ``case.yaml`` raises its own
    :class:`~clvedu.cases.CaseError`. The CLI's ``case validate`` can call this for folders that have
    a ``journey.yaml``.
    """
    file = journey_file(case_dir)
    if not file.is_file():
        raise JourneyError([f"{file}: file not found (the decision-journey file of a case folder)"], unreadable=True)
    if case is None:
        case = load_case(file.parent)
    text = read_case_text(file, JourneyError)
    try:
        node, data = _parse_yaml(text, file)
    except UserError as exc:
        raise JourneyError(str(exc).splitlines(), unreadable=True) from None
    if not isinstance(data, dict):
        raise JourneyError([f"{file}: the file must be a YAML mapping with the fields {', '.join(JourneyData.model_fields)}"])
    for reserved in ("company_names", "currency", "path"):
        if reserved in data:
            raise JourneyError([f"{file}: {reserved}: unknown field"])
    try:
        JourneyData.model_validate(data, context={"case": case})
    except ValidationError as exc:
        raise JourneyError(_problem_lines(exc, file, node)) from None
    journey = Journey.model_validate(data)
    journey.company_names = {cid: c.name for cid, c in case.companies.items()}
    journey.currency = case.currency
    journey.path = file.parent.resolve()
    return journey


def _problem_lines(exc: ValidationError, file: Path, node) -> list[str]:
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        error = (err.get("ctx") or {}).get("error")
        found = [(loc + sub, msg) for sub, msg in error.problems] if isinstance(error, FieldProblems) else [(loc, _describe(err))]
        for full, msg in found:
            parts = [p for p in full if p != "[key]" and not (isinstance(p, str) and p.startswith("function-"))]
            path = ".".join(str(p) for p in parts)
            line = _line_of(node, parts)
            lines.append(f"{file}: {path or '(top level)'}: {msg}" + (f" (line {line})" if line else ""))
    return lines


def _describe(err: dict) -> str:
    if err["type"] == "missing":
        return "field required"
    if err["type"] == "extra_forbidden":
        return "unknown field"
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    return msg[:1].lower() + msg[1:]
