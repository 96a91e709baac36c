"""How well each company's techniques fit each stage of the customer journey: judged once, shown everywhere.

The five-stage decision process of journey.yaml (need recognition to post-purchase) is read as a loop
of seven stages, because a customer who has joined decides again and again whether to stay:

    need -> search -> evaluate -> join -> use -> stay or leave -> win back -> (evaluate again)

Where each company's techniques sit:

* need, search, evaluate, join: the techniques of the matching stage in journey.yaml;
* use: the post-purchase techniques, except those below;
* stay or leave: post-purchase techniques whose name speaks of renewal, loyalty, rewards or tiers;
* win back: post-purchase techniques that bring former customers back (come back, win back, returning,
  resubscribe, rejoin).

The modelled technique scenarios of journey.yaml are placed by the lever they move: retention at stay
or leave, revenue at evaluate (where the customer chooses what to pay), acquisition at need.

Each stage moves one lever of CLV (the journey's ``clv_driver``: acquisition, revenue or retention;
stay or leave and win back move retention). The fit is judged from the company's own numbers:

* ``worth``: the company's gain in CLV from a 10% improvement in that lever, and ``share``, that gain
  over the company's largest lever gain;
* ``strong`` when the company has techniques there and share is at least 0.6, ``fair`` from 0.3,
  ``weak`` below;
* ``gap`` when the company has no technique at a stage whose share is at least 0.3, ``low priority``
  below that.

Each modelled technique is judged once too (:class:`TechniqueFit`), from its net gain in CLV per new
customer (the gain after its own cost: the kit's technique effects count the cost inside the changed CLV)
and its return on cost (net gain over cost):

* ``weak`` when it loses value (a net gain of zero or less), whatever the lever;
* otherwise the verdict of the lever at its stage, on the thresholds above (a technique fits where it acts on
  a lever worth much to the firm), one step lower when its return on cost is under :data:`THIN_RETURN` (it
  nets less than its own cost again, which leaves little room for error in its assumed effect).

What each technique nets is kept beside its verdict (``gain``): the recommendation weighs both.

A stage is judged by its lever, on the thresholds above, and never above them: a practice the case
describes is not priced, so a stage with one keeps its lever's verdict (``lever_verdict``), while a stage
with only modelled techniques falls to its best technique's verdict when that is lower (``downgraded_by``
names it). :func:`stage_fits` returns one :class:`StageFit` per stage and company, in loop order, each holding its techniques' :class:`TechniqueFit`; every deck, table and sentence that shows
a judgement reads these objects, so a stage or a technique is judged the same everywhere.
"""

from __future__ import annotations

import pandas as pd

import re
from dataclasses import dataclass

from clvedu.analysis.company import CompanyAnalysis
from clvedu.analysis.sources import reference
from clvedu.domain.stages import CLV_DRIVERS
from clvedu.domain.techniques import TECHNIQUES

STRONG = 0.6
FAIR = 0.3

LEVER_OF_DRIVER = {"acquisition_cost": "acquisition", "referrals": "acquisition", "margin": "revenue",
                   "frequency": "revenue", "retention": "retention"}
"""Which of the three levers each CLV driver of the journey moves."""

WIN_BACK = re.compile(r"come back|comes back|win[- ]?back|returning|resubscri|re-?join|re-?sign|lapsed", re.I)
STAY = re.compile(r"renew|loyal|reward|tier", re.I)

STAGE_OF_JOURNEY = {"need_recognition": "need", "information_search": "search",
                    "evaluation_of_alternatives": "evaluate", "purchase": "join"}
STAGE_OF_LEVER = {"retention": "stay", "revenue": "evaluate", "acquisition": "need"}
"""Where a modelled technique scenario sits, by the lever it moves."""

LOOP = ("need", "search", "evaluate", "join", "use", "stay", "win_back")
"""The seven stages of the loop, in order."""

VERDICTS = ("strong", "fair", "weak", "gap", "low priority")
_DOWN = {"strong": "fair", "fair": "weak", "weak": "weak"}
RANK = {"strong": 0, "fair": 1, "weak": 2, "gap": 3, "low priority": 4}
"""Verdicts from best to worst."""

THIN_RETURN = 1.0
"""A modelled technique whose return on cost (net gain over cost) is below this is one step lower."""


@dataclass(frozen=True)
class Evidence:
    """One technique at a stage: a practice the case describes (``how`` and its source) or a modelled
    scenario (its gain in CLV and return on its cost)."""

    name: str
    how: str
    citation: str        # author, year of the source; "" when the case gives a reason instead
    modelled: bool = False
    gain: float | None = None    # net change in CLV per new customer, after the technique's cost
    roi: float | None = None     # return on cost: net gain over cost (None: it costs nothing)
    cost: float | None = None

    @property
    def pays(self) -> bool:
        """True when it gains value and nets at least :data:`THIN_RETURN` times its cost."""
        return self.gain is not None and self.gain > 0 and (self.roi is None or self.roi >= THIN_RETURN)


@dataclass(frozen=True)
class TechniqueFit:
    """The one judgement of a modelled technique (see the module notes)."""

    company_id: str
    name: str
    stage: str
    lever: str
    share: float          # the lever's worth over the company's largest lever gain
    lever_verdict: str    # strong, fair or weak: the lever alone
    gain: float           # net change in CLV per new customer, after its cost
    cost: float
    roi: float | None     # net gain over cost; None when it costs nothing
    verdict: str          # strong, fair, weak
    why: str              # "" (the lever's verdict), "loses" (loses value), "thin" (return on cost under THIN_RETURN)

    @property
    def usable(self) -> bool:
        """True when it may be recommended: it gains value and is not a weak fit."""
        return self.gain > 0 and self.verdict != "weak"


def lever_verdict_of(share: float) -> str:
    """``strong``, ``fair`` or ``weak`` for a lever worth ``share`` of the company's largest lever gain."""
    return "strong" if share >= STRONG else ("fair" if share >= FAIR else "weak")


def judge_technique(evidence: Evidence, stage: str, company_id: str, lever: str, share: float) -> TechniqueFit:
    """The :class:`TechniqueFit` of one modelled technique at its stage (see the module notes)."""
    lever_base = lever_verdict_of(share)
    gain = float(evidence.gain or 0.0)
    if gain <= 0:
        verdict, why = "weak", "loses"
    elif evidence.roi is not None and evidence.roi < THIN_RETURN:
        verdict, why = _DOWN[lever_base], "thin"
    else:
        verdict, why = lever_base, ""
    return TechniqueFit(company_id=company_id, name=evidence.name, stage=stage, lever=lever, share=share,
                        lever_verdict=lever_base, gain=gain, cost=float(evidence.cost or 0.0), roi=evidence.roi,
                        verdict=verdict, why=why)


@dataclass(frozen=True)
class StageFit:
    """The judged fit of one company's techniques at one stage of the loop."""

    stage: str
    company_id: str
    lever: str                       # retention, revenue, acquisition
    driver: str                      # the journey's driver label, e.g. "Acquisition cost"
    techniques: tuple[Evidence, ...]
    worth: float                     # CLV gain from a 10% better lever
    share: float                     # worth over the company's largest lever gain
    verdict: str                     # strong, fair, weak, gap, low priority
    downgraded_by: str               # the best modelled technique, when it sets a verdict below the lever's; or ""
    judged: tuple[TechniqueFit, ...] = ()   # each modelled technique here, judged once
    lever_verdict: str = ""          # strong, fair or weak from the lever alone: the verdict of each practice here

    @property
    def practices(self) -> tuple[Evidence, ...]:
        return tuple(t for t in self.techniques if not t.modelled)

    @property
    def modelled(self) -> tuple[Evidence, ...]:
        return tuple(t for t in self.techniques if t.modelled)


def _cite(case, technique) -> str:
    return reference(case, technique.source).citation if technique.source else ""


def _place_post_purchase(name: str, how: str) -> str:
    if WIN_BACK.search(name) or WIN_BACK.search(how):
        return "win_back"
    if STAY.search(name):
        return "stay"
    return "use"


def stage_fits(case, journey, companies: dict[str, CompanyAnalysis]) -> tuple[StageFit, ...]:
    """One :class:`StageFit` per loop stage and company (loop order, then company order); empty when the
    case has no journey."""
    if journey is None or not journey.b2c_stages:
        return ()
    placed: dict[tuple[str, str], list[Evidence]] = {}
    drivers: dict[str, str] = {}
    for st in journey.b2c_stages:
        post = st.stage == "post_purchase"
        if not post:
            drivers[STAGE_OF_JOURNEY[st.stage]] = st.clv_driver
        else:
            drivers["use"] = st.clv_driver
        for cid, techniques in st.techniques.items():
            for t in techniques:
                stage = _place_post_purchase(t.name, t.how) if post else STAGE_OF_JOURNEY[st.stage]
                placed.setdefault((stage, cid), []).append(
                    Evidence(" ".join(t.name.split()), " ".join(t.how.split()), _cite(case, t)))
    drivers.setdefault("use", "retention")
    drivers["stay"] = "retention"
    drivers["win_back"] = "retention"
    for cid, company in companies.items():
        table = company.techniques
        if table is None or table.empty:
            continue
        scenarios = journey.technique_scenarios.get(cid, [])
        for sc, row in zip(scenarios, table.itertuples(index=False)):
            lever = LEVER_OF_DRIVER[TECHNIQUES[sc.technique].driver]
            roi = None if pd.isna(row.roi) else float(row.roi)
            placed.setdefault((STAGE_OF_LEVER[lever], cid), []).append(
                Evidence(str(row.technique), " ".join(sc.description.split()), "", modelled=True,
                         gain=float(row.delta_clv), roi=roi, cost=float(row.cost)))
    fits = []
    for stage in LOOP:
        driver = drivers.get(stage, "retention")
        lever = LEVER_OF_DRIVER[driver]
        for cid, company in companies.items():
            gains = {e.lever: e.gain for e in company.levers}
            top = max(gains.values())
            worth = gains[lever]
            share = worth / top if top > 0 else 0.0
            evidence = tuple(placed.get((stage, cid), ()))
            downgraded = ""
            judged = tuple(judge_technique(e, stage, cid, lever, share) for e in evidence if e.modelled)
            lever_verdict = lever_verdict_of(share)
            if not evidence:
                verdict = "gap" if share >= FAIR else "low priority"
            else:
                has_practice = any(not e.modelled for e in evidence)
                verdict = lever_verdict
                if judged:
                    best = min(judged, key=lambda j: (RANK[j.verdict], -j.gain))
                    if not has_practice and RANK[best.verdict] > RANK[lever_verdict]:
                        downgraded, verdict = best.name, best.verdict
            fits.append(StageFit(stage=stage, company_id=cid, lever=lever, driver=CLV_DRIVERS[driver],
                                 techniques=evidence, worth=worth, share=share, verdict=verdict,
                                 downgraded_by=downgraded, judged=judged, lever_verdict=lever_verdict))
    return tuple(fits)


def technique_fits(fits: tuple[StageFit, ...]) -> tuple[TechniqueFit, ...]:
    """Every modelled technique's :class:`TechniqueFit`, in loop order then company order."""
    return tuple(j for f in fits for j in f.judged)
