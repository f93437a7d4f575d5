"""Probes: what a validation run measures, in the worker that runs it. Each takes a scenario and a
seed sequence and returns plain values (lists and numbers) that pickle cheaply."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simbranch.scenario import Scenario

if TYPE_CHECKING:
    from simbranch.mechanisms.surveys import Surveys
    from simbranch.model.branch import Branch
    from simbranch.model.managers import Manager

__all__ = ["PROBES", "WARMUP_SERIES"]


def _probe_kpis(scenario: Scenario, seed: np.random.SeedSequence) -> dict[str, float]:
    from simbranch.run import run

    return {k: float(v) for k, v in run(scenario, seed).kpis.items()}


def _probe_stress_spread(scenario: Scenario, seed: np.random.SeedSequence) -> dict[str, float]:
    """The AMs' stress and exhaustion, their spread across AMs at the end, and their revenue spread."""
    from simbranch.run import run

    res = run(scenario, seed)
    m = res.managers[res.managers["left_day"].isna()]
    contacts = (m["served"] + m["proactive_calls"]).clip(lower=1)
    days = (res.daily["day"].iloc[-1] + 1 - m["hired_day"]).clip(lower=1)
    r = np.corrcoef(m["exhausted_days"] / days, m["sales_count"] / contacts)[0, 1] if len(m) > 2 else math.nan
    return {"stress_sd": float(m["stress"].std()), "exhaustion_sd": float(m["exhaustion"].std()),
            "revenue_sd": float(m["revenue"].std()), "sales_sd": float(m["sales_count"].std()),
            "exhaustion_sales_r": float(r), **{k: float(v) for k, v in res.kpis.items()}}


def _probe_hires(scenario: Scenario, seed: np.random.SeedSequence) -> dict[str, list[float]]:
    """Follow-up of every AM hired in two years: days to leaving (or to the end) and whether they left."""
    from simbranch.run import run

    sc = scenario.with_overrides({"branch.horizon_days": 2 * scenario.branch.days_per_year})
    res = run(sc, seed)
    end = sc.branch.warmup_days + sc.branch.horizon_days
    hires = res.managers[res.managers["hired_day"] > 0]
    left = hires["left_day"].notna()
    days = (hires["left_day"].fillna(end) - hires["hired_day"]).astype(float)
    return {"days": days.tolist(), "left": left.tolist()}


def _probe_course(scenario: Scenario, seed: np.random.SeedSequence) -> dict[str, float]:
    """One sales course for everyone on day 150 (one group), against none: the gain in sales skill right
    after (day 152) and 147 working days later (day 299, before the next course), with the AMs' spread
    of sales skill."""
    from simbranch.run import run

    base = scenario.with_overrides({"training.areas": ["sales"], "training.groups": 1, "training.interval_days": 150,
                                    "branch.warmup_days": 0, "managers.turnover.enabled": False})

    def skills(horizon: int, on: bool) -> pd.Series:
        res = run(base.with_overrides({"training.enabled": on, "branch.horizon_days": horizon}), seed)
        return res.managers.set_index("position")["skill_sales"]

    now_on, now_off = skills(152, True), skills(152, False)
    later_on, later_off = skills(299, True), skills(299, False)
    return {"gain": float((now_on - now_off).mean()), "gain_later": float((later_on - later_off).mean()),
            "days_later": 147.0, "sd": float(now_off.std())}


def _probe_feedback(scenario: Scenario, seed: np.random.SeedSequence) -> dict[str, float]:
    """Survey feedback events: the change each makes to the AM's service quality, in SDs of the AMs'
    expected quality, and the share that lower it."""
    from simbranch.mechanisms import surveys as surveys_module
    from simbranch.run import build_branch

    changes: list[float] = []
    spreads: list[float] = []
    original = surveys_module.Surveys._feed_back

    def feed_back(self: Surveys, branch: Branch, results: dict[int, tuple[float, int]]) -> None:
        before = {m.id: m.quality_bonus for m in branch.present()}
        original(self, branch, results)
        changes.extend(m.quality_bonus - before[m.id] for m in branch.present() if m.quality_bonus != before[m.id])
        book = branch.clients
        ids = book.active_ids()
        sample = ids[:: max(1, len(ids) // 200)]
        quality = [np.mean([branch.satisfaction.quality(m, int(c), 0) for c in sample]) for m in branch.present()]
        spreads.append(float(np.std(quality, ddof=1)))

    surveys_module.Surveys._feed_back = feed_back  # type: ignore[method-assign]
    try:
        build_branch(scenario, seed).run()
    finally:
        surveys_module.Surveys._feed_back = original  # type: ignore[method-assign]
    x = np.array(changes)
    spread = float(np.mean(spreads)) if spreads else math.nan
    return {"d": float(x.mean() / spread) if len(x) and spread > 0 else math.nan,
            "backfire": float((x < 0).mean()) if len(x) else math.nan, "events": float(len(x))}


def _probe_clients(scenario: Scenario, seed: np.random.SeedSequence) -> dict[str, list[float]]:
    """The satisfaction of every client still in the book at the end, by client id."""
    from simbranch.run import run

    res = run(scenario, seed)
    c = res.clients[res.clients["active"]]
    return {"id": c["client_id"].tolist(), "satisfaction": c["satisfaction"].tolist(),
            "complexity": c["complexity"].tolist()}


def _probe_leavers(scenario: Scenario, seed: np.random.SeedSequence) -> dict[str, list[float]]:
    """For each AM who leaves: whether any of their 20 most valuable clients leaves the branch with or
    because of them (follows them, or leaves at the handover)."""
    from simbranch.run import build_branch

    branch = build_branch(scenario, seed)
    lost: list[float] = []
    quit_ = branch._quit

    def watched(m: Manager, d: int) -> None:
        book = branch.clients
        mine = book.of_am(m.position)
        top = mine[np.argsort(-book.value[mine])[:20]]
        quit_(m, d)
        if len(top) >= 20:
            lost.append(float((~book.active[top]).any()))

    branch._quit = watched  # type: ignore[method-assign]
    branch.run()
    return {"lost_top": lost}


#: Full productivity, as ramp-up studies count it: 90 % of the typical seasoned AM's.
FULL_PRODUCTIVITY = 0.9


def _probe_ramp(scenario: Scenario, seed: np.random.SeedSequence) -> dict[str, list[float]]:
    """Working days until each new hire's selling competence ((sales + product skill) / 2) reaches 90 %
    of the median of the AMs with more than two years in the job: the ramp-up to full productivity."""
    from simbranch.run import build_branch

    sc = scenario.with_overrides({"branch.horizon_days": 2 * scenario.branch.days_per_year})
    branch = build_branch(sc, seed)
    reached: dict[int, float] = {}
    hired: dict[int, int] = {}

    def hook(b: Branch, d: int) -> None:
        present = b.present()
        seasoned = [0.5 * (m.sales + m.product) for m in present if m.tenure_days > 2 * b.days_per_year]
        if not seasoned:
            return
        typical = FULL_PRODUCTIVITY * float(np.median(seasoned))
        for m in present:
            if m.occupant == 0:
                continue
            hired.setdefault(m.id, m.hired_day)
            if m.id not in reached and 0.5 * (m.sales + m.product) >= typical:
                reached[m.id] = d - m.hired_day

    branch.day_end_hooks.append(hook)
    branch.run()
    end = sc.branch.warmup_days + sc.branch.horizon_days
    out: dict[str, list[float]] = {"days": [], "reached": []}
    for am, day in hired.items():
        out["days"].append(float(reached.get(am, end - day)))
        out["reached"].append(float(am in reached))
    return out


def _probe_backlog(scenario: Scenario, seed: np.random.SeedSequence) -> dict[str, float]:
    """Work waiting (hours of queued requests and undone administration) early and late in the measured year."""
    from simbranch.run import run

    res = run(scenario, seed)
    d = res.daily[~res.daily["warmup"]]
    n = max(1, len(d) // 4)
    return {"early": float(d["backlog_h"].iloc[:n].mean()), "late": float(d["backlog_h"].iloc[-n:].mean()),
            **{k: float(v) for k, v in res.kpis.items()}}


def _probe_warmup(scenario: Scenario, seed: np.random.SeedSequence) -> dict[str, float]:
    """MSER-5 truncation points (days to delete) of the main daily series of a two-year run started
    without warm-up: how long the initial state takes to settle."""
    from simbranch.analysis.warmup import mser5
    from simbranch.run import run

    sc = scenario.with_overrides({"branch.warmup_days": 0, "branch.horizon_days": 2 * scenario.branch.days_per_year})
    daily = run(sc, seed).daily
    return {col: float(mser5(daily[col].to_numpy(float))) for col in WARMUP_SERIES}


WARMUP_SERIES = ("satisfaction_mean", "stress_mean", "exhaustion_mean", "utilisation", "backlog_h", "skill_mean")


PROBES: dict[str, Callable[[Scenario, np.random.SeedSequence], Any]] = {
    "kpis": _probe_kpis, "spread": _probe_stress_spread, "hires": _probe_hires, "course": _probe_course,
    "feedback": _probe_feedback, "clients": _probe_clients, "leavers": _probe_leavers, "ramp": _probe_ramp,
    "backlog": _probe_backlog, "warmup": _probe_warmup,
}
