"""Running many specs: in this process, on a local process pool, or on any Executor (Dask too).

At most a few runs per worker are in flight, so a sweep of thousands of runs keeps memory flat
while results stream to the store. Ctrl-C cancels what has not started and stops cleanly;
what was stored stays stored.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from typing import Any

from simbranch.experiment.design import RunSpec
from simbranch.experiment.worker import execute
from simbranch.registry import ALLOCATION_RULES

__all__ = ["ExecutorLike", "execute_all"]

ExecutorLike = Any  # None | "serial" | concurrent.futures.Executor | distributed.Client


def _user_rules(specs: Sequence[RunSpec]) -> dict[str, type]:
    """The allocation rules registered outside simbranch (in a notebook) that the specs use,
    shipped to the workers (a process started afresh, or a Dask worker, has not seen them)."""
    scenarios = {spec.scenario_json for spec in specs}
    used = {json.loads(text)["allocation"]["rule"] for text in scenarios}
    return {name: cls for name, cls in ALLOCATION_RULES.items()
            if name in used and not cls.__module__.startswith("simbranch.")}


def execute_all(specs: Sequence[RunSpec], executor: ExecutorLike = None) -> Iterator[dict[str, Any]]:
    """Run every spec and yield its record as it finishes (in completion order)."""
    rules = _user_rules(specs)
    if executor == "serial":
        for spec in specs:
            yield execute(spec, rules)
        return
    owned = executor is None
    if owned:
        workers = os.cpu_count() or 1
        executor = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")
                                          if "fork" in multiprocessing.get_all_start_methods() else None)
    elif hasattr(executor, "get_executor"):  # a dask.distributed Client
        workers = max(1, sum(w.get("nthreads", 1) for w in executor.scheduler_info()["workers"].values()))
        executor = executor.get_executor()
    else:
        workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
    limit = 4 * workers
    pending = iter(specs)
    in_flight: set[cf.Future] = set()
    try:
        while True:
            while len(in_flight) < limit:
                spec = next(pending, None)
                if spec is None:
                    break
                in_flight.add(executor.submit(execute, spec, rules))
            if not in_flight:
                return
            done, in_flight = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
            for future in done:
                yield future.result()
    except BaseException:
        for future in in_flight:
            future.cancel()
        if owned:
            executor.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        if owned:
            executor.shutdown(wait=True)
