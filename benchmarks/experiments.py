"""Benchmarks of experiments: parallel speed-up, result-store overhead, and memory over a long sweep.

Run with `make bench` (or `.venv/bin/python benchmarks/experiments.py [--quick]`). Prints a table
and writes `benchmarks/results/experiments-latest.json`. Figures are ratios measured in one run on
this machine; absolute times on a shared machine mean little.

- Speed-up: a 40-run comparison (4 policies x 10 replications of the default branch) serially
  and on a local process pool over all cores.
- Store overhead: the same comparison, serially, with and without a result store.
- Memory: a 1,000-run experiment of a small branch streaming into a store; the parent process's
  live memory (tracemalloc) after 100, 250, 500 and 1,000 finished runs should stay flat (the
  result table is read back from the store once, at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

import simbranch as sb
from simbranch.experiment.compare import run_experiment
from simbranch.experiment.design import resolve_policies, run_specs

RESULTS = Path(__file__).resolve().parent / "results"
POLICIES = ["crm_routing", "training_quarterly", "sales_commission"]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def speedup(scenario: sb.Scenario, reps: int) -> dict:
    serial = timed(lambda: sb.compare(scenario, POLICIES, replications=reps, executor="serial", progress=False))
    pooled = timed(lambda: sb.compare(scenario, POLICIES, replications=reps, executor=None, progress=False))
    return {"runs": 4 * reps, "cores": os.cpu_count(), "serial_s": serial, "pool_s": pooled,
            "speedup": serial / pooled, "efficiency": serial / pooled / (os.cpu_count() or 1)}


def store_overhead(scenario: sb.Scenario, reps: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        without = timed(lambda: sb.compare(scenario, POLICIES, replications=reps, executor="serial", progress=False))
        with_store = timed(lambda: sb.compare(scenario, POLICIES, replications=reps, executor="serial",
                                              progress=False, store=Path(tmp) / "s.sqlite"))
    return {"runs": 4 * reps, "without_s": without, "with_store_s": with_store,
            "overhead": with_store / without - 1.0}


def sweep_memory(total: int) -> dict:
    """Live memory of the parent process while one `total`-run experiment streams into a store."""
    small = sb.Scenario().with_overrides({"branch.horizon_days": 10, "branch.warmup_days": 0,
                                         "clients.count": 100, "managers.count": 2})
    specs = run_specs(small, resolve_policies([]), range(total), seed=0)
    marks = {m for m in (100, 250, 500, 1000) if m <= total}
    live: dict[int, float] = {}
    count = 0

    def sample(_record: dict) -> None:
        nonlocal count
        count += 1
        if count in marks:
            live[count] = tracemalloc.get_traced_memory()[0] / 1e6

    with tempfile.TemporaryDirectory() as tmp:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0] / 1e6
        records = run_experiment(specs, executor=None, store=Path(tmp) / "sweep.sqlite", progress=False,
                                 experiment="memory", on_record=sample)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    live = {k: v - base for k, v in sorted(live.items())}
    values = list(live.values())
    return {"runs": len(records), "live_mb_by_runs": live, "peak_mb_with_final_table": peak - base,
            "growth_first_to_last": values[-1] / values[0] if values and values[0] else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the script runs")
    args = parser.parse_args()
    scenario = sb.load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")
    reps = 10
    if args.quick:
        scenario = scenario.with_overrides({"branch.horizon_days": 20, "branch.warmup_days": 5})
        reps = 2
    out = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "quick": args.quick,
           "speedup": speedup(scenario, reps), "store": store_overhead(scenario, reps),
           "memory": sweep_memory(250 if args.quick else 1000)}
    s, st, mem = out["speedup"], out["store"], out["memory"]
    print(f"parallel speed-up, {s['runs']}-run comparison on {s['cores']} cores: {s['speedup']:.2f}x "
          f"(serial {s['serial_s']:.1f} s, pool {s['pool_s']:.1f} s; efficiency {s['efficiency']:.0%})")
    print(f"result store overhead, {st['runs']} runs: {st['overhead']:+.1%} "
          f"({st['without_s']:.1f} s without, {st['with_store_s']:.1f} s with)")
    print(f"{mem['runs']}-run experiment streaming to a store, parent's live memory (MB) by runs done: "
          + ", ".join(f"{k}: {v:.2f}" for k, v in mem["live_mb_by_runs"].items())
          + f"; last / first {mem['growth_first_to_last']:.2f}; peak with the final table "
          f"{mem['peak_mb_with_final_table']:.1f} MB")
    RESULTS.mkdir(exist_ok=True)
    name = "experiments-quick.json" if args.quick else "experiments-latest.json"
    (RESULTS / name).write_text(json.dumps(out, indent=2, default=str))
    print(f"wrote {RESULTS / name}")


if __name__ == "__main__":
    main()
