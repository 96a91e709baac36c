"""Draw one student's variant of a case: every ranged assumption gets a value of its own.

Which figures change
    Every figure of kind ``assumption`` (case-wide or a company's) whose ``low``/``high`` range has some
    width. Reported figures stay as published, ranges and all; derived figures are recomputed from the
    new values when the case is loaded. An assumption without a range keeps its value.

How a value is drawn
    Uniformly from the round numbers inside the range: the coarsest step (1, 0.1, 0.01, ... or 10, 100,
    ...) that gives at least :data:`MIN_STEPS` steps across it. A margin ranging 0.30-0.50 is drawn in
    hundredths (0.44), a discount rate ranging 0.08-0.12 in thousandths (0.093), an acquisition cost
    ranging 6,000-11,000 in hundreds (8,400): two or three significant figures, as a person would type.

The student's own range
    The range moves with the value: it keeps its distance below and above the value, clipped to the
    original range (``max(low, v - (value - low))`` to ``min(high, v + (high - value))``). So each student's
    pessimistic and optimistic CLVs differ too, and everything stays within what the case calls plausible.

Randomness
    ``numpy.random.default_rng(SeedSequence([seed, sha256(student id), attempt]))``: the same seed and id
    always give the same variant, whatever the roster's order or length (Python's ``hash`` is salted per
    process and is never used). ``attempt`` counts redraws of a variant that fails to validate.

The file
    The new numbers are written into the original text in place (comments, order and layout kept), with
    a comment at the top. A file whose figures are shared through YAML anchors or merge keys cannot be
    edited in place; it is written out again with PyYAML instead (its comments are lost).
"""

from __future__ import annotations

import copy
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from clvedu.cases import Case, load_case
from clvedu.cases.loader import read_case_text
from clvedu.io import load_yaml

MIN_STEPS = 20
"""A drawn value is rounded to the coarsest step giving at least this many steps across its range."""

BOUNDS = ("value", "low", "high")


@dataclass(frozen=True)
class Drawable:
    """An assumption with a range: where it is, its original value and range, and the step it is drawn in."""

    owner: str        # "shared" or a company id
    figure_id: str
    value: float
    low: float        # the bound, or the value when the file gives none
    high: float
    decimals: int     # the drawing step is 10 ** -decimals (negative: tens, hundreds, ...)
    path: tuple[str, ...]  # keys from the document's root to the figure's mapping


@dataclass(frozen=True)
class Draw:
    """One drawn variant: its file text and, per drawn figure, the (value, low, high) written."""

    text: str
    values: dict[tuple[str, str], tuple[float, float, float]]


def student_hash(student_id: str) -> int:
    """A stable 64-bit number for a student id (the same on every machine and in every process)."""
    return int.from_bytes(hashlib.sha256(student_id.encode("utf-8")).digest()[:8], "big")


def step_decimals(low: float, high: float) -> int:
    """Decimals of the coarsest power-of-ten step giving at least :data:`MIN_STEPS` steps from low to high."""
    return math.ceil(math.log10(MIN_STEPS / (high - low)) - 1e-9)


def number_text(x: float, decimals: int | None = None) -> str:
    """``x`` as typed in YAML: ``0.44``, ``8400``, ``-0.005``; shortest exact form when off the step."""
    if decimals is not None and decimals > 0:
        text = f"{x:.{decimals}f}"
        if float(text) == x:
            text = text.rstrip("0").rstrip(".")
            return "0" if text in ("", "-0") else text
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def _on_step(x: float, decimals: int) -> float:
    return float(number_text(round(x, decimals), max(decimals, 0)))


def _figure_nodes(root) -> dict[tuple[str, str], tuple[yaml.MappingNode, tuple[str, ...]]]:
    """The mapping node of every figure, by (owner, figure id), found by walking the composed document."""
    def child(node, key):
        if not isinstance(node, yaml.MappingNode):
            return None
        return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)

    found = {}
    shared = child(root, "shared")
    if isinstance(shared, yaml.MappingNode):
        for k, v in shared.value:
            found[("shared", k.value)] = (v, ("shared", k.value))
    companies = child(root, "companies")
    if isinstance(companies, yaml.MappingNode):
        for ck, cv in companies.value:
            figures = child(cv, "figures")
            if isinstance(figures, yaml.MappingNode):
                for k, v in figures.value:
                    found[(ck.value, k.value)] = (v, ("companies", ck.value, "figures", k.value))
    return found


def _reference_counts(root) -> dict[int, int]:
    """How many places each node of the document appears in (more than one: it is an anchor's alias)."""
    counts: dict[int, int] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        counts[id(node)] = counts.get(id(node), 0) + 1
        if counts[id(node)] > 1:
            continue
        if isinstance(node, yaml.MappingNode):
            stack += [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return counts


class VariantDrawer:
    """Draws variants of one case file. Build it once per run; :meth:`draw` is cheap."""

    def __init__(self, case_dir: str | Path):
        self.case: Case = load_case(case_dir)
        self.file = Path(case_dir) / "case.yaml" if Path(case_dir).is_dir() else Path(case_dir)
        self.text = read_case_text(self.file)
        self.data = load_yaml(self.text, str(self.file))
        self.drawables = self._drawables()
        self._spans = self._find_spans()
        if self._spans is not None and not self._edits_land():
            self._spans = None

    @property
    def edits_text(self) -> bool:
        """Whether variants are the original text with numbers replaced (else a PyYAML dump)."""
        return self._spans is not None

    def _drawables(self) -> list[Drawable]:
        found = []
        owners = [("shared", self.case.shared, ("shared",))] + [
            (cid, c.figures, ("companies", cid, "figures")) for cid, c in self.case.companies.items()]
        for owner, figures, path in owners:
            for fid, fig in figures.items():
                if fig.kind != "assumption" or fig.value is None:
                    continue
                low, high = fig.bound("low"), fig.bound("high")
                if not high > low:
                    continue
                found.append(Drawable(owner, fid, float(fig.value), float(low), float(high),
                                      step_decimals(low, high), path + (fid,)))
        return found

    def _find_spans(self) -> dict[tuple[str, str, str], tuple[int, int]] | None:
        """Character spans of each drawn figure's value, low and high in the text; None if not editable."""
        loader = yaml.SafeLoader(self.text)  # the pure-Python composer: its marks index characters
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
        counts = _reference_counts(root)
        nodes = _figure_nodes(root)
        spans = {}
        for d in self.drawables:
            node, _ = nodes.get((d.owner, d.figure_id), (None, None))
            if not isinstance(node, yaml.MappingNode) or counts.get(id(node), 0) != 1:
                return None
            keys = {k.value: (k, v) for k, v in node.value}
            if "<<" in keys:
                return None
            for bound in BOUNDS:
                if bound not in keys:
                    continue
                _, v = keys[bound]
                if not isinstance(v, yaml.ScalarNode) or counts.get(id(v), 0) != 1:
                    return None
                spans[(d.owner, d.figure_id, bound)] = (v.start_mark.index, v.end_mark.index)
        return spans

    def _edits_land(self) -> bool:
        """Whether editing the text changes exactly the drawn numbers (checked once, on a trial draw)."""
        trial = self.draw("trial", 0)
        return load_yaml(trial.text, str(self.file)) == self._expected_data(trial.values)

    def _expected_data(self, values):
        data = copy.deepcopy(self.data)
        for d in self.drawables:
            figure = data
            for key in d.path:
                figure = figure[key]
            for bound, number in zip(BOUNDS, values[(d.owner, d.figure_id)]):
                if bound in figure:
                    figure[bound] = number
        return data

    def draw(self, student_id: str, seed: int, attempt: int = 0) -> Draw:
        """The variant of ``student_id`` for ``seed`` (``attempt`` > 0: a redraw after a failed validation)."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, student_hash(student_id), attempt]))
        values: dict[tuple[str, str], tuple[float, float, float]] = {}
        texts: dict[tuple[str, str, str], str] = {}
        for d in self.drawables:
            scale = 10.0 ** d.decimals
            first, last = math.ceil(d.low * scale - 1e-6), math.floor(d.high * scale + 1e-6)
            k = int(rng.integers(first, last + 1))
            v_text = number_text(k / scale if d.decimals > 0 else k * 10 ** -d.decimals, max(d.decimals, 0))
            v = float(v_text)
            low = min(v, max(d.low, _on_step(v - (d.value - d.low), d.decimals)))
            high = max(v, min(d.high, _on_step(v + (d.high - d.value), d.decimals)))
            values[(d.owner, d.figure_id)] = (v, low, high)
            for bound, number, before in zip(BOUNDS, (v, low, high), (d.value, d.low, d.high)):
                if number != before:  # an unchanged number keeps its original text (0.30 stays 0.30)
                    texts[(d.owner, d.figure_id, bound)] = v_text if bound == "value" else number_text(number, max(d.decimals, 0))
        return Draw(self._write(student_id, values, texts), values)

    def _header(self, student_id: str) -> str:
        return (f"# Case variant for student {student_id}, made by `clvedu variants` from {self.file.parent.name}.\n"
                "# Every assumption with a low-high range has a value of its own, drawn within that range;\n"
                "# reported figures are as published and derived figures are recomputed from the new values.\n"
                "# Use these numbers, not the published case's.\n#\n")

    def _write(self, student_id: str, values, texts) -> str:
        if self._spans is None:
            body = yaml.safe_dump(self._expected_data(values), sort_keys=False, allow_unicode=True, width=110)
            return self._header(student_id) + body
        text = self.text
        for key, (start, end) in sorted(self._spans.items(), key=lambda item: item[1][0], reverse=True):
            if key in texts:
                text = text[:start] + texts[key] + text[end:]
        return self._header(student_id) + text


def validate_draw(draw: Draw) -> Case:
    """The variant as a validated :class:`Case` (raises pydantic's ValidationError, a ValueError, if it is not)."""
    case = Case.model_validate(load_yaml(draw.text))
    for (owner, fid), (v, low, high) in draw.values.items():
        fig = case.figure(owner, fid)
        if (fig.value, fig.bound("low"), fig.bound("high")) != (v, low, high):
            raise ValueError(f"{owner}.{fid}: the variant's file does not hold the drawn numbers")
    return case
