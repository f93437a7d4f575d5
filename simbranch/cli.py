"""The `simbranch` command: argument parsing, progress output and exit codes.

Every command calls the public Python API (`simbranch.load_scenario`, `Scenario.with_overrides`,
`simbranch.run`, ...); nothing here computes what a notebook could not. Tables go to stdout,
progress and diagnostics to stderr. Exit codes: 0 success, 2 bad input (a message, no
traceback), 1 internal error (a message and the traceback: that is a bug).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tomllib
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import simbranch as sb
from simbranch.scenario import scenario_json_schema

__all__ = ["BASELINE", "format_kpis", "main", "parse_override"]

#: The scenario of the main job (`make run`), in the repository next to the package.
BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"

#: Where `simbranch main` writes its CSV files unless told otherwise.
MAIN_OUT = Path("out") / "baseline"

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """Input the user can fix (a path that cannot be written, ...): exit 2, no traceback."""


# --------------------------------------------------------------------------- formatting


def format_value(value: float) -> str:
    """A KPI value for people: thousands separators when large, 3 significant digits when small."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if abs(value) >= 1_000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"


def format_kpis(result: sb.RunResult) -> str:
    """The KPI table of one run, with a one-line header (branch, seed, horizon, wall time)."""
    sc = result.scenario
    header = (
        f"{sc.branch.name}: seed {result.seed}, {sc.branch.horizon_days} days measured "
        f"after {sc.branch.warmup_days} warm-up days, {result.wall_time_s:.2f} s"
    )
    names = [str(name) for name in result.kpis.index]
    values = [format_value(v) for v in result.kpis.to_numpy(dtype=float)]
    wn = max(len("KPI"), *(len(n) for n in names))
    wv = max(len("value"), *(len(v) for v in values))
    lines = [header, "", f"{'KPI':<{wn}}  {'value':>{wv}}", f"{'-' * wn}  {'-' * wv}"]
    lines += [f"{n:<{wn}}  {v:>{wv}}" for n, v in zip(names, values, strict=True)]
    return "\n".join(lines)


# --------------------------------------------------------------------------- arguments


def parse_override(text: str) -> tuple[str, Any]:
    """`path=value` -> (path, value); the value is read as a TOML value, else kept as text."""
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not path=value (for example clients.count=100)"
        )
    try:
        value: Any = tomllib.loads("v = " + raw)["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return path, value


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if seed < 0:
        raise argparse.ArgumentTypeError(f"{seed} is negative; a seed is 0 or more")
    return seed


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simbranch",
        description="Simulate a bank branch's account managers and compare management policies.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {sb.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run one scenario once and print its KPIs")
    p.add_argument("scenario", metavar="SCENARIO", type=Path, help="scenario TOML file")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    p.add_argument(
        "--set", dest="overrides", metavar="PATH=VALUE", type=parse_override, action="append",
        default=[], help="change one field, e.g. --set clients.count=100 (repeatable)",
    )
    p.add_argument("--out", type=Path, metavar="DIR", help="write kpis/daily/managers/clients CSVs")
    p.set_defaults(handler=_cmd_run)

    p = sub.add_parser("main", help="the main job: run the baseline branch (make run)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    p.add_argument("--out", type=Path, metavar="DIR", default=MAIN_OUT,
                   help=f"folder for the CSV files (default {MAIN_OUT})")
    p.set_defaults(handler=_cmd_main)

    p = sub.add_parser("validate", help="check scenario and policy files")
    p.add_argument("files", metavar="FILE", type=Path, nargs="+")
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    p.add_argument("--out", type=Path, metavar="FILE", help="write it to FILE instead")
    p.set_defaults(handler=_cmd_schema)

    p = sub.add_parser("sweep", help="sweep parameters over a design and measure their influence")
    p.add_argument("scenario", metavar="SCENARIO", type=Path, help="scenario TOML file")
    p.add_argument("--param", dest="params", metavar="PATH=LOW:HIGH|PATH=A,B,...", type=parse_sweep_param,
                   action="append", required=True,
                   help="a range (managers.count=8:16) or a list of values (allocation.rule=crm,by_tier)")
    p.add_argument("--method", choices=["grid", "lhs", "sobol", "morris"], default="lhs")
    p.add_argument("--n", type=int, default=16, help="points (lhs), levels (grid), base points (sobol), "
                   "trajectories (morris)")
    p.add_argument("--reps", type=int, default=1, help="replications per point")
    p.add_argument("--kpi", dest="kpis", action="append", default=[],
                   help="KPI to analyse (repeatable; default satisfaction_mean and revenue)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    p.add_argument("--store", type=Path, metavar="FILE", help="result store: finished runs are kept and skipped")
    p.add_argument("--executor", choices=["process", "serial"], default="process")
    p.add_argument("--set", dest="overrides", metavar="PATH=VALUE", type=parse_override, action="append",
                   default=[], help="change one field of the scenario first (repeatable)")
    p.add_argument("--out", type=Path, metavar="DIR", help="write table.csv (and sensitivity CSVs) here")
    p.set_defaults(handler=_cmd_sweep)
    return parser


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


def _run_and_report(sc: sb.Scenario, seed: int, out: Path | None) -> None:
    if out is not None:
        _make_dir(out)  # fail on an unwritable folder before the run, not after it
    _say(f"running {sc.branch.name!r} with seed {seed}")
    result = sb.run(sc, seed=seed)
    print(format_kpis(result))
    if out is not None:
        print()
        for path in _write_csvs(result, out):
            print(f"wrote {path}")


def _cmd_run(args: argparse.Namespace) -> int:
    sc = sb.load_scenario(args.scenario)
    if args.overrides:
        sc = sc.with_overrides(dict(args.overrides), source="override (--set)")
    _run_and_report(sc, args.seed, args.out)
    return EXIT_OK


def _cmd_main(args: argparse.Namespace) -> int:
    if BASELINE.is_file():
        sc = sb.load_scenario(BASELINE)
    else:
        _say(f"{BASELINE} not found; running the built-in defaults (simbranch.Scenario())")
        sc = sb.Scenario()
    _run_and_report(sc, args.seed, args.out)
    return EXIT_OK


def _looks_like_policy(path: Path) -> bool:
    """A file in a `policies` folder, or one with a `[policy]` table."""
    if path.absolute().parent.name == "policies":
        return True
    try:
        return "policy" in tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # load_scenario reports what is wrong with it


def _cmd_validate(args: argparse.Namespace) -> int:
    code = EXIT_OK
    for path in args.files:
        try:
            if _looks_like_policy(path):
                policy = sb.load_policy(path)
                print(f"{path}: ok (policy {policy.name})")
            else:
                sb.load_scenario(path)
                print(f"{path}: ok (scenario)")
        except sb.ScenarioError as exc:
            _say(str(exc))
            code = EXIT_BAD_INPUT
    return code


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
    if args.n < 1 or args.reps < 1:
        raise BadInput("--n and --reps must be at least 1")
    if args.out is not None:
        _make_dir(args.out)
    try:
        result = sb.sweep(sc, space=dict(args.params), method=args.method, n=args.n, replications=args.reps,
                          seed=args.seed, executor="serial" if args.executor == "serial" else None,
                          store=args.store, progress=sys.stderr.isatty())
    except ValueError as exc:
        if isinstance(exc, sb.ScenarioError):
            raise
        raise BadInput(f"sweep: {exc}") from None
    kpis = args.kpis or ["satisfaction_mean", "revenue"]
    unknown = [k for k in kpis if k not in sb.KPI_NAMES]
    if unknown:
        raise BadInput(f"unknown KPI {unknown[0]!r}; allowed: {', '.join(sb.KPI_NAMES)}")
    table = result.table
    print(f"{args.method} sweep of {len(args.params)} parameters: {result.design.shape[0]} points x "
          f"{args.reps} replications = {len(table)} runs" + (f", {len(result.failures)} failed" if len(result.failures)
                                                              else ""))
    by_point = table.groupby("point")[kpis].mean()
    design = result.design.set_index("point") if "point" in result.design else result.design
    print(design.join(by_point).to_string(max_rows=20, float_format=lambda v: f"{v:,.4g}"))
    written = []
    if args.out is not None:
        written.append(args.out / "table.csv")
        table.to_csv(written[-1], index=False)
    if args.method in ("sobol", "morris"):
        for kpi in kpis:
            indices = result.sensitivity(kpi)
            print(f"\nsensitivity of {kpi} ({args.method}):")
            print(indices.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
            if args.out is not None:
                written.append(args.out / f"sensitivity_{kpi}.csv")
                indices.to_csv(written[-1], index=False)
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (captured in tests)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `simbranch` command with `argv` (default: the process's arguments); the exit code."""
    try:
        args = _parser().parse_args(argv)
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
