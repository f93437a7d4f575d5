"""Which assumed coefficients drive which KPIs: the Morris screening behind `calibrate`'s default parameters.

Run with `.venv/bin/python benchmarks/screen_drivers.py` (about 10 minutes on 2 cores): a Morris
design (8 trajectories, 4 levels) over the plausible ranges of 35 candidate coefficients on the
default branch, one run per point, and for each KPI a branch is likely to observe the
coefficients ranked by mu* (the mean absolute elementary effect), as a Markdown table of the six
largest, scaled to the largest. `simbranch.experiment.calibrate.DRIVERS` is read off this table
(docs/calibration.md shows it); rerun it when the model's mechanisms change.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import simbranch as sb

CANDIDATES = [
    "clients.churn.sensitivity", "clients.satisfaction.initial_mean", "clients.satisfaction.learning_rate",
    "clients.satisfaction.quality_noise_sd", "clients.satisfaction.wait_penalty_per_h",
    "clients.satisfaction.neglect_rate_per_day", "clients.tiers.mass.expected_quality",
    "clients.tiers.mass.am_share.service", "clients.tiers.mass.am_share.complaint",
    "clients.tiers.mass.requests_per_year", "clients.relationships.loyalty_effect",
    "clients.relationships.quality_effect", "requests.complaint_sensitivity", "managers.skill_effects.quality_base",
    "managers.skill_effects.competence_effect", "managers.workday.contact_h", "managers.workday.proactive_h",
    "managers.stress.build_rate", "managers.stress.background_pressure", "managers.stress.recovery_rate",
    "managers.exhaustion.build_rate", "managers.exhaustion.recovery_rate", "managers.exhaustion.stress_threshold",
    "managers.exhaustion.susceptibility_sd", "managers.turnover.hazard_second_year",
    "managers.turnover.pay_sensitivity", "managers.turnover.market_pay_ratio",
    "managers.turnover.motivation_sensitivity", "sales.base_conversion", "sales.outreach_conversion",
    "sales.satisfaction_effect", "sales.effort_effect", "sales.need_days", "managers.motivation.quality_effect",
    "clients.inflow.referral_sensitivity",
]

KPIS = ["client_churn_rate", "nps", "satisfaction_mean", "am_turnover_rate", "new_hire_quit_12m", "wait_mean_h",
        "complaints", "sales_count", "revenue", "exhausted_share", "stress_mean", "overtime_hours"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=None, help="a result store, to resume an interrupted screening")
    parser.add_argument("--out", type=Path, default=None, help="write the mu* of every pair as CSV")
    args = parser.parse_args()
    ranges = sb.assumed_ranges()
    sweep = sb.sweep(sb.Scenario(), {c: ranges[c] for c in CANDIDATES}, method="morris", n=8, seed=1,
                     store=args.store)
    frames = []
    for kpi in KPIS:
        frame = sweep.sensitivity(kpi)
        frame.insert(0, "kpi", kpi)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    if args.out:
        table.to_csv(args.out, index=False)
    print("| KPI | largest mu* (scaled to the largest) |\n| --- | --- |")
    for kpi, group in table.groupby("kpi", sort=False):
        top = group.sort_values("mu_star", ascending=False).head(6)
        print(f"| `{kpi}` | " + ", ".join(f"`{p}` {m / top['mu_star'].max():.2f}"
                                          for p, m in zip(top["parameter"], top["mu_star"], strict=True)) + " |")


if __name__ == "__main__":
    main()
