"""The figure of an optimisation: the trade-off between its first two objectives, with every candidate
the search tried, the Pareto front it found, the baseline and, for reference, preset policies."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simbranch.plots._base import (
    BASELINE_COLOR,
    DOMINATED_COLOR,
    OKABE_ITO,
    axis_label,
    better_text,
    drawn,
    finite,
    format_axis,
    need,
    new_figure,
    place_labels,
    policy_label,
    say,
    wrap,
)

__all__ = ["optimisation_front"]

#: The front's colour (Okabe-Ito blue) and the presets' (vermillion).
FRONT_COLOR = OKABE_ITO[3]
PRESET_COLOR = OKABE_ITO[4]

def objective_axes(objectives: Mapping[str, str]) -> tuple[str, str]:
    """The KPIs along x and y: the first two objectives (a ValueError with fewer, or a way that is
    neither "max" nor "min")."""
    names = list(objectives)
    if len(names) < 2:
        raise ValueError(f"the front figure needs two objectives, and this optimisation has {len(names)}"
                         + (f" ({names[0]})" if names else "") + "; with one, read `front` and `trials`")
    wrong = {k: v for k, v in objectives.items() if v not in ("max", "min")}
    if wrong:
        raise ValueError(f"an objective is 'max' or 'min', not {', '.join(f'{k}: {v!r}' for k, v in wrong.items())}")
    return names[0], names[1]


def _bars(frame: pd.DataFrame, kpi: str) -> list[np.ndarray]:
    """Error bars (below, above) of the front's points on one axis; none where there is no interval."""
    return [finite(frame[kpi] - frame[f"{kpi}_ci_low"]), finite(frame[f"{kpi}_ci_high"] - frame[kpi])]


@drawn
def optimisation_front(trials: pd.DataFrame, front: pd.DataFrame, baseline: pd.Series, objectives: Mapping[str, str],
                       presets: pd.DataFrame | None = None, *, lang: str = "en", currency: str = "CNY") -> Figure:
    """Draw the trade-off an optimisation found between its first two objectives.

    Every candidate the search ran (status "ok") is a grey dot, at its values on the search
    replications; the Pareto front's points, re-evaluated on the final replications, are joined
    by a line, with their 95 % intervals as bars; the baseline is a star; preset policies, given,
    are labelled diamonds at the baseline plus their paired differences. The axes say which way
    is better for each objective.

    Parameters
    ----------
    trials : pandas.DataFrame
        ``Optimisation.trials``: a row per candidate, with its status and a column per objective.
    front : pandas.DataFrame
        ``Optimisation.front``: per objective its value with ``<kpi>_ci_low`` and
        ``<kpi>_ci_high`` (no row: no front drawn); a point with a ``dominated_within_noise_by``
        is drawn hollow.
    baseline : pandas.Series
        ``Optimisation.baseline``: the baseline's value of each objective.
    objectives : mapping of str to str
        ``Optimisation.objectives``: KPI -> "max" or "min"; the first is along x, the second
        along y.
    presets : pandas.DataFrame, optional
        Where to draw preset policies: index the policy names, a column per objective (the first
        two at least), values the baseline's plus the policy's paired difference
        (``plot_optimisation(opt, presets=cmp)`` makes it of a `Comparison`).
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, default "CNY"
        Currency of money (the scenario's ``branch.currency``).

    Returns
    -------
    matplotlib.figure.Figure
        One panel.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh"; `objectives` has fewer than two KPIs or a way that is
        neither "max" nor "min"; or a frame lacks one of its columns (`baseline` one of the two
        objectives).

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> opt = sb.optimise(scenario, {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None},
    ...                   budget_runs=10, replications=2, final_replications=3, population=4,
    ...                   executor="serial", progress=False)
    >>> fig = plots.optimisation_front(opt.trials, opt.front, opt.baseline, opt.objectives, lang="zh")
    >>> len(fig.axes)
    1
    """
    x, y = objective_axes(objectives)
    need(trials, ["status", x, y], "optimisation_front (trials)")
    need(front, [x, f"{x}_ci_low", f"{x}_ci_high", y, f"{y}_ci_low", f"{y}_ci_high"], "optimisation_front (front)")
    missing = [k for k in (x, y) if k not in baseline.index]
    if missing:
        raise ValueError(f"optimisation_front (baseline) needs a value of {x} and {y}; missing {', '.join(missing)}")
    if presets is not None:
        need(presets, [x, y], "optimisation_front (presets)")
    fig, (ax,) = new_figure(1, panel=(7.6, 5.6), lang=lang)
    ok = trials[trials["status"] == "ok"]
    ax.scatter(ok[x].to_numpy(dtype=float), ok[y].to_numpy(dtype=float), s=14, color=DOMINATED_COLOR, zorder=1)
    handles = [Line2D([], [], color=DOMINATED_COLOR, marker="o", lw=0, label=say("opt_trials", lang))]
    points = front.sort_values(x)
    if len(points):
        ax.errorbar(points[x].to_numpy(dtype=float), points[y].to_numpy(dtype=float), xerr=_bars(points, x),
                    yerr=_bars(points, y), fmt="o-", color=FRONT_COLOR, ms=7, capsize=3, zorder=3)
        handles.append(Line2D([], [], color=FRONT_COLOR, marker="o", label=say("opt_front", lang)))
        if "dominated_within_noise_by" in points:  # hollow: another point is as good within the noise, better on one
            beaten = points[points["dominated_within_noise_by"].fillna("").astype(str) != ""]
            if len(beaten):
                ax.scatter(beaten[x].to_numpy(dtype=float), beaten[y].to_numpy(dtype=float), s=49, zorder=4,
                           facecolor="white", edgecolor=FRONT_COLOR, linewidth=1.5)
                handles.append(Line2D([], [], color=FRONT_COLOR, marker="o", markerfacecolor="white", lw=0,
                                      label=say("opt_noise", lang)))
    ax.plot([float(baseline[x])], [float(baseline[y])], marker="*", ms=16, color=BASELINE_COLOR, lw=0, zorder=4)
    handles.append(Line2D([], [], color=BASELINE_COLOR, marker="*", ms=12, lw=0,
                          label=policy_label("baseline", lang)))
    texts = []
    if presets is not None and len(presets):
        for name, row in presets.iterrows():
            px, py = float(row[x]), float(row[y])
            ax.plot([px], [py], marker="D", ms=7, color=PRESET_COLOR, lw=0, zorder=3)
            texts.append(ax.text(px, py, wrap(policy_label(name, lang), 30), fontsize=8, zorder=5))
        handles.append(Line2D([], [], color=PRESET_COLOR, marker="D", lw=0, label=say("opt_presets", lang)))
    sep = ", " if lang == "en" else ","
    ax.set_xlabel(f"{axis_label(x, lang, currency)}{sep}{better_text(x, lang, objectives[x] == 'max')}")
    ax.set_ylabel(f"{axis_label(y, lang, currency)}{sep}{better_text(y, lang, objectives[y] == 'max')}")
    format_axis(ax.xaxis, x, lang)
    format_axis(ax.yaxis, y, lang)
    ax.grid(alpha=0.3)
    ax.margins(0.1)
    ax.set_title(say("opt_title", lang, x=axis_label(x, lang, currency), y=axis_label(y, lang, currency)), fontsize=11)
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)  # four long labels: two a row
    if texts:
        drawn_points = pd.concat([ok[[x, y]], points[[x, y]], presets[[x, y]] if presets is not None else None,
                                  baseline[[x, y]].to_frame().T]).astype(float).dropna()
        place_labels(fig, ax, texts, list(drawn_points[x]), list(drawn_points[y]))
    return fig
