"""Engine benchmark: what one simulated request costs, against bare SimPy and as the branch grows.

Run with `make bench` (or `.venv/bin/python benchmarks/engine.py`); `--quick` is a smaller run
for smoke tests (< 20 s). Everything runs in this one process, one run at a time.

(a) bare SimPy M/M/c: the idiomatic model (one arrival process; each customer a process that
    does `with server.request() as req: yield req; yield env.timeout(service)`; scalar draws
    from a numpy Generator), the floor any SimPy model of this queue pays.
(b) `sb.run(sb.validation.mmc_scenario(...))` of the same queue (servers, rates, about the same
    number of requests, no warm-up): the engine with every behaviour switched off.
    (a) and (b) are repeated, interleaved, and the median wall time is kept.
(c) `sb.run` of `simbranch/scenarios/baseline.toml` (or `sb.Scenario()` if the file is missing) at 1x, 2x,
    4x, 8x, 16x size, size = clients x simulated days: once scaling clients and AMs together at
    fixed days, once scaling the measured days at fixed clients (warm-up unchanged). Time, time
    per served request (all served requests, warm-up included, since the time includes the
    warm-up), and the log-log slopes of time and of peak memory against size (1 = linear);
    peak traced memory per run in a separate pass under tracemalloc (which slows Python down,
    so never timed).
(d) the baseline's cost per contact (a request served or a proactive call: each AM contact the
    model simulates) as a multiple of the M/M/c case's cost per served request (b); and per
    served request alone, which also carries the proactive calls (about 1.2 per request).
(e) every preset policy at 1x and 16x clients and AMs (shorter horizon): the cost per served
    request at 16x over that at 1x. Above 1 means an allocation rule or lever pays per
    request or per client for the size of the team (a scan where an index should be).

Times are this process's CPU time (`time.process_time`), median over the repeats: on a shared
machine it is far steadier than wall time, which is also recorded. Prints tables and writes
`benchmarks/results/engine-latest.json` (`engine-quick.json` with --quick, so that a smoke test
does not overwrite the full measurement).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import simpy

import simbranch as sb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = ROOT / "simbranch" / "scenarios" / "baseline.toml"


# --------------------------------------------------------------------------- (a) bare SimPy


def bare_mmc(servers: int, lam: float, mu: float, n_requests: int, seed: int) -> tuple[int, float]:
    """Idiomatic SimPy M/M/c: returns (served, mean wait)."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=servers)
    waits: list[float] = []

    def customer(env: simpy.Environment, service: float):
        arrived = env.now
        with server.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(service)

    def source(env: simpy.Environment):
        for _ in range(n_requests):
            yield env.timeout(rng.exponential(1.0 / lam))
            env.process(customer(env, rng.exponential(1.0 / mu)))

    env.process(source(env))
    env.run()
    return len(waits), float(np.mean(waits))


# --------------------------------------------------------------------------- helpers


def erlang_c_wait(servers: int, lam: float, mu: float) -> float:
    """M/M/c mean wait in queue, C(c, a) / (c mu - lambda), via the Erlang B recursion."""
    a, b = lam / mu, 1.0
    for k in range(1, servers + 1):
        b = a * b / (k + a * b)
    return servers * b / (servers - a * (1.0 - b)) / (servers * mu - lam)


def served_all(res: sb.RunResult) -> int:
    """Requests served over the whole run, warm-up included (what the wall time paid for)."""
    return int(res.managers["served"].sum())


def contacts_all(res: sb.RunResult) -> int:
    """Every contact the AMs had over the whole run: requests served and proactive calls made."""
    return served_all(res) + int(res.managers["proactive_calls"].sum())


class Clock:
    """Wall time and this process's CPU time of a block (CPU time ignores other jobs' load)."""

    def __enter__(self) -> Clock:
        gc.collect()
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self.cpu0
        self.wall = time.perf_counter() - self.wall0


def timed_run(scenario: sb.Scenario, seed: int) -> tuple[Clock, sb.RunResult]:
    with Clock() as clock:
        res = sb.run(scenario, seed=seed)
    return clock, res


def peak_memory_mb(scenario: sb.Scenario, seed: int) -> float:
    """Peak memory traced by tracemalloc during one run (Python objects and numpy buffers)."""
    gc.collect()
    tracemalloc.start()
    try:
        sb.run(scenario, seed=seed)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def table(rows: list[dict], columns: list[tuple[str, str, str]]) -> str:
    """A plain text table: columns are (key, header, format)."""
    cells = [[h for _, h, _ in columns]] + [[format(r[k], f) for k, _, f in columns] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def git_state() -> dict:
    """The commit measured, and whether the working tree differed from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--", "simbranch"))}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}


def machine() -> dict:
    """What the numbers were measured on (compare results only from the same machine)."""
    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "machine": platform.machine(), "cpus": os.cpu_count()}


def slope(sizes: list[float], times: list[float]) -> float:
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


# --------------------------------------------------------------------------- the benchmarks


def bench_mmc(servers: int, lam: float, mu: float, n_requests: int, repeats: int) -> dict:
    hours_per_day = 8.0
    days = max(1, round(n_requests / (lam * hours_per_day)))
    scenario = sb.validation.mmc_scenario(servers, lam, mu, horizon_days=days, warmup_days=0,
                                          hours_per_day=hours_per_day)
    bare_c: list[Clock] = []
    sim_c: list[Clock] = []
    bare_served = sim_served = 0
    bare_wait = sim_wait = float("nan")
    for r in range(repeats):  # interleaved, so that drifts in machine load hit both alike
        with Clock() as clock:
            bare_served, bare_wait = bare_mmc(servers, lam, mu, n_requests, seed=r)
        bare_c.append(clock)
        clock, res = timed_run(scenario, seed=r)
        sim_c.append(clock)
        sim_served, sim_wait = served_all(res), float(res.kpis["wait_mean_h"])

    def summary(clocks: list[Clock], served: int, wait: float) -> dict:
        med = statistics.median(c.cpu for c in clocks)
        return {"cpu_s": [c.cpu for c in clocks], "wall_s": [c.wall for c in clocks],
                "median_s": med, "min_s": min(c.cpu for c in clocks),
                "median_wall_s": statistics.median(c.wall for c in clocks),
                "served": served, "us_per_served": 1e6 * med / served, "wait_mean_h_last": wait}

    bare, sim = summary(bare_c, bare_served, bare_wait), summary(sim_c, sim_served, sim_wait)
    bare_us, sim_us = bare["us_per_served"], sim["us_per_served"]
    return {
        "servers": servers, "arrival_rate_per_h": lam, "service_rate_per_h": mu,
        "requests": n_requests, "horizon_days": days, "repeats": repeats,
        "bare": bare, "simbranch": sim,
        "ratio_simbranch_over_bare": sim_us / bare_us,
        "wait_mean_h_theory": erlang_c_wait(servers, lam, mu),
    }


def bench_scaling(base: sb.Scenario, ks: list[int], repeats: int, seed: int = 1) -> dict:
    """Both series, every size; the repeats go round all runs (forwards, then backwards, ...)
    so that a slow spell on a shared machine spreads over the sizes instead of bending the slope."""
    br, cl, mg = base.branch, base.clients, base.managers
    makers = {
        "clients_and_ams": lambda k: base.with_overrides(
            {"clients.count": cl.count * k, "managers.count": mg.count * k}),
        "days": lambda k: base.with_overrides({"branch.horizon_days": br.horizon_days * k}),
    }
    runs = [(name, k, make(k)) for name, make in makers.items() for k in ks]
    clocks: dict[tuple[str, int], list[Clock]] = {(name, k): [] for name, k, _ in runs}
    served: dict[tuple[str, int], int] = {}
    contacts: dict[tuple[str, int], int] = {}
    for r in range(repeats):
        for name, k, sc in runs if r % 2 == 0 else runs[::-1]:
            clock, res = timed_run(sc, seed)
            clocks[name, k].append(clock)
            served[name, k] = served_all(res)
            contacts[name, k] = contacts_all(res)
    out: dict[str, dict] = {}
    for name, k, sc in runs:
        days = sc.branch.warmup_days + sc.branch.horizon_days
        cs = clocks[name, k]
        med = statistics.median(c.cpu for c in cs)
        row = {"k": k, "clients": sc.clients.count, "ams": sc.managers.count,
               "days": days, "size": sc.clients.count * days,
               "cpu_s": [c.cpu for c in cs], "wall_s": [c.wall for c in cs],
               "median_s": med, "min_s": min(c.cpu for c in cs),
               "median_wall_s": statistics.median(c.wall for c in cs),
               "served": served[name, k], "us_per_served": 1e6 * med / served[name, k],
               "contacts": contacts[name, k], "us_per_contact": 1e6 * med / contacts[name, k]}
        out.setdefault(name, {"rows": []})["rows"].append(row)
    for name, k, sc in runs:  # memory in its own pass, never inside a timing
        row = next(r for r in out[name]["rows"] if r["k"] == k)
        row["peak_mb"] = peak_memory_mb(sc, seed)
    for s in out.values():
        rows = s["rows"]
        sizes = [r["size"] for r in rows]
        s["loglog_slope"] = slope(sizes, [r["median_s"] for r in rows]) if len(rows) > 1 else float("nan")
        s["memory_loglog_slope"] = slope(sizes, [r["peak_mb"] for r in rows]) if len(rows) > 1 else float("nan")
        if len(rows) > 1:  # memory = fixed + per-size part: the part that grows, and the slope between the two largest
            per_size, fixed = np.polyfit(sizes, [r["peak_mb"] for r in rows], 1)
            s["memory_linear_fit"] = {"fixed_mb": float(fixed), "mb_per_million_client_days": float(per_size * 1e6)}
            s["memory_last_slope"] = slope(sizes[-2:], [r["peak_mb"] for r in rows[-2:]])
    return out


def bench_policies(base: sb.Scenario, k: int, repeats: int, seed: int = 1) -> dict:
    """Each preset policy at 1x and k x clients and AMs: CPU per served request, and its growth.
    The small size, a tenth of a second, gets `k // 2` times more repeats (at least `repeats`)."""
    from simbranch.experiment.design import resolve_policies

    policies = resolve_policies(sorted(p.stem for p in (ROOT / "simbranch" / "scenarios" / "policies").glob("*.toml")))
    sizes = {1: base, k: base.with_overrides({"clients.count": base.clients.count * k,
                                              "managers.count": base.managers.count * k})}
    rows = []
    for policy in policies:
        row: dict = {"policy": policy.name}
        for size, sc in sizes.items():
            scenario = sc if policy.name == "baseline" else sc.with_policy(policy)
            clocks, served = [], 0
            for _ in range(repeats if size > 1 else max(repeats, k // 2 * repeats)):
                clock, res = timed_run(scenario, seed)
                clocks.append(clock)
                served = served_all(res)
            best = min(c.cpu for c in clocks)  # the least disturbed repeat: steadier on a shared machine
            row[f"cpu_s_{size}x"] = [c.cpu for c in clocks]
            row[f"us_per_served_{size}x"] = 1e6 * best / served
        row["growth"] = row[f"us_per_served_{k}x"] / row["us_per_served_1x"]
        rows.append(row)
    return {"k": k, "repeats": repeats, "horizon_days": base.branch.horizon_days,
            "warmup_days": base.branch.warmup_days, "rows": rows,
            "max_growth": max(r["growth"] for r in rows)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small run (< 20 s) to smoke-test the script")
    ap.add_argument("--out", type=Path, default=None, help="where to write the JSON results")
    args = ap.parse_args(argv)

    if args.quick:
        n_requests, mmc_repeats, ks, repeats, policy_k, policy_repeats = 10_000, 2, [1, 2], 1, 2, 1
    else:
        n_requests, mmc_repeats, ks, repeats, policy_k, policy_repeats = 100_000, 5, [1, 2, 4, 8], 3, 8, 2
    out_path = args.out or HERE / "results" / ("engine-quick.json" if args.quick else "engine-latest.json")

    if BASELINE.exists():
        base, base_name = sb.load_scenario(BASELINE), str(BASELINE.relative_to(ROOT))
    else:
        base, base_name = sb.Scenario(), "sb.Scenario()"
    if args.quick:  # a shorter baseline so that the scaling pass fits in the smoke-test budget
        base = base.with_overrides({"branch.horizon_days": 20, "branch.warmup_days": 5})
        base_name += " (quick: 20 + 5 days)"

    started = time.perf_counter()
    git = git_state()  # before the runs: other people may commit while this one runs
    sb.run(sb.validation.mmc_scenario(2, 1.0, 1.0, horizon_days=5, warmup_days=0), seed=0)  # warm imports
    bare_mmc(2, 1.0, 1.0, 100, 0)

    print(f"simbranch {sb.__version__}, SimPy {simpy.__version__}, numpy {np.__version__}, "
          f"Python {platform.python_version()} on {platform.machine()} ({os.cpu_count()} CPUs)")
    mmc = bench_mmc(10, 9.0, 1.0, n_requests, mmc_repeats)
    print(f"\n(a, b) M/M/{mmc['servers']}, lambda = {mmc['arrival_rate_per_h']} /h, "
          f"mu = {mmc['service_rate_per_h']} /h, {mmc['requests']:,} requests, "
          f"median of {mmc['repeats']} interleaved repeats")
    print(table([
        {"what": "bare SimPy", **mmc["bare"]},
        {"what": "simbranch (mmc_scenario)", **mmc["simbranch"]},
    ], [("what", "engine", "s"), ("median_s", "CPU [s]", ".3f"), ("median_wall_s", "wall [s]", ".3f"),
        ("served", "served", ",d"),
        ("us_per_served", "us / served request", ".1f"), ("wait_mean_h_last", "mean wait [h]", ".3f")]))
    print(f"ratio simbranch / bare: {mmc['ratio_simbranch_over_bare']:.2f}   "
          f"(Erlang C mean wait {mmc['wait_mean_h_theory']:.3f} h: both models are the same queue)")

    scaling = bench_scaling(base, ks, repeats)
    cols = [("k", "k", "d"), ("clients", "clients", ",d"), ("ams", "AMs", "d"), ("days", "days", ",d"),
            ("size", "clients x days", ",d"), ("median_s", "CPU [s]", ".3f"),
            ("median_wall_s", "wall [s]", ".3f"), ("served", "served", ",d"),
            ("us_per_served", "us / served", ".1f"), ("contacts", "contacts", ",d"),
            ("us_per_contact", "us / contact", ".1f"), ("peak_mb", "peak MB", ".1f")]
    for name, s in scaling.items():
        what = "clients and AMs x k, days fixed" if name == "clients_and_ams" else "measured days x k, clients fixed"
        print(f"\n(c) {base_name}: {what}; median of {repeats}")
        print(table(s["rows"], cols))
        print(f"log-log slope vs size: CPU time {s['loglog_slope']:.2f}, peak memory "
              f"{s['memory_loglog_slope']:.2f} (between the two largest {s['memory_last_slope']:.2f}; "
              f"linear fit {s['memory_linear_fit']['fixed_mb']:.1f} MB fixed + "
              f"{s['memory_linear_fit']['mb_per_million_client_days']:.2f} MB per million client-days)")

    first = scaling["clients_and_ams"]["rows"][0]
    base_us, contact_us = first["us_per_served"], first["us_per_contact"]
    ratio = base_us / mmc["simbranch"]["us_per_served"]
    contact_ratio = contact_us / mmc["simbranch"]["us_per_served"]
    print(f"\n(d) full-behaviour baseline: {contact_us:.1f} us per contact (request served or proactive call) = "
          f"{contact_ratio:.2f} x the M/M/c case's per served request ({mmc['simbranch']['us_per_served']:.1f} us); "
          f"per served request alone {base_us:.1f} us = {ratio:.2f} x")

    policy_base = base.with_overrides({"branch.horizon_days": max(10, base.branch.horizon_days // 4)})
    policies = bench_policies(policy_base, policy_k, policy_repeats)
    print(f"\n(e) every preset policy, clients and AMs at 1x and {policy_k}x, "
          f"{policy_base.branch.warmup_days} + {policy_base.branch.horizon_days} days; "
          f"least CPU of {policy_repeats} repeats ({max(policy_repeats, policy_k // 2 * policy_repeats)} at 1x) "
          "per served request")
    print(table(policies["rows"], [("policy", "policy", "s"), ("us_per_served_1x", "us 1x", ".1f"),
                                   (f"us_per_served_{policy_k}x", f"us {policy_k}x", ".1f"),
                                   ("growth", f"{policy_k}x / 1x", ".2f")]))
    print(f"largest growth: {policies['max_growth']:.2f}")
    total = time.perf_counter() - started
    print(f"\ntotal {total:.1f} s")

    result = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine(),
        "versions": {"simbranch": sb.__version__, "simpy": simpy.__version__, "numpy": np.__version__},
        "git": git,
        "mmc": mmc,
        "baseline": {"scenario": base_name, "scaling": scaling,
                     "us_per_served": base_us, "ratio_to_mmc": ratio,
                     "us_per_contact": contact_us, "contact_ratio_to_mmc": contact_ratio},
        "policies": policies,
        "total_s": total,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out_path.relative_to(ROOT) if out_path.is_relative_to(ROOT) else out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
