"""A built package (not the editable checkout) carries what the kit reads at run time, and the project is
self-contained: one version, a licence, nothing read from outside the repository, no lifetimes in the tests.

The install tests build a source distribution from a copy of the project, a wheel from that source
distribution, and install the wheel twice: into a bare virtual environment, and with ``pip install --target``
into a plain folder put on PYTHONPATH (how a ``pip install --user`` copy is found: outside ``sys.prefix``).
Each copy builds a deck from the example case it carries, with the slide specifications it carries.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import clvedu
from clvedu.cli import main

ROOT = Path(__file__).resolve().parents[1]
CASE = "netflix_vs_prime_video"
# what the build needs from the checkout; the source distribution must carry all of it on to the wheel
BUILD_INPUTS = ("clvedu", "templates", "case_studies", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md",
                "LICENSE")


def run(*args, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kw)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def kit_files(folder: str) -> list[str]:
    base = ROOT / folder
    return sorted(str(p.relative_to(base)) for p in base.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith("."))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("build")
    source = work / "source"  # setuptools writes into the tree it builds: keep the checkout clean
    for part in BUILD_INPUTS:
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, source / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / part, source / part)
    proc = run(sys.executable, "-c", "from setuptools import build_meta; print(build_meta.build_sdist('dist'))",
               cwd=source)
    sdist = source / "dist" / proc.stdout.strip().splitlines()[-1]
    with tarfile.open(sdist) as tar:
        tar.extractall(work / "unpacked", filter="data")
    unpacked = next((work / "unpacked").iterdir())
    run(sys.executable, "-m", "pip", "wheel", unpacked, "--no-deps", "--no-build-isolation", "-q", "-w", work)
    return next(work.glob("clvedu-*.whl"))


def bare_python(folder: Path) -> Path:
    """A virtual environment with nothing installed; its python finds the kit's dependencies on PYTHONPATH."""
    run(sys.executable, "-m", "venv", "--without-pip", folder)
    return folder / "bin" / "python"


def dependencies_env(*first: Path) -> dict:
    # this environment's site-packages on PYTHONPATH, where .pth files (and so the editable checkout) are not read
    path = [*map(str, first), sysconfig.get_paths()["purelib"]]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


WHERE = ("import importlib.resources as r, clvedu; from clvedu.decks.templating import TEMPLATES_DIR; "
         f"print(clvedu.__file__); print(TEMPLATES_DIR); print(r.files('clvedu') / 'resources' / 'case_studies' / {CASE!r})")


def build_from_installed_copy(python: Path, env: dict, install_dir: Path, out: Path, kind: str) -> None:
    cwd = out.parent  # not the checkout, so nothing is imported or read from it
    package, templates, case = run(python, "-c", WHERE, env=env, cwd=cwd).stdout.split("\n")[:3]
    for found in (package, templates, case):
        assert Path(found).is_relative_to(install_dir), (found, install_dir)
    assert (Path(case) / "case.yaml").is_file() and (Path(templates) / f"{kind}.yaml").is_file()
    version = run(python, "-m", "clvedu.cli", "--version", env=env, cwd=cwd).stdout
    assert version == f"clvedu {clvedu.__version__}\n"
    run(python, "-m", "clvedu.cli", "deck", "--case", case, "--kind", kind, "--out", out, env=env, cwd=cwd)
    assert out.stat().st_size > 10_000


def test_wheel_carries_rubric_templates_cases_and_licence(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"clvedu/resources/unit38.yaml", "clvedu/resources/criteria_map.yaml"} <= names
    for folder in ("templates", "case_studies"):
        files = kit_files(folder)
        assert files, folder
        missing = [f for f in files if f"clvedu/resources/{folder}/{f}" not in names]
        assert not missing, f"{folder} files missing from the wheel: {missing}"
    assert f"clvedu/resources/case_studies/{CASE}/case.yaml" in names
    assert not [n for n in names if "share/clvedu" in n]  # nothing installed outside the package any more
    assert any(".dist-info/" in n and n.endswith("/LICENSE") for n in names)  # dist-info/licenses/LICENSE (PEP 639)
    archive = zipfile.ZipFile(wheel)
    packaged = archive.read("clvedu/resources/templates/exemplar.yaml")
    assert packaged == (ROOT / "templates" / "exemplar.yaml").read_bytes()
    metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert f"\nVersion: {clvedu.__version__}\n" in metadata
    assert wheel.name.startswith(f"clvedu-{clvedu.__version__}-")


def test_wheel_in_a_bare_virtual_environment_builds_a_deck(wheel, tmp_path):
    python = bare_python(tmp_path / "env")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel)
    env = dependencies_env()
    build_from_installed_copy(python, env, tmp_path / "env", tmp_path / "exemplar.pptx", "exemplar")
    script = tmp_path / "env" / "bin" / "clvedu"
    assert run(script, "--version", env=env, cwd=tmp_path).stdout == f"clvedu {clvedu.__version__}\n"


def test_wheel_installed_outside_sys_prefix_builds_a_deck(wheel, tmp_path):
    # `pip install --user` puts the package under the user's base, not sys.prefix: --target is the same case
    target = tmp_path / "user-site"
    run(sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", target, wheel)
    python = bare_python(tmp_path / "env")
    build_from_installed_copy(python, dependencies_env(target), target, tmp_path / "briefing.pptx", "briefing")


def test_checkout_reads_its_own_templates():
    from clvedu.decks.templating import TEMPLATES_DIR

    assert TEMPLATES_DIR == ROOT / "templates"


def test_version_has_one_source_and_the_command_line_prints_it(capsys):
    assert re.fullmatch(r"\d+\.\d+\.\d+", clvedu.__version__)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "clvedu.__version__"}
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"clvedu {clvedu.__version__}\n"


def test_licences_are_stated():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "clvedu contributors" in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    licence = readme[readme.index("## Licence"):]
    assert "MIT" in licence and "CC BY 4.0" in licence and "book" in licence


TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".cfg", ".ini", ".j2", ".json", ".bib", ".sh", ".in"}
SKIP_PARTS = {"_build", "__pycache__", ".ipynb_checkpoints", "jupyter_execute", ".jupyter_cache"}


def project_text_files():
    for folder in ("clvedu", "templates", "case_studies", "book", "tests", "benchmarks", ".ci"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and not SKIP_PARTS & set(path.parts) and \
                    (path.suffix in TEXT_SUFFIXES or path.parent.name == ".ci"):
                yield path
    for name in ("README.md", "CONTRIBUTING.md", "Makefile", "pyproject.toml", "setup.py", "MANIFEST.in"):
        if (ROOT / name).is_file():
            yield ROOT / name


def test_nothing_names_a_path_outside_the_repository():
    # absolute paths into the checkout, and paths into the folders beside it (the checkout's siblings)
    needles = {str(ROOT) + "/"}
    siblings = [p for p in ROOT.parent.iterdir() if p != ROOT][:500] if os.access(ROOT.parent, os.R_OK) else []
    for sibling in siblings:
        needles |= {str(sibling) + "/", f"../{sibling.name}/"}
    found = []
    for path in project_text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.relative_to(ROOT)}: {needle}" for needle in needles if needle in text]
    assert not found, found


def test_no_test_imports_lifetimes():
    importing = re.compile(r"^\s*(import lifetimes|from lifetimes\b)|importorskip\(\s*['\"]lifetimes", re.M)
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("*.py")
                 if p.name != "regenerate.py" and importing.search(p.read_text(encoding="utf-8"))]
    assert not offenders, offenders
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = [req for reqs in project["optional-dependencies"].values() for req in reqs]
    assert not [r for r in extras + project["dependencies"] if r.lower().startswith("lifetimes")]
