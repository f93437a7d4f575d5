"""The result store: an SQLite file with one row per finished run, written in one transaction each.

Kill the process at any moment: every committed run is intact (SQLite's write-ahead log), and
calling the same experiment again skips the runs already stored. A run and its daily series are
written in the same transaction, so a run is never stored without them. Several processes may
write one store at once (each write waits for the others, up to a minute). A full disk stops the
experiment with a `StoreError` saying so; what was stored stays readable, and the same call
resumes once there is space again.

Rows hold plain values (numbers, text, JSON), never pickles, so opening a colleague's store runs
nothing of theirs. Each row carries its provenance: the model fingerprint (part of the run's key,
so runs of another model version are never mixed in), seed entropy and spawn key, package
versions, host and run time. The `meta` table notes the store's schema version: a store of an
older simbranch is upgraded when opened, one of a newer simbranch is refused.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["SCHEMA_VERSION", "ResultStore", "StoreError"]

#: The layout this code writes. 1: `runs` and `meta`; 2: `runs.provenance`; 3: the `series` table and
#: the `schema_version` note. Older stores are upgraded when opened; newer ones are refused.
SCHEMA_VERSION = 3

#: Seconds a write waits for another process's write to finish before giving up.
TIMEOUT_S = 60.0

_TABLES = {
    "runs": """CREATE TABLE runs (
        key TEXT PRIMARY KEY,
        experiment TEXT NOT NULL,
        policy TEXT NOT NULL,
        point INTEGER NOT NULL,
        replication INTEGER NOT NULL,
        seed INTEGER NOT NULL,
        params TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT NOT NULL,
        kpis TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        host TEXT NOT NULL,
        wall_time_s REAL NOT NULL,
        finished_at REAL NOT NULL,
        provenance TEXT NOT NULL DEFAULT '{}'
    )""",
    "meta": "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "series": "CREATE TABLE series (key TEXT PRIMARY KEY, data TEXT NOT NULL)",
}

_COLUMNS = ("key", "experiment", "policy", "point", "replication", "seed", "params", "status", "error", "kpis",
            "fingerprint", "host", "wall_time_s", "finished_at", "provenance")

#: Columns `ResultStore.table` adds to those of `records_to_frame`, to tell experiments and model versions apart.
_STORE_COLUMNS = ("experiment", "fingerprint", "finished_at")


class StoreError(RuntimeError):
    """The store cannot be opened or written (not a store, a newer schema, disk full, read-only, locked)."""


class ResultStore:
    """Append-only store of run records, safe against kills, concurrent writers and readers, and a full disk.

    `compare`, `sweep`, `calibrate` and `robustness` write their runs into one when given
    ``store=``, and read back what it holds instead of running it again. Opening a store creates
    it (and its folder) if missing, upgrades one of an older simbranch, and refuses one of a newer
    simbranch or a file that is not a store. When the store can be read but not written (a full
    disk, or a read-only file, folder or mount), it opens for reading only and `read_only` says
    why; otherwise `read_only` is None. Use it as a context manager, or `close` it.

    Parameters
    ----------
    path : str or Path
        The SQLite file of the store.

    Raises
    ------
    StoreError
        When `path` is a folder, not a result store, written by a newer simbranch, or cannot be
        opened (its folder cannot be made, the disk is full and the store is not readable as it
        is, ...).

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> cmp = sb.compare(scenario, replications=2, executor="serial", store="runs.db", progress=False)
    >>> with sb.ResultStore("runs.db") as store:
    ...     table = store.table()
    ...     reading_only = store.read_only
    >>> len(table), reading_only is None
    (2, True)
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None
        #: Why nothing can be written, when the store could only be opened for reading (a full disk), else None.
        self.read_only: str | None = None
        self._full = False  # whether reading only is for a full disk (else a read-only file, folder or mount)
        if self.path.is_dir():
            raise StoreError(f"{self.path}: a folder, not a result store file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the store's folder ({exc.strerror})") from None
        try:
            self._db = sqlite3.connect(self.path, timeout=TIMEOUT_S, isolation_level=None)
            upgrade = self._needs_upgrade()  # refuses a file that is not a store, or of a newer schema, untouched
            self._use_wal()
            self._db.execute("PRAGMA synchronous=NORMAL")
            if upgrade:
                with self._write():
                    self._upgrade()  # looked at again under the write lock: another process may have done it
        except StoreError:
            self.close()
            raise
        except sqlite3.Error as exc:
            self.close()
            if _is_not_a_database(exc):
                raise StoreError(f"{self.path}: not a simbranch result store ({exc})") from None
            full = _disk_full(exc, self.path)
            cannot_write = full or _cannot_write(exc, self.path)
            if cannot_write and self._open_for_reading():
                self._full = full
                self.read_only = f"{_reason(exc, self.path)}, so the store was opened for reading only"
                return
            raise StoreError(f"{self.path}: cannot open the result store: {_reason(exc, self.path)}"
                             + ("; free some space and run the same command again" if full else "")
                             + (_LEFTOVER_LOG if cannot_write and not full and _has_log(self.path) else "")) from None
        if not _writable(self.path):
            self.read_only = ("the store file is read-only (no permission to write it), so it was opened for "
                              "reading only")

    def _open_for_reading(self) -> bool:
        """On a full disk SQLite cannot make the files it reads through (`-wal`, `-shm`); when every committed
        run is in the database file itself (no write-ahead log left over), it is read directly instead."""
        if not self.path.is_file() or _has_log(self.path):
            return False
        try:
            self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                       isolation_level=None)
            if not self._needs_upgrade():
                return True
        except (sqlite3.Error, StoreError):
            pass
        self.close()
        return False

    def _use_wal(self) -> None:
        """Write-ahead logging (readers and a writer at once; a kill loses no committed run). A new file is
        switched to it once; while several processes open a new store together, that switch answers
        "database is locked" at once instead of waiting like other statements, so it is retried here."""
        db = self._conn
        deadline, pause = time.monotonic() + TIMEOUT_S, 0.001
        while True:
            try:
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(pause)
                pause = min(2 * pause, 0.05)

    # ------------------------------------------------------------------ schema

    def _inspect(self) -> tuple[set[str], set[str], int | None]:
        """The store's tables, the columns of `runs`, and its schema version (None before versions were noted);
        raises StoreError for a file this code must not touch."""
        db = self._conn
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "runs" not in tables:
            raise StoreError(f"{self.path}: not a simbranch result store (it holds the tables "
                             f"{', '.join(sorted(tables))}, and no runs table)")
        columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
        missing = set(_COLUMNS) - columns - {"provenance"}
        if tables and missing:
            raise StoreError(f"{self.path}: not a simbranch result store (its runs table lacks "
                             f"{', '.join(sorted(missing))})")
        version = None
        if "meta" in tables:
            row = db.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
            if row is not None:
                version = _json(row[0], "schema_version", self.path)
                if not isinstance(version, int) or isinstance(version, bool):
                    raise StoreError(f"{self.path}: not a simbranch result store (schema_version {row[0]!r})")
                if version > SCHEMA_VERSION:
                    written = _json((db.execute("SELECT value FROM meta WHERE name = 'created_by'").fetchone()
                                     or ("{}",))[0])
                    by = written.get("simbranch") if isinstance(written, dict) else None
                    raise StoreError(f"{self.path}: written by a newer simbranch{f' ({by})' if by else ''}: store "
                                     f"schema {version}, and this simbranch reads schema {SCHEMA_VERSION} and older; "
                                     "upgrade simbranch to use this store (it was left unchanged)")
        return tables, columns, version

    def _needs_upgrade(self) -> bool:
        tables, columns, version = self._inspect()
        return version != SCHEMA_VERSION or not set(_TABLES) <= tables or "provenance" not in columns

    def _upgrade(self) -> None:
        """Create the tables of a new store, or bring an older store up to `SCHEMA_VERSION`; called in one
        transaction, so a kill leaves the file as it was and the next open does it again."""
        db = self._conn
        tables, columns, _ = self._inspect()
        if "runs" not in tables:
            db.execute(_TABLES["runs"])
        elif "provenance" not in columns:  # schema 1
            db.execute("ALTER TABLE runs ADD COLUMN provenance TEXT NOT NULL DEFAULT '{}'")
        for name in ("meta", "series"):
            if name not in tables:
                db.execute(_TABLES[name])
        if not tables:
            from simbranch import __version__

            db.execute("INSERT OR REPLACE INTO meta VALUES ('created_by', ?)",
                       (json.dumps({"simbranch": __version__, "at": time.time()}),))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (json.dumps(SCHEMA_VERSION),))

    # ------------------------------------------------------------------ plumbing

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError(f"{self.path}: the result store is closed")
        return self._db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE: it waits up to `TIMEOUT_S` for another
        writer rather than failing midway); rolled back on any error or interrupt."""
        db = self._conn
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                with suppress(sqlite3.Error):  # SQLite may have rolled back by itself
                    db.execute("ROLLBACK")
            raise

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self._conn
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the result store: {_reason(exc)}") from None

    def close(self) -> None:
        """Close the store's connection (closing again does nothing).

        Examples
        --------
        >>> import simbranch as sb
        >>> store = sb.ResultStore("runs.db")
        >>> len(store.keys())
        0
        >>> store.close()
        >>> store.close()
        """
        if self._db is not None:
            db, self._db = self._db, None
            db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ writing

    def add(self, record: dict[str, Any], experiment: str) -> None:
        """Store one finished run and its daily series in one transaction.

        A run stored before under the same key (a failed attempt) is replaced. When the run
        cannot be stored, the runs stored before stay readable.

        Parameters
        ----------
        record : dict
            A run's record, as the experiments make them and `records` gives them back: key,
            policy, point, replication, seed, params, status, error, kpis, fingerprint and
            wall_time_s, optionally host, provenance and series (the daily series).
        experiment : str
            The experiment the run belongs to (e.g. "compare:0"; `fingerprints` counts by it).

        Raises
        ------
        StoreError
            When the run cannot be stored: the store is closed or open for reading only, the disk
            is full, or another process kept it locked for over a minute.
        KeyError
            For a record without one of the fields above.
        TypeError
            For parameters, KPIs, provenance or series that are not plain JSON.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, replications=2, executor="serial", store="runs.db", progress=False)
        >>> with sb.ResultStore("runs.db") as source, sb.ResultStore("copy.db") as copy:
        ...     for record in source.records(with_series=True):
        ...         copy.add(record, record["experiment"])
        ...     copied = copy.keys(with_series=True)
        >>> copied == set(cmp.table["key"])
        True
        """
        row = (
            record["key"], experiment, record["policy"], record["point"], record["replication"],
            record["seed"], json.dumps(record["params"], sort_keys=True), record["status"], record["error"],
            json.dumps(record["kpis"]), record["fingerprint"], record.get("host", ""),
            record["wall_time_s"], time.time(), json.dumps(record.get("provenance", {})),
        )
        series = json.dumps(record["series"]) if record.get("series") else None  # encoded outside the lock
        what = f"run {record['policy']!r} replication {record['replication']}"
        if record.get("point", -1) != -1:
            what += f" of point {record['point']}"
        self.require_writable(f"cannot store {what}")
        try:
            with self._write() as db:
                db.execute(f"INSERT OR REPLACE INTO runs ({', '.join(_COLUMNS)}) "
                           f"VALUES ({', '.join('?' * len(_COLUMNS))})", row)
                if series is not None:
                    db.execute("INSERT OR REPLACE INTO series VALUES (?, ?)", (record["key"], series))
        except sqlite3.Error as exc:
            raise StoreError(self._write_failure(f"cannot store {what}", exc)) from None

    def set_meta(self, name: str, value: Any) -> None:
        """Note `value` (plain JSON) under `name`, replacing an earlier note.

        Experiments note what they were (`compare` notes its scenario, policies and seed so that
        `load_comparison` can rebuild it); `meta` reads the notes back.

        Parameters
        ----------
        name : str
            The note's name.
        value : object
            Plain JSON: numbers, text, booleans, None, lists and dicts of them.

        Raises
        ------
        StoreError
            When the note cannot be written (the store is closed or open for reading only, the
            disk is full, or it stayed locked for over a minute).
        TypeError
            For a value that is not plain JSON.

        Examples
        --------
        >>> import simbranch as sb
        >>> with sb.ResultStore("notes.db") as store:
        ...     store.set_meta("note:purpose", {"by": "analyst", "why": "a trial"})
        ...     notes = store.meta("note:")
        >>> notes
        {'note:purpose': {'by': 'analyst', 'why': 'a trial'}}
        """
        text = json.dumps(value)
        self.require_writable(f"cannot note {name!r}")
        try:
            with self._write() as db:
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, text))
        except sqlite3.Error as exc:
            raise StoreError(self._write_failure(f"cannot note {name!r}", exc)) from None

    def require_writable(self, what: str) -> None:
        """Raise `StoreError` saying `what` cannot be done when the store is open for reading only.

        The store reads only on a full disk or where it cannot be written (`read_only` says
        why): an experiment calls this before its first run rather than after it.

        Parameters
        ----------
        what : str
            What cannot be done, for the message (e.g. "cannot store the 12 runs still to do").

        Raises
        ------
        StoreError
            When the store is open for reading only, saying `what`, why and what to do.

        Examples
        --------
        >>> import simbranch as sb
        >>> store = sb.ResultStore("runs.db")
        >>> store.require_writable("cannot store the runs")  # writable: nothing happens
        >>> store.close()
        """
        if self.read_only is not None:
            raise StoreError(self._failure(what, self.read_only, full=self._full))

    def _write_failure(self, what: str, exc: sqlite3.Error) -> str:
        return self._failure(what, _reason(exc, self.path), full=_disk_full(exc, self.path))

    def _failure(self, what: str, reason: str, full: bool) -> str:
        try:
            count = self._conn.execute("SELECT count(*) FROM runs").fetchone()[0]
            stored = f"The {count} run{'s' if count != 1 else ''} stored before stay readable"
        except (sqlite3.Error, StoreError):
            stored = "What was stored before stays readable"
        if full:
            then = "free some space and run the same command again: it resumes with the runs not stored yet"
        elif self.read_only is not None:
            then = ("make the store writable (or copy it to a folder where it can be written, or name another "
                    "--store) and run the same command again: it resumes with the runs not stored yet")
        else:
            then = "run the same command again to resume"
        return f"{self.path}: {what}: {reason}. {stored}; {then}"

    # ------------------------------------------------------------------ reading

    def keys(self, status: str | None = "ok", with_series: bool = False) -> set[str]:
        """Return the keys of the stored runs (by default the successful ones: failed runs are retried).

        `with_series` keeps only runs stored with their daily series (a comparison that plots
        over time reruns a run that a sweep stored without them).

        Parameters
        ----------
        status : {"ok", "error", None}
            The status of the runs wanted; None for every run (with `with_series`, None means
            "ok").
        with_series : bool
            Whether to keep only the runs stored with their daily series.

        Returns
        -------
        set of str
            The runs' keys.

        Raises
        ------
        StoreError
            When the store is closed or cannot be read.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, replications=2, executor="serial", store="runs.db", progress=False)
        >>> with sb.ResultStore("runs.db") as store:
        ...     keys = store.keys()
        >>> len(keys), keys == set(cmp.table["key"])
        (2, True)
        """
        with self._reading() as db:
            if with_series:
                rows = db.execute("SELECT runs.key FROM runs JOIN series ON runs.key = series.key "
                                  "WHERE status = ?", (status or "ok",))
            elif status is None:
                rows = db.execute("SELECT key FROM runs")
            else:
                rows = db.execute("SELECT key FROM runs WHERE status = ?", (status,))
            return {r[0] for r in rows}

    def meta(self, prefix: str = "") -> dict[str, Any]:
        """Return the stored notes whose name starts with `prefix`.

        The notes say what experiments were run, which simbranch created the store, its schema
        version, and whatever `set_meta` noted.

        Parameters
        ----------
        prefix : str
            The start of the names wanted ("" for every note).

        Returns
        -------
        dict
            From a note's name to its value.

        Raises
        ------
        StoreError
            When the store is closed or cannot be read, or a note is not valid JSON (edited by
            hand).
        TypeError
            For a `prefix` that is not a str.

        Examples
        --------
        >>> import simbranch as sb
        >>> from simbranch.experiment.store import SCHEMA_VERSION
        >>> with sb.ResultStore("runs.db") as store:
        ...     notes = store.meta()
        >>> sorted(notes)
        ['created_by', 'schema_version']
        >>> notes["schema_version"] == SCHEMA_VERSION
        True
        """
        with self._reading() as db:
            rows = db.execute("SELECT name, value FROM meta").fetchall()
        return {name: _json(value, f"note {name!r}", self.path) for name, value in rows if name.startswith(prefix)}

    def fingerprints(self, experiment: str | None = None) -> dict[str, int]:
        """Count the stored runs of each model version (fingerprint), in all or in one experiment.

        Runs of another model version are never mixed into an experiment (the fingerprint is
        part of a run's key); this says what a store holds.

        Parameters
        ----------
        experiment : str, optional
            The experiment the runs were stored under (e.g. "compare:0"); None for every run.

        Returns
        -------
        dict of str to int
            From a model fingerprint to its number of runs.

        Raises
        ------
        StoreError
            When the store is closed or cannot be read.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, replications=2, executor="serial", store="runs.db", progress=False)
        >>> with sb.ResultStore("runs.db") as store:
        ...     counts = store.fingerprints("compare:0")
        >>> counts == {cmp.provenance["model"]: 2}
        True
        """
        with self._reading() as db:
            if experiment is None:
                rows = db.execute("SELECT fingerprint, count(*) FROM runs GROUP BY fingerprint")
            else:
                rows = db.execute("SELECT fingerprint, count(*) FROM runs WHERE experiment = ? GROUP BY fingerprint",
                                  (experiment,))
            return dict(rows.fetchall())

    def records(self, keys: Iterable[str] | None = None, with_series: bool = False) -> list[dict[str, Any]]:
        """Return the stored run records, all or those with the given keys.

        Parameters
        ----------
        keys : iterable of str, optional
            The keys of the runs wanted; None for every run.
        with_series : bool
            Whether to add each run's daily series (`series`, None for a run stored without).

        Returns
        -------
        list of dict
            One record per run, in the order they were stored: key, experiment, policy, point,
            replication, seed, params, status, error, kpis, fingerprint, host, wall_time_s,
            finished_at and provenance.

        Raises
        ------
        StoreError
            When the store is closed or cannot be read, or a stored run is not what `add` writes
            (edited by hand or by another program; the message names the run and the field).
        TypeError
            For `keys` that are not an iterable.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, replications=2, executor="serial", store="runs.db", progress=False)
        >>> with sb.ResultStore("runs.db") as store:
        ...     records = store.records(with_series=True)
        >>> [(r["policy"], r["replication"], r["status"]) for r in records]
        [('baseline', 0, 'ok'), ('baseline', 1, 'ok')]
        >>> len(records[0]["series"]["satisfaction_mean"])  # one value per day
        5
        """
        wanted = set(keys) if keys is not None else None
        out = []
        with self._reading() as db:
            if with_series:
                cursor = db.execute("SELECT runs.*, series.data AS series FROM runs LEFT JOIN series "
                                    "ON runs.key = series.key ORDER BY finished_at")
            else:
                cursor = db.execute("SELECT * FROM runs ORDER BY finished_at")
            names = [d[0] for d in cursor.description]
            for row in cursor:
                rec = dict(zip(names, row, strict=True))
                if wanted is not None and rec["key"] not in wanted:
                    continue
                for column in ("params", "kpis", "provenance"):
                    rec[column] = _json(rec[column], f"run {rec['key']}: {column}", self.path)
                if with_series:
                    rec["series"] = _json(rec["series"], f"run {rec['key']}: series", self.path) if rec["series"] \
                        else None
                _check_record(rec, self.path)
                out.append(rec)
        return out

    def table(self) -> pd.DataFrame:
        """Return every stored run as a flat frame, for other tools.

        One row per run: its keys, experiment, model fingerprint, parameters and KPIs; the
        fingerprint tells runs of different model versions apart.

        Returns
        -------
        pandas.DataFrame
            One row per run, in the order they were stored.

        Raises
        ------
        StoreError
            When the store is closed or cannot be read, or a stored run is not what `add` writes.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, replications=2, executor="serial", store="runs.db", progress=False)
        >>> with sb.ResultStore("runs.db") as store:
        ...     table = store.table()
        >>> len(table), {"experiment", "fingerprint", "satisfaction_mean"} <= set(table.columns)
        (2, True)
        """
        return records_to_frame(self.records(), store_columns=True)

    def export(self, path: str | Path) -> Path:
        """Write the table as CSV or Parquet, by the file's suffix.

        Parameters
        ----------
        path : str or Path
            The file to write: CSV for a ``.csv`` suffix, Parquet for ``.parquet`` (in any case).

        Returns
        -------
        Path
            `path`.

        Raises
        ------
        ValueError
            For a suffix other than ``.csv`` and ``.parquet`` (checked before anything is read).
        StoreError
            When the store is closed or cannot be read, or a stored run is not what `add` writes.
        OSError
            When the file cannot be written (e.g. its folder does not exist).
        ImportError
            For Parquet, when neither pyarrow nor fastparquet is installed.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, replications=2, executor="serial", store="runs.db", progress=False)
        >>> with sb.ResultStore("runs.db") as store:
        ...     path = store.export("runs.csv")
        >>> import pandas as pd
        >>> len(pd.read_csv(path))
        2
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise ValueError(f"cannot export to {path}: the suffix must be '.csv' or '.parquet', got "
                             f"{path.suffix!r}")
        frame = self.table()
        if suffix == ".parquet":
            frame.to_parquet(path)
        else:
            frame.to_csv(path, index=False)
        return path


def records_to_frame(records: list[dict[str, Any]], store_columns: bool = False) -> pd.DataFrame:
    """Flatten run records, in the order given: one row per run, parameters and KPIs as columns
    (with `store_columns`, also the experiment, model fingerprint and time each run was stored)."""
    rows = []
    extra = _STORE_COLUMNS if store_columns else ()
    for rec in records:
        row = {k: rec[k] for k in ("policy", "point", "replication", "seed", "status", "error", "wall_time_s", "key",
                                   *extra)}
        row.update({f"param:{k}": v for k, v in rec["params"].items()})
        row.update(rec["kpis"])
        rows.append(row)
    return pd.DataFrame(rows)


def _json(text: str, what: str = "a note", path: Path | None = None) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise StoreError(f"{path or 'the store'}: {what} is not valid JSON: {str(text)[:80]!r}") from None
    except RecursionError:
        raise StoreError(f"{path or 'the store'}: {what} is JSON nested too deep to be one of simbranch's "
                         "(the store was edited by hand or by another program)") from None


def _check_record(rec: dict[str, Any], path: Path) -> None:
    """A StoreError naming the run and the field when a stored run is not what `add` writes (a row
    edited by hand or by another program): integer point, replication and seed; a status of ok or error;
    parameters, KPIs and provenance as JSON objects, KPI values numbers or null; a daily
    series as an object of equally long lists."""
    where = f"{path}: run {rec.get('key')!r}"
    for column in ("point", "replication", "seed"):
        if not isinstance(rec.get(column), int) or isinstance(rec.get(column), bool):
            raise StoreError(f"{where}: {column} = {rec.get(column)!r} is not an integer (edited by hand?)")
    if rec.get("status") not in ("ok", "error"):
        raise StoreError(f"{where}: status = {rec.get('status')!r}; a run's status is 'ok' or 'error'")
    for column in ("params", "kpis", "provenance"):
        if not isinstance(rec.get(column), dict):
            raise StoreError(f"{where}: {column} = {str(rec.get(column))[:60]!r} is not a JSON object")
    bad = [k for k, v in rec["kpis"].items() if v is not None and not _number(v)]
    if bad:
        raise StoreError(f"{where}: KPI {bad[0]!r} = {str(rec['kpis'][bad[0]])[:40]!r} is not a number")
    series = rec.get("series")
    if series is not None:
        lists = isinstance(series, dict) and all(isinstance(v, list) for v in series.values())
        if not lists or len({len(v) for v in series.values()}) > 1 or not all(
                x is None or isinstance(x, bool) or _number(x) for v in series.values() for x in v):
            raise StoreError(f"{where}: its daily series is not an object of equally long lists of numbers")


def _number(value: Any) -> bool:
    """A float, or an int within the float's range (JSON integers have no bound: 10**400 is valid JSON)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, float) or (isinstance(value, int) and abs(value) <= sys.float_info.max)


def _name(exc: sqlite3.Error) -> str:
    return getattr(exc, "sqlite_errorname", "") or ""


def _is_full(exc: sqlite3.Error) -> bool:
    return _name(exc).startswith("SQLITE_FULL") or "disk is full" in str(exc)


def _is_busy(exc: sqlite3.Error) -> bool:
    return _name(exc).startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc)


def _is_not_a_database(exc: sqlite3.Error) -> bool:
    return _name(exc).startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "not a database" in str(exc)


#: Why a store with runs still in its write-ahead log cannot be opened where nothing can be written.
_LEFTOVER_LOG = ("; its write-ahead log (the -wal file next to it) holds runs not yet in the store file, which SQLite "
                 "reads only where it can write: open it once in a writable folder (any simbranch command with "
                 "--store) and it can be read anywhere after")


def _has_log(path: Path) -> bool:
    """Whether a write-ahead log with content sits next to the store (committed runs not yet in the file)."""
    wal = Path(f"{path}-wal")
    return wal.exists() and wal.stat().st_size > 0


def _writable(path: Path) -> bool:
    """Whether this process may write the store file (permissions; a read-only mount fails to open instead)."""
    return os.access(path, os.W_OK) if path.exists() else True


def _cannot_write(exc: sqlite3.Error, path: Path) -> bool:
    """A store that exists but cannot be written where it is: a read-only file, folder or mount (SQLite then
    cannot make its -shm file, or refuses to write at all)."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    name, text = _name(exc), str(exc)
    refused = name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) or "readonly" in text or "unable to open" in text
    return (refused and not os.access(path.parent, os.W_OK)) or _read_only_mount(path)


def _read_only_mount(path: Path) -> bool:
    try:
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _disk_full(exc: sqlite3.Error, path: Path) -> bool:
    """SQLITE_FULL, or an I/O error or a file that cannot be made with (next to) no space left where the store is
    (SQLite reports running out of space while making its `-shm` file as an I/O error)."""
    if _is_full(exc):
        return True
    if _name(exc).startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN")) or "disk I/O error" in str(exc) \
            or "unable to open" in str(exc):
        try:
            return shutil.disk_usage(path.parent).free < 1 << 20
        except OSError:
            return False
    return False


def _reason(exc: sqlite3.Error, path: Path | None = None) -> str:
    """What went wrong, in words (SQLite's own message in brackets)."""
    name, text = _name(exc), str(exc)
    if _is_full(exc) or (path is not None and _disk_full(exc, path)):
        return f"the disk is full ({text})"
    if path is not None and _cannot_write(exc, path):
        return f"the store's folder is read-only ({text})"
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return f"the store is read-only ({text})"
    if _is_busy(exc):
        return f"another process kept the store locked for over {TIMEOUT_S:g} s ({text})"
    if name.startswith("SQLITE_CANTOPEN"):
        return f"the file cannot be opened ({text})"
    if name.startswith("SQLITE_IOERR"):
        return f"the disk failed to read or write ({text})"
    if _is_not_a_database(exc):
        return f"the file is damaged or not a result store ({text})"
    return text
