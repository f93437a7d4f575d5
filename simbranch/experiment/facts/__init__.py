"""The model against the evidence: every stylised fact and evidence range the model is held to, measured.

`check_facts(scenario, size="full")` runs the default branch (or the scenario given) under the
variants each fact needs (named policies, more or fewer clients per AM, more demand, parts of a
policy), all on the same replication seeds (common random numbers), and returns one row per fact:
what the model gives, with its 95 % confidence interval, the range the evidence allows, the source,
and whether the fact holds. `write_validation_report` writes the table as Markdown
(docs/validation.md, written by `make validate`); `python -m simbranch.experiment.facts` does both.

Two sizes: "full" is the scenario as given with 20 replications (what the report shows: about
20 minutes on two cores); "fast" is a 12-AM branch with the same book per AM, 5 replications and
only the facts that such a sample can judge (what the test suite runs: about two minutes of CPU).

A fact's measurement is written once, as a function of a `Study`: the study runs it twice, first to
learn which runs it needs (every run is then made in one batch, in parallel), then to measure.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simbranch.experiment.executors import ExecutorLike
from simbranch.experiment.facts.catalogue import FACTS
from simbranch.experiment.facts.study import SIZES, Fact, Size, Study, _Planning
from simbranch.scenario import Scenario

__all__ = ["FACTS", "SIZES", "check_facts", "main", "write_validation_report"]


def check_facts(scenario: Scenario | None = None, size: str | Size = "full", seed: int = 0,
                executor: ExecutorLike = None, facts: Sequence[Fact] | None = None,
                progress: bool = False) -> pd.DataFrame:
    """Measure every fact (those a "fast" study can judge, at that size) and return one row each:
    key, area, claim, value with its 95 % interval (low, high), target, source, holds, detail."""
    if scenario is None:
        scenario = Scenario()
    size = SIZES[size] if isinstance(size, str) else size
    chosen = [f for f in (facts or FACTS) if f.fast or size.name != "fast"]
    study = Study(scenario, size, seed=seed, executor=executor, progress=progress)
    study.planning = True
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # stand-in results are NaN: their means warn
        for fact in chosen:
            _plan(study, fact)
    study.planning = False
    study._done.clear()  # the placeholders
    study.run_needed()
    rows = []
    for fact in chosen:
        value, low, high, holds, detail = fact.measure(study)
        rows.append({"key": fact.key, "area": fact.area, "claim": fact.claim, "value": value, "low": low,
                     "high": high, "target": fact.target, "source": fact.source, "holds": holds, "detail": detail})
    return pd.DataFrame(rows)


def _plan(study: Study, fact: Fact) -> None:
    """Learn every run the fact needs: measure on stand-in results until it asks for nothing new (a
    measurement may fail on the stand-ins once it has asked for everything)."""
    for _ in range(100):
        known = len(study._needed)
        try:
            fact.measure(study)
        except _Planning:
            pass
        except Exception:  # stand-in results need not make sense
            if len(study._needed) == known:
                return
        else:
            return
        for key, (scenario, probe, reps) in study._needed.items():
            study._done.setdefault(key, _placeholder(scenario, probe, reps))
    raise RuntimeError(f"fact {fact.key} kept asking for runs")


def _placeholder(scenario: Scenario, probe: str, reps: int) -> list[Any]:
    """Stand-in results while planning: the shape the measurements read, full of NaN."""
    from simbranch.run import kpi_names

    nan = float("nan")

    class Anything(dict):
        def __missing__(self, key: str) -> Any:
            lists = ("days", "left", "reached", "lost_top", "id", "satisfaction", "complexity")
            return [nan, nan] if key in lists else nan

    return [Anything(dict.fromkeys(kpi_names(scenario), nan)) for _ in range(reps)]


def write_validation_report(results: pd.DataFrame, path: str | Path, size: str = "full", seed: int = 0,
                            seconds: float | None = None, command: str = "make validate") -> Path:
    """Write the facts as a Markdown table (docs/validation.md)."""
    path = Path(path)
    lines = [
        "# The model against the evidence",
        "",
        f"Written by `{command}` (`simbranch.experiment.facts`, size \"{size}\": "
        f"{SIZES[size].replications} paired replications per variant, seed {seed}"
        + (f", {seconds / 60:.0f} minutes" if seconds else "") + "). Do not edit by hand.",
        "",
        "Each row is a stylised fact or an evidence range from docs/evidence.md. *Model* is the mean over the "
        "replications with its 95 % t interval (paired differences against the baseline, common random "
        "numbers, for effects of a policy); for new hires a Kaplan-Meier estimate with its Greenwood interval. "
        "*Holds* compares the mean with the target, or the interval where the target says so.",
        "",
        f"{int(results['holds'].sum())} of {len(results)} facts hold.",
        "",
        "| area | fact | model (95 % CI) | target | source | holds |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in results.itertuples():
        value = _fmt(row.value, row.low, row.high)
        fact = row.claim + (f" ({row.detail})" if row.detail else "")
        lines.append(f"| {row.area} | {fact} | {value} | {row.target} | {row.source} | "
                     f"{'yes' if row.holds else '**no**'} |")
    lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _fmt(value: float, low: float, high: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    digits = 3 if abs(value) < 10 else 1

    def f(x: float) -> str:
        return f"{x:.{digits}f}" if abs(x) < 1000 else f"{x:,.0f}"

    if low == high:
        return f(value)
    return f"{f(value)} ({f(low)} to {f(high)})"


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from simbranch.scenario import load_scenario

    p = argparse.ArgumentParser(prog="python -m simbranch.experiment.facts",
                                description="Measure the stylised facts and write the validation report.")
    p.add_argument("scenario", nargs="?", default=None, help="scenario file (default: the default branch)")
    p.add_argument("--size", choices=sorted(SIZES), default="full")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="docs/validation.md")
    args = p.parse_args(argv)
    scenario = load_scenario(args.scenario) if args.scenario else Scenario()
    started = time.perf_counter()
    results = check_facts(scenario, size=args.size, seed=args.seed, progress=True)
    out = write_validation_report(results, args.out, size=args.size, seed=args.seed,
                                  seconds=time.perf_counter() - started)
    print(f"{int(results['holds'].sum())} of {len(results)} facts hold; wrote {out}")
    return 0
