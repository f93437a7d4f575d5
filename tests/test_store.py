"""The result store: one committed transaction per run, resume, growing an experiment, export,
bad files, a process killed mid-experiment (SIGKILL), and two processes writing at once."""

from __future__ import annotations

import importlib
import json
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest

import simbranch as sb
from simbranch.cli import main
from simbranch.experiment import ResultStore, StoreError
from simbranch.experiment.store import SCHEMA_VERSION

# `simbranch.experiment.compare` the attribute is the function; this is the module.
compare_module = importlib.import_module("simbranch.experiment.compare")

TINY_OVERRIDES = {"branch.horizon_days": 30, "branch.warmup_days": 5, "clients.count": 300, "managers.count": 3}
TINY = sb.Scenario().with_overrides(TINY_OVERRIDES)
KPIS = list(sb.KPI_NAMES)
POLICIES = ["crm_routing", "sales_commission"]
SEED = 5
BASELINE = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml"
TINY_ARGS = [arg for path, value in TINY_OVERRIDES.items() for arg in ("--set", f"{path}={value}")]



def ran(calls: list[list]) -> int:
    return sum(len(c) for c in calls)


def kpi_frame(table: pd.DataFrame) -> pd.DataFrame:
    frame = table[["policy", "replication", *KPIS]]
    return frame.sort_values(["policy", "replication"]).reset_index(drop=True)


def stored_rows(path: Path, sql: str = "SELECT count(*) FROM runs") -> list[tuple]:
    """Rows of a query on the store through a read-only connection of its own (what another process
    sees); nothing while the store or its table does not exist yet."""
    if not path.exists():
        return []
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10.0)) as con:
            return con.execute(sql).fetchall()
    except sqlite3.OperationalError:  # created but the schema is not there yet
        return []


def count_runs(path: Path) -> int:
    rows = stored_rows(path)
    return rows[0][0] if rows else 0


def compare_tiny(path: Path | None, replications: int = 3, seed: int = SEED, **kwargs) -> sb.Comparison:
    return sb.compare(TINY, policies=POLICIES, replications=replications, seed=seed, executor="serial",
                      store=path, progress=False, **kwargs)


# --------------------------------------------------------------------------- transactions, keys, resume


def test_each_run_is_committed_in_its_own_transaction(tmp_path, monkeypatch):
    """When the executor hands over run i, runs 0..i-1 are already committed and visible to another
    connection: a run is stored as soon as it finishes, one transaction each."""
    path = tmp_path / "runs.sqlite"
    visible: list[int] = []
    original = compare_module.execute_all

    def watching(specs, executor=None):
        for record in original(specs, executor):
            visible.append(count_runs(path))
            yield record

    monkeypatch.setattr(compare_module, "execute_all", watching)
    cmp = compare_tiny(path)
    assert visible == list(range(9))
    assert count_runs(path) == 9
    finished = [r[0] for r in stored_rows(path, "SELECT finished_at FROM runs ORDER BY rowid")]
    assert finished == sorted(finished) and len(set(finished)) == 9
    assert len(cmp.table) == 9


def test_keys_are_the_stored_runs_and_failed_runs_are_retried(tmp_path, crm_run_fails, executed):
    """keys() lists successful runs (keys(None) every run); a failed run is stored with its error
    and run again by the next call, which runs nothing else."""
    path = tmp_path / "runs.sqlite"
    crm_run_fails(2, "flaky run")
    first = compare_tiny(path)
    assert len(first.failures) == 1
    with ResultStore(path) as store:
        ok, everything = store.keys(), store.keys(status=None)
        failed = everything - ok
        assert ok == set(first.table["key"])
        assert len(ok) == 8 and len(failed) == 1
        (record,) = store.records(failed)
        assert record["status"] == "error" and "RuntimeError: flaky run" in record["error"]
        assert (record["policy"], record["replication"], record["seed"]) == ("crm_routing", 2, SEED)
        assert record["experiment"] == f"compare:{SEED}"

    crm_run_fails(None)
    executed.clear()
    second = compare_tiny(path)
    assert ran(executed) == 1 and executed[0][0].key in failed
    assert second.failures.empty and len(second.table) == 9
    with ResultStore(path) as store:
        assert store.keys() == store.keys(status=None) == set(second.table["key"])


def test_second_call_runs_nothing_and_reads_the_store(tmp_path, executed):
    """The same compare with the same store again: no run is done, the rows are untouched, and
    the table is the same."""
    path = tmp_path / "runs.sqlite"
    first = compare_tiny(path)
    assert ran(executed) == 9
    before = stored_rows(path, "SELECT key, finished_at FROM runs ORDER BY key")

    executed.clear()
    second = compare_tiny(path)
    assert ran(executed) == 0
    assert stored_rows(path, "SELECT key, finished_at FROM runs ORDER BY key") == before
    pd.testing.assert_frame_equal(kpi_frame(second.table), kpi_frame(first.table))
    assert list(second.table["key"]) == list(first.table["key"])


def test_growing_replications_runs_only_the_new_ones(tmp_path, executed):
    """3 replications, then 5 with the same store: only replications 3 and 4 of each policy run,
    and the result is the 5-replication experiment run at once."""
    path = tmp_path / "runs.sqlite"
    compare_tiny(path, replications=3)
    executed.clear()
    grown = compare_tiny(path, replications=5)
    assert ran(executed) == 2 * 3
    assert sorted((s.policy, s.replication) for s in executed[0]) == sorted(
        (p, r) for p in ["baseline", *POLICIES] for r in (3, 4))
    assert count_runs(path) == 15
    at_once = compare_tiny(tmp_path / "fresh.sqlite", replications=5)
    pd.testing.assert_frame_equal(kpi_frame(grown.table), kpi_frame(at_once.table))


def test_another_seed_or_scenario_is_another_run(tmp_path, executed):
    """The key covers seed and scenario: changing either runs everything again."""
    path = tmp_path / "runs.sqlite"
    compare_tiny(path, replications=2)
    executed.clear()
    compare_tiny(path, replications=2, seed=SEED + 1)
    assert ran(executed) == 6
    executed.clear()
    sb.compare(TINY.with_overrides({"clients.count": 310}), policies=POLICIES, replications=2, seed=SEED,
               executor="serial", store=path, progress=False)
    assert ran(executed) == 6
    assert count_runs(path) == 18
    assert sorted(r[0] for r in stored_rows(path, "SELECT DISTINCT experiment FROM runs")) == [
        f"compare:{SEED}", f"compare:{SEED + 1}"]


# --------------------------------------------------------------------------- export and bad files


def test_export_csv(tmp_path):
    """export(*.csv): one row per stored run with keys and KPIs, the values of the table."""
    path = tmp_path / "runs.sqlite"
    cmp = compare_tiny(path)
    with ResultStore(path) as store:
        out = store.export(tmp_path / "runs.csv")
        assert out == tmp_path / "runs.csv"
    frame = pd.read_csv(out)
    assert len(frame) == 9
    assert {"policy", "replication", "seed", "status", "key", *KPIS} <= set(frame.columns)
    pd.testing.assert_frame_equal(kpi_frame(frame), kpi_frame(cmp.table), check_dtype=False)


def test_export_parquet(tmp_path):
    """export(*.parquet) writes Parquet that reads back to the same table."""
    pytest.importorskip("pyarrow")
    path = tmp_path / "runs.sqlite"
    cmp = compare_tiny(path)
    with ResultStore(path) as store:
        out = store.export(tmp_path / "runs.parquet")
    frame = pd.read_parquet(out)
    pd.testing.assert_frame_equal(kpi_frame(frame), kpi_frame(cmp.table), check_dtype=False)


def test_a_file_that_is_not_sqlite_is_a_store_error(tmp_path):
    """Opening a text file (directly, or through compare) raises StoreError naming the path; the
    file is left as it was."""
    path = tmp_path / "notes.sqlite"
    text = "these are my notes, not a database\n" * 20
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StoreError, match=re.escape(str(path))):
        ResultStore(path)
    with pytest.raises(StoreError, match=re.escape(str(path))):
        compare_tiny(path, replications=1)
    assert path.read_text(encoding="utf-8") == text
    with pytest.raises(StoreError, match=re.escape(str(tmp_path))):
        ResultStore(tmp_path)  # a folder


def tables(path: Path) -> set[str]:
    return {name for (name,) in stored_rows(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.mark.parametrize("schema", ["CREATE TABLE runs (distance REAL, minutes REAL)",
                                    "CREATE TABLE trips (distance REAL); CREATE TABLE meta (note TEXT)"])
def test_an_sqlite_file_of_another_program_is_a_store_error_and_left_untouched(tmp_path, schema):
    path = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(path)) as con:
        con.executescript(schema)
    before = tables(path)
    with pytest.raises(StoreError, match=re.escape(f"{path}: not a simbranch result store")):
        compare_tiny(path, replications=1)
    assert tables(path) == before  # no table of ours added to someone else's file


OLD_SCHEMA = """
CREATE TABLE runs (key TEXT PRIMARY KEY, experiment TEXT NOT NULL, policy TEXT NOT NULL, point INTEGER NOT NULL,
    replication INTEGER NOT NULL, seed INTEGER NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL,
    error TEXT NOT NULL, kpis TEXT NOT NULL, fingerprint TEXT NOT NULL, host TEXT NOT NULL,
    wall_time_s REAL NOT NULL, finished_at REAL NOT NULL);
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO runs VALUES ('k0', 'compare:0', 'baseline', -1, 0, 0, '{}', 'ok', '', '{"revenue": 1.0}',
    'old-model', 'host', 0.1, 1.0);
"""


def test_a_store_of_the_first_schema_is_upgraded_and_grows(tmp_path):
    """A store of the first simbranch (no provenance column, no series table, no schema note) opens: it
    gains the column, the table and the note, keeps its run, and a comparison grows it and loads back."""
    path = tmp_path / "old.sqlite"
    with closing(sqlite3.connect(path)) as con:
        con.executescript(OLD_SCHEMA)
    assert tables(path) == {"runs", "meta"}
    cmp = compare_tiny(path, replications=1)
    assert len(cmp.table) == 3
    assert tables(path) == {"runs", "meta", "series"}
    with ResultStore(path) as store:
        assert len(store.records()) == 4
        (old,) = store.records(["k0"], with_series=True)
        assert old["provenance"] == {} and old["series"] is None and old["fingerprint"] == "old-model"
        assert store.meta("schema_version") == {"schema_version": SCHEMA_VERSION}
    pd.testing.assert_frame_equal(kpi_frame(sb.load_comparison(path).table), kpi_frame(cmp.table))


def test_a_store_without_the_series_table_is_upgraded_and_its_runs_rerun_for_their_series(tmp_path, executed):
    """A store of the simbranch before daily series (runs with provenance, no series table): it opens and
    gains the table; a comparison reruns the runs it holds without series (replacing them, not adding
    rows) and gives the same numbers."""
    reference = compare_tiny(tmp_path / "fresh.sqlite")
    with ResultStore(tmp_path / "fresh.sqlite") as store:
        records = store.records()
    path = tmp_path / "v2.sqlite"
    with closing(sqlite3.connect(path)) as con:
        con.executescript(OLD_SCHEMA.split("INSERT")[0] + "ALTER TABLE runs ADD COLUMN provenance TEXT NOT NULL "
                          "DEFAULT '{}';")
        columns = [c for c in records[0] if c != "series"]
        con.executemany(f"INSERT INTO runs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        [[json.dumps(r[c]) if isinstance(r[c], dict) else r[c] for c in columns] for r in records])
        con.commit()
    assert tables(path) == {"runs", "meta"} and count_runs(path) == 9
    executed.clear()
    cmp = compare_tiny(path)
    assert ran(executed) == 9 and count_runs(path) == 9
    assert tables(path) == {"runs", "meta", "series"}
    pd.testing.assert_frame_equal(kpi_frame(cmp.table), kpi_frame(reference.table))
    assert len(cmp.daily()) == len(reference.daily())


def test_a_new_store_notes_its_schema_version(tmp_path):
    path = tmp_path / "runs.sqlite"
    with ResultStore(path) as store:
        notes = store.meta()
    assert notes["schema_version"] == SCHEMA_VERSION
    assert notes["created_by"]["simbranch"] == sb.__version__


def test_a_store_of_a_newer_schema_is_refused_and_left_unchanged(tmp_path, capsys):
    """A store written by a newer simbranch (a higher schema_version note) is not opened, neither by the
    API nor by the CLI (exit 2, one line), and its file is not changed."""
    path = tmp_path / "runs.sqlite"
    compare_tiny(path, replications=1)
    with closing(sqlite3.connect(path)) as con:
        con.execute("UPDATE meta SET value = ? WHERE name = 'schema_version'", (json.dumps(SCHEMA_VERSION + 1),))
        con.execute("UPDATE meta SET value = ? WHERE name = 'created_by'", (json.dumps({"simbranch": "9.0.0"}),))
        con.commit()
    content = path.read_bytes()
    expected = (f"{path}: written by a newer simbranch (9.0.0): store schema {SCHEMA_VERSION + 1}, and this "
                f"simbranch reads schema {SCHEMA_VERSION} and older; upgrade simbranch to use this store")
    with pytest.raises(StoreError, match=re.escape(expected)):
        ResultStore(path)
    with pytest.raises(StoreError, match="newer simbranch"):
        compare_tiny(path, replications=1)
    with pytest.raises(StoreError, match="newer simbranch"):
        sb.load_comparison(path)
    code = main(["compare", str(BASELINE), "--policy", "crm_routing", "--reps", "1", "--executor", "serial",
                 "--store", str(path), *TINY_ARGS])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1] == f"simbranch: {expected} (it was left unchanged)"
    assert path.read_bytes() == content


# --------------------------------------------------------------------------- model versions

OLD_MODEL = "0.0.1+0123456789ab"


def test_runs_of_another_model_version_are_never_mixed_in(tmp_path, monkeypatch, executed):
    """A store filled by another model version (another fingerprint, hence other keys): loading its
    comparison says the runs are of another version; the same comparison now reruns every run, its table
    holds only this version's runs, and the store's table tells both versions apart by fingerprint."""
    path = tmp_path / "runs.sqlite"
    design_module = importlib.import_module("simbranch.experiment.design")
    original = design_module.model_fingerprint
    monkeypatch.setattr(design_module, "model_fingerprint", lambda: OLD_MODEL)
    old = compare_tiny(path)
    monkeypatch.setattr(design_module, "model_fingerprint", original)  # (undo() would drop `executed` too)
    current = design_module.model_fingerprint()
    assert current != OLD_MODEL
    with ResultStore(path) as store:
        assert store.fingerprints() == {OLD_MODEL: 9}
    with pytest.raises(StoreError) as info:
        sb.load_comparison(path)
    assert ("9 of the 9 runs of comparison" in str(info.value)
            and f"not in the store for this model version ({current}); the store holds runs of another model "
                f"version ({OLD_MODEL}), which are never mixed with this one's" in str(info.value))

    executed.clear()
    new = compare_tiny(path)
    assert ran(executed) == 9
    assert set(new.table["key"]).isdisjoint(old.table["key"])
    with ResultStore(path) as store:
        assert store.fingerprints() == {OLD_MODEL: 9, current: 9}
        assert {r["fingerprint"] for r in store.records(set(new.table["key"]))} == {current}
        table = store.table()
        exported = pd.read_csv(store.export(tmp_path / "runs.csv"))
    assert table.groupby("fingerprint").size().to_dict() == {OLD_MODEL: 9, current: 9}
    assert exported.groupby("fingerprint").size().to_dict() == {OLD_MODEL: 9, current: 9}
    assert {"experiment", "fingerprint", "finished_at"} <= set(table.columns)
    pd.testing.assert_frame_equal(kpi_frame(sb.load_comparison(path).table), kpi_frame(new.table))


# --------------------------------------------------------------------------- kill -9 and concurrency

KILL_REPS = 6  # 3 policies x 6 replications = 18 runs of about 0.15 s

CHILD = textwrap.dedent("""
    import sys
    import simbranch as sb

    store, seed, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sc = sb.Scenario().with_overrides({overrides!r})
    sb.compare(sc, policies={policies!r}, replications=reps, seed=seed, executor="serial", store=store,
               progress=False)
""").format(overrides=TINY_OVERRIDES, policies=POLICIES)


def start_child(path: Path, seed: int = SEED, reps: int = KILL_REPS) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(seed), str(reps)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> sb.Comparison:
    """The kill test's experiment run without interruption, in a fresh store."""
    path = tmp_path_factory.mktemp("uninterrupted") / "runs.sqlite"
    return compare_tiny(path, replications=KILL_REPS)


@pytest.mark.parametrize("kill_after", [2, 7])
def test_sigkill_mid_experiment_loses_nothing_and_resumes(tmp_path, uninterrupted, executed, kill_after):
    """A process running a compare is killed with SIGKILL once `kill_after` runs are stored: the store
    opens, is intact, holds exactly the runs of an uninterrupted experiment, and the same call
    resumes with the rest to the uninterrupted result."""
    path = tmp_path / "runs.sqlite"
    total = (len(POLICIES) + 1) * KILL_REPS
    child = start_child(path)
    deadline = time.monotonic() + 120
    try:
        while count_runs(path) < kill_after:
            assert child.poll() is None, f"the child ended early: {child.communicate()}"
            assert time.monotonic() < deadline, "the child stores nothing"
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL

    with closing(sqlite3.connect(path)) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reference = uninterrupted.table.set_index("key")
    with ResultStore(path) as store:
        records = store.records()
        assert kill_after <= len(records) < total
        assert store.keys() == {r["key"] for r in records}
        for record in records:
            assert record["status"] == "ok"
            assert record["key"] in reference.index  # the same spec as the uninterrupted run
            expected = reference.loc[record["key"], KPIS].astype(float)
            assert pd.Series(record["kpis"])[KPIS].astype(float).to_numpy() == pytest.approx(
                expected.to_numpy(), nan_ok=True)
    stored = len(records)

    resumed = compare_tiny(path, replications=KILL_REPS)
    assert ran(executed) == total - stored
    assert resumed.failures.empty
    pd.testing.assert_frame_equal(kpi_frame(resumed.table), kpi_frame(uninterrupted.table))
    assert count_runs(path) == total


def test_two_processes_write_one_store_at_once(tmp_path, executed):
    """Two processes write different experiments (seeds) into one new store at the same time: both
    finish, every run of both is there, and neither needs running again."""
    path = tmp_path / "shared.sqlite"
    reps = 4
    children = [start_child(path, seed=seed, reps=reps) for seed in (11, 12)]
    for child in children:
        _, err = child.communicate(timeout=180)
        assert child.returncode == 0, err
    per_experiment = dict(stored_rows(path, "SELECT experiment, count(*) FROM runs GROUP BY experiment"))
    assert per_experiment == {"compare:11": 3 * reps, "compare:12": 3 * reps}
    with closing(sqlite3.connect(path)) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for seed in (11, 12):
        cmp = compare_tiny(path, replications=reps, seed=seed)
        assert len(cmp.table) == 3 * reps
    assert ran(executed) == 0


def test_a_renamed_branch_in_another_currency_reuses_its_runs(tmp_path):
    """The branch's name and currency change no number, so they are not part of a run's key: the same
    comparison under another name and in USD finds every run in the store; a changed number does not."""
    base = sb.load_scenario(BASELINE).with_overrides(
        {"branch.horizon_days": 5, "branch.warmup_days": 1, "clients.count": 100, "managers.count": 2})
    store = tmp_path / "runs.sqlite"
    first = sb.compare(base, ["crm_routing"], replications=2, seed=4, executor="serial", progress=False, store=store)
    renamed = base.with_overrides({"branch.name": "城东支行", "branch.currency": "USD"})
    again = sb.compare(renamed, ["crm_routing"], replications=2, seed=4, executor="serial", progress=False,
                       store=store)
    assert len(sb.ResultStore(store).keys()) == 4
    pd.testing.assert_frame_equal(first.table.drop(columns="wall_time_s"), again.table.drop(columns="wall_time_s"))
    sb.compare(base.with_overrides({"clients.count": 101}), ["crm_routing"], replications=2, seed=4,
               executor="serial", progress=False, store=store)
    assert len(sb.ResultStore(store).keys()) == 8


HAND_EDITS = [
    # (table, SQL that edits the store by hand, what the error names)
    ("runs", "UPDATE runs SET replication = 'abc'", "replication = 'abc' is not an integer"),
    ("runs", "UPDATE runs SET kpis = '\"hello\"'", "kpis = 'hello' is not a JSON object"),
    ("runs", "UPDATE runs SET kpis = 'null'", "kpis = 'None' is not a JSON object"),
    ("runs", "UPDATE runs SET kpis = '{\"profit\": \"lots\"}'", "KPI 'profit' = 'lots' is not a number"),
    ("runs", "UPDATE runs SET status = 'maybe'", "status = 'maybe'"),
    ("series", "UPDATE series SET data = '{\"revenue\": 5}'", "daily series is not an object of equally long lists"),
    ("series", "UPDATE series SET data = '" + "[" * 100_000 + "]" * 100_000 + "'", "nested too deep"),
    ("meta", "UPDATE meta SET value = '[1, 2]' WHERE name LIKE 'comparison:%'", "is a list, not the object"),
    ("meta", "UPDATE meta SET value = json_remove(value, '$.saved_at') WHERE name LIKE 'comparison:%'",
     "has no saved_at"),
    ("meta", "UPDATE meta SET value = json_set(value, '$.replications', '3') WHERE name LIKE 'comparison:%'",
     "replications = '3'; allowed: an integer from 1 to 100,000"),
    ("meta", "UPDATE meta SET value = json_set(value, '$.replications', 1000000000000) WHERE name LIKE "
             "'comparison:%'", "replications = '1000000000000'"),
    ("meta", "UPDATE meta SET value = json_set(value, '$.scenario', '{\"managers\": {\"count\": -3}}') "
             "WHERE name LIKE 'comparison:%'", "scenario 0 is not valid: managers.count"),
    ("meta", "UPDATE meta SET value = json_set(value, '$.policies[0].levers', 7) WHERE name LIKE 'comparison:%'",
     "a policy is not valid: levers"),
]


@pytest.mark.parametrize(("table", "sql", "message"), HAND_EDITS, ids=[m for *_, m in HAND_EDITS])
def test_a_hand_edited_store_is_a_clear_store_error(tmp_path, table, sql, message, capsys):
    """Rows and notes edited by hand (or by another program) give a StoreError that names the run or
    note and the field, in Python and as exit 2 from `simbranch report`, never a traceback."""
    import sqlite3
    from pathlib import Path

    from simbranch.cli import main

    store = tmp_path / "runs.sqlite"
    sc = sb.load_scenario(Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml")
    sb.compare(sc.with_overrides({"branch.horizon_days": 3, "branch.warmup_days": 1, "clients.count": 50,
                                  "managers.count": 2}), ["crm_routing"], replications=1, seed=1,
               executor="serial", progress=False, store=store)
    with sqlite3.connect(store) as db:
        db.execute(sql)
    with pytest.raises(StoreError, match=re.escape(message)):
        sb.load_comparison(store)
    assert main(["report", str(store), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
