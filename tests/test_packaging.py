"""An installed wheel (not the editable checkout) carries what the kit reads at run time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"


def run(*args, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kw)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def test_wheel_install_finds_rubric_and_slide_specifications(tmp_path):
    source = tmp_path / "source"  # setuptools builds in the source tree: keep the checkout clean
    for part in ("clvedu", "templates"):
        shutil.copytree(ROOT / part, source / part, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / part, source / part)
    run(sys.executable, "-m", "pip", "wheel", source, "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path)
    wheel = next(tmp_path.glob("clvedu-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "clvedu/resources/unit38.yaml" in names and "clvedu/resources/criteria_map.yaml" in names
    assert any(n.endswith("share/clvedu/templates/exemplar.yaml") for n in names)

    # a bare environment holding only the wheel; the dependencies come from this one, on PYTHONPATH
    # (where .pth files, and so the editable checkout, are not read)
    env_dir = tmp_path / "env"
    run(sys.executable, "-m", "venv", "--without-pip", env_dir)
    python = env_dir / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel)
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    out = tmp_path / "deck.pptx"
    proc = run(python, "-c", "import clvedu, sys; print(clvedu.__file__)", env=env, cwd=tmp_path)
    assert str(env_dir) in proc.stdout  # the installed copy, not the checkout
    run(python, "-m", "clvedu.cli", "deck", "--case", MINI, "--out", out, env=env, cwd=tmp_path)
    assert out.stat().st_size > 10_000
