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

Specifications come from tutors and students, so nothing in one can harm the machine. Every string
is rendered in :class:`BoundedSandbox` (Jinja2's immutable sandbox, with bounds on the size of what
``*``, ``**``, ``+``, ``%``, ``range()``, formats, methods and filters make, and on call nesting) and
with a strict undefined: an unknown name, a forbidden attribute, a value too large or a syntax error
becomes a :class:`TemplateError` naming the file and the line. All the renders of one deck share a
time budget (:data:`RENDER_SECONDS`) and each a memory budget (:data:`RENDER_MEMORY`). The context is
read-only, YAML aliases are bounded (:func:`clvedu.io.check_yaml_graph`), and ``notes_file`` and the
deck kind must name files inside the specifications folder.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import time
import types
from pathlib import Path
from typing import Any, Literal

import jinja2
import yaml
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
from jinja2.utils import Namespace
from markupsafe import EscapeFormatter, Markup
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from clvedu.errors import UserError
from clvedu.io import compose_yaml, read_at_most

def _kit_templates() -> Path:
    """The checkout's ``templates/`` when running from a source checkout (editable installs included),
    else the copy every built package carries as package data, ``clvedu/resources/templates`` (setup.py)."""
    from importlib import resources

    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "templates").is_dir():
        return root / "templates"
    return Path(str(resources.files("clvedu").joinpath("resources", "templates")))


TEMPLATES_DIR = _kit_templates()
"""The kit's slide specifications: ``templates/`` in a source checkout or editable install, else the copy
inside the installed package (wheel, ``pip install --user`` or ``--target``), read through importlib.resources."""


class TemplateError(UserError):
    """A slide specification or Jinja2 text that cannot be used; the message names file and line.

    ``exit_code`` is what the command line returns: 1, the specification was read but is invalid.
    """

    exit_code = 1


class SpecNotFound(TemplateError):
    """The slide specification asked for cannot be found or read (exit code 2)."""

    exit_code = 2


# --- limits ---------------------------------------------------------------------------------------------------

MAX_SPEC_BYTES = 1_000_000
"""Largest slide specification or notes file read (bytes)."""
MAX_TEMPLATE_CHARS = 200_000
"""Longest single template text."""
MAX_RENDER_CHARS = 20_000
"""Longest text one template may render to: what one box, cell or slide's notes can hold
(:data:`clvedu.decks.text.MAX_TEXT_CHARS`; a slide's notes run to about 1,000)."""
MAX_SEQUENCE = 100_000
"""Longest string or list a template may make with ``*``, ``+``, a method or a filter."""
MAX_RANGE = 10_000
"""Most numbers ``range()`` may give in a template."""
MAX_INT_BITS = 4_096
"""Largest integer a template may make with ``*`` or ``**`` (in bits: about 1,230 digits)."""
MAX_FORMAT_WIDTH = 1_000
"""Widest field and most decimals in a format (``'%10.2f'``, ``'{:>10}'``)."""
MAX_CALL_DEPTH = 40
"""Deepest nesting of calls (a macro calling itself, for example)."""
RENDER_SECONDS = 10.0
"""Time all the texts of one deck's specification may take to render, together (seconds)."""
RENDER_MEMORY = 256 * 2**20
"""Memory rendering may use above what the process already holds (bytes; enforced where the operating
system supports address-space limits, such as Linux)."""


class BoundsError(SecurityError):
    """A template asked for more than the sandbox's bounds allow."""


class RenderTimeout(BaseException):
    """Raised inside the rendering thread when the time budget runs out (a BaseException so that no
    ``except Exception`` in template machinery swallows it)."""


def _size(value: Any) -> int:
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset, range)):
        return len(value)
    return 0


_CONTAINERS = (list, tuple, dict, set, frozenset)


def _weight(value: Any, limit: int | None = None) -> int:
    """Characters and items ``value`` holds when printed, a shared sub-list counted each time it appears
    (``[l, l]`` nested 60 times is 2**60 items); stops counting past ``limit``."""
    limit = MAX_SEQUENCE if limit is None else limit
    if not isinstance(value, _CONTAINERS):
        return _size(value)
    memo: dict[int, int] = {}

    def walk(item: Any, depth: int) -> int:
        if not isinstance(item, _CONTAINERS):
            return _size(item)
        key = id(item)
        if key in memo:
            return memo[key]
        if depth > 100:
            return limit + 1
        total = 1
        children = (x for pair in item.items() for x in pair) if isinstance(item, dict) else item
        for child in children:
            total += walk(child, depth + 1)
            if total > limit:
                break
        memo[key] = total
        return total

    return walk(value, 0)


def _check_value(value: Any, what: str) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise BoundsError(f"{what} makes a number of more than {MAX_INT_BITS:,} bits; the sandbox stops there")
    weight = _weight(value)
    if weight > MAX_SEQUENCE:
        raise BoundsError(f"{what} makes a text or list of more than {MAX_SEQUENCE:,} characters or items")
    return value


def _finalize(value: Any) -> Any:
    """Applied to every ``{{ ... }}`` before it is printed: nothing too large to print."""
    return _check_value(value, "printing this value")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.?)", re.S)
_DIGITS = re.compile(r"\d+")


def _check_percent_format(fmt: str) -> None:
    for match in _PERCENT_FIELD.finditer(fmt):
        for part in (match[1], match[2]):
            if part == "*":
                raise BoundsError("'*' widths in a % format are not allowed; write the width as a number")
            if part and (len(part) > 6 or int(part) > MAX_FORMAT_WIDTH):
                raise BoundsError(f"a % format asks for a width or precision of {part[:12]}; "
                                  f"at most {MAX_FORMAT_WIDTH:,}")


def _check_format_spec(spec: str) -> None:
    for number in _DIGITS.findall(spec):
        if len(number) > 6 or int(number) > MAX_FORMAT_WIDTH:
            raise BoundsError(f"a format asks for a width or precision of {number[:12]}; at most {MAX_FORMAT_WIDTH:,}")


def _estimate_str_method(text: str | bytes, name: str, args: tuple, kwargs: dict) -> int:
    """Upper bound on the length of ``text.name(*args, **kwargs)`` for the str methods that can grow."""
    n = len(text)
    params = list(args) + list(kwargs.values())
    if name in ("center", "ljust", "rjust", "zfill"):
        width = params[0] if params else 0
        return max(n, width) if _is_int(width) else n
    if name == "expandtabs":
        tabsize = params[0] if params else 8
        return n + text.count("\t" if isinstance(text, str) else b"\t") * max(0, tabsize if _is_int(tabsize) else 8)
    if name == "replace" and len(params) >= 2:
        old, new = params[0], params[1]
        count = params[2] if len(params) > 2 and _is_int(params[2]) else -1
        if not isinstance(old, (str, bytes)) or not isinstance(new, (str, bytes)):
            return n
        hits = text.count(old) if old else n + 1
        if count >= 0:
            hits = min(hits, count)
        return n + hits * max(0, len(new) - len(old))
    if name == "translate" and params and isinstance(params[0], dict):
        longest = max((len(v) for v in params[0].values() if isinstance(v, (str, bytes))), default=1)
        return n * max(1, longest)
    if name in ("join",) and params and isinstance(params[0], (list, tuple)):
        items = params[0]
        return sum(len(i) for i in items if isinstance(i, (str, bytes))) + n * max(0, len(items) - 1)
    return n  # other methods do not grow a text much; their results are checked after the call


def _bounded_range(*args: Any) -> range:
    try:
        numbers = range(*args)
        count = len(numbers)
    except OverflowError:
        count = MAX_RANGE + 1
    if count > MAX_RANGE:
        raise BoundsError(f"range() of more than {MAX_RANGE:,} numbers; the sandbox stops at {MAX_RANGE:,}")
    return numbers


def _bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002
    if not all(_is_int(v) for v in (n, min, max)) or n > 20 or max > 200:
        raise BoundsError("lipsum() is limited to 20 paragraphs of at most 200 words")
    return jinja2.utils.generate_lorem_ipsum(n=n, html=html, min=min, max=max)


class _BoundedNamespace(Namespace):
    """``namespace()`` whose attributes cannot be set to oversized values (a loop doubling a text)."""

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, _check_value(value, f"setting {name}"))


def _bounded_filter(name: str, func):
    pass_arg = getattr(func, "jinja_pass_arg", None)
    offset = 1 if pass_arg is not None else 0

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        value = args[offset] if len(args) > offset else None
        params = list(args[offset + 1:]) + list(kwargs.values())
        for param in params:
            if _is_int(param) and abs(param) > MAX_SEQUENCE:
                raise BoundsError(f"filter {name}({param}) is beyond the sandbox's bounds (at most {MAX_SEQUENCE:,})")
        _check_value(value, "a value joined with ~" if name == _CONCAT_CHECK else f"the value given to filter {name}")
        if name == "format" and isinstance(value, str):
            _check_percent_format(value)
        if isinstance(value, str) and name in ("replace", "center", "indent"):
            if name == "indent":
                width = params[0] if params else kwargs.get("width", 4)
                pad = len(width) if isinstance(width, str) else (width if _is_int(width) else 4)
                estimate = len(value) + (value.count("\n") + 1) * max(0, pad)
            else:
                estimate = _estimate_str_method(value, name, tuple(params), {})
            if estimate > MAX_SEQUENCE:
                raise BoundsError(f"filter {name} would make a text of about {estimate:,} characters; "
                                  f"at most {MAX_SEQUENCE:,}")
        return _check_value(func(*args, **kwargs), f"filter {name}")

    wrapper.clvedu_bounded = True  # type: ignore[attr-defined]
    return wrapper


class _BoundedFilters(dict):
    """The environment's filters: any filter added later (``env.filters.update(...)``) is bounded too."""

    def __init__(self, filters: dict) -> None:
        super().__init__()
        self.update(filters)

    def __setitem__(self, name: str, func) -> None:
        if not getattr(func, "clvedu_bounded", False):
            func = _bounded_filter(name, func)
        super().__setitem__(name, func)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for name, func in dict(*args, **kwargs).items():
            self[name] = func

    def setdefault(self, name: str, func=None):
        if name not in self:
            self[name] = func
        return self[name]


class _BoundedFormatter(SandboxedFormatter):
    def format_field(self, value: Any, format_spec: str) -> Any:
        _check_format_spec(format_spec)
        return super().format_field(value, format_spec)


class _BoundedEscapeFormatter(_BoundedFormatter, EscapeFormatter):
    pass


_CONCAT_CHECK = "clvedu_concat_operand"


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with bounds on size, time-free operations and nesting.

    * ``*``, ``**``, ``+`` and ``%`` are intercepted, and every ``{{ }}`` and ``~`` operand is checked: a
      text or list longer than :data:`MAX_SEQUENCE` (lists within lists counted in full),
      an integer over :data:`MAX_INT_BITS` bits, or a ``%`` format wider than :data:`MAX_FORMAT_WIDTH`
      is refused before it is made;
    * ``range()`` gives at most :data:`MAX_RANGE` numbers; ``str.format`` widths and the string methods
      that grow a text (``center``, ``ljust``, ``replace``, ``join``...) are checked the same way, as are
      the filters, the results of every call, and ``namespace()`` attributes;
    * calls nest at most :data:`MAX_CALL_DEPTH` deep (a macro calling itself);
    * lists and dicts of the context cannot be changed (``companies.clear()`` is refused).

    Time and memory are bounded by :class:`Renderer` around each render.
    """

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("finalize", _finalize)
        super().__init__(*args, **kwargs)
        self.globals["range"] = _bounded_range
        self.globals["lipsum"] = _bounded_lipsum
        self.globals["namespace"] = _BoundedNamespace
        self.filters = _BoundedFilters(self.filters)
        self.filters[_CONCAT_CHECK] = lambda value: value  # bounded like every filter: checks its value
        self.call_depth = 0

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        """Parse, then route every operand of ``~`` through a size check before it is turned into text."""
        tree = super()._parse(source, name, filename)
        for concat in tree.find_all(jinja2.nodes.Concat):
            concat.nodes = [jinja2.nodes.Filter(operand, _CONCAT_CHECK, [], [], None, None, lineno=operand.lineno)
                            for operand in concat.nodes]
        return tree

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
            if abs(left).bit_length() * right > MAX_INT_BITS:
                raise BoundsError(f"{_short(left)} ** {_short(right)} makes a number of more than "
                                  f"{MAX_INT_BITS:,} bits; the sandbox stops there")
        elif operator == "*":
            if _is_int(left) and _is_int(right):
                if left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
                    raise BoundsError(f"a product of more than {MAX_INT_BITS:,} bits; the sandbox stops there")
            else:
                seq, times = (left, right) if _is_int(right) else (right, left)
                if _is_int(times) and _size(seq) * max(0, times) > MAX_SEQUENCE:
                    raise BoundsError(f"repeating a text or list {_short(times)} times makes more than "
                                      f"{MAX_SEQUENCE:,} items; the sandbox stops there")
        elif operator == "+" and _size(left) + _size(right) > MAX_SEQUENCE:
            raise BoundsError(f"joining makes a text or list of more than {MAX_SEQUENCE:,} items")
        elif operator == "%" and isinstance(left, str):
            _check_percent_format(left)
            _check_value(right, "the values of a % format")
        return _check_value(super().call_binop(context, operator, left, right), f"the operator {operator}")

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's own signature
        __self.call_depth += 1
        try:
            if __self.call_depth > MAX_CALL_DEPTH:
                raise BoundsError(f"calls nested more than {MAX_CALL_DEPTH} deep (a macro calling itself?)")
            owner = getattr(__obj, "__self__", None)
            if isinstance(__obj, types.BuiltinMethodType) and isinstance(owner, (str, bytes)):
                if __obj.__name__ == "join" and args and not isinstance(args[0], (list, tuple)):
                    args = (list(args[0]),) + args[1:]
                estimate = _estimate_str_method(owner, __obj.__name__, args, kwargs)
                if estimate > MAX_SEQUENCE:
                    raise BoundsError(f".{__obj.__name__}() would make a text of about {estimate:,} characters; "
                                      f"at most {MAX_SEQUENCE:,}")
            elif isinstance(__obj, types.BuiltinMethodType) and _is_int(owner):
                if any(_is_int(a) and abs(a) > MAX_SEQUENCE for a in list(args) + list(kwargs.values())):
                    raise BoundsError(f".{__obj.__name__}() with an argument over {MAX_SEQUENCE:,}")
            result = super().call(__context, __obj, *args, **kwargs)
        finally:
            __self.call_depth -= 1
        return _check_value(result, "a call")

    def wrap_str_format(self, value: Any):
        """Jinja's sandboxed ``str.format``, with every field's width and precision bounded."""
        if not isinstance(value, (types.MethodType, types.BuiltinMethodType)) or \
                value.__name__ not in ("format", "format_map"):
            return None
        owner = value.__self__
        if not isinstance(owner, str):
            return None
        str_type = type(owner)
        is_format_map = value.__name__ == "format_map"
        if isinstance(owner, Markup):
            formatter: SandboxedFormatter = _BoundedEscapeFormatter(self, escape=owner.escape)
        else:
            formatter = _BoundedFormatter(self)

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_format_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                kwargs, args = args[0], ()
            _check_value(list(args) + list(kwargs.values()), "the values of .format()")
            return _check_value(str_type(formatter.vformat(owner, args, kwargs)), ".format()")

        return functools.update_wrapper(wrapper, value)


class _StrictUndefined(jinja2.StrictUndefined):
    """StrictUndefined that also fails when printed inside a list or dict (``{{ [x.typo] }}``)."""

    __slots__ = ()
    __repr__ = jinja2.Undefined._fail_with_undefined_error  # type: ignore[assignment]


# --- time and memory budgets -----------------------------------------------------------------------------------

def _async_raiser():
    """A function raising an exception in another thread (CPython), or None where that is not possible."""
    try:
        import ctypes

        api = ctypes.pythonapi["PyThreadState_SetAsyncExc"]  # a private handle: no global argtypes change
        api.restype = ctypes.c_int
    except (ImportError, AttributeError, OSError, KeyError):  # pragma: no cover - not CPython
        return None

    def raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
        api(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else ctypes.c_void_p(None))

    return raise_in


_RAISE_IN = _async_raiser()


_MEMORY_LOCK = threading.Lock()
_MEMORY_HOLDERS = [0]
_MEMORY_UNDO: list = [None]


def _lower_address_space(budget: int):
    """Lower this process's address-space limit to its current size plus ``budget``; return the undo."""
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as handle:
            used = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = used + budget
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft != resource.RLIM_INFINITY and soft <= limit:
            return None  # already at least as tight
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError, AttributeError):  # not Linux: no address-space limit
        return None
    return lambda: resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space_limiter(budget: int | None):
    """Limit memory while rendering (see :func:`_lower_address_space`); return a release function, or
    None if nothing could be limited. Renders in several threads share one limit: the first lowers it,
    the last to release restores it. Each release function acts once, however often it is called."""
    if not budget:
        return None
    with _MEMORY_LOCK:
        if _MEMORY_HOLDERS[0] == 0:
            _MEMORY_UNDO[0] = _lower_address_space(budget)
        if _MEMORY_UNDO[0] is None:
            return None
        _MEMORY_HOLDERS[0] += 1
    released = []

    def release() -> None:
        with _MEMORY_LOCK:
            if released:
                return
            released.append(True)
            _MEMORY_HOLDERS[0] -= 1
            if _MEMORY_HOLDERS[0] == 0 and _MEMORY_UNDO[0] is not None:
                undo, _MEMORY_UNDO[0] = _MEMORY_UNDO[0], None
                undo()

    return release


class _Watchdog:
    """Raises :class:`RenderTimeout` once in the armed thread if it is still rendering at the deadline.

    One thread serves all the renders of a :class:`Renderer` (it ends after a second without work).
    ``disarm()`` withdraws an exception fired but not yet delivered, and may safely be called twice.
    """

    IDLE_SECONDS = 1.0

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._target = 0
        self._fired = False
        self._idle = False  # the thread sleeps with no deadline, so a new one must wake it
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float) -> None:
        if _RAISE_IN is None:  # pragma: no cover - not CPython: no time budget
            return
        with self._cond:
            self._target = threading.get_ident()
            self._deadline = time.monotonic() + seconds
            self._fired = False
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="clvedu-render-budget", daemon=True)
                self._thread.start()
            elif self._idle:
                self._cond.notify()
            # otherwise it is waiting for an earlier deadline and will look again then: no wake-up needed

    def disarm(self) -> None:
        with self._cond:
            self._deadline = None
            if self._fired:
                _RAISE_IN(self._target, None)  # withdraw it if it has not been delivered yet
                self._fired = False

    def _run(self) -> None:
        with self._cond:
            idle_since = time.monotonic()
            while True:
                if self._deadline is None:
                    if time.monotonic() - idle_since > self.IDLE_SECONDS:
                        self._thread = None
                        return
                    self._idle = True
                    self._cond.wait(self.IDLE_SECONDS)
                    self._idle = False
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    idle_since = time.monotonic()
                    continue
                self._fired = True
                self._deadline = None  # once
                _RAISE_IN(self._target, RenderTimeout)
                idle_since = time.monotonic()


# --- reading specifications ------------------------------------------------------------------------------------

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


def _read_bounded(path: Path, what: str, where: str) -> str:
    """The UTF-8 text of ``path`` (at most :data:`MAX_SPEC_BYTES`), or a one-line TemplateError."""
    try:
        raw = read_at_most(path, MAX_SPEC_BYTES)
    except FileNotFoundError:
        raise SpecNotFound(f"{where}: {what} {path} not found") from None
    except OSError as exc:
        raise SpecNotFound(f"{where}: cannot read {what} {path}: {exc.strerror or type(exc).__name__}") from None
    if raw is None:
        raise TemplateError(f"{where}: {what} {path} is larger than {MAX_SPEC_BYTES:,} bytes; "
                            "a slide specification or notes file is far smaller")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TemplateError(f"{path}, line {line}: {what} is not UTF-8 text; save it as UTF-8") from None


class SpecFile:
    """A parsed spec file with the YAML line of every string, for error messages.

    ``root`` is the specifications folder (default: the spec file's folder); ``notes_file`` paths must
    stay inside it.
    """

    def __init__(self, path: Path, root: Path | None = None):
        self.path = Path(path)
        self.root = Path(root) if root is not None else self.path.parent
        source = _read_bounded(self.path, "slide specification", str(self.path))
        try:
            node, data = compose_yaml(source, str(self.path))
        except UserError as exc:  # too many aliases, too deep, too large
            raise TemplateError(str(exc)) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f", line {mark.line + 1}" if mark else ""
            raise TemplateError(f"{self.path}{where}: malformed YAML: {getattr(exc, 'problem', None) or exc}") from None
        except RecursionError:
            raise TemplateError(f"{self.path}: malformed YAML: nested too deeply") from None
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

    def notes_source(self, name: str, path: tuple) -> tuple[Path, str]:
        """``(file, text)`` of the ``notes_file`` named at ``path``: relative to the spec file and inside
        the specifications folder (no absolute paths, no ``..`` or links out of it)."""
        line = self.line_of(tuple(path) + ("notes_file",))
        where = f"{self.path}{f', line {line}' if line else ''}"
        candidate = Path(name)
        root = self.root.resolve()
        if candidate.is_absolute() or candidate.drive or name.startswith("~"):
            raise TemplateError(f"{where}: notes_file {_short(name)!r} must be a path relative to the "
                                f"specification, inside its folder {self.root}")
        file = self.path.parent / candidate
        resolved = file.resolve()
        if not resolved.is_relative_to(root):
            raise TemplateError(f"{where}: notes_file {_short(name)!r} points outside the specifications folder "
                                f"{self.root}; keep note files inside it")
        if not resolved.is_file():
            raise TemplateError(f"{where}: notes_file {file} not found")
        return file, _read_bounded(resolved, "notes file", where)


# --- rendering --------------------------------------------------------------------------------------------------

def _short(value: object, limit: int = 300) -> str:
    """``value`` as one line of at most ``limit`` characters, for an error message."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _OutputTooLong(Exception):
    pass


class Renderer:
    """Renders the strings of one spec file with one context, naming file and line on error.

    Every render runs in :class:`BoundedSandbox`; all the renders of one Renderer share a time budget
    of :data:`RENDER_SECONDS`, and each may use at most :data:`RENDER_MEMORY` more memory.
    """

    def __init__(self, spec_file: SpecFile, values: dict[str, Any], filters: dict[str, Any] | None = None):
        self.file = spec_file
        self.values = values
        self.env = BoundedSandbox(undefined=_StrictUndefined, autoescape=False,
                                  trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
        self.env.filters.update(filters or {})  # bounded like Jinja's own
        self.seconds = RENDER_SECONDS
        self.memory = RENDER_MEMORY
        self.spent = 0.0
        self.watchdog = _Watchdog()

    def render(self, source: str, path: tuple, extra: dict[str, Any] | None = None,
               filename: str | None = None, first_line: int | None = None) -> str:
        """Render ``source`` found at ``path`` in the spec file (or in ``filename``)."""
        name = filename or f"{self.file.path}:{'.'.join(map(str, path))}"
        if len(source) > MAX_TEMPLATE_CHARS:
            raise self._error(path, 1, f"the text is {len(source):,} characters long; at most "
                              f"{MAX_TEMPLATE_CHARS:,}", filename, first_line)
        if self.spent >= self.seconds:
            raise self._error(path, 1, self._timeout_message(), filename, first_line)
        template = None
        undo_memory = None
        started = time.monotonic()
        try:
            try:
                self.watchdog.arm(self.seconds - self.spent)  # starts its thread before memory is limited
                undo_memory = _address_space_limiter(self.memory)
                self.env.call_depth = 0
                template = self.env.from_string(source)
                template.filename = name
                output = template.generate({**self.values, **(extra or {})})
                text = self._collect(output, template)
            finally:
                self.watchdog.disarm()
                if undo_memory is not None:
                    undo_memory()
        except RenderTimeout as exc:
            raise self._error(path, _template_line(exc, source), self._timeout_message(), filename,
                              first_line) from None
        except jinja2.TemplateSyntaxError as exc:
            raise self._error(path, exc.lineno or 1, f"template syntax error: {exc.message}", filename,
                              first_line) from None
        except _OutputTooLong as exc:
            raise self._error(path, exc.args[0], f"renders to more than {MAX_RENDER_CHARS:,} characters, more than a box or a "
                              "slide's notes can hold (a loop that runs too long, or a very long case text?)", filename, first_line) from None
        except MemoryError as exc:
            raise self._error(path, _template_line(exc, source), f"needs more than {self.memory / 2**20:,.0f} MB "
                              "of memory to render (a value grown too large?)", filename, first_line) from None
        except RecursionError as exc:
            raise self._error(path, _template_line(exc, source), "nested too deeply (a macro calling itself, or "
                              "brackets inside brackets?)", filename, first_line) from None
        except (jinja2.UndefinedError, SecurityError) as exc:
            line = _template_line(exc, source)
            kind = "forbidden in the sandbox" if isinstance(exc, SecurityError) else "error"
            raise self._error(path, line, f"{kind}: {exc}", filename, first_line) from None
        except TemplateError:
            raise
        except Exception as exc:  # whatever a hostile or mistaken template raises: one line, never a traceback
            line = _template_line(exc, source)
            raise self._error(path, line, f"error: {type(exc).__name__}: {exc}", filename, first_line) from None
        finally:
            # again: the first disarm may have been interrupted by the very timeout it was withdrawing
            self.watchdog.disarm()
            if undo_memory is not None:
                undo_memory()  # acts once: a no-op if the first call got through
            self.spent += time.monotonic() - started
        return text

    def _collect(self, chunks, template) -> str:
        parts: list[str] = []
        size = 0
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_RENDER_CHARS:
                line = _generator_line(chunks, template)
                chunks.close()
                raise _OutputTooLong(line)
            parts.append(chunk)
        return "".join(parts)

    def _timeout_message(self) -> str:
        return (f"the slide specification took more than {self.seconds:g} seconds to render (a loop that "
                "runs too long?)")

    def _error(self, path: tuple, template_line: int, message: str, filename: str | None,
               first_line: int | None) -> TemplateError:
        message = _short(message)
        if filename:
            return TemplateError(f"{filename}, line {(first_line or 1) + template_line - 1}: {message}")
        line = self.file.line_of(path, template_line)
        where = f", line {line}" if line else ""
        return TemplateError(f"{self.file.path}{where} ({'.'.join(map(str, path))}): {message}")


def _generator_line(gen, template) -> int:
    """The template line a suspended render generator stands at."""
    while isinstance(getattr(gen, "gi_yieldfrom", None), types.GeneratorType):
        gen = gen.gi_yieldfrom
    frame = getattr(gen, "gi_frame", None)
    if frame is None or template is None:
        return 1
    try:
        return max(1, template.get_corresponding_lineno(frame.f_lineno))
    except Exception:  # noqa: BLE001 - only for the message
        return 1


def _template_line(exc: BaseException, source: str) -> int:
    """The template line where a render error happened, from Jinja's rewritten traceback or, for an
    exception Jinja did not rewrite (a timeout), from the compiled template's own line map."""
    tb = exc.__traceback__
    line = 1
    while tb is not None:
        code = tb.tb_frame.f_code
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if code.co_name in ("top-level template code", "template") or code.co_name.startswith("block "):
            line = tb.tb_lineno
        elif template is not None:
            line = template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return max(1, min(line, source.count("\n") + 1))


_KIND = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def spec_path(kind: str, templates_dir: str | os.PathLike | None = None) -> Path:
    """The spec file of a deck kind: ``templates/<kind>.yaml``, which must lie inside that folder."""
    folder = Path(templates_dir) if templates_dir else TEMPLATES_DIR
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        raise SpecNotFound(f"--kind {_short(kind, 80)!r}: a deck kind is a name of letters, digits, '-' and '_' "
                           "(KIND for a KIND.yaml in the specifications folder), not a path")
    path = folder / f"{kind}.yaml"
    if not path.is_file():
        if not folder.is_dir():
            raise SpecNotFound(f"no slide specifications folder at {folder}; give one with --specs DIR "
                               "(the kit's templates/ folder holds exemplar.yaml and briefing.yaml)")
        available = sorted(p.stem for p in folder.glob("*.yaml"))
        raise SpecNotFound(f"no slide specification for deck kind {kind!r} ({path} not found); "
                           f"available: {', '.join(available) or 'none'}")
    if not path.resolve().is_relative_to(folder.resolve()):
        raise SpecNotFound(f"{path} is a link to a file outside the specifications folder {folder}; "
                           "copy the file in instead")
    return path
