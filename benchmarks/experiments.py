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
- Dask scale-out: a 32-point Latin-hypercube sweep of the baseline branch over 120 measured days
  (follow-up interval and AM quit rate) through `sb.sweep(..., executor=client)` on a `distributed.LocalCluster` of
  1, 2, ... os.cpu_count() single-threaded worker processes, and serially in this process as the
  1-core reference. Each cluster is started and warmed up (simbranch imported and one small run on
  every worker) before the clock starts. Parallel efficiency = T(1 worker) / (n x T(n workers)),
  and the same against the serial time; the target is >= 80 % at every n.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from engine import git_state, machine  # benchmarks/engine.py: this script's directory is on sys.path

import simbranch as sb
from simbranch.experiment.compare import SERIES_COLUMNS, run_experiment
from simbranch.experiment.design import resolve_policies, run_specs
from simbranch.experiment.worker import execute

RESULTS = Path(__file__).resolve().parent / "results"
POLICIES = ["crm_routing", "training_quarterly", "sales_commission"]
#: Parallel efficiency the Dask scale-out should keep at every number of workers.
DASK_TARGET_EFFICIENCY = 0.80
#: Dask workers as the README advises for simbranch: the statistical profiler, which samples every
#: worker thread's stack each 10 ms, takes about 9 % of a pure-Python run (measured: 1-worker sweep
#: 7.0 s with it, 6.4 s without, 6.1 s serially in-process).
WORKER_CONFIG = {"distributed.worker.profile.enabled": False}
#: What the Dask scale-out sweeps: two levers with an effect on every run's length.
SWEEP_SPACE = {"allocation.follow_up_days": (10, 120), "managers.turnover.base_rate_per_year": (0.05, 0.3)}


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


def _warm_up(specs: list) -> None:
    """Run before timing, in this process and on every Dask worker: the imports and one small run
    of every policy, through the same entry point as the timed runs."""
    for spec in specs:
        execute(spec, {})


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def dask_scaling(scenario: sb.Scenario, reps: int, warm: sb.Scenario) -> dict:
    """Wall time of one comparison on local Dask clusters of 1..cpu_count workers, against serial."""
    # Quiet distributed's INFO logging, here and in the worker processes (they read the environment).
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    try:
        import dask
        import distributed
    except ImportError as exc:
        return {"skipped": f"dask.distributed not installed ({exc}); pip install -e '.[dask]'"}
    logging.getLogger("distributed").setLevel(logging.WARNING)
    cores = os.cpu_count() or 1

    def run(executor: object) -> None:
        sb.sweep(scenario, SWEEP_SPACE, method="lhs", n=4 * reps, executor=executor, progress=False)

    warm_specs = run_specs(warm, resolve_policies(POLICIES), range(1), seed=0, series=SERIES_COLUMNS)
    _warm_up(warm_specs)
    load0 = _load()
    serial = timed(lambda: run("serial"))
    rows = []
    for n in range(1, cores + 1):
        start = time.perf_counter()
        with (
            dask.config.set(WORKER_CONFIG),
            distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                     dashboard_address=None) as cluster,
            distributed.Client(cluster) as client,
        ):
            client.wait_for_workers(n)
            client.run(_warm_up, warm_specs)
            sb.compare(warm, [], replications=n, executor=client, progress=False)  # the submit path, too
            startup = time.perf_counter() - start
            load = _load()
            wall = timed(lambda: run(client))
        rows.append({"workers": n, "wall_s": wall, "startup_and_warmup_s": startup, "load_before": load})
    t1 = rows[0]["wall_s"]
    for row in rows:
        n, tn = row["workers"], row["wall_s"]
        row.update({"speedup_vs_serial": serial / tn, "speedup_vs_1_worker": t1 / tn,
                    "efficiency_vs_1_worker": t1 / (n * tn), "efficiency_vs_serial": serial / (n * tn)})
    return {"runs": 4 * reps, "sweep": {"method": "lhs", "space": SWEEP_SPACE},
            "horizon_days": scenario.branch.horizon_days, "warmup_days": scenario.branch.warmup_days,
            "cores": cores, "dask": dask.__version__, "distributed": distributed.__version__,
            "worker_config": WORKER_CONFIG, "serial_s": serial, "load_before_serial": load0,
            "load_after": _load(), "rows": rows,
            "target_efficiency": DASK_TARGET_EFFICIENCY,
            "target_met": all(r["efficiency_vs_1_worker"] >= DASK_TARGET_EFFICIENCY for r in rows)}


def print_dask(d: dict) -> None:
    if "skipped" in d:
        print(f"Dask scale-out skipped: {d['skipped']}")
        return
    print(f"Dask scale-out, {d['runs']}-point sweep ({', '.join(d['sweep']['space'])}; "
          f"{d['horizon_days']} + {d['warmup_days']} warm-up days), distributed "
          f"{d['distributed']}, {d['cores']} cores; serial in this process {d['serial_s']:.1f} s")
    header = f"{'workers':>7}  {'wall s':>7}  {'vs serial':>9}  {'vs 1 worker':>11}  {'eff vs 1':>8}  " \
             f"{'eff vs serial':>13}  {'start s':>7}"
    print(header)
    print("-" * len(header))
    for r in d["rows"]:
        print(f"{r['workers']:>7}  {r['wall_s']:>7.2f}  {r['speedup_vs_serial']:>8.2f}x  "
              f"{r['speedup_vs_1_worker']:>10.2f}x  {r['efficiency_vs_1_worker']:>8.0%}  "
              f"{r['efficiency_vs_serial']:>13.0%}  {r['startup_and_warmup_s']:>7.1f}")
    verdict = "met" if d["target_met"] else "NOT met"
    print(f"target: efficiency vs 1 worker >= {d['target_efficiency']:.0%} at every n: {verdict} "
          f"(load average {d['load_before_serial']:.1f} before, {d['load_after']:.1f} after)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the script runs (< 60 s)")
    args = parser.parse_args()
    scenario = sb.load_scenario(Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml")
    reps, dask_reps = 10, 8
    dask_scenario = scenario.with_overrides({"branch.horizon_days": 120})
    if args.quick:
        scenario = scenario.with_overrides({"branch.horizon_days": 20, "branch.warmup_days": 5})
        dask_scenario = scenario
        reps, dask_reps = 2, 4
    warm = sb.Scenario().with_overrides({"branch.horizon_days": 5, "branch.warmup_days": 0,
                                        "clients.count": 100, "managers.count": 2})
    started = time.perf_counter()
    out = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "quick": args.quick,
           "machine": machine(),
           "versions": {"simbranch": sb.__version__}, "git": git_state(),
           "speedup": speedup(scenario, reps), "store": store_overhead(scenario, reps),
           "memory": sweep_memory(250 if args.quick else 1000),
           "dask": dask_scaling(dask_scenario, dask_reps, warm)}
    out["total_s"] = time.perf_counter() - started
    s, st, mem = out["speedup"], out["store"], out["memory"]
    print(f"parallel speed-up, {s['runs']}-run comparison on {s['cores']} cores: {s['speedup']:.2f}x "
          f"(serial {s['serial_s']:.1f} s, pool {s['pool_s']:.1f} s; efficiency {s['efficiency']:.0%})")
    print(f"result store overhead, {st['runs']} runs: {st['overhead']:+.1%} "
          f"({st['without_s']:.1f} s without, {st['with_store_s']:.1f} s with)")
    print(f"{mem['runs']}-run experiment streaming to a store, parent's live memory (MB) by runs done: "
          + ", ".join(f"{k}: {v:.2f}" for k, v in mem["live_mb_by_runs"].items())
          + f"; last / first {mem['growth_first_to_last']:.2f}; peak with the final table "
          f"{mem['peak_mb_with_final_table']:.1f} MB")
    print_dask(out["dask"])
    print(f"total {out['total_s']:.1f} s")
    RESULTS.mkdir(exist_ok=True)
    name = "experiments-quick.json" if args.quick else "experiments-latest.json"
    (RESULTS / name).write_text(json.dumps(out, indent=2, default=str))
    print(f"wrote {RESULTS / name}")


if __name__ == "__main__":
    main()
