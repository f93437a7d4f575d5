"""The catalogue: every stylised fact and evidence range the model is held to, and how each is measured.

Targets and sources are those of docs/evidence.md and of the issues that set the model's
behaviour; each measurement is a function of a `Study` (study.py).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from simbranch.experiment.facts.study import PRESETS, Fact, Measured, Study, t_interval
from simbranch.scenario import Scenario, load_policy

__all__ = ["FACTS", "LOAD_LEVELS"]


def _within(value: tuple[float, float, float], lo: float, hi: float) -> Measured:
    mean, low, high = value
    return mean, low, high, bool(lo <= mean <= hi), ""


def _pct(x: float) -> str:
    return f"{100 * x:+.1f} %"


def _level(study: Study, kpi: str, label: str = "baseline") -> tuple[float, float, float]:
    return t_interval(study.kpis(label)[kpi].to_numpy(float))


def _km(days: np.ndarray, left: np.ndarray, at: float) -> tuple[float, float, float]:
    """Kaplan-Meier share gone by `at` with its 95 % (Greenwood) interval."""
    from scipy.stats import CensoredData, ecdf

    if not left.any():
        return 0.0, 0.0, 0.0
    res = ecdf(CensoredData(uncensored=days[left], right=days[~left]))
    at = min(at, float(days.max()))
    ci = res.sf.confidence_interval(0.95)
    value = 1.0 - float(res.sf.evaluate(at))
    return value, 1.0 - float(ci.high.evaluate(at)), 1.0 - float(ci.low.evaluate(at))


def _hires(study: Study) -> tuple[np.ndarray, np.ndarray]:
    rows = study.probe("hires", "baseline")
    days = np.array([d for r in rows for d in r["days"]], dtype=float)
    left = np.array([x for r in rows for x in r["left"]], dtype=bool)
    return days, left


def fact_exhausted(study: Study) -> Measured:
    return _within(_level(study, "exhausted_share"), 0.25, 0.40)


def fact_exhaustion_performance(study: Study) -> Measured:
    """Across AMs: the share of their days highly exhausted against their sales per contact."""
    rows = study.probe("spread", "baseline")
    r = t_interval(np.array([row["exhaustion_sales_r"] for row in rows]))
    return (*r, bool(-0.35 <= r[0] <= -0.1), "correlation across the AMs of a run, mean over runs")


def fact_turnover(study: Study) -> Measured:
    return _within(_level(study, "am_turnover_rate"), 0.10, 0.25)


def fact_hires_3m(study: Study) -> Measured:
    days, left = _hires(study)
    value = _km(days, left, round(study.base.branch.days_per_year / 4))
    return (*value, bool(0.05 <= value[0] <= 0.15), f"{len(days)} hires")


def fact_hires_12m(study: Study) -> Measured:
    days, left = _hires(study)
    value = _km(days, left, study.base.branch.days_per_year)
    return (*value, bool(0.35 <= value[0] <= 0.50), f"{len(days)} hires")


def fact_churn(study: Study) -> Measured:
    return _within(_level(study, "client_churn_rate"), 0.07, 0.15)


def fact_nps(study: Study) -> Measured:
    return _within(_level(study, "nps"), -26.0, 77.0)


def fact_complaints(study: Study) -> Measured:
    k = study.kpis("baseline")
    years = study.base.branch.horizon_days / study.base.branch.days_per_year
    per_client = k["complaints"] / k["clients_end"] / years
    return _within(t_interval(per_client.to_numpy(float)), 0.02, 0.40)


def fact_hours(study: Study) -> Measured:
    """Hours worked a week: contracted plus overtime."""
    k = study.kpis("baseline")
    br = study.base.branch
    weekly = 5 * (br.hours_per_day + k["overtime_hours"] / k["headcount_mean"] / br.horizon_days)
    return _within(t_interval(weekly.to_numpy(float)), 40.0, 48.0)


def fact_admin_share(study: Study) -> Measured:
    k = study.kpis("baseline")
    worked = k["admin_hours"] + k["proactive_hours"] + k["requests_served"] * k["service_mean_h"]
    share = k["admin_hours"] / worked
    return _within(t_interval(share.to_numpy(float)), 0.20, 0.70)


LOAD_LEVELS = (120, 150, 180, 210, 240, 270, 300)
LOAD_KPIS = ("wait_mean_h", "overtime_hours", "stress_mean", "exhaustion_mean", "am_turnover_rate")


def _load(study: Study) -> dict[int, pd.DataFrame]:
    n = study.base.managers.count
    return {per: study.kpis(f"book {per}", study.base.with_overrides({"clients.count": per * n}))
            for per in LOAD_LEVELS}


def _load_fact(kpi: str) -> Callable[[Study], Measured]:
    def measure(study: Study) -> Measured:
        runs = _load(study)
        steps = []
        ok = True
        for lo, hi in itertools.pairwise(LOAD_LEVELS):
            steps.append(t_interval(runs[hi][kpi].to_numpy(float) - runs[lo][kpi].to_numpy(float)))
        for i, (mean, _, high) in enumerate(steps):
            if high < 0:  # a step significantly down
                ok = False
            if i and mean > 2 * max(steps[i - 1][0], 0.0) + (high - mean) + (steps[i - 1][2] - steps[i - 1][0]):
                ok = False  # a jump: more than twice the step before, beyond both steps' noise
        total = t_interval(runs[LOAD_LEVELS[-1]][kpi].to_numpy(float) - runs[LOAD_LEVELS[0]][kpi].to_numpy(float))
        means = [runs[p][kpi].mean() for p in LOAD_LEVELS]
        detail = ", ".join(f"{p}: {m:.3g}" for p, m in zip(LOAD_LEVELS, means, strict=True))
        return (*total, bool(ok and total[1] > 0), detail)

    return measure


#: Books from light to heavy, below the loads at which the most susceptible AMs near full exhaustion.
CONVEX_LEVELS = (120, 150, 180, 210, 240)


def fact_convex(study: Study) -> Measured:
    """Curvature of mean exhaustion in utilisation from light to heavy books: the quadratic
    coefficient of a fit per replication."""
    runs = _load(study)
    coefs = []
    for r in range(study.reps):
        u = np.array([runs[p]["utilisation"].iloc[r] for p in CONVEX_LEVELS])
        e = np.array([runs[p]["exhaustion_mean"].iloc[r] for p in CONVEX_LEVELS])
        finite = np.isfinite(u).all() and np.isfinite(e).all()  # not while the study only plans its runs
        coefs.append(np.polyfit(u, e, 2)[0] if finite else math.nan)
    value = t_interval(np.array(coefs))
    return (*value, bool(value[0] > 0), "quadratic coefficient of exhaustion in utilisation, 120 to 240 clients "
            "per AM")


def _demand(study: Study, factor: float) -> Scenario:
    tiers = study.base.clients.tiers
    return study.base.with_overrides({f"clients.tiers.{t}.requests_per_year": v.requests_per_year * factor
                                      for t, v in tiers.items()})


def fact_double_demand(study: Study) -> Measured:
    """Twice the demand with the same staff: waits, backlog, overtime and exhaustion up, proactive work down."""
    double = study.probe("backlog", "demand x2", _demand(study, 2.0))
    base = study.probe("backlog", "baseline")

    def change(key: str) -> tuple[float, float, float]:
        return t_interval(np.array([d[key] - b[key] for d, b in zip(double, base, strict=True)]))

    wait, backlog = change("wait_mean_h"), change("late")
    strain = {k: change(k) for k in ("overtime_hours", "exhaustion_mean", "proactive_hours")}
    ok = (wait[1] > 0 and backlog[1] > 0 and strain["overtime_hours"][1] > 0 and strain["exhaustion_mean"][1] > 0
          and strain["proactive_hours"][2] < 0)
    early = np.mean([d["early"] for d in double])
    late = np.mean([d["late"] for d in double])
    return (*wait, bool(ok), f"backlog at the end +{backlog[0]:.0f} h; exhaustion "
            f"{strain['exhaustion_mean'][0]:+.3f}; proactive hours {strain['proactive_hours'][0]:+,.0f}; "
            f"backlog early {early:.0f} h, late {late:.0f} h")


def fact_halve_routine(study: Study) -> Measured:
    tiers = study.base.clients.tiers
    half = study.base.with_overrides({f"clients.tiers.{t}.am_share.service": v.am_share.service / 2
                                      for t, v in tiers.items()})
    study.kpis("routine /2", half)
    value = study.diff("routine /2", "satisfaction_mean")
    return (*value, bool(abs(value[0]) <= 0.01 and value[1] >= -0.015 and value[2] <= 0.015), "")


def fact_unsolicited_call(study: Study) -> Measured:
    """A call to an affluent client contacted 5 days ago, against one overdue: the share of the gain kept."""
    from simbranch.run import build_branch

    sc = study.base.with_overrides({"clients.count": 50, "branch.horizon_days": 0, "branch.warmup_days": 0})
    branch = build_branch(sc, 0)
    tier = list(sc.clients.tiers).index("affluent") if "affluent" in sc.clients.tiers else 0
    c = int(np.flatnonzero(branch.clients.tier[: branch.clients.n] == tier)[0])
    m = branch.positions[int(branch.clients.am[c])]
    assert m is not None, "every client of a newly built branch has an AM in position"
    gap = float(branch.satisfaction.gap_days[tier])

    def gain(days_since: float) -> float:
        book = branch.clients
        book.satisfaction[c] = 0.6
        book.last_contact_day[c] = -int(days_since)
        branch.satisfaction.after_call(m, c, 0, 0, 0.0)
        return float(book.satisfaction[c] - 0.6)

    share = gain(5) / gain(2 * gap)
    return share, share, share, bool(share <= 0.25), f"gain after 5 days {gain(5):.4f}, overdue {gain(2 * gap):.4f}"


def _complex_harm(study: Study, label: str, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: the satisfaction lost (policy - baseline, same clients at the end) by the
    third of clients with the most complex needs, and by the third with the simplest."""
    on = study.probe("clients", label, scenario)
    off = study.probe("clients", "baseline")
    hi, lo = [], []
    for a, b in zip(on, off, strict=True):
        fa = pd.Series(a["satisfaction"], index=a["id"])
        fb = pd.Series(b["satisfaction"], index=b["id"])
        k = pd.Series(b["complexity"], index=b["id"])  # drawn at set-up: the same under every policy
        both = fa.index.intersection(fb.index)
        k = k[both]
        top, bottom = k >= k.quantile(2 / 3), k <= k.quantile(1 / 3)
        d = fa[both] - fb[both]
        hi.append(-float(d[top].mean()))
        lo.append(-float(d[bottom].mean()))
    return np.array(hi), np.array(lo)


def fact_complexity(study: Study) -> Measured:
    hi, lo = _complex_harm(study, "sales_commission", study.policy("sales_commission"))
    card_hi, _ = _complex_harm(study, "balanced_scorecard", study.policy("balanced_scorecard"))
    ratio = hi.mean() / lo.mean() if lo.mean() > 0 else math.inf
    ok = hi.mean() >= 2 * lo.mean() > 0 and card_hi.mean() <= 0.5 * hi.mean()
    ratio = (ratio, ratio, ratio)
    return (*ratio, bool(ok), f"satisfaction lost under commission: complex {hi.mean():+.4f}, simple "
            f"{lo.mean():+.4f}; under a scorecard: complex {card_hi.mean():+.4f}")


def _preset_sales(name: str, lo: float, hi: float) -> Callable[[Study], Measured]:
    def measure(study: Study) -> Measured:
        study.kpis(name, study.policy(name))
        value = study.diff(name, "sales_count", relative=True)
        return (*value, bool(lo <= value[0] <= hi), "")

    return measure


def fact_commission_spread(study: Study) -> Measured:
    on = study.probe("spread", "sales_commission", study.policy("sales_commission"))
    off = study.probe("spread", "baseline")
    ratio = t_interval(np.array([a["sales_sd"] / b["sales_sd"] for a, b in zip(on, off, strict=True)]))
    revenue = np.mean([a["revenue_sd"] / b["revenue_sd"] for a, b in zip(on, off, strict=True)])
    return (*ratio, bool(ratio[0] > 1.0), f"sd of sales across AMs, commission / fixed pay (revenue: {revenue:.2f})")


def fact_commission_costs(study: Study) -> Measured:
    study.kpis("sales_commission", study.policy("sales_commission"))
    sat = study.diff("sales_commission", "satisfaction_mean")
    complaints = study.diff("sales_commission", "complaints", relative=True)
    return (*sat, bool(sat[2] < 0 and complaints[1] > 0), f"complaints {_pct(complaints[0])}")


def fact_scorecard(study: Study) -> Measured:
    study.kpis("sales_commission", study.policy("sales_commission"))
    study.kpis("balanced_scorecard", study.policy("balanced_scorecard"))
    kept = study.diff("balanced_scorecard", "sales_count")[0] / study.diff("sales_commission", "sales_count")[0]
    loss_card = -study.diff("balanced_scorecard", "satisfaction_mean")[0]
    loss_commission = -study.diff("sales_commission", "satisfaction_mean")[0]
    ok = kept >= 0.5 and loss_card < 0.5 * loss_commission
    return kept, kept, kept, bool(ok), (f"satisfaction lost: scorecard {loss_card:+.4f}, "
                                        f"commission {loss_commission:+.4f}")


def fact_course_size(study: Study) -> Measured:
    rows = study.probe("course", "course", study.base)
    d = t_interval(np.array([r["gain"] / r["sd"] for r in rows]))
    return (*d, bool(0.3 <= d[0] <= 0.65), "sales skill gain of one course / sd of the AMs' sales skill")


def fact_course_decay(study: Study) -> Measured:
    rows = study.probe("course", "course", study.base)
    kept = np.mean([r["gain_later"] for r in rows]) / np.mean([r["gain"] for r in rows])
    days = float(np.mean([r["days_later"] for r in rows]))
    days_per_month = study.base.branch.days_per_year / 12
    half_life = days / days_per_month * np.log(2) / -np.log(min(max(kept, 1e-6), 0.999))
    months = (float(half_life), float(half_life), float(half_life))
    return (*months, bool(6.0 <= months[0] <= 13.0), f"{kept:.0%} of the gain left {days:.0f} working days later")


def fact_feedback(study: Study) -> Measured:
    rows = study.probe("feedback", "surveys", study.policy("satisfaction_surveys"))
    d = t_interval(np.array([r["d"] for r in rows]))
    backfire = float(np.nanmean([r["backfire"] for r in rows]))
    ok = 0.2 <= d[0] <= 0.6 and 0.2 <= backfire <= 0.45
    return (*d, bool(ok), f"{backfire:.0%} of feedback events lower performance")


def fact_surveys_small(study: Study) -> Measured:
    study.kpis("satisfaction_surveys", study.policy("satisfaction_surveys"))
    value = study.diff("satisfaction_surveys", "satisfaction_mean")
    return (*value, bool(0.0 <= value[0] <= 0.02), "")


def fact_support_stress(study: Study) -> Measured:
    everyone = study.levers({"wellbeing": {"enabled": True, "reach": 1.0}})
    on = study.probe("spread", "support for all", everyone)
    off = study.probe("spread", "baseline")
    cut = np.array([(b["stress_mean"] - a["stress_mean"]) / b["stress_sd"] for a, b in zip(on, off, strict=True)])
    value = t_interval(cut)
    return (*value, bool(0.3 <= value[0] <= 0.8), "stress cut in sds of the AMs' stress, everyone supported")


def _turnover_cut(name: str) -> Callable[[Study], Measured]:
    def measure(study: Study) -> Measured:
        study.kpis(name, study.policy(name))
        value = study.diff(name, "am_turnover_rate")
        return (*value, bool(value[2] < 0), "")

    return measure


def fact_support_sales(study: Study) -> Measured:
    study.kpis("wellbeing_support", study.policy("wellbeing_support"))
    value = study.diff("wellbeing_support", "sales_count", relative=True)
    return (*value, bool(abs(value[0]) <= 0.05), "")


def fact_meetings(study: Study) -> Measured:
    study.kpis("team_meetings", study.policy("team_meetings"))
    value = study.diff("team_meetings", "sales_count", relative=True)
    cost = study.kpis("team_meetings")["time_away_cost"].mean()
    return (*value, bool(value[0] <= 0.05 and cost > 0), f"salary of the hours in meetings {cost:,.0f} a year")


ALL_MEASURES = "all_measures"


def _parts(study: Study) -> list[str]:
    levers = load_policy(PRESETS / f"{ALL_MEASURES}.toml").levers
    for section, values in levers.items():
        study.kpis(f"part {section}", study.levers({section: values}))
    study.kpis(ALL_MEASURES, study.policy(ALL_MEASURES))
    return [f"part {section}" for section in levers]


def _whole_minus_parts(study: Study, kpi: str) -> tuple[float, float, float]:
    parts = _parts(study)
    base = study.kpis("baseline")[kpi].to_numpy(float)
    whole = study.kpis(ALL_MEASURES)[kpi].to_numpy(float) - base
    total = sum(study.kpis(p)[kpi].to_numpy(float) - base for p in parts)
    return t_interval((whole - total) / (abs(np.mean(base)) if kpi != "satisfaction_mean" else 1.0))


def fact_all_measures(study: Study) -> Measured:
    _parts(study)
    sales = study.diff(ALL_MEASURES, "sales_count", relative=True)
    checks = {kpi: _whole_minus_parts(study, kpi) for kpi in ("sales_count", "satisfaction_mean", "profit")}
    ok = sales[0] <= 0.35 and all(interval[1] <= 0 for interval in checks.values())
    detail = "; ".join(f"whole - sum of parts, {kpi}: {mean:+.3g} ({low:+.3g} to {high:+.3g})"
                       for kpi, (mean, low, high) in checks.items())
    return (*sales, bool(ok), detail)


def fact_leavers(study: Study) -> Measured:
    rows = study.probe("leavers", "baseline")
    lost = np.array([x for r in rows for x in r["lost_top"]])
    if not len(lost):
        return math.nan, math.nan, math.nan, False, "no leaver with 20 clients"
    p = float(lost.mean())
    ci = stats.binomtest(int(lost.sum()), len(lost)).proportion_ci(0.95)
    return p, float(ci.low), float(ci.high), bool(0.25 <= p <= 0.6), f"{len(lost)} leavers"


def fact_ramp(study: Study) -> Measured:
    rows = study.probe("ramp", "baseline")
    days = np.array([d for r in rows for d in r["days"]], dtype=float)
    reached = np.array([x for r in rows for x in r["reached"]], dtype=bool)
    if not reached.any():
        return math.nan, math.nan, math.nan, False, "no new hire reached typical output"
    from scipy.stats import CensoredData, ecdf

    res = ecdf(CensoredData(uncensored=days[reached], right=days[~reached]))
    below = np.flatnonzero(res.sf.probabilities <= 0.5)  # Kaplan-Meier median: when half have reached it
    month = study.base.branch.days_per_year / 12
    detail = f"{len(days)} new hires, {reached.mean():.0%} reached it within the two years"
    if not len(below):
        return math.nan, math.nan, math.nan, False, detail + "; fewer than half did"
    months = float(res.sf.quantiles[below[0]]) / month
    return months, months, months, bool(3.0 <= months <= 12.0), detail


FACTS: tuple[Fact, ...] = (
    Fact("exhausted", "stress", "About a quarter to two fifths of AMs are highly exhausted", "0.25-0.40",
         "Amigo et al. 2014 (about a third of bank staff)", fact_exhausted),
    Fact("exhaustion_performance", "stress", "Exhaustion goes with lower performance (r across AMs, days highly "
         "exhausted against sales per contact)", "-0.35 to -0.10 (r ≈ -.2)", "Corbeanu et al. 2023; Swider & "
         "Zimmerman 2010", fact_exhaustion_performance, fast=False),
    Fact("turnover", "turnover", "AM turnover a year", "0.10-0.25", "Crowe 2023 (officers 6.5 %, non-officers 19.8 %)",
         fact_turnover),
    Fact("hires_3m", "turnover", "New hires who leave within 3 months", "0.05-0.15 (about 0.10)", "CBA Live 2025",
         fact_hires_3m, fast=False),
    Fact("hires_12m", "turnover", "New hires who leave within 12 months", "0.35-0.50", "CBA Live 2025",
         fact_hires_12m, fast=False),
    Fact("leavers", "relationships", "A leaver's top-20 clients: share of leavers who lose at least one",
         "0.25-0.60 (0.42)", "SEI 2007", fact_leavers, fast=False),
    Fact("churn", "clients", "Client churn a year", "0.07-0.15", "J.D. Power 2012 (9.6 % actual)", fact_churn),
    Fact("nps", "clients", "Net promoter score", "-26 to +77 (banks about +17)", "Temkin (secondary)", fact_nps),
    Fact("complaints", "clients", "Complaints brought to AMs per client a year", "0.02-0.40",
         "FCA 2019 (about 0.01 an account); EY 2014 (20-34 % complain)", fact_complaints),
    Fact("hours", "working day", "Hours worked a week, overtime included", "40-48", "Pace Productivity (45.4)",
         fact_hours),
    Fact("admin", "working day", "Share of worked hours on administration", "0.20-0.70",
         "McKinsey via Backbase (up to 70 %); American Banker (up to 40 %)", fact_admin_share),
    *(Fact(f"load_{k}", "overload", f"120 to 300 clients per AM: {k} rises, monotonically and without a jump",
           "rises; no step > 2x the one before", "stylised (a referee's expectation)", _load_fact(k),
           fast=k != "am_turnover_rate") for k in LOAD_KPIS),
    Fact("convex", "overload", "Exhaustion is convex in utilisation from light to heavy books (beyond, it "
         "saturates as the most susceptible near full exhaustion)", "curvature > 0",
         "Tan & Netessine 2014; Amigo et al. 2014", fact_convex),
    Fact("double_demand", "overload", "Twice the demand with the same staff: waits (h, shown) and backlog grow, "
         "overtime and exhaustion rise, proactive work gives way", "all up, proactive down", "stylised",
         fact_double_demand),
    Fact("halve_routine", "satisfaction", "Half the routine requests: satisfaction changes by at most 0.01",
         "|difference| <= 0.01", "expectation-disconfirmation (Oliver 1980)", fact_halve_routine),
    Fact("unsolicited_call", "satisfaction", "A call to a client contacted 5 days ago helps little next to one "
         "overdue (share of the gain)", "<= 0.25", "expectation-disconfirmation", fact_unsolicited_call),
    Fact("commission_sales", "incentives", "Sales commission raises sales", "+10 % to +45 %",
         "Lazear 2000; Condly et al. 2003; Cala, Havránek et al. 2022", _preset_sales("sales_commission", 0.10, 0.45)),
    Fact("commission_spread", "incentives", "Commission widens the spread of sales between AMs",
         "ratio > 1", "Lazear 2000", fact_commission_spread, fast=False),
    Fact("commission_costs", "incentives", "Sales-only commission lowers satisfaction and raises complaints",
         "satisfaction down, complaints up", "Holmström & Milgrom 1991; Kishore et al. 2013", fact_commission_costs),
    Fact("scorecard", "incentives", "A balanced scorecard keeps at least half of commission's sales gain with "
         "less than half of its satisfaction loss (share kept)", ">= 0.5", "the article, sections 3 and 8",
         fact_scorecard),
    Fact("complexity", "incentives", "Commission harms complex-need clients at least twice as much as simple-need "
         "ones; a scorecard much less (ratio)", ">= 2", "CFPB/OCC 2016", fact_complexity),
    Fact("course_size", "training", "One course moves the trained skill (sd of the AMs' skill)", "0.3-0.65 (d .6)",
         "Arthur, Bennett, Edens & Bell 2003", fact_course_size),
    Fact("course_decay", "training", "Half-life of a course's gain without refreshers, months", "6-13",
         "Tatel & Ackerman; Arthur et al. 1998", fact_course_decay),
    Fact("training_sales", "training", "Quarterly training raises sales by at most 10 %", "0 to +10 %",
         "Farrell 1999 (r = .16, not significant)", _preset_sales("training_quarterly", 0.0, 0.10)),
    Fact("ramp_up", "training", "Months for a new hire to reach full productivity (90 % of a seasoned AM's "
         "selling competence; Kaplan-Meier median)", "3-12 (about 5)",
         "Bridge Group 2024", fact_ramp, fast=False),
    Fact("feedback", "surveys", "Survey feedback: effect on an AM's service (d), about a third backfiring",
         "d 0.2-0.6, 20-45 % backfire", "Kluger & DeNisi 1996 (d = .41)", fact_feedback),
    Fact("surveys_small", "surveys", "Client surveys with feedback raise satisfaction a little", "0 to +0.02",
         "Kluger & DeNisi 1996", fact_surveys_small),
    Fact("support_stress", "wellbeing", "Stress support cuts stress (sd of the AMs' stress)", "0.3-0.8 (d .53)",
         "Richardson & Rothstein 2008", fact_support_stress),
    Fact("support_turnover", "wellbeing", "Wellbeing support lowers turnover (95 % CI below 0)", "CI < 0",
         "Swider & Zimmerman 2010", _turnover_cut("wellbeing_support"), fast=False),
    Fact("support_sales", "wellbeing", "Wellbeing support changes sales by a few per cent at most", "within ±5 %",
         "Richardson & Rothstein 2008", fact_support_sales, fast=False),
    Fact("career_turnover", "careers", "A career ladder lowers turnover (95 % CI below 0)", "CI < 0",
         "Crowe 2023 (career development: 45 % of leavers' reasons)", _turnover_cut("career_ladder"), fast=False),
    Fact("meetings", "communication", "Weekly meetings raise sales by at most 5 %, and their hours are a cost",
         "<= +5 %", "Mesmer-Magnus & DeChurch 2009", fact_meetings),
    Fact("all_measures", "combined", "All measures together raise sales by at most 35 % and by no more than the "
         "sum of their parts (sales, satisfaction, profit)", "<= +35 %, whole <= sum", "Combs et al. 2006 (r ≈ .2)",
         fact_all_measures),
)
