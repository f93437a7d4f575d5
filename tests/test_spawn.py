"""Process pools started by spawn or forkserver (the only way on Windows and macOS, the safe one from a
Jupyter kernel): user allocation rules reach their workers, even a rule defined in a notebook, and give
the serial run's numbers; the start method can be chosen; the workers end when their parent is killed
(issue 16, point 5; issue 17, point 8).

Runs use a tiny branch (3 AMs, 300 clients, 30 measured days: about 0.15 s a run).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

import simbranch as sb
from simbranch.experiment.executors import START_METHOD_VARIABLE, process_pool
from simbranch.registry import ALLOCATION_RULES

TINY = sb.Scenario().with_overrides(
    {"branch.horizon_days": 30, "branch.warmup_days": 5, "clients.count": 300, "managers.count": 3}
)
TINY_JSON = TINY.model_dump_json()
SEED = 7
REPLICATIONS = 2


class FirstAM(sb.AllocationRule):
    """Every client goes to the AM in the first position: a rule of this module, which a spawned
    worker imports by name."""

    def assign(self, client, candidates, book):
        return min(candidates, key=lambda m: m.position)


def kpi_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Keys and KPIs, sorted, for comparing tables from different executors."""
    frame = table[["policy", "replication", *sb.KPI_NAMES]]
    return frame.sort_values(["policy", "replication"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def policies() -> Iterator[list[sb.Policy]]:
    """Two user rules: `FirstAM` of this module, and one defined in this function, which no worker
    can import by name (as a rule of a notebook's `__main__`), so it travels by value."""
    saved = dict(ALLOCATION_RULES)

    @sb.register_allocation_rule("spawn_test_newest_first")
    class NewestFirst(sb.AllocationRule):
        def assign(self, client, candidates, book):
            return max(candidates, key=lambda m: m.position)

    sb.register_allocation_rule("spawn_test_first_am")(FirstAM)
    yield [sb.Policy(name=name, levers={"allocation": {"rule": f"spawn_test_{name}"}})
           for name in ("newest_first", "first_am")]
    ALLOCATION_RULES.clear()
    ALLOCATION_RULES.update(saved)


@pytest.fixture(scope="module")
def serial(policies: list[sb.Policy]) -> pd.DataFrame:
    """The reference: the user rules and the baseline, run in this process."""
    cmp = sb.compare(TINY, policies=policies, replications=REPLICATIONS, seed=SEED, executor="serial",
                     progress=False)
    table = kpi_frame(cmp.table).set_index(["policy", "replication"])
    assert table.loc["newest_first", "wait_mean_h"].tolist() != table.loc["baseline", "wait_mean_h"].tolist()
    return kpi_frame(cmp.table)


@pytest.mark.parametrize(("method", "workers"), [("spawn", 2), ("forkserver", 1)])
def test_user_rules_on_a_spawned_pool_give_the_serial_table(policies, serial, method, workers):
    """A rule of the test module (by name) and one defined in a function (by value) on a pool started
    by spawn or forkserver: no failure, and the serial run's table exactly."""
    with process_pool(method, max_workers=workers) as pool:
        cmp = sb.compare(TINY, policies=policies, replications=REPLICATIONS, seed=SEED, executor=pool,
                         progress=False)
    assert cmp.failures.empty, cmp.failures["error"].tolist()
    pd.testing.assert_frame_equal(kpi_frame(cmp.table), serial)


def test_user_rules_on_dask_give_the_serial_table(policies, serial):
    """The same user rules on a Dask cluster of one worker process: the serial run's table."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        cmp = sb.compare(TINY, policies=policies, replications=REPLICATIONS, seed=SEED, executor=client,
                         progress=False)
    assert cmp.failures.empty, cmp.failures["error"].tolist()
    pd.testing.assert_frame_equal(kpi_frame(cmp.table), serial)


def test_the_start_method_comes_from_the_argument_then_the_environment(monkeypatch):
    """`process_pool(start_method)` first, then $SIMBRANCH_START_METHOD, then multiprocessing's
    default; an unknown method is an error that names the choices. (No worker is started.)"""
    monkeypatch.setenv(START_METHOD_VARIABLE, "spawn")
    assert process_pool()._mp_context.get_start_method() == "spawn"
    assert process_pool("forkserver")._mp_context.get_start_method() == "forkserver"
    monkeypatch.setenv(START_METHOD_VARIABLE, "vfork")
    with pytest.raises(ValueError, match=f"{START_METHOD_VARIABLE} is 'vfork'.*spawn"):
        process_pool()
    monkeypatch.delenv(START_METHOD_VARIABLE)
    assert process_pool()._mp_context.get_start_method() == multiprocessing.get_context().get_start_method()


NOTEBOOK_CELLS = [
    f"""\
import os
os.environ[{START_METHOD_VARIABLE!r}] = "spawn"
import pandas as pd
import simbranch as sb
from simbranch.experiment.executors import process_pool
assert process_pool()._mp_context.get_start_method() == "spawn"  # the default pool's, as compare makes it
TINY = sb.Scenario.model_validate_json({TINY_JSON!r})""",
    """\
@sb.register_allocation_rule("newest_first")
class NewestFirst(sb.AllocationRule):
    def assign(self, client, candidates, book):
        return max(candidates, key=lambda m: m.position)

POLICY = sb.Policy(name="newest_first", levers={"allocation": {"rule": "newest_first"}})""",
    f"""\
pooled = sb.compare(TINY, policies=[POLICY], replications=2, seed={SEED}, executor="process", progress=False)
serial = sb.compare(TINY, policies=[POLICY], replications=2, seed={SEED}, executor="serial", progress=False)
assert pooled.failures.empty, pooled.failures["error"].tolist()
columns = ["policy", "replication", *sb.KPI_NAMES]
pd.testing.assert_frame_equal(pooled.table[columns], serial.table[columns])
waits = serial.table.set_index("policy")["wait_mean_h"]
assert waits["newest_first"].tolist() != waits["baseline"].tolist()""",
]


def test_a_rule_defined_in_a_notebook_runs_on_a_spawned_pool(tmp_path):
    """A notebook defines and registers a rule in a cell, then compares it on the default pool started
    by spawn ($SIMBRANCH_START_METHOD): no BrokenProcessPool, and the serial run's table."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in NOTEBOOK_CELLS])
    nbformat.write(nb, tmp_path / "spawned.ipynb")
    NotebookClient(nbformat.read(tmp_path / "spawned.ipynb", as_version=4), timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()


# --------------------------------------------------------------------------- orphaned workers

SLOW_COMPARE = """\
import sys
import time
from pathlib import Path

import simbranch as sb
from simbranch.experiment.executors import process_pool

if __name__ == "__main__":
    started = Path(sys.argv[1])

    @sb.register_allocation_rule("slow")
    class Slow(sb.AllocationRule):
        def assign(self, client, candidates, book):
            started.touch()
            time.sleep(0.01)
            return super().assign(client, candidates, book)

    scenario = sb.Scenario.model_validate_json(sys.argv[2])
    policy = sb.Policy(name="slow", levers={"allocation": {"rule": "slow"}})
    with process_pool(max_workers=2) as pool:  # the default pool, on 2 workers whatever the machine
        sb.compare(scenario, policies=[policy], replications=50, executor=pool, store=sys.argv[3], progress=False)
"""


def _children() -> dict[int, list[int]]:
    """Parent pid -> pids of its children, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    return children


def _descendants(pid: int) -> list[int]:
    """The processes `pid` started, and the ones they started (the forkserver's children)."""
    children, found, todo = _children(), [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (an exited orphan its new parent has not reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pool_workers_end_when_the_compare_is_killed(tmp_path, method):
    """A compare (rule from its `__main__`, a store) is killed with SIGKILL while its pool runs: its
    workers and every other process it started are gone within a few seconds, not left running."""
    script, started = tmp_path / "slow_compare.py", tmp_path / "started"
    script.write_text(SLOW_COMPARE, encoding="utf-8")
    log = (tmp_path / "stderr.txt").open("w")
    workers: list[int] = []
    proc = subprocess.Popen([sys.executable, str(script), str(started), TINY_JSON, str(tmp_path / "runs.sqlite")],
                            env={**os.environ, START_METHOD_VARIABLE: method}, stdout=subprocess.DEVNULL, stderr=log)
    try:
        assert _wait_for(started.exists, 60), (tmp_path / "stderr.txt").read_text()
        workers = _descendants(proc.pid)
        assert workers
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        log.close()
    left = [] if _wait_for(lambda: not any(_running(pid) for pid in workers), 5) else [
        p for p in workers if _running(p)]
    for pid in left:  # do not leave them to the rest of the suite
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{len(left)} of the {len(workers)} processes the killed compare started still run"
