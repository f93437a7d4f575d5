"""Process pools started by spawn or forkserver (the only way on Windows and macOS, the safe one from a
Jupyter kernel): user allocation rules reach their workers, even a rule defined in a notebook, and give
the serial run's numbers; the start method can be chosen; the workers end when their parent is killed
(issue 16, point 5; issue 17, point 8).

Runs use a tiny branch (3 AMs, 300 clients, 30 measured days: about 0.15 s a run).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator

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


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_user_rules_on_a_spawned_pool_give_the_serial_table(policies, serial, method):
    """A rule of the test module (by name) and one defined in a function (by value) on a pool started
    by spawn or forkserver: no failure, and the serial run's table exactly."""
    with process_pool(method, max_workers=2) as pool:
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
