"""Benchmarks of calibration: wall time at the default budget, parameter recovery on the default branch,
and Dask scale-out.

Run with `make bench` (or `.venv/bin/python benchmarks/calibration.py [--quick]`). Prints a table
and writes `benchmarks/results/calibration-latest.json`.

- Speed: `sb.calibrate` of the default branch to the fictional branch of
  simbranch/scenarios/observed/example.toml (its 8 KPIs, the 6 default parameters), default budget, on a
  local process pool over all cores. Target: within about 20 minutes on 2 cores.
- Recovery: observed KPIs made by the model itself on the default branch at known, non-default
  values of 5 parameters (the mean of 3 runs on seeds the calibration does not use, with that
  mean's standard error as sd, `observed_runs=3`), calibrated with the default budget: how many
  true values the 90 % intervals hold, how narrow the posterior is, how many KPIs are within
  their sd.
- Dask: a small calibration (2 waves of 16 points x 2 runs, 120 measured days) on a
  `distributed.LocalCluster` of 1, 2, ... cpu_count single-threaded workers. The waves are
  barriers (the next wave's points need the emulators of all runs before it), so efficiency is
  below a plain sweep's; the target is >= 80 % at every n.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from engine import git_state, machine  # benchmarks/engine.py: this script's directory is on sys.path
from experiments import DASK_TARGET_EFFICIENCY, WORKER_CONFIG

import simbranch as sb
from simbranch.experiment.calibrate import calibrate

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
EXAMPLE = ROOT / "simbranch" / "scenarios" / "observed" / "example.toml"

#: The recovery case: five parameters away from their defaults, and the KPIs a branch would know.
TRUTH = {"clients.churn.sensitivity": 6.0, "managers.skill_effects.quality_base": 0.74,
         "managers.exhaustion.build_rate": 0.05, "requests.complaint_sensitivity": 4.0,
         "sales.base_conversion": 0.38}
RECOVERY_KPIS = ["client_churn_rate", "nps", "am_turnover_rate", "exhausted_share", "wait_mean_h", "complaints",
                 "sales_count", "satisfaction_mean"]


def speed(scenario: sb.Scenario) -> dict:
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cal = calibrate(scenario, EXAMPLE, progress=False)
    wall = time.perf_counter() - started
    return {"wall_s": wall, "minutes": wall / 60, "runs": int(cal.waves["runs"].sum()),
            "parameters": list(cal.parameters), "kpis": list(cal.observed.values), "ess": cal.ess,
            "plausible_share_by_wave": cal.waves["plausible_share"].tolist()[:-1],
            "within_sd": int(cal.fit["within_sd"].sum()), "covered": int(cal.fit["covered"].sum()),
            "warnings": cal.warnings, "fit": cal.fit.reset_index().to_dict(orient="records"),
            "identifiability": cal.identifiability.to_dict(orient="records")}


def recovery(scenario: sb.Scenario) -> dict:
    truth = scenario.with_overrides(TRUTH)
    runs = pd.DataFrame([sb.run(truth, np.random.SeedSequence(2024, spawn_key=(r,))).kpis for r in range(3)])
    observed = {k: (float(runs[k].mean()), float(max(runs[k].std() / np.sqrt(len(runs)), 1e-3)))
                for k in RECOVERY_KPIS}
    ranges = sb.assumed_ranges()
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cal = calibrate(scenario, observed, {p: ranges[p] for p in TRUTH}, observed_runs=3, progress=False)
    ident = cal.identifiability.set_index("parameter")
    inside = {p: bool(ident.loc[p, "q05"] <= v <= ident.loc[p, "q95"]) for p, v in TRUTH.items()}
    return {"wall_s": time.perf_counter() - started, "truth": TRUTH, "covered": inside,
            "covered_count": sum(inside.values()), "width_share": ident["width_share"].to_dict(),
            "status": ident["status"].to_dict(), "within_sd": int(cal.fit["within_sd"].sum()),
            "covered_kpis": int(cal.fit["covered"].sum()), "z": cal.fit["z"].round(2).to_dict(),
            "kpis": len(RECOVERY_KPIS), "runs": int(cal.waves["runs"].sum()), "ess": cal.ess}


def dask_scaling(scenario: sb.Scenario) -> dict:
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    try:
        import dask
        import distributed
    except ImportError as exc:
        return {"skipped": f"dask.distributed not installed ({exc}); pip install -e '.[dask]'"}
    logging.getLogger("distributed").setLevel(logging.WARNING)
    observed = {"sales_count": (7400.0, 300.0), "nps": (30.0, 4.0), "exhausted_share": (0.34, 0.08)}
    space = {"sales.base_conversion": (0.15, 0.5), "managers.skill_effects.quality_base": (0.65, 0.9),
             "managers.exhaustion.build_rate": (0.01, 0.1)}

    def run(executor: object) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            calibrate(scenario, observed, space, waves=2, points=16, replications=2, check_draws=8,
                      best_replications=2, executor=executor, progress=False)

    rows = []
    for n in range(1, (os.cpu_count() or 1) + 1):
        with (
            dask.config.set(WORKER_CONFIG),
            distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                     dashboard_address=None) as cluster,
            distributed.Client(cluster) as client,
        ):
            client.wait_for_workers(n)
            client.run(lambda: __import__("simbranch.run"))
            start = time.perf_counter()
            run(client)
            rows.append({"workers": n, "wall_s": time.perf_counter() - start})
    t1 = rows[0]["wall_s"]
    for row in rows:
        row["efficiency_vs_1_worker"] = t1 / (row["workers"] * row["wall_s"])
    return {"rows": rows, "runs": 2 * 16 * 2 + 8 + 2, "horizon_days": scenario.branch.horizon_days,
            "target_efficiency": DASK_TARGET_EFFICIENCY,
            "target_met": all(r["efficiency_vs_1_worker"] >= DASK_TARGET_EFFICIENCY for r in rows),
            "distributed": distributed.__version__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short horizon, to check the script runs")
    parser.add_argument("--only", choices=["speed", "recovery", "dask"], help="run one part")
    args = parser.parse_args()
    scenario = sb.load_scenario(ROOT / "simbranch" / "scenarios" / "baseline.toml")
    dask_scenario = scenario.with_overrides({"branch.horizon_days": 120})
    if args.quick:
        scenario = scenario.with_overrides({"branch.horizon_days": 30, "branch.warmup_days": 10,
                                            "clients.count": 1500, "managers.count": 9})
        dask_scenario = scenario
    out: dict = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "quick": args.quick,
                 "machine": machine(), "git": git_state()}
    if args.only in (None, "speed"):
        s = out["speed"] = speed(scenario)
        print(f"calibration of the default branch to {EXAMPLE.name}: {len(s['parameters'])} parameters, "
              f"{len(s['kpis'])} KPIs, {s['runs']} runs in {s['minutes']:.1f} min on {os.cpu_count()} cores "
              f"(target <= 20); plausible share by wave {', '.join(f'{x:.3f}' for x in s['plausible_share_by_wave'])}; "
              f"{s['within_sd']}/{len(s['kpis'])} KPIs within their sd, effective sample {s['ess']:.0f}")
    if args.only in (None, "recovery"):
        r = out["recovery"] = recovery(scenario)
        print(f"recovery on the default branch: {r['covered_count']}/{len(TRUTH)} true values inside the 90 % "
              f"intervals, {r['within_sd']}/{r['kpis']} KPIs within their sd (z: "
              + ", ".join(f"{k} {z:+.1f}" for k, z in r["z"].items())
              + f"), {r['covered_kpis']}/{r['kpis']} inside the 90 % predictive interval, {r['runs']} runs, "
              f"{r['wall_s'] / 60:.1f} min; width share "
              + ", ".join(f"{p.rsplit('.', 1)[-1]} {w:.2f}" for p, w in r["width_share"].items()))
    if args.only in (None, "dask"):
        d = out["dask"] = dask_scaling(dask_scenario)
        if "skipped" in d:
            print(f"Dask scale-out skipped: {d['skipped']}")
        else:
            print(f"Dask, a {d['runs']}-run calibration ({d['horizon_days']} measured days): "
                  + ", ".join(f"{r['workers']} worker(s) {r['wall_s']:.1f} s (efficiency "
                              f"{r['efficiency_vs_1_worker']:.0%})" for r in d["rows"])
                  + f"; target >= {d['target_efficiency']:.0%}: {'met' if d['target_met'] else 'NOT met'}")
    RESULTS.mkdir(exist_ok=True)
    name = "calibration-quick.json" if args.quick else "calibration-latest.json"
    (RESULTS / name).write_text(json.dumps(out, indent=2, default=str))
    print(f"wrote {RESULTS / name}")


if __name__ == "__main__":
    main()
