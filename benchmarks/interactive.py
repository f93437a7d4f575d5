"""Interactive latency: the trainer demo's rerun of two policies for a year, with and without the redraw.

Run with `make bench` (or `.venv/bin/python benchmarks/interactive.py [--quick]`). A check as well
as a measurement: the exit status is 1 when the median full rerun takes 3 s or more.

The trainer notebook (`notebooks/04_trainer_demo.ipynb`) shows `simbranch.demo.side_by_side` over
`simbranch/scenarios/baseline.toml` at class size (`simbranch.demo.class_sized`: 12 AMs with the default book
per AM; 250 measured days after a 60-day warm-up), policy B with CRM routing.
Every change of a control calls `SideBySide.update()`: both policies run on the same seed, one
after the other in the notebook's kernel, then the KPI table and the charts (a PNG drawn with
matplotlib) are redrawn. Here, headless (matplotlib's Agg backend), after building the demo
(which runs one update, the warm-up):

(a) the two simulations alone (`sb.run` of both sides' scenarios, as `update()` runs them);
(b) the full `update()`: both runs and the redraw;

interleaved, repeated 5 times (2 with --quick); median and max of the wall time, CPU time stored
alongside. Then one real control change (B's training to quarterly, as the notebook does), timed
once. Prints a table and writes `benchmarks/results/interactive-latest.json`
(`interactive-quick.json` with --quick).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")  # headless, before matplotlib is imported

import ipywidgets
import matplotlib
import numpy as np
import simpy
from engine import Clock, git_state, machine, table  # benchmarks/engine.py: this script's directory is on sys.path

import simbranch as sb
from simbranch.demo import class_sized, side_by_side

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = ROOT / "simbranch" / "scenarios" / "baseline.toml"
#: The notebook's parameters (its first code cell) and its policy B.
HORIZON_DAYS, WARMUP_DAYS, SEED = 250, 60, 0
RIGHT = {"allocation": "crm"}
#: The median full rerun must stay under this many seconds.
LIMIT_S = 3.0


def summary(clocks: list[Clock]) -> dict:
    walls = [c.wall for c in clocks]
    return {"wall_s": walls, "cpu_s": [c.cpu for c in clocks], "median_s": statistics.median(walls),
            "max_s": max(walls), "min_s": min(walls), "median_cpu_s": statistics.median(c.cpu for c in clocks)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats (2), to check the script runs")
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats (default 5, 2 with --quick)")
    ap.add_argument("--out", type=Path, default=None, help="where to write the JSON results")
    args = ap.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 5)
    out_path = args.out or HERE / "results" / ("interactive-quick.json" if args.quick else "interactive-latest.json")

    started = time.perf_counter()
    git = git_state()
    scenario = class_sized(sb.load_scenario(BASELINE)).with_overrides(
        {"branch.horizon_days": HORIZON_DAYS, "branch.warmup_days": WARMUP_DAYS})
    print(f"simbranch {sb.__version__}, matplotlib {matplotlib.__version__} ({matplotlib.get_backend()}), "
          f"Python {platform.python_version()} on {platform.machine()} ({os.cpu_count()} CPUs)")

    with Clock() as first:  # builds the widgets and runs the first update: imports, caches, fonts
        demo = side_by_side(scenario, seed=SEED, right=RIGHT)
    scenarios = demo.scenarios()

    sims: list[Clock] = []
    updates: list[Clock] = []
    inside: list[float] = []  # the runs' share of each update, as update() times it
    for _ in range(repeats):
        with Clock() as clock:
            for sc in scenarios:  # as update() runs them: one after the other, same seed
                sb.run(sc, seed=demo.seed)
        sims.append(clock)
        with Clock() as clock:
            demo.update()
        updates.append(clock)
        inside.append(demo.seconds)
    with Clock() as change:  # a real control change: the widget's observer calls update()
        demo._controls[1]["training"].value = "quarterly"

    sim, upd = summary(sims), summary(updates)
    draw = [c.wall - s for c, s in zip(updates, inside, strict=True)]
    passed = upd["median_s"] < LIMIT_S
    days = scenario.branch.warmup_days + scenario.branch.horizon_days
    print(f"\ntrainer demo rerun: 2 policies (A baseline, B {RIGHT}) x {days} days "
          f"({scenario.branch.horizon_days} + {scenario.branch.warmup_days} warm-up), "
          f"{scenario.clients.count:,} clients, {scenario.managers.count} AMs; {repeats} repeats after one warm-up")
    rows = [{"what": "(a) the two simulations", **sim},
            {"what": "(b) full update(), with redraw", **upd}]
    print(table(rows, [("what", "", "s"), ("median_s", "median wall [s]", ".2f"), ("max_s", "max wall [s]", ".2f"),
                       ("min_s", "min wall [s]", ".2f"), ("median_cpu_s", "median CPU [s]", ".2f")]))
    print(f"redraw (update minus its runs): median {statistics.median(draw):.2f} s; first update (cold, with "
          f"building the widgets) {first.wall:.2f} s; a control change (B training -> quarterly) {change.wall:.2f} s")
    print(f"check: median full update {upd['median_s']:.2f} s {'<' if passed else '>='} {LIMIT_S:.0f} s: "
          f"{'PASS' if passed else 'FAIL'}")
    total = time.perf_counter() - started
    print(f"total {total:.1f} s")

    result = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine(),
        "versions": {"simbranch": sb.__version__, "simpy": simpy.__version__, "numpy": np.__version__,
                     "matplotlib": matplotlib.__version__, "ipywidgets": ipywidgets.__version__},
        "git": git,
        "scenario": {"file": str(BASELINE.relative_to(ROOT)), "horizon_days": scenario.branch.horizon_days,
                     "warmup_days": scenario.branch.warmup_days, "clients": scenario.clients.count,
                     "ams": scenario.managers.count, "seed": SEED, "left": {}, "right": RIGHT},
        "repeats": repeats,
        "simulations": sim,
        "update": {**upd, "runs_inside_s": inside, "draw_s": draw, "median_draw_s": statistics.median(draw)},
        "first_update_s": first.wall,
        "control_change_s": change.wall,
        "limit_s": LIMIT_S,
        "passed": passed,
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "total_s": total,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out_path.relative_to(ROOT) if out_path.is_relative_to(ROOT) else out_path}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
