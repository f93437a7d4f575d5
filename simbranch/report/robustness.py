"""The report of a robustness study: per measure how often it beats the baseline across the assumption
ranges and how far its effect varies, how stable the ranking is, and which assumptions matter."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
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
    from simbranch.experiment.robustness import Robustness

__all__ = ["robustness_report_html", "write_robustness_report"]


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
    return _page(title, parts, lang)
