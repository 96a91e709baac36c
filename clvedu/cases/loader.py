"""Read a case folder's ``case.yaml`` and turn every problem into a line naming file, field and fix.

The YAML reader is PyYAML's safe loader with two changes a hand-edited file needs: dates stay
text (so an impossible date such as 2023-02-30 becomes a field error, not a crash), and a key
written twice in one mapping is an error (PyYAML would silently keep the last one).
"""

from __future__ import annotations

import difflib
import os
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from clvedu.cases.model import Case
from clvedu.cases.schema import CaseData, FieldProblems
from clvedu.errors import UserError
from clvedu.io import YamlTooLarge, check_yaml_graph, read_at_most, yaml_loader

CASE_FILE = "case.yaml"

MAX_FILE_BYTES = 2_000_000
"""A case file larger than this is refused before it is parsed (the Netflix case is about 40 kB)."""



class CaseError(UserError):
    """A case folder that cannot be used. ``problems`` holds one ``<file>: <field.path>: <problem>`` per line.

    ``unreadable`` marks a file that could not be read at all (missing, not UTF-8, malformed YAML, too
    large): exit code 2; a file that was read but breaks a rule gives exit code 1.
    """

    def __init__(self, problems: list[str], *, unreadable: bool = False):
        self.problems = list(problems)
        self.exit_code = 2 if unreadable else 1
        super().__init__("\n".join(self.problems))


class _CaseYamlLoader(yaml_loader()):
    """Safe loader that keeps dates as text and rejects duplicate keys."""

    def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML hook
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping", node.start_mark,
                        f"found the key {key!r} twice (first on line {seen[key].line + 1})", key_node.start_mark,
                    )
                seen[key] = key_node.start_mark
            except TypeError:  # an unhashable key: let PyYAML report it
                pass
        return super().construct_mapping(node, deep=deep)


_CaseYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def case_file(path: str | os.PathLike) -> Path:
    """The ``case.yaml`` a path names: the path itself if it is a file, else ``path/case.yaml``."""
    given = Path(path)
    if given.is_dir():
        return given / CASE_FILE
    if given.exists() or given.suffix in (".yaml", ".yml"):
        return given
    raise CaseError([f"{given}: no such case folder or file (a case folder contains {CASE_FILE})"], unreadable=True)


def load_case(path: str | os.PathLike) -> Case:
    """Load and check a case; ``path`` is the case folder or its ``case.yaml``.

    Raises :class:`CaseError` listing every problem found, one per line, each naming the file,
    the field path (``companies.netflix.figures.churn.reason``), the problem and the YAML line.
    """
    file = case_file(path)
    if not file.is_file():
        raise CaseError([f"{file}: file not found (a case folder must contain {CASE_FILE})"], unreadable=True)
    text = read_case_text(file)
    node, data = _parse_yaml(text, file)
    if not isinstance(data, dict):
        fields = ", ".join(CaseData.model_fields)
        raise CaseError([f"{file}: the file must be a YAML mapping with the fields {fields}; "
                         f"got {type(data).__name__ if data is not None else 'an empty file'}"])
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError(_problem_lines(exc, file, node)) from None
    case._path = file.parent.resolve()
    return case


def read_case_text(file: Path, error=None) -> str:
    """The text of a case file, refused with one line when it is too large or not UTF-8."""
    error = error or CaseError
    try:
        raw = read_at_most(file, MAX_FILE_BYTES)
        if raw is None:
            size = file.stat().st_size
            raise error([f"{file}: the file is {size:,} bytes; a case file may be at most {MAX_FILE_BYTES:,}"], unreadable=True)
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error([f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})"], unreadable=True) from None
    except OSError as exc:
        raise error([f"{file}: cannot be read ({exc.strerror or exc})"], unreadable=True) from None


def _parse_yaml(text: str, file: Path):
    loader = _CaseYamlLoader(text)
    try:
        node = loader.get_single_node()
        try:
            check_yaml_graph(node, str(file))
        except YamlTooLarge as exc:
            raise CaseError([str(exc)], unreadable=True) from None
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        detail = f"{problem} ({context})" if context else problem
        raise CaseError([f"{file}: {where}malformed YAML: {detail}"], unreadable=True) from None
    finally:
        loader.dispose()
    return node, data


# --- turning pydantic errors into lines ----------------------------------------------------------------

def _problem_lines(exc: ValidationError, file: Path, node) -> list[str]:
    lines: list[str] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        error = (err.get("ctx") or {}).get("error")
        if isinstance(error, FieldProblems):
            found = [(loc + sub, msg) for sub, msg in error.problems]
        else:
            found = [(loc, _describe(err, loc))]
        for full, msg in found:
            path = ".".join(str(p) for p in full if p != "[key]")
            line = _line_of(node, [p for p in full if p != "[key]"])
            lines.append(f"{file}: {path or '(top level)'}: {msg}" + (f" (line {line})" if line else ""))
    return lines


def _describe(err: dict, loc: tuple) -> str:
    kind = err["type"]
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        allowed = _allowed_fields(loc[:-1])
        hint = ""
        if allowed:
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = (f" (did you mean {close[0]!r}? " if close else " (") + f"allowed: {', '.join(allowed)})"
        return f"unknown field{hint}"
    if loc and loc[-1] == "[key]":
        return (f"id {err['input']!r} is not allowed: ids are lower-case letters, digits and _ starting with a letter"
                if kind == "string_pattern_mismatch" else err["msg"])
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    return msg[:1].lower() + msg[1:]


def _allowed_fields(loc: tuple) -> list[str]:
    """The field names of the model found at ``loc`` inside :class:`CaseData` (empty if not a model)."""
    current: Any = CaseData
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part) or next(
                (f for f in current.model_fields.values() if f.alias == part), None)
            if field is None:
                return []
            current = field.annotation
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        elif typing.get_origin(current) is list:
            current = typing.get_args(current)[0]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` so the model or container inside shows."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _line_of(node, path: list) -> int | None:
    """The YAML line of the deepest part of ``path`` that exists in the file (1-based)."""
    line = None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
