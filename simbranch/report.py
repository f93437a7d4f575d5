"""The HTML report of a comparison: one self-contained file that a strategy team can open and send.

Everything is inline (figures as base64 PNG, styles in the page), so it opens from a mail
attachment with no network. It holds what is needed to trust and reproduce the numbers: the
scenario, the policies and what they change, the summary and paired tables, the figures, and
the provenance (seed, replications, model fingerprint, package versions, command).

A comparison on several scenarios (draws of uncertain parameters) is reported with what that
adds: the expected differences over the scenarios, the range of each effect across them and the
probability of beating the baseline, and which scenario fields differ between the scenarios.
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

    from simbranch.experiment.calibrate import Calibration
    from simbranch.experiment.robustness import Robustness

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
                 store: str | Path | None = None, highlight: Sequence[str] | None = None, lang: str = "en") -> Path:
    """Write `report_html(cmp, ...)` to `path` (a file, or a folder that gets `report.html`); return the file."""
    path = Path(path)
    if path.is_dir() or not path.suffix:
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(cmp, command=command, title=title, store=store, highlight=highlight, lang=lang),
                    encoding="utf-8")
    return path


def report_html(cmp: Comparison, *, command: str | None = None, title: str | None = None,
                store: str | Path | None = None, highlight: Sequence[str] | None = None, lang: str = "en") -> str:
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
    several = cmp.n_scenarios > 1
    if has_baseline and len(cmp.policies) > 1:
        caption = ("Mean paired difference (same seeds) of each policy from the baseline with its 95 % "
                   "confidence interval; filled markers are significant after Benjamini-Hochberg adjustment.")
        if several:
            caption = ("Expected paired difference of each policy from the baseline over the "
                       f"{cmp.n_scenarios} scenarios with its 95 % confidence interval (filled markers are "
                       "significant after Benjamini-Hochberg adjustment); the thin line is the central 95 % range "
                       "of the policy's effect across the scenarios: parameter uncertainty and noise.")
        figures.append(("Differences from the baseline", plots.forest(cmp.paired(kpis=FIGURE_KPIS), FIGURE_KPIS),
                        caption))
    if len(cmp.table):
        summary = cmp.summary(kpis=HEADLINE_KPIS)
        figures.append(("Trade-off: profit against satisfaction",
                        plots.tradeoff(summary, "satisfaction_mean", "profit"),
                        "Each policy's mean with 95 % CIs on both axes. Policies on the line are not dominated: "
                        "no other policy is better on both."))
        figures.append(("KPIs per policy", plots.kpi_bars(summary, FIGURE_KPIS),
                        "Absolute means over the " + ("scenarios and " if several else "")
                        + "replications, with 95 % CI half-widths."))
    daily = cmp.daily()
    if len(daily):
        runs = "runs (scenarios x replications)" if several else "replications"
        figures.append(("Over time", plots.over_time(daily, TIME_COLUMNS, policies=shown, smooth_days=5),
                        f"Daily values after the warm-up, 5-day centred mean, mean over {runs} with a 95 % "
                        f"band across {runs}."))
    runs = _reruns(cmp, shown)
    if runs:
        clients = {name: r.clients for name, r in runs.items()}
        managers = {name: r.managers for name, r in runs.items()}
        which = "replication 0 of the first scenario" if several else "replication 0"
        figures.append(("Clients and AMs", plots.distributions(clients, managers),
                        f"Spread across clients and AMs at the end of {which} of each highlighted policy."))
        figures.append(("AMs: stress, sales, skill and satisfaction", plots.am_scatter(managers),
                        f"One marker per AM who worked in {which}; hollow markers left during the run."))
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
    if cmp.n_scenarios > 1:
        return (f"{len(cmp.policies) - 1} policies and the baseline x {cmp.n_scenarios} scenarios (draws of uncertain "
                f"parameters) x {cmp.replications} replications each, each scenario on seeds of its own shared by "
                f"the policies (common random numbers within a scenario), seed {cmp.seed}; "
                f"the first scenario: {cmp.scenario.managers.count} AMs, {cmp.scenario.clients.count} clients, "
                f"{b.horizon_days} working days measured after {b.warmup_days} warm-up days")
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
        if cmp.n_scenarios > 1:
            rows = paired[paired["kpi"] == "profit"]
            chances = ", ".join(f"{escape(r.policy)} {r.p_better:.0%}" for r in rows.itertuples()
                                if r.p_better == r.p_better)
            if chances:
                items.append(f"Probability of more profit than the baseline (share of the {cmp.n_scenarios} "
                             f"scenarios): {chances}.")
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
    if cmp.n_scenarios > 1:
        return _paired_over_scenarios_table(cmp)
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


def _paired_over_scenarios_table(cmp: Comparison) -> str:
    paired = cmp.paired()
    head = ("<tr><th>policy</th><th>KPI</th><th>baseline</th><th>expected difference</th><th>95 % CI</th>"
            "<th>95 % range across scenarios</th><th>P(better)</th><th>from parameters</th><th>p adj.</th></tr>")
    rows = []
    for r in paired.itertuples():
        cls = " class='significant'" if r.significant else ""
        share = "n/a" if r.parameter_share != r.parameter_share else f"{r.parameter_share:.0%}"
        better = "n/a" if r.p_better != r.p_better else f"{r.p_better:.0%}"
        rows.append(f"<tr{cls}><td>{escape(r.policy)}</td><td>{escape(r.kpi)}</td><td>{_number(r.baseline_mean)}</td>"
                    f"<td>{_number(r.difference, signed=True)}</td>"
                    f"<td>[{_number(r.ci_low, signed=True)}, {_number(r.ci_high, signed=True)}]</td>"
                    f"<td>[{_number(r.interval_low, signed=True)}, {_number(r.interval_high, signed=True)}]</td>"
                    f"<td>{better}</td><td>{share}</td><td>{_p(r.p_adjusted)}</td></tr>")
    note = (f"<p class='muted'>Policy minus baseline on the same seeds within each scenario, over "
            f"{cmp.n_scenarios} scenarios (each on seeds of its own) x {cmp.replications} replications. Expected "
            "difference: the mean over the scenarios, with its t interval over the scenarios (which counts the "
            "parameter uncertainty and the noise, the scenarios being independent). Range: the central "
            "95 % of the policy's effect across the scenarios (parameter uncertainty and noise). P(better): the share "
            "of scenarios in which the policy beats the baseline (lower is better for costs, waits, stress and the "
            "like). From parameters: the share of a run's variance that comes from the scenario rather than from the "
            "noise. p adjusted by Benjamini-Hochberg over all rows; bold rows are significant at 5 %.</p>")
    return f"<table>{head}{''.join(rows)}</table>{note}"


def _summary_table(cmp: Comparison) -> str:
    summary = cmp.summary()
    cells = summary.assign(value=[f"{_number(m)} ± {_number(h)}" for m, h in zip(summary["mean"],
                                                                              summary["ci_half_width"], strict=True)])
    wide = cells.pivot(index="policy", columns="kpi", values="value")
    wide = wide.reindex(index=[p.name for p in cmp.policies if p.name in wide.index],
                        columns=[k for k in HEADLINE_KPIS if k in wide.columns])
    over = (f"{cmp.n_scenarios} scenarios x {cmp.replications} replications" if cmp.n_scenarios > 1
            else f"{cmp.replications} replications")
    return (wide.to_html(escape=True)
            + f"<p class='muted'>Mean ± 95 % CI half-width over {over}.</p>")


def _scenario(cmp: Comparison) -> str:
    sc = cmp.scenario
    facts = pd.DataFrame({"": ["branch", "AMs", "clients", "allocation rule", "working days measured", "warm-up days",
                              "hours per day"],
                          "value": [sc.branch.name, sc.managers.count, sc.clients.count, sc.allocation.rule,
                                    sc.branch.horizon_days, sc.branch.warmup_days, sc.branch.hours_per_day]})
    toml = sc.to_toml(minimal=True)
    text = (facts.to_html(index=False, escape=True)
            + "<details><summary>The scenario file (values that differ from the defaults)</summary>"
            + f"<pre>{escape(toml)}</pre></details>")
    if cmp.n_scenarios > 1:
        text = (f"<p>{cmp.n_scenarios} scenarios; the first is shown, and the fields that differ between them are "
                f"listed below.</p>" + text + _varying(cmp))
    return text


def _varying(cmp: Comparison) -> str:
    """The scenario fields that are not the same in every scenario, with their range across the scenarios."""
    flat = [_flatten(sc.to_dict()) for sc in cmp.scenarios]
    rows = []
    for path in dict.fromkeys(k for f in flat for k in f):
        values = [f.get(path) for f in flat]
        if all(v == values[0] for v in values):
            continue
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        shown = (f"{min(numbers):.4g} to {max(numbers):.4g}" if len(numbers) == len(values)
                 else ", ".join(dict.fromkeys(map(str, values)))[:120])
        rows.append({"field": path, "across the scenarios": shown, "distinct values": len(set(map(str, values)))})
    if not rows:
        return "<p class='muted'>The scenarios are all the same.</p>"
    return pd.DataFrame(rows).to_html(index=False, escape=True)


def _provenance(cmp: Comparison, command: str | None, store: str | Path | None) -> str:
    seeds = (f"numpy.random.SeedSequence({cmp.seed}, spawn_key=((s + r) (s + r + 1) / 2 + r,)) for replication "
             f"r = 0..{max(cmp.replications - 1, 0)} of scenario s = 0..{cmp.n_scenarios - 1}" if cmp.n_scenarios > 1
             else f"numpy.random.SeedSequence({cmp.seed}, spawn_key=(r,)), r = 0..{max(cmp.replications - 1, 0)}")
    info: dict[str, Any] = {"seed": cmp.seed, "replications": cmp.replications,
                            **({"scenarios": cmp.n_scenarios} if cmp.n_scenarios > 1 else {}),
                            "replication seeds": seeds, **cmp.provenance}
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


# --------------------------------------------------------------------------- calibration and robustness reports

__all__ += ["calibration_report_html", "robustness_report_html", "write_calibration_report",
            "write_robustness_report"]


def _page(title: str, parts: Sequence[str]) -> str:
    """A self-contained HTML page: `title` and the parts, with the report's styles inline."""
    body = "\n".join(parts)
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n")


def _report_path(out: str | Path) -> Path:
    """`out` as the report's file: a folder (existing, or without a suffix) gets `report.html`."""
    path = Path(out)
    if path.is_dir() or not path.suffix:
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table of cells that are already HTML (escaped where they hold text)."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _info_table(info: Mapping[str, Any]) -> str:
    return "<table>" + "".join(f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))}</td></tr>"
                               for k, v in info.items()) + "</table>"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"


def _share(value: float) -> str:
    return "n/a" if value != value else f"{value:.0%}"


def _figures(figures: Sequence[tuple[str, Any, str]]) -> str:
    """Draw each figure that its function can draw (a function that raises ValueError has nothing to show)."""
    html = []
    for name, draw, caption in figures:
        try:
            fig = draw()
        except ValueError:
            continue
        html.append(_figure(name, fig, caption))
    return "".join(html)


def write_calibration_report(cal: Calibration, out_dir: str | Path, *, command: str | None = None,
                             title: str | None = None, lang: str = "en") -> Path:
    """Write the HTML report of a calibration to `out_dir`/report.html (or to `out_dir` itself when it
    names an .html file); return the file. One self-contained page, as `write_report`'s."""
    path = _report_path(out_dir)
    path.write_text(calibration_report_html(cal, command=command, title=title, lang=lang), encoding="utf-8")
    return path


def calibration_report_html(cal: Calibration, *, command: str | None = None, title: str | None = None,
                            lang: str = "en") -> str:
    """The report of a calibration as one HTML page: the branch and what it observed, the method, the
    fit, the parameters and what the data pin down, the posterior, the waves, the warnings and the
    provenance."""
    sc = cal.base
    obs = cal.observed
    title = title or f"simbranch calibration: {obs.name or sc.branch.name}"
    runs = int(cal.provenance.get("runs", cal.waves["runs"].sum()))
    waves = int((cal.waves["wave"] != "check").sum())
    b = sc.branch
    parts = [f"<h1>{escape(title)}</h1>",
             f"<p class='muted'>The scenario {escape(sc.branch.name)} ({sc.managers.count} AMs, {sc.clients.count} "
             f"clients, {b.horizon_days} working days measured after {b.warmup_days} warm-up days) with "
             f"{_count(len(cal.parameters), 'parameter')} fitted to {_count(len(obs), 'observed KPI')}: {runs} runs in "
             f"{_count(waves, 'wave')} and a check, seed {cal.seed}. Generated {time.strftime('%Y-%m-%d %H:%M')}.</p>"]
    parts.append("<h2>What it shows</h2>" + _calibration_findings(cal))

    what = escape(obs.name or "The branch") + (f": {escape(obs.description)}" if obs.description else "")
    source = f" (<code>{escape(obs.source)}</code>)" if obs.source else ""
    rows = [(escape(k), _number(v), _number(s), _share(s / abs(v)) if v else "n/a")
            for k, (v, s) in obs.values.items()]
    each = ("each value one horizon of one branch" if cal.provenance.get("observed_runs", 1) == 1 else
            f"each value the mean of {cal.provenance['observed_runs']} horizons")
    parts.append(f"<h2>What was observed</h2><p>{what}{source}; {each}, with the standard deviation of the "
                 "observation (its sampling error, or how far the number is trusted).</p>"
                 + _html_table(("KPI", "observed", "sd", "sd / value"), rows))

    parts.append(
        "<h2>Method</h2><p>History matching in waves: a space-filling design of settings of the parameters is "
        "simulated, a Gaussian-process emulator of each observed KPI learns from the runs, and settings where an "
        "observed value lies more than three standard deviations (of the observation, the model's own run-to-run "
        "noise and the emulator's uncertainty) from the emulated one are ruled out before the next wave. The "
        "settings no wave rules out, uniform over the prior ranges, are weighted by the emulators' Gaussian "
        "likelihood of the observed KPIs to give the posterior, and the model itself then checks the answer by "
        f"simulating the best point and draws of the posterior.</p><p class='muted'>Effective posterior sample "
        f"{cal.ess:.0f}; docs/calibration.md describes the method and what it leaves out.</p>")

    fit_rows = []
    for kpi, r in zip(cal.fit.index, cal.fit.itertuples(index=False), strict=True):
        fit_rows.append((escape(str(kpi)), f"{_number(r.observed)} ± {_number(r.sd)}", _number(r.simulated),
                         f"[{_number(r.low)}, {_number(r.high)}]", _number(r.best),
                         "n/a" if r.z != r.z else f"{r.z + 0.0:+.2f}", "yes" if r.within_sd else "<b>no</b>",
                         "yes" if r.covered else "no", _share(r.emulator_ok)))
    parts.append("<h2>Fit</h2>" + _html_table(
        ("KPI", "observed ± sd", "simulated mean", "90 % interval", "best point", "z", "within 1 sd",
         "observed in interval", "emulator ok"), fit_rows)
        + "<p class='muted'>Simulated: the posterior-predictive check, one draw of the posterior per run (each "
          "observed as the branch was); 90 % interval across those draws; best point: the mean of its runs; "
          "z = (simulated mean - observed) / sd; emulator ok: the share of check runs the emulator predicted within "
          "three sd (below about 90 %, do not trust the posterior).</p>"
        + _figures([("Observed against simulated", lambda: cal.plot("fit"),
                     "Each KPI in standard deviations of its observation: the observed value at 0 with 1 and 2 sd "
                     "bands, the simulated mean and 90 % interval over posterior draws, and the best point.")]))

    param_rows = []
    for r in cal.identifiability.itertuples(index=False):
        param_rows.append((escape(r.parameter), f"{_number(r.low)} to {_number(r.high)}",
                           _number(cal.best[r.parameter]), _number(r.median),
                           f"{_number(r.q05)} to {_number(r.q95)}", _share(r.width_share),
                           escape(r.correlated_with) or "", escape(r.status)))
    parts.append("<h2>Parameters</h2>" + _identifiability_sentences(cal) + _html_table(
        ("parameter", "prior range", "best", "posterior median", "90 % interval", "width against prior",
         "correlated with", "status"), param_rows)
        + "<p class='muted'>Width against prior: the 90 % interval's width over the prior's 90 % width (100 %: the "
          "data taught nothing). Correlated with: |weighted correlation| of 0.7 or more in the posterior. The "
          "calibrated scenario (calibrated.toml) holds the best point; posterior draws (Calibration.scenarios(n)) "
          "carry the uncertainty into a comparison of policies.</p>"
        + _figures([("Posterior of each parameter", lambda: cal.plot("posterior"),
                     "Weighted posterior histogram over the prior range (dashed: the flat prior), the 90 % interval "
                     "shaded, the best point marked."),
                    *([("Pairs of parameters", lambda: cal.plot("pairs"),
                        "Posterior draws of each pair (darker: more weight): a ridge shows two parameters that the "
                        "data pin down only together.")] if len(cal.parameters) > 1 else [])]))

    wave_rows = [(escape(str(r.wave)), str(int(r.points)), str(int(r.runs)),
                  "" if r.plausible_share != r.plausible_share else f"{r.plausible_share:.1%}")
                 for r in cal.waves.itertuples(index=False)]
    parts.append("<h2>Waves</h2>" + _html_table(("wave", "settings", "runs", "plausible share of the prior box"),
                                               wave_rows)
                 + "<p class='muted'>The check runs the best point and the posterior draws.</p>"
                 + _figures([("What each wave leaves plausible", lambda: cal.plot("waves"),
                              "The share of the prior box that no wave so far rules out.")]))

    parts.append("<h2>Warnings</h2>" + ("<ul>" + "".join(f"<li>{escape(w)}</li>" for w in cal.warnings) + "</ul>"
                                        if cal.warnings else "<p>None.</p>"))
    parts.append("<h2>Calibrated scenario</h2><details><summary>calibrated.toml (the best point, with the "
                 f"posterior intervals as comments)</summary><pre>{escape(cal.to_toml())}</pre></details>")
    info: dict[str, Any] = {"seed": cal.seed, "runs": runs,
                            "wall time": f"{cal.provenance.get('wall_time_s', float('nan')):.1f} s",
                            "model fingerprint": cal.provenance.get("model", ""),
                            "effective posterior sample": f"{cal.ess:.0f}"}
    info.update({k: v for k, v in cal.provenance.items() if k not in ("seed", "runs", "wall_time_s", "model")})
    if obs.source:
        info["observed data"] = obs.source
    if command:
        info["command"] = command
    parts.append("<h2>Provenance</h2>" + _info_table(info)
                 + "<p class='muted'>The same seed, scenario, observed data and options give the same calibration; "
                   "with a result store, the same command resumes.</p>")
    return _page(title, parts)


def _calibration_findings(cal: Calibration) -> str:
    fit = cal.fit
    items = []
    missed = [f"{escape(str(k))} (z = {z:+.1f})" for k, z, ok in zip(fit.index, fit["z"], fit["within_sd"],
                                                                      strict=True) if not ok]
    items.append(f"The calibrated model reproduces {len(fit) - len(missed)} of the {len(fit)} observed KPIs within one "
                 "standard deviation of the observation"
                 + (f"; not: {', '.join(missed)}." if missed else "."))
    weak = [escape(str(k)) for k, ok in zip(fit.index, fit["emulator_ok"], strict=True) if ok == ok and ok < 0.9]
    if weak:
        items.append(f"The emulator predicted fewer than 90 % of the check runs of {', '.join(weak)}: read the "
                     "posterior as rough.")
    status = cal.identifiability["status"]
    pinned = cal.identifiability.loc[status == "pinned down", "parameter"]
    loose = cal.identifiability.loc[status == "not pinned down", "parameter"]
    items.append("The data pin down " + (", ".join(escape(p) for p in pinned) if len(pinned) else "no parameter on "
                                         "its own") + ".")
    if len(loose):
        items.append(f"The data cannot pin down {', '.join(escape(p) for p in loose)}: "
                     f"{'its' if len(loose) == 1 else 'their'} posterior is nearly as wide as the prior range.")
    together = _together(cal)
    if together:
        items.append("Only together: " + "; ".join(together) + ".")
    if cal.warnings:
        items.append(f"{len(cal.warnings)} warning{'s' if len(cal.warnings) != 1 else ''}: see Warnings.")
    return "<ul class='findings'>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _together(cal: Calibration) -> list[str]:
    """Each strongly correlated pair once: 'a and b (r = +0.85)' (HTML)."""
    import re

    pairs: dict[frozenset[str], str] = {}
    for r in cal.identifiability.itertuples(index=False):
        for partner in filter(None, str(r.correlated_with).split("; ")):
            match = re.match(r"(\S+) \(([+-][0-9.]+)\)", partner)
            if match:
                key = frozenset((r.parameter, match.group(1)))
                pairs.setdefault(key, f"{escape(r.parameter)} and {escape(match.group(1))} (r = {match.group(2)})")
    return list(pairs.values())


def _identifiability_sentences(cal: Calibration) -> str:
    """What the data can and cannot say about the parameters, in plain words."""
    ident = cal.identifiability
    lines = []
    for r in ident.itertuples(index=False):
        interval = f"{_number(r.q05)} to {_number(r.q95)}"
        if r.status == "not pinned down":
            lines.append(f"<b>{escape(r.parameter)}</b>: not pinned down by these data. Its 90 % interval "
                         f"({interval}) covers {_share(r.width_share)} of the prior's; treat it as unknown within "
                         f"{_number(r.low)} to {_number(r.high)} (observing a KPI it drives would narrow it).")
        elif r.status.startswith("pinned down only with"):
            lines.append(f"<b>{escape(r.parameter)}</b>: pinned down only together with "
                         f"{escape(r.correlated_with)}. The data fix a combination (a ridge in the pairs figure), not "
                         "each one: use posterior draws, which keep them together, rather than one value of each.")
        else:
            lines.append(f"<b>{escape(r.parameter)}</b>: pinned down, 90 % interval {interval} "
                         f"({_share(r.width_share)} of the prior's width).")
    return "<ul class='findings'>" + "".join(f"<li>{line}</li>" for line in lines) + "</ul>"


def write_robustness_report(rob: Robustness, out_dir: str | Path, *, command: str | None = None,
                            title: str | None = None, sensitivity: pd.DataFrame | None = None,
                            lang: str = "en") -> Path:
    """Write the HTML report of a robustness study to `out_dir`/report.html (or to `out_dir` itself when
    it names an .html file); return the file. `sensitivity` reuses `rob.sensitivity()` when already
    computed."""
    path = _report_path(out_dir)
    path.write_text(robustness_report_html(rob, command=command, title=title, sensitivity=sensitivity, lang=lang),
                    encoding="utf-8")
    return path


def robustness_report_html(rob: Robustness, *, command: str | None = None, title: str | None = None,
                           sensitivity: pd.DataFrame | None = None, lang: str = "en") -> str:
    """The report of a robustness study as one HTML page: per policy how often it beats the baseline and
    its range of effects, how stable the ranking is, which assumptions matter, and the provenance."""
    from simbranch import plots
    from simbranch.analysis.tradeoffs import higher_is_better

    sc = rob.comparison.scenario
    b = sc.branch
    title = title or f"simbranch: how the policies hold across the assumptions on {sc.branch.name}"
    policies = len(rob.policies) - 1
    runs = rob.n * (policies + 1) * rob.replications
    indices = rob.sensitivity() if sensitivity is None else sensitivity
    ranked = indices[indices["rank"].notna()] if len(indices) else indices
    parts = [f"<h1>{escape(title)}</h1>",
             f"<p class='muted'>{_count(policies, 'policy')} and the baseline x "
             f"{_count(rob.n, 'draw')} ({escape(rob.method)}) of {_count(len(rob.ranges), 'assumption')} x "
             f"{_count(rob.replications, 'replication')} = {runs} runs, seed {rob.seed}; "
             f"{sc.managers.count} AMs, {sc.clients.count} clients, {b.horizon_days} working days measured after "
             f"{b.warmup_days} warm-up days. Generated {time.strftime('%Y-%m-%d %H:%M')}.</p>"]

    items = []
    for kpi in rob.kpis:
        for r in rob.shares[rob.shares["kpi"] == kpi].itertuples(index=False):
            verdict = ("whatever the assumptions" if r.share_better >= 0.9 or r.share_better <= 0.1
                       else "depending on the assumptions") if r.share_better == r.share_better else ""
            items.append(f"{escape(r.policy)} beats the baseline on {escape(kpi)} in {_share(r.share_better)} of the "
                         f"draws ({verdict}); median effect {_number(r.median, signed=True)}, 5-95 % range "
                         f"{_number(r.low, signed=True)} to {_number(r.high, signed=True)}.")
    if rob.best_policy is not None:
        items.append(f"Best on {escape(rob.kpi)} (expected over the draws): <b>{escape(rob.best_policy)}</b>, the best "
                     f"in {_share(rob.best_share)} of the draws.")
    if len(ranked):
        for output, frame in ranked.groupby("output", sort=False):
            top = frame[(frame["rank"] <= 3) & (frame["S1"] > 0)]
            items.append(f"{escape(str(output)).capitalize()} depends most on "
                         + ", ".join(f"{escape(p)} (S1 {s:.2f})" for p, s in zip(top["parameter"], top["S1"],
                                                                                  strict=True)) + "."
                         if len(top) else f"{escape(str(output)).capitalize()}: no assumption stands out.")
    else:
        items.append(f"Which assumptions matter cannot be measured with {rob.n} draws (64 or more rank them).")
    if len(rob.failures):
        items.append(f"{len(rob.failures)} runs failed: see Failed runs.")
    parts.append("<h2>What it shows</h2><ul class='findings'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")

    parts.append(
        "<h2>Method</h2><p>The assumed coefficients are drawn across their plausible ranges (a "
        + ("Latin hypercube" if rob.method == "lhs" else "scrambled Sobol' sequence")
        + "), and in each draw the baseline and every policy run on the same seeds, so that each policy's effect in "
        "a draw is a paired difference; the share of draws in which a policy beats the baseline, and the spread of "
        "its effect across the draws, say how far the conclusion depends on what is assumed. Which assumptions "
        "matter most is read off the same draws by RBD-FAST first-order indices (SALib): the share of the "
        "variance of an effect across the draws that each assumption explains on its own.</p>"
        "<p class='muted'>Each draw carries its own replications' noise besides its assumptions: with few "
        "replications, a share near 50 % may be noise as much as assumptions.</p>")

    share_rows = [(escape(r.policy), escape(r.kpi), _share(r.share_better), _number(r.median, signed=True),
                   f"{_number(r.low, signed=True)} to {_number(r.high, signed=True)}", _number(r.mean, signed=True),
                   str(int(r.n_draws)))
                  for r in rob.shares.itertuples(index=False)]
    directions = ", ".join(f"{escape(k)}: {'higher' if higher_is_better(k) else 'lower'} is better" for k in rob.kpis)
    parts.append("<h2>Effects across the draws</h2>" + _html_table(
        ("policy", "KPI", "draws beating the baseline", "median effect", "5-95 % range", "mean effect", "draws"),
        share_rows) + f"<p class='muted'>Effect: policy minus baseline on the same seeds within a draw, mean over its "
                      f"replications ({directions}).</p>"
        + _figures([("Effects across the assumption ranges",
                     lambda: plots.robustness_effects(rob.effects, rob.shares, rob.kpis),
                     "Each policy's effect in every draw (dots), its median (diamond) and 5-95 % range (bar); on "
                     "the right, the share of draws in which it beats the baseline.")]))

    stability_rows = [(escape(r.policy), "n/a" if r.overall_rank != r.overall_rank else str(int(r.overall_rank)),
                       _number(r.expected), _share(r.share_best),
                       "n/a" if r.mean_rank != r.mean_rank else f"{r.mean_rank:.2f}")
                      for r in rob.stability.itertuples(index=False)]
    parts.append(f"<h2>Ranking on {escape(rob.kpi)}</h2>" + _html_table(
        ("policy", "overall rank", "expected value", "best in (share of draws)", "mean rank"), stability_rows)
        + _figures([("How often each policy is the best", lambda: plots.ranking_shares(rob.stability, rob.kpi),
                     "Left: the share of draws in which each policy is the best; right: its mean rank (1 = best).")]))

    if len(ranked):
        top = ranked[ranked["rank"] <= 5]
        sens_rows = [(escape(str(r.output)), str(int(r.rank)), escape(r.parameter), f"{r.S1:.3f}",
                      "n/a" if r.S1_conf != r.S1_conf else f"± {r.S1_conf:.3f}")
                     for r in top.itertuples(index=False)]
        parts.append("<h2>Which assumptions matter</h2>" + _html_table(
            ("output", "rank", "assumption", "S1", "95 % CI"), sens_rows)
            + f"<p class='muted'>RBD-FAST first-order indices over the {rob.n} draws, the top 5 per output; the "
              "ranking margin is how far the overall best policy is ahead of the best other policy in a draw. "
            + ("With fewer than 64 draws the indices are rough (see their CIs); a negative one is zero within its "
               "noise." if rob.n < 64 else "A negative index is zero within its noise.") + "</p>"
            + _figures([("Most influential assumptions",
                         lambda: plots.sensitivity_bars(ranked[ranked["rank"] <= 10], kpi=rob.kpi),
                         "First-order index of the ten most influential assumptions of each output.")]))
    else:
        parts.append(f"<h2>Which assumptions matter</h2><p>Not measurable with {rob.n} draws: RBD-FAST needs more "
                     "draws (64 or more rank the assumptions).</p>")

    range_rows = []
    for path, spec in rob.ranges.items():
        shown = (f"{_number(spec[0])} to {_number(spec[1])}" if isinstance(spec, tuple) and len(spec) == 2
                 else ", ".join(map(str, spec)))
        range_rows.append((escape(path), escape(shown)))
    table = _html_table(("assumption", "range drawn"), range_rows)
    parts.append(f"<h2>Assumptions varied ({len(rob.ranges)})</h2>"
                 + (f"<details><summary>every range drawn</summary>{table}</details>" if len(range_rows) > 12
                    else table))
    if len(rob.failures):
        failures = rob.failures.assign(error=rob.failures["error"].astype(str).str.strip().str.splitlines().str[-1])
        parts.append(f"<h2>Failed runs ({len(rob.failures)})</h2>" + failures.to_html(index=False, escape=True,
                                                                                       na_rep=""))
    info: dict[str, Any] = {"seed": rob.seed, "draws": rob.n, "replications per draw": rob.replications,
                            "runs": runs, "model fingerprint": rob.provenance.get("model", "")}
    info.update({k: v for k, v in rob.provenance.items() if k not in ("seed", "model", "n")})
    if command:
        info["command"] = command
    parts.append("<h2>Provenance</h2>" + _info_table(info)
                 + "<p class='muted'>The same seed, scenario, policies and ranges give the same draws and numbers on "
                   "any machine and executor.</p>")
    return _page(title, parts)
