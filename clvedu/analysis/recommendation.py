"""Recommendations per company, computed and tested: what to work on first, checked against the case's own history.

Nothing here is worded for one case. For each company :func:`recommend` reads the analysis
(:class:`~clvedu.analysis.company.CompanyAnalysis`) and the case, and returns a :class:`Recommendation`:

* ``lever``: the lever whose 10% improvement adds most CLV (retention, revenue or acquisition), the one
  the analysis ranks first;
* ``price_test``: a :class:`PriceTest` of the price rises the case records (plans of the same name and
  market whose price went up): at the median recorded rise, the churn per period at which CLV is
  unchanged (the break-even), set against the case's own range for the stay-or-leave figure. ``verdict``
  is ``pays`` (the rise keeps CLV even at the worst end of the range), ``depends`` (the break-even lies
  inside the range), ``fails`` (not even the best end keeps it) or ``untested`` (no rise recorded);
* ``action``: ``keep_members`` (members' spending elsewhere in the firm, at the case's assumed margin, makes
  keeping them worth more than a price rise), ``raise_prices`` (revenue first and rises pass the test), ``tiers_and_tests`` (revenue
  first but a rise of the recorded size is a bet inside the range: grow revenue through the plan mix and
  test rises on a sample), ``sell_more`` (revenue first and rises fail or cannot be tested: upselling
  and cross-selling), ``keep`` (retention first) or ``acquire`` (acquisition first);
* ``technique``: the modelled technique (journey.yaml) to act on: of those the stage-fit judgement
  (:class:`~clvedu.analysis.stage_fit.TechniqueFit`) does not call a weak fit and that gain value, the one
  that nets most (the better verdict on a tie) among those that move the action's lever (:data:`ACTION_LEVER`)
  when any does, else among all; with action ``keep_members``, only one that keeps customers;
  None when every modelled technique is weak or loses
  value, so a recommendation never names a technique the stage verdicts call weak (a price change is left
  to the price test, so it is never the technique). It is to be scaled up
  when it is a strong fit and costs nothing or returns at least :data:`SCALE_ROI` times its cost, and
  trialled on a sample otherwise;
* ``target_segment``: where the case gives segments with their own acquisition costs, the one whose
  customers bring back most per unit spent winning them (``target_return``, (CLV + AC) / AC);
* ``changes``: the single input ends (of the case's own ranges) at which another lever comes first,
  which is what would change the recommendation.

:func:`ranking_test` tests the case's ranking: the churn at which the leader's CLV falls to the
runner-up's, the leader's CLV at the runner-up's churn (when both have the same relationship), and the
single input ends that reverse the order. :func:`customer_trend` reads a series of customer counts the
case reports (same label, several dates) as evidence of what happened after the price rises.
"""

from __future__ import annotations

import pandas as pd

import re
from dataclasses import dataclass
from statistics import median

from clvedu.analysis.company import CompanyAnalysis, lever_effects
from clvedu.analysis.segmentation import case_segments
from clvedu.analysis.sources import reference
from clvedu.analysis.stage_fit import RANK, THIN_RETURN
from clvedu.cases import Case
from clvedu.domain.relationships import PESSIMISTIC_END
from clvedu.levers import break_even_churn, clv, with_churn
from clvedu.units import Churn, Retention

_PARENTHESIS = re.compile(r"\s*\(.*\)\s*$")
_YEAR = re.compile(r"(\d{4})")


@dataclass(frozen=True)
class PriceRise:
    """One recorded rise: a plan's price from one dated entry to the next of the same name and market."""

    plan: str
    market: str
    before: float
    after: float
    per: str
    since: str           # effective_from of the new price
    citation: str
    source: str = ""     # the case's source id of the new price

    @property
    def change(self) -> float:
        return self.after / self.before - 1.0


@dataclass(frozen=True)
class PriceTest:
    """The case's price rises set against the break-even churn (see the module notes)."""

    rises: tuple[PriceRise, ...]
    tested_change: float | None        # the median recorded rise
    break_even_churn: float | None     # churn per period at which that rise keeps CLV (None: no churn does)
    stay_now: float                    # churn now, per period
    stay_low: float | None             # the best churn in the case's own range (per period)
    stay_high: float | None            # the worst churn in the range
    verdict: str                       # pays, depends, fails, untested
    period: str

    @property
    def largest(self) -> PriceRise | None:
        return max(self.rises, key=lambda r: r.change) if self.rises else None

    @property
    def smallest(self) -> PriceRise | None:
        return min(self.rises, key=lambda r: r.change) if self.rises else None

    @property
    def headroom(self) -> float | None:
        """How far churn may rise, relative to now, before the tested rise loses value (0.13 = 13%)."""
        if self.break_even_churn is None or self.stay_now <= 0:
            return None
        return self.break_even_churn / self.stay_now - 1.0


@dataclass(frozen=True)
class LeverChange:
    """An input at one end of its own range at which another lever comes first."""

    figure_id: str
    label: str
    end: str             # low or high
    value: float         # the figure at that end, as typed
    per: str | None
    lever: str           # the lever that comes first there
    lever_label: str


PRICE_CHANGE = "Price change"
"""The name the technique table gives the price-change scenario: left out of the technique choice, because
whether a price rise pays is what :func:`price_test` judges against the case's own history."""

SCALE_ROI = 2.0
"""A modelled technique that returns at least this many times its cost (or costs nothing) is worth scaling
up; one that returns between 1 and this is worth a trial on a sample first, because its assumed effect
leaves little room for error."""


@dataclass(frozen=True)
class TechniqueChoice:
    name: str
    driver: str
    gain: float            # net change in CLV per new customer, after the technique's cost
    roi: float | None      # net gain over cost; None when it costs nothing
    verdict: str = "strong"   # its one judged fit (clvedu.analysis.stage_fit.TechniqueFit)
    stage: str = ""
    lever: str = ""           # the lever it moves (retention, revenue, acquisition), when judged

    @property
    def scale(self) -> bool:
        """True when the technique is a strong fit and costs nothing or returns at least :data:`SCALE_ROI`
        times its cost; otherwise it is trialled on a sample first."""
        return self.verdict == "strong" and (self.roi is None or self.roi >= SCALE_ROI)


@dataclass(frozen=True)
class CustomerTrend:
    """A series of customer counts the case reports: first and last value with their dates."""

    label: str
    first: float
    first_as_of: str
    last: float
    last_as_of: str
    unit: str
    citation: str
    source: str = ""

    @property
    def change(self) -> float:
        return self.last / self.first - 1.0 if self.first else 0.0


@dataclass(frozen=True)
class Recommendation:
    """What to work on first for one company, with the evidence and the conditions behind it."""

    company_id: str
    lever: str                         # retention, revenue, acquisition
    lever_label: str
    lever_gain: float
    runner_up: str                     # the second lever
    runner_up_gain: float
    action: str                        # keep_members, raise_prices, tiers_and_tests, sell_more, keep, acquire
    price_test: PriceTest
    technique: TechniqueChoice | None
    changes: tuple[LeverChange, ...]
    trend: CustomerTrend | None
    crossover_churn: float | None      # churn per period at which the second lever would overtake the first
    target_segment: str | None = None   # the case segment whose customers return most per unit spent winning them
    target_return: float | None = None  # (CLV + acquisition cost) / acquisition cost of that segment
    wider_margin: float | None = None  # the assumed margin on members' spending elsewhere in the firm, when it
    #                                    makes keeping members worth more than a price rise (action "keep_members")


@dataclass(frozen=True)
class RankingTest:
    """How firmly the case's ranking holds (see the module notes)."""

    leader: str
    runner_up: str
    gap: float
    ranges_overlap: bool
    parity_churn: float | None         # leader's churn per period at which it is worth the runner-up's CLV
    leader_churn: float
    period: str
    swapped_clv: float | None          # the leader's CLV at the runner-up's churn (same relationship only)
    flips: tuple[tuple[str, str, str, float], ...]   # (company id, figure id, end, CLV there) reversing the order


# --- price history ------------------------------------------------------------------------------------

def _plan_key(name: str) -> str:
    return _PARENTHESIS.sub("", name).strip().lower()


def price_rises(case: Case, cid: str) -> tuple[PriceRise, ...]:
    """Every recorded rise of a plan's price: consecutive dated entries of the same plan name (a bracketed
    qualifier ignored), market and period, in date order."""
    groups: dict[tuple[str, str, str], list] = {}
    for plan in case.companies[cid].plans:
        if plan.per is None or plan.add_on:
            continue
        groups.setdefault((_plan_key(plan.name), plan.market, plan.per), []).append(plan)
    rises = []
    for (_, market, per), plans in groups.items():
        plans.sort(key=lambda p: str(p.effective_from or ""))  # a price known only to have ended comes first
        for before, after in zip(plans, plans[1:]):
            if after.price > before.price > 0:
                rises.append(PriceRise(plan=_PARENTHESIS.sub("", after.name).strip(), market=market,
                                       before=float(before.price), after=float(after.price), per=per,
                                       since=str(after.effective_from or ""),
                                       citation=reference(case, after.source).citation, source=after.source))
    return tuple(sorted(rises, key=lambda r: r.since))


def churn_range(case: Case, company: CompanyAnalysis) -> tuple[float | None, float | None]:
    """(best, worst) churn per period from the stay-or-leave figure's own range, in the CLV's period."""
    rel = company.relationship
    fig = case.figure(company.id, rel.retention_figure)
    if fig.low is None and fig.high is None:
        return None, None
    period = company.period

    def churn_at(v: float) -> float:
        q = Churn(v, fig.per) if rel.retention_is_churn else Retention(v, fig.per).churn
        return float((q if q.per == period else q.to(period)).value)

    ends = sorted(churn_at(fig.bound(b)) for b in ("low", "high"))
    return ends[0], ends[1]


def price_test(case: Case, company: CompanyAnalysis) -> PriceTest:
    """The :class:`PriceTest` of one company (see the module notes)."""
    rises = price_rises(case, company.id)
    x = company.inputs
    now = float(x.churn.value)
    low, high = churn_range(case, company)
    if not rises:
        return PriceTest((), None, None, now, low, high, "untested", company.period)
    change = median(r.change for r in rises)
    try:
        be = break_even_churn(x, float(x.arpu.value) * (1 + change))
    except ValueError:
        be = None
    worst = high if high is not None else now
    best = low if low is not None else now
    if be is None or be < best:
        verdict = "fails"
    elif be >= worst:
        verdict = "pays"
    else:
        verdict = "depends"
    return PriceTest(rises, change, be, now, low, high, verdict, company.period)


# --- levers and techniques ----------------------------------------------------------------------------

def lever_changes(case: Case, company: CompanyAnalysis) -> tuple[LeverChange, ...]:
    """The single input ends (each ranged input at its low or high end, the rest at base) at which a
    lever other than the base's first comes first."""
    first = company.levers[0].lever
    out = []
    for owner, fid in case.clv_figures(company.id):
        fig = case.figure(owner, fid)
        if fig.low is None and fig.high is None:
            continue
        for end in ("low", "high"):
            if fig.bound(end) == fig.value:
                continue
            x = case.clv_inputs(company.id, ends={fid: end})
            effects = lever_effects(x, company.relationship)
            if effects[0].lever != first:
                out.append(LeverChange(fid, fig.label, end, float(fig.bound(end)), fig.per,
                                       effects[0].lever, effects[0].label))
    return tuple(out)


ACTION_LEVER = {"keep_members": "retention", "keep": "retention", "raise_prices": "revenue",
                "tiers_and_tests": "revenue", "sell_more": "revenue", "acquire": "acquisition"}
"""The lever each action works on: a technique that moves it carries the action out."""


def best_technique(company: CompanyAnalysis, judged=None, lever: str | None = None,
                   strict: bool = False) -> TechniqueChoice | None:
    """The modelled technique to act on (see the module notes). ``judged`` holds the company's
    :class:`~clvedu.analysis.stage_fit.TechniqueFit` (from :func:`~clvedu.analysis.stage_fit.stage_fits`);
    without it (a case with no journey stages) every technique that gains value and nets at least its cost
    again is a candidate, judged strong. With ``lever`` ("retention", "revenue", "acquisition"), techniques
    that move that lever come first when one of them may be recommended; with ``strict``, only they."""
    table = company.techniques
    if table is None or table.empty:
        return None
    verdicts = {j.name: j for j in (judged or ())}
    candidates = []
    for row in table.itertuples(index=False):
        if str(row.technique) == PRICE_CHANGE:   # a price rise is the price test's to judge, not a technique's
            continue
        gain = float(row.delta_clv)
        roi = None if pd.isna(row.roi) else float(row.roi)
        j = verdicts.get(str(row.technique))
        if j is not None:
            if not j.usable:
                continue
            verdict, stage = j.verdict, j.stage
        else:
            if judged is not None and verdicts:
                continue
            if not (gain > 0 and (roi is None or roi >= THIN_RETURN)):
                continue
            verdict, stage = "strong", ""
        candidates.append(TechniqueChoice(str(row.technique), str(row.driver), gain, roi, verdict, stage,
                                          j.lever if j is not None else ""))
    if not candidates:
        return None
    if lever is not None:  # the action names a lever: a technique that moves it carries the action out
        on_lever = [t for t in candidates if t.name in verdicts and verdicts[t.name].lever == lever]
        if strict and not on_lever:
            return None
        candidates = on_lever or candidates
    # what it nets decides among techniques that fit (strong or fair): a fair fit that nets far more beats a
    # strong fit that nets little; the verdict breaks ties
    return max(candidates, key=lambda t: (t.gain, -RANK[t.verdict]))


def customer_trend(case: Case, company: CompanyAnalysis) -> CustomerTrend | None:
    """The longest series of customer counts the company reports under one label (unit counting its
    customers, two or more dates), first and last; None when there is none."""
    noun = company.noun
    plural = noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")
    series: dict[tuple[str, str], list] = {}
    for fig in case.companies[company.id].figures.values():
        words = str(fig.unit or "").lower().split()
        if not words or words[-1] not in {noun, plural, "customers"} or fig.value is None or not fig.as_of:
            continue
        if fig.per is not None:   # a flow (net additions per quarter), not a count
            continue
        series.setdefault((fig.label, fig.unit or ""), []).append(fig)
    best = None
    for (label, unit), figs in series.items():
        dated = [f for f in figs if _YEAR.search(str(f.as_of))]
        if len(dated) < 2:
            continue
        dated.sort(key=lambda f: (_YEAR.search(str(f.as_of))[1], str(f.as_of)))  # type: ignore[index]
        if best is None or len(dated) > len(best[2]):
            best = (label, unit, dated)
    if best is None:
        return None
    label, unit, dated = best
    first, last = dated[0], dated[-1]
    return CustomerTrend(label, float(first.value), str(first.as_of), float(last.value), str(last.as_of), unit,
                         reference(case, last.source).citation if last.source else "", last.source or "")


def crossover_churn(company: CompanyAnalysis) -> float | None:
    """The churn per period, nearest the company's own, at which the retention and revenue levers are worth
    the same (so beyond it the other comes first); None when those two are not the top two levers or they
    never cross for churn between 0.01% and 99% per period."""
    top = {company.levers[0].lever, company.levers[1].lever}
    if top != {"retention", "revenue"}:
        return None
    x = company.inputs

    def lead(c: float) -> float:
        effects = {e.lever: e.gain for e in lever_effects(with_churn(x, c), company.relationship)}
        return effects["retention"] - effects["revenue"]

    now = float(x.churn.value)
    grid = [10 ** (-4 + 4 * i / 60) * 0.99 for i in range(61)]   # 0.0099% to 99%, evenly on a log scale
    # walk out from the company's own churn, one grid step each way at a time: the nearest crossing first
    start = min(range(len(grid)), key=lambda i: abs(grid[i] - now))
    cache: dict[int, float] = {}

    def at(i: int) -> float:
        if i not in cache:
            cache[i] = lead(grid[i])
        return cache[i]

    for step in range(len(grid)):
        for a, b in ((start + step, start + step + 1), (start - step - 1, start - step)):
            if a < 0 or b >= len(grid) or (step == 0 and a != start and b != start):
                continue
            la, lb = at(a), at(b)
            if la == 0:
                return grid[a]
            if (la < 0) != (lb < 0):
                lo, hi = grid[a], grid[b]
                for _ in range(30):
                    mid = (lo + hi) / 2
                    if (lead(mid) < 0) == (la < 0):
                        lo = mid
                    else:
                        hi = mid
                return (lo + hi) / 2
    return None


def target_segment(case: Case, company: CompanyAnalysis) -> tuple[str, float] | None:
    """The case segment (``segments:`` with their own acquisition costs) whose customers bring back most per
    unit spent winning them, ``(CLV + AC) / AC``, with that return; None without two such segments."""
    returns = [(s.name, (s.clv + s.acquisition_cost) / s.acquisition_cost)
               for s in case_segments(case, company) if s.acquisition_cost]
    return max(returns, key=lambda r: r[1]) if len(returns) >= 2 else None


def recommend(case: Case, company: CompanyAnalysis, judged=None, ecosystem=None) -> Recommendation:
    """The :class:`Recommendation` for one company (see the module notes); ``judged`` is the company's
    :class:`~clvedu.analysis.stage_fit.TechniqueFit` tuple, which the technique choice follows.

    ``ecosystem`` is the company's :class:`~clvedu.analysis.ecosystem.EcosystemValue` or None. When the case
    assumes a margin on members' spending elsewhere in the firm above the margin at which keeping members
    beats a price rise (``retention_first_margin``), a member who stays is worth more to the firm than the
    service's own levers show, so the action is ``keep_members`` even where revenue leads the service's own
    levers: raising the price would risk the wider spending."""
    first, second = company.levers[0], company.levers[1]
    test = price_test(case, company)
    wider = None
    if (ecosystem is not None and ecosystem.retail_margin is not None
            and ecosystem.retention_first_margin is not None
            and ecosystem.retail_margin.base > ecosystem.retention_first_margin):
        wider = ecosystem.retail_margin.base
    if wider is not None and first.lever != "retention":
        action = "keep_members"
    elif first.lever == "revenue":
        action = {"pays": "raise_prices", "depends": "tiers_and_tests"}.get(test.verdict, "sell_more")
    elif first.lever == "retention":
        action = "keep"
    else:
        action = "acquire"
    return Recommendation(company.id, first.lever, first.label, first.gain, second.lever, second.gain, action,
                          test, best_technique(company, judged, ACTION_LEVER[action], strict=action == "keep_members"),
                          lever_changes(case, company),
                          customer_trend(case, company), crossover_churn(company),
                          *(target_segment(case, company) or (None, None)), wider)


# --- the ranking ---------------------------------------------------------------------------------------

def _parity_churn(company: CompanyAnalysis, target: float) -> float | None:
    """Churn per period at which the company's CLV equals ``target`` (CLV falls as churn rises); None when
    no churn in (0, 1) gives it."""
    x = company.inputs
    lo, hi = 1e-9, 1 - 1e-9

    def f(c: float) -> float:
        return clv(with_churn(x, c)) - target

    if f(lo) < 0 or f(hi) > 0:
        return None
    for _ in range(200):
        mid = (lo + hi) / 2
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return (lo + hi) / 2


def _churn_in(company: CompanyAnalysis, other: CompanyAnalysis) -> float | None:
    """``other``'s churn expressed over ``company``'s period (None when their relationships differ)."""
    if company.relationship.id != other.relationship.id:
        return None
    q = other.inputs.churn
    return float((q if q.per == company.period else q.to(company.period)).value)


def ranking_test(companies: list[CompanyAnalysis], ranges_overlap: bool) -> RankingTest:
    """The :class:`RankingTest` of companies ranked by base CLV, highest first."""
    leader, runner = companies[0], companies[-1]
    swapped = None
    other_churn = _churn_in(leader, runner)
    if other_churn is not None and 0 < other_churn < 1:
        swapped = clv(with_churn(leader.inputs, other_churn))
    flips = []
    for row in leader.range_tornado.itertuples(index=False):
        if row.low_value < runner.clv.base:   # the leader's pessimistic end of this input
            flips.append((leader.id, str(row.figure), PESSIMISTIC_END.get(str(row.figure), "low"), float(row.low_value)))
    for row in runner.range_tornado.itertuples(index=False):
        if row.high_value > leader.clv.base:  # the runner-up's optimistic end
            end = "high" if PESSIMISTIC_END.get(str(row.figure), "low") == "low" else "low"
            flips.append((runner.id, str(row.figure), end, float(row.high_value)))
    return RankingTest(leader=leader.id, runner_up=runner.id, gap=leader.clv.base - runner.clv.base,
                       ranges_overlap=ranges_overlap, parity_churn=_parity_churn(leader, runner.clv.base),
                       leader_churn=float(leader.inputs.churn.value), period=leader.period,
                       swapped_clv=swapped, flips=tuple(flips))



__all__ = ["CustomerTrend", "LeverChange", "PriceRise", "PriceTest", "RankingTest", "Recommendation",
           "TechniqueChoice", "best_technique", "customer_trend", "lever_changes", "price_rises", "price_test",
           "ranking_test", "recommend"]
