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
        return (f"For {'both' if len(companies) == 2 else 'all'} companies the most valuable of the three is "
                f"{lever_phrase(companies[0].strongest_lever, analysis.noun)}, in every scenario.")
    parts = []
    for c in companies:
        where = "in every scenario" if robust[c.id] else "in the base case, though not in every scenario"
        parts.append(f"For {c.name} the most valuable is {lever_phrase(c.strongest_lever, c.noun)}, {where}.")
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


# --- chapters 1 to 3: worked tables and comparisons ------------------------------------------------------------

def direction(a: float, b: float, more: str = "more", less: str = "less", same: str = "the same") -> str:
    """``more`` when ``a`` > ``b``, ``less`` when smaller, ``same`` when equal to a millionth of the larger."""
    if abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b)):
        return same
    return more if a > b else less


def amount_comparison(a_label: str, a: float, b_label: str, b: float, currency: str = "USD",
                      decimals: int = 0) -> str:
    """``"a new Netflix member ($152) is worth $9 less than a new Prime Video member ($161)"``."""
    a_text, b_text = _money(a, currency, decimals), _money(b, currency, decimals)
    if direction(a, b) == "the same":
        return f"{a_label} ({a_text}) is worth as much as {b_label} ({b_text})"
    return (f"{a_label} ({a_text}) is worth {_money(abs(a - b), currency, decimals)} "
            f"{direction(a, b)} than {b_label} ({b_text})")


def ranked_phrase(values: dict[str, float], currency: str = "USD", decimals: int = 0) -> str:
    """``"North America ($90), Europe ($80) and Asia-Pacific ($41)"``, highest first."""
    order = sorted(values, key=values.get, reverse=True)
    return join_words(f"{name} ({_money(values[name], currency, decimals)})" for name in order)


def value_ranking_sentence(analysis) -> str:
    """Which company's new customer is worth most at base, and by how much (after acquisition cost)."""
    best, *rest = analysis.ranked
    noun = analysis.noun
    if not rest:
        return f"At base, a new {best.name} {noun} is worth {_money(best.clv.base, best.currency, 0)}."
    other = rest[0]
    gap = best.clv.base - other.clv.base
    if abs(gap) < 0.005:
        return (f"At base, a new {best.name} {noun} and a new {other.name} {noun} are worth the same, "
                f"{_money(best.clv.base, best.currency, 0)} after acquisition cost.")
    return (f"At base, a new {best.name} {noun} is worth {_money(best.clv.base, best.currency, 0)} after "
            f"acquisition cost, {_money(gap, best.currency, 0)} more than a new {other.name} {noun} "
            f"({_money(other.clv.base, other.currency, 0)}).")


def balance_sentence(analysis) -> str:
    """Which company gets more discounted margin back for each dollar spent winning a customer (the ratio of
    the value of the margins to the acquisition cost) at base."""
    noun = analysis.noun
    ratios = {c.name: c.value_before_acquisition / c.inputs.acquisition_cost
              for c in analysis.companies.values() if c.inputs.acquisition_cost > 0}
    if not ratios:
        return f"No company pays to win a {noun}, so there is no ratio to compare."
    order = sorted(ratios, key=ratios.get, reverse=True)
    one = _money(1, analysis.currency).removesuffix(".00")  # "$1", "£1": the ratio is money back per unit spent
    shown = join_words(f"{_money(ratios[n], analysis.currency)} at {n}" for n in order)
    if len(order) == 1:
        return f"Every {one} spent winning a {noun} brings back {shown} of discounted margin."
    if direction(ratios[order[0]], ratios[order[1]]) == "the same":
        return f"Every {one} spent winning a {noun} brings back the same discounted margin: {shown}."
    return (f"{order[0]} gets more discounted margin back for every {one} spent winning a {noun} "
            f"({shown} per {one}).")


def step_table(company) -> str:
    """The analysis's worked CLV (:attr:`CompanyAnalysis.steps`) as a numbered Markdown table."""
    from clvedu.formatting import money, percent

    def shown(step) -> str:
        if step.kind == "money":
            return money(step.value, company.currency, per=step.per)
        if step.kind == "share":
            text = percent(step.value, 2 if step.value < 0.1 else 1)
            return text + (f" a {step.per}" if step.per else "")
        if step.kind == "rate":
            return percent(step.value, 3) + (f" a {step.per}" if step.per else "")
        if step.kind == "count":
            return f"{step.value:,.2f} {step.unit}" + (f" a {step.per}" if step.per else "")
        return f"{step.value:,.2f}"

    rows = [[str(i), f"{s.operator} {s.label}".strip(), shown(s)] for i, s in enumerate(company.steps, 1)]
    return md_table(["Step", "What", "Value"], rows)


def schedule_table(company, first: int = 12, later=(24, 36, 60, 120, 240)) -> str:
    """The period-by-period CLV table (:meth:`CompanyAnalysis.schedule`) as Markdown: the first ``first``
    periods, then a few later ones, the first period whose running total is within half a cent of the closed
    form, and the closed form itself. The payback period, when there is one, is marked with a star. The margin column is
    left out when the margin is the same in every period (say so in the text), to keep the table narrow enough
    for a phone."""
    from clvedu.formatting import money

    target = company.value_before_acquisition
    horizon = max([first, *later])
    table = company.schedule(horizon)
    while abs(table["running_total"].iloc[-1] - target) >= 0.005 and horizon < 12000:
        horizon *= 2
        table = company.schedule(horizon)
    gap = (table["running_total"] - target).abs().to_numpy()
    reached = int(table["period"].iloc[int((gap < 0.005).argmax())]) if (gap < 0.005).any() else None
    shown = sorted({*range(1, first + 1), *(p for p in later if p <= horizon), *([reached] if reached else [])})
    cur = company.currency
    payback = company.payback_periods
    varies = bool(table["margin"].max() - table["margin"].min() > 1e-9)
    rows, previous = [], 0
    for p in shown:
        if p > previous + 1:
            rows.append(["…"] + [""] * (5 if varies else 4))
        row = table.loc[table["period"] == p].iloc[0]
        total = money(row["running_total"], cur)
        if payback is not None and p == payback:
            total += " *"
        cells = [str(p), f"{row['still_customers']:.4f}"]
        if varies:
            cells.append(money(row["margin"], cur))
        rows.append(cells + [f"{row['discount_factor']:.4f}", money(row["value"], cur), total])
        previous = p
    rows.append(["For ever", *([""] * (4 if varies else 3)), f"**{money(target, cur)}**"])
    header = [company.period.capitalize(), "Share still paying", *(["Margin"] if varies else []), "Discount factor",
              "Value today", "Running total"]
    return md_table(header, rows)


# --- chapters 4 and 5: decision stages, techniques and the M3 evaluation ----------------------------------------

def _missing(value) -> bool:
    """True for None, NaN and pandas' NA (a payback or return that is undefined)."""
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _payback_words(row) -> str:
    """How a priced technique's cost is recovered, from a row of :attr:`CompanyAnalysis.techniques`."""
    if row["delta_clv"] <= 0:
        return "it lowers CLV, so it never pays back"
    if not row["cost"]:
        return "it costs nothing to recover"
    months = row["payback_months"]
    if _missing(months):
        return "it never pays back"
    months = float(months)
    if round(months) == 0:
        return "it pays for itself at once"
    return f"it pays back in {months:.0f} month{'s' if round(months) != 1 else ''}"


def priced_techniques(analysis, cid: str) -> list[dict]:
    """The company's priced technique scenarios, in the order of the case's ``journey.yaml``.

    Each item: ``id`` (a technique id of :data:`clvedu.domain.techniques.TECHNIQUES`), ``label`` (lower case),
    ``driver`` (the technique's driver id), ``row`` (its row of :attr:`CompanyAnalysis.techniques`) and
    ``scenario`` (the journey entry, with its parameters and their kinds).
    """
    from clvedu.domain.techniques import TECHNIQUES

    company = analysis.company(cid)
    journey = analysis.journey
    table = company.techniques
    if journey is None or table is None:
        return []
    items = []
    for sc, (_, row) in zip(journey.technique_scenarios.get(cid, []), table.iterrows()):
        t = TECHNIQUES[sc.technique]
        items.append({"id": sc.technique, "label": t.label.split(" (")[0].lower(), "driver": t.driver, "row": row, "scenario": sc})
    return items


def stage_priced(analysis, stage: str) -> dict[str, list[dict]]:
    """For one decision stage (an id of :data:`clvedu.domain.stages.B2C_STAGES`), each company's priced
    techniques that move the CLV driver the case's stage table gives that stage, largest ΔCLV first."""
    st = next((s for s in analysis.journey.b2c_stages if s.stage == stage), None)
    if st is None:
        raise ValueError(f"stage must be one of the case's decision stages; got {stage!r}")
    out = {}
    for cid in analysis.companies:
        chosen = [t for t in priced_techniques(analysis, cid) if t["driver"] == st.clv_driver]
        out[cid] = sorted(chosen, key=lambda t: t["row"]["delta_clv"], reverse=True)
    return out


def stage_verdict(analysis, stage: str) -> str:
    """What the priced techniques say about one decision stage, company by company, largest ΔCLV first.

    The driver is the one the case's stage table gives the stage; a technique counts when it moves that
    driver. Says when a company has no priced technique for the stage, and when the technique adding most
    takes longest to pay back.
    """
    from clvedu.domain.stages import CLV_DRIVERS

    st = next(s for s in analysis.journey.b2c_stages if s.stage == stage)
    driver = CLV_DRIVERS[st.clv_driver].lower()
    noun = analysis.noun
    parts = []
    for cid, items in stage_priced(analysis, stage).items():
        name = analysis.company(cid).name
        if not items:
            parts.append(f"None of the techniques priced for {name} moves {driver}, so the case puts no value on "
                         f"this stage for {name}.")
            continue

        def one(t, first: bool = False) -> str:
            per = f" per new {noun}" if first else ""
            return (f"{t['label']} ({_signed_money(t['row']['delta_clv'], analysis.currency)}{per}; "
                    f"{_payback_words(t['row'])})")

        if len(items) == 1:
            parts.append(f"For {name} the one priced technique that moves {driver} is {one(items[0], True)}.")
            continue
        first, *rest = items
        text = f"For {name}, {one(first, True)} adds most, then " + join_words(one(t) for t in rest)
        paybacks = {t["label"]: float(t["row"]["payback_months"]) for t in items
                    if t["row"]["delta_clv"] > 0 and t["row"]["cost"] and not _missing(t["row"]["payback_months"])}
        if first["label"] in paybacks and len(paybacks) > 1 and paybacks[first["label"]] == max(paybacks.values()) \
                and list(paybacks.values()).count(max(paybacks.values())) == 1:
            text += f"; {first['label']} adds most but is the slowest of them to pay back"
        parts.append(text + ".")
    return " ".join(parts)


def stage_limits(analysis, stage: str) -> str:
    """Which inputs behind a stage's priced techniques are reported and which are assumed (the verdict's limit)."""
    reported, assumed = [], 0
    priced = stage_priced(analysis, stage)
    what = "order of the techniques" if sum(len(items) for items in priced.values()) > 1 else "figure"
    for cid, items in priced.items():
        for t in items:
            for pname, p in t["scenario"].parameters.items():
                if p.kind == "reported":
                    reported.append(f"{analysis.company(cid).name}'s {pname.replace('_', ' ')}")
                else:
                    assumed += 1
    if not reported and not assumed:
        return "No technique is priced for this stage, so the judgement rests on the case's evidence alone."
    if not reported:
        return (f"Every effect and cost behind these figures is an illustrative assumption, so the {what} is only "
                "as good as those assumptions.")
    return (f"Of the inputs behind these figures only {join_words(reported)} {'is' if len(reported) == 1 else 'are'} "
            f"reported; the rest are illustrative assumptions, so the {what} is only as good as they are.")


def _signed_money(value: float, currency: str) -> str:
    text = _money(abs(value), currency)
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def technique_extremes_sentence(analysis) -> str:
    """Which priced technique adds most and which least to each company's CLV per new customer."""
    noun = analysis.noun
    parts = []
    for cid in analysis.companies:
        items = priced_techniques(analysis, cid)
        if not items:
            continue
        name = analysis.company(cid).name
        best = max(items, key=lambda t: t["row"]["delta_clv"])
        worst = min(items, key=lambda t: t["row"]["delta_clv"])
        text = (f"{name} gains most from {best['label']} "
                f"({_signed_money(best['row']['delta_clv'], analysis.currency)} per new {noun})")
        if worst is not best:
            text += (f" and least from {worst['label']} "
                     f"({_signed_money(worst['row']['delta_clv'], analysis.currency)})")
        parts.append(text)
    if not parts:
        return "The case prices no techniques."
    return "Under these assumptions, " + "; ".join(parts) + "."


def retention_payback_sentence(analysis) -> str:
    """Whether the priced retention techniques pay back more slowly than the others (median months), per company."""
    import statistics

    compared = {}
    for cid in analysis.companies:
        keep, other = [], []
        for t in priced_techniques(analysis, cid):
            row = t["row"]
            m = row["payback_months"]
            if row["delta_clv"] <= 0 or not row["cost"] or _missing(m):
                continue
            (keep if t["driver"] == "retention" else other).append(float(m))
        if keep and other:
            compared[analysis.company(cid).name] = (statistics.median(keep), statistics.median(other))
    if not compared:
        return ("The case does not price both retention techniques and other techniques with a cost to recover, "
                "so their paybacks cannot be compared.")
    detail = "; ".join(f"for {name}, {k:.0f} months against {o:.0f}" for name, (k, o) in compared.items())
    slower = [name for name, (k, o) in compared.items() if k > o]
    if len(slower) == len(compared):
        return (f"Retention techniques pay back more slowly than the others here (median paybacks {detail}): their "
                "benefit arrives month by month while their running cost starts at once, so a one-year window makes "
                "them look worse than they are.")
    return (f"Retention techniques do not pay back more slowly than the others for every service here (median "
            f"paybacks {detail}); check the payback column before assuming so.")


def price_room_sentence(analysis) -> str:
    """How far churn may rise before a price rise of the analysis's swing stops paying, per company."""
    from clvedu.formatting import percent
    from clvedu.units import ADJECTIVE

    swing = analysis.swing
    parts, room = [], {}
    for c in analysis.companies.values():
        b = c.break_even
        if b.churn is None:
            parts.append(f"For {c.name} no churn rate would offset a {swing:.0%} price rise.")
            continue
        room[c.name] = b.churn / c.churn - 1
        parts.append(f"A {swing:.0%} price rise pays for {c.name} only while {ADJECTIVE[c.period]} churn stays below "
                     f"{percent(b.churn, 2)} (now {percent(c.churn, 2)}), so churn may rise by up to "
                     f"{room[c.name]:.0%} of itself.")
    text = " ".join(parts)
    if len(room) >= 2 and len(set(round(v, 9) for v in room.values())) == len(room):
        text += f" That leaves {max(room, key=room.get)} the most room."
    return text


def acquisition_share_sentence(analysis) -> str:
    """The acquisition cost as a share of the value of a new customer's margins, per company, and which is larger."""
    from clvedu.formatting import percent

    shares = {c.name: c.acquisition_share for c in analysis.companies.values()}
    known = {k: v for k, v in shares.items() if v is not None}
    parts = [f"{k} {percent(v, 0)}" if v is not None else f"{k} more than all of it"
             for k, v in shares.items()]
    first, *rest = parts
    text = (f"Winning a new {analysis.noun} costs {first} of what that {analysis.noun}'s margins are worth today"
            + (f", and {join_words(rest)}" if rest else ""))
    if len(known) >= 2 and len(set(round(v, 9) for v in known.values())) == len(known):
        top = max(known, key=known.get)
        text += f", so acquisition takes the larger bite out of {top}'s value"
    return text + "."


def churn_room_sentence(analysis) -> str:
    """Each company's churn per period and where a technique that cuts churn by a share has more to work on."""
    from clvedu.formatting import percent

    companies = list(analysis.companies.values())
    parts = [f"{c.name} loses {percent(c.churn, 1)} of its {analysis.noun}s each {c.period}" for c in companies]
    text = upper_first(join_words(parts))
    churns = {c.name: c.churn for c in companies}
    if len(churns) >= 2 and len({round(v, 12) for v in churns.values()}) == len(churns):
        top = max(churns, key=churns.get)
        text += (f", so a technique that removes the same share of churn keeps most {analysis.noun}s at {top}, "
                 "where there is most churn to work on")
    return text + "."


# --- the tutor's guide: plan values and scenario ranges ---------------------------------------------------------

def plan_value_sentence(company) -> str:
    """The cheapest and the dearest plan on sale and what a new customer paying each is worth
    (:attr:`CompanyAnalysis.plans`: the same churn and margin rate for every plan)."""
    plans = sorted(company.plans, key=lambda p: p.price)
    noun = company.noun
    if not plans:
        return f"{company.name} has no plans on sale in the case, so there is no price spread to value."
    low, high = plans[0], plans[-1]
    cur, per = company.currency, company.period
    if len(plans) == 1:
        return (f"{company.name} sells one plan, {low.name}, at {_money(low.price, cur, per=per)}; a new {noun} on it is "
                f"worth {_money(low.clv, cur, 0)}.")
    text = (f"At {company.name}, a new {noun} on {low.name}, at {_money(low.price, cur, per=per)}, is worth "
            f"{_money(low.clv, cur, 0)} and one on {high.name}, at {_money(high.price, cur, per=per)}, is worth "
            f"{_money(high.clv, cur, 0)}")
    dearest_worth_most = max(plans, key=lambda p: p.clv) is high
    return text + (", if both stay as long as the average." if dearest_worth_most else
                   "; the dearest plan is not the one worth most, so look at what else differs between the plans.")


def range_sentence(analysis) -> str:
    """Each company's CLV per new customer from the pessimistic to the optimistic scenario, and whether the
    ranges leave the order of the companies open (:attr:`CaseAnalysis.ranges_overlap`)."""
    noun = analysis.noun
    spans = [f"a new {c.name} {noun} {_money(c.clv.low, c.currency, 0)} to {_money(c.clv.high, c.currency, 0)}"
             for c in analysis.companies.values()]
    spans[0] = spans[0].replace(f" {noun} ", f" {noun} is worth ", 1)
    text = "Between the pessimistic and the optimistic scenario, " + join_words(spans)
    if len(spans) < 2:
        return text + "."
    best = analysis.ranked[0]
    if analysis.ranges_overlap:
        return text + ("; the ranges overlap, so which firm's new " + noun + " is worth more depends on the "
                       "assumptions, not on the data.")
    return text + (f"; the ranges do not overlap, so {best.name}'s new {noun} is worth more whichever ends of "
                   "the ranges hold.")
