"""Import time: what `import simbranch` costs a new Python process (a notebook kernel, a script, the
CLI, a spawned pool worker), and that it leaves the heavy libraries for later.

Each measurement is a fresh interpreter of this venv, run from outside the checkout: (a) `python -c
pass`, the interpreter's own start; (b) `python -c "import simbranch"`; (c) `python -m simbranch
--help`, the CLI's start. Interleaved, `--repeats` times (5; 2 with --quick), wall time median and
all. Then one `python -X importtime -c "import simbranch"`: the modules that take the most
(cumulative microseconds of the first-level imports), and which of the heavy libraries (scikit-learn,
matplotlib, SALib, Dask, SciPy's statistics) were loaded: none should be (exit 1 otherwise); they
come with the experiments, plots and reports that need them.

Run with `make bench` or `.venv/bin/python benchmarks/import_time.py [--quick]`; writes
`benchmarks/results/import-latest.json` (`import-quick.json` with --quick).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine import git_state, machine, table  # benchmarks/engine.py: this script's directory is on sys.path

RESULTS = Path(__file__).resolve().parent / "results"
#: Libraries `import simbranch` must not load.
HEAVY = ("sklearn", "matplotlib", "SALib", "dask", "distributed", "scipy.stats")
#: What is timed, each in a fresh interpreter.
COMMANDS = {"python -c pass": ["-c", "pass"], "import simbranch": ["-c", "import simbranch"],
            "python -m simbranch --help": ["-m", "simbranch", "--help"]}


def wall(args: list[str], cwd: str) -> float:
    """Wall seconds of one fresh interpreter running `args`."""
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def heaviest(cwd: str, n: int = 8) -> tuple[list[dict], list[str]]:
    """The `n` first-level imports of `import simbranch` that take the most (cumulative ms), and the
    heavy libraries it loaded."""
    code = f"import sys, simbranch; print(*[m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=cwd, check=True,
                          capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( +)(\S+)", line)
        if found and len(found.group(2)) <= 3:  # `import simbranch` itself and what it imports directly
            rows.append({"module": found.group(3), "cumulative_ms": int(found.group(1)) / 1000})
    rows.sort(key=lambda row: -row["cumulative_ms"])
    return rows[:n], done.stdout.split()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repeats; writes import-quick.json")
    parser.add_argument("--repeats", type=int, default=None, help="repeats of each command (default 5)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 5)
    with tempfile.TemporaryDirectory() as outside:  # not the checkout: no `simbranch/` in the current folder
        times: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(repeats):
            for name, command in COMMANDS.items():
                times[name].append(wall(command, outside))
        top, loaded = heaviest(outside)
    rows = [{"what": name, "median": f"{statistics.median(t):.2f}", "all": " ".join(f"{x:.2f}" for x in t)}
            for name, t in times.items()]
    print(table(rows, [("what", "command", "<"), ("median", "median s", ">"), ("all", "each run (s)", "<")]))
    print(table([{"module": r["module"], "ms": f"{r['cumulative_ms']:.0f}"} for r in top],
                [("module", "first-level import", "<"), ("ms", "cumulative ms", ">")]))
    print(f"heavy libraries loaded by import simbranch: {', '.join(loaded) or 'none'}")
    result = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **machine(), **git_state(),
              "repeats": repeats, "wall_s": times, "median_s": {k: statistics.median(v) for k, v in times.items()},
              "heaviest_imports": top, "heavy_loaded": loaded}
    out = RESULTS / ("import-quick.json" if args.quick else "import-latest.json")
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 1 if loaded else 0


if __name__ == "__main__":
    sys.exit(main())
