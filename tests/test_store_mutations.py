"""Stores edited by hand, mutated by hypothesis: a stored comparison's note (its JSON's types,
structure and depth, the scenario text inside it, its policies) and a run's row (any column, and
the JSON of its parameters, KPIs, provenance and daily series).

Whatever the edit, `load_comparison` either gives a comparison that is what the store says, from
which a report is made, or raises StoreError, which `simbranch report` turns into exit 2 with that
one message; no other exception, no traceback. tests/test_store.py pins the hand edits issue 17
listed (`test_a_hand_edited_store_is_a_clear_store_error`); this file explores around them.

The examples are derandomised (as in tests/test_fuzz_inputs.py); SIMBRANCH_FUZZ_EXAMPLES makes a
long pass. The property's reports leave the figures out (each costs seconds); the figures of
extreme stored values are drawn by the last tests, once.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

import simbranch as sb
from simbranch.cli import main
from simbranch.experiment import StoreError
from simbranch.report import report_html

TINY = sb.Scenario().with_overrides({"branch.horizon_days": 3, "branch.warmup_days": 1, "clients.count": 50,
                                     "managers.count": 2})
POLICIES = ["baseline", "crm_routing"]
REPLICATIONS = 2
LONG = int(os.environ.get("SIMBRANCH_FUZZ_EXAMPLES", "0") or 0)


def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=LONG or examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def base_store(tmp_path_factory) -> Path:
    """A store of a tiny comparison (2 policies x 2 replications), its log folded into the file."""
    path = tmp_path_factory.mktemp("base") / "runs.sqlite"
    sb.compare(TINY, POLICIES[1:], replications=REPLICATIONS, seed=1, executor="serial", progress=False, store=path)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mutated")


def fresh_copy(base: Path, folder: Path) -> Path:
    path = folder / "runs.sqlite"
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copy(base, path)
    return path


# --------------------------------------------------------------------------- values


#: Text that has broken reports and terminals before: mathtext, escapes, a right-to-left override, NUL.
ODD_TEXT = ["", " ", "nope", "baseline", "crm_routing", "ok", "error", "0", "-1", "1e309", "NaN", "$\\foo{$", "$x$",
            "\x1b[31mred", "\u202eevil", "nul\x00", "é" * 300, "<script>", "{", "[]"]
#: Numbers at the edges of what JSON, SQLite and float hold.
EDGE_NUMBERS = [0, -1, 1, 2, 10**6, 2**31, 2**63 - 1, -2**63, 2**63, 10**30, 10**308, 10**400, 0.5, -0.0, 1e-300, 1e308,
                -1e308, math.inf, -math.inf, math.nan]

JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.sampled_from(EDGE_NUMBERS), st.sampled_from(ODD_TEXT),
                        st.integers(min_value=-2**64, max_value=2**64), st.floats(), st.text(max_size=12))
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "name", "levers", "x", ""]), inner, max_size=3)),
    max_leaves=6)
#: Depths of JSON nested by hand: within what `json` reads and far beyond it.
DEPTHS = st.sampled_from([2, 50, 500, 5_000, 100_000])
_DEEP = "__deep__"


def deep_json(kind: str, depth: int) -> str:
    return "[" * depth + "]" * depth if kind == "list" else '{"a": ' * depth + "1" + "}" * depth


def _locations(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value: dict keys and list indexes, the root first."""
    out = [prefix]
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        out += _locations(value, (*prefix, key))
    return out


def _at(node: Any, where: tuple[Any, ...]) -> Any:
    for part in where:
        node = node[part]
    return node


@st.composite
def mutated_json(draw, text: str, inner: tuple[str, ...] = ()) -> tuple[str, str]:
    """(`text` with one change to its JSON, what was changed). `inner` names fields whose value is
    JSON text itself (a note's scenario), which are mutated as JSON in turn."""
    value = json.loads(text)
    op = draw(st.sampled_from(["replace", "replace", "delete", "add", "deep", "whole", "raw", "inner"]))
    places = _locations(value)
    if op == "inner":
        fields = [f for f in inner if isinstance(value, dict) and isinstance(value.get(f), str)]
        if not fields:
            op = "replace"
        else:
            field = draw(st.sampled_from(fields))
            value[field], what = draw(mutated_json(value[field]))
            return json.dumps(value), f"{field}: {what}"
    if op == "raw":
        cut = draw(st.integers(min_value=0, max_value=len(text)))
        raw = draw(st.sampled_from(["", "{", "NaN", "nul\x00", text[:cut], text + "}", "[" * 100_000]))
        return raw, f"raw text {raw[:40]!r}"
    if op == "whole":
        new = draw(JSON_VALUES)
        return json.dumps(new), f"whole value {new!r}"[:200]
    where = draw(st.sampled_from(places[1:] or places))
    if op == "deep" or not where:
        kind, depth = draw(st.sampled_from(["list", "object"])), draw(DEPTHS)
        if not where:
            return deep_json(kind, depth), f"whole value nested {depth} deep"
        _at(value, where[:-1])[where[-1]] = _DEEP
        return json.dumps(value).replace(f'"{_DEEP}"', deep_json(kind, depth), 1), f"{where} nested {depth} deep"
    parent, key = _at(value, where[:-1]), where[-1]
    if op == "delete":
        del parent[key]
        return json.dumps(value), f"deleted {where}"
    if op == "add":
        table = _at(value, where) if isinstance(_at(value, where), dict) else parent
        if not isinstance(table, dict):
            table = value if isinstance(value, dict) else None
        if table is None:
            return json.dumps([value, draw(JSON_VALUES)]), "wrapped in a list"
        name = draw(st.sampled_from(["extra", "seed", "policies", "profit", "revenue", "name", ""]))
        table[name] = draw(JSON_VALUES)
        return json.dumps(value), f"added {name!r} = {table[name]!r}"[:200]
    parent[key] = draw(JSON_VALUES)
    return json.dumps(value), f"{where} = {parent[key]!r}"[:200]


# --------------------------------------------------------------------------- edits


@dataclass(frozen=True)
class Edit:
    """One hand edit of a store: an SQL statement and its parameters, and what it does."""

    what: str
    sql: str
    params: tuple[Any, ...]


RUN_COLUMNS = ("key", "experiment", "policy", "point", "replication", "seed", "params", "status", "error", "kpis",
               "fingerprint", "host", "wall_time_s", "finished_at", "provenance")
JSON_COLUMNS = ("params", "kpis", "provenance")
#: What a plain column may be set to: SQLite's types at their edges (NULL and NaN break NOT NULL).
SQL_VALUES = st.one_of(st.sampled_from([v for v in EDGE_NUMBERS if isinstance(v, int) and -2**63 <= v < 2**63]),
                       st.sampled_from([v for v in EDGE_NUMBERS if isinstance(v, float) and not math.isnan(v)]),
                       st.sampled_from(ODD_TEXT), st.sampled_from([b"", b"\x00\xff", b"{}"]),
                       st.integers(min_value=-2**63, max_value=2**63 - 1), st.text(max_size=12))


@st.composite
def run_edit(draw, store: Path) -> Edit:
    """A change to one column of one stored run (or of every run), or to a run's daily series."""
    with contextlib.closing(sqlite3.connect(store)) as db:
        rows = db.execute("SELECT runs.*, series.data FROM runs LEFT JOIN series USING (key)").fetchall()
    row = draw(st.sampled_from(rows))
    key = row[0]
    column = draw(st.sampled_from([*RUN_COLUMNS, *JSON_COLUMNS, "series", "series"]))
    if column == "series":
        data, what = draw(mutated_json(row[-1]))
        return Edit(f"series of {key}: {what}", "UPDATE series SET data = ? WHERE key = ?", (data, key))
    if column in JSON_COLUMNS and draw(st.booleans()):
        value, what = draw(mutated_json(row[RUN_COLUMNS.index(column)]))
    else:
        value = draw(SQL_VALUES)
        what = f"= {value!r}"[:200]
    scope = draw(st.sampled_from(["one", "one", "all"]))
    where, params = ("WHERE key = ?", (value, key)) if scope == "one" else ("", (value,))
    return Edit(f"runs.{column} of {scope if scope == 'all' else key} {what}", f"UPDATE runs SET {column} = ? {where}",
                params)


@st.composite
def note_edit(draw, store: Path) -> Edit:
    """A change to the JSON of the stored comparison's note (the scenario text inside it included)."""
    with contextlib.closing(sqlite3.connect(store)) as db:
        name, text = db.execute("SELECT name, value FROM meta WHERE name LIKE 'comparison:%'").fetchone()
    value, what = draw(mutated_json(text, inner=("scenario",)))
    return Edit(f"note: {what}", "UPDATE meta SET value = ? WHERE name = ?", (value, name))


def apply(store: Path, edit: Edit) -> None:
    """Make the edit, as a user with sqlite3 would; an edit SQLite itself refuses (a second run of one
    key) is not an example."""
    with contextlib.closing(sqlite3.connect(store)) as db:
        try:
            with db:
                db.execute(edit.sql, edit.params)
        except sqlite3.IntegrityError:
            assume(False)


# --------------------------------------------------------------------------- outcomes


def report(store: Path, out: Path) -> tuple[int, str]:
    """`simbranch report STORE --out OUT` in this process: (exit code, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["report", str(store), "--out", str(out)])
    return code, err.getvalue()


def check_refused(store: Path, out: Path, error: StoreError) -> None:
    """`simbranch report` exits 2 with the StoreError's message alone, writing nothing."""
    assert str(store) in str(error), error
    code, err = report(store, out)
    assert code == 2 and err == f"simbranch: {error}\n", err[:3000]
    assert not out.exists()


def check_loaded(store: Path, cmp: sb.Comparison) -> None:
    """A comparison that loaded holds what the note promised (a run of each policy and replication)
    with the KPIs its rows hold, and makes a report (its figures left out here: they take seconds
    each; the last tests draw them)."""
    assert len(cmp.table) + len(cmp.failures) == len(cmp.policies) * cmp.replications
    assert set(cmp.table["policy"]) <= {p.name for p in cmp.policies}
    with contextlib.closing(sqlite3.connect(store)) as db:
        stored = {key: json.loads(kpis) for key, kpis in db.execute("SELECT key, kpis FROM runs")}
    for row in cmp.table.to_dict("records"):
        for kpi, value in stored[row["key"]].items():
            if kpi in row:
                shown = float("nan") if value is None else float(value)
                assert shown == row[kpi] or (math.isnan(shown) and math.isnan(row[kpi])), (kpi, value, row[kpi])
    with mock.patch("simbranch.report.comparison._add_figures"):
        html = report_html(cmp)
    assert "<html" in html[:500]


def outcome(store: Path, out: Path, edit: Edit) -> str:
    """"refused" (StoreError, and `simbranch report` exits 2 with it) or "loaded" (a checked comparison
    and its report); any other exception fails the test."""
    try:
        cmp = sb.load_comparison(store)
    except StoreError as exc:
        check_refused(store, out, exc)
        return "refused"
    check_loaded(store, cmp)
    return "loaded"


@fuzz_settings(20)
@given(st.data())
def test_a_mutated_note_is_a_store_error_or_a_report(base_store, workdir, data):
    """The note's JSON changed (a field's type, a field deleted or added, the whole value, nesting up
    to 100,000 deep, broken text, the scenario text inside it): StoreError, or a comparison that
    makes a report."""
    store = fresh_copy(base_store, workdir)
    edit = data.draw(note_edit(store))
    note(edit.what)
    apply(store, edit)
    outcome(store, workdir / "report.html", edit)


@fuzz_settings(30)
@given(st.data())
def test_a_mutated_run_row_is_a_store_error_or_a_report(base_store, workdir, data):
    """A run's column changed (any SQLite type at its edges, for one run or every run; the JSON of its
    parameters, KPIs, provenance or daily series mutated as the note's): StoreError, or a report."""
    store = fresh_copy(base_store, workdir)
    edit = data.draw(run_edit(store))
    note(edit.what)
    apply(store, edit)
    outcome(store, workdir / "report.html", edit)


# --------------------------------------------------------------------------- figures of extreme values


def _set_json(store: Path, table: str, column: str, change) -> None:
    """Rewrite `column` of every row of `table` through `change(key, value) -> value` (JSON both)."""
    with contextlib.closing(sqlite3.connect(store)) as db, db:
        for key, text in db.execute(f"SELECT key, {column} FROM {table}").fetchall():
            new = json.dumps(change(key, json.loads(text)))
            db.execute(f"UPDATE {table} SET {column} = ? WHERE key = ?", (new, key))


def extremes(key: str, kpis: dict[str, Any]) -> dict[str, Any]:
    """KPIs that JSON holds but no run makes: infinite, undefined, at the float's edge, missing."""
    return {**kpis, "profit": math.inf, "satisfaction_mean": math.nan, "revenue": -1e308, "nps": None,
            **({"wait_mean_h": 1e308} if key < "8" else {})}


def test_extreme_stored_values_make_a_report_with_figures(base_store, tmp_path):
    """Infinite, undefined and huge KPIs and daily values (that a hand edit can store) give a report,
    figures included (a figure with nothing to draw is left out), exit 0."""
    store = fresh_copy(base_store, tmp_path)
    _set_json(store, "runs", "kpis", extremes)
    _set_json(store, "series", "data", lambda key, data: {**data, "revenue": [math.inf] * len(data["revenue"]),
                                                          "satisfaction_mean": [None] * len(data["satisfaction_mean"])})
    code, err = report(store, tmp_path / "report.html")
    assert code == 0 and "Traceback" not in err, err[-3000:]
    assert "<img" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_a_noted_policy_that_does_not_fit_the_scenario_is_a_store_error(base_store, tmp_path):
    store = fresh_copy(base_store, tmp_path)
    with contextlib.closing(sqlite3.connect(store)) as db, db:
        name, text = db.execute("SELECT name, value FROM meta WHERE name LIKE 'comparison:%'").fetchone()
        noted = json.loads(text)
        noted["policies"][1]["levers"] = {"allocation": None}
        db.execute("UPDATE meta SET value = ? WHERE name = ?", (json.dumps(noted), name))
    with pytest.raises(StoreError, match="crm_routing"):
        sb.load_comparison(store)


@pytest.mark.parametrize("table", ["kpis", "series"])
def test_a_number_beyond_float_is_a_store_error(base_store, tmp_path, table):
    store = fresh_copy(base_store, tmp_path)
    if table == "kpis":
        _set_json(store, "runs", "kpis", lambda key, kpis: {**kpis, "profit": 10**400})
    else:
        _set_json(store, "series", "data", lambda key, data: {**data, "revenue": [10**400] * len(data["revenue"])})
    with pytest.raises(StoreError, match="number"):  # "is not a number", "lists of numbers"
        sb.load_comparison(store)
    assert report(store, tmp_path / "r.html")[0] == 2


@pytest.mark.parametrize(("column", "value"), [("policy", "nope"), ("policy", 5), ("replication", 7), ("seed", 99)])
def test_a_run_whose_columns_contradict_its_key_is_a_store_error(base_store, tmp_path, column, value):
    store = fresh_copy(base_store, tmp_path)
    with contextlib.closing(sqlite3.connect(store)) as db, db:
        db.execute(f"UPDATE runs SET {column} = ? WHERE policy = 'crm_routing' AND replication = 0", (value,))
    with pytest.raises(StoreError, match=column):
        sb.load_comparison(store)
