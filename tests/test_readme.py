"""README's package example runs and prints what README says it prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clvedu.units import PeriodMismatchError

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Using the package\s+```python\n(.*?)```", text, re.S)
    assert block, "README has no 'Using the package' example"
    return [line for line in block[1].splitlines() if line.strip()]


def test_readme_example_gives_the_values_it_claims():
    scope: dict = {}
    checked = 0
    for line in readme_example():
        code, _, claim = line.partition("#")
        code, claim = code.strip(), claim.strip()
        if not code:
            continue
        if claim.startswith("PeriodMismatchError"):
            with pytest.raises(PeriodMismatchError, match="margin .* retention .* discount"):
                eval(code, scope)
            checked += 1
            continue
        numbers = re.match(r"^([\d.]+)(?:\.\.\.)?(?:, ([\d.]+))?", claim)
        if numbers and "=" not in code.split("(")[0]:
            value = eval(code, scope)
            values = value if isinstance(value, tuple) else (value,)
            for got, expected in zip(values, (n for n in numbers.groups() if n)):
                decimals = len(expected.rstrip(".").split(".")[1]) if "." in expected.rstrip(".") else 0
                assert float(got) == pytest.approx(float(expected.rstrip(".")), abs=0.6 * 10 ** -decimals)
                checked += 1
        else:
            exec(code, scope)
    assert checked >= 4
