"""The result store under SIGKILL at every phase of its work, several writers at once, and a full disk.

Each kill test forks a child that runs a tiny comparison into a store and stops it at a chosen
moment: just as the store's schema is being created, between a run's row and its series inside a
write transaction, before the commit of a huge record, mid-checkpoint while the last connection
closes, mid-read, or with a process pool at work (the whole process group is killed). The child
stops by stalling inside SQLite (a trace or progress callback that sleeps), so the kill lands
exactly there. After each kill: the file passes SQLite's integrity check, the store opens,
`keys()` are exactly the committed runs, every record parses and equals the uninterrupted
run's, no run is stored without its series, and the same comparison again runs only what is
missing and gives the uninterrupted table.

Children are forked from this process (no new interpreter to start), so each kill costs a few
tens of milliseconds plus the resumed comparison.
"""

from __future__ import annotations

import importlib
import itertools
import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing, suppress
from pathlib import Path

import pandas as pd
import pytest

import simbranch as sb
from simbranch.cli import main
from simbranch.experiment import ResultStore, StoreError
from simbranch.experiment.store import SCHEMA_VERSION

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="forks and /proc: Linux only")

compare_module = importlib.import_module("simbranch.experiment.compare")
run_module = importlib.import_module("simbranch.run")
FORK = multiprocessing.get_context("fork")

TINY = sb.Scenario().with_overrides({"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100,
                                     "managers.count": 3})
POLICIES = ["crm_routing"]
REPS = 4
TOTAL = 2 * REPS  # baseline and crm_routing
SEED = 3
KPIS = list(sb.KPI_NAMES)
BASELINE = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml"
CLI_TINY = ["--set", "branch.horizon_days=5", "--set", "branch.warmup_days=0", "--set", "clients.count=100",
            "--set", "managers.count=3", "--executor", "serial", "--seed", str(SEED)]


def experiment(path: Path, executor: object = "serial", replications: int = REPS) -> sb.Comparison:
    return sb.compare(TINY, policies=POLICIES, replications=replications, seed=SEED, executor=executor, store=path,
                      progress=False)


def kpi_frame(table: pd.DataFrame) -> pd.DataFrame:
    return table[["policy", "replication", *KPIS]].sort_values(["policy", "replication"]).reset_index(drop=True)


def ran(calls: list[list]) -> int:
    return sum(len(c) for c in calls)


def raw(path: Path, sql: str) -> list[tuple]:
    """A query through a connection of its own, as another program would read the file."""
    with closing(sqlite3.connect(path, timeout=30)) as con:
        return con.execute(sql).fetchall()


def count_runs(path: Path) -> int:
    try:
        return raw(path, "SELECT count(*) FROM runs")[0][0] if path.exists() else 0
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[sb.Comparison, dict[str, dict]]:
    """The comparison run without interruption, and its stored records by key (with series)."""
    path = tmp_path_factory.mktemp("uninterrupted") / "runs.sqlite"
    cmp = experiment(path)
    with ResultStore(path) as store:
        records = {r["key"]: r for r in store.records(with_series=True)}
    assert len(records) == TOTAL and all(r["series"] for r in records.values())
    return cmp, records


# --------------------------------------------------------------------------- children


class Child:
    """A forked process running `body(pipe)`; it reports on the pipe (what it stalled at, done, an error)."""

    def __init__(self, body: Callable[[object], None], new_group: bool = False):
        self.pipe, child_end = FORK.Pipe()

        def main_() -> None:
            if new_group:
                os.setpgid(0, 0)
            try:
                body(child_end)
                child_end.send(("done", ""))
            except BaseException as exc:
                child_end.send(("error", repr(exc)))

        self.group = new_group
        self.process = FORK.Process(target=main_)
        self.process.start()
        _CHILDREN.append(self)

    def wait(self, timeout: float = 60.0) -> tuple[str, str]:
        assert self.pipe.poll(timeout), "the child reported nothing"
        return self.pipe.recv()

    def kill(self) -> None:
        if self.group:
            os.killpg(self.process.pid, signal.SIGKILL)
        else:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(30)
        assert self.process.exitcode == -signal.SIGKILL


_CHILDREN: list[Child] = []


@pytest.fixture(autouse=True)
def _no_child_left():
    """A test that fails while its child stalls still ends the child (and its process group)."""
    yield
    while _CHILDREN:
        child = _CHILDREN.pop()
        if child.process.exitcode is None:
            with suppress(ProcessLookupError):
                (os.killpg if child.group else os.kill)(child.process.pid, signal.SIGKILL)
            child.process.join(30)


def stall_at(pipe, matches: Callable[[str], bool], nth: int = 1, autocheckpoint: bool = True) -> None:
    """In a child: every SQLite connection opened from now on stalls (sleeps) as it starts the `nth`
    statement that `matches` (counted over all connections), after telling the parent which."""
    real = sqlite3.connect
    seen = itertools.count(1)

    def connect(*args, **kwargs):
        db = real(*args, **kwargs)
        if not autocheckpoint:
            db.execute("PRAGMA wal_autocheckpoint = 0")

        def trace(sql: str) -> None:
            if matches(sql) and next(seen) == nth:
                pipe.send(("stalled", sql))
                time.sleep(600)

        db.set_trace_callback(trace)
        return db

    sqlite3.connect = connect


def check_store(path: Path, reference: dict[str, dict]) -> int:
    """What must hold after any kill; returns how many runs are stored."""
    assert raw(path, "PRAGMA integrity_check") == [("ok",)]
    with ResultStore(path) as store:
        ok, everything = store.keys(), store.keys(status=None)
        records = store.records(with_series=True)
        assert ok == everything == {r["key"] for r in records}
        assert store.keys(with_series=True) == ok  # never a run without its series
        assert store.meta("schema_version") == {"schema_version": SCHEMA_VERSION}
        for record in records:
            expected = reference[record["key"]]  # a run of the experiment, not a torn or foreign row
            assert record["status"] == "ok"
            assert record["kpis"] == expected["kpis"]
            assert record["series"] == expected["series"]
    assert {k for (k,) in raw(path, "SELECT key FROM series")} == ok  # nor a series without its run
    return len(records)


def resume(path: Path, reference: tuple[sb.Comparison, dict], executed: list[list], stored: int) -> None:
    """The same comparison again runs the rest only, and gives the uninterrupted table."""
    executed.clear()
    again = experiment(path)
    assert ran(executed) == TOTAL - stored
    assert again.failures.empty
    pd.testing.assert_frame_equal(kpi_frame(again.table), kpi_frame(reference[0].table))
    assert count_runs(path) == TOTAL


# --------------------------------------------------------------------------- kill points


def init_statements(path: Path) -> list[str]:
    """The SQL statements `ResultStore(path)` runs on a new file."""
    real = sqlite3.connect
    statements: list[str] = []

    def connect(*args, **kwargs):
        db = real(*args, **kwargs)
        db.set_trace_callback(statements.append)
        return db

    sqlite3.connect = connect
    try:
        ResultStore(path).close()
    finally:
        sqlite3.connect = real
    return statements


def test_kill_while_a_new_store_is_being_created(tmp_path, reference, executed):
    """Killed as each statement of the schema's creation starts (journal mode, the checks, BEGIN, every
    CREATE, the schema notes, COMMIT): the schema is then all there or not at all, the file opens as an
    empty store, and the comparison runs in it to the uninterrupted result."""
    statements = init_statements(tmp_path / "probe.sqlite")
    assert any(s.startswith("CREATE TABLE runs") for s in statements) and statements[-1] == "COMMIT"
    full = {"runs", "meta", "series"}
    for i, sql in enumerate(statements):
        path = tmp_path / f"new{i}.sqlite"
        child = Child(lambda pipe, i=i, path=path: (stall_at(pipe, lambda s: True, nth=i + 1), experiment(path)))
        kind, stalled = child.wait()
        assert kind == "stalled" and stalled[:40] == sql[:40]  # (the trace shows the values bound)
        child.kill()
        tables = {t for (t,) in raw(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables in (set(), full), (sql, tables)
        assert check_store(path, reference[1]) == 0
    resume(path, reference, executed, 0)


@pytest.mark.parametrize(("statement", "nth", "stored"), [
    ("INSERT OR REPLACE INTO runs", 1, 0),  # the first run's row
    ("INSERT OR REPLACE INTO series", 3, 2),  # between the third run's row and its series
    ("COMMIT", 1 + 6, 5),  # the sixth run's commit (the first COMMIT creates the schema)
])
def test_kill_inside_a_write_transaction(tmp_path, reference, executed, statement, nth, stored):
    """Killed inside the transaction that stores a run: that run is not stored at all (neither its row
    nor its series), those before are intact; meanwhile a reader sees the committed runs."""
    path = tmp_path / "runs.sqlite"
    child = Child(lambda pipe: (stall_at(pipe, lambda s: s.startswith(statement), nth), experiment(path)))
    assert child.wait()[0] == "stalled"
    assert count_runs(path) == stored  # a reader is not blocked by the open write transaction
    child.kill()
    assert check_store(path, reference[1]) == stored
    resume(path, reference, executed, stored)


def test_kill_while_a_huge_record_is_being_written(tmp_path, reference, executed):
    """The third run carries 40 MB of padding; its pages spill into the write-ahead log before the commit,
    and the kill lands just before that commit: the record is not stored, the log's uncommitted frames
    are ignored, and the file does not keep the 40 MB once the store is closed."""
    path = tmp_path / "runs.sqlite"
    real_add = ResultStore.add

    def body(pipe) -> None:
        def add(self, record, experiment_name):
            if count_runs(path) == 2:
                record = {**record, "series": {**record["series"], "padding": ["x" * 1000] * 40_000}}
            real_add(self, record, experiment_name)

        ResultStore.add = add
        stall_at(pipe, lambda s: s == "COMMIT", nth=1 + 3)
        experiment(path)

    child = Child(body)
    assert child.wait() == ("stalled", "COMMIT")
    assert os.path.getsize(f"{path}-wal") > 30e6  # the huge record was written to the log, uncommitted
    child.kill()
    assert check_store(path, reference[1]) == 2
    assert not Path(f"{path}-wal").exists()  # the last close checkpointed and removed the log
    assert path.stat().st_size < 1e6
    resume(path, reference, executed, 2)


def test_kill_mid_checkpoint_as_the_store_closes(tmp_path, reference, executed):
    """Every run committed to the write-ahead log (automatic checkpoints off, and a 40 MB note so the
    final checkpoint takes a while); the child is killed once that checkpoint has copied part of the log
    into the database file: the log is still there, every run is found through it, nothing reruns."""
    path = tmp_path / "runs.sqlite"

    def body(pipe) -> None:
        stall_at(pipe, lambda s: False, autocheckpoint=False)
        with ResultStore(path) as store:  # the last connection to close: it checkpoints
            store.set_meta("ballast", "x" * 40_000_000)
            experiment(path)
            pipe.send(("closing", str(path.stat().st_size)))

    child = Child(body)
    kind, size = child.wait()
    assert kind == "closing"
    before, deadline = int(size), time.monotonic() + 30
    while path.stat().st_size <= before + 4e6:  # the checkpoint is copying pages
        assert time.monotonic() < deadline and child.process.is_alive(), "no checkpoint seen"
        time.sleep(0.0005)
    child.kill()
    assert Path(f"{path}-wal").exists() and path.stat().st_size < 40e6  # caught mid-checkpoint
    assert check_store(path, reference[1]) == TOTAL
    with ResultStore(path) as store:
        assert len(store.meta("ballast")["ballast"]) == 40_000_000
    resume(path, reference, executed, TOTAL)


def test_kill_a_reader_mid_read(tmp_path, reference, executed):
    """A reader stalls halfway through reading the records (its snapshot open) while the comparison is
    completed by this process, and is then killed: the writer was not blocked, the store is intact, and
    with the reader gone the last close checkpoints the whole log away."""
    path = tmp_path / "runs.sqlite"
    experiment(path, replications=REPS // 2)

    def body(pipe) -> None:
        real = sqlite3.connect
        state = {"reading": False}

        def connect(*args, **kwargs):
            db = real(*args, **kwargs)
            db.set_trace_callback(lambda sql: state.update(reading=sql.startswith("SELECT runs.*")))

            def progress() -> int:
                if state["reading"]:
                    pipe.send(("stalled", "mid-read"))
                    time.sleep(600)
                return 0

            db.set_progress_handler(progress, 20)
            return db

        sqlite3.connect = connect
        ResultStore(path).records(with_series=True)

    child = Child(body)
    assert child.wait() == ("stalled", "mid-read")
    stored = check_store(path, reference[1])
    assert stored == TOTAL // 2
    resume(path, reference, executed, stored)  # written while the reader holds its snapshot
    child.kill()
    assert check_store(path, reference[1]) == TOTAL
    assert not Path(f"{path}-wal").exists()


def live_members(group: int) -> list[int]:
    """Processes of a process group that are still running (zombies do not count)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == group and fields[0] != "Z":
                pids.append(int(entry.name))
    return pids


def test_kill_the_process_group_mid_experiment_with_a_pool(tmp_path, reference, executed):
    """A comparison on a process pool (runs slowed to 0.2 s so several are in flight) is killed with its
    whole process group once 3 runs are stored: no worker survives, the store holds the runs committed
    before the kill, and the comparison resumes to the uninterrupted result."""
    path = tmp_path / "runs.sqlite"

    def body(pipe) -> None:
        real_run = run_module.run

        def slow(*args, **kwargs):
            time.sleep(0.2)
            return real_run(*args, **kwargs)

        run_module.run = slow
        experiment(path, executor=None)

    child = Child(body, new_group=True)
    deadline = time.monotonic() + 60
    while count_runs(path) < 3:
        assert time.monotonic() < deadline and child.process.is_alive(), "the pool stores nothing"
        time.sleep(0.005)
    assert len(live_members(child.process.pid)) >= 2  # the child and its workers
    child.kill()
    deadline = time.monotonic() + 10
    while live_members(child.process.pid):
        assert time.monotonic() < deadline, "workers outlived the kill"
        time.sleep(0.01)
    stored = check_store(path, reference[1])
    assert 3 <= stored < TOTAL
    resume(path, reference, executed, stored)


# --------------------------------------------------------------------------- several writers at once


def synthetic(writer: int | str, j: int) -> dict:
    return {"key": f"{writer}-{j}", "policy": f"p{writer}", "point": -1, "replication": j, "seed": 1,
            "params": {"writer": str(writer)}, "status": "ok", "error": "", "kpis": {"revenue": float(j)},
            "fingerprint": "test", "wall_time_s": 0.01, "series": {"revenue": [float(j)] * 400}}


def test_several_processes_write_and_one_reads_a_new_store_at_once(tmp_path):
    """4 writer processes open one new store at the same moment (creating its schema together) and each
    stores 150 runs of its own plus the same 20 shared ones, while a reader keeps reading everything:
    no error (no "database is locked"), no run lost or doubled, and the reader never sees a torn record."""
    path = tmp_path / "shared.sqlite"
    writers, own, shared = 4, 150, 20
    start = FORK.Barrier(writers + 1)
    stop = FORK.Event()

    def writer(index: int):
        def body(pipe) -> None:
            start.wait(30)
            with ResultStore(path) as store:
                for j in range(own):
                    store.add(synthetic(index, j), f"writer{index}")
                    if j < shared:
                        store.add(synthetic("shared", j), "shared")

        return body

    def reader(pipe) -> None:
        start.wait(30)
        seen, reads = 0, 0
        while not stop.is_set():
            with ResultStore(path) as store:
                records = store.records(with_series=True)
            assert len(records) >= seen, "a run vanished"
            assert all(r["series"]["revenue"] == [r["kpis"]["revenue"]] * 400 for r in records)
            seen, reads = len(records), reads + 1
        pipe.send(("read", str(reads)))

    started = time.perf_counter()
    children = [Child(writer(i)) for i in range(writers)]
    watcher = Child(reader)
    for child in children:
        assert child.wait(120) == ("done", "")
        child.process.join(10)
    elapsed = time.perf_counter() - started
    stop.set()
    kind, reads = watcher.wait(60)
    assert kind == "read" and int(reads) >= 1
    assert watcher.wait(30) == ("done", "")
    with ResultStore(path) as store:
        keys = store.keys()
        assert len(store.records()) == len(keys) == writers * own + shared
        assert store.fingerprints() == {"test": writers * own + shared}
    assert raw(path, "SELECT experiment, count(*) FROM runs GROUP BY experiment ORDER BY experiment") == [
        ("shared", shared), *((f"writer{i}", own) for i in range(writers))]
    assert raw(path, "PRAGMA integrity_check") == [("ok",)]
    print(f"{writers} writers x {own + shared} transactions and 1 reader ({reads} full reads): {elapsed:.2f} s")


# --------------------------------------------------------------------------- full disk


@pytest.fixture
def small_disk(monkeypatch) -> Callable[[int], None]:
    """`cap(pages)`: every store opened from now on may hold at most `pages` pages (SQLite's
    max_page_count), beyond which SQLite fails with SQLITE_FULL, "database or disk is full", exactly
    as on a full disk; `cap(0)` frees the space again."""
    real = sqlite3.connect
    limit = {"pages": 0}

    def connect(*args, **kwargs):
        db = real(*args, **kwargs)
        if limit["pages"]:
            db.execute(f"PRAGMA max_page_count = {limit['pages']}")
        return db

    monkeypatch.setattr(sqlite3, "connect", connect)
    return lambda pages: limit.update(pages=pages)


def test_a_full_disk_stops_the_experiment_with_a_clear_error_and_the_rest_resumes(tmp_path, reference, executed,
                                                                                   small_disk):
    path = tmp_path / "runs.sqlite"
    experiment(path, replications=1)
    pages = raw(path, "PRAGMA page_count")[0][0]
    small_disk(pages + 1)
    executed.clear()
    with pytest.raises(StoreError) as info:
        experiment(path)
    message = str(info.value)
    stored = count_runs(path)
    assert 2 <= stored < TOTAL and ran(executed) == TOTAL - 2
    assert message.startswith(f"{path}: cannot store run ")
    assert "the disk is full (database or disk is full)" in message
    assert f"The {stored} runs stored before stay readable; free some space and run the same command again" in message
    assert "\n" not in message
    assert check_store(path, reference[1]) == stored  # readable while the disk is still full
    small_disk(0)
    resume(path, reference, executed, stored)


def test_the_cli_reports_a_full_disk_in_one_line(tmp_path, capsys, small_disk):
    """`simbranch compare --store` on a full disk: exit 2, one line saying so (after the progress line), no
    traceback."""
    path = tmp_path / "runs.sqlite"
    experiment(path, replications=1)
    small_disk(raw(path, "PRAGMA page_count")[0][0] + 1)
    code = main(["compare", str(BASELINE), "--policy", "crm_routing", "--reps", str(REPS), *CLI_TINY,
                 "--store", str(path)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2, lines
    assert len(lines) == 2 and lines[0].startswith("simbranch: comparing 1 policy")  # the progress line, then:
    assert lines[1].startswith(f"simbranch: {path}: cannot store run ") and "the disk is full" in lines[1]


def test_the_cli_reports_a_full_disk_during_a_sweep_in_one_line(tmp_path, capsys, small_disk):
    path = tmp_path / "runs.sqlite"
    ResultStore(path).close()
    small_disk(raw(path, "PRAGMA page_count")[0][0] + 1)
    code = main(["sweep", str(BASELINE), "--param", "managers.count=2:4", "--n", "6", *CLI_TINY,
                 "--store", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "the disk is full" in err and "Traceback" not in err


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill the file system of `disk` with a file, then give back `leave` bytes of it."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:  # no space left on device
        pass
    finally:
        os.close(fd)
    os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


@pytest.fixture
def tmpfs(tmp_path) -> Path:
    """A 1 MB file system of its own (a tmpfs): needs root, and may be refused in a container (skipped then)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield disk
    subprocess.run(["umount", str(disk)], check=False)


def test_a_really_full_disk(tmpfs, reference, executed, monkeypatch):
    """On a file system that really runs out of space (ENOSPC). The disk fills up while the comparison
    stores its runs: a StoreError saying so; the store stays readable on the full disk, and a new
    attempt stops at its first run the same way. With space again, the comparison resumes to the
    uninterrupted result. Filled again, the complete store (closed cleanly, so SQLite cannot even make
    its -shm file) opens for reading: the same comparison comes back from it without writing, and a
    bigger one is refused before it runs anything."""
    path = tmpfs / "runs.sqlite"
    experiment(path, replications=1)
    real_add = ResultStore.add
    filler: list[Path] = []

    def add(self, record, experiment_name):
        real_add(self, record, experiment_name)
        if not filler:
            filler.append(fill(tmpfs, leave=24 * 1024))

    monkeypatch.setattr(ResultStore, "add", add)
    with pytest.raises(StoreError) as info:
        experiment(path)
    monkeypatch.setattr(ResultStore, "add", real_add)
    message = str(info.value)
    assert message.startswith(f"{path}: cannot store run ") and "the disk is full" in message, message
    assert "stay readable; free some space and run the same command again" in message
    with ResultStore(path) as store:  # on the full disk
        stored = len(store.keys())
        assert 3 <= stored < TOTAL and store.keys(with_series=True) == store.keys()
    with pytest.raises(StoreError, match="the disk is full"):
        experiment(path)  # it finds the disk full as it stores (a page freed by the rollback may take one more)
    stored = count_runs(path)
    assert stored < TOTAL

    filler[0].unlink()
    assert check_store(path, reference[1]) == stored
    resume(path, reference, executed, stored)

    fill(tmpfs)
    assert not Path(f"{path}-wal").exists()
    with ResultStore(path) as store:
        assert store.read_only is not None and "the disk is full" in store.read_only
        assert len(store.keys()) == TOTAL
        with pytest.raises(StoreError, match=r"opened for reading only\. The 8 runs stored before stay readable"):
            store.set_meta("x", 1)
    executed.clear()
    again = experiment(path)
    assert ran(executed) == 0
    pd.testing.assert_frame_equal(kpi_frame(again.table), kpi_frame(reference[0].table))
    pd.testing.assert_frame_equal(kpi_frame(sb.load_comparison(path).table), kpi_frame(reference[0].table))
    with pytest.raises(StoreError, match=r"cannot store the 2 runs still to do: the disk is full"):
        experiment(path, replications=REPS + 1)
    assert ran(executed) == 0


def test_opening_a_store_on_a_full_disk_says_so(tmp_path, small_disk):
    """A store that cannot even be created for lack of space is not called "not a store"."""
    path = tmp_path / "runs.sqlite"
    small_disk(1)
    with pytest.raises(StoreError, match=r"cannot open the result store: the disk is full"):
        ResultStore(path)


def test_a_record_that_does_not_parse_is_a_store_error(tmp_path):
    """A row edited by hand into bad JSON: reading it names the run and the column, not a JSONDecodeError."""
    path = tmp_path / "runs.sqlite"
    with ResultStore(path) as store:
        store.add(synthetic(0, 0), "e")
    with closing(sqlite3.connect(path)) as con:
        con.execute("UPDATE runs SET kpis = '{\"revenue\": ' WHERE key = '0-0'")
        con.commit()
    with ResultStore(path) as store, pytest.raises(StoreError, match=r"run 0-0: kpis is not valid JSON"):
        store.records()
    assert json.loads(raw(path, "SELECT params FROM runs")[0][0]) == {"writer": "0"}
