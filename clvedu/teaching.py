"""Small helpers the book's chapters share: learning-outcome boxes and tidy tables."""

from __future__ import annotations

from clvedu.rubric import load_rubric


def outcomes_box(outcomes: list[str], criteria: list[str]) -> str:
    """A MyST admonition listing the learning outcomes and criteria a chapter serves, from the rubric data."""
    rubric = load_rubric()
    lines = [":::{admonition} What this chapter covers", ":class: tip", ""]
    for code in outcomes:
        lines.append(f"- **{code}**: {rubric.outcomes[code].title}")
    for code in criteria:
        crit = rubric.criteria[code]
        lines.append(f"- **{code}** ({crit.band}): {crit.summary}")
    lines.append(":::")
    return "\n".join(lines)


def find_case(name: str = "netflix_vs_prime_video"):
    """The case folder ``case_studies/<name>``, found from the current folder or any folder above it.

    Chapters run with their own folder as the working directory; a downloaded notebook may run
    anywhere inside a checkout, so the search walks upwards.
    """
    from pathlib import Path

    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        candidate = folder / "case_studies" / name
        if (candidate / "case.yaml").is_file():
            return candidate
    raise FileNotFoundError(
        f"case_studies/{name}/case.yaml not found in {here} or any folder above it; "
        "run the notebook from inside the clvedu project folder"
    )


def glue(name: str, value, display: bool = False) -> None:
    """``myst_nb.glue`` for numbers: numpy scalars become plain Python numbers first.

    The ``{glue:text}`name:.2f``` role formats the value's text form, and ``np.float64(3.5)``
    (numpy 2's repr) is not a number to it; ``3.5`` is.
    """
    import numpy as np
    from myst_nb import glue as myst_glue

    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        value = value.item()
    myst_glue(name, value, display=display)
