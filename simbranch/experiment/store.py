"""The result store: an SQLite file with one row per finished run, written in one transaction each.

Kill the process at any moment: every committed run is intact (SQLite's journal), and calling
the same experiment again skips the runs already stored. Rows hold plain values (numbers, text,
JSON), never pickles, so opening a colleague's store runs nothing of theirs. Each row carries
its provenance: the model fingerprint, seed entropy and spawn key, package versions, host and
run time.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["ResultStore", "StoreError"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
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
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS series (key TEXT PRIMARY KEY, data TEXT NOT NULL);
"""


_COLUMNS = ("key", "experiment", "policy", "point", "replication", "seed", "params", "status", "error", "kpis",
            "fingerprint", "host", "wall_time_s", "finished_at", "provenance")


class StoreError(RuntimeError):
    """The store cannot be opened or written (not a store, disk full, read-only)."""


class ResultStore:
    """Append-only store of run records, safe against kills and concurrent readers."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._check_schema()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a simbranch result store ({exc})") from None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open the result store ({exc.strerror})") from None

    def _check_schema(self) -> None:
        """A store of an earlier simbranch gains the columns added since; any other `runs` table is refused."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(runs)")}
        if "provenance" not in columns and "key" in columns:
            self._db.execute("ALTER TABLE runs ADD COLUMN provenance TEXT NOT NULL DEFAULT '{}'")
            columns.add("provenance")
        missing = set(_COLUMNS) - columns
        if missing:
            self._db.close()
            raise StoreError(f"{self.path}: not a simbranch result store (its runs table lacks "
                             f"{', '.join(sorted(missing))})")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def keys(self, status: str | None = "ok", with_series: bool = False) -> set[str]:
        """Keys of the stored runs (by default the successful ones: failed runs are retried).

        `with_series` keeps only runs stored with their daily series (a comparison that plots
        over time reruns a run that a sweep stored without them).
        """
        if with_series:
            rows = self._db.execute("SELECT runs.key FROM runs JOIN series ON runs.key = series.key "
                                    "WHERE status = ?", (status or "ok",))
        elif status is None:
            rows = self._db.execute("SELECT key FROM runs")
        else:
            rows = self._db.execute("SELECT key FROM runs WHERE status = ?", (status,))
        return {r[0] for r in rows}

    def add(self, record: dict[str, Any], experiment: str) -> None:
        """Store one finished run (replacing a failed attempt with the same key)."""
        row = (
            record["key"], experiment, record["policy"], record["point"], record["replication"],
            record["seed"], json.dumps(record["params"], sort_keys=True), record["status"], record["error"],
            json.dumps(record["kpis"]), record["fingerprint"], record.get("host", ""),
            record["wall_time_s"], time.time(), json.dumps(record.get("provenance", {})),
        )
        try:
            with self._db:  # one transaction
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(f"INSERT OR REPLACE INTO runs ({', '.join(_COLUMNS)}) "
                                 f"VALUES ({', '.join('?' * len(_COLUMNS))})", row)
                if record.get("series"):
                    self._db.execute("INSERT OR REPLACE INTO series VALUES (?, ?)",
                                     (record["key"], json.dumps(record["series"])))
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot write a run ({exc}); what was stored stays readable") from None

    def set_meta(self, name: str, value: Any) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, json.dumps(value)))

    def meta(self, prefix: str = "") -> dict[str, Any]:
        """Stored notes whose name starts with `prefix` (what experiments were run, ...)."""
        rows = self._db.execute("SELECT name, value FROM meta")
        return {name: json.loads(value) for name, value in rows if name.startswith(prefix)}

    def records(self, keys: Iterable[str] | None = None, with_series: bool = False) -> list[dict[str, Any]]:
        """Stored records, all or those with the given keys; `with_series` adds each run's daily series."""
        if with_series:
            cursor = self._db.execute("SELECT runs.*, series.data AS series FROM runs LEFT JOIN series "
                                      "ON runs.key = series.key ORDER BY finished_at")
        else:
            cursor = self._db.execute("SELECT * FROM runs ORDER BY finished_at")
        names = [d[0] for d in cursor.description]
        wanted = set(keys) if keys is not None else None
        out = []
        for row in cursor:
            rec = dict(zip(names, row, strict=True))
            if wanted is not None and rec["key"] not in wanted:
                continue
            rec["params"] = json.loads(rec["params"])
            rec["kpis"] = json.loads(rec["kpis"])
            rec["provenance"] = json.loads(rec["provenance"])
            if with_series:
                rec["series"] = json.loads(rec["series"]) if rec["series"] else None
            out.append(rec)
        return out

    def table(self) -> pd.DataFrame:
        """Every stored run as a flat frame (keys, parameters, KPIs), for other tools."""
        return records_to_frame(self.records())

    def export(self, path: str | Path) -> Path:
        """Write the table as CSV or Parquet, by the file's suffix."""
        path = Path(path)
        frame = self.table()
        if path.suffix == ".parquet":
            frame.to_parquet(path)
        else:
            frame.to_csv(path, index=False)
        return path


def records_to_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Flatten run records, in the order given: one row per run, parameters and KPIs as columns."""
    rows = []
    for rec in records:
        row = {k: rec[k] for k in ("policy", "point", "replication", "seed", "status", "error", "wall_time_s", "key")}
        row.update({f"param:{k}": v for k, v in rec["params"].items()})
        row.update(rec["kpis"])
        rows.append(row)
    return pd.DataFrame(rows)
