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
  ``weak`` below; one step lower when the best modelled technique at the stage does not repay its cost
  (a return on investment under 1, or a loss);
* ``gap`` when the company has no technique at a stage whose share is at least 0.3, ``low priority``
  below that.

:func:`stage_fits` returns one :class:`StageFit` per stage and company, in loop order; every deck,
table and sentence that shows a judgement reads these objects, so a stage is judged the same everywhere.
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


@dataclass(frozen=True)
class Evidence:
    """One technique at a stage: a practice the case describes (``how`` and its source) or a modelled
    scenario (its gain in CLV and return on its cost)."""

    name: str
    how: str
    citation: str        # author, year of the source; "" when the case gives a reason instead
    modelled: bool = False
    gain: float | None = None
    roi: float | None = None

    @property
    def pays(self) -> bool:
        return self.gain is not None and self.gain > 0 and (self.roi is None or self.roi >= 1.0)


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
    downgraded_by: str               # the modelled technique that did not repay its cost, or ""

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
                         gain=float(row.delta_clv), roi=roi))
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
            if not evidence:
                verdict = "gap" if share >= FAIR else "low priority"
            else:
                verdict = "strong" if share >= STRONG else ("fair" if share >= FAIR else "weak")
                modelled = [e for e in evidence if e.modelled]
                if modelled:
                    best = max(modelled, key=lambda e: e.gain or 0.0)
                    if not best.pays:
                        verdict = _DOWN[verdict]
                        downgraded = best.name
            fits.append(StageFit(stage=stage, company_id=cid, lever=lever, driver=CLV_DRIVERS[driver],
                                 techniques=evidence, worth=worth, share=share, verdict=verdict,
                                 downgraded_by=downgraded))
    return tuple(fits)
