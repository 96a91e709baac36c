"""Hostile case folders: each is refused quickly, in one line that names the file and what to fix."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"


def run_validate(folder: Path, memory_mb: int = 1024) -> subprocess.CompletedProcess:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))

    return subprocess.run([sys.executable, "-m", "clvedu.cli", "case", "validate", str(folder)],
                          capture_output=True, text=True, timeout=60, preexec_fn=limit)


def test_nested_yaml_aliases_are_refused_before_they_expand(tmp_path):
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefghi", "bcdefghij"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    (tmp_path / "case.yaml").write_text("\n".join(lines) + "\n")
    start = time.monotonic()
    done = run_validate(tmp_path, memory_mb=700)
    assert time.monotonic() - start < 20
    assert done.returncode == 2  # unreadable as a case
    assert done.stderr.count("\n") == 1 and "aliases" in done.stderr and "Traceback" not in done.stderr


def test_an_oversized_case_file_is_refused_unread(tmp_path):
    (tmp_path / "case.yaml").write_text("title: x\n" + "# padding\n" * 300_000)
    done = run_validate(tmp_path)
    assert done.returncode == 2 and "a case file may be at most" in done.stderr


def test_control_characters_and_overlong_names_are_named(tmp_path):
    data = yaml.safe_load((MINI / "case.yaml").read_text())
    data["companies"]["tunely"]["name"] = "Tune\x00ly"
    data["companies"]["orbit"]["name"] = "O" * 5000
    (tmp_path / "case.yaml").write_text(yaml.safe_dump(data))
    done = run_validate(tmp_path)
    assert done.returncode == 1, done.stdout
    assert "companies.tunely.name: contains the control character '\\x00'" in done.stderr
    assert "companies.orbit.name:" in done.stderr
    assert "Traceback" not in done.stderr


def test_case_show_never_prints_terminal_escapes(tmp_path):
    data = yaml.safe_load((MINI / "case.yaml").read_text())
    data["title"] = "Tunes \x1b[2J\x1b[31m"  # clear the screen, then red
    (tmp_path / "case.yaml").write_text(yaml.safe_dump(data))
    done = subprocess.run([sys.executable, "-m", "clvedu.cli", "case", "show", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "title: contains the control character '\\x1b'" in done.stderr
    assert "\x1b" not in done.stdout + done.stderr
