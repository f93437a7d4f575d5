"""The `simbranch` command: argument parsing, progress output and exit codes.

Every command calls the public Python API (`simbranch.load_scenario`, `Scenario.with_overrides`,
`simbranch.run`, ...); nothing here computes what a notebook could not. Tables go to stdout,
progress and diagnostics to stderr. Exit codes: 0 success, 2 bad input (a message, no
traceback), 1 internal error (a message and the traceback: that is a bug).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shlex
import sys
import tomllib
import traceback
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import simbranch as sb
from simbranch import meanings
from simbranch.experiment import StoreError
from simbranch.experiment.design import MAX_REPLICATIONS, MAX_SEED, value_at
from simbranch.scenario import (
    BASELINE,
    MAX_FILE_BYTES,
    PRESETS,
    _printable,
    preset_names,
    read_file_bytes,
    scenario_json_schema,
)
from simbranch.terminal import (
    LANGS,
    NAME_MODES,
    better_word,
    format_value,
    kpi_name,
    places,
    policy_name,
    relative,
    table,
    unit_note,
    unit_of,
    value,
    word,
)

if TYPE_CHECKING:
    import pandas as pd

    from simbranch.experiment.calibrate import Calibration
    from simbranch.experiment.robustness import Robustness

__all__ = ["BASELINE", "format_calibration", "format_kpis", "format_paired", "format_robustness", "format_sweep",
           "format_value", "main", "main_comparison", "parse_override", "parse_reps", "parse_study_param",
           "preset_names", "resolve_policy_args"]

# BASELINE (from simbranch.scenario): the scenario of the main job (`make run`), shipped in the package.

#: Where `simbranch main` writes its CSV files and keeps its result store unless told otherwise.
MAIN_OUT = Path("out") / "main"

#: Replications of every policy in the main job.
MAIN_REPLICATIONS = 10

#: `--executor` choices: "process" is a local process pool over every core.
EXECUTORS: dict[str, Any] = {"process": None, "serial": "serial"}

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """Input the user can fix (a path that cannot be written, ...): exit 2, no traceback."""


# --------------------------------------------------------------------------- formatting


def _terminal(lines: Sequence[str]) -> str:
    """Lines for a terminal: a character that is not printable (ESC, NUL, a right-to-left override,
    as a branch or policy name may hold) is shown escaped instead of acting on the terminal."""
    return "\n".join(_printable(line) for line in lines)


def format_kpis(result: sb.RunResult, lang: str = "en", names: str = "label") -> str:
    """The KPI table of one run, with a one-line header (branch, seed, horizon, wall time): each KPI's
    label (its code name with `names="code"`), value, unit and better direction, in `lang`."""
    sc = result.scenario
    header = word("run_header", lang, branch=sc.branch.name, seed=result.seed, days=sc.branch.horizon_days,
                  warmup=sc.branch.warmup_days, seconds=result.wall_time_s)
    cur = sc.branch.currency
    rows = [(kpi_name(str(kpi), lang, names), value(str(kpi), float(x), lang, currency=cur),
             unit_of(str(kpi), lang, cur), better_word(str(kpi), lang))
            for kpi, x in result.kpis.items()]
    heads = (word("kpi", lang), word("value", lang), word("unit", lang), word("better", lang))
    return _terminal([header, "", *table(heads, rows, "<><<")])


# --------------------------------------------------------------------------- arguments


def parse_override(text: str) -> tuple[str, Any]:
    """`path=value` -> (path, value); the value is read as a TOML value, else kept as text."""
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not path=value (for example clients.count=100)"
        )
    if len(raw) > MAX_FILE_BYTES:
        raise argparse.ArgumentTypeError(f"the value of {path} is longer than {MAX_FILE_BYTES:,} characters")
    try:
        value: Any = tomllib.loads("v = " + raw)["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    except RecursionError:
        raise argparse.ArgumentTypeError(f"the value of {path} is nested too deep to be a scenario value") from None
    return path, value


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= seed <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{seed} is out of range; a seed is a whole number from 0 to {MAX_SEED}")
    return seed


def parse_reps(text: str) -> int | str:
    """`--reps`: a whole number of at least 1, or `auto`."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        reps = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither a whole number nor 'auto'") from None
    return _replications(str(reps))


def _replications(text: str) -> int:
    """`--reps N`: a whole number from 1 to MAX_REPLICATIONS (checked before anything is built)."""
    try:
        reps = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= reps <= MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"{reps} replications; allowed: 1 to {MAX_REPLICATIONS:,}")
    return reps


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a share between 0 and 1 (for example 0.02)")
    return value


def _one_line_errors(parser: argparse.ArgumentParser) -> None:
    """Usage errors of `parser` as one line on stderr, exit 2 (the usage is in --help)."""

    def error(message: str) -> NoReturn:
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: {message} (see {parser.prog} --help)\n")

    parser.error = error  # type: ignore[method-assign]


def _command_parser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """The parser of one subcommand of `parser`."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[command]
    return parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simbranch",
        description="Simulate a bank branch's account managers and compare management policies.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {sb.__version__}")
    _one_line_errors(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run one scenario once and print its KPIs")
    p.add_argument("scenario", metavar="SCENARIO", type=Path, help="scenario TOML file")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    _add_set(p)
    p.add_argument("--out", type=Path, metavar="DIR", help="write kpis/daily/managers/clients CSVs")
    _add_language(p, report=False)
    p.set_defaults(handler=_cmd_run)
    _one_line_errors(p)

    p = sub.add_parser("compare", help="compare policies with the scenario's own levers (the baseline)")
    p.add_argument("scenario", metavar="SCENARIO", type=Path, help="scenario TOML file: the baseline")
    p.add_argument("--policy", dest="policies", metavar="P", action="append", required=True,
                   help="a preset name (a file name in simbranch/scenarios/policies), a policy file, or 'all' (every "
                        "preset); repeatable")
    p.add_argument("--reps", type=parse_reps, default=MAIN_REPLICATIONS, metavar="N|auto",
                   help=f"replications of each policy, or 'auto' (until --target is met; default "
                        f"{MAIN_REPLICATIONS})")
    p.add_argument("--target", type=_share, default=0.02, metavar="SHARE",
                   help="--reps auto: 95 %% CI half-width of satisfaction and sales within this share of their "
                        "mean (default 0.02)")
    p.add_argument("--max-reps", type=_positive_int, default=200, metavar="N",
                   help="--reps auto: at most N replications (default 200)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    _add_set(p)
    p.add_argument("--store", type=Path, metavar="FILE", help="result store (SQLite): runs in it are not run again")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="write table.csv, summary.csv, paired.csv and the HTML report report.html here")
    p.add_argument("--executor", choices=list(EXECUTORS), default="process",
                   help="a local process pool over every core (default), or this process")
    _add_language(p)
    p.set_defaults(handler=_cmd_compare)
    _one_line_errors(p)

    p = sub.add_parser("main", help="the main job (make run): every named policy against the baseline branch")
    p.add_argument("--reps", type=parse_reps, default=MAIN_REPLICATIONS, metavar="N|auto",
                   help=f"replications of each policy (default {MAIN_REPLICATIONS})")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    p.add_argument("--out", type=Path, metavar="DIR", default=MAIN_OUT,
                   help=f"folder for the CSV files, report.html and the result store results.sqlite (default "
                        f"{MAIN_OUT})")
    _add_language(p)
    p.set_defaults(handler=_cmd_main)
    _one_line_errors(p)

    p = sub.add_parser("report", help="write the HTML report of a comparison kept in a result store")
    p.add_argument("store", metavar="STORE", type=Path, help="result store of `simbranch compare --store` or "
                   f"`simbranch main` ({MAIN_OUT / 'results.sqlite'})")
    p.add_argument("--name", metavar="NAME", help="which comparison of the store (default the newest; --list "
                   "shows them)")
    p.add_argument("--list", action="store_true", help="list the comparisons in the store and stop")
    p.add_argument("--out", type=Path, metavar="FILE|DIR",
                   help="where to write the report (default report.html next to the store)")
    _add_language(p, names=False)
    p.set_defaults(handler=_cmd_report)
    _one_line_errors(p)

    p = sub.add_parser("validate", help="check scenario and policy files")
    p.add_argument("files", metavar="FILE", type=Path, nargs="+")
    p.set_defaults(handler=_cmd_validate)
    _one_line_errors(p)

    p = sub.add_parser("policies", help="list the preset policies (the names --policy takes)")
    _add_language(p, names=False, report=False)
    p.set_defaults(handler=_cmd_policies)
    _one_line_errors(p)

    p = sub.add_parser("levers", help="list the levers (or every field of one section): path, type, default, "
                                      "allowed range, unit, description")
    p.add_argument("section", metavar="SECTION", nargs="?", default=None,
                   help="one section of a scenario (e.g. training, managers); default: every lever section")
    _add_language(p, names=False, report=False)
    p.set_defaults(handler=_cmd_levers)
    _one_line_errors(p)

    p = sub.add_parser("kpis", help="list the KPIs a run reports: name, label, unit, which way is better")
    _add_language(p, names=False, report=False)
    p.set_defaults(handler=_cmd_kpis)
    _one_line_errors(p)

    p = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    p.add_argument("--out", type=Path, metavar="FILE", help="write it to FILE instead")
    p.set_defaults(handler=_cmd_schema)
    _one_line_errors(p)

    p = sub.add_parser("sweep", help="sweep parameters over a design and measure their influence")
    p.add_argument("scenario", metavar="SCENARIO", type=Path, help="scenario TOML file")
    p.add_argument("--param", dest="params", metavar="PATH=LOW:HIGH|PATH=A,B,...", type=parse_sweep_param,
                   action="append", default=[],
                   help="a range (managers.count=8:16) or a list of values (allocation.rule=crm,by_tier); "
                   "with --design, what the file's values may be (default: what its columns hold)")
    p.add_argument("--method", choices=["grid", "lhs", "sobol", "morris"],
                   help="the design to draw (default lhs; not with --design)")
    p.add_argument("--n", type=_positive_int, help="points (lhs), levels (grid), base points (sobol), "
                   "trajectories (morris); default 16, not with --design")
    p.add_argument("--design", type=Path, metavar="FILE.csv",
                   help="run your own points: a CSV file with one column per parameter path, one row per point")
    p.add_argument("--reps", type=_replications, default=1, help="replications per point")
    p.add_argument("--kpi", dest="kpis", action="append", default=[],
                   help="KPI to analyse (repeatable; default satisfaction_mean and revenue)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    p.add_argument("--store", type=Path, metavar="FILE", help="result store: finished runs are kept and skipped")
    p.add_argument("--executor", choices=list(EXECUTORS), default="process")
    _add_set(p)
    p.add_argument("--out", type=Path, metavar="DIR", help="write table.csv (and sensitivity CSVs) here")
    _add_language(p, report=False)
    p.set_defaults(handler=_cmd_sweep)
    _one_line_errors(p)

    p = sub.add_parser("calibrate", help="fit uncertain coefficients of a scenario to a branch's observed KPIs")
    p.add_argument("scenario", metavar="SCENARIO", type=Path, help="scenario TOML file: the branch as far as known")
    p.add_argument("observed", metavar="OBSERVED", type=Path,
                   help="observed-data TOML file (KPI = { value, sd }; see simbranch/scenarios/observed/example.toml)")
    p.add_argument("--out", type=Path, metavar="DIR", required=True,
                   help="write calibrated.toml, posterior.csv, fit.csv, identifiability.csv, design.csv and "
                        "report.html here")
    p.add_argument("--param", dest="params", metavar="PATH[=LOW:HIGH]", type=parse_study_param, action="append",
                   default=[], help="a parameter to fit with its prior range (clients.churn.sensitivity=0.5:2), or "
                   "a path alone for its declared plausible range; repeatable (default: the declared drivers of "
                   "the observed KPIs, at most 6)")
    p.add_argument("--waves", type=_positive_int, default=3, metavar="N", help="history-matching waves (default 3)")
    p.add_argument("--points", type=_positive_int, metavar="N",
                   help="settings simulated per wave (default 10 per parameter)")
    p.add_argument("--reps", type=_replications, default=2, metavar="N", help="runs per setting (default 2)")
    p.add_argument("--check-draws", type=_positive_int, default=20, metavar="N",
                   help="posterior draws simulated to check the fit (default 20)")
    p.add_argument("--best-reps", type=_positive_int, default=10, metavar="N",
                   help="runs of the best point (default 10)")
    p.add_argument("--observed-runs", type=_positive_int, default=1, metavar="N",
                   help="how many horizons each observed value averages (default 1: one year of one branch)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    _add_execution(p)
    _add_set(p)
    _add_language(p)
    p.set_defaults(handler=_cmd_calibrate)
    _one_line_errors(p)

    p = sub.add_parser("robustness", help="how a comparison of policies holds across the assumption ranges")
    p.add_argument("scenario", metavar="SCENARIO", type=Path, help="scenario TOML file: the baseline")
    p.add_argument("--policy", dest="policies", metavar="P", action="append", default=[],
                   help="a preset name, a policy file, or 'all'; repeatable (default: all, every preset)")
    p.add_argument("--n", type=_positive_int, default=64, metavar="N",
                   help="draws of the assumptions (default 64; a power of 2 for sobol)")
    p.add_argument("--method", choices=["lhs", "sobol"], default="lhs", help="how to draw them (default lhs)")
    p.add_argument("--param", dest="params", metavar="PATH[=LOW:HIGH]", type=parse_study_param, action="append",
                   default=[], help="an assumption to vary: a range (PATH=LOW:HIGH), values (PATH=A,B,...), or a "
                   "path alone for its declared plausible range; repeatable (default: every declared range)")
    p.add_argument("--reps", type=_replications, default=2, metavar="N", help="replications per draw (default 2)")
    p.add_argument("--kpi", dest="kpis", action="append", default=[], metavar="KPI",
                   help="KPI the conclusions are about; repeatable, the first ranks the policies (default profit)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    _add_execution(p)
    _add_set(p)
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="write design, table, effects, shares, stability, ranking and sensitivity CSVs and "
                        "report.html here")
    _add_language(p)
    p.set_defaults(handler=_cmd_robustness)
    _one_line_errors(p)
    _add_optimise(sub)
    return parser


def _optimise_default(name: str) -> Any:
    """A default of `sb.optimise`, so that the command's defaults are the API's."""
    import inspect

    return inspect.signature(sb.optimise).parameters[name].default


def _add_optimise(sub: Any) -> None:
    """The `optimise` subcommand: the best mix of measures under constraints (`sb.optimise`)."""
    from simbranch.experiment.optimise import DEFAULT_LEVERS, MAX_FINAL_POINTS, SAMPLERS

    p = sub.add_parser("optimise", help="search the levers for the best trade-off between KPIs under constraints "
                                        "(the Pareto front), noise-aware")
    p.add_argument("scenario", metavar="SCENARIO", type=Path, help="scenario TOML file: the baseline")
    p.add_argument("--lever", dest="levers", metavar="PATH[=RANGE]", type=parse_study_param, action="append",
                   default=[], help="a lever to search and what it may take: PATH=LOW:HIGH, a range of numbers "
                   "(training.interval_days=30:180; whole numbers on an integer field); PATH=A,B,..., the values "
                   "to choose from (allocation.rule=crm,pooled); or PATH alone, every value the schema allows "
                   "(training.enabled: true and false); or `article`, every lever of the article's measures with "
                   "its main settings (16); repeatable (default: one per measure of the article, "
                   f"its switch or main choice: {', '.join(DEFAULT_LEVERS)}; `simbranch levers` lists them all)")
    p.add_argument("--objective", dest="objectives", metavar="KPI[:max|min]", type=parse_objective,
                   action="append", default=[],
                   help="a KPI to optimise, in its better direction (`simbranch kpis`), or as :max or :min says "
                        "(needed for a KPI with no better direction); repeatable (default profit and "
                        "satisfaction_mean)")
    p.add_argument("--constraint", dest="constraints", metavar="KPI<=BOUND|KPI>=BOUND", type=parse_constraint,
                   action="append", default=[],
                   help="a bound on a KPI, on its difference from the baseline on the same seeds "
                        "(cost_total<=baseline+200000: at most 200,000 more than the baseline; "
                        "exhausted_share<=baseline: no more than the baseline; satisfaction_mean>=baseline-0.02) "
                        "or on its value (exhausted_share<=0.3); quote it in the shell; repeatable")
    p.add_argument("--budget-runs", type=_positive_int, default=_optimise_default("budget_runs"), metavar="N",
                   help="most runs of the search: the baseline's and every candidate's replications (default "
                        f"%(default)s); the final re-evaluation adds up to {MAX_FINAL_POINTS + 1} x --final-reps")
    p.add_argument("--reps", type=_replications, default=_optimise_default("replications"), metavar="N",
                   help="replications of every candidate during the search, on the baseline's seeds (default "
                        "%(default)s)")
    p.add_argument("--final-reps", type=_replications, default=_optimise_default("final_replications"),
                   metavar="N", help="replications of the final re-evaluation of the front, on fresh seeds, so "
                   "that no point is on it by luck (default %(default)s)")
    p.add_argument("--sampler", choices=SAMPLERS, default=_optimise_default("sampler"),
                   help="Optuna's NSGA-II (a genetic algorithm, default) or TPE (Bayesian)")
    p.add_argument("--population", type=_positive_int, default=_optimise_default("population"), metavar="N",
                   help="candidates per generation, one batch of runs (default %(default)s; at least 2)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed of the search and its runs (default 0)")
    p.add_argument("--preset", dest="presets", metavar="P", action="append", default=[],
                   help="a preset name, a policy file or 'all', shown in front.png and compared in report.html "
                        "for reference; repeatable (default none)")
    _add_execution(p)
    _add_set(p)
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="write front.csv, trials.csv, policy-1.toml ... (one per front point, as `load_policy` "
                        "and `compare --policy` read it), front.png and report.html (the front points and "
                        "presets against the baseline) here")
    _add_language(p)
    p.set_defaults(handler=_cmd_optimise)
    _one_line_errors(p)


def _add_execution(p: argparse.ArgumentParser) -> None:
    """Where the runs go (--executor, or its shorthands --serial and --workers N), the store and progress."""
    how = p.add_mutually_exclusive_group()
    how.add_argument("--executor", choices=list(EXECUTORS), default="process",
                     help="a local process pool over every core (default), or this process")
    how.add_argument("--serial", dest="executor", action="store_const", const="serial",
                     help="run in this process (--executor serial)")
    how.add_argument("--workers", type=_positive_int, metavar="N", help="a local process pool of N workers")
    p.add_argument("--store", type=Path, metavar="FILE",
                   help="result store (SQLite): finished runs are kept, and not run again (resume)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (there is none when stderr is "
                   "not a terminal)")


def _add_language(p: argparse.ArgumentParser, names: bool = True, report: bool = True) -> None:
    """--lang (the language of the tables and of the report) and, for a command that prints tables, --names."""
    what = "the tables and the HTML report" if names and report else "the HTML report" if report else "the tables"
    p.add_argument("--lang", choices=LANGS, default="en",
                   help=f"language of {what}: en (English, default) or zh (Chinese)")
    if names:
        p.add_argument("--names", choices=NAME_MODES, default="label",
                       help="how the tables name KPIs and preset policies: label (what they are called in --lang, "
                            "default) or code (satisfaction_mean, crm_routing: the names that --kpi, --policy and "
                            "the CSV files use, for scripts); a policy of your own keeps its name either way")


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="overrides", metavar="PATH=VALUE", type=parse_override, action="append",
                   default=[], help="change one field of the scenario, e.g. --set clients.count=100 (repeatable)")


def parse_study_param(text: str) -> tuple[str, Any]:
    """--param of calibrate and robustness: `path=low:high`, `path=a,b,c` (as for sweep), or `path` alone,
    (path, None): its declared plausible range."""
    if "=" not in text:
        path = text.strip()
        if not path or any(c.isspace() for c in path):
            raise argparse.ArgumentTypeError(f"{text!r} is not PATH, PATH=LOW:HIGH or PATH=A,B,...")
        return path, None
    path, spec = parse_sweep_param(text)
    return path.strip(), spec


def parse_sweep_param(text: str) -> tuple[str, Any]:
    """`path=low:high` (a range) or `path=a,b,c` (values, each read as TOML or text) for --param."""
    path, sep, spec = text.partition("=")
    if not sep or not path or not spec:
        raise argparse.ArgumentTypeError(f"{text!r} is not PATH=LOW:HIGH or PATH=A,B,...")
    if ":" in spec and "," not in spec:
        low, _, high = spec.partition(":")
        bounds = [parse_override(f"{path}={x}")[1] for x in (low, high)]
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in bounds):
            raise argparse.ArgumentTypeError(f"{text!r}: a range needs two numbers, LOW:HIGH")
        return path, tuple(bounds)
    return path, [parse_override(f"{path}={x}")[1] for x in spec.split(",")]


def parse_objective(text: str) -> tuple[str, str | None]:
    """--objective of optimise: `kpi` (its better direction) or `kpi:max` / `kpi:min`, as (kpi, way or None)."""
    kpi, sep, way = text.strip().partition(":")
    if not kpi or any(c.isspace() for c in kpi) or (sep and way not in ("max", "min")):
        raise argparse.ArgumentTypeError(f"{text!r} is not KPI, KPI:max or KPI:min (for example profit or "
                                         "requests_arrived:max)")
    return kpi, way or None


def parse_constraint(text: str) -> tuple[str, str]:
    """--constraint of optimise: `kpi<=baseline+200000`, `kpi<=baseline`, `kpi>=baseline-0.02` or `kpi<=0.3`,
    as (kpi, bound) in the grammar of `sb.optimise`'s constraints ("<= baseline + 200000")."""
    from simbranch.experiment.optimise_space import CONSTRAINT_TEXT, constraint_of

    allowed = ("write KPI<=BOUND or KPI>=BOUND, the bound baseline, baseline+N, baseline-N or a number (for "
               "example cost_total<=baseline+200000, exhausted_share<=baseline, satisfaction_mean>=0.7)")
    at = min((i for i in (text.find("<="), text.find(">=")) if i >= 0), default=-1)
    kpi, bound = text[:at].strip(), text[at:]
    if at < 0 or not kpi or any(c.isspace() for c in kpi):
        raise argparse.ArgumentTypeError(f"{text!r} is not a bound on a KPI; {allowed}")
    try:
        constraint_of(kpi, bound)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {bound[2:].strip() or 'nothing'!r} is not a bound; "
                                         f"{allowed}") from None
    op, baseline, sign, offset, number = CONSTRAINT_TEXT.match(bound).groups()  # type: ignore[union-attr]
    return kpi, (f"{op} baseline" + (f" {sign} {offset}" if offset else "") if baseline else f"{op} {number}")


# --------------------------------------------------------------------------- commands


def _say(message: str) -> None:
    print(f"simbranch: {message}", file=sys.stderr)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create output folder {str(path)!r}: {_reason(exc)}") from None


def _write_csvs(result: sb.RunResult, out: Path) -> list[Path]:
    frames = {
        "kpis": result.kpis.rename_axis("kpi").to_frame("value"),
        "daily": result.daily,
        "managers": result.managers,
        "clients": result.clients,
    }
    written = []
    for name, frame in frames.items():
        path = out / f"{name}.csv"
        try:
            frame.to_csv(path, index=name == "kpis")
        except OSError as exc:
            raise BadInput(f"cannot write {str(path)!r}: {_reason(exc)}") from None
        written.append(path)
    return written


def _wrote(paths: Sequence[Path], lang: str) -> None:
    """Say on stdout which files were written ("wrote out/table.csv")."""
    for path in paths:
        print(_terminal([word("wrote", lang, path=path)]))


def _run_and_report(sc: sb.Scenario, seed: int, out: Path | None, lang: str = "en", names: str = "label") -> None:
    if out is not None:
        _make_dir(out)  # fail on an unwritable folder before the run, not after it
    _say(f"running {sc.branch.name!r} with seed {seed}")
    result = sb.run(sc, seed=seed)
    print(format_kpis(result, lang, names))
    if out is not None:
        print()
        _wrote(_write_csvs(result, out), lang)


def _cmd_run(args: argparse.Namespace) -> int:
    sc = sb.load_scenario(args.scenario)
    if args.overrides:
        sc = sc.with_overrides(dict(args.overrides), source="override (--set)")
    _run_and_report(sc, args.seed, args.out, args.lang, args.names)
    return EXIT_OK


# --------------------------------------------------------------------------- compare and main


def resolve_policy_args(items: Sequence[str]) -> list[sb.Policy]:
    """`--policy` values (preset names, policy files, `all`) as Policy objects, each once, in order."""
    presets = preset_names()
    paths: list[Path] = []
    for item in items:
        if item == "all":
            paths += [PRESETS / f"{name}.toml" for name in presets]
        elif item == "baseline":
            continue  # the scenario's own levers always take part
        elif Path(item).is_file() or (os.path.lexists(item) and item not in presets):
            paths.append(Path(item))  # a path that is no regular file: load_policy says what it is
        elif item in presets:
            paths.append(PRESETS / f"{item}.toml")
        elif Path(item).suffix or "/" in item or os.sep in item:
            raise BadInput(f"policy file {item!r} not found")
        else:
            raise BadInput(f"unknown policy {item!r}; allowed: all, {', '.join(presets)}, or a policy file")
    chosen: dict[str, tuple[Path, sb.Policy]] = {}
    for path in paths:
        policy = sb.load_policy(path)
        if policy.name == "baseline":
            raise BadInput(f"{path}: a policy may not be named 'baseline' (the scenario's own levers)")
        if policy.name in chosen:
            if chosen[policy.name][0].resolve() == path.resolve():
                continue  # named twice (`all` and a preset): once is enough
            raise BadInput(f"two policies are named {policy.name!r} ({chosen[policy.name][0]} and {path})")
        chosen[policy.name] = (path, policy)
    if not chosen:
        raise BadInput("name at least one policy to compare with the baseline (--policy NAME)")
    return [policy for _, policy in chosen.values()]


def _compare(sc: sb.Scenario, policies: list[sb.Policy], reps: int | str, seed: int, executor: str,
             store: Path | None, target: float = 0.02, max_reps: int = 200) -> sb.Comparison:
    """`sb.compare` with progress on stderr; a store that cannot be used is bad input."""
    how = (f"{_plural(reps, 'replication')}" if isinstance(reps, int)
           else f"replications until the 95 % CI is within {target:.1%} of the mean")
    _say(f"comparing {_plural(len(policies), 'policy')} with the baseline of {sc.branch.name!r}: {how}, seed {seed}"
         + (f", store {store}" if store is not None else ""))
    try:
        return sb.compare(sc, policies=policies, replications=reps, seed=seed, executor=EXECUTORS[executor],
                          store=store, progress=sys.stderr.isatty(), target_rel_ci=target, max_replications=max_reps)
    except StoreError as exc:
        raise BadInput(str(exc)) from None


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"


def _counted(n: int, noun: str, lang: str) -> str:
    """"3 policies" in English; in Chinese the number with its measure word ("3 项政策")."""
    if lang != "zh":
        return _plural(n, noun)
    return f"{n} " + {"policy": "项政策", "replication": "次重复", "run": "次运行", "parameter": "个参数",
                      "observed KPI": "项观测指标", "wave": "轮", "assumption": "项假设", "draw": "次抽样"}[noun]


def _p_value(p: float) -> str:
    if not math.isfinite(p):
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _has_baseline(cmp: sb.Comparison) -> bool:
    return bool(len(cmp.table)) and bool((cmp.table["policy"] == "baseline").any())


def _level(level: float, lang: str) -> str:
    """A confidence level as the tables write it: "95 %" in English, "95%" in Chinese."""
    return f"{level:.0%}".replace("%", " %") if lang == "en" else f"{level:.0%}"


def _verdict(kpi: str, difference: float, significant: bool, lang: str) -> str:
    """The mark of a paired difference: "better" or "worse" when significant, in the KPI's better
    direction or against it; "*" when significant for a KPI with no better direction; else ""."""
    if not significant:
        return ""
    found = meanings.find(kpi)
    if found is None or found.better == "neither" or not math.isfinite(difference) or difference == 0:
        return "*"
    good = (difference > 0) == (found.better == "higher")
    return word("verdict_better" if good else "verdict_worse", lang)


def _paired_rows(paired: pd.DataFrame, policies: Sequence[str], lang: str, names: str,
                 currency: str | None = None) -> list[Sequence[str] | str]:
    """The rows of the paired table: per policy a title line, then one row per KPI (indented), money
    in `currency`."""
    rows: list[Sequence[str] | str] = []
    for policy in policies:
        if rows:
            rows.append("")
        rows.append(policy_name(policy, lang, names))
        for r in paired[paired["policy"] == policy].itertuples():
            digits = places(r.kpi, (r.ci_high - r.ci_low) / 2)
            known = math.isfinite(r.ci_low) and math.isfinite(r.ci_high)
            low, high, change = (value(r.kpi, x, lang, difference=True, decimals=digits, currency=currency)
                                 for x in (r.ci_low, r.ci_high, r.difference))
            rows.append(["  " + kpi_name(r.kpi, lang, names, unit=names != "code", currency=currency),
                         value(r.kpi, r.baseline_mean, lang, currency=currency), change,
                         relative(r.kpi, r.difference, r.baseline_mean, lang),
                         f"[{low}, {high}]" if known else word("n/a", lang),
                         _p_value(r.p_adjusted), _verdict(r.kpi, r.difference, bool(r.significant), lang)])
    return rows


def format_paired(cmp: sb.Comparison, level: float = 0.95, lang: str = "en", names: str = "label") -> str:
    """The paired differences of every policy from the baseline on the headline KPIs, for people, in
    `lang`: a header; per policy its name, then one line per KPI (label and unit, baseline mean,
    difference, relative change where one makes sense, CI, adjusted p, and "better" or "worse"
    when significant); and a legend. `names="code"` names KPIs and policies by their code names."""
    sc = cmp.scenario
    header = word("paired_header", lang, branch=sc.branch.name, seed=cmp.seed,
                  policies=_counted(len(cmp.policies) - 1, "policy", lang),
                  replications=_counted(cmp.replications, "replication", lang), days=sc.branch.horizon_days,
                  warmup=sc.branch.warmup_days)
    if not _has_baseline(cmp):
        return _terminal([header, "", word("no_baseline", lang)])
    paired = cmp.paired(level=level)
    ci = word("ci", lang, level=_level(level, lang))
    rows = _paired_rows(paired, [p.name for p in cmp.policies[1:]], lang, names, sc.branch.currency)
    heads = (word("kpi", lang), word("baseline", lang), word("difference", lang), word("relative", lang), ci,
             word("p_adj", lang), "")
    alpha = f"{1 - level:.2g}"
    lines = [header, "", *table(heads, rows, "<>>>>><"), "",
             word("paired_difference", lang, ci=ci, n=len(paired), alpha=alpha)]
    if any(not isinstance(r, str) and r[3] for r in rows):
        lines.append(word("paired_relative", lang))
    lines.append(word("paired_p", lang, n=len(paired), alpha=alpha))
    return _terminal(lines)


def _format_failures(cmp: sb.Comparison, lang: str = "en") -> str:
    total = len(cmp.table) + len(cmp.failures)
    first = cmp.failures.iloc[0]
    error = str(first["error"]).strip().splitlines()
    return _terminal([word("failed_runs", lang, n=len(cmp.failures), total=total, policy=first["policy"],
                           replication=first["replication"], error=error[-1] if error else "no message")])


def _write_comparison(cmp: sb.Comparison, out: Path) -> list[Path]:
    """table.csv (every run), summary.csv (every KPI per policy), paired.csv (as printed), failures.csv."""
    frames = {"table": cmp.table, "summary": cmp.summary(list(sb.KPI_NAMES))}
    if _has_baseline(cmp):
        frames["paired"] = cmp.paired()
    if len(cmp.failures):
        frames["failures"] = cmp.failures
    return _write_frames({name: (frame, False) for name, frame in frames.items()}, out)


def _report_comparison(cmp: sb.Comparison, out: Path | None, command: str = "", store: Path | None = None,
                       lang: str = "en", names: str = "label") -> int:
    """Print the paired table (and failed runs), write the CSVs and the HTML report; exit 1 when a
    run failed (a bug)."""
    print(format_paired(cmp, lang=lang, names=names))
    if len(cmp.failures):
        print()
        print(_format_failures(cmp, lang))
    if out is not None:
        print()
        _wrote(_write_comparison(cmp, out), lang)
        _wrote([_write_report(cmp, out / "report.html", command, store, lang)], lang)
    return EXIT_INTERNAL if len(cmp.failures) else EXIT_OK


def _write_report(cmp: sb.Comparison, path: Path, command: str, store: Path | None, lang: str = "en") -> Path:
    from simbranch.report import write_report

    _say("drawing the report")
    try:
        return write_report(cmp, path, command=command or None, store=store, lang=lang)
    except OSError as exc:
        raise BadInput(f"cannot write {str(path)!r}: {_reason(exc)}") from None


def _cmd_compare(args: argparse.Namespace) -> int:
    sc = sb.load_scenario(args.scenario)
    if args.overrides:
        sc = sc.with_overrides(dict(args.overrides), source="override (--set)")
    policies = resolve_policy_args(args.policies)
    if args.out is not None:
        _make_dir(args.out)  # fail on an unwritable folder before the runs, not after them
    cmp = _compare(sc, policies, args.reps, args.seed, args.executor, args.store, args.target, args.max_reps)
    return _report_comparison(cmp, args.out, args.argv, args.store, args.lang, args.names)


def _main_scenario() -> sb.Scenario:
    if BASELINE.is_file():
        return sb.load_scenario(BASELINE)
    _say(f"{BASELINE} not found; running the built-in defaults (simbranch.Scenario())")
    return sb.Scenario()


def main_comparison(out: Path = MAIN_OUT, seed: int = 0, replications: int | str = MAIN_REPLICATIONS,
                    executor: str = "process") -> sb.Comparison:
    """The main job's experiment: every named policy against simbranch/scenarios/baseline.toml on the same
    seeds, kept in the result store `out/results.sqlite`, so that running it again only reads."""
    return _compare(_main_scenario(), resolve_policy_args(["all"]), replications, seed, executor,
                    out / "results.sqlite")


def _main_report(cmp: sb.Comparison, out: Path, command: str = "simbranch main", lang: str = "en",
                 names: str = "label") -> int:
    """What `main` shows and writes from its comparison: the paired table on stdout, the CSVs and
    the HTML report in `out`."""
    code = _report_comparison(cmp, out, command, out / "results.sqlite", lang, names)
    print(_terminal([word("main_store", lang, path=out / "results.sqlite"),
                     word("main_report", lang, path=(out / "report.html").resolve())]))
    return code


def _cmd_main(args: argparse.Namespace) -> int:
    _make_dir(args.out)
    cmp = main_comparison(args.out, args.seed, args.reps)
    return _main_report(cmp, args.out, args.argv, args.lang, args.names)


def _cmd_report(args: argparse.Namespace) -> int:
    from simbranch.experiment import saved_comparisons

    try:
        if args.list:
            listing = saved_comparisons(args.store)
            print(listing.to_string(index=False) if len(listing) else f"{args.store}: holds no comparison")
            return EXIT_OK
        cmp = sb.load_comparison(args.store, args.name)
    except StoreError as exc:
        raise BadInput(str(exc)) from None
    out = args.out if args.out is not None else args.store.parent / "report.html"
    if out.suffix.lower() not in (".html", ".htm"):
        _make_dir(out)
        out = out / "report.html"
    else:
        _make_dir(out.parent)
    _wrote([_write_report(cmp, out, args.argv, args.store, args.lang)], args.lang)
    return EXIT_OK


#: What a TOML file holds, by the folder it is in or else by a top-level table it has.
_KINDS = {"policies": "policy", "observed": "observed"}


def _file_kind(path: Path) -> str:
    """"policy" (in a `policies` folder, or with a `[policy]` table), "observed" (in an `observed`
    folder, or with an `[observed]` table) or "scenario"."""
    kind = _KINDS.get(path.absolute().parent.name)
    if kind:
        return kind
    try:
        tables = tomllib.loads(read_file_bytes(path).decode("utf-8-sig"))
    except (sb.ScenarioError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return "scenario"  # load_scenario reports what is wrong with it
    return next((k for k in ("observed", "policy") if k in tables), "scenario")


def _cmd_validate(args: argparse.Namespace) -> int:
    code = EXIT_OK
    for path in args.files:
        try:
            kind = _file_kind(path)
            if kind == "observed":
                obs = sb.load_observed(path)
                whose = f" of {obs.name}" if obs.name else ""
                print(_terminal([f"{path}: ok (observed data, {len(obs)} KPIs{whose})"]))
            elif kind == "policy":
                policy = sb.load_policy(path)
                print(_terminal([f"{path}: ok (policy {policy.name})"]))
            else:
                sb.load_scenario(path)
                print(f"{path}: ok (scenario)")
        except sb.ScenarioError as exc:
            _say(str(exc))
            code = EXIT_BAD_INPUT
    return code


def _cmd_policies(args: argparse.Namespace) -> int:
    from simbranch.discover import policies

    frame = policies(args.lang)
    rows = [[r.name, r.label, r.description] for r in frame.itertuples(index=False)]
    print(_terminal(table(["name", "label", "description"], rows, "<<<")))
    return EXIT_OK


def _cmd_levers(args: argparse.Namespace) -> int:
    from simbranch.discover import levers

    try:
        frame = levers(args.section, lang=args.lang)
    except ValueError as exc:
        raise BadInput(f"levers: {exc}") from None
    rows = [[r.path, r.label, r.type, _cell(r.default), r.allowed, r.unit, r.description]
            for r in frame.itertuples(index=False)]
    heads = ["path", word("label", args.lang), "type", "default", "allowed", "unit", "description"]
    print(_terminal(table(heads, rows, "<<<<<<<")))
    return EXIT_OK


def _cmd_kpis(args: argparse.Namespace) -> int:
    from simbranch.discover import kpis

    frame = kpis(args.lang)
    rows = [[r.name, r.label, r.unit, r.better] for r in frame.itertuples(index=False)]
    print(_terminal(table(["name", "label", "unit", "better"], rows, "<<<<")))
    return EXIT_OK


def _cell(value: object) -> str:
    """A default as a scenario file would write it (lists without quotes, booleans in lower case)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(_cell, value)) + "]"
    return str(value)


def _cmd_schema(args: argparse.Namespace) -> int:
    text = json.dumps(scenario_json_schema(), indent=2)
    if args.out is None:
        print(text)
        return EXIT_OK
    try:
        args.out.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write {str(args.out)!r}: {_reason(exc)}") from None
    print(f"wrote {args.out}")
    return EXIT_OK


# --------------------------------------------------------------------------- entry point


def _cmd_sweep(args: argparse.Namespace) -> int:
    sc = sb.load_scenario(args.scenario)
    if args.overrides:
        sc = sc.with_overrides(dict(args.overrides), source="override (--set)")
    kpis = args.kpis or ["satisfaction_mean", "revenue"]
    unknown = [k for k in kpis if k not in sb.KPI_NAMES]
    if unknown:  # before the runs, not after hours of them
        raise BadInput(f"unknown KPI {unknown[0]!r}; allowed: {', '.join(sb.KPI_NAMES)}")
    design = _sweep_design(args)
    if args.out is not None:
        _make_dir(args.out)
    try:
        result = sb.sweep(sc, space=dict(args.params) or None, method=args.method,
                          n=args.n if args.n is not None else 16, replications=args.reps, seed=args.seed,
                          executor=EXECUTORS[args.executor], store=args.store, progress=sys.stderr.isatty(),
                          design=design)
    except StoreError as exc:
        raise BadInput(str(exc)) from None
    except ValueError as exc:
        if isinstance(exc, sb.ScenarioError):
            raise
        raise BadInput(f"sweep: {exc}") from None
    runs = result.table
    print(_terminal([_sweep_header(result.method, len(result.space), result.n_points, args.reps, len(runs),
                                   len(result.failures), args.lang, result.distinct_points)]))
    points = result.design.set_index("point") if "point" in result.design else result.design
    print(format_sweep(points, runs.groupby("point")[kpis].mean(), args.lang, args.names, sc.branch.currency))
    written = []
    if args.out is not None:
        written.append(args.out / "table.csv")
        runs.to_csv(written[-1], index=False)
    if result.method in ("sobol", "morris"):
        for kpi in kpis:
            indices = _sweep_indices(result, kpi)
            print()
            print(_terminal([word("sensitivity_of", args.lang, kpi=kpi_name(kpi, args.lang, args.names),
                                  method=result.method)]))
            print(indices.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
            if args.out is not None:
                written.append(args.out / f"sensitivity_{kpi}.csv")
                indices.to_csv(written[-1], index=False)
    _wrote(written, args.lang)
    return EXIT_OK


def _sweep_design(args: argparse.Namespace) -> pd.DataFrame | None:
    """`--design FILE.csv` read (None without it), or bad input: an unreadable file, or with --method / --n;
    without it, at least one --param."""
    from simbranch.experiment.sweep import read_design

    if args.design is None:
        if not args.params:
            raise BadInput("sweep: give the parameters to sweep with --param PATH=LOW:HIGH or PATH=A,B,... "
                           "(or your own points with --design FILE.csv)")
        return None
    given = [name for name, value in (("--method", args.method), ("--n", args.n)) if value is not None]
    if given:
        raise BadInput(f"sweep: --design runs the file's points, so {' and '.join(given)} (which draw a design) "
                       "cannot be given with it")
    try:
        return read_design(args.design)
    except ValueError as exc:
        raise BadInput(f"sweep: {exc}") from None


def _sweep_indices(result: sb.Sweep | Robustness, kpi: str | None = None) -> pd.DataFrame:
    """`result.sensitivity(kpi)` (of a sweep, or a robustness study's without a KPI), its warnings (a sample
    too small for the estimator) on stderr, one line each."""
    from simbranch.analysis.sensitivity import SmallSampleWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SmallSampleWarning)
        if kpi is not None:
            indices = result.sensitivity(kpi)
        elif isinstance(result, sb.Sweep):
            raise TypeError("a sweep's sensitivity indices are of one KPI: pass kpi")
        else:
            indices = result.sensitivity()
    for caught_warning in caught:
        if issubclass(caught_warning.category, SmallSampleWarning):
            _say(f"warning: {caught_warning.message}")
        else:
            warnings.warn_explicit(caught_warning.message, caught_warning.category, caught_warning.filename,
                                   caught_warning.lineno)
    return indices


def _sweep_header(method: str, params: int, points: int, reps: int, runs: int, failed: int, lang: str,
                  distinct: int | None = None) -> str:
    shared = distinct is not None and distinct < points
    if lang == "zh":
        return (f"{method} 扫描 {params} 个参数:{points} 个点 × 每点 {reps} 次重复 = {runs} 次运行"
                + (f"(其中不同的点 {distinct} 个,相同的点共用运行结果)" if shared else "")
                + (f",{failed} 次失败" if failed else ""))
    return (f"{method} sweep of {params} parameters: {points} points x {reps} replications = {runs} runs"
            + (f" ({distinct} distinct points: equal points share their runs)" if shared else "")
            + (f", {failed} failed" if failed else ""))


def _parameter_value(x: Any) -> str:
    """A parameter's value at a point of a design: a number to 4 significant digits (thousands
    separated), anything else as it is."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    if not math.isfinite(x) or float(x).is_integer() or abs(x) >= 1_000:
        return format_value(float(x))
    return f"{x:.4g}"


#: Rows of a sweep's table shown in full; a longer table shows its first and last half of these.
SWEEP_ROWS = 20


def format_sweep(design: pd.DataFrame, means: pd.DataFrame, lang: str = "en", names: str = "label",
                 currency: str | None = None) -> str:
    """A sweep for people: per point of the design (its index) the parameters' values and the mean
    of each KPI of `means` over the point's replications, the KPIs by their label and unit in `lang`
    (code name with `names="code"`), money in `currency`. Beyond `SWEEP_ROWS` points, the first and
    last ones and "..." between."""
    frame = design.join(means)
    kpis = list(means.columns)
    rows: list[Sequence[str] | str] = []
    for point, r in zip(frame.index, frame.itertuples(index=False), strict=True):
        cells = dict(zip(frame.columns, r, strict=True))
        rows.append([str(point), *(_parameter_value(cells[c]) for c in design.columns),
                     *(value(k, float(cells[k]), lang, currency=currency) for k in kpis)])
    if len(rows) > SWEEP_ROWS:
        rows = [*rows[:SWEEP_ROWS // 2], "...", *rows[-SWEEP_ROWS // 2:]]
    heads = (word("point", lang), *map(str, design.columns),
             *(kpi_name(k, lang, names, unit=names != "code", currency=currency) for k in kpis))
    return _terminal(table(heads, rows, ">" * len(heads)))


# --------------------------------------------------------------------------- calibrate and robustness


def _scenario_arg(args: argparse.Namespace) -> sb.Scenario:
    """The SCENARIO argument with its --set overrides."""
    sc = sb.load_scenario(args.scenario)
    if args.overrides:
        sc = sc.with_overrides(dict(args.overrides), source="override (--set)")
    return sc


@contextlib.contextmanager
def _executor(args: argparse.Namespace) -> Iterator[Any]:
    """The executor the options ask for: `--workers N` is a process pool of N that this command owns."""
    if args.workers is None:
        yield EXECUTORS[args.executor]
        return
    import concurrent.futures as cf
    import multiprocessing

    context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    pool = cf.ProcessPoolExecutor(max_workers=args.workers, mp_context=context)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _progress(args: argparse.Namespace) -> bool:
    return sys.stderr.isatty() and not args.no_progress


def _how(args: argparse.Namespace) -> str:
    where = f"{args.workers} worker processes" if args.workers else (
        "this process" if args.executor == "serial" else "a process pool over every core")
    return where + (f", store {args.store}" if args.store is not None else "")


def _study_space(sc: sb.Scenario, params: Sequence[tuple[str, Any]], ranges_only: bool) -> dict[str, Any]:
    """The --param arguments as a checked space {path: (low, high) or [values]}: a path alone takes its
    declared plausible range; every range is checked at both ends (and every value) on the scenario
    before anything runs, so a path that is no field or a value out of the field's bounds is bad input."""
    from simbranch.assumptions import assumed_ranges
    from simbranch.experiment.sweep import _check_values, _parse

    declared = assumed_ranges(sc)
    current = sc.to_dict()
    space: dict[str, Any] = {}
    for path, spec in params:
        shown = path if spec is None else f"{path}=" + (f"{spec[0]}:{spec[1]}" if isinstance(spec, tuple)
                                                        else ",".join(map(str, spec)))
        if path in space:
            raise BadInput(f"--param {path}: given twice")
        if spec is None:
            if path not in declared:
                raise BadInput(f"--param {path}: no declared plausible range for this path; give one as "
                               f"{path}=LOW:HIGH (simbranch.assumed_ranges() lists the declared ones)")
            spec = tuple(declared[path])
        elif isinstance(spec, list) and ranges_only:
            raise BadInput(f"--param {shown}: a calibration parameter is a range, PATH=LOW:HIGH "
                           "(for example clients.churn.sensitivity=0.5:2)")
        elif isinstance(spec, tuple) and not spec[0] < spec[1]:
            raise BadInput(f"--param {shown}: LOW must be below HIGH")
        try:
            param = _parse(path, spec, current)
        except ValueError as exc:
            raise BadInput(f"--param {shown}: {exc}") from None
        _check_values(sc, param, what="--param")
        space[path] = spec
    return space


def _check_kpis(sc: sb.Scenario, kpis: Sequence[str]) -> None:
    known = sb.kpi_names(sc)
    unknown = [k for k in kpis if k not in known]
    if unknown:
        raise BadInput(f"unknown KPI {unknown[0]!r} (--kpi); allowed: {', '.join(known)}")


def _write_frames(frames: Mapping[str, tuple[Any, bool]], out: Path) -> list[Path]:
    """Each frame as out/<name>.csv (with its index where the flag says so)."""
    written = []
    for name, (frame, index) in frames.items():
        path = out / f"{name}.csv"
        try:
            frame.to_csv(path, index=index)
        except OSError as exc:
            raise BadInput(f"cannot write {str(path)!r}: {_reason(exc)}") from None
        written.append(path)
    return written


def _spread(kpi: str, x: float, lang: str, currency: str | None = None) -> str:
    """A standard deviation of `kpi`: no sign, and a share's in percentage points."""
    return value(kpi, x, lang, difference=True, currency=currency).removeprefix("+")


def _fit_row(kpi: str, r: Any, lang: str, names: str, currency: str | None) -> tuple[str, ...]:
    """A row of the calibration's fit table: the KPI, observed ± sd, simulated mean [90 % interval], z, mark."""
    def shown(x: float) -> str:
        return value(kpi, x, lang, currency=currency)

    return (kpi_name(kpi, lang, names, unit=names != "code", currency=currency),
            f"{shown(r.observed)} ± {_spread(kpi, r.sd, lang, currency)}",
            f"{shown(r.simulated)} [{shown(r.low)}, {shown(r.high)}]",
            word("n/a", lang) if not math.isfinite(r.z) else f"{r.z + 0.0:+.2f}", "" if r.within_sd else "*")


def _calibration_header(cal: Calibration, lang: str) -> str:
    sc = cal.base
    runs = int(cal.provenance.get("runs", cal.waves["runs"].sum()))
    waves = int((cal.waves["wave"] != "check").sum())
    seconds = cal.provenance.get("wall_time_s", float("nan"))
    if lang == "zh":
        whose = f"(来自 {cal.observed.name})" if cal.observed.name else ""
        return (f"{sc.branch.name}:{_counted(len(cal.parameters), 'parameter', lang)}拟合 "
                f"{_counted(len(cal.observed), 'observed KPI', lang)}{whose};{_counted(runs, 'run', lang)},"
                f"{_counted(waves, 'wave', lang)}及一次检验,随机种子 {cal.seed},用时 {seconds:.1f} 秒")
    return (f"{sc.branch.name}: {_plural(len(cal.parameters), 'parameter')} fitted to "
            f"{_plural(len(cal.observed), 'observed KPI')}"
            + (f" of {cal.observed.name}" if cal.observed.name else "")
            + f"; {_plural(runs, 'run')} in {_plural(waves, 'wave')} and a check, seed {cal.seed}, {seconds:.1f} s")


def _status(status: str, lang: str) -> str:
    """An identifiability status of `simbranch.calibrate` ("pinned down only with a, b") in `lang`."""
    for key in ("not pinned down", "pinned down only with", "pinned down"):
        if status.startswith(key):
            return word(key, lang) + (" " + status[len(key):].strip() if status != key and lang == "en"
                                      else status[len(key):].strip())
    return status


def format_calibration(cal: Calibration, lang: str = "en", names: str = "label") -> str:
    """A calibration for people, in `lang`: a header, the fit table (each observed KPI by its label, or
    its code name with `names="code"`), the parameter table and the warnings."""
    rows = [_fit_row(str(kpi), r, lang, names, cal.base.branch.currency)
            for kpi, r in zip(cal.fit.index, cal.fit.itertuples(index=False), strict=True)]
    lines = [_calibration_header(cal, lang), ""]
    lines += table((word("kpi", lang), word("observed", lang), word("simulated", lang), "z", ""), rows, "<>>><")
    lines += [word("calibration_z", lang), ""]
    rows = [(r.parameter, format_value(cal.best[r.parameter]), f"[{format_value(r.q05)}, {format_value(r.q95)}]",
             f"[{format_value(r.low)}, {format_value(r.high)}]", _status(r.status, lang))
            for r in cal.identifiability.itertuples(index=False)]
    lines += table((word("parameter", lang), word("best", lang), word("interval90", lang), word("prior", lang),
                    word("status", lang)), rows, "<>>><")
    if cal.warnings:
        lines += ["", word("warnings", lang), *(f"- {w}" for w in cal.warnings)]
    return _terminal(lines)


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from simbranch.experiment.calibrate import calibrate, default_parameters
    from simbranch.report import write_calibration_report

    if args.scenario.is_file() and _file_kind(args.scenario) == "observed":
        raise BadInput(f"{args.scenario} holds observed data, not a scenario: the scenario comes first "
                       "(simbranch calibrate SCENARIO OBSERVED --out DIR)")
    sc = _scenario_arg(args)
    observed = sb.load_observed(args.observed, sc)
    if args.params:
        space = _study_space(sc, args.params, ranges_only=True)
    else:
        space = default_parameters(observed, sc)
        if not space:
            raise BadInput(f"{args.observed}: none of its KPIs ({', '.join(observed.values)}) has declared drivers; "
                           "name the parameters to fit with --param PATH=LOW:HIGH")
    d = len(space)
    points = args.points if args.points is not None else 10 * d
    if points < d + 2:
        raise BadInput(f"--points {points}: at least {d + 2} are needed for {_plural(d, 'parameter')}")
    _make_dir(args.out)  # fail on an unwritable folder before the runs, not after them
    _say(f"calibrating {', '.join(space)} of {sc.branch.name!r} to {', '.join(observed.values)}: "
         f"{_plural(args.waves, 'wave')} of {_plural(points, 'point')} x {_plural(args.reps, 'run')}, "
         f"seed {args.seed}, {_how(args)}")
    with warnings.catch_warnings(record=True) as caught, _executor(args) as executor:
        warnings.simplefilter("always")
        try:
            cal = calibrate(sc, observed, space, waves=args.waves, points=points, replications=args.reps,
                            check_draws=args.check_draws, best_replications=args.best_reps,
                            observed_runs=args.observed_runs, seed=args.seed, executor=executor, store=args.store,
                            progress=_progress(args))
        except StoreError as exc:
            raise BadInput(str(exc)) from None
    for message in dict.fromkeys(str(w.message) for w in caught):
        if message not in cal.warnings:
            _say(f"warning: {message}")
    print(format_calibration(cal, args.lang, args.names))
    print()
    try:
        written = [cal.write(args.out / "calibrated.toml")]
    except OSError as exc:
        raise BadInput(f"cannot write {str(args.out / 'calibrated.toml')!r}: {_reason(exc)}") from None
    written += _write_frames({"posterior": (cal.posterior, False), "fit": (cal.fit, True),
                              "identifiability": (cal.identifiability, False), "design": (cal.design, False)},
                             args.out)
    _say("drawing the report")
    try:
        written.append(write_calibration_report(cal, args.out, command=args.argv, lang=args.lang))
    except OSError as exc:
        raise BadInput(f"cannot write {str(args.out / 'report.html')!r}: {_reason(exc)}") from None
    _wrote(written, args.lang)
    return EXIT_OK


def _output_name(output: str, lang: str, names: str) -> str:
    """An output of `Robustness.sensitivity` ("effect of crm_routing", "ranking margin") in `lang`."""
    from simbranch.experiment.robustness import MARGIN

    if output.startswith("effect of "):
        return word("effect of", lang, policy=policy_name(output.removeprefix("effect of "), lang, names))
    return word("ranking margin", lang) if output == MARGIN else output


def _top_assumptions(indices: pd.DataFrame, top: int = 3, lang: str = "en", names: str = "label") -> list[str]:
    """Per output, its `top` assumptions by S1 ("effect of CRM routing: a 0.31, b 0.12, ...")."""
    lines = []
    for output, frame in indices.groupby("output", sort=False):
        frame = frame[(frame["rank"] <= top) & (frame["S1"] > 0)]
        shown = ", ".join(f"{r.parameter} {r.S1:.2f}" for r in frame.itertuples()) or word(
            "no assumption stands out", lang)
        lines.append(f"  {_output_name(str(output), lang, names)}: {shown}")
    return lines


def _robustness_header(rob: Robustness, lang: str) -> str:
    sc = rob.comparison.scenario
    policies = len(rob.policies) - 1
    runs = rob.n * (policies + 1) * rob.replications
    if lang == "zh":
        failed = f",{len(rob.failures)} 次失败" if len(rob.failures) else ""
        return (f"{sc.branch.name}:{_counted(policies, 'policy', lang)}与基准比较,{rob.n} 次 {rob.method} 抽样 × "
                f"{_counted(len(rob.ranges), 'assumption', lang)} × {_counted(rob.replications, 'replication', lang)}"
                f" = {_counted(runs, 'run', lang)},随机种子 {rob.seed}{failed}")
    return (f"{sc.branch.name}: {_plural(policies, 'policy')} against the baseline over {rob.n} {rob.method} "
            f"draws of {_plural(len(rob.ranges), 'assumption')} x {_plural(rob.replications, 'replication')} "
            f"= {_plural(runs, 'run')}, seed {rob.seed}"
            + (f", {len(rob.failures)} failed" if len(rob.failures) else ""))


def _robustness_rows(rob: Robustness, kpi: str, lang: str, names: str) -> list[Sequence[str]]:
    """Per policy: the share of draws beating the baseline on `kpi`, the median effect and its 5-95 % range,
    rounded to two significant digits of the range's half-width (money in the scenario's currency)."""
    rows: list[Sequence[str]] = []
    for r in rob.shares[rob.shares["kpi"] == kpi].itertuples(index=False):
        digits = places(kpi, (r.high - r.low) / 2)
        median, low, high = (value(kpi, x, lang, difference=True, decimals=digits,
                                   currency=rob.comparison.scenario.branch.currency)
                             for x in (r.median, r.low, r.high))
        rows.append((policy_name(r.policy, lang, names),
                     word("n/a", lang) if not math.isfinite(r.share_better) else f"{r.share_better:.0%}",
                     median, f"[{low}, {high}]"))
    return rows


def format_robustness(rob: Robustness, indices: pd.DataFrame, lang: str = "en", names: str = "label") -> str:
    """A robustness study for people, in `lang`: per KPI and policy the share of draws beating the
    baseline and the median effect with its 5-95 % range; the best policy and how often it stays
    best; the assumptions that matter most. `names="code"` names KPIs and policies by code name."""
    from simbranch.analysis.tradeoffs import direction

    lines = [_robustness_header(rob, lang)]
    heads = (word("policy", lang), word("beating", lang), word("median_effect", lang), word("range", lang))
    for kpi in rob.kpis:
        way = direction(kpi)
        shown = unit_note(kpi, lang, rob.comparison.scenario.branch.currency) if names != "code" else ""
        say = {"kpi": kpi_name(kpi, lang, names), "unit": shown and shown + (";" if lang == "zh" else "; ")}
        lines.append("")
        lines.append(word("is_neither", lang, **say) if way == "neither" else
                     word("is_better", lang, better=word(way, lang), **say))
        lines += table(heads, _robustness_rows(rob, kpi, lang, names), "<>>>")
    lines.append("")
    kpi = kpi_name(rob.kpi, lang, names)
    if rob.best_policy is not None:
        lines.append(word("best_policy", lang, kpi=kpi, policy=policy_name(rob.best_policy, lang, names),
                          share=f"{rob.best_share:.0%}"))
    else:
        lines.append(word("no_best", lang, kpi=kpi))
    ranked = indices[indices["rank"].notna()] if len(indices) else indices
    if len(ranked):
        lines.append(word("assumptions", lang))
        lines += _top_assumptions(ranked, lang=lang, names=names)
    else:
        lines.append(word("assumptions_none", lang, draws=_plural(rob.n, "draw") if lang == "en" else rob.n))
    lines.append(word("robustness_effect", lang))
    return _terminal(lines)


def _cmd_robustness(args: argparse.Namespace) -> int:
    from simbranch.report import write_robustness_report

    sc = _scenario_arg(args)
    policies = resolve_policy_args(args.policies or ["all"])
    kpis = list(dict.fromkeys(args.kpis or ["profit"]))
    _check_kpis(sc, kpis)
    if args.n < 2:
        raise BadInput(f"--n {args.n}: at least 2 draws are needed (64 or more to rank the assumptions)")
    if args.method == "sobol" and args.n & (args.n - 1):
        low = 1 << (args.n.bit_length() - 1)
        raise BadInput(f"--n {args.n}: --method sobol needs a power of 2 (use {low} or {2 * low}), or --method lhs")
    space = _study_space(sc, args.params, ranges_only=False) if args.params else None
    if args.out is not None:
        _make_dir(args.out)
    ranges = _plural(len(space), "given assumption range") if space else "every declared assumption range"
    _say(f"robustness of {_plural(len(policies), 'policy')} on {sc.branch.name!r}: {args.n} {args.method} draws of "
         f"{ranges} x {_plural(args.reps, 'replication')}, seed {args.seed}, {_how(args)}")
    with _executor(args) as executor:
        try:
            rob = sb.robustness(sc, policies, n=args.n, parameters=space, method=args.method,
                                replications=args.reps, seed=args.seed, executor=executor, store=args.store,
                                progress=_progress(args), kpi=kpis)
        except StoreError as exc:
            raise BadInput(str(exc)) from None
    indices = _sweep_indices(rob)
    print(format_robustness(rob, indices, args.lang, args.names))
    if len(rob.failures):
        print()
        first = rob.failures.iloc[0]
        error = str(first["error"]).strip().splitlines()
        print(_terminal([word("failed_draws", args.lang, n=len(rob.failures), draw=first["scenario"],
                              policy=first["policy"], replication=first["replication"],
                              error=error[-1] if error else "no message")]))
    if args.out is not None:
        frames = {"design": (rob.design, False), "table": (rob.comparison.table, False),
                  "effects": (rob.effects, False), "shares": (rob.shares, False),
                  "stability": (rob.stability, False), "ranking": (rob.ranking, False),
                  "sensitivity": (indices, False)}
        if len(rob.failures):
            frames["failures"] = (rob.failures, False)
        print()
        written = _write_frames(frames, args.out)
        _say("drawing the report")
        try:
            written.append(write_robustness_report(rob, args.out, command=args.argv, sensitivity=indices,
                                                   lang=args.lang))
        except OSError as exc:
            raise BadInput(f"cannot write {str(args.out / 'report.html')!r}: {_reason(exc)}") from None
        _wrote(written, args.lang)
    return EXIT_INTERNAL if len(rob.failures) else EXIT_OK


# --------------------------------------------------------------------------- optimise

def _with_interval(kpi: str, x: float, low: float, high: float, lang: str, currency: str | None) -> str:
    """A signed change of `kpi` and its interval, "+0.21M [+0.10M, +0.33M]", to two digits of the half-width."""
    digits = places(kpi, (high - low) / 2)
    change, lo, hi = (value(kpi, v, lang, difference=True, decimals=digits, currency=currency) for v in (x, low, high))
    return f"{change} [{lo}, {hi}]" if math.isfinite(low) and math.isfinite(high) else change


def format_front(opt: Any, lang: str = "en", names: str = "label") -> str:
    """An optimisation for people, in `lang`: a header, the baseline and each front point (its lever
    settings, each objective's value and difference from the baseline with its interval, each
    constraint's margin with its interval) and a legend. `names="code"` names KPIs by code name."""
    sc = opt.scenarios[0]
    currency = sc.branch.currency
    current = sc.to_dict()
    levers, objectives, constraints = list(opt.levers), list(opt.objectives), list(opt.constraints)
    heads: list[str] = [word("point", lang), *levers]
    for kpi in objectives:
        heads += [kpi_name(kpi, lang, names, unit=names != "code", currency=currency),
                  word("front_difference", lang)]
    heads += [word("front_margin", lang, kpi=kpi_name(kpi, lang, names)) for kpi in constraints]
    rows: list[Sequence[str] | str] = [[policy_name("baseline", lang, names),
                                        *(_parameter_value(value_at(current, path)) for path in levers),
                                        *(cell for kpi in objectives
                                          for cell in (value(kpi, float(opt.baseline[kpi]), lang, currency=currency),
                                                       "")),
                                        *("" for _ in constraints)]]
    for i, r in enumerate(opt.front.to_dict("records")):
        inert = set(str(r.get("inert_levers") or "").split(", "))
        cells = [str(i + 1), *("–" if path in inert else _parameter_value(r[path]) for path in levers)]
        for kpi in objectives:
            cells += [value(kpi, r[kpi], lang, currency=currency),
                      _with_interval(kpi, r[f"{kpi}_difference"], r[f"{kpi}_difference_ci_low"],
                                     r[f"{kpi}_difference_ci_high"], lang, currency)]
        cells += [_with_interval(kpi, r[f"margin_{kpi}"], r[f"margin_{kpi}_ci_low"], r[f"margin_{kpi}_ci_high"],
                                 lang, currency) for kpi in constraints]
        rows.append(cells)
    header = word("front_header", lang, branch=sc.branch.name, levers=len(levers), candidates=len(opt.trials),
                  reps=opt.replications, sampler=opt.sampler, seed=opt.seed, final=int(opt.trials["final"].sum()),
                  final_reps=opt.final_replications, points=len(opt.front))
    runs = word("front_runs", lang, search=opt.runs.get("search", 0), final_runs=opt.runs.get("final", 0),
                ran=opt.runs.get("ran", 0))
    lines = [header, runs, "", *table(heads, rows, "<" + "<" * len(levers) + ">" * (len(heads) - 1 - len(levers)))]
    if not len(opt.front):
        lines += ["", word("front_empty", lang)]
    lines += ["", word("front_legend", lang, final_reps=opt.final_replications)]
    if constraints:
        shown = "; ".join(f"{kpi} {text}" for kpi, text in opt.constraints.items())
        lines.append(word("front_legend_margin", lang, constraints=shown))
    if "inert_levers" in opt.front and (opt.front["inert_levers"] != "").any():
        lines.append(word("front_legend_inert", lang))
    points = {name: i + 1 for i, name in enumerate(opt.front["policy"])}
    for name, other in zip(opt.front["policy"], opt.front["dominated_within_noise_by"], strict=True):
        if other:
            lines.append(word("front_within_noise", lang, point=points[name], other=points[other]))
    if len(opt.front):
        lines.append(word("front_legend_files", lang))
    return _terminal(lines)


def _one_line(exc: Exception) -> str:
    """An error's message on one line (a ScenarioError lists its problems on lines of their own)."""
    return "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def _optimise_levers(sc: sb.Scenario, items: Sequence[tuple[str, Any]]) -> dict[str, Any] | None:
    """The --lever arguments as `sb.optimise`'s levers, each checked on the scenario (a path that is no lever,
    a range the field does not allow) before anything runs; None without any (the default levers). A set's name
    (`article`) adds each of its levers with its own range; a lever given on its own takes precedence."""
    from simbranch.experiment.optimise_space import LEVER_SETS, lever_params

    levers: dict[str, Any] = {}
    given: set[str] = set()
    for path, spec in items:
        if spec is None and path in LEVER_SETS:
            levers.update({k: v for k, v in LEVER_SETS[path].items() if k not in given})
            continue
        shown = path if spec is None else f"{path}=" + (f"{spec[0]}:{spec[1]}" if isinstance(spec, tuple)
                                                        else ",".join(map(str, spec)))
        if path in given:
            raise BadInput(f"--lever {path}: given twice")
        given.add(path)
        if isinstance(spec, tuple) and not spec[0] < spec[1]:
            raise BadInput(f"--lever {shown}: LOW must be below HIGH")
        try:
            lever_params(sc, {path: spec})
        except ValueError as exc:  # a ScenarioError too
            raise BadInput(f"--lever {shown}: {_one_line(exc)}") from None
        levers[path] = spec
    return levers or None


def _optimise_objectives(sc: sb.Scenario, items: Sequence[tuple[str, str | None]]) -> dict[str, str]:
    """The --objective arguments as {kpi: "max" or "min"} (without :max or :min, its better direction), checked."""
    known = sb.kpi_names(sc)
    objectives: dict[str, str] = {}
    for kpi, way in items or [("profit", None), ("satisfaction_mean", None)]:
        if kpi not in known:
            raise BadInput(f"--objective {kpi}: unknown KPI; allowed: {', '.join(known)}")
        if kpi in objectives:
            raise BadInput(f"--objective {kpi}: given twice")
        if way is None and (meanings.find(kpi) is None or meanings.better(kpi) not in ("higher", "lower")):
            raise BadInput(f"--objective {kpi}: this KPI has no better direction; write {kpi}:max or {kpi}:min")
        objectives[kpi] = way or ("max" if meanings.better(kpi) == "higher" else "min")
    return objectives


def _optimise_constraints(sc: sb.Scenario, items: Sequence[tuple[str, str]]) -> dict[str, str]:
    known = sb.kpi_names(sc)
    constraints: dict[str, str] = {}
    for kpi, bound in items:
        if kpi not in known:
            raise BadInput(f"--constraint {kpi} {bound}: unknown KPI {kpi!r}; allowed: {', '.join(known)}")
        if kpi in constraints:
            raise BadInput(f"--constraint {kpi} {bound}: {kpi} is bounded twice; give one bound per KPI")
        constraints[kpi] = bound
    return constraints


def _check_budget(args: argparse.Namespace) -> None:
    if args.population < 2:
        raise BadInput(f"--population {args.population}: at least 2 candidates per generation")
    least = args.reps * (1 + args.population)
    if args.budget_runs < least:
        raise BadInput(f"--budget-runs {args.budget_runs}: at least {least} are needed (the baseline's {args.reps} "
                       f"runs and one generation of {args.population} candidates x {args.reps} runs); give more, or "
                       "a smaller --population or --reps")


def _only(cmp: sb.Comparison, names: Sequence[str]) -> sb.Comparison:
    """The part of a comparison about the baseline and the policies `names` (the presets, for the figure)."""
    import dataclasses

    keep = ["baseline", *names]
    return dataclasses.replace(
        cmp, policies=[p for p in cmp.policies if p.name in keep],
        table=cmp.table[cmp.table["policy"].isin(keep)].reset_index(drop=True),
        failures=cmp.failures[cmp.failures["policy"].isin(keep)].reset_index(drop=True),
        series=cmp.series[cmp.series["policy"].isin(keep)] if "policy" in cmp.series else cmp.series)


def _write_optimisation(opt: Any, args: argparse.Namespace, executor: Any, presets: list[sb.Policy]) -> list[Path]:
    """front.csv, trials.csv, policy-N.toml per front point, front.png and report.html in --out."""
    out: Path = args.out
    written = _write_frames({"front": (opt.front, False), "trials": (opt.trials, False)}, out)
    try:
        written += [opt.write_policy(i, out / f"policy-{i + 1}.toml") for i in range(len(opt.front))]
    except OSError as exc:
        raise BadInput(f"cannot write a policy file in {str(out)!r}: {_reason(exc)}") from None
    cmp = None
    if len(opt.front) or presets:
        _say("comparing the front points" + (" and the presets" if presets else "") + " with the baseline")
        cmp = opt.compare(presets=presets, executor=executor, progress=_progress(args))
    if len(opt.objectives) >= 2:
        shown = _only(cmp, [p.name for p in presets]) if cmp is not None and presets else None
        figure = out / "front.png"
        try:
            opt.plot("front", presets=shown, lang=args.lang).savefig(figure, dpi=120, bbox_inches="tight")
        except OSError as exc:
            raise BadInput(f"cannot write {str(figure)!r}: {_reason(exc)}") from None
        written.append(figure)
    else:
        _say("one objective: no front.png (the figure shows the trade-off between two)")
    if cmp is not None:
        written.append(_write_report(cmp, out / "report.html", args.argv, args.store, args.lang))
    return written


def _cmd_optimise(args: argparse.Namespace) -> int:
    from simbranch.extras import MissingExtra

    sc = _scenario_arg(args)
    levers = _optimise_levers(sc, args.levers)
    objectives = _optimise_objectives(sc, args.objectives)
    constraints = _optimise_constraints(sc, args.constraints)
    _check_budget(args)
    presets = resolve_policy_args(args.presets) if args.presets else []
    if args.out is not None:
        _make_dir(args.out)  # fail on an unwritable folder before the runs, not after them
    bounds = "; ".join(f"{kpi} {bound}" for kpi, bound in constraints.items()) or "none"
    _say(f"optimising {len(levers) if levers else 'the default'} levers of {sc.branch.name!r} for "
         f"{', '.join(objectives)} (constraints: {bounds}): at most {args.budget_runs} runs of "
         f"{_plural(args.reps, 'replication')} per candidate, then {args.final_reps} for the front; {args.sampler}, "
         f"seed {args.seed}, {_how(args)}")
    with _executor(args) as executor:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            try:
                opt = sb.optimise(sc, levers, objectives, constraints or None, budget_runs=args.budget_runs,
                                  replications=args.reps, final_replications=args.final_reps, sampler=args.sampler,
                                  population=args.population, seed=args.seed, executor=executor, store=args.store,
                                  progress=_progress(args))
            except (StoreError, MissingExtra) as exc:
                raise BadInput(str(exc)) from None
        for caught_warning in caught:
            if issubclass(caught_warning.category, UserWarning):
                _say(f"warning: {caught_warning.message}")
            else:
                warnings.warn_explicit(caught_warning.message, caught_warning.category, caught_warning.filename,
                                       caught_warning.lineno)
        print(format_front(opt, args.lang, args.names))
        if args.store is not None:
            _say(f"the optimisation is noted in {str(args.store)!r}: the same command resumes or gives it back "
                 f"without running, and sb.load_optimisation({str(args.store)!r}) reads it")
        if args.out is not None:
            print()
            _wrote(_write_optimisation(opt, args, executor, presets), args.lang)
    failed = opt.trials[opt.trials["status"] == "failed"]
    if len(failed):
        error = str(failed["error"].iloc[0]).strip().splitlines()
        _say(f"{_plural(len(failed), 'candidate')} failed, a bug (first: {failed['policy'].iloc[0]}: "
             f"{error[-1] if error else 'no message'}); see trials.csv")
    return EXIT_INTERNAL if len(failed) else EXIT_OK


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (captured in tests)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `simbranch` command with `argv` (default: the process's arguments); the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = _parser()
        if not argv:  # a bare `simbranch`: what there is to do
            parser.print_help(sys.stderr)
            return EXIT_BAD_INPUT
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # said by the command's own parser, on one line, rather than the top level's usage
            _command_parser(parser, args.command).error(f"unrecognized arguments: {' '.join(unknown)}")
        args.argv = shlex.join(["simbranch", *argv])
    except SystemExit as exc:  # argparse: --help, --version, or a bad argument (2)
        if exc.code is None:
            return EXIT_OK
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    try:
        return args.handler(args)
    except (sb.ScenarioError, BadInput) as exc:
        _say(str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except BrokenPipeError:  # `simbranch schema | head`: the reader left, nothing is wrong
        _silence_stdout()
        return 141
    except Exception as exc:
        _say(f"internal error: {type(exc).__name__}: {exc}")
        traceback.print_exc(file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
