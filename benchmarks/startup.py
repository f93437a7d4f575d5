"""Start-up benchmark: the time to build a branch (its team and book, before the first simulated
day) against the number of AMs and of clients, up to the scenario schema's maxima.

Build only (`simbranch.run.build_branch`), no simulated day: the cost a huge scenario pays before
anything happens, and what `simbranch report` pays to rerun a stored scenario. Each size is built
`--repeats` times; the CPU time (`time.process_time`) median is kept. The log-log slope of time
against size says how it grows (1 = linear, 2 = quadratic: before the staff index's roster
changes became lazy, 16,000 AMs took 276 s and the slope was about 2).

Run with `make bench` or `.venv/bin/python benchmarks/startup.py` (`--quick` for a smoke test);
writes `benchmarks/results/startup-latest.json` (`startup-quick.json` with --quick).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np

import simbranch as sb
from simbranch.run import build_branch

RESULTS = Path(__file__).resolve().parent / "results"


def build_time(ams: int, clients: int, repeats: int) -> float:
    """Median CPU seconds to build a branch of `ams` AMs and `clients` clients."""
    sc = sb.Scenario().with_overrides({"managers.count": ams, "clients.count": clients,
                                       "branch.horizon_days": 0, "branch.warmup_days": 0})
    times = []
    for _ in range(repeats):
        started = time.process_time()
        build_branch(sc, 0)
        times.append(time.process_time() - started)
    return statistics.median(times)


def slope(sizes: list[int], times: list[float]) -> float:
    """Least-squares slope of log(time) against log(size)."""
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat (a smoke test)")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    ams = [1_000, 2_000, 4_000] if args.quick else [1_000, 4_000, 16_000, 100_000]
    clients = [10_000, 20_000, 40_000] if args.quick else [10_000, 100_000, 500_000, 2_000_000]
    by_ams = [build_time(n, 100, repeats) for n in ams]
    by_clients = [build_time(40, n, repeats) for n in clients]
    print("AMs (100 clients)        " + "  ".join(f"{n:>9,}" for n in ams))
    print("build, CPU s             " + "  ".join(f"{t:>9.2f}" for t in by_ams) + f"   slope {slope(ams, by_ams):.2f}")
    print("clients (40 AMs)         " + "  ".join(f"{n:>9,}" for n in clients))
    print("build, CPU s             " + "  ".join(f"{t:>9.2f}" for t in by_clients)
          + f"   slope {slope(clients, by_clients):.2f}")
    result = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "python": platform.python_version(),
              "machine": platform.machine(), "repeats": repeats,
              "ams": {"sizes": ams, "cpu_s": by_ams, "slope": slope(ams, by_ams)},
              "clients": {"sizes": clients, "cpu_s": by_clients, "slope": slope(clients, by_clients)}}
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("startup-quick.json" if args.quick else "startup-latest.json")
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
