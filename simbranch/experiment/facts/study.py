"""A validation study: variants of one scenario, each over the same replication seeds, run in one batch.

A fact's measurement is written once, as a function of a `Study`: the study runs it twice, first on
stand-in results to learn which runs it needs (every run is then made in one batch, in parallel),
then on the real results to measure.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import math
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simbranch.experiment.executors import ExecutorLike
from simbranch.scenario import PRESETS, Policy, Scenario, load_policy

__all__ = ["PRESETS", "SIZES", "Fact", "Measured", "Size", "Study", "t_interval"]


#: What a measurement returns: value, low and high end of its 95 % interval, whether it holds, a note.
Measured = tuple[float, float, float, bool, str]


@dataclass(frozen=True)
class Size:
    """How big a validation study is: overrides of the scenario and replications per variant."""

    name: str
    overrides: dict[str, Any]
    replications: int


SIZES: dict[str, Size] = {
    "fast": Size("fast", {"managers.count": 12, "clients.count": 2_100}, 4),
    "full": Size("full", {}, 20),
}


@dataclass(frozen=True)
class Fact:
    """One stylised fact or evidence range: what is claimed, against what range, from which source."""

    key: str
    area: str
    claim: str
    target: str
    source: str
    measure: Callable[[Study], Measured]
    fast: bool = True  # a "fast" study can judge it


# --------------------------------------------------------------------------- the study


def t_interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2 or x.std(ddof=1) == 0:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return mean, mean - half, mean + half


class _Planning(Exception):
    """Raised inside a measurement while the study only learns which runs it needs."""


class Study:
    """The runs behind the facts: variants of one scenario, each over the same replication seeds."""

    def __init__(self, scenario: Scenario, size: Size, seed: int = 0, executor: ExecutorLike = None,
                 progress: bool = False):
        self.size = size
        self.base = scenario.with_overrides(size.overrides, source=f"validation size {size.name!r}")
        self.seed = seed
        self.executor = executor
        self.progress = progress
        self.reps = size.replications
        self._needed: dict[tuple[str, str], tuple[Scenario, str, int]] = {}
        self._done: dict[tuple[str, str], list[Any]] = {}
        self.planning = False

    # ----------------------------------------------------------------- what a fact asks for

    def policy(self, name: str) -> Scenario:
        return self.base.with_policy(load_policy(PRESETS / f"{name}.toml"))

    def levers(self, levers: dict[str, Any]) -> Scenario:
        return self.base.with_policy(Policy(name="variant", levers=levers))

    def kpis(self, label: str, scenario: Scenario | None = None) -> pd.DataFrame:
        """The KPIs of every replication of a variant (the base scenario by default)."""
        rows = self._ask(label, scenario if scenario is not None else self.base, "kpis", self.reps)
        return pd.DataFrame(rows)

    def probe(self, name: str, label: str, scenario: Scenario | None = None, reps: int | None = None) -> list[Any]:
        """What probe function `name` measures on each replication of a variant."""
        return self._ask(label, scenario if scenario is not None else self.base, name, reps or self.reps)

    def diff(self, label: str, kpi: str, base: str = "baseline", relative: bool = False) -> tuple[float, float, float]:
        """Mean paired difference of `kpi` (variant - base) with its 95 % t interval; relative to the
        base's mean with `relative`."""
        a, b = self.kpis(label)[kpi].to_numpy(float), self.kpis(base)[kpi].to_numpy(float)
        scale = float(np.nanmean(b)) if relative else 1.0
        return t_interval((a - b) / scale)

    def _ask(self, label: str, scenario: Scenario, probe: str, reps: int) -> list[Any]:
        key = (label, probe)
        if key in self._done:
            return self._done[key]
        self._needed[key] = (scenario, probe, reps)
        if self.planning:
            raise _Planning
        raise KeyError(f"{label}/{probe} was not run")

    # ----------------------------------------------------------------- running

    def run_needed(self) -> None:
        jobs = [(label, probe, scenario.canonical_json(), self.seed, r)
                for (label, probe), (scenario, _, reps) in self._needed.items() if (label, probe) not in self._done
                for r in range(reps)]
        results: dict[tuple[str, str], dict[int, Any]] = {}
        bar = None
        if self.progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(jobs), unit="run", desc="validation", leave=False)
        for label, probe, r, value in _execute(jobs, self.executor):
            results.setdefault((label, probe), {})[r] = value
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        for key, by_rep in results.items():
            self._done[key] = [by_rep[r] for r in sorted(by_rep)]


def _job(job: tuple[str, str, str, int, int]) -> tuple[str, str, int, Any]:
    label, probe, scenario_json, seed, rep = job
    scenario = Scenario.model_validate(json.loads(scenario_json))
    ss = np.random.SeedSequence(seed, spawn_key=(rep,))
    from simbranch.experiment.facts.probes import PROBES

    return label, probe, rep, PROBES[probe](scenario, ss)


def _execute(jobs: list[tuple[str, str, str, int, int]], executor: ExecutorLike) -> Iterator[Any]:
    """Run the jobs (in this process, on a local process pool, or on any Executor or Dask client)."""
    if executor == "serial":
        for job in jobs:
            yield _job(job)
        return
    owned = executor is None
    if owned:
        context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
        executor = cf.ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=context)
    elif hasattr(executor, "get_executor"):
        executor = executor.get_executor()
    try:
        futures = [executor.submit(_job, job) for job in jobs]
        for future in cf.as_completed(futures):
            yield future.result()
    finally:
        if owned:
            executor.shutdown(wait=True, cancel_futures=True)
