"""The model against the evidence: every stylised fact and evidence range the model is held to, measured.

`check_facts(scenario, size="full")` runs the default branch (or the scenario given) under the
variants each fact needs (named policies, more or fewer clients per AM, more demand, parts of a
policy), all on the same replication seeds (common random numbers), and returns one row per fact:
what the model gives, with its 95 % confidence interval, the range the evidence allows, the source,
and whether the fact holds. `write_validation_report` writes the table as Markdown
(docs/validation.md, written by `make validate`); `python -m simbranch.experiment.facts` does both.

Two sizes: "full" is the scenario as given with 20 replications (what the report shows: about
20 minutes on two cores); "fast" is a 12-AM branch with the same book per AM, 4 replications and
only the facts that such a sample can judge (what the test suite runs: about two minutes of CPU).

A fact's measurement is written once, as a function of a `Study`: the study runs it twice, first to
learn which runs it needs (every run is then made in one batch, in parallel), then to measure.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simbranch.experiment.executors import ExecutorLike
from simbranch.experiment.facts.catalogue import FACTS
from simbranch.experiment.facts.overload import LOADS, overload_scan
from simbranch.experiment.facts.study import PRESETS, SIZES, Fact, Size, Study, _Planning
from simbranch.scenario import Scenario

__all__ = ["EFFECT_KPIS", "FACTS", "LOADS", "POLICY_FACTS", "SIZES", "check_facts", "load_results", "main",
           "overload_scan", "policy_effects", "save_results", "update_policies_doc", "warmup_points",
           "write_validation_report"]


#: The KPIs of the table of every named policy's effects (relative for counts and money).
EFFECT_KPIS = ("sales_count", "revenue", "satisfaction_mean", "nps", "complaints", "am_turnover_rate",
               "exhausted_share", "overtime_hours", "time_away_cost", "cost_total", "profit")
_RELATIVE = ("sales_count", "revenue", "complaints", "overtime_hours", "cost_total", "profit")


def check_facts(scenario: Scenario | None = None, size: str | Size = "full", seed: int = 0,
                executor: ExecutorLike = None, facts: Sequence[Fact] | None = None,
                progress: bool = False, extras: bool = False) -> pd.DataFrame:
    """Measure every fact (those a "fast" study can judge, at that size) and return one row each:
    key, area, claim, value with its 95 % interval (low, high), target, source, holds, detail.

    With `extras`, the frame's `attrs` also hold "policies" (every named policy's paired effects on
    `EFFECT_KPIS`, with 95 % intervals) and "warmup" (MSER-5 truncation points of the main daily
    series from a start without warm-up, per replication), for the report."""
    if scenario is None:
        scenario = Scenario()
    size = SIZES[size] if isinstance(size, str) else size
    chosen = [f for f in (facts or FACTS) if f.fast or size.name != "fast"]
    study = Study(scenario, size, seed=seed, executor=executor, progress=progress)
    measures = [fact.measure for fact in chosen] + ([policy_effects, warmup_points] if extras else [])
    study.planning = True
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # stand-in results are NaN: their means warn
        for measure in measures:
            _plan(study, measure)
    study.planning = False
    study._done.clear()  # the placeholders
    study.run_needed()
    rows = []
    for fact in chosen:
        value, low, high, holds, detail = fact.measure(study)
        rows.append({"key": fact.key, "area": fact.area, "claim": fact.claim, "value": value, "low": low,
                     "high": high, "target": fact.target, "source": fact.source, "holds": holds, "detail": detail})
    frame = pd.DataFrame(rows)
    if extras:
        frame.attrs["policies"] = policy_effects(study)
        frame.attrs["warmup"] = warmup_points(study)
    return frame


def policy_effects(study: Study) -> pd.DataFrame:
    """Every named policy against the baseline: mean paired difference and its 95 % interval per KPI
    (relative to the baseline's mean for counts and money)."""
    rows = []
    for path in sorted(PRESETS.glob("*.toml")):
        name = path.stem
        study.kpis(name, study.policy(name))
        for kpi in EFFECT_KPIS:
            mean, low, high = study.diff(name, kpi, relative=kpi in _RELATIVE)
            rows.append({"policy": name, "kpi": kpi, "difference": mean, "low": low, "high": high,
                         "relative": kpi in _RELATIVE,
                         "baseline_mean": float(study.kpis("baseline")[kpi].mean())})
    return pd.DataFrame(rows)


def warmup_points(study: Study) -> pd.DataFrame:
    """MSER-5 truncation points, in days, of each main daily series, one row per replication."""
    return pd.DataFrame(study.probe("warmup", "warm-up"))


def _plan(study: Study, measure: Any) -> None:
    """Learn every run a measurement needs: measure on stand-in results until it asks for nothing new
    (a measurement may fail on the stand-ins once it has asked for everything)."""
    for _ in range(100):
        known = len(study._needed)
        try:
            measure(study)
        except _Planning:
            pass
        except Exception:  # stand-in results need not make sense
            if len(study._needed) == known:
                return
        else:
            return
        for key, (scenario, probe, reps) in study._needed.items():
            study._done.setdefault(key, _placeholder(scenario, probe, reps))
    raise RuntimeError(f"{measure} kept asking for runs")


def _placeholder(scenario: Scenario, probe: str, reps: int) -> list[Any]:
    """Stand-in results while planning: the shape the measurements read, full of NaN."""
    from simbranch.run import kpi_names

    nan = float("nan")

    class Anything(dict):
        def __missing__(self, key: str) -> Any:
            lists = ("days", "left", "reached", "lost_top", "id", "satisfaction", "complexity")
            return [nan, nan] if key in lists else nan

    return [Anything(dict.fromkeys(kpi_names(scenario), nan)) for _ in range(reps)]


def write_validation_report(results: pd.DataFrame, path: str | Path, size: str = "full", seed: int = 0,
                            seconds: float | None = None, command: str = "make validate") -> Path:
    """Write the facts as a Markdown table (docs/validation.md)."""
    path = Path(path)
    lines = [
        "# The model against the evidence",
        "",
        f"Written by `{command}` (`simbranch.experiment.facts`, size \"{size}\": "
        f"{SIZES[size].replications} paired replications per variant, seed {seed}"
        + (f", {seconds / 60:.0f} minutes" if seconds else "") + "). Do not edit by hand.",
        "",
        "Each row is a stylised fact or an evidence range from docs/evidence.md. *Model* is the mean over the "
        "replications with its 95 % t interval (paired differences against the baseline, common random "
        "numbers, for effects of a policy); for new hires a Kaplan-Meier estimate with its Greenwood interval. "
        "*Holds* compares the mean with the target, or the interval where the target says so.",
        "",
        f"{int(results['holds'].sum())} of {len(results)} facts hold.",
        "",
        "| area | fact | model (95 % CI) | target | source | holds |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in results.itertuples():
        value = _fmt(row.value, row.low, row.high)
        fact = row.claim + (f" ({row.detail})" if row.detail else "")
        lines.append(f"| {row.area} | {fact} | {value} | {row.target} | {row.source} | "
                     f"{'yes' if row.holds else '**no**'} |")
    save_results(results, path.with_suffix(".json"))
    policies = results.attrs.get("policies")
    if policies is not None and len(policies):
        lines += _policy_section(policies, SIZES[size].replications, "## What each named policy does")
    warmup = results.attrs.get("warmup")
    if warmup is not None and len(warmup):
        lines += _warmup_section(warmup)
    lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


_LABELS = {"sales_count": "sales", "revenue": "revenue", "satisfaction_mean": "satisfaction", "nps": "NPS",
           "complaints": "complaints", "am_turnover_rate": "AM turnover /yr", "exhausted_share": "highly exhausted",
           "overtime_hours": "overtime", "time_away_cost": "salary of time away", "cost_total": "cost",
           "profit": "profit"}


def _policy_section(policies: pd.DataFrame, replications: int, title: str = "### What each does") -> list[str]:
    """Every named policy's effect against the baseline, one row per policy, by profit."""
    kpis = list(dict.fromkeys(policies["kpi"]))
    base = policies.drop_duplicates("kpi").set_index("kpi")["baseline_mean"]
    lines = ["", title, "",
             f"Paired differences from the baseline over {replications} replications (common random numbers), "
             "with 95 % t intervals: relative (%) for counts and money, absolute for the rest. Baseline means: "
             + "; ".join(f"{_LABELS.get(k, k)} {_plain(base[k])}" for k in kpis) + ".", "",
             "| policy | " + " | ".join(_LABELS.get(k, k) for k in kpis) + " |",
             "| --- |" + " --- |" * len(kpis)]
    order = (policies[policies["kpi"] == "profit"].sort_values("difference", ascending=False)["policy"].tolist())
    for name in order:
        cells = []
        for kpi in kpis:
            row = policies[(policies["policy"] == name) & (policies["kpi"] == kpi)].iloc[0]
            if row["relative"]:
                cells.append(f"{100 * row['difference']:+.1f} % ({100 * row['low']:+.1f} to {100 * row['high']:+.1f})")
            else:
                cells.append(f"{row['difference']:+.3g} ({row['low']:+.3g} to {row['high']:+.3g})")
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return lines


def _warmup_section(warmup: pd.DataFrame) -> list[str]:
    """MSER-5 truncation points of the main daily series from a start without warm-up."""
    lines = ["", "## Warm-up", "",
             f"MSER-5 truncation points (White 1997), in working days, of the main daily series of {len(warmup)} "
             "two-year runs started without warm-up: how many leading days a statistician would discard. "
             "The default warm-up is 60 days.", "",
             "| series | mean | largest |", "| --- | --- | --- |"]
    for col in warmup.columns:
        lines.append(f"| {col} | {warmup[col].mean():.0f} | {warmup[col].max():.0f} |")
    return lines


def _plain(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


#: The facts that hold a named policy to the evidence, by policy (shown in docs/policies.md).
POLICY_FACTS = {
    "sales_commission": ("commission_sales", "commission_costs", "commission_spread", "complexity"),
    "balanced_scorecard": ("scorecard",),
    "team_meetings": ("meetings",),
    "training_quarterly": ("training_sales", "course_size", "course_decay"),
    "satisfaction_surveys": ("surveys_small", "feedback"),
    "wellbeing_support": ("support_stress", "support_turnover", "support_sales"),
    "career_ladder": ("career_turnover",),
    "all_measures": ("all_measures",),
}

#: The markers between which docs/policies.md holds what `make validate` measured.
POLICIES_START = "<!-- effects: generated by make validate; do not edit -->"
POLICIES_END = "<!-- end of effects -->"


def save_results(results: pd.DataFrame, path: str | Path) -> Path:
    """The measured facts (and the policies' effects and warm-up points, if measured) as JSON, so that
    the docs and notebooks can show the full study without running it again (`load_results`)."""
    import json

    data = {"facts": results.to_dict(orient="records"),
            **{name: frame.to_dict(orient="records") for name, frame in results.attrs.items()}}
    Path(path).write_text(json.dumps(data, indent=1, default=float) + "\n", encoding="utf-8")
    return Path(path)


def load_results(path: str | Path) -> pd.DataFrame:
    """Facts saved by `save_results` (docs/validation.json), with their extras in `attrs`."""
    import json

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    frame = pd.DataFrame(data.pop("facts"))
    for name, records in data.items():
        frame.attrs[name] = pd.DataFrame(records)
    return frame


def update_policies_doc(results: pd.DataFrame, path: str | Path, size: str = "full") -> Path:
    """Put the policies' measured effects and the facts they are held to between the markers of
    docs/policies.md (the rest of the page is left as it is)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if POLICIES_START not in text or POLICIES_END not in text:
        raise ValueError(f"{path} has no markers {POLICIES_START!r} ... {POLICIES_END!r}")
    lines = ["", "### Held to the evidence", "",
             "Each named policy against the range of docs/evidence.md it is held to (the same rows as "
             "docs/validation.md).", "",
             "| policy | held to | model (95 % CI) | range | source | holds |", "| --- | --- | --- | --- | --- | --- |"]
    by_key = results.set_index("key")
    for policy, keys in POLICY_FACTS.items():
        for key in keys:
            if key not in by_key.index:
                continue
            row = by_key.loc[key]
            claim = row["claim"] + (f" ({row['detail']})" if row["detail"] else "")
            lines.append(f"| `{policy}` | {claim} | {_fmt(row['value'], row['low'], row['high'])} | {row['target']} | "
                         f"{row['source']} | {'yes' if row['holds'] else '**no**'} |")
    policies = results.attrs.get("policies")
    if policies is not None and len(policies):
        lines += _policy_section(policies, SIZES[size].replications)
    lines.append("")
    head, rest = text.split(POLICIES_START, 1)
    _, tail = rest.split(POLICIES_END, 1)
    path.write_text(head + POLICIES_START + "\n".join(lines) + "\n" + POLICIES_END + tail, encoding="utf-8")
    return path


def _fmt(value: float, low: float, high: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    digits = 3 if abs(value) < 10 else 1

    def f(x: float) -> str:
        return f"{x:.{digits}f}" if abs(x) < 1000 else f"{x:,.0f}"

    if low == high:
        return f(value)
    return f"{f(value)} ({f(low)} to {f(high)})"


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from simbranch.scenario import load_scenario

    p = argparse.ArgumentParser(prog="python -m simbranch.experiment.facts",
                                description="Measure the stylised facts and write the validation report.")
    p.add_argument("scenario", nargs="?", default=None, help="scenario file (default: the default branch)")
    p.add_argument("--size", choices=sorted(SIZES), default="full")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="docs/validation.md")
    p.add_argument("--policies-doc", default="docs/policies.md",
                   help="page whose generated section gets the policies' effects ('' for none)")
    args = p.parse_args(argv)
    scenario = load_scenario(args.scenario) if args.scenario else Scenario()
    started = time.perf_counter()
    results = check_facts(scenario, size=args.size, seed=args.seed, progress=True, extras=True)
    out = write_validation_report(results, args.out, size=args.size, seed=args.seed,
                                  seconds=time.perf_counter() - started)
    if args.policies_doc:
        update_policies_doc(results, args.policies_doc, size=args.size)
    print(f"{int(results['holds'].sum())} of {len(results)} facts hold; wrote {out}")
    return 0
