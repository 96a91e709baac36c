"""Hostile and broken input: templates that try to exhaust the machine or read outside their folder,
outputs that must never be lost, decks and templates that are damaged or zip bombs, and dirty text.

The cases that could eat memory run in a child process whose address space is limited with
``resource.setrlimit(RLIMIT_AS)``, so a regression fails the test instead of the machine.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from pptx import Presentation

from clvedu.cli import main
from clvedu.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"
TEMPLATES = ROOT / "templates"

CHILD_MEMORY_MB = 1536  # address space of the child process: a modest limit, far below what the attacks asked for
SECONDS_PER_CASE = 12.0  # each case ends in well under a second; the margin is for a busy machine

# text a .pptx must not carry: XML-forbidden controls, DEL/C1 controls, and python-pptx's escape for them
CONTROL = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))]


# --- helpers ----------------------------------------------------------------------------------------------------

def spec_folder(folder: Path, bullet: str = "plain words", *, title: str = "ok", extra: str = "") -> Path:
    """A one-slide specification folder whose bullet is ``bullet`` (a block scalar starting on line 8)."""
    folder.mkdir(parents=True, exist_ok=True)
    body = "\n".join("        " + line for line in bullet.splitlines())
    (folder / "exemplar.yaml").write_text(
        "kind: exemplar\n"                                                  # 1
        "layouts: {title: Title Slide, content: Title and Content}\n"      # 2
        "slides:\n"                                                         # 3
        "  - id: one\n"                                                     # 4
        f"    title: {json.dumps(title)}\n"                                 # 5
        f"{extra}"
        "    bullets:\n"
        "      - |\n"
        f"{body}\n", encoding="utf-8")
    return folder


def deck_args(specs: Path, out: Path, *more: str) -> list[str]:
    return ["deck", "--case", str(MINI), "--specs", str(specs), "--out", str(out), *more]


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{err}"
    assert "Traceback" not in err
    return lines[0]


CHILD = textwrap.dedent("""
    import contextlib, importlib, io, json, resource, sys, time
    limit = int(sys.argv[1]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for target, value in json.loads(sys.argv[3]).items():
        module, name = target.rsplit(".", 1)
        setattr(importlib.import_module(module), name, value)
    from clvedu.cli import main
    for argv in json.loads(sys.argv[2]):
        out, err = io.StringIO(), io.StringIO()
        started = time.monotonic()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(argv)
            except SystemExit as exc:
                rc = exc.code
        print(json.dumps({"rc": rc, "out": out.getvalue(), "err": err.getvalue(),
                          "seconds": time.monotonic() - started,
                          "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
""")


def run_limited(argvs: list[list[str]], memory_mb: int = CHILD_MEMORY_MB, patch: dict | None = None,
                timeout: float = 240) -> list[dict]:
    """Run ``clvedu`` command lines one after another in a child process limited to ``memory_mb``."""
    proc = subprocess.run([sys.executable, "-c", CHILD, str(memory_mb), json.dumps(argvs), json.dumps(patch or {})],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 0 and len(results) == len(argvs), (
        f"child died (exit {proc.returncode}) after {len(results)} of {len(argvs)} cases:\n{proc.stderr[-3000:]}")
    return results


# --- 1. templates render under limits --------------------------------------------------------------------------------

ATTACKS = {
    # name: (bullet payload, what the one-line error says)
    "huge_string_repeat": ("{{ 'x' * (10**10) }}", "repeating a text or list"),
    "huge_list_repeat": ("{{ [1]*10**8 }}", "repeating a text or list"),
    "huge_percent_width": ("{{ '%0999999999d' % 1 }}", "width or precision of 999999999"),
    "huge_power": ("{{ 9**(9**9) }}", "bits"),
    "nested_huge_ranges": ("{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}",
                           "range() of more than"),
    "huge_format_width": ("{{ '{:>999999999}'.format(1) }}", "width or precision"),
    "huge_center_filter": ("{{ 'a' | center(999999999) }}", "filter center"),
    "replace_blowup": ("{{ ('a' * 90000).replace('', 'bbbbbbbbbbbb') }}", ".replace()"),
    "namespace_doubling": ("{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{% set ns.l = [ns.l, ns.l] %}"
                           "{% endfor %}{{ ns.l }}", "setting l"),
    "concat_of_nested_lists": ("{% set a = [1] %}" + "".join(
        f"{{% set {b} = [{a}, {a}, {a}, {a}, {a}, {a}, {a}, {a}] %}}" for a, b in zip("abcdefghijk", "bcdefghijkl"))
        + "{{ 'x' ~ l }}", "joined with ~"),
    "recursive_macro": ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}", "nested more than"),
    "endless_output": ("{% for i in range(10000) %}{{ 'x' * 90 }}{% endfor %}", "renders to more than"),
}


def alias_bomb() -> str:
    """About 1 KB of YAML whose ten levels of anchors expand to 10**10 strings."""
    lines = ["kind: exemplar", "layouts: {title: Title Slide, content: Title and Content}",
             "l0: &l0 [" + ", ".join(['"lol"'] * 10) + "]"]
    for level in range(1, 10):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    lines.append("text: {bomb: *l9}")
    lines.append("slides: [{id: one, title: ok}]")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def attack_results(tmp_path_factory) -> dict[str, dict]:
    base = tmp_path_factory.mktemp("attacks")
    argvs, names = [], []
    for name, (payload, _) in ATTACKS.items():
        argvs.append(deck_args(spec_folder(base / name), base / f"{name}.pptx"))
        names.append(name)
    bomb = base / "alias_bomb"
    bomb.mkdir()
    (bomb / "exemplar.yaml").write_text(alias_bomb(), encoding="utf-8")
    argvs.append(deck_args(bomb, base / "alias_bomb.pptx"))
    names.append("alias_bomb")
    deep = base / "deep_yaml"
    deep.mkdir()
    (deep / "exemplar.yaml").write_text("kind: exemplar\nlayouts: {}\nslides: " + "[" * 400 + "]" * 400 + "\n",
                                        encoding="utf-8")
    argvs.append(deck_args(deep, base / "deep_yaml.pptx"))
    names.append("deep_yaml")
    for name, (payload, _) in ATTACKS.items():  # write the payloads now that the folders exist
        spec_folder(base / name, payload)
    results = dict(zip(names, run_limited(argvs)))
    for name in names:
        results[name]["out_exists"] = (base / f"{name}.pptx").exists()
    return results


@pytest.mark.parametrize("name", [*ATTACKS, "alias_bomb", "deep_yaml"])
def test_hostile_template_ends_fast_small_and_with_one_line(attack_results, name):
    result = attack_results[name]
    assert result["rc"] == 1, result
    line = one_line(result["err"])
    assert "exemplar.yaml" in line
    if name in ATTACKS:
        assert ", line 8" in line, line  # the bullet's line in the specification
        assert ATTACKS[name][1] in line, line
    elif name == "alias_bomb":
        assert "expands to more than" in line and ", line " in line, line
    else:
        assert "nested" in line, line
    assert result["seconds"] < SECONDS_PER_CASE, result
    assert result["maxrss_mb"] < CHILD_MEMORY_MB, result
    assert not result["out_exists"]


def test_memory_budget_stops_what_the_size_bounds_miss(tmp_path):
    """With the sandbox's size bounds switched off, the render's own memory budget still stops the attack
    (in the child, before its address-space limit) and says so in one line."""
    specs = spec_folder(tmp_path / "specs", "{{ 'x' * (10**10) }}")
    [result] = run_limited([deck_args(specs, tmp_path / "d.pptx")],
                           patch={"clvedu.decks.templating.MAX_SEQUENCE": 10**12})
    assert result["rc"] == 1
    line = one_line(result["err"])
    assert ", line 8" in line and "MB of memory" in line, line
    assert result["seconds"] < SECONDS_PER_CASE


def test_memory_budget_lowers_and_restores_the_address_space_limit():
    resource = pytest.importorskip("resource")
    from clvedu.decks.templating import _address_space_limiter

    before = resource.getrlimit(resource.RLIMIT_AS)
    undo = _address_space_limiter(64 * 2**20)
    if undo is None:
        pytest.skip("no address-space limit on this system")
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm", encoding="ascii") as handle:
            used = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        assert used < soft <= used + 64 * 2**20 and hard == before[1]
        with pytest.raises(MemoryError):
            bytearray(128 * 2**20)
    finally:
        undo()
    assert resource.getrlimit(resource.RLIMIT_AS) == before


def test_time_budget_covers_loops_that_allocate_nothing(tmp_path, monkeypatch):
    from clvedu.decks import templating

    monkeypatch.setattr(templating, "RENDER_SECONDS", 1.0)
    loops = "\n".join(["{% for i in range(10000) %}", "{% for j in range(10000) %}", "{% for k in range(10000) %}",
                       "{% endfor %}{% endfor %}{% endfor %}"])
    specs = spec_folder(tmp_path / "specs", loops)
    started = time.monotonic()
    with pytest.raises(templating.TemplateError) as err:
        from clvedu.decks.build import build_deck

        build_deck(MINI, tmp_path / "d.pptx", templates_dir=specs)
    assert time.monotonic() - started < 6.0
    message = str(err.value)
    assert "more than 1 seconds" in message and "exemplar.yaml, line" in message and "\n" not in message
    assert not (tmp_path / "d.pptx").exists()


def test_time_budget_is_shared_by_all_the_renders_of_a_deck(tmp_path):
    from clvedu.decks.templating import TemplateError

    renderer = _renderer(tmp_path, {})
    renderer.seconds = 1.5
    assert [renderer.render("{{ 1 + 1 }}", ("slides", 0, "title")) for _ in range(20)] == ["2"] * 20
    busy = "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"
    started = time.monotonic()
    with pytest.raises(TemplateError, match="more than 1.5 seconds"):
        for _ in range(10):  # the first render to run past what is left of the budget is stopped
            renderer.render(busy, ("slides", 0, "title"))
    assert time.monotonic() - started < 6.0
    with pytest.raises(TemplateError, match="more than 1.5 seconds"):  # the budget stays spent
        renderer.render("{{ 1 }}", ("slides", 0, "title"))


def test_yaml_alias_and_depth_bounds():
    import yaml

    from clvedu.io import MAX_YAML_ALIASES, load_yaml

    few = "a: &a 1\nb: [" + ", ".join(["*a"] * 10) + "]\n"
    assert load_yaml(few)["b"] == [1] * 10
    many = "a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_YAML_ALIASES + 1)) + "]\n"
    with pytest.raises(UserError, match="aliases"):
        load_yaml(many)
    with pytest.raises((UserError, yaml.YAMLError), match="contains it|recursive"):
        load_yaml("a: &a [*a]\n")


# --- 2. files from outside the specifications folder; strict and read-only templates -----------------------------

def test_notes_file_stays_inside_the_specs_folder(tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-WORDS from outside the folder", encoding="utf-8")
    specs = tmp_path / "deep" / "specs"
    (specs / "notes").mkdir(parents=True)
    (specs / "notes" / "link.j2").symlink_to(secret)
    (specs / "notes" / "fine.j2").write_text("Notes from inside the folder about {{ case.title }}.", encoding="utf-8")
    for name, says in (("/etc/passwd", "relative"), (str(secret), "relative"), ("../../secret.txt", "outside"),
                       ("notes/link.j2", "outside")):
        spec_folder(specs, extra=f"    notes_file: {json.dumps(name)}\n")
        out = tmp_path / "d.pptx"
        assert main(deck_args(specs, out)) == 1, name
        line = one_line(capsys.readouterr().err)
        assert "notes_file" in line and says in line and "exemplar.yaml, line 6" in line, line
        assert "SECRET" not in line and "root:" not in line
        assert not out.exists()
    spec_folder(specs, extra="    notes_file: notes/fine.j2\n")
    assert main(deck_args(specs, tmp_path / "ok.pptx")) == 0
    notes = Presentation(str(tmp_path / "ok.pptx")).slides[0].notes_slide.notes_text_frame.text
    assert "Notes from inside the folder" in notes


def test_kind_is_a_name_inside_the_specs_folder(tmp_path, capsys):
    other = tmp_path / "other"
    spec_folder(other)
    (other / "case.yaml").write_text((other / "exemplar.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    specs = spec_folder(tmp_path / "specs")
    (specs / "evil.yaml").symlink_to(other / "exemplar.yaml")
    for kind, says in (("../other/case", "not a path"), ("/etc/passwd", "not a path"), ("evil", "outside")):
        out = tmp_path / "d.pptx"
        assert main(deck_args(specs, out, "--kind", kind)) == 2, kind
        line = one_line(capsys.readouterr().err)
        assert says in line, line
        assert not out.exists()


def _renderer(tmp_path: Path, values: dict):
    from clvedu.decks.templating import Renderer, SpecFile

    spec_folder(tmp_path / "specs")
    return Renderer(SpecFile(tmp_path / "specs" / "exemplar.yaml"), values)


@pytest.mark.parametrize("source", ["{{ [x.typo] }}", "{{ {'k': x.typo} }}", "{{ (x.typo, 1) }}"])
def test_undefined_inside_a_list_is_an_error_not_undefined(tmp_path, source):
    from clvedu.decks.templating import TemplateError

    renderer = _renderer(tmp_path, {"x": {"name": "A"}})
    assert renderer.render("{{ [x.name] }}", ("slides", 0, "title")) == "['A']"
    with pytest.raises(TemplateError, match="typo"):
        renderer.render(source, ("slides", 0, "title"))


@pytest.mark.parametrize("source", ["{{ companies.clear() }}", "{{ companies.append(3) }}", "{{ companies.pop() }}",
                                    "{{ figures.update(b=2) }}", "{{ figures.pop('a') }}", "{{ figures.clear() }}",
                                    "{% set _ = companies.extend([4]) %}"])
def test_template_context_is_read_only(tmp_path, source):
    from clvedu.decks.templating import TemplateError

    companies, figures = [1, 2], {"a": 1}
    renderer = _renderer(tmp_path, {"companies": companies, "figures": figures})
    with pytest.raises(TemplateError) as err:
        renderer.render(source, ("slides", 0, "title"))
    assert "\n" not in str(err.value) and "unsafe" in str(err.value)
    assert companies == [1, 2] and figures == {"a": 1}


def test_bounded_sandbox_still_renders_ordinary_templates(tmp_path):
    renderer = _renderer(tmp_path, {"names": ["A", "B"], "n": 1234567})
    source = ("{{ names | join(' and ') }}; {{ '{:,}'.format(n) }}; {{ '%.1f%%' % 2.25 }}; {{ 2 ** 10 }}; "
              "{{ '-' * 3 }}; {{ range(3) | list }}; {{ 'x' ~ 1 }}; {{ 'ab' | center(6) }}|")
    assert renderer.render(source, ("slides", 0, "title")) == "A and B; 1,234,567; 2.2%; 1024; ---; [0, 1, 2]; x1;   ab  |"


# --- 3. output is never lost -----------------------------------------------------------------------------------------

def test_exclusive_write_decides_atomically(tmp_path):
    from clvedu.io import atomic_write

    target = tmp_path / "same.pptx"
    with pytest.raises(UserError, match="already exists"):
        with atomic_write(target, overwrite=False) as first:
            first.write_bytes(b"first")
            with atomic_write(target, overwrite=False) as second:  # both started before either finished
                second.write_bytes(b"second")
    # the first finished, the second was refused when it tried to move into place: nothing replaced
    assert target.read_bytes() == b"second" or target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["same.pptx"]
    kept = target.read_bytes()
    with pytest.raises(UserError, match="already exists"):
        with atomic_write(target, overwrite=False) as tmp:
            tmp.write_bytes(b"third")
    assert target.read_bytes() == kept and [p.name for p in tmp_path.iterdir()] == ["same.pptx"]


def test_exclusive_write_without_hard_links(tmp_path, monkeypatch):
    from clvedu import io

    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(io.os, "link", no_links)
    target = tmp_path / "f.txt"
    with io.atomic_write(target, overwrite=False) as tmp:
        tmp.write_text("one", encoding="utf-8")
    with pytest.raises(UserError, match="already exists"):
        with io.atomic_write(target, overwrite=False) as tmp:
            tmp.write_text("two", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "one" and [p.name for p in tmp_path.iterdir()] == ["f.txt"]


RACER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from clvedu.cli import main
    import clvedu.decks.build  # everything imported before the start
    import pptx.presentation

    save = pptx.presentation.Presentation.save

    def slow_save(self, file):  # a slow disk: the other run may look for the file while this one writes
        save(self, file)
        time.sleep(1.0)

    pptx.presentation.Presentation.save = slow_save
    print("ready", flush=True)
    go = Path(sys.argv[1])
    while not go.exists():
        time.sleep(0.005)
    sys.exit(main(sys.argv[2:]))
""")


def test_two_concurrent_decks_to_the_same_file_never_both_succeed(tmp_path):
    specs = spec_folder(tmp_path / "specs")
    out = tmp_path / "same.pptx"
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", RACER, str(go), *deck_args(specs, out)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready"
        go.write_text("go", encoding="utf-8")  # both start building at the same moment
        results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    finally:
        for proc in procs:
            proc.kill()
    assert sorted(rc for rc, _, _ in results) == [0, 2], results
    loser = next(err for rc, _, err in results if rc == 2)
    assert "already exists" in one_line(loser)
    assert len(Presentation(str(out)).slides) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["go", "same.pptx", "specs"]


SIGNALLED = textwrap.dedent("""
    import sys, time
    from clvedu.io import atomic_write
    with atomic_write(sys.argv[1], overwrite=False) as tmp:
        tmp.write_bytes(b"half a deck")
        print("writing", flush=True)
        time.sleep(60)
""")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_temporary_file_removed_when_killed(tmp_path, signum):
    target = tmp_path / "deck.pptx"
    proc = subprocess.Popen([sys.executable, "-c", SIGNALLED, str(target)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())  # the temporary file is there...
        proc.send_signal(signum)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert list(tmp_path.iterdir()) == []  # ...and gone, with no partial target
    if signum == signal.SIGTERM:
        assert proc.returncode == -signal.SIGTERM  # still dies of the signal


def test_failure_inside_the_write_removes_the_temporary_file(tmp_path):
    from clvedu.io import atomic_write

    with pytest.raises(UserError, match="disk .*full"):
        with atomic_write(tmp_path / "d.pptx") as tmp:
            tmp.write_bytes(b"part")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_output_problems_give_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    specs = spec_folder(tmp_path / "specs")
    folder = tmp_path / "already_a_folder.pptx"
    folder.mkdir()
    cases = [
        (folder, "--force", "folder"),
        (tmp_path / ("n" * 300 + ".pptx"), "--force", "too long"),
        (tmp_path / "missing" / "d.pptx", "--force", "does not exist"),
        (tmp_path / "esc\x1b[31mape" / "d.pptx", "--force", "does not exist"),
    ]
    for out, force, says in cases:
        assert main(deck_args(specs, out, force)) == 2, out
        err = capsys.readouterr().err
        assert says in one_line(err) and "\x1b" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["already_a_folder.pptx", "specs"]


def test_read_only_folder_gives_one_line(tmp_path, capsys, monkeypatch):
    from clvedu import io

    specs = spec_folder(tmp_path / "specs")
    target = tmp_path / "d.pptx"
    if os.geteuid() != 0:  # a real read-only folder (root may write anywhere, so simulate below too)
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        try:
            assert main(deck_args(specs, ro / "d.pptx")) == 2
            assert "not writable" in one_line(capsys.readouterr().err)
        finally:
            ro.chmod(0o755)

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(io.tempfile, "mkstemp", denied)  # passes the early check, fails on writing
    assert main(deck_args(specs, target)) == 2
    assert "permission denied" in one_line(capsys.readouterr().err)
    assert not target.exists()


def test_full_disk_gives_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    import pptx.presentation

    specs = spec_folder(tmp_path / "specs")
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def save_until_full(self, file):
        Path(file).write_bytes(b"PK\x03\x04 a partial deck")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pptx.presentation.Presentation, "save", save_until_full)
    assert main(deck_args(specs, out_dir / "d.pptx")) == 2
    assert "full" in one_line(capsys.readouterr().err)
    assert list(out_dir.iterdir()) == []


# --- 4. damaged decks and zip bombs ---------------------------------------------------------------------------------

def small_deck(path: Path, notes: str = "Some notes.\nMaps to: LO1 · P1") -> Path:
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "A slide"
    slide.notes_slide.notes_text_frame.text = notes
    prs.save(str(path))
    return path


def with_member(path: Path, name: str, size: int) -> Path:
    """Add a member of ``size`` zero bytes (a few hundred KB once compressed) to the zip at ``path``."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open(name, "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                member.write(chunk)
    return path


@pytest.fixture(scope="module")
def bomb_deck(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bomb")
    return with_member(small_deck(folder / "bomb.pptx"), "ppt/media/image99.png", 300 * 2**20)


def test_damaged_decks_exit_2_with_one_line(tmp_path, capsys):
    good = small_deck(tmp_path / "good.pptx")
    data = good.read_bytes()
    truncated = tmp_path / "truncated.pptx"
    truncated.write_bytes(data[: len(data) // 2])
    malformed = tmp_path / "malformed.pptx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(malformed, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info, b"<p:sld xmlns:p='x'><unclosed>" if info.filename.endswith("slide1.xml") else body)
    not_pptx = tmp_path / "notes.pptx"
    not_pptx.write_text("just some words", encoding="utf-8")
    folder = tmp_path / "folder.pptx"
    folder.mkdir()
    for path in (truncated, malformed, not_pptx, folder, tmp_path / "missing.pptx"):
        assert main(["coverage", str(path)]) == 2, path
        out = capsys.readouterr()
        assert path.name in one_line(out.err) and out.out == ""
    assert main(["coverage", str(good)]) == 1  # readable, with gaps: the report, not an error
    assert "Not covered:" in capsys.readouterr().out


def test_zip_bombs_are_refused_before_they_are_unpacked(bomb_deck, tmp_path):
    specs = spec_folder(tmp_path / "specs")
    coverage, template = run_limited([["coverage", str(bomb_deck)],
                                      deck_args(specs, tmp_path / "d.pptx", "--template", str(bomb_deck))])
    for result in (coverage, template):
        assert result["rc"] == 2, result
        line = one_line(result["err"])
        assert "image99.png" in line and "zip bomb" in line, line
        assert result["seconds"] < SECONDS_PER_CASE and result["maxrss_mb"] < 600, result
    assert "--template" in template["err"]
    assert not (tmp_path / "d.pptx").exists()


def test_member_that_lies_about_its_size_is_refused(tmp_path):
    from clvedu.io import check_zip

    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ppt/big.bin", bytes(5 * 2**20))
    data = bytearray(path.read_bytes())
    declared, crc = 1000, zlib.crc32(bytes(1000))
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    data[local + 14:local + 18] = crc.to_bytes(4, "little")
    data[local + 22:local + 26] = declared.to_bytes(4, "little")
    data[central + 16:central + 20] = crc.to_bytes(4, "little")
    data[central + 24:central + 28] = declared.to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:  # Python's zipfile believes it: 1000 bytes, checksum right
        assert archive.read("ppt/big.bin") == bytes(1000)
    with open(path, "rb") as handle, pytest.raises(UserError, match="more than the 1,000 bytes it declares"):
        check_zip(handle, str(path))


def test_total_unpacked_size_is_capped(tmp_path):
    from clvedu.io import check_zip

    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(5):
            archive.writestr(f"part{i}.bin", bytes(2 * 2**20))
    with open(path, "rb") as handle:
        check_zip(handle, "many.zip")  # within the default bounds
        with pytest.raises(UserError, match="in all"):
            check_zip(handle, "many.zip", max_member=3 * 2**20, max_total=9 * 2**20)
        with pytest.raises(UserError, match="part0.bin .*at most 1 MB"):
            check_zip(handle, "many.zip", max_member=1 * 2**20)


def test_overlong_text_is_refused_with_a_clear_message(tmp_path, capsys):
    case = tmp_path / "case"
    shutil.copytree(MINI, case)
    text = (case / "case.yaml").read_text(encoding="utf-8")
    assert "name: Tunely\n" in text
    (case / "case.yaml").write_text(text.replace("name: Tunely\n", "name: " + "Tunely" * 200_000 + "\n", 1),
                                    encoding="utf-8")
    out = tmp_path / "d.pptx"
    started = time.monotonic()
    assert main(["deck", "--case", str(case), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "1,200,000" in err and "name" in err
    assert time.monotonic() - started < 20 and not out.exists()
    # the same from a slide specification: the line that renders a text too long for any box
    specs = spec_folder(tmp_path / "specs", title="{{ case.title ~ ('x' * 30000) }}")
    assert main(deck_args(specs, out)) == 1
    line = one_line(capsys.readouterr().err)
    assert "exemplar.yaml, line 5 (slides.0.title)" in line and "more than 20,000 characters" in line, line
    assert not out.exists()


def test_text_too_long_for_a_box_is_refused_quoting_its_start():
    from clvedu.decks import text as textfit

    assert textfit.clean("x" * textfit.MAX_TEXT_CHARS) == "x" * textfit.MAX_TEXT_CHARS
    with pytest.raises(UserError) as err:
        textfit.clean("Tunely\x00" + "y" * 30000)
    message = str(err.value)
    assert "30,006 characters" in message and "'Tunelyyyy" in message and "\n" not in message


# --- 5. control characters never reach a deck or a terminal ---------------------------------------------------------

def xml_texts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith((".xml", ".rels"))}


def assert_clean(path: Path) -> None:
    for name, body in xml_texts(path).items():
        assert "_x00" not in body and "_x001" not in body, f"{name} holds an escaped control character"
        bad = sorted({repr(c) for c in body if c in CONTROL})
        assert not bad, f"{name} holds control characters {bad}"


def test_control_characters_in_spec_texts_are_removed(tmp_path):
    from clvedu.decks.build import build_deck

    extra = ('    notes: "Spoken\\x07 words\\x1b[31m here"\n'
             '    table: dirty\n')
    # the controls come from YAML escapes in quoted strings and from Jinja string escapes (the file stays printable)
    specs = spec_folder(tmp_path / "specs", "bullet{{ '\\x01' }} one {{ '\\x00' }}two", title="Ti\x00tle\x1b")
    text = (specs / "exemplar.yaml").read_text(encoding="utf-8").replace(
        "    bullets:", extra + "    bullets:").replace(
        "slides:", 'text:\n  tables:\n    dirty: {header: ["H\\x01ead", "B"], rows: [["ce\\x0cll", "\\x7fok"]]}\nslides:')
    (specs / "exemplar.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "d.pptx"
    build_deck(MINI, out, templates_dir=specs)
    assert_clean(out)
    slide = Presentation(str(out)).slides[0]
    assert slide.shapes.title.text_frame.text == "Title"
    assert "Spoken words[31m here" in slide.notes_slide.notes_text_frame.text
    assert [p.text for p in slide.placeholders[1].text_frame.paragraphs] == ["bullet one two"]


def test_control_characters_in_case_texts_never_reach_charts_footers_or_properties(tmp_path, monkeypatch):
    """Case validation refuses control characters; a case built in memory bypasses it, so the deck
    builder must still clean every text it places (charts, footers, core properties included)."""
    from clvedu.cases import load_case
    from clvedu.decks import build

    def dirty_case(path):
        case = load_case(path)
        companies = {cid: c.model_copy(update={"name": c.name[:2] + "\x00\x07" + c.name[2:] + "\x1b[0m"})
                     for cid, c in case.companies.items()}
        return case.model_copy(update={"title": "Dirty\x00 title\x0b with\x1b[31m escapes",
                                       "companies": companies})

    monkeypatch.setattr(build, "load_case", dirty_case)
    for kind in ("exemplar", "briefing"):
        out = tmp_path / f"{kind}.pptx"
        build.build_deck(MINI, out, kind=kind)
        assert_clean(out)
        prs = Presentation(str(out))
        assert prs.core_properties.title.startswith("Dirty title with[31m escapes")
        assert any(shape.has_chart for slide in prs.slides for shape in slide.shapes) or kind == "briefing"


def test_chart_texts_are_cleaned(tmp_path):
    from clvedu.charts.pptx import add_chart
    from clvedu.charts.spec import ChartSpec, Series

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    for spec in (
        ChartSpec("bar", "Ti\x00tle", "x\x07", "y\x1b", (Series("A\x00", (1.0, 2.0)), Series("B\x0b", (2.0, 1.0))),
                  categories=("c\x001", "c\x082")),
        ChartSpec("scatter", "Sc\x00at", "x", "y", (Series("S\x01", (1.0, 2.0)),), x=(1.0, 2.0),
                  labels=("l\x00a", "l\x7fb")),
    ):
        add_chart(slide.shapes, spec, 0, 0, 4000000, 3000000)
    out = tmp_path / "chart.pptx"
    prs.save(str(out))
    assert_clean(out)
    charts = [s.chart for s in Presentation(str(out)).slides[0].shapes if s.has_chart]
    assert charts[0].chart_title.text_frame.text == "Title"
    assert [s.name for s in charts[0].plots[0].series] == ["A", "B"]
    assert list(charts[0].plots[0].categories) == ["c1", "c2"]


def test_terminal_output_shows_control_characters_escaped(tmp_path, capsys):
    deck = small_deck(tmp_path / "a\x1b[31mb\x07.pptx")
    assert main(["coverage", str(deck)]) == 1
    out = capsys.readouterr().out
    assert "Coverage of a\\x1b[31mb\\x07.pptx" in out and "\x1b" not in out and "\x07" not in out
    assert main(["coverage", str(tmp_path / "gone\x1b]0;title\x07.pptx")]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b" in one_line(err)
    specs = spec_folder(tmp_path / "specs")
    assert main(deck_args(specs, tmp_path / "ok\x1b[1m.pptx")) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "ok\\x1b[1m.pptx" in out
