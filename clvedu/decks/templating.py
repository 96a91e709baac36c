"""Slide specifications (YAML) whose texts are Jinja2 templates, rendered in a sandbox.

A spec file ``templates/<kind>.yaml`` holds::

    kind: exemplar
    layouts: {title: Title Slide, content: Title and Content}   # logical name -> slide layout name
    text:                      # optional named texts, rendered first, available as text.<name>
      examples: {P1: "..."}
    slides:
      - id: clv_values
        layout: content        # a key of `layouts`
        title: "CLV of each service"
        bullets: ["{{ best.name }} ...", ...]   # each rendered; a result with several lines gives
                                                # several bullets, a line starting "- " is indented
        table: clv_inputs      # optional: a table key (see clvedu.decks.build)
        chart: clv_range       # optional: a chart key
        notes: |               # spoken notes; or notes_file: notes/x.j2 (relative to the spec)
          ...
        maps_to: [M1]          # rubric codes; the "Maps to:" line is generated from them

Every string is rendered with :class:`jinja2.sandbox.SandboxedEnvironment` and
:class:`jinja2.StrictUndefined`: an unknown name, a forbidden attribute or a syntax error
becomes a :class:`TemplateError` naming the file and the line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from clvedu.errors import UserError
from clvedu.io import load_yaml, yaml_loader

def _kit_templates() -> Path:
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "clvedu" / "templates"  # where a wheel install puts them


TEMPLATES_DIR = _kit_templates()
"""The kit's ``templates/`` folder: beside the package in a checkout or editable install, else the copy a
wheel installs under ``<prefix>/share/clvedu/templates``."""


class TemplateError(UserError):
    """A slide specification or Jinja2 text that cannot be used; the message names file and line."""


class SlideSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    layout: str = "content"
    title: str
    subtitle: str | None = None
    bullets: list[str] = Field(default_factory=list)
    table: str | None = None
    chart: str | None = None
    notes: str | None = None
    notes_file: str | None = None
    maps_to: list[str] = Field(default_factory=list)
    when: str | None = None  # a Jinja expression; the slide is left out when it is false
    arrange: Literal["side", "stack"] = "side"  # text beside the visual, or above it


class DeckSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str
    layouts: dict[str, str]
    text: dict[str, Any] = Field(default_factory=dict)
    slides: list[SlideSpec] = Field(min_length=1)


class SpecFile:
    """A parsed spec file with the YAML line of every string, for error messages."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            source = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TemplateError(f"{self.path}: slide specification not found") from None
        try:
            node = yaml.compose(source, Loader=yaml_loader())
            data = load_yaml(source)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f", line {mark.line + 1}" if mark else ""
            raise TemplateError(f"{self.path}{where}: malformed YAML: {getattr(exc, 'problem', exc)}") from None
        self.lines: dict[tuple, tuple[int, bool]] = {}
        self._index(node, ())
        try:
            self.spec = DeckSpec.model_validate(data)
        except ValidationError as exc:
            problems = []
            for err in exc.errors(include_url=False):
                loc = tuple(err["loc"])
                line = self.line_of(loc)
                problems.append(f"{self.path}{f', line {line}' if line else ''}: "
                                f"{'.'.join(map(str, loc))}: {err['msg']}")
            raise TemplateError("\n".join(problems)) from None

    def _index(self, node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self.lines[path + (key.value,)] = (key.start_mark.line, False)
                self._index(value, path + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._index(item, path + (i,))
        elif isinstance(node, yaml.ScalarNode):
            block = node.style in ("|", ">")
            # a block scalar's text starts on the line after its indicator
            self.lines[path] = (node.start_mark.line + (1 if block else 0), block)

    def line_of(self, path: tuple, template_line: int = 1) -> int | None:
        """1-based file line of line ``template_line`` of the string at ``path``."""
        found = self.lines.get(tuple(path))
        if found is None:
            return None
        return found[0] + template_line


class Renderer:
    """Renders the strings of one spec file with one context, naming file and line on error."""

    def __init__(self, spec_file: SpecFile, values: dict[str, Any]):
        self.file = spec_file
        self.values = values
        self.env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                                        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)

    def render(self, source: str, path: tuple, extra: dict[str, Any] | None = None,
               filename: str | None = None, first_line: int | None = None) -> str:
        """Render ``source`` found at ``path`` in the spec file (or in ``filename``)."""
        name = filename or f"{self.file.path}:{'.'.join(map(str, path))}"
        try:
            template = self.env.from_string(source)
            template.filename = name
            return template.render({**self.values, **(extra or {})})
        except jinja2.TemplateSyntaxError as exc:
            raise self._error(path, exc.lineno or 1, f"template syntax error: {exc.message}", filename, first_line) from None
        except (jinja2.UndefinedError, jinja2.exceptions.SecurityError, TypeError, ValueError, KeyError,
                AttributeError, ZeroDivisionError) as exc:
            line = _template_line(exc, source)
            kind = "forbidden in the sandbox" if isinstance(exc, jinja2.exceptions.SecurityError) else "error"
            raise self._error(path, line, f"{kind}: {exc}", filename, first_line) from None

    def _error(self, path: tuple, template_line: int, message: str, filename: str | None,
               first_line: int | None) -> TemplateError:
        if filename:
            return TemplateError(f"{filename}, line {(first_line or 1) + template_line - 1}: {message}")
        line = self.file.line_of(path, template_line)
        where = f", line {line}" if line else ""
        return TemplateError(f"{self.file.path}{where} ({'.'.join(map(str, path))}): {message}")


def _template_line(exc: BaseException, source: str) -> int:
    """The template line where a render error happened, from Jinja's rewritten traceback."""
    tb = exc.__traceback__
    line = 1
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == "<template>" or code.co_name in ("top-level template code", "template"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return max(1, min(line, source.count("\n") + 1))


def spec_path(kind: str, templates_dir: str | os.PathLike | None = None) -> Path:
    """The spec file of a deck kind: ``templates/<kind>.yaml``."""
    folder = Path(templates_dir) if templates_dir else TEMPLATES_DIR
    path = folder / f"{kind}.yaml"
    if not path.is_file():
        if not folder.is_dir():
            raise TemplateError(f"no slide specifications folder at {folder}; give one with --specs DIR "
                                "(the kit's templates/ folder holds exemplar.yaml and briefing.yaml)")
        available = sorted(p.stem for p in folder.glob("*.yaml"))
        raise TemplateError(f"no slide specification for deck kind {kind!r} ({path} not found); "
                            f"available: {', '.join(available) or 'none'}")
    return path
