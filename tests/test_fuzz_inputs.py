"""Hostile input: the shipped scenario and policy files, mutated, and overrides of every kind.

Each mutated input either is valid, and then the scenario runs, or raises `ScenarioError` that
names the file and the field that was changed; nothing else escapes. Through the CLI the same
inputs exit 2 with one message (the library's, no traceback), or 0.

The examples are derandomised, so CI sees the same inputs on every run. For a long exploratory
pass, set `SIMBRANCH_FUZZ_EXAMPLES` (for example 3000): every property then tries that many
inputs (the CLI ones a fifth of it). The outcomes (inputs tried, ran, rejected) are written to
`SIMBRANCH_FUZZ_REPORT` (default: simbranch_fuzz_counts.json in the temporary folder).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as dt
import io
import json
import math
import os
import signal
import tempfile
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tomli_w
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

import simbranch as sb
from simbranch import cli
from simbranch.cli import main, parse_override
from simbranch.meanings import label
from simbranch.registry import ALLOCATION_RULES
from simbranch.scenario import MAX_FILE_BYTES, MAX_SHOWN_PROBLEMS

#: How the CLI's tables name the mean satisfaction (by its label, not its code name).
SATISFACTION = label("satisfaction_mean")

SCENARIOS = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios"
SCENARIO_FILES = [SCENARIOS / "baseline.toml", *sorted((SCENARIOS / "validation").glob("*.toml"))]
POLICY_FILES = sorted((SCENARIOS / "policies").glob("*.toml"))

#: Examples per property (the CLI properties take a fifth); SIMBRANCH_FUZZ_EXAMPLES for a long pass.
LONG = int(os.environ.get("SIMBRANCH_FUZZ_EXAMPLES", "0") or 0)
REPORT = Path(os.environ.get("SIMBRANCH_FUZZ_REPORT", "") or Path(tempfile.gettempdir()) / "simbranch_fuzz_counts.json")

#: Seconds a shrunken run may take before it counts as a hang (a tiny run takes 0.1 s).
RUN_LIMIT_S = 30.0


def fuzz_settings(examples: int, cli_property: bool = False) -> settings:
    if LONG:
        examples = max(LONG // 5, examples) if cli_property else LONG
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# --------------------------------------------------------------------------- outcomes

#: target -> outcome -> count: what the lead quotes in the issue note.
COUNTS: dict[str, Counter[str]] = defaultdict(Counter)


def record(target: str, outcome: str) -> None:
    COUNTS[target][outcome] += 1
    totals = {name: dict(c, tried=sum(c.values())) for name, c in sorted(COUNTS.items())}
    every = Counter()
    for c in COUNTS.values():
        every.update(c)
    totals["all"] = dict(every, tried=sum(every.values()))
    with contextlib.suppress(OSError):
        REPORT.write_text(json.dumps({"examples_setting": LONG or "default", "counts": totals}, indent=2) + "\n",
                          encoding="utf-8")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder for the mutated files (one per property: each example overwrites it)."""
    return tmp_path_factory.mktemp("fuzz")


# --------------------------------------------------------------------------- running what is valid


class EngineHang(Exception):
    """A valid scenario that did not finish a 4-day run in time."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    if not hasattr(signal, "setitimer"):  # no SIGALRM (Windows): run without a limit
        yield
        return

    def expire(signum, frame):
        raise EngineHang(f"the run did not finish in {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_small(sc: sb.Scenario) -> None:
    """Run `sc` shrunk to 4 days and at most 200 clients and 25 AMs; a valid scenario must run.

    Values that only make a run longer (a 25,000-day horizon, 100,000 AMs) are shrunk; zeros are
    kept. Shrinking must itself be valid: the bounds are all inside every field's range.
    """
    small = sc.with_overrides({
        "branch.horizon_days": min(sc.branch.horizon_days, 3),
        "branch.warmup_days": min(sc.branch.warmup_days, 1),
        "clients.count": min(sc.clients.count, 200),
        "managers.count": min(sc.managers.count, 25),
    })
    with time_limit(RUN_LIMIT_S):
        result = sb.run(small, seed=0)
    assert len(result.kpis) == len(sb.kpi_names(result.scenario))


# --------------------------------------------------------------------------- checking rejections


def dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in path)


def related(problem: str, mutated: str, message: str) -> bool:
    """Whether a problem at `problem` names the field that was changed at `mutated`.

    The field itself, a field inside it (a table that was replaced), a sibling (a service time's
    cv when its dist changed), the table up to two levels above (shares that no longer sum to 1),
    or a problem of the whole scenario whose message names the field (levers that must go together).
    """
    if problem == mutated or problem.startswith(mutated + "."):
        return True
    if not problem:
        return mutated in message
    mparts, pparts = mutated.split("."), problem.split(".")
    if mparts[: len(pparts)] == pparts and len(mparts) - len(pparts) <= 2:
        return True
    return len(pparts) == len(mparts) and pparts[:-1] == mparts[:-1]


def check_rejection(exc: BaseException, source: str, mutated: str | None) -> None:
    """`exc` is exactly a ScenarioError, names `source` on its first line and has one line per
    problem (the first `MAX_SHOWN_PROBLEMS`, then one saying how many more); when a field was
    changed, a problem names it."""
    assert type(exc) is sb.ScenarioError, f"{type(exc).__name__} escaped: {exc}"
    text = str(exc)
    lines = text.splitlines()
    assert exc.problems, text
    assert source in lines[0], text
    shown = exc.problems[:MAX_SHOWN_PROBLEMS]
    more = len(exc.problems) - len(shown)
    assert len(lines) == 1 + len(shown) + (more > 0), f"a problem spans several lines:\n{text[:5000]}"
    assert all(line.startswith("  ") for line in lines[1:]), text[:5000]
    if more:
        assert lines[-1] == f"  ... and {more:,} more problems of the same input", lines[-1]
    for path, _, _ in shown:
        assert isinstance(path, str), exc.problems
        if path.isprintable():
            assert f"  {path or '(top level)'}" in text, (path, text)
    if mutated is not None:
        paths = [path for path, _, _ in exc.problems]
        assert any(related(p, mutated, text) for p in paths), f"no problem names {mutated!r}:\n{text}"


# --------------------------------------------------------------------------- values


INT64 = 2**63 - 1

#: Values that are wrong somewhere: wrong types, negative, zero, huge, tiny, NaN, infinite, empty,
#: and every TOML type (datetimes, times, arrays, tables).
HOSTILE: list[Any] = [
    "", " ", "x", "nan", "inf", "1", "0.5", "true", "∞", "é", "a" * 300, "line\nbreak", "nul\x00", "\x1b[31m",
    True, False, 0, 0.0, -0.0, 1, -1, 2, -1.5, 0.5, 1.0000001, 0.9999999,
    INT64, -INT64 - 1, 10**30, 1e308, -1e308, 5e-324, 1e-300, 1e-9, math.nan, math.inf, -math.inf,
    [], [1, 2], ["sales"], ["sales", "sales"], ["magic"], [[1]], [{}], {}, {"x": 1}, {"share": 1.0},
    dt.datetime(1979, 5, 27, 7, 32), dt.datetime(1979, 5, 27, 7, 32, tzinfo=dt.UTC), dt.date(2024, 1, 1),
    dt.time(7, 32),
]

#: Values only Python can hold: for `with_overrides`.
PYTHON_ONLY: list[Any] = [
    None, object(), b"bytes", (1, 2), ("sales",), frozenset({1}), 1 + 2j, Decimal("0.5"), Fraction(1, 2),
    np.float64(0.5), np.float64("nan"), np.int64(5), np.array([1.0]), np.bool_(True), Path("x"), print,
]


def derived(value: Any) -> list[Any]:
    """Values near `value`: its negative, a little more, much more, another type, ..."""
    if isinstance(value, bool):
        return [not value, int(value), str(value).lower()]
    if isinstance(value, int):
        return [-value, value + 1, value - 1, value * 10, value * 1_000_000, float(value), str(value), 0]
    if isinstance(value, float):
        return [-value, value * 1.5, value / 2, value * 1e6, value / 1e6, value + 1, round(value), str(value),
                math.nextafter(value, math.inf), math.nextafter(value, -math.inf)]
    if isinstance(value, str):
        return [value.upper(), value + " ", value[:-1], value * 2, ""]
    if isinstance(value, list):
        return [value + value[:1], value[:-1], value[::-1]]
    if isinstance(value, dict) and value:
        first = next(iter(value))
        return [{k: v for k, v in value.items() if k != first}, {**value, "extra": 1}]
    return []


SCHEMA = sb.scenario.scenario_json_schema()


def _schema_at(path: tuple[Any, ...]) -> dict[str, Any] | None:
    """The JSON Schema of the field at `path` (named tables and lists included), None if there is none."""

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]
        return node

    node = SCHEMA
    for part in path:
        node = resolve(node)
        if isinstance(part, str) and part in node.get("properties", {}):
            node = node["properties"][part]
        elif isinstance(part, str) and isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        elif isinstance(part, int) and isinstance(node.get("items"), dict):
            node = node["items"]
        else:
            return None
    return resolve(node)


def in_range(path: tuple[Any, ...] | None) -> list[st.SearchStrategy[Any]]:
    """Values the schema allows at `path`, edges first: valid inputs that the engine must run."""
    node = _schema_at(path) if path is not None else None
    if node is None:
        return []
    if "enum" in node:
        return [st.sampled_from(node["enum"])]
    kind = node.get("type")
    if kind == "boolean":
        return [st.booleans()]
    if kind == "array" and "enum" in node.get("items", {}):
        return [st.lists(st.sampled_from(node["items"]["enum"]), min_size=1, max_size=4)]
    if kind not in ("integer", "number"):
        return []
    low = node.get("minimum", node.get("exclusiveMinimum"))
    high = node.get("maximum", node.get("exclusiveMaximum"))
    if kind == "integer":
        return [st.sampled_from([low, high, low + 1, high - 1]), st.integers(low, high)]
    open_low, open_high = "exclusiveMinimum" in node, "exclusiveMaximum" in node
    edges = [math.nextafter(low, math.inf) if open_low else float(low),
             math.nextafter(high, -math.inf) if open_high else float(high),
             (low + high) / 2, low + (high - low) * 1e-6]
    return [st.sampled_from(edges), st.floats(low, high, exclude_min=open_low, exclude_max=open_high)]


def values_near(original: Any, python: bool = False, path: tuple[Any, ...] | None = None) -> st.SearchStrategy[Any]:
    """A hostile or plausible replacement for `original`, or a value in the range of the field at `path`."""
    options = [
        st.sampled_from(HOSTILE),
        st.floats(),
        st.integers(min_value=-INT64 - 1, max_value=INT64),
        st.floats(min_value=0.0, max_value=1.0),
        st.integers(min_value=0, max_value=400),
        st.text(max_size=12),
        st.booleans(),
    ]
    near = derived(original)
    if near:
        options[:0] = [st.sampled_from(near)] * 3  # the most likely to be almost right
    options[:0] = in_range(path) * 2
    if python:
        options.append(st.sampled_from(PYTHON_ONLY))
        options.append(st.builds(lambda: (area for area in ["sales"])))  # a generator: cannot be copied
    return st.one_of(options)


KEY_CHARS = st.characters(blacklist_characters=".", blacklist_categories=("Cs",))


@st.composite
def misspelt(draw, key: str) -> str:
    """`key` with a typo: a letter dropped, doubled or swapped, upper case, a dash, a plural, ..."""
    i = draw(st.integers(min_value=0, max_value=max(len(key) - 1, 0)))
    how = draw(st.sampled_from(["drop", "double", "swap", "upper", "dash", "plural", "space", "random"]))
    if how == "drop":
        out = key[:i] + key[i + 1:]
    elif how == "double":
        out = key[:i] + key[i:i + 1] * 2 + key[i + 1:]
    elif how == "swap":
        out = key[:i] + key[i + 1:i + 2] + key[i:i + 1] + key[i + 2:]
    elif how == "upper":
        out = key.upper()
    elif how == "dash":
        out = key.replace("_", "-")
    elif how == "plural":
        out = key + "s"
    elif how == "space":
        out = key + " "
    else:
        out = draw(st.text(KEY_CHARS, min_size=1, max_size=10))
    return out if out and out != key else key + "x"


# --------------------------------------------------------------------------- mutating a file


@dataclass(frozen=True)
class Mutant:
    origin: str          # the shipped file it came from
    op: str              # what was done
    path: str | None     # the dotted field path changed, None for changes to the bytes
    payload: bytes

    def text(self) -> str:
        return self.payload.decode("utf-8")


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, dict | list):
            yield from _paths(value, (*prefix, key))


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


SHARE_TABLES = {
    ("clients", "tiers"): "share",
    ("managers", "levels"): "share",
    ("requests", "types"): "share",
    ("clients", "domains"): None,  # name -> share
}


@st.composite
def tree_mutant(draw, origin: Path, data: dict[str, Any], policy: bool) -> Mutant:
    """Parse, change one thing in the tree, write back with tomli_w."""
    data = copy.deepcopy(data)
    paths = list(_paths(data))
    tables = [p for p in paths if isinstance(_at(data, p), dict)]
    ops = ["replace", "replace", "replace", "delete", "rename", "add", "add_top", "table_to_scalar", "shares", "rule"]
    if policy:
        ops.append("policy_name")
    op = draw(st.sampled_from(ops))
    if op in ("replace", "delete", "rename") or (op == "table_to_scalar" and not tables):
        path = draw(st.sampled_from(paths))
        parent, key = _at(data, path[:-1]), path[-1]
        if op == "replace" or (op == "rename" and not isinstance(key, str)):
            parent[key] = draw(values_near(parent[key], path=path))
        elif op == "delete":
            del parent[key]
        else:
            new = draw(misspelt(key))
            parent[new] = parent.pop(key)
            path = (*path[:-1], new)
    elif op == "table_to_scalar":
        path = draw(st.sampled_from(tables))
        scalar = draw(st.sampled_from([x for x in HOSTILE if not isinstance(x, dict)]))
        _at(data, path[:-1])[path[-1]] = scalar
    elif op in ("add", "add_top"):
        where = draw(st.sampled_from(tables)) if op == "add" and tables else ()
        table = _at(data, where)
        sibling = draw(st.sampled_from(sorted(table))) if table else "x"
        key = draw(st.one_of(misspelt(sibling), st.text(KEY_CHARS, max_size=10)))
        if table.get(sibling) is not None and draw(st.booleans()):
            value = copy.deepcopy(table[sibling])  # a copy of a neighbour: one more tier, level, ...
        else:
            value = draw(values_near(None))
        table[key] = value
        path = (*where, key)
    elif op == "shares":
        present = [p for p in SHARE_TABLES if isinstance(_at_or_none(data, p), dict) and _at(data, p)]
        if not present:
            data.setdefault("clients", {})["domains"] = {"retail": 0.6, "sme": 0.6}
            path = ("clients", "domains")
        else:
            path = draw(st.sampled_from(present))
            table, field = _at(data, path), SHARE_TABLES[path]
            names = [k for k in table if field is None or (isinstance(table[k], dict) and field in table[k])]
            factor = draw(st.sampled_from([0.0, 0.5, 0.999, 0.9999999, 1.0000001, 1.001, 2.0, -1.0]))
            for name in names if draw(st.booleans()) else names[:1]:
                if field is None:
                    table[name] = table[name] * factor
                else:
                    table[name][field] = table[name][field] * factor
    elif op == "rule":
        known = sorted(ALLOCATION_RULES)
        rule = draw(st.one_of(st.sampled_from(known), st.sampled_from(known).flatmap(misspelt),
                              st.text(max_size=12), values_near("crm")))
        section = data.setdefault("allocation", {})
        if not isinstance(section, dict):
            data["allocation"] = section = {}
        section["rule"] = rule
        path = ("allocation", "rule")
    else:  # policy_name
        meta = data.setdefault("policy", {})
        meta["name"] = draw(st.one_of(st.text(max_size=20), values_near("crm_routing")))
        path = ("policy", "name")
    return Mutant(origin.name, op, dotted(path), tomli_w.dumps(data).encode("utf-8"))


def _at_or_none(data: Any, path: tuple[Any, ...]) -> Any:
    try:
        return _at(data, path)
    except (KeyError, TypeError, IndexError):
        return None


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@st.composite
def raw_mutant(draw, origin: Path) -> Mutant:
    """Change the bytes of the file: broken TOML, another encoding, not text at all."""
    text = origin.read_text(encoding="utf-8")
    op = draw(st.sampled_from(["truncate", "insert", "delete_char", "duplicate_line", "empty", "blank", "bom",
                               "utf16", "latin1", "random_bytes", "png", "nul"]))
    i = draw(st.integers(min_value=0, max_value=len(text)))
    if op == "truncate":
        payload = text[:i].encode()
    elif op == "insert":
        junk = draw(st.text(alphabet="[]{}=\"',.#\n\\ ax1é\t", min_size=1, max_size=5))
        payload = (text[:i] + junk + text[i:]).encode()
    elif op == "delete_char":
        payload = (text[:i] + text[i + 1:]).encode()
    elif op == "duplicate_line":
        lines = text.splitlines(keepends=True)
        j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        payload = "".join([*lines[: j + 1], lines[j], *lines[j + 1:]]).encode()
    elif op == "empty":
        payload = b""
    elif op == "blank":
        payload = draw(st.sampled_from([b" ", b"\n\n", b"\t\r\n", b"# only a comment\n"]))
    elif op == "bom":
        payload = b"\xef\xbb\xbf" + text.encode()
    elif op == "utf16":
        payload = text.encode("utf-16")
    elif op == "latin1":
        payload = ("# café\n" + text).encode("latin-1", errors="replace")
    elif op == "random_bytes":
        payload = draw(st.binary(min_size=1, max_size=64))
    elif op == "png":
        payload = PNG
    else:
        payload = text[:i].encode() + b"\x00" + text[i:].encode()
    return Mutant(origin.name, op, None, payload)


PARSED = {path: tomllib.loads(path.read_text(encoding="utf-8")) for path in (*SCENARIO_FILES, *POLICY_FILES)}
BASELINE = sb.load_scenario(SCENARIOS / "baseline.toml")


def mutants(files: list[Path], policy: bool) -> st.SearchStrategy[Mutant]:
    def one(origin: Path) -> st.SearchStrategy[Mutant]:
        tree = tree_mutant(origin, PARSED[origin], policy)
        return st.one_of(tree, tree, tree, raw_mutant(origin))

    return st.sampled_from(files).flatmap(one)


SCENARIO_MUTANTS = mutants(SCENARIO_FILES, policy=False)
POLICY_MUTANTS = mutants(POLICY_FILES, policy=True)


# --------------------------------------------------------------------------- library: files


def describe(m: Mutant) -> None:
    note(f"{m.origin}: {m.op} at {m.path}\n{m.payload[:2000]!r}")


@fuzz_settings(200)
@given(SCENARIO_MUTANTS)
def test_mutated_scenario_file_loads_or_names_the_field(workdir, m: Mutant):
    """A mutated scenario file is valid and runs, or raises ScenarioError naming the file and the field."""
    describe(m)
    try:
        if m.path is not None:
            source = "f.toml"
            sc = sb.load_scenario_text(m.text(), source=source)
        else:
            path = workdir / "scenario.toml"
            path.write_bytes(m.payload)
            source = str(path)
            sc = sb.load_scenario(path)
    except Exception as exc:
        record("scenario_file", "escaped" if type(exc) is not sb.ScenarioError else "rejected")
        check_rejection(exc, source, m.path)
        return
    try:
        run_small(sc)
    except Exception:
        record("scenario_file", "escaped")
        raise
    record("scenario_file", "ran")


@fuzz_settings(150)
@given(POLICY_MUTANTS)
def test_mutated_policy_file_loads_or_names_the_field(workdir, m: Mutant):
    """A mutated policy file is valid and runs on the baseline, or raises ScenarioError naming the field."""
    describe(m)
    path = workdir / "policy.toml"
    path.write_bytes(m.payload)
    try:
        policy = sb.load_policy(path)
    except Exception as exc:
        record("policy_file", "escaped" if type(exc) is not sb.ScenarioError else "rejected")
        check_rejection(exc, str(path), m.path)
        return
    try:
        assert isinstance(policy.name, str) and policy.name
        run_small(BASELINE.with_policy(policy))
    except Exception:
        record("policy_file", "escaped")
        raise
    record("policy_file", "ran")


# --------------------------------------------------------------------------- library: overrides


DEFAULT_DATA = sb.Scenario().to_dict()
FIELD_PATHS = sorted(p for p in _paths(DEFAULT_DATA) if all(isinstance(part, str) for part in p))
ODD_PATHS = [
    "", ".", "clients.", ".clients", "clients..count", " clients.count", "clients.count ", "CLIENTS.COUNT",
    "clients.count.x", "clients.tiers.new.share", "clients.tiers.new", "clients.domains.new",
    "managers.levels.junior.share.x", "training.areas.0", "policy.name", "allocation.rule.x", "é",
]


@st.composite
def override(draw, python: bool = True) -> tuple[Any, Any]:
    """(path, value): an existing path, a misspelt one, an odd one (or not text), and a hostile value."""
    kind = draw(st.sampled_from(["field", "field", "field", "misspelt", "odd"] + (["key_type"] if python else [])))
    if kind == "key_type":
        return draw(st.sampled_from([5, None, ("clients", "count"), b"clients.count"])), 1
    if kind == "odd":
        return draw(st.sampled_from(ODD_PATHS)), draw(values_near(None, python))
    parts = list(draw(st.sampled_from(FIELD_PATHS)))
    original = _at(DEFAULT_DATA, tuple(parts))
    if kind == "misspelt":
        i = draw(st.integers(min_value=0, max_value=len(parts) - 1))
        parts[i] = draw(misspelt(parts[i]))
    return ".".join(parts), draw(values_near(original, python, tuple(parts)))


@fuzz_settings(250)
@given(override())
def test_override_validates_or_names_the_path(item):
    """`with_overrides({path: value})` is valid and runs, or raises ScenarioError naming the path."""
    path, value = item
    note(f"override {path!r} = {value!r}")
    try:
        sc = sb.Scenario().with_overrides({path: value})
    except Exception as exc:
        record("override", "escaped" if type(exc) is not sb.ScenarioError else "rejected")
        check_rejection(exc, "override", path if isinstance(path, str) else str(path))
        return
    try:
        run_small(sc)
    except Exception:
        record("override", "escaped")
        raise
    record("override", "ran")


# --------------------------------------------------------------------------- CLI


def call(argv: list[str]) -> tuple[int, str, str]:
    """`simbranch ARGV` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), time_limit(RUN_LIMIT_S * 2):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def check_cli_message(err: str, expected: sb.ScenarioError) -> None:
    """One message on stderr: the library's, after `simbranch: `, no traceback."""
    assert "Traceback" not in err, err
    assert err == f"simbranch: {expected}\n", err
    lines = err.splitlines()
    assert all(line.startswith("  ") for line in lines[1:]), err


#: `--set` arguments that make a run take a tenth of a second.
TINY = {"branch.horizon_days": 3, "branch.warmup_days": 1, "clients.count": 100, "managers.count": 4}
TINY_ARGS = [arg for path, value in TINY.items() for arg in ("--set", f"{path}={value}")]


def library_outcome(load) -> sb.ScenarioError | None:
    try:
        load()
    except sb.ScenarioError as exc:
        return exc
    return None


@fuzz_settings(30, cli_property=True)
@given(st.one_of(SCENARIO_MUTANTS, POLICY_MUTANTS))
def test_cli_validate_mutated_file(workdir, m: Mutant):
    """`simbranch validate FILE`: exit 0 and `ok`, or exit 2 and the library's message."""
    describe(m)
    is_policy = m.origin in {p.name for p in POLICY_FILES}
    path = workdir / ("policies" if is_policy else "scenarios") / "file.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(m.payload)
    code, out, err = call(["validate", str(path)])
    load = {"policy": sb.load_policy, "observed": sb.load_observed}.get(cli._file_kind(path), sb.load_scenario)
    expected = library_outcome(lambda: load(path))
    if expected is None:
        record("cli_validate", "ran")
        assert code == 0, err
        assert out.startswith(f"{path}: ok") and err == ""
    else:
        record("cli_validate", "rejected")
        assert code == 2, err
        assert out == ""
        check_cli_message(err, expected)


@fuzz_settings(25, cli_property=True)
@given(SCENARIO_MUTANTS)
def test_cli_run_mutated_file(workdir, m: Mutant):
    """`simbranch run FILE --set ...`: exit 0 and the KPIs, or exit 2 and the library's message."""
    describe(m)
    path = workdir / "run.toml"
    path.write_bytes(m.payload)
    code, out, err = call(["run", str(path), *TINY_ARGS])
    expected = library_outcome(lambda: sb.load_scenario(path).with_overrides(TINY, source="override (--set)"))
    if expected is None:
        record("cli_run_file", "ran")
        assert code == 0, err
        assert SATISFACTION in out and "Traceback" not in err
    else:
        record("cli_run_file", "rejected")
        assert code == 2, err
        assert out == ""
        check_cli_message(err, expected)


SET_TEXTS = [
    "nan", "inf", "-inf", "-1", "0", "0.0", "1e308", "5e-324", "true", "True", '"x"', "'x'", "[1, 2]", '["sales"]',
    "{a = 1}", "{}", "[]", "1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", "", " ", "x y", "'", '"', "[", "{",
    "1_000", "0x10", "+1", "∞", "magic", "crm", "1,5", "=", "a=b",
]


def toml_value(value: Any) -> str:
    """`value` as TOML text, as a user types it after `--set path=`."""
    return tomli_w.dumps({"v": value}).partition("=")[2].strip() if not isinstance(value, dict) else "{}"


SET_CHARS = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))


@fuzz_settings(30, cli_property=True)
@given(override(python=False), st.data())
def test_cli_run_with_fuzzed_set(item, data):
    """`simbranch run baseline --set PATH=VALUE`: exit 0, or exit 2 naming `--set` and the path."""
    path, value = item
    raw = data.draw(st.one_of(st.just(toml_value(value)), st.just(toml_value(value)), st.sampled_from(SET_TEXTS),
                              st.text(SET_CHARS, max_size=10)))
    if path in TINY or "=" in path:
        path = path + "x"  # the tiny run's own paths are fuzzed through the library; `=` ends the path
    arg = f"{path}={raw}"
    note(f"--set {arg!r}")
    code, out, err = call(["run", str(SCENARIOS / "baseline.toml"), *TINY_ARGS, "--set", arg])
    try:
        parsed = parse_override(arg)
    except Exception:
        parsed = None  # argparse refuses it: a usage error
    if parsed is None:
        record("cli_set", "rejected")
        assert code == 2 and "Traceback" not in err and len(err.splitlines()) == 1, err
        return
    expected = library_outcome(
        lambda: BASELINE.with_overrides({**TINY, parsed[0]: parsed[1]}, source="override (--set)"))
    if expected is None:
        record("cli_set", "ran")
        assert code == 0, err
        assert SATISFACTION in out
    else:
        record("cli_set", "rejected")
        assert code == 2, err
        assert out == ""
        check_cli_message(err, expected)
        assert any(related(p, parsed[0], str(expected)) for p, _, _ in expected.problems), err


@fuzz_settings(10, cli_property=True)
@given(POLICY_MUTANTS)
def test_cli_compare_mutated_policy(workdir, m: Mutant):
    """`simbranch compare BASELINE --policy FILE`: exit 0, or exit 2 and the library's message."""
    describe(m)
    path = workdir / "compare_policy.toml"
    path.write_bytes(m.payload)
    code, out, err = call(["compare", str(SCENARIOS / "baseline.toml"), "--policy", str(path), "--reps", "1",
                           "--executor", "serial", *TINY_ARGS])
    expected = library_outcome(lambda: sb.load_policy(path))
    if expected is None:
        policy = sb.load_policy(path)
        if policy.name == "baseline":
            record("cli_compare", "rejected")
            assert code == 2 and "Traceback" not in err and "'baseline'" in err, err
            return
        record("cli_compare", "ran")
        assert code == 0, err
        assert SATISFACTION in out
    else:
        record("cli_compare", "rejected")
        assert code == 2, err
        assert out == ""
        check_cli_message(err, expected)


# --------------------------------------------------------------------------- specific files


BAD_BYTES = {
    "random-bytes": bytes(range(255, 0, -7)) * 3,
    "png": PNG,
    "utf-16": '[branch]\nname = "Riverside"\n'.encode("utf-16"),
    "latin-1": '[branch]\nname = "Café"\n'.encode("latin-1"),
}


@pytest.mark.parametrize("name", sorted(BAD_BYTES))
@pytest.mark.parametrize("load", [sb.load_scenario, sb.load_policy], ids=["scenario", "policy"])
def test_bytes_that_are_not_utf8(tmp_path, name, load):
    """Random bytes, a PNG, UTF-16 and Latin-1 text: `not UTF-8 text`, for scenarios and policies."""
    path = tmp_path / "file.toml"
    path.write_bytes(BAD_BYTES[name])
    with pytest.raises(sb.ScenarioError) as info:
        load(path)
    check_rejection(info.value, str(path), None)
    assert "not UTF-8" in str(info.value)


@pytest.mark.parametrize("name", ["png", "utf-16"])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_cli_bytes_that_are_not_utf8(tmp_path, name, command):
    """Through the CLI: exit 2, one message naming the file, no traceback."""
    path = tmp_path / "file.toml"
    path.write_bytes(BAD_BYTES[name])
    code, out, err = call([command, str(path)])
    assert code == 2 and out == ""
    assert err == f"simbranch: {path}: 1 problem\n  (top level): is not UTF-8 text; a scenario is a TOML file\n"


def test_utf8_with_a_byte_order_mark_is_read(tmp_path):
    """A UTF-8 file that starts with a byte-order mark (as some Windows editors write) is read."""
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (SCENARIOS / "baseline.toml").read_bytes())
    assert sb.load_scenario(path) == BASELINE
    assert sb.load_scenario_text(path.read_text(encoding="utf-8")) == BASELINE
    policy = tmp_path / "crm.toml"
    policy.write_bytes(b"\xef\xbb\xbf" + (SCENARIOS / "policies" / "crm_routing.toml").read_bytes())
    assert sb.load_policy(policy).name == "crm_routing"
    code, out, _ = call(["validate", str(policy)])
    assert code == 0 and out == f"{policy}: ok (policy crm_routing)\n"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[branch]\nname = 'a'\nname = 'b'\n", "line 3"),
        ("[branch]\nname = 'a'\n[branch]\nhorizon_days = 5\n", "line 3"),
        ("[clients]\ncount = 5\n[clients.tiers]\n[clients]\n", "line 4"),
        ('[branch]\nname = "unclosed\n', "line 2"),
        ("[clients]\ndomains = { retail = 1.0\n", "line 2"),
        ("[branch]\nhorizon_days = \n", "line 2"),
        ("[[branch]]\nname = 'x'\n[branch]\n", "line 3"),
        ("\x00", "line 1"),
    ],
    ids=["duplicate-key", "duplicate-table", "table-after-subtable", "unclosed-string", "unclosed-inline-table",
         "missing-value", "array-then-table", "nul"],
)
def test_broken_toml(tmp_path, text, where):
    """Broken TOML (duplicate keys and tables, unclosed strings and tables): `not valid TOML`, with the line."""
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    for load in (sb.load_scenario, sb.load_policy):
        with pytest.raises(sb.ScenarioError) as info:
            load(path)
        check_rejection(info.value, str(path), None)
        assert "not valid TOML" in str(info.value) and where in str(info.value)
    code, out, err = call(["validate", str(path)])
    assert code == 2 and out == "" and "not valid TOML" in err and "Traceback" not in err


def test_empty_files(tmp_path):
    """An empty (or blank) file is the default scenario, and a policy that changes nothing."""
    for i, content in enumerate(["", "\n\n", "# nothing\n"]):
        path = tmp_path / f"empty{i}.toml"
        path.write_text(content, encoding="utf-8")
        assert sb.load_scenario(path) == sb.Scenario()
        policy = sb.load_policy(path)
        assert policy.name == f"empty{i}" and policy.levers == {}
        assert call(["validate", str(path)])[:2] == (0, f"{path}: ok (scenario)\n")


def test_cli_directory_and_missing_file(tmp_path):
    """A folder or a missing file given to `validate` and `run`: exit 2, one message naming it."""
    for path, what in ((tmp_path, "is a directory, not a TOML file"), (tmp_path / "nowhere.toml", "file not found")):
        for argv in (["validate", str(path)], ["run", str(path)]):
            code, out, err = call(argv)
            assert code == 2 and out == "", err
            assert err == f"simbranch: {path}: 1 problem\n  (top level): {what}\n"
    with pytest.raises(sb.ScenarioError, match="not found"):
        sb.load_policy(tmp_path / "nowhere.toml")
    with pytest.raises(sb.ScenarioError, match="directory"):
        sb.load_policy(tmp_path)


def test_policy_file_given_as_a_scenario():
    """A policy file where a scenario belongs: the `[policy]` table is refused, with a hint."""
    path = SCENARIOS / "policies" / "crm_routing.toml"
    with pytest.raises(sb.ScenarioError) as info:
        sb.load_scenario(path)
    check_rejection(info.value, str(path), "policy")
    assert "policy file" in str(info.value) and "--policy" in str(info.value)
    code, out, err = call(["run", str(path), *TINY_ARGS])
    assert code == 2 and out == ""
    check_cli_message(err, info.value)


def test_scenario_file_given_as_a_policy():
    """A scenario file where a policy belongs: each non-lever section is named; compare exits 2."""
    path = SCENARIOS / "baseline.toml"
    with pytest.raises(sb.ScenarioError) as info:
        sb.load_policy(path)
    check_rejection(info.value, str(path), None)
    assert {p for p, _, _ in info.value.problems} == {"branch", "clients", "requests", "managers"}
    code, out, err = call(["compare", str(path), "--policy", str(path), "--reps", "1", "--executor", "serial",
                           *TINY_ARGS])
    assert code == 2 and out == ""
    check_cli_message(err, info.value)


def test_unknown_allocation_rule_in_an_override_and_set():
    """An unknown rule in an override and `--set`: the message lists every registered rule."""
    with pytest.raises(sb.ScenarioError) as info:
        sb.Scenario().with_overrides({"allocation.rule": "round-robin"})
    check_rejection(info.value, "override", "allocation.rule")
    allowed = str(info.value).split("allowed:", 1)[1]
    assert all(rule in allowed for rule in ALLOCATION_RULES)
    code, out, err = call(["run", str(SCENARIOS / "baseline.toml"), "--set", "allocation.rule=round-robin"])
    assert code == 2 and out == ""
    assert "allocation.rule = 'round-robin'" in err and all(rule in err for rule in ALLOCATION_RULES)


def test_unknown_preset_among_known_ones_runs_nothing(executed):
    """`compare --policy crm_routing --policy crm_routin`: exit 2 listing the presets, nothing run."""
    code, out, err = call(["compare", str(SCENARIOS / "baseline.toml"), "--policy", "crm_routing",
                           "--policy", "crm_routin", "--reps", "1", "--executor", "serial"])
    assert code == 2 and out == "" and not executed
    assert len(err.splitlines()) == 1 and "'crm_routin'" in err
    assert all(name in err for name in cli.preset_names())


@pytest.mark.parametrize(
    "argv",
    [["run", "f.toml", "--set", '=""'], ["run", "f.toml", "--seed", "x"], ["validate"], ["schema", "--out"],
     ["run", "f.toml", "--set"], ["validate", "f.toml", "--bogus"], ["validate", "f.toml", "--set", "a=1"],
     ["--bogus"], ["nope"]],
    ids=["set-without-path", "bad-seed", "validate-nothing", "schema-out-without-file", "set-without-value",
         "unknown-option", "option-of-another-command", "top-level-option", "unknown-command"],
)
def test_usage_errors_are_one_line(argv):
    """A usage error of a command or of `simbranch` itself: exit 2, one line (not the whole usage), no
    traceback, said by the command's own parser where there is a command."""
    code, out, err = call(argv)
    assert code == 2 and out == ""
    command = argv[0] if argv and not argv[0].startswith("-") and argv[0] != "nope" else ""
    assert len(err.splitlines()) == 1 and err.startswith(f"simbranch {command}: ".replace(" :", ":")), err
    assert "--help" in err, err


@pytest.mark.parametrize("key", [5, None, ("clients", "count")], ids=["int", "none", "tuple"])
def test_override_key_that_is_not_text(key):
    """An override whose key is not text is a ScenarioError, not an AttributeError."""
    with pytest.raises(sb.ScenarioError) as info:
        sb.Scenario().with_overrides({key: 1})
    check_rejection(info.value, "override", str(key))
    assert "dotted field path" in str(info.value)


def test_override_value_that_cannot_be_copied():
    """A value that cannot be copied (a generator) is refused as a wrong type, not a TypeError."""
    with pytest.raises(sb.ScenarioError) as info:
        sb.Scenario().with_overrides({"training.areas": (area for area in ["sales"])})
    check_rejection(info.value, "override", "training.areas")


def test_key_with_a_line_break_stays_on_one_line():
    """A key with control characters (a quoted TOML key) is shown escaped: one line per problem."""
    with pytest.raises(sb.ScenarioError) as info:
        sb.load_scenario_text('[branch]\n"na\\nme\\u001b" = 1\n', source="f.toml")
    check_rejection(info.value, "f.toml", "branch.na\nme\x1b")
    assert "branch.na\\nme\\x1b = 1: unknown key" in str(info.value)


def test_hours_per_day_below_an_hour_is_refused():
    """A working day shorter than an hour is refused (5e-324 h made arrival rates infinite: a hang)."""
    for hours in (5e-324, 1e-9, 0.5):
        with pytest.raises(sb.ScenarioError) as info:
            sb.Scenario().with_overrides({"branch.hours_per_day": hours})
        check_rejection(info.value, "override", "branch.hours_per_day")
    run_small(sb.Scenario().with_overrides({"branch.hours_per_day": 1.0}))


# --------------------------------------------------------------------------- structure: depth, size, special files


#: Nesting depths, edges first: tomllib gives up near 450 inline levels under the default recursion
#: limit (fewer deeper in the stack), so values on both sides of that reach validation or the parser.
DEPTHS = st.one_of(st.sampled_from([50, 300, 450, 500, 1000]), st.integers(min_value=50, max_value=1000))
#: Sizes of long keys and strings (up to the read limit, a file's own text included).
LENGTHS = st.one_of(st.sampled_from([1_000, 100_000, 900_000]), st.integers(min_value=1_000, max_value=900_000))
#: Sizes of arrays, and counts of keys, tables or shares.
COUNTS_OF = st.one_of(st.sampled_from([1_000, 20_000]), st.integers(min_value=1_000, max_value=20_000))
#: Seconds a structural input may take to be loaded or refused (a 1 MB file takes well under one).
STRUCTURE_LIMIT_S = 10.0

#: How a value is nested: inline tables, arrays, and arrays of inline tables.
WRAP = {"tables": lambda v: {"a": v}, "arrays": lambda v: [v], "mixed": lambda v: [{"a": v}]}
_TEXT_WRAP = {"tables": ("{a = ", "}"), "arrays": ("[", "]"), "mixed": ("[{a = ", "}]")}
_VALUE, _KEY = "__structure_value__", "__structure_key__"


def examples(items: list[Any]) -> Any:
    """`hypothesis.example` for each of `items`: inputs every run tries, before the drawn ones."""

    def decorate(test: Any) -> Any:
        for item in reversed(items):
            test = example(item)(test)
        return test

    return decorate


def nested_text(kind: str, depth: int) -> str:
    """A TOML value nested `depth` deep (`kind` of `WRAP`) around the number 1."""
    opening, closing = _TEXT_WRAP[kind]
    return opening * depth + "1" + closing * depth


def nested_value(kind: str, depth: int) -> Any:
    """The same value in Python, built without recursion."""
    value: Any = 1
    for _ in range(depth):
        value = WRAP[kind](value)
    return value


def _toml_key(key: str) -> str:
    return key if key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key) else json.dumps(key)


def _shares(n: int) -> list[float]:
    """`n` shares that sum to 1 as the validators add them (the last one takes the rounding)."""
    shares = [round(1.0 / n, 12)] * (n - 1)
    return [*shares, 1.0 - math.fsum(shares)]


@st.composite
def structure_mutant(draw, origin: Path, data: dict[str, Any]) -> Mutant:
    """Change the shape of a shipped file, not a value: depth (a value, a table header or a dotted key
    nested 50 to 1000 deep, in a section or at the top level), size (long keys and strings, huge
    arrays, many keys or tables, valid tiers and domains by the thousand) or a table declared twice.
    The changed field is `path` where the problem must name it, None for the file as a whole."""
    data = copy.deepcopy(data)
    paths = list(_paths(data))
    tables = [p for p in paths if isinstance(_at(data, p), dict) and all(isinstance(part, str) for part in p)]
    where: tuple[Any, ...] = draw(st.sampled_from([(), *tables]))
    table = _at(data, where)
    op = draw(st.sampled_from(["deep_value", "deep_key", "deep_header", "deep_dotted_key", "long_key", "long_string",
                               "huge_array", "many_keys", "many_tables", "many_shares", "duplicate_table"]))
    swaps: dict[str, str] = {}
    tail = ""
    path: tuple[Any, ...] | None
    if op in ("deep_value", "deep_key"):
        path = draw(st.sampled_from(paths)) if op == "deep_value" else (*where, "deep")
        _at(data, path[:-1])[path[-1]] = _VALUE
        swaps[f'"{_VALUE}"'] = nested_text(draw(st.sampled_from(sorted(WRAP))), draw(DEPTHS))
    elif op == "deep_header":
        tail = "\n[" + ".".join([*map(_toml_key, where), *["a"] * draw(DEPTHS)]) + "]\nx = 1\n"
        path = (*where, "a")
    elif op == "deep_dotted_key":
        table[_KEY] = 1
        swaps[f"{_KEY} ="] = ".".join(["a"] * draw(DEPTHS)) + " ="
        path = (*where, "a")
    elif op == "long_key":
        key = "k" * draw(LENGTHS)
        table[key] = 1
        path = (*where, key)
    elif op == "long_string":
        path = draw(st.sampled_from(paths))
        _at(data, path[:-1])[path[-1]] = draw(st.sampled_from(["x", "é", "\\", "\n"])) * draw(LENGTHS)
    elif op == "huge_array":
        path = draw(st.sampled_from(paths))
        parent, key = _at(data, path[:-1]), path[-1]
        item = parent[key] if not isinstance(parent[key], dict | list) else draw(st.sampled_from([1, 0.5, "x"]))
        parent[key] = [item] * draw(COUNTS_OF)
    elif op == "many_keys":
        table.update({f"k{i}": i for i in range(draw(COUNTS_OF))})
        path = (*where, "k0")
    elif op == "many_tables":
        table.update({f"t{i}": {"x": i} for i in range(draw(COUNTS_OF) // 4)})
        path = (*where, "t0")
    elif op == "many_shares":  # thousands of tiers or domains whose shares sum to 1: valid in a scenario
        n = draw(st.one_of(st.sampled_from([2, 2_000]), st.integers(min_value=2, max_value=2_000)))
        clients = data.setdefault("clients", {})
        if draw(st.booleans()):
            clients["domains"] = {f"d{i}": share for i, share in enumerate(_shares(n))}
            path = ("clients", "domains")
        else:
            template = next(iter(DEFAULT_DATA["clients"]["tiers"].values()))
            clients["tiers"] = {f"t{i}": {**template, "share": share} for i, share in enumerate(_shares(n))}
            path = ("clients", "tiers")
    else:  # duplicate_table: the text declares one of its tables again
        path = None
    text = tomli_w.dumps(data)
    for old, new in swaps.items():
        text = text.replace(old, new, 1)
    if op == "duplicate_table":
        headers = [line for line in text.splitlines() if line.startswith("[") and not line.startswith("[[")]
        tail = "\n" + (draw(st.sampled_from(headers)) if headers else "[branch]\n[branch]") + "\n"
    return Mutant(origin.name, op, dotted(path) if path is not None else None, (text + tail).encode("utf-8"))


POLICY_NAMES = {p.name for p in POLICY_FILES}
#: Scenario files two times in three (policies are half the shipped files but only lever sections).
STRUCTURE_MUTANTS = st.one_of(st.sampled_from(SCENARIO_FILES), st.sampled_from(SCENARIO_FILES),
                              st.sampled_from(POLICY_FILES)).flatmap(
    lambda origin: structure_mutant(origin, PARSED[origin]))


def check_structural_rejection(exc: BaseException, source: str, mutated: str | None) -> None:
    """As `check_rejection`; the changed field is named unless the file as a whole was refused (nested
    too deep for the parser, larger than the read limit, not valid TOML)."""
    check_rejection(exc, source, None)
    paths = [path for path, _, _ in exc.problems]
    if mutated is not None and "" not in paths:
        assert any(related(p, mutated, str(exc)) for p in paths), f"no problem names {mutated[:200]!r}:\n{exc}"[:5000]


def check_cli_one_message(err: str, source: str) -> None:
    """One message on stderr naming `source`, a line per problem (at most the shown ones), no traceback.
    (The message itself may differ from a call in another place: how deep tomllib gets depends on
    the stack below it.)"""
    assert "Traceback" not in err, err[:5000]
    lines = err.splitlines()
    assert lines and lines[0].startswith(f"simbranch: {source}: ") and lines[0].endswith(("problem", "problems")), \
        err[:5000]
    assert 2 <= len(lines) <= 2 + MAX_SHOWN_PROBLEMS and all(line.startswith("  ") for line in lines[1:]), err[:5000]


def _load_structure(m: Mutant, path: Path) -> sb.Scenario:
    """The mutant as a scenario to run: a scenario file, or the baseline under a policy file."""
    with time_limit(STRUCTURE_LIMIT_S):
        if m.origin in POLICY_NAMES:
            return BASELINE.with_policy(sb.load_policy(path))
        return sb.load_scenario(path)


@fuzz_settings(30)
@given(STRUCTURE_MUTANTS)
def test_structural_file_loads_or_is_refused_fast(workdir, m: Mutant):
    """A file nested deep, long, huge or wide, or with a table twice: valid and runs, or ScenarioError
    naming the file (and the field, unless the whole file is refused), in a few seconds at most."""
    describe(m)
    path = workdir / "structure.toml"
    path.write_bytes(m.payload)
    try:
        sc = _load_structure(m, path)
    except Exception as exc:
        record("structure_file", "escaped" if type(exc) is not sb.ScenarioError else "rejected")
        check_structural_rejection(exc, str(path), m.path)
        return
    try:
        run_small(sc)
    except Exception:
        record("structure_file", "escaped")
        raise
    record("structure_file", "ran")


@fuzz_settings(12, cli_property=True)
@given(STRUCTURE_MUTANTS)
def test_cli_validate_structural_file(workdir, m: Mutant):
    """`simbranch validate FILE` of the same files: exit 0, or exit 2 and one message, no traceback."""
    describe(m)
    policy = m.origin in POLICY_NAMES
    path = workdir / ("policies" if policy else "scenarios") / "structure.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(m.payload)
    code, out, err = call(["validate", str(path)])
    expected = library_outcome(lambda: (sb.load_policy if policy else sb.load_scenario)(path))
    if expected is None:
        record("cli_structure", "ran")
        assert code == 0 and out.startswith(f"{path}: ok") and err == "", err[:5000]
    else:
        record("cli_structure", "rejected")
        assert code == 2 and out == "", err[:5000]
        check_cli_one_message(err, str(path))


@dataclass(frozen=True)
class Shape:
    """A structural `--set` or override: `kind` at dotted `path`, of `size` (a depth, a length or a
    count). The value is built in the test, so that hypothesis never prints it (a repr 1,000 deep
    would exhaust its own stack)."""

    kind: str
    path: str
    size: int

    def value(self) -> Any:
        if self.kind in WRAP:
            return nested_value(self.kind, self.size)
        if self.kind == "long_string":
            return "x" * self.size
        if self.kind == "many_keys":
            return {f"k{i}": i for i in range(self.size)}
        if self.kind == "many_domains":
            return {f"d{i}": share for i, share in enumerate(_shares(self.size))}
        if self.kind.startswith("array_of_"):
            item = self.kind.removeprefix("array_of_")
            return [{"one": 1, "half": 0.5, "true": True}.get(item, item)] * self.size
        return 1  # long_path: the path is the long part

    def text(self) -> str:
        """The value as a user types it after `--set path=`."""
        if self.kind in WRAP:
            return nested_text(self.kind, self.size)
        value = self.value()
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k} = {v!r}" for k, v in value.items()) + "}"
        return toml_value(value)

    def where(self) -> str:
        return self.path + ".a" * self.size if self.kind == "long_path" else self.path


@st.composite
def structural_override(draw) -> Shape:
    """A value nested 50 to 1000 deep, a long string, a huge array, an inline table of many keys, a
    path of many parts, or thousands of valid domains or training areas."""
    kind = draw(st.sampled_from([*sorted(WRAP), "long_string", "array_of_one", "array_of_half", "array_of_x",
                                 "array_of_true", "many_keys", "long_path", "many_domains", "array_of_sales"]))
    path = ".".join(draw(st.sampled_from(FIELD_PATHS)))
    if kind == "array_of_sales":
        path = "training.areas"  # valid: a long list of one area
    elif kind == "many_domains":
        path = "clients.domains"  # valid: shares that sum to 1
    size = draw({"long_string": LENGTHS, "many_domains": st.integers(min_value=2, max_value=2_000)}.get(
        kind, DEPTHS if kind in WRAP or kind == "long_path" else COUNTS_OF))
    return Shape(kind, path, size)


#: The deepest shapes, always tried: a value 1,000 deep in a number, a table, a list of names.
DEEPEST = [Shape(kind, path, 1_000) for kind in sorted(WRAP)
           for path in ("clients.count", "clients.tiers.mass", "training.areas")]


@fuzz_settings(40)
@given(structural_override())
@examples(DEEPEST)
def test_structural_override_validates_or_names_the_path(shape: Shape):
    """`with_overrides({path: value})` of a deep, long, huge or wide value: runs, or ScenarioError naming the path."""
    path = shape.where()
    try:
        with time_limit(STRUCTURE_LIMIT_S):
            sc = sb.Scenario().with_overrides({path: shape.value()})
    except Exception as exc:
        record("structure_override", "escaped" if type(exc) is not sb.ScenarioError else "rejected")
        check_structural_rejection(exc, "override", path)
        return
    try:
        run_small(sc)
    except Exception:
        record("structure_override", "escaped")
        raise
    record("structure_override", "ran")


@fuzz_settings(15, cli_property=True)
@given(structural_override())
@examples(DEEPEST[::3])
def test_cli_run_with_a_structural_set_value(shape: Shape):
    """`simbranch run baseline --set PATH=VALUE` of the same values: exit 0, or exit 2 and one message
    (argparse's one line when the value cannot be read, nested too deep for TOML or too long)."""
    arg = f"{shape.where()}={shape.text()}"
    code, out, err = call(["run", str(SCENARIOS / "baseline.toml"), *TINY_ARGS, "--set", arg])
    try:
        parsed = parse_override(arg)
    except argparse.ArgumentTypeError:
        record("cli_structure_set", "rejected")
        assert code == 2 and out == "" and "Traceback" not in err and len(err.splitlines()) == 1, err[:5000]
        assert err.startswith("simbranch run: argument --set: "), err[:5000]
        return
    expected = library_outcome(lambda: BASELINE.with_overrides({**TINY, parsed[0]: parsed[1]},
                                                               source="override (--set)"))
    if expected is None:
        record("cli_structure_set", "ran")
        assert code == 0 and SATISFACTION in out, err[:5000]
    else:
        record("cli_structure_set", "rejected")
        assert code == 2 and out == "", err[:5000]
        check_cli_one_message(err, "override (--set)")


def test_a_value_too_deep_to_show_is_still_named():
    """A list nested 5,000 deep (an override, or a Policy object's levers) is refused naming its field;
    its repr, which would exhaust the stack, is not shown (it escaped as a RecursionError)."""
    deep = nested_value("arrays", 5_000)
    with pytest.raises(sb.ScenarioError) as info:
        sb.Scenario().with_overrides({"clients.count": deep})
    check_rejection(info.value, "override", "clients.count")
    assert "clients.count = (a list nested too deep to show): " in str(info.value)
    with pytest.raises(sb.ScenarioError) as info:
        sb.Scenario().with_policy(sb.Policy(name="deep", levers={"training": {"areas": deep}}))
    check_rejection(info.value, "policy 'deep'", "training.areas")


def test_many_problems_are_listed_up_to_a_bound(tmp_path):
    """5,000 unknown tables: the first MAX_SHOWN_PROBLEMS are listed, then how many more (not 5,000
    lines: 100,000 tables made a 17 MB message); `problems` keeps them all."""
    path = tmp_path / "wide.toml"
    path.write_text("".join(f"[t{i}]\n" for i in range(5_000)), encoding="utf-8")
    with pytest.raises(sb.ScenarioError) as info:
        sb.load_scenario(path)
    check_rejection(info.value, str(path), "t0")
    assert len(info.value.problems) == 5_000 and len(str(info.value)) < 100 * 300
    code, out, err = call(["validate", str(path)])
    assert code == 2 and out == "" and err == f"simbranch: {info.value}\n"


def _special_file(kind: str, tmp_path: Path) -> Path:
    """A path that is no regular file of a readable size (skips where the system cannot make one)."""
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no named pipes here")
        os.mkfifo(tmp_path / "pipe.toml")
        return tmp_path / "pipe.toml"
    if kind in ("dev-zero", "link-to-dev-zero"):
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero here")
        if kind == "dev-zero":
            return Path("/dev/zero")
        (tmp_path / "zero.toml").symlink_to("/dev/zero")
        return tmp_path / "zero.toml"
    if kind == "symlink-loop":
        (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
        (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
        return tmp_path / "a.toml"
    if kind == "directory":
        (tmp_path / "folder.toml").mkdir()
        return tmp_path / "folder.toml"
    path = tmp_path / "big.toml"
    with path.open("wb") as handle:
        if kind == "over-the-limit":
            handle.write(b"#" * (MAX_FILE_BYTES + 1))
        else:  # sparse: 10 GB that take no disk, refused by their size before a byte is read
            handle.truncate(10 * 10**9)
    return path


SPECIAL_FILES = {
    "fifo": "is not a regular file (a device, pipe or socket); a scenario is a TOML file",
    "dev-zero": "is not a regular file (a device, pipe or socket); a scenario is a TOML file",
    "link-to-dev-zero": "is not a regular file (a device, pipe or socket); a scenario is a TOML file",
    "symlink-loop": "cannot be read: ",
    "directory": "is a directory, not a TOML file",
    "over-the-limit": f"is larger than {MAX_FILE_BYTES:,} bytes; a scenario file is a few KB",
    "sparse-10GB": f"is larger than {MAX_FILE_BYTES:,} bytes; a scenario file is a few KB",
}


@pytest.mark.parametrize("kind", sorted(SPECIAL_FILES))
def test_special_files_are_refused_before_reading(tmp_path, kind):
    """A named pipe, /dev/zero (or a link to it), a symlink loop, a folder, a file one byte over the read
    limit or a sparse 10 GB one: every loader raises one ScenarioError naming the file, at once (a
    pipe would block, /dev/zero never ends); validate and run exit 2 with it, compare --policy with
    one line naming the file."""
    path = _special_file(kind, tmp_path)
    for load in (sb.load_scenario, sb.load_policy, sb.load_observed):
        with time_limit(5.0), pytest.raises(sb.ScenarioError) as info:
            load(path)
        check_rejection(info.value, str(path), None)
        assert [(p, m[:len(SPECIAL_FILES[kind])]) for p, _, m in info.value.problems] == [("", SPECIAL_FILES[kind])]
    expected = library_outcome(lambda: sb.load_scenario(path))
    for argv in (["validate", str(path)], ["run", str(path)]):
        code, out, err = call(argv)
        assert code == 2 and out == "", (argv, err)
        check_cli_message(err, expected)
    code, out, err = call([*COMPARE_POLICY, str(path)])
    assert code == 2 and out == "" and "Traceback" not in err and str(path) in err.splitlines()[0], err


COMPARE_POLICY = ["compare", str(SCENARIOS / "baseline.toml"), "--reps", "1", "--executor", "serial", "--policy"]


@pytest.mark.parametrize("kind", ["fifo", "directory", "dev-zero", "symlink-loop"])
def test_compare_policy_says_what_a_special_file_is(tmp_path, kind):
    """`compare --policy PATH` should say what is wrong with PATH, as validate does, not 'not found'."""
    path = _special_file(kind, tmp_path)
    code, _, err = call([*COMPARE_POLICY, str(path)])
    assert code == 2 and err == f"simbranch: {library_outcome(lambda: sb.load_policy(path))}\n", err


def test_a_file_at_the_read_limit_is_read(tmp_path):
    """Exactly MAX_FILE_BYTES (comments around the baseline) is read: the limit refuses only what is larger."""
    text = (SCENARIOS / "baseline.toml").read_text(encoding="utf-8") + "\n"
    path = tmp_path / "padded.toml"
    path.write_text(text + "#" * (MAX_FILE_BYTES - len(text.encode("utf-8")) - 1) + "\n", encoding="utf-8")
    assert path.stat().st_size == MAX_FILE_BYTES
    assert sb.load_scenario(path) == BASELINE



# --------------------------------------------------------------------------- the figures


def test_outcomes_are_counted():
    """Runs last: every fuzzed target saw inputs that ran and inputs that were rejected, none escaped.

    The figures are in SIMBRANCH_FUZZ_REPORT (printed with `pytest -s`)."""
    if not COUNTS:
        pytest.skip("no fuzz property ran in this session")
    print(json.dumps({name: dict(c) for name, c in COUNTS.items()}, indent=2))
    for name, c in COUNTS.items():
        assert c["escaped"] == 0, (name, c)
        if sum(c.values()) >= 20:
            assert c["ran"] and c["rejected"], (name, c)
