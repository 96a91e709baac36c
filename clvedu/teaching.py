"""Small helpers the book's chapters share: learning-outcome boxes, Markdown tables, and sentences from numbers.

Every sentence here that ranks or compares (which lever is worth most, which service earns more a month,
whether the scenario ranges overlap) is built from :mod:`clvedu.analysis` results, so the book's wording
follows the figures: change the case and the conclusions change with it. None of these functions computes
a CLV, a payback or a lever gain of its own; they only read the analysis.
"""

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


def glue_sentence(name: str, text: str) -> None:
    """Glue a generated sentence as Markdown, for the ``{glue:md}`name``` role.

    ``{glue:text}`` prints its value in bold, which suits a figure but not a whole sentence; a sentence
    glued here reads as ordinary text (and may use ``*emphasis*``). Amounts keep their ``$``.
    """
    glue(name, markdown(text))


# --- Markdown for the page -------------------------------------------------------------------------------

def markdown(text: str):
    """Markdown output for a chapter page; a bare ``$`` would start a formula, so amounts are escaped."""
    from IPython.display import Markdown

    return Markdown(text.replace("$", r"\$"))


def md_table(header: list[str], rows: list[list]) -> str:
    """A Markdown (pipe) table; a ``|`` inside a cell would end the cell, so it becomes ``/``."""
    def cells(row):
        return "| " + " | ".join(str(c).replace("|", "/") for c in row) + " |"

    return "\n".join([cells(header), cells(["---"] * len(header)), *map(cells, rows)])


# --- words from the analysis -------------------------------------------------------------------------------

SCENARIO_WORDS = {"low": "pessimistic", "base": "base", "high": "optimistic"}


def join_words(words) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    words = [str(w) for w in words]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _money(value: float, currency: str, decimals: int = 2, per: str | None = None) -> str:
    from clvedu.formatting import money

    return money(value, currency, decimals=decimals, per=per)


def lever_phrase(effect, noun: str | None = None) -> str:
    """A lever as words in a sentence: ``"churn 10% lower"``; ``noun`` replaces a generic "customer"."""
    label = effect.label.replace("customer", noun) if noun else effect.label
    return lower_first(label)


def lever_rankings(company) -> dict[str, tuple[str, ...]]:
    """The order of the levers (most valuable first) in each scenario: ``{"low": ("revenue", ...), ...}``.

    Read from the analysis's own per-scenario lever effects (:attr:`CompanyAnalysis.scenarios`).
    """
    return {scenario: tuple(e.lever for e in a.levers) for scenario, a in company.scenarios.items()}


def lever_sentence(company) -> str:
    """The company's levers, most valuable first, with their gains per new customer."""
    first, *rest = company.levers
    text = (f"For {company.name}, {lever_phrase(first, company.noun)} is worth most "
            f"({_money(first.gain, company.currency)} more per new {company.noun})")
    for effect in rest:
        text += f", then {lever_phrase(effect, company.noun)} ({_money(effect.gain, company.currency)})"
    return text + "."


def lever_verdict(analysis) -> str:
    """Which lever is worth most for each company, and whether that holds in every scenario."""
    companies = list(analysis.companies.values())
    rankings = {c.id: lever_rankings(c) for c in companies}
    robust = {c.id: len({r[0] for r in rankings[c.id].values()}) == 1 for c in companies}
    tops = {c.strongest_lever.lever for c in companies}
    if len(tops) == 1 and all(robust.values()) and len(companies) > 1:
        return (f"For {'both' if len(companies) == 2 else 'all'} services the most valuable of the three is "
                f"{lever_phrase(companies[0].strongest_lever, analysis.noun)}, in every scenario.")
    parts = []
    for c in companies:
        where = "in every scenario" if robust[c.id] else "at base, though not in every scenario"
        parts.append(f"For {c.name} the most valuable at base is {lever_phrase(c.strongest_lever, c.noun)}, {where}.")
    return " ".join(parts)


def lever_comparison(company, first: str = "retention", second: str = "revenue") -> str:
    """How two levers compare for one company: ``"... is worth $17.35 per new member, less than ... ($21.25)"``."""
    effects = {e.lever: e for e in company.levers}
    a, b = effects[first], effects[second]
    relation = "more than" if a.gain > b.gain else ("less than" if a.gain < b.gain else "as much as")
    return (f"for {company.name}, {lever_phrase(a, company.noun)} is worth {_money(a.gain, company.currency)} per new "
            f"{company.noun}, {relation} {lever_phrase(b, company.noun)} ({_money(b.gain, company.currency)})")


def _per(value_of, x, period: str):
    """A timed quantity of inputs ``x`` over ``period`` (converted by the units' own rules)."""
    q = value_of(x)
    return float((q if q.per == period else q.to(period)).value)


def structure_sentence(analysis) -> str:
    """Which company earns the higher margin per customer each period and which keeps customers longer.

    Compares the first two companies of the case; says whether the same holds in every scenario.
    """
    from clvedu.formatting import percent

    a, b = list(analysis.companies.values())[:2]
    period = a.period
    noun = analysis.noun

    def leader(value_of, higher: bool) -> set[str]:
        winners = set()
        for s in ("low", "base", "high"):
            va = _per(value_of, a.scenario_inputs[s], period)
            vb = _per(value_of, b.scenario_inputs[s], period)
            winners.add(a.name if (va > vb) == higher else b.name)
        return winners

    margin_of, churn_of = (lambda x: x.margin), (lambda x: x.churn)
    m = {c.name: _per(margin_of, c.inputs, period) for c in (a, b)}
    ch = {c.name: _per(churn_of, c.inputs, period) for c in (a, b)}
    richer = max(m, key=m.get)
    other = b.name if richer == a.name else a.name
    faster = max(ch, key=ch.get)
    margins = f"{_money(m[richer], analysis.currency, per=period)} against {_money(m[other], analysis.currency)}"
    churns = f"{percent(ch[faster], 1)} of {noun}s a {period} against {percent(ch[richer if faster != richer else other], 1)}"
    if faster == richer:
        text = (f"{richer} earns the higher margin per {noun} ({margins}) but loses {noun}s faster ({churns}), "
                f"while {other} keeps its {noun}s longer on a smaller margin.")
    else:
        text = (f"{richer} earns the higher margin per {noun} ({margins}) and also keeps its {noun}s longer "
                f"({faster} loses {churns}).")
    robust = len(leader(margin_of, True)) == 1 and len(leader(churn_of, True)) == 1
    return text + (" This holds in every scenario." if robust else " This does not hold in every scenario.")


def overlap_sentence(analysis) -> str:
    """Whether the scenario ranges leave the ranking of the companies open."""
    best, *rest = analysis.ranked
    if analysis.ranges_overlap:
        return ("The ranges overlap, so the ranking of the services is not something the data can settle.")
    return (f"The ranges do not overlap: {best.name} is worth more in every scenario, though by how much rests on "
            "the assumptions behind each range.")


_SHORT = {"contribution_margin": "contribution margins", "acquisition_cost": "acquisition costs",
          "discount_rate": "the discount rate", "churn": "churn", "arpu": "revenue per member"}


def unpublished_inputs(analysis, kinds=("assumption",)) -> list[str]:
    """Short names of the CLV inputs whose basis is one of ``kinds``, in order of first appearance."""
    names: list[str] = []
    for company in analysis.companies.values():
        for line in company.input_lines:
            if line.basis.kind in kinds:
                name = _SHORT.get(line.figure_id, lower_first(line.label))
                if name not in names:
                    names.append(name)
    return names


def derived_inputs(analysis) -> list[str]:
    """``"Amazon Prime Video's churn"`` for each CLV input derived from other figures rather than reported."""
    out = []
    for company in analysis.companies.values():
        for line in company.input_lines:
            if line.basis.kind == "derived" and line.owner != "shared" and line.figure_id != "arpu":
                out.append(f"{company.name}'s own {_SHORT.get(line.figure_id, lower_first(line.label))}")
    return out


def robust_lever_claim(analysis) -> str | None:
    """``"in every scenario X is worth more to A and B than Y or Z"`` when one lever comes first for every
    company in every scenario; None otherwise."""
    companies = list(analysis.companies.values())
    tops = {r[0] for c in companies for r in lever_rankings(c).values()}
    if len(tops) != 1:
        return None
    noun = analysis.noun
    lever = companies[0].strongest_lever
    others = [lever_phrase(e, noun) for e in companies[0].levers[1:]]
    return (f"in every scenario {lever_phrase(lever, noun)} is worth more to "
            f"{join_words(c.name for c in companies)} than {' or '.join(others)}")


def driver_summary(analysis) -> str:
    """Which input moves each company's CLV most and least in its tornado (ties named together)."""
    most, least = [], []
    for c in analysis.companies.values():
        most.append(f"{join_words(widest_drivers(c))} for {c.name}")
        least.append(f"{str(c.tornado['driver'].iloc[-1]).lower()} for {c.name}")
    return f"The inputs that move CLV most are {'; '.join(most)}; the least, {'; '.join(least)}."


def model_answer(analysis) -> str:
    """Three sentences for a final slide: a conclusion the data support in every scenario, one they do not
    support, and the evidence that would settle the second."""
    companies = list(analysis.companies.values())
    assumed = [a for a in unpublished_inputs(analysis) if a != "the discount rate"]  # a judgement, not a secret
    noun = analysis.noun
    claim = robust_lever_claim(analysis)
    if claim is not None:
        lever = companies[0].strongest_lever
        advice = {"revenue": f"techniques that raise what each {noun} pays (tiers, upselling, bundles) deserve the "
                             "first call on the budget, provided they do not push churn up",
                  "retention": "retention techniques deserve the first call on the budget",
                  "acquisition": "cheaper acquisition deserves the first call on the budget"}[lever.lever]
        first = f"{upper_first(claim)}, so {advice}."
    elif structure_sentence(analysis).endswith(" This holds in every scenario."):
        first = "In every scenario, " + structure_sentence(analysis).replace(" This holds in every scenario.", "")
    else:
        first = ("No ranking of the levers holds in every scenario, so any recommendation must say which "
                 "assumptions it rests on.")
    if analysis.ranges_overlap:
        second = (f"The data cannot say which service has the higher CLV, because the low-to-high ranges overlap "
                  f"and rest on {join_words(assumed)} that neither firm publishes.")
    else:
        best = analysis.ranked[0]
        second = (f"The data show that {best.name} is worth more in every scenario, but not by how much, because "
                  f"the gap rests on {join_words(assumed)} that neither firm publishes.")
    measured = [f"a measured figure for {d}" for d in derived_inputs(analysis)]
    if assumed:
        evidence = f"published {join_words(assumed)}" + (f", with {join_words(measured)}," if measured else "")
    else:
        evidence = join_words(measured) or "a longer run of the same figures"
    third = f"{upper_first(evidence)} would settle it."
    return " ".join([first, second, third])


def widest_drivers(company) -> list[str]:
    """The driver (or drivers, when tied) with the widest bar in the company's tornado, in lower case."""
    t = company.tornado
    width = (t["high_value"] - t["low_value"]).abs()
    top = float(width.max())
    return [str(d).lower() for d, w in zip(t["driver"], width) if abs(w - top) <= 1e-9 * max(1.0, top)]


def tornado_sentence(company) -> str:
    """The widest bar of the company's tornado (ties named together) and the narrowest."""
    t = company.tornado
    width = (t["high_value"] - t["low_value"]).abs()
    widest = widest_drivers(company)
    if len(widest) == 1:
        top = widest[0]
    elif len(widest) == 2 and any("revenue" in w for w in widest) and any("margin rate" in w for w in widest):
        from clvedu.analysis import SWING

        top = f"{join_words(widest)} (a tie: {SWING:.0%} more of either raises the margin by {SWING:.0%})"
    else:
        top = f"{join_words(widest)} (a tie)"
    narrowest = str(t["driver"].iloc[-1]).lower()
    return (f"for {company.name} the widest bar is {top}, a swing of "
            f"{_money(float(width.iloc[0]), company.currency, decimals=0)}, and the narrowest is {narrowest} "
            f"({_money(float(width.iloc[-1]), company.currency, decimals=0)})")


def payback_sentence(analysis) -> str:
    """When each company recovers the cost of winning a customer, and which recovers it sooner.

    Payback is :attr:`clvedu.analysis.CompanyAnalysis.payback_periods` (see :func:`clvedu.levers.acquisition_payback`).
    """
    companies = list(analysis.companies.values())

    def when(c) -> str:
        n = c.payback_periods
        return "never" if n is None else f"after {n} {c.period}{'s' if n != 1 else ''}"

    text = (f"The cost of winning a {analysis.noun} is recovered "
            + join_words(f"{when(c)} for {c.name}" for c in companies))
    known = [c for c in companies if c.payback_periods is not None]
    if len(known) >= 2 and len({c.period for c in known}) == 1:
        soonest = min(c.payback_periods for c in known)
        first = [c.name for c in known if c.payback_periods == soonest]
        text += (f", so {first[0]} gets its money back sooner" if len(first) == 1
                 else f", so {join_words(first)} get their money back at the same time")
    return text + "."
