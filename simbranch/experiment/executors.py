"""Running many specs: in this process, on a local process pool, or on any Executor (Dask too).

At most a few runs per worker are in flight, so a sweep of thousands of runs keeps memory flat
while results stream to the store. Ctrl-C cancels what has not started and stops cleanly;
what was stored stays stored.

The local pool starts its workers the platform's way (fork on Linux, spawn on macOS and Windows),
or as `SIMBRANCH_START_METHOD` or `process_pool(start_method=...)` says: spawn is the safe choice
from a threaded program such as a Jupyter kernel. Every way gives the same numbers, and allocation
rules defined in a notebook reach the workers (`worker.UserRules`). Its workers end with the
process that started them, even when that one is killed (`worker.watch_parent`).
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import os
from collections.abc import Generator, Sequence
from typing import Any, NoReturn

from simbranch.experiment.design import RunSpec
from simbranch.experiment.worker import UserRules, execute, watch_parent
from simbranch.extras import require
from simbranch.registry import ALLOCATION_RULES

__all__ = ["START_METHOD_VARIABLE", "ExecutorLike", "execute_all", "process_pool", "resolve_start_method"]

#: None or "process" (a local process pool over every core, started and shut down here), "serial"
#: (this process), a concurrent.futures.Executor, or a dask.distributed Client.
ExecutorLike = Any

#: Environment variable that picks how the local pool starts its workers: fork, spawn or forkserver.
START_METHOD_VARIABLE = "SIMBRANCH_START_METHOD"


def resolve_start_method(method: str | None = None) -> str | None:
    """How a local pool starts its workers: `method`, else $SIMBRANCH_START_METHOD, else None
    (multiprocessing's default: the platform's, or what `multiprocessing.set_start_method` set)."""
    chosen = method or os.environ.get(START_METHOD_VARIABLE, "").strip() or None
    available = multiprocessing.get_all_start_methods()
    if chosen is not None and chosen not in available:
        where = "start_method" if method else START_METHOD_VARIABLE
        raise ValueError(f"{where} is {chosen!r}; this platform offers {', '.join(available)}")
    return chosen


def process_pool(start_method: str | None = None, max_workers: int | None = None) -> cf.ProcessPoolExecutor:
    """A local process pool for `compare`, `sweep` and co.: `start_method` ("spawn", "forkserver",
    "fork"; by default as `resolve_start_method()` says) and `max_workers` (every core by default).

    Its workers end when this process ends, even by SIGKILL (`worker.watch_parent`). Use it as a
    context manager to keep one pool over several experiments (spawned workers take a second or two
    to start).
    """
    context = multiprocessing.get_context(resolve_start_method(start_method))
    return cf.ProcessPoolExecutor(max_workers=max_workers or os.cpu_count() or 1, mp_context=context,
                                  initializer=watch_parent)


def _user_rules(specs: Sequence[RunSpec]) -> UserRules:
    """The allocation rules registered outside simbranch (in a notebook) that the specs use,
    shipped to the workers (a process started afresh, or a Dask worker, has not seen them)."""
    scenarios = {spec.scenario_json for spec in specs}
    used = {json.loads(text)["allocation"]["rule"] for text in scenarios}
    return UserRules({name: cls for name, cls in ALLOCATION_RULES.items()
                      if name in used and not cls.__module__.startswith("simbranch.")})


def _named_executor(name: str) -> NoReturn:
    """An executor given by a name that is not run here: "dask" wants a `distributed.Client` (and, without
    Dask, the extra that installs it); any other name is a mistake, said plainly rather than as a missing
    `submit`."""
    if name == "dask":
        require("distributed", "the Dask executor", extra="dask", package="dask.distributed")
        raise ValueError("executor='dask': pass a distributed.Client (from distributed import Client; "
                         "executor=Client(...)), whose workers then run the specs")
    raise ValueError(f"executor={name!r} is not one of 'process' (a local process pool), 'serial', a "
                     "concurrent.futures.Executor or a distributed.Client")


def execute_all(specs: Sequence[RunSpec], executor: ExecutorLike = None) -> Generator[dict[str, Any], None, None]:
    """Run every spec and yield its record as it finishes (in completion order)."""
    rules = _user_rules(specs)
    if executor == "serial":
        for spec in specs:
            yield execute(spec, rules)
        return
    owned = executor is None or executor == "process"
    if owned:
        executor = process_pool()
        workers = executor._max_workers
    elif hasattr(executor, "get_executor"):  # a dask.distributed Client
        workers = max(1, sum(w.get("nthreads", 1) for w in executor.scheduler_info()["workers"].values()))
        executor = executor.get_executor()
    else:
        if isinstance(executor, str):
            _named_executor(executor)
        workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
    limit = 4 * workers
    pending = iter(specs)
    in_flight: set[cf.Future] = set()
    try:
        while True:
            while len(in_flight) < limit:
                queued = next(pending, None)
                if queued is None:
                    break
                in_flight.add(executor.submit(execute, queued, rules))
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
