"""One run of an experiment, in a worker process: spec in, a flat record of plain values out.

A run that raises is recorded with its error instead of stopping the experiment.

Allocation rules registered in the caller (a notebook, a script) travel with each run as
`UserRules`: cloudpickle bytes that carry a class defined in `__main__` by value, since a worker
started by spawn or forkserver, or a Dask worker, has no such class to import by name. Those
bytes go over the pipe to the workers only; the store holds plain values, never pickles.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import platform
import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from simbranch.experiment.design import RunSpec, scenario_from_spec
from simbranch.registry import ALLOCATION_RULES

__all__ = ["ORPHAN_EXIT_CODE", "UserRules", "daily_series", "execute", "watch_parent"]

#: Exit status of a pool worker that ends because the process that started it has ended.
ORPHAN_EXIT_CODE = 70


class UserRules(Mapping[str, type]):
    """Allocation rules registered in the caller, on their way to the workers (name -> class).

    In the caller it is the classes themselves, so a serial run or a thread pool uses them as they
    are. Pickled, it is the cloudpickle bytes of them (made once, however many runs carry them):
    cloudpickle writes a class of `__main__` by value (its methods, and the globals they use) and
    an importable class by reference, and a worker loads them as a plain dict of classes. It is a
    Mapping, not a dict, so that an executor that looks into dict arguments (Dask) ships it whole.
    """

    def __init__(self, rules: Mapping[str, type]) -> None:
        self._rules = dict(rules)
        self._payload: bytes | None = None

    def __getitem__(self, name: str) -> type:
        return self._rules[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        return _unpack_rules, (self.payload(),)

    def payload(self) -> bytes:
        """The cloudpickle bytes of the rules (imported here: only a pool needs them)."""
        if self._payload is None:
            import cloudpickle

            self._payload = cloudpickle.dumps(self._rules)
        return self._payload


def _unpack_rules(payload: bytes) -> dict[str, type]:
    """The rules of `payload`, loaded once per worker: the runs of an experiment then share one class
    object per rule, instead of a fresh copy each."""
    digest = hashlib.sha256(payload).hexdigest()
    if digest not in _UNPACKED:
        import cloudpickle

        _UNPACKED[digest] = cloudpickle.loads(payload)
    return _UNPACKED[digest]


_UNPACKED: dict[str, dict[str, type]] = {}


def _register(rules: Mapping[str, type]) -> None:
    """Register the caller's rules here, replacing an older class of the same name: a long-lived pool
    then runs a rule the notebook has since redefined as it is now."""
    for name, cls in rules.items():
        if ALLOCATION_RULES.get(name) is not cls:
            ALLOCATION_RULES[name] = cls


def watch_parent() -> None:
    """Pool initializer: end this worker as soon as the process that started it ends, however it ends.

    A worker killed with its parent (SIGKILL, an out-of-memory kill) would otherwise wait for work
    forever, holding its memory and the files it inherited (the store). The parent's sentinel, a
    pipe only the parent writes to, reads end-of-file when the parent is gone: a daemon thread
    waits on it (no polling) and exits this process at once.
    """
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_after, args=(parent,), name="simbranch-parent-watch", daemon=True).start()


def _exit_after(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    os._exit(ORPHAN_EXIT_CODE)  # no clean-up: there is nobody left to report to


def execute(spec: RunSpec, rules: Mapping[str, type] | None = None) -> dict[str, Any]:
    """Run `spec`; `rules` carries allocation rules registered in the caller (a notebook)."""
    from simbranch.run import run

    _register(rules or {})
    record: dict[str, Any] = {
        "key": spec.key, "policy": spec.policy, "point": spec.point, "replication": spec.replication,
        "seed": spec.seed, "params": spec.params, "fingerprint": spec.fingerprint,
        "host": platform.node(),
    }
    started = time.perf_counter()
    try:
        result = run(scenario_from_spec(spec), np.random.SeedSequence(spec.seed, spawn_key=(spec.replication,)))
        record.update(status="ok", error="", kpis={k: float(v) for k, v in result.kpis.items()})
        if spec.series:
            record["series"] = daily_series(result.daily, spec.series)
    except Exception:  # a failed run is data: it is recorded, the experiment goes on
        record.update(status="error", error=traceback.format_exc(limit=8), kpis={})
    record["wall_time_s"] = time.perf_counter() - started
    record["provenance"] = {"seed_entropy": spec.seed, "spawn_key": [spec.replication], **_versions()}
    return record


def daily_series(daily: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, list[float | None]]:
    """Daily columns as JSON-ready lists, to 6 significant digits (ample for plots; NaN as None)."""
    out: dict[str, list[float | None]] = {"warmup": [float(v) for v in daily["warmup"]]}
    for col in columns:
        out[col] = [None if v != v else float(f"{v:.6g}") for v in daily[col].tolist()]
    return out


def _versions() -> dict[str, str]:
    """Versions of what produced a run (the model itself is identified by the fingerprint)."""
    global _VERSIONS
    if _VERSIONS is None:
        from importlib.metadata import version

        _VERSIONS = {"python": platform.python_version(),
                     **{name: version(name) for name in ("simbranch", "simpy", "numpy", "scipy", "pandas")}}
    return _VERSIONS


_VERSIONS: dict[str, str] | None = None
