"""Profile one run: where the time of a policy at some size goes.

    .venv/bin/python benchmarks/profile_run.py crm_routing --scale 16 --days 60
    .venv/bin/python benchmarks/profile_run.py baseline --top 25

Prints pyinstrument's call tree when pyinstrument is installed (`pip install pyinstrument`;
it is not a dependency of simbranch), else cProfile's functions by own time. The scenario is
`simbranch/scenarios/baseline.toml` with clients and AMs times `--scale`, under the named preset policy
(`baseline` for none); the import of simbranch is outside the profile. The figures in the notes of
the performance work were taken this way.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from pathlib import Path

import simbranch as sb
from simbranch.experiment.design import resolve_policies

ROOT = Path(__file__).resolve().parent.parent


def scenario_for(policy: str, scale: int, days: int | None) -> sb.Scenario:
    base = sb.load_scenario(ROOT / "simbranch" / "scenarios" / "baseline.toml")
    changes: dict[str, object] = {"clients.count": base.clients.count * scale,
                                  "managers.count": base.managers.count * scale}
    if days is not None:
        changes["branch.horizon_days"] = days
    base = base.with_overrides(changes)
    return base if policy == "baseline" else base.with_policy(resolve_policies([policy])[1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("policy", nargs="?", default="baseline", help="a preset policy name, or baseline")
    ap.add_argument("--scale", type=int, default=1, help="clients and AMs times this (default 1)")
    ap.add_argument("--days", type=int, default=None, help="measured days (default: the scenario's)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top", type=int, default=30, help="functions to list with cProfile")
    args = ap.parse_args(argv)
    scenario = scenario_for(args.policy, args.scale, args.days)
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    if Profiler is not None:
        profiler = Profiler()
        profiler.start()
        sb.run(scenario, seed=args.seed)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False))
        return 0
    profile = cProfile.Profile()
    profile.enable()
    sb.run(scenario, seed=args.seed)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
