"""``clvedu case validate`` and ``clvedu case show`` run as a user would run them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from clvedu.cases import load_case

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "case_studies" / "netflix_vs_prime_video"
MINI = ROOT / "tests" / "fixtures" / "cases" / "mini"


def clvedu(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clvedu.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_validate_ok_counts_what_the_loader_sees():
    case = load_case(REAL)
    figures = len(case.shared) + sum(len(c.figures) for c in case.companies.values())
    proc = clvedu("case", "validate", "case_studies/netflix_vs_prime_video")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (f"ok: case_studies/netflix_vs_prime_video "
                                   f"({len(case.companies)} companies, {figures} figures, {len(case.sources)} sources; "
                                   f"journey.yaml checked; synthetic.yaml checked)")
    assert proc.stderr == ""


def test_validate_lists_every_problem_and_exits_1(tmp_path):
    data = yaml.safe_load((MINI / "case.yaml").read_text())
    del data["companies"]["tunely"]["figures"]["churn"]["source"]
    data["companies"]["orbit"]["figures"]["contribution_margin"]["value"] = 1.5
    (tmp_path / "case.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    proc = clvedu("case", "validate", str(tmp_path))
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{tmp_path / 'case.yaml'}: companies.") for line in lines)
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("content, code", [(None, 2), ("title: [unclosed\n", 2), ("title: x\n", 1)])
def test_validate_never_shows_a_traceback(tmp_path, content, code):
    """Unreadable (missing, malformed YAML) exits 2; read but invalid exits 1 (README, "Exit codes")."""
    target = tmp_path / "missing"
    if content is not None:
        target = tmp_path / "case.yaml"
        target.write_text(content)
    proc = clvedu("case", "validate", str(target))
    assert proc.returncode == code
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(str(target))


def test_show_prints_both_services():
    proc = clvedu("case", "show", str(REAL), "--scenario", "low")
    assert proc.returncode == 0, proc.stderr
    assert "Netflix" in proc.stdout and "Amazon Prime Video" in proc.stdout
    assert "low scenario" in proc.stdout
    assert "3.30% a month" in proc.stdout  # Netflix's pessimistic churn from the case file


def test_console_script_if_installed():
    script = Path(sys.executable).with_name("clvedu")
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    proc = subprocess.run([str(script), "case", "validate", str(MINI)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith(f"ok: {MINI} (2 companies")


def test_validate_checks_the_journey_file_too(tmp_path):
    folder = tmp_path / "mini"
    shutil.copytree(MINI, folder)
    journey = yaml.safe_load((folder / "journey.yaml").read_text())
    journey["b2c_stages"][0]["clv_driver"] = "happiness"
    (folder / "journey.yaml").write_text(yaml.safe_dump(journey, sort_keys=False))
    proc = clvedu("case", "validate", str(folder))
    assert proc.returncode == 1 and proc.stdout == ""
    assert "journey.yaml: b2c_stages.0.clv_driver:" in proc.stderr
    assert "Traceback" not in proc.stderr
