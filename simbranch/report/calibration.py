"""The report of a calibration: one self-contained page that says what fits, what the data pin down,
what they pin down only together, and what reproduces it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from simbranch.report.page import report_path as _report_path
from simbranch.report.parts import count as _count
from simbranch.report.parts import draw_figures as _figures
from simbranch.report.parts import html_table as _html_table
from simbranch.report.parts import info_table as _info_table
from simbranch.report.parts import number as _number
from simbranch.report.parts import page as _page
from simbranch.report.parts import share as _share

if TYPE_CHECKING:
    from simbranch.experiment.calibrate import Calibration

__all__ = ["calibration_report_html", "write_calibration_report"]


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
    return _page(title, parts, lang)


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
