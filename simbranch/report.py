"""The HTML report of a comparison: one self-contained file that a strategy team can open and send.

Everything is inline (figures as base64 PNG, styles in the page), so it opens from a mail
attachment with no network. It holds what is needed to trust and reproduce the numbers: the
scenario, the policies and what they change, the summary and paired tables, the figures, and
the provenance (seed, replications, model fingerprint, package versions, command).
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from simbranch.experiment.compare import HEADLINE_KPIS, Comparison

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["highlighted_policies", "report_html", "write_report"]

#: KPIs of the forest plot and of the absolute bars.
FIGURE_KPIS = ["satisfaction_mean", "nps", "sales_count", "profit", "exhausted_share", "wait_mean_h"]

#: Daily series drawn over time.
TIME_COLUMNS = ["satisfaction_mean", "sales_count", "stress_mean", "wait_mean_h", "headcount"]

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.8em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
tr.significant td { font-weight: 600; } .muted { color: #777; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; } figcaption { font-size: 0.9em; color: #444; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
.findings li { margin: 0.3em 0; }
"""


def write_report(cmp: Comparison, path: str | Path, *, command: str | None = None, title: str | None = None,
                 store: str | Path | None = None, highlight: Sequence[str] | None = None) -> Path:
    """Write `report_html(cmp, ...)` to `path` (a file, or a folder that gets `report.html`); return the file."""
    path = Path(path)
    if path.is_dir() or not path.suffix:
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(cmp, command=command, title=title, store=store, highlight=highlight),
                    encoding="utf-8")
    return path


def report_html(cmp: Comparison, *, command: str | None = None, title: str | None = None,
                store: str | Path | None = None, highlight: Sequence[str] | None = None) -> str:
    """The report as one HTML page.

    `highlight` names the policies drawn over time and in the distributions (besides the
    baseline); by default the best policies on profit, satisfaction and sales.
    """
    from simbranch import plots

    sc = cmp.scenario
    title = title or f"simbranch: policies compared on {sc.branch.name}"
    shown = list(highlight) if highlight is not None else highlighted_policies(cmp)
    has_baseline = bool(len(cmp.table)) and bool((cmp.table["policy"] == "baseline").any())
    parts = [f"<h1>{escape(title)}</h1>",
             f"<p class='muted'>{escape(_overview(cmp))}. Generated {time.strftime('%Y-%m-%d %H:%M')}.</p>"]

    parts.append("<h2>What it shows</h2>" + _findings(cmp, has_baseline))

    figures: list[tuple[str, Figure | None, str]] = []
    if has_baseline and len(cmp.policies) > 1:
        figures.append(("Differences from the baseline", plots.forest(cmp.paired(kpis=FIGURE_KPIS), FIGURE_KPIS),
                        "Mean paired difference (same seeds) of each policy from the baseline with its 95 % "
                        "confidence interval; filled markers are significant after Benjamini-Hochberg adjustment."))
    if len(cmp.table):
        summary = cmp.summary(kpis=HEADLINE_KPIS)
        figures.append(("Trade-off: profit against satisfaction",
                        plots.tradeoff(summary, "satisfaction_mean", "profit"),
                        "Each policy's mean with 95 % CIs on both axes. Policies on the line are not dominated: "
                        "no other policy is better on both."))
        figures.append(("KPIs per policy", plots.kpi_bars(summary, FIGURE_KPIS),
                        "Absolute means over the replications, with 95 % CI half-widths."))
    daily = cmp.daily()
    if len(daily):
        figures.append(("Over time", plots.over_time(daily, TIME_COLUMNS, policies=shown, smooth_days=5),
                        "Daily values after the warm-up, 5-day centred mean, mean over replications with a 95 % "
                        "band across replications."))
    runs = _reruns(cmp, shown)
    if runs:
        clients = {name: r.clients for name, r in runs.items()}
        managers = {name: r.managers for name, r in runs.items()}
        figures.append(("Clients and AMs", plots.distributions(clients, managers),
                        "Spread across clients and AMs at the end of replication 0 of each highlighted policy."))
        figures.append(("AMs: stress, sales, skill and satisfaction", plots.am_scatter(managers),
                        "One marker per AM who worked in replication 0; hollow markers left during the run."))
    parts.append("<h2>Figures</h2>" + "".join(_figure(name, fig, caption) for name, fig, caption in figures))

    parts.append("<h2>Policies</h2>" + _policies_table(cmp))
    if has_baseline and len(cmp.policies) > 1:
        parts.append("<h2>Paired differences from the baseline</h2>" + _paired_table(cmp))
    if len(cmp.table):
        parts.append("<h2>Summary per policy</h2>" + _summary_table(cmp))
    if len(cmp.failures):
        parts.append(f"<h2>Failed runs ({len(cmp.failures)})</h2>"
                     + cmp.failures.assign(error=cmp.failures["error"].str.strip().str.splitlines().str[-1])
                     .to_html(index=False, escape=True))
    parts.append("<h2>Scenario</h2>" + _scenario(cmp))
    parts.append("<h2>Provenance</h2>" + _provenance(cmp, command, store))
    body = "\n".join(parts)
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n")


def highlighted_policies(cmp: Comparison, limit: int = 3) -> list[str]:
    """The baseline and up to `limit` others: the best on profit, satisfaction and sales in turn, and
    when one policy leads on several, the runners-up, so that the figures show distinct policies."""
    names = [p.name for p in cmp.policies]
    chosen = ["baseline"] if "baseline" in names else []
    if not len(cmp.table):
        return chosen or names[: limit + 1]
    others = cmp.table[cmp.table["policy"] != "baseline"]
    rankings = [list(others.groupby("policy")[kpi].mean().sort_values(ascending=False).index)
                for kpi in ("profit", "satisfaction_mean", "sales_count")]
    wanted = min(limit, others["policy"].nunique())
    while len(chosen) - ("baseline" in chosen) < wanted:
        for ranking in rankings:
            pick = next((p for p in ranking if p not in chosen), None)
            if pick is not None and len(chosen) - ("baseline" in chosen) < wanted:
                chosen.append(str(pick))
    return chosen


# --------------------------------------------------------------------------- parts


def _overview(cmp: Comparison) -> str:
    b = cmp.scenario.branch
    return (f"{len(cmp.policies) - 1} policies and the baseline x {cmp.replications} replications on common random "
            f"numbers, seed {cmp.seed}; {cmp.scenario.managers.count} AMs, {cmp.scenario.clients.count} clients, "
            f"{b.horizon_days} working days measured after {b.warmup_days} warm-up days")


def _findings(cmp: Comparison, has_baseline: bool) -> str:
    """Plain sentences: the best policies and whether they beat the runner-up, what changes significantly."""
    if not len(cmp.table):
        return "<p>No run succeeded: nothing to show.</p>"
    items = []
    for kpi, label in (("profit", "profit"), ("satisfaction_mean", "client satisfaction"),
                       ("sales_count", "sales")):
        b = cmp.best(kpi)
        sure = ("significantly ahead of" if b["significant"] else "not significantly ahead of")
        items.append(f"Best on {label}: <b>{escape(str(b['policy']))}</b> (mean {_number(b['mean'])}), "
                     f"{sure} {escape(str(b['runner_up']))} (margin {_number(b['margin'])}, p = {b['p_value']:.3g}).")
    if has_baseline and len(cmp.policies) > 1:
        paired = cmp.paired(kpis=["satisfaction_mean", "profit", "stress_mean"])
        for kpi, label in (("satisfaction_mean", "raise client satisfaction"), ("profit", "raise profit"),
                           ("stress_mean", "lower AM stress")):
            rows = paired[(paired["kpi"] == kpi) & paired["significant"]]
            better = rows[rows["difference"] < 0] if kpi == "stress_mean" else rows[rows["difference"] > 0]
            worse = rows.drop(better.index)
            text = f"Policies that significantly {label}: " + (
                ", ".join(escape(p) for p in better["policy"]) if len(better) else "none")
            if len(worse):
                text += "; significantly the other way: " + ", ".join(escape(p) for p in worse["policy"])
            items.append(text + ".")
    from simbranch.analysis.tradeoffs import pareto_front

    front = pareto_front(cmp.summary(kpis=["satisfaction_mean", "profit"]), "satisfaction_mean", "profit")
    dominated = front[front["dominated"]]["policy"].tolist()
    leaders = front[~front["dominated"]]["policy"].tolist()
    if dominated and len(leaders) == 1:
        items.append(f"{escape(leaders[0])} has more profit and more satisfaction than every other policy "
                     "(on the means).")
    elif dominated:
        items.append(f"Not dominated on profit and satisfaction: {', '.join(escape(p) for p in leaders)}; every "
                     f"other policy has one of these ahead of it on both (on the means).")
    return "<ul class='findings'>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _figure(name: str, fig: Figure | None, caption: str) -> str:
    if fig is None:
        return ""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")  # plots' Figures are not pyplot's: no close
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f"<figure><img alt='{escape(name)}' src='data:image/png;base64,{data}'>"
            f"<figcaption><b>{escape(name)}.</b> {escape(caption)}</figcaption></figure>")


def _reruns(cmp: Comparison, shown: Sequence[str]) -> dict[str, Any]:
    """Replication 0 of each highlighted policy again, for the per-client and per-AM figures."""
    ok = set(cmp.table["policy"]) if len(cmp.table) else set()
    return {name: cmp.rerun(name, 0) for name in shown if name in ok}


def _policies_table(cmp: Comparison) -> str:
    rows = []
    for p in cmp.policies:
        changes = "; ".join(f"{k} = {v}" for k, v in _flatten(p.levers).items()) or "(the scenario's own levers)"
        rows.append({"policy": p.name, "what it stands for": p.description, "changes": changes})
    return pd.DataFrame(rows).to_html(index=False, escape=True)


def _paired_table(cmp: Comparison) -> str:
    paired = cmp.paired()
    head = ("<tr><th>policy</th><th>KPI</th><th>baseline</th><th>difference</th><th>95 % CI</th>"
            "<th>relative</th><th>p adj.</th></tr>")
    rows = []
    for r in paired.itertuples():
        cls = " class='significant'" if r.significant else ""
        rows.append(f"<tr{cls}><td>{escape(r.policy)}</td><td>{escape(r.kpi)}</td><td>{_number(r.baseline_mean)}</td>"
                    f"<td>{_number(r.difference, signed=True)}</td>"
                    f"<td>[{_number(r.ci_low, signed=True)}, {_number(r.ci_high, signed=True)}]</td>"
                    f"<td>{r.relative:+.1%}</td><td>{_p(r.p_adjusted)}</td></tr>")
    note = ("<p class='muted'>Policy minus baseline, mean over paired replications (same seeds); t interval; "
            "p adjusted by Benjamini-Hochberg over all rows; bold rows are significant at 5 %.</p>")
    return f"<table>{head}{''.join(rows)}</table>{note}"


def _summary_table(cmp: Comparison) -> str:
    summary = cmp.summary()
    cells = summary.assign(value=[f"{_number(m)} ± {_number(h)}" for m, h in zip(summary["mean"],
                                                                              summary["ci_half_width"], strict=True)])
    wide = cells.pivot(index="policy", columns="kpi", values="value")
    wide = wide.reindex(index=[p.name for p in cmp.policies if p.name in wide.index],
                        columns=[k for k in HEADLINE_KPIS if k in wide.columns])
    return (wide.to_html(escape=True)
            + f"<p class='muted'>Mean ± 95 % CI half-width over {cmp.replications} replications.</p>")


def _scenario(cmp: Comparison) -> str:
    sc = cmp.scenario
    facts = pd.DataFrame({"": ["branch", "AMs", "clients", "allocation rule", "working days measured", "warm-up days",
                              "hours per day"],
                          "value": [sc.branch.name, sc.managers.count, sc.clients.count, sc.allocation.rule,
                                    sc.branch.horizon_days, sc.branch.warmup_days, sc.branch.hours_per_day]})
    toml = sc.to_toml(minimal=True)
    return (facts.to_html(index=False, escape=True)
            + "<details><summary>The scenario file (values that differ from the defaults)</summary>"
            + f"<pre>{escape(toml)}</pre></details>")


def _provenance(cmp: Comparison, command: str | None, store: str | Path | None) -> str:
    info: dict[str, Any] = {"seed": cmp.seed, "replications": cmp.replications,
                            "replication seeds": f"numpy.random.SeedSequence({cmp.seed}, spawn_key=(r,)), "
                                                 f"r = 0..{max(cmp.replications - 1, 0)}",
                            **cmp.provenance}
    if store is not None:
        info["result store"] = str(store)
    if command:
        info["command"] = command
    rows = "".join(f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))}</td></tr>" for k, v in info.items())
    return (f"<table>{rows}</table><p class='muted'>The same seed, scenario and policies give the same numbers "
            "on any machine and executor; the model fingerprint identifies the model's code.</p>")


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _number(value: float, signed: bool = False) -> str:
    if value != value:
        return "n/a"
    text = f"{value:+,.0f}" if abs(value) >= 1000 else f"{value:+.3g}"
    return text if signed else text.lstrip("+")


def _p(p: float) -> str:
    return "n/a" if p != p else ("<0.001" if p < 0.001 else f"{p:.3f}")
