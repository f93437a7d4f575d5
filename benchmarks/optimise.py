"""Benchmark of `sb.optimise` on the default branch: wall time at a budget, and whether the front
dominates or matches every preset within its intervals (issue 18, points 3 and 4).

Run with `.venv/bin/python benchmarks/optimise.py [--levers default|article] [--budget-runs N] [--final-reps N]`
(part of `make bench`, with the default levers).
Prints a table and writes `benchmarks/results/optimise-latest.json`.

- The search: the default branch (simbranch.BASELINE), the default levers of `sb.optimise` (8: one
  per measure), objectives profit and satisfaction, no more exhausted AMs than the baseline,
  NSGA-II, on a local process pool over all cores. Target: within about 20 minutes on 2 cores.
- The presets: every preset policy compared with the baseline on the front's own final seeds
  (`Optimisation.compare`, the same replications), so front points and presets are paired.
- "Matched or dominated" for a preset: some front point is at least as good on both objectives
  within the intervals (its upper bound on each objective at least the preset's mean), and
  "dominated" when some front point's lower bound beats the preset's mean on one objective and its
  upper bound reaches it on the other.
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
from engine import git_state, machine  # benchmarks/engine.py: this script's directory is on sys.path

import simbranch as sb

ROOT = Path(__file__).resolve().parents[1]
OBJECTIVES = ("profit", "satisfaction_mean")


def preset_check(front: pd.DataFrame, presets: pd.DataFrame) -> pd.DataFrame:
    """Per preset: its means, and whether a front point matches it (within the front's intervals) or
    dominates it."""
    rows = []
    for policy, means in presets.iterrows():
        matched = dominated = False
        for _, point in front.iterrows():
            reaches = all(point[f"{k}_ci_high"] >= means[k] for k in OBJECTIVES)
            beats = any(point[f"{k}_ci_low"] > means[k] for k in OBJECTIVES)
            matched |= reaches
            dominated |= reaches and beats
        rows.append({"policy": policy, **{k: means[k] for k in OBJECTIVES}, "matched": matched,
                     "dominated": dominated})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = inspect.signature(sb.optimise).parameters  # the library's defaults unless told
    parser.add_argument("--budget-runs", type=int, default=defaults["budget_runs"].default)
    parser.add_argument("--final-reps", type=int, default=defaults["final_replications"].default)
    parser.add_argument("--levers", choices=("default", "article"), default="default",
                        help="the default 8 levers, or every measure with its main settings (16)")
    parser.add_argument("--out", type=Path, default=None,
                        help="default benchmarks/results/optimise-latest.json (optimise-article-latest.json)")
    args = parser.parse_args()
    if args.out is None:
        name = "optimise-latest.json" if args.levers == "default" else f"optimise-{args.levers}-latest.json"
        args.out = ROOT / "benchmarks" / "results" / name

    scenario = sb.load_scenario(sb.BASELINE)
    store = Path(tempfile.mkdtemp()) / "optimise.sqlite"  # the presets reuse the baseline's final runs
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        opt = sb.optimise(scenario, args.levers, objectives=OBJECTIVES, constraints={"exhausted_share": "<= baseline"},
                          budget_runs=args.budget_runs, final_replications=args.final_reps, store=store,
                          progress=True)
    search_s = time.perf_counter() - started
    started = time.perf_counter()
    cmp = opt.compare(points=[], presets=sb.policies()["name"].tolist(), replications=args.final_reps)
    presets_s = time.perf_counter() - started
    summary = cmp.summary(list(OBJECTIVES))
    means = summary.pivot_table(index="policy", columns="kpi", values="mean").drop(index="baseline")
    check = preset_check(opt.front, means)

    print(opt.front[["policy", *OBJECTIVES, *(f"{k}_ci_low" for k in OBJECTIVES)]].to_string())
    print(check.to_string())
    print(f"search + final: {search_s / 60:.1f} min ({opt.runs}); presets: {presets_s / 60:.1f} min")
    result = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine(), "git": git_state(),
        "levers": args.levers, "budget_runs": args.budget_runs, "final_replications": args.final_reps, "runs": opt.runs,
        "search_and_final_min": round(search_s / 60, 2), "presets_min": round(presets_s / 60, 2),
        "front": json.loads(opt.front.to_json(orient="records")),
        "presets": json.loads(check.to_json(orient="records")),
        "presets_matched": int(check["matched"].sum()), "presets_dominated": int(check["dominated"].sum()),
        "n_presets": len(check),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
