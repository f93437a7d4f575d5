"""Automatic caveats: what a reader should know before acting on a comparison.

Each check looks at the comparison itself and says, in the report's language, when a number is
less sure than it looks. The thresholds are judgement calls, declared here once:

- `MIN_REPLICATIONS` (20): below it the intervals of a policy comparison are wide; 20 is what
  `make validate` uses to judge the evidence's effect sizes, and at 20 the t quantile (2.09) is
  within 7 % of the normal one (at 5 it is 2.78, 42 % wider).
- `MAX_REL_HALF_WIDTH` (5 %): the baseline's mean of a KPI that has a true zero (counts, money,
  hours) known to worse than +-5 % is rough.
- `SLOW_LEVERS`: lever sections whose effect builds up over months (skills grow with courses,
  promotions come after review cycles, exhaustion recovers slowly; docs/model.md), judged on less
  than a year of working days.
- warm-up: the MSER-5 truncation point (`simbranch.analysis.warmup.mser5`) of the baseline's daily
  mean over replications, beyond `warmup_days`, when the days between them differ materially (as
  for trends, below) from the days after: a slow drift MSER notices but no reader would is left out.
- trend at the end: over the last half of the measured days, the per-replication least-squares
  slope of a daily series; flagged when the mean slope differs from 0 at the 1 % level (t test over
  the independent replications) AND the change it implies over that half is more than
  `TREND_SHARE` (2 %) of the series' level (1 point of NPS-like indices, 0.02 of scores).
- combined measures: a policy that changes at least `COMBINED_MEASURES` (3) measures (lever sections)
  of the scenario at once. The evidence bounds each measure's effect on its own (docs/validation.md);
  no study in EVIDENCE.md measured a combination, so how measures add up is the model's alone.
- overload: the baseline's utilisation at least `OVERLOAD_UTILISATION` (0.95: waits of an M/M/c
  queue grow without bound as it nears 1) or at least `OVERLOAD_ABANDONED` (10 %) of requests
  abandoned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from markupsafe import Markup
from scipy import stats

from simbranch import meanings
from simbranch.analysis.warmup import mser5
from simbranch.report.story import inline_label, value_text, year_factor
from simbranch.report.text import say
from simbranch.scenario import LEVER_SECTIONS

if TYPE_CHECKING:
    from simbranch.experiment.compare import Comparison
    from simbranch.scenario import Policy, Scenario

__all__ = ["MIN_REPLICATIONS", "SLOW_LEVERS", "caveats", "sensitivity_caveat"]

MIN_REPLICATIONS = 20
MAX_REL_HALF_WIDTH = 0.05
SLOW_LEVERS = ("training", "careers", "wellbeing")
TREND_SERIES = ("satisfaction_mean", "stress_mean", "headcount", "clients")
TREND_SHARE = 0.02
COMBINED_MEASURES = 3
OVERLOAD_UTILISATION = 0.95
OVERLOAD_ABANDONED = 0.10
SENSITIVITY_MIN_DRAWS = 64


def caveats(cmp: Comparison, family: pd.DataFrame, lang: str, currency: str) -> list[Markup]:
    """The caveats that apply to comparison `cmp` (whose paired family is `family`), in `lang`."""
    if not len(cmp.table):
        return []
    found = [_replications(cmp, family, lang, currency), _precision(cmp, lang), _horizon(cmp, lang),
             _warmup(cmp, lang), _trends(cmp, lang), _combined(cmp, lang), _overloaded(cmp, lang),
             _failed(cmp, lang)]
    if cmp.n_scenarios == 1:
        found.append(say("cav_noise_only", lang))
    return [c for c in found if c]


def sensitivity_caveat(draws: int, lang: str) -> Markup | None:
    """Too few draws to rank which assumptions matter (RBD-FAST needs about 64)."""
    return say("cav_sensitivity", lang, n=draws) if draws < SENSITIVITY_MIN_DRAWS else None


def _replications(cmp: Comparison, family: pd.DataFrame, lang: str, currency: str) -> Markup | None:
    if cmp.replications >= MIN_REPLICATIONS:
        return None
    rows = family[family["kpi"] == "profit"] if len(family) else family
    half = float(((rows["ci_high"] - rows["ci_low"]) / 2).median()) if len(rows) else float("nan")
    b = cmp.scenario.branch
    half *= year_factor(b.days_per_year, b.horizon_days)
    return say("cav_replications", lang, reps=cmp.replications,
               half=value_text("profit", half, lang, currency) if np.isfinite(half) else "?")


def _precision(cmp: Comparison, lang: str) -> Markup | None:
    summary = cmp.summary()
    base = summary[summary["policy"] == "baseline"]
    loose = []
    for r in base.itertuples(index=False):
        found = meanings.find(r.kpi)
        if found is None or not found.relative_ok or not np.isfinite(r.rel_ci):
            continue
        if r.rel_ci > MAX_REL_HALF_WIDTH:
            loose.append(f"{meanings.label(r.kpi, lang)} ±{r.rel_ci:.0%}")
    return say("cav_precision", lang, list=", ".join(loose)) if loose else None


def _horizon(cmp: Comparison, lang: str) -> Markup | None:
    b = cmp.scenario.branch
    if b.horizon_days >= b.days_per_year:
        return None
    slow = {section for p in cmp.policies for section in p.levers if section in SLOW_LEVERS}
    if not slow:
        return None
    users = [meanings.label(p.name, lang, default=p.name) for p in cmp.policies if set(p.levers) & slow]
    levers = ", ".join(inline_label(s, lang) for s in SLOW_LEVERS if s in slow)
    return say("cav_horizon", lang, levers=levers, days=b.horizon_days, year=b.days_per_year,
               policies=", ".join(users))


def _warmup(cmp: Comparison, lang: str) -> Markup | None:
    daily = cmp.daily(warmup=True)
    if not len(daily) or "policy" not in daily:
        return None
    warmup = cmp.scenario.branch.warmup_days
    base = daily[daily["policy"] == "baseline"]
    late = []
    for column in ("satisfaction_mean", "stress_mean", "headcount"):
        if column not in base:
            continue
        series = base.groupby("day", sort=True)[column].mean().to_numpy(dtype=float)
        cut = mser5(series)
        if cut > warmup and _material(column, np.nanmean(series[warmup:cut]) - np.nanmean(series[cut:]),
                                      np.nanmean(series[cut:])):
            late.append((column, cut))
    if not late:
        return None
    column, day = max(late, key=lambda x: x[1])
    return say("cav_warmup", lang, series=meanings.label(column, lang), day=day, warmup=warmup)


def _trends(cmp: Comparison, lang: str) -> Markup | None:
    daily = cmp.daily()
    if not len(daily) or "policy" not in daily or daily["day"].nunique() < 20:
        return None
    items = []
    for column in TREND_SERIES:
        if column not in daily:
            continue
        for policy, frame in daily.groupby("policy", sort=False):
            change = _end_trend(frame, column)
            if change is None:
                continue
            items.append(say("trend_item", lang, series=inline_label(column, lang),
                             policy=meanings.label(str(policy), lang, default=str(policy)),
                             direction=say("rising" if change[0] > 0 else "falling", lang),
                             change=meanings.fmt(column, abs(change[0]), lang), days=change[1]))
    if not items:
        return None
    shown = items[:6] + ([Markup("…")] if len(items) > 6 else [])
    return say("cav_trend", lang, list=Markup("; ").join(shown))


def _end_trend(frame: pd.DataFrame, column: str) -> tuple[float, int] | None:
    """The change over the last half of the measured days implied by the mean per-replication slope,
    and that half's length, when it is significant (1 %) and material; else None."""
    days = np.sort(frame["day"].unique())
    tail_days = days[len(days) // 2:]
    tail = frame[frame["day"].isin(tail_days)]
    keys = "replication" if "scenario" not in tail else ["scenario", "replication"]
    slopes = []
    for _, run in tail.groupby(keys):
        y = run[column].to_numpy(dtype=float)
        x = run["day"].to_numpy(dtype=float)
        ok = np.isfinite(y)
        if ok.sum() >= 5 and np.ptp(x[ok]) > 0:
            slopes.append(np.polyfit(x[ok], y[ok], 1)[0])
    if len(slopes) < 2:
        return None
    s = np.asarray(slopes)
    spread = s.std(ddof=1)
    if spread <= 1e-9 * max(abs(s.mean()), 1e-12):  # identical runs: no evidence of a trend beyond them
        return None
    t = s.mean() / (spread / np.sqrt(len(s)))
    if 2 * stats.t.sf(abs(t), len(s) - 1) >= 0.01:
        return None
    span = len(tail_days)
    change = float(s.mean() * span)
    level = float(np.nanmean(tail[column].to_numpy(dtype=float)))
    return (change, span) if _material(column, change, level) else None


def _material(column: str, change: float, level: float) -> bool:
    """Whether a change of a series matters to a reader: more than `TREND_SHARE` of its level, and
    at least 0.02 on a 0-1 score, 1 point of an index, 1 pp of a share."""
    found = meanings.find(column)
    floor = {"score": 0.02, "index": 1.0, "share": 0.01}.get(found.format if found else "", 0.0)
    return bool(np.isfinite(change) and abs(change) > max(TREND_SHARE * abs(level), floor))


def measures_changed(scenario: Scenario, policy: Policy) -> list[str]:
    """The lever sections (measures) whose settings `policy` changes in `scenario`."""
    before, after = scenario.to_dict(), scenario.with_policy(policy).to_dict()
    return [section for section in LEVER_SECTIONS if before.get(section) != after.get(section)]


def _combined(cmp: Comparison, lang: str) -> Markup | None:
    counts = {p.name: len(measures_changed(cmp.scenario, p)) for p in cmp.policies if p.name != "baseline"}
    many = [f"{meanings.label(name, lang, default=name)} ({n})" for name, n in counts.items()
            if n >= COMBINED_MEASURES]
    return say("cav_combined", lang, policies=", ".join(many)) if many else None


def _overloaded(cmp: Comparison, lang: str) -> Markup | None:
    base = cmp.table[cmp.table["policy"] == "baseline"]
    if not len(base) or "utilisation" not in base:
        return None
    util = float(base["utilisation"].mean())
    arrived = float(base["requests_arrived"].mean()) if "requests_arrived" in base else float("nan")
    abandoned = float(base["requests_abandoned"].mean()) / arrived if arrived else float("nan")
    if not (util >= OVERLOAD_UTILISATION or (np.isfinite(abandoned) and abandoned >= OVERLOAD_ABANDONED)):
        return None
    return say("cav_overloaded", lang, util=meanings.fmt("utilisation", util, lang),
               abandoned=f"{abandoned:.0%}" if np.isfinite(abandoned) else "?",
               wait=meanings.fmt("wait_mean_h", float(base["wait_mean_h"].mean()), lang))


def _failed(cmp: Comparison, lang: str) -> Markup | None:
    return say("cav_failed", lang, n=len(cmp.failures)) if len(cmp.failures) else None
