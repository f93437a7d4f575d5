"""Figures of a comparison of policies: differences from the baseline, levels per policy, series over
time, spreads across clients and AMs, and the trade-off between two KPIs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simbranch import meanings
from simbranch.analysis.bands import band, smooth
from simbranch.analysis.tradeoffs import pareto_front
from simbranch.plots._base import (
    BASELINE_COLOR,
    DOMINATED_COLOR,
    UNNAMED,
    axis_label,
    better_sides,
    better_text,
    drawn,
    finite,
    format_axis,
    kpi_label,
    kpi_title,
    legend,
    need,
    new_figure,
    percent,
    pick_kpis,
    place_labels,
    policy_colors,
    policy_handles,
    policy_label,
    policy_markers,
    say,
    styles,
    unit_text,
    value_text,
    wrap,
)

__all__ = ["HEADLINE", "TIME_SERIES", "am_scatter", "distributions", "forest", "kpi_bars", "over_time", "tradeoff"]

#: KPIs that `forest` and `kpi_bars` show when none are named (those present, in this order).
HEADLINE = ("satisfaction_mean", "sales_count", "revenue", "profit", "exhausted_share", "wait_mean_h")
#: Daily series that `over_time` shows when none are named.
TIME_SERIES = ("satisfaction_mean", "sales_count", "stress_mean", "wait_mean_h", "headcount")


def _best_first(rows: pd.DataFrame, kpi: str) -> list[str]:
    """The policies of one KPI's rows by their difference, the best first (the largest where higher
    is better or neither way is, the smallest where lower is better); no difference last."""
    found = meanings.find(kpi)
    ascending = found is not None and found.better == "lower"
    ordered = rows.sort_values("difference", ascending=ascending, na_position="last", kind="stable")
    return list(dict.fromkeys(ordered["policy"]))


def _significant(row: Any) -> bool:
    value = getattr(row, "significant", False)
    return bool(value) if pd.notna(value) else False


@drawn
def forest(paired: pd.DataFrame, kpis: Sequence[str] | None = None, *, lang: str = "en", currency: str = "CNY",
           level: float = 0.95) -> Figure:
    """Draw how each policy moves each KPI against the baseline: a forest plot of paired differences.

    One panel per KPI, titled with the KPI and which way is better; the policies down the y axis
    sorted by their effect, the best at the top, and "better →" / "← worse" on the side of the x
    axis where they lie. A point is the mean paired difference from the baseline over the
    replications (common random numbers make it precise), the bar its interval as
    `Comparison.paired` gives it (adjusted for multiplicity, so it excludes 0 exactly when the
    difference is significant), the dashed line no difference. Filled points are significant,
    hollow ones are not. Each policy has its colour and marker (`policy_colors`, `policy_markers`).

    Parameters
    ----------
    paired : pandas.DataFrame
        ``Comparison.paired()``: policy, kpi, difference, ci_low, ci_high, significant and
        baseline_mean. From a comparison on several scenarios (columns interval_low and
        interval_high), a thin line behind each point shows the range of the effect across the
        scenarios (parameter uncertainty and noise).
    kpis : sequence of str, optional
        The KPIs, one panel each; by default the headline KPIs present (`HEADLINE`, up to 6).
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, default "CNY"
        Currency of money (a scenario's ``branch.currency``, `currency_of`).
    level : float, default 0.95
        The level of the intervals in `paired`, named in the title and the legend.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per KPI, made without pyplot (``fig.savefig(path)`` writes it).

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", `paired` lacks one of the columns policy, kpi, difference,
        ci_low and ci_high, or a KPI of `kpis` is not in it.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
    >>> fig = plots.forest(cmp.paired(), ["profit", "wait_mean_h"])
    >>> len(fig.axes)
    2
    """
    need(paired, ["policy", "kpi", "difference", "ci_low", "ci_high"], "forest")
    ranged = {"interval_low", "interval_high"} <= set(paired.columns)
    kpis = pick_kpis(paired["kpi"], kpis, HEADLINE)
    policies = list(dict.fromkeys(paired["policy"]))
    colors, markers = policy_colors(policies), policy_markers(policies)
    fig, axes = new_figure(len(kpis), panel=(4.8, 1.6 + 0.5 * len(policies)), lang=lang)
    for ax, kpi in zip(axes, kpis, strict=True):
        rows = paired[paired["kpi"] == kpi]
        order = _best_first(rows, kpi)
        ypos = {name: len(order) - 1 - i for i, name in enumerate(order)}
        ax.axvline(0.0, color="black", lw=0.9, ls="--", zorder=1)
        for row in rows.itertuples(index=False):
            d, lo, hi = float(row.difference), float(row.ci_low), float(row.ci_high)
            color, y = colors[row.policy], ypos[row.policy]
            if ranged and np.isfinite([row.interval_low, row.interval_high]).all():
                ax.plot([row.interval_low, row.interval_high], [y, y], color=color, lw=1.0, alpha=0.6,
                        solid_capstyle="butt", zorder=2)
                ax.plot([row.interval_low, row.interval_high], [y, y], "|", color=color, ms=9, alpha=0.6, zorder=2)
            ax.errorbar([d], [y], xerr=[[finite(d - lo)], [finite(hi - d)]], fmt=markers[row.policy], ms=7,
                        color=color, mec=color, mfc=color if _significant(row) else "white", mew=1.6, elinewidth=2,
                        capsize=3, label=row.policy, zorder=3)
        ax.set_yticks(list(ypos.values()), [wrap(policy_label(name, lang)) for name in ypos])
        ax.set_ylim(-1.3, len(order) - 0.4)  # the band below the last row holds "better" and "worse"
        better_sides(ax, kpi, lang)
        title = wrap(kpi_title(kpi, lang), 44)
        if "baseline_mean" in rows and len(rows) and pd.notna(rows["baseline_mean"].iloc[0]):
            mean = value_text(kpi, float(rows["baseline_mean"].iloc[0]), lang, currency)
            title += "\n" + say("baseline_mean", lang, value=mean)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(say("difference", lang, unit=unit_text(kpi, lang, currency, difference=True) or "-"))
        format_axis(ax.xaxis, kpi, lang, difference=True)
        ax.grid(axis="x", alpha=0.3)
    interval = percent(level, lang)
    handles = [Line2D([], [], color="0.3", marker="o", mfc="0.3", lw=0,
                      label=say("significant", lang, level=interval)),
               Line2D([], [], color="0.3", marker="o", mfc="white", lw=0, label=say("not_significant", lang))]
    if ranged:
        fig.suptitle(say("forest_title_ranged", lang, level=interval))
        handles.append(Line2D([], [], color="0.3", lw=1.0, alpha=0.6, marker="|", ms=9,
                              label=say("scenario_range", lang)))
    else:
        fig.suptitle(say("forest_title", lang, level=interval))
    legend(fig, handles)
    return fig


@drawn
def kpi_bars(summary: pd.DataFrame, kpis: Sequence[str] | None = None, *, lang: str = "en", currency: str = "CNY",
             level: float = 0.95) -> Figure:
    """Draw the level of each KPI per policy: a dot plot of the mean over replications with its CI.

    One panel per KPI (titled with which way is better), one row per policy with its colour and
    marker, the error bar the confidence interval half-width of ``Comparison.summary()`` (cut at
    the range the KPI can take, `simbranch.meanings.bounds`: no share below 0), and a dotted line
    at the baseline's mean. The axis spans the means, not zero: 0.76 against 0.84 shows as the gap
    it is. (The name stays from when these were bars from zero.)

    Parameters
    ----------
    summary : pandas.DataFrame
        ``Comparison.summary()``: policy, kpi, mean, ci_half_width and n.
    kpis : sequence of str, optional
        The KPIs, one panel each; by default the headline KPIs present (`HEADLINE`, up to 6).
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, default "CNY"
        Currency of money (a scenario's ``branch.currency``, `currency_of`).
    level : float, default 0.95
        The level of the intervals in `summary`, named in the title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per KPI.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", `summary` lacks one of the columns policy, kpi and mean,
        or a KPI of `kpis` is not in it.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
    >>> fig = plots.kpi_bars(cmp.summary(), ["satisfaction_mean", "profit"], lang="zh")
    >>> len(fig.axes)
    2
    """
    need(summary, ["policy", "kpi", "mean"], "kpi_bars")
    kpis = pick_kpis(summary["kpi"], kpis, HEADLINE)
    policies = list(dict.fromkeys(summary["policy"]))
    colors, markers = policy_colors(policies), policy_markers(policies)
    fig, axes = new_figure(len(kpis), panel=(4.6, max(2.8, 0.34 * len(policies) + 1.6)), lang=lang)
    for i, (ax, kpi) in enumerate(zip(axes, kpis, strict=True)):
        rows = summary[summary["kpi"] == kpi].set_index("policy").reindex(policies)
        half = rows["ci_half_width"] if "ci_half_width" in rows else pd.Series(np.nan, index=rows.index)
        low, high = meanings.bounds(kpi) if meanings.find(kpi) is not None else (-np.inf, np.inf)
        for y, name in enumerate(policies):
            mean, h = float(rows.loc[name, "mean"]), float(finite(half.loc[name]))
            span = [[mean - max(mean - h, low)], [min(mean + h, high) - mean]]  # inside what the KPI can be
            ax.errorbar([mean], [y], xerr=span, fmt=markers[name],
                        ms=7, color=colors[name], capsize=3, elinewidth=1.6, label=name, zorder=3)
        if "baseline" in policies and np.isfinite(rows.loc["baseline", "mean"]):
            ax.axvline(float(rows.loc["baseline", "mean"]), color=BASELINE_COLOR, lw=1.0, ls=":", zorder=1)
        labels = [wrap(policy_label(p, lang)) for p in policies]
        ax.set_yticks(range(len(policies)), labels if i % 3 == 0 else [""] * len(policies))
        ax.set_ylim(len(policies) - 0.5, -0.5)
        ax.margins(x=0.12)
        ax.set_title(wrap(kpi_title(kpi, lang), 44), fontsize=10)
        ax.set_xlabel(axis_label(kpi, lang, currency))
        format_axis(ax.xaxis, kpi, lang)
        ax.grid(axis="x", alpha=0.3)
    n = sorted(set(summary["n"].dropna().astype(int))) if "n" in summary else []
    runs = say("replications", lang, n=n[0]) if len(n) == 1 else say("the_replications", lang)
    fig.suptitle(say("kpis_title", lang, runs=runs, level=percent(level, lang)))
    handles = policy_handles(policies, lang, "marker")
    if "baseline" in policies:
        handles.append(Line2D([], [], color=BASELINE_COLOR, ls=":", lw=1.0, label=say("baseline_line", lang)))
    legend(fig, handles)
    return fig


def _filter_policies(frame: pd.DataFrame, policies: Sequence[str] | None) -> tuple[pd.DataFrame, list[str]]:
    present = list(dict.fromkeys(frame["policy"]))
    if policies is None:
        return frame, present
    unknown = [p for p in policies if p not in present]
    if unknown:
        raise ValueError(f"no policy {', '.join(map(repr, unknown))} in the frame; policies: {', '.join(present)}")
    return frame[frame["policy"].isin(list(policies))], [p for p in present if p in set(policies)]


@drawn
def over_time(daily: pd.DataFrame, columns: Sequence[str] | None = None, *, policies: Sequence[str] | None = None,
              smooth_days: int = 1, level: float = 0.95, lang: str = "en", currency: str = "CNY") -> Figure:
    """Draw daily series over the run: how KPIs build up, settle and differ between policies.

    One panel per column, titled with which way is better and its y axis labelled with the unit
    (per day for a flow); one line per policy in its colour, with its marker every few days, the
    mean over replications of each day (after a centred rolling mean over `smooth_days` days of
    each replication, if more than 1), and a band, the `level` t confidence interval of that mean
    across replications where there are at least two (`simbranch.analysis.bands`). Warm-up days
    (rows with ``warmup`` True) are shaded: the KPIs leave them out.

    Parameters
    ----------
    daily : pandas.DataFrame
        ``Comparison.daily(warmup=True)`` (policy, replication, day, warmup and the series), or
        a run's ``RunResult.daily`` (no policy or replication column: one line).
    columns : sequence of str, optional
        The series, one panel each; by default satisfaction, sales, stress, wait and headcount
        (`TIME_SERIES`), those present.
    policies : sequence of str, optional
        The policies to draw; by default every policy in `daily`.
    smooth_days : int, default 1
        Width in days of the centred rolling mean of each replication (1: no smoothing).
    level : float, default 0.95
        Confidence level of the bands.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, default "CNY"
        Currency of money (a scenario's ``branch.currency``, `currency_of`).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per column.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", `daily` has no day column, a column of `columns` or a
        policy of `policies` is not in it, `smooth_days` is not a positive integer or `level` is
        not between 0 and 1.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
    >>> fig = plots.over_time(cmp.daily(warmup=True), ["satisfaction_mean", "headcount"], smooth_days=2)
    >>> len(fig.axes)
    2
    """
    need(daily, ["day"], "over_time")
    columns = pick_kpis([c for c in daily.columns if c not in ("policy", "scenario", "replication", "day", "warmup")],
                        columns, TIME_SERIES, limit=len(TIME_SERIES))
    named = "policy" in daily.columns
    frame = daily if named else daily.assign(policy=UNNAMED)
    if "replication" not in frame.columns:
        frame = frame.assign(replication=0)
    frame, present = _filter_policies(frame, policies)
    colors, markers = styles(present, named)
    warm = frame.loc[frame["warmup"].astype(bool), "day"] if "warmup" in frame.columns else pd.Series(dtype=float)
    frame = smooth(frame, columns, smooth_days, by=("policy", "scenario", "replication"), order="day")
    runs = ["scenario", "replication"] if "scenario" in frame.columns else ["replication"]
    reps = int(frame.drop_duplicates(["policy", *runs]).groupby("policy").size().max()) if len(frame) else 0
    fig, axes = new_figure(len(columns), ncols=min(3, len(columns)), panel=(4.8, 3.3), lang=lang)
    banded = False
    for ax, column in zip(axes, columns, strict=True):
        if len(warm):
            ax.axvspan(float(warm.min()) - 0.5, float(warm.max()) + 0.5, facecolor="0.93", edgecolor="0.75",
                       hatch="//", lw=0, zorder=0)
        stats = band(frame, ["policy", "day"], column, level)
        for k, name in enumerate(present):
            rows = stats[stats["policy"] == name].sort_values("day")
            days = rows["day"].to_numpy(dtype=float)
            every = max(1, len(days) // 6)
            ax.plot(days, rows["mean"].to_numpy(dtype=float), color=colors[name], lw=1.6, marker=markers[name], ms=4,
                    markevery=(k * every // max(len(present), 1) % every, every), label=str(name), zorder=3)
            if rows["n"].max() >= 2:
                ax.fill_between(days, rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float),
                                color=colors[name], alpha=0.2, lw=0, zorder=2)
                banded = True
        ax.set_title(wrap(kpi_title(column, lang), 44), fontsize=10)
        ax.set_xlabel(say("day", lang))
        ax.set_ylabel(wrap(axis_label(column, lang, currency, daily=True), 40))
        ax.grid(alpha=0.3)
        format_axis(ax.yaxis, column, lang)
    several = len(runs) > 1
    unit = say("unit_runs" if several else "unit_replications", lang)
    what = (say("mean_over", lang, n=reps, unit=unit) if reps > 1
            else say("one_replication" if named else "one_run", lang))
    smoothed = say("smoothed", lang, n=smooth_days) if smooth_days > 1 else ""
    fig.suptitle(say("time_title", lang, what=what, smoothed=smoothed))
    handles = policy_handles(present, lang) if named else []
    if banded:
        handles.append(Patch(facecolor="0.45", alpha=0.35, label=say(
            "band", lang, level=percent(level, lang), unit=say("band_runs" if several else "band_replications", lang))))
    if len(warm):
        handles.append(Patch(facecolor="0.93", edgecolor="0.75", hatch="//", label=say("warmup", lang)))
    legend(fig, handles)
    return fig


def _runs(frames: Mapping[str, pd.DataFrame] | pd.DataFrame) -> tuple[dict[str, pd.DataFrame], bool]:
    if isinstance(frames, pd.DataFrame):
        return {UNNAMED: frames}, False
    return dict(frames), True


@drawn
def distributions(clients: Mapping[str, pd.DataFrame] | pd.DataFrame,
                  managers: Mapping[str, pd.DataFrame] | pd.DataFrame, *, lang: str = "en",
                  currency: str = "CNY") -> Figure:
    """Draw how satisfaction and sales spread across clients and AMs: empirical distribution functions.

    Four panels, one curve per policy (a line at value x reaches the share of clients or AMs at or
    below x; a curve further right is better): satisfaction of the clients still with the branch
    at the end, revenue per client over the run (symmetric log axis: the jump at 0 is the share
    who bought nothing), sales per AM, and the mean satisfaction of each AM's clients at the end.
    Means hide whether a policy lifts everyone or a few; these curves show it.

    Parameters
    ----------
    clients : mapping of str to pandas.DataFrame, or pandas.DataFrame
        From a policy name to a run's ``RunResult.clients`` (`Comparison.rerun` gives runs); a
        bare frame is one unnamed run.
    managers : mapping of str to pandas.DataFrame, or pandas.DataFrame
        The same for ``RunResult.managers``.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, default "CNY"
        Currency of money (a scenario's ``branch.currency``, `currency_of`).

    Returns
    -------
    matplotlib.figure.Figure
        Four panels.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", or a frame lacks the column a panel draws (satisfaction
        or revenue of the clients, sales_count or client_satisfaction of the AMs).

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
    >>> runs = {name: cmp.rerun(name) for name in ("baseline", "crm_routing")}
    >>> fig = plots.distributions({n: r.clients for n, r in runs.items()},
    ...                           {n: r.managers for n, r in runs.items()})
    >>> len(fig.axes)
    4
    """
    clients_by, named = _runs(clients)
    managers_by, named_m = _runs(managers)
    names = list(dict.fromkeys([*clients_by, *managers_by]))
    colors, markers = styles(names, named or named_m)
    fig, axes = new_figure(4, ncols=2, panel=(5.2, 3.5), lang=lang)
    panels = [
        (clients_by, "satisfaction", "dist_satisfaction", "share_clients"),
        (clients_by, "revenue", "dist_revenue", "share_clients"),
        (managers_by, "sales_count", "dist_sales", "share_ams"),
        (managers_by, "client_satisfaction", "dist_client_satisfaction", "share_ams"),
    ]
    for ax, (runs, column, title, ylabel) in zip(axes, panels, strict=True):
        lowest = np.inf
        for name, frame in runs.items():
            if column not in frame.columns:
                raise ValueError(f"distributions needs a {column!r} column in the frames; {name!r} has "
                                 f"{', '.join(map(str, frame.columns))}")
            rows = frame[frame["active"].astype(bool)] if column == "satisfaction" and "active" in frame else frame
            values = rows[column].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            if len(values):
                ax.ecdf(values, color=colors[name], lw=1.6, marker=markers[name], ms=4,
                        markevery=max(1, 2 * len(values) // 6), label=str(name))
                positive = values[values > 0]
                lowest = min(lowest, positive.min()) if len(positive) else lowest
        if column == "revenue" and np.isfinite(lowest):
            ax.set_xscale("symlog", linthresh=float(10 ** np.floor(np.log10(lowest))))
        ax.set_title(say(title, lang), fontsize=10)
        ax.set_xlabel(axis_label(column, lang, currency))
        ax.set_ylabel(say(ylabel, lang))
        ax.set_ylim(0, 1.02)
        format_axis(ax.xaxis, column, lang)
        format_axis(ax.yaxis, "utilisation", lang)  # a share: percentages
        ax.grid(alpha=0.3)
    fig.suptitle(say("dist_title", lang))
    legend(fig, policy_handles(names, lang) if named or named_m else [])
    return fig


@drawn
def am_scatter(managers: Mapping[str, pd.DataFrame] | pd.DataFrame, *, lang: str = "en",
               currency: str = "CNY") -> Figure:
    """Draw each AM as a point: whether stress pays in sales and skill shows in client satisfaction.

    Two panels: sales closed over the run against the AM's stress at the end, and the mean
    satisfaction of the AM's clients at the end against the AM's mean skill. One colour and
    marker per policy; hollow markers are AMs who left during the run (their client satisfaction
    is empty, they have no clients at the end).

    Parameters
    ----------
    managers : mapping of str to pandas.DataFrame, or pandas.DataFrame
        From a policy name to a run's ``RunResult.managers``; a bare frame is one unnamed run.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, default "CNY"
        Currency of money (a scenario's ``branch.currency``, `currency_of`).

    Returns
    -------
    matplotlib.figure.Figure
        Two panels.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", or a frame lacks one of the columns stress, sales_count,
        skill_mean and client_satisfaction.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> result = sb.run(scenario, seed=1)
    >>> fig = plots.am_scatter(result.managers)
    >>> len(fig.axes)
    2
    """
    runs, named = _runs(managers)
    colors, markers = styles(list(runs), named)
    fig, axes = new_figure(2, ncols=2, panel=(5.2, 4.0), lang=lang)
    panels = [("stress", "sales_count", "scatter_sales"), ("skill_mean", "client_satisfaction", "scatter_satisfaction")]
    any_left = False
    for ax, (x, y, title) in zip(axes, panels, strict=True):
        for name, frame in runs.items():
            need(frame, [x, y], "am_scatter")
            left = frame["left_day"].notna().to_numpy() if "left_day" in frame else np.zeros(len(frame), bool)
            any_left |= bool(left.any())
            xs, ys = frame[x].to_numpy(dtype=float), frame[y].to_numpy(dtype=float)
            ax.scatter(xs[~left], ys[~left], s=36, marker=markers[name], color=colors[name], edgecolors=colors[name],
                       alpha=0.85, label=str(name))
            if left.any():
                ax.scatter(xs[left], ys[left], s=36, marker=markers[name], facecolors="none", edgecolors=colors[name],
                           linewidths=1.4, label=f"{name} (left)")
        ax.set_title(say(title, lang), fontsize=10)
        ax.set_xlabel(say("at_end", lang, label=axis_label(x, lang, currency)) if x == "stress"
                      else axis_label(x, lang, currency))
        ax.set_ylabel(say("over_run" if y == "sales_count" else "at_end", lang, label=axis_label(y, lang, currency)))
        format_axis(ax.xaxis, x, lang)
        format_axis(ax.yaxis, y, lang)
        ax.grid(alpha=0.3)
    fig.suptitle(say("scatter_title", lang))
    handles = policy_handles(list(runs), lang, "marker") if named else []
    if any_left:
        handles.append(Line2D([], [], color="0.3", marker="o", mfc="none", lw=0, label=say("left", lang)))
    legend(fig, handles)
    return fig


def _directions(x: str, y: str) -> tuple[bool, bool]:
    """Whether larger is better for x and y, from `simbranch.meanings.better`; a KPI with no better
    direction (or unknown to the registry) is a ValueError: dominance on it would be a guess."""
    ways = {kpi: (found.better if (found := meanings.find(kpi)) is not None else "neither") for kpi in (x, y)}
    unclear = [kpi for kpi, way in ways.items() if way == "neither"]
    if unclear:
        raise ValueError(f"no better direction for {' and '.join(map(repr, unclear))} (simbranch.meanings.better), "
                         f"so dominance is not defined; give maximize=(bool, bool) for {x!r} and {y!r}")
    return ways[x] == "higher", ways[y] == "higher"


def _mean_bars(rows: pd.DataFrame) -> pd.DataFrame:
    """Error bars of means: the CI half-width below and above (none without one)."""
    half = rows["ci_half_width"] if "ci_half_width" in rows else pd.Series(np.nan, index=rows.index)
    return pd.DataFrame({"policy": rows["policy"], "kpi": rows["kpi"], "low": half, "high": half})


def _positions(summary: pd.DataFrame, x: str, y: str, paired: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where each policy sits and its error bars: the means with their CI half-widths, or, with
    `paired`, the baseline's mean plus each policy's paired difference with the paired interval,
    and the reference (the baseline, absent from `paired`) at its mean without bars; a policy that
    is in neither role keeps its mean and CI. Returns a summary-like frame (policy, kpi, mean) and
    the bars (index policy and kpi; columns low and high)."""
    rows = summary[summary["kpi"].isin([x, y])]
    if paired is None:
        return rows[["policy", "kpi", "mean"]], _mean_bars(rows).set_index(["policy", "kpi"])
    need(paired, ["policy", "kpi", "difference", "ci_low", "ci_high"], "tradeoff(paired=...)")
    missing = {x, y} - set(paired["kpi"])
    if missing:
        raise ValueError(f"paired has no {', '.join(sorted(missing))}: give Comparison.paired(kpis=[{x!r}, {y!r}])")
    pairs = paired[paired["kpi"].isin([x, y])]
    unpaired = rows[~rows["policy"].isin(set(pairs["policy"]))]
    names = list(dict.fromkeys(unpaired["policy"]))
    reference = "baseline" if "baseline" in names else names[0] if names else None
    base = unpaired[unpaired["policy"] == reference].groupby("kpi")["mean"].first()
    if "baseline_mean" in pairs:
        base = pairs.groupby("kpi")["baseline_mean"].first().combine_first(base)
    moved = pd.DataFrame({"policy": pairs["policy"], "kpi": pairs["kpi"],
                          "mean": pairs["kpi"].map(base) + pairs["difference"]})
    bars = pd.DataFrame({"policy": pairs["policy"], "kpi": pairs["kpi"], "low": pairs["difference"] - pairs["ci_low"],
                         "high": pairs["ci_high"] - pairs["difference"]})
    others = _mean_bars(unpaired[unpaired["policy"] != reference])
    points = pd.concat([unpaired[["policy", "kpi", "mean"]], moved], ignore_index=True)
    return points, pd.concat([bars, others], ignore_index=True).set_index(["policy", "kpi"])


def _bar(bars: pd.DataFrame, name: str, kpi: str) -> list[list[float]] | None:
    """A point's error bar on one axis (below, above), or None for the reference point, which has none."""
    if (name, kpi) not in bars.index:
        return None
    low, high = bars.loc[(name, kpi), ["low", "high"]]
    return [[float(finite(low))], [float(finite(high))]]


@drawn
def tradeoff(summary: pd.DataFrame, x: str = "satisfaction_mean", y: str = "profit", *,
             maximize: tuple[bool, bool] | None = None, paired: pd.DataFrame | None = None, lang: str = "en",
             currency: str = "CNY", level: float = 0.95) -> Figure:
    """Draw two KPIs against each other: which policies are worth considering at all.

    Each policy is a point in its colour and marker, labelled with its name (labels moved apart so
    that none overlaps another). Policies that no other policy beats on both KPIs (the Pareto
    front, `simbranch.analysis.tradeoffs.pareto_front`) are joined by a line; dominated ones are
    grey. Dominance is on the points; overlapping bars mean the replications cannot separate them.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``Comparison.summary()`` with both KPIs. Without `paired`, a point is a policy's means
        with confidence-interval bars on both axes.
    x : str, default "satisfaction_mean"
        The KPI along the x axis.
    y : str, default "profit"
        The KPI along the y axis.
    maximize : tuple of (bool, bool), optional
        Whether larger is better for `x` and for `y`; by default `simbranch.meanings.better`
        says (a KPI with no better direction needs `maximize`).
    paired : pandas.DataFrame, optional
        ``Comparison.paired()`` with both KPIs, as ``plot_comparison(cmp, "tradeoff")`` gives it:
        a point is then the baseline's mean plus the policy's paired difference, its bars the
        paired interval (far tighter: common random numbers), and the baseline is the reference
        point without bars.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, default "CNY"
        Currency of money (a scenario's ``branch.currency``, `currency_of`).
    level : float, default 0.95
        The level of the intervals, named in the title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh"; `summary` lacks one of the columns policy, kpi and mean,
        or `x` or `y`; `x` and `y` are the same KPI; either has no better direction and
        `maximize` is not given; `paired` lacks a column or one of the two KPIs; or no policy has
        a value of both.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
    >>> kpis = ["satisfaction_mean", "profit"]
    >>> fig = plots.tradeoff(cmp.summary(kpis), paired=cmp.paired(kpis=kpis))
    >>> len(fig.axes)
    1
    """
    need(summary, ["policy", "kpi", "mean"], "tradeoff")
    maximize = maximize if maximize is not None else _directions(x, y)
    points, bars = _positions(summary, x, y, paired)
    front = pareto_front(points, x, y, maximize)
    if not len(front):
        raise ValueError(f"nothing to draw: no policy has a value of both {x} and {y} (with no clients or no "
                         "measured day, some KPIs are undefined)")
    policies = list(front["policy"])
    colors, markers = policy_colors(policies), policy_markers(policies)
    reference = set(policies) - set(paired["policy"]) if paired is not None else set()
    fig, (ax,) = new_figure(1, panel=(7.6, 5.6), lang=lang)
    texts = []
    for row in front.itertuples(index=False):
        name, px, py, dominated = row[0], float(row[1]), float(row[2]), bool(row[3])
        color = DOMINATED_COLOR if dominated else colors[name]
        ax.errorbar([px], [py], xerr=_bar(bars, name, x), yerr=_bar(bars, name, y), fmt=markers[name],
                    ms=9 if name in reference else 8, color=color, mec="0.3" if dominated else color, capsize=3,
                    elinewidth=1.4, zorder=2 if dominated else 3, label=name)
        texts.append(ax.text(px, py, wrap(policy_label(name, lang), 30), fontsize=9, zorder=4,
                             color="0.45" if dominated else "black"))
    best = front[~front["dominated"]].sort_values(x)
    if len(best) > 1:
        ax.plot(best[x].to_numpy(dtype=float), best[y].to_numpy(dtype=float), color="black", lw=1.2, ls="--",
                zorder=1, label="Pareto front")
    ax.set_xlabel(f"{axis_label(x, lang, currency)}{', ' if lang == 'en' else ','}{better_text(x, lang, maximize[0])}")
    ax.set_ylabel(f"{axis_label(y, lang, currency)}{', ' if lang == 'en' else ','}{better_text(y, lang, maximize[1])}")
    format_axis(ax.xaxis, x, lang)
    format_axis(ax.yaxis, y, lang)
    ax.grid(alpha=0.3)
    ax.margins(0.12)
    k = int(front["dominated"].sum())
    title = say("tradeoff_title", lang, y=kpi_label(y, lang), x=kpi_label(x, lang), k=k, n=len(front))
    note = say("tradeoff_paired" if paired is not None else "tradeoff_means", lang, level=percent(level, lang))
    ax.set_title(f"{title}\n{note}", fontsize=11)
    handles = [Line2D([], [], color="black", ls="--", marker="o", label=say("front", lang)),
               Line2D([], [], color=DOMINATED_COLOR, marker="o", mec="0.3", lw=0, label=say("dominated", lang))]
    if paired is not None:
        handles.append(Line2D([], [], color=BASELINE_COLOR, marker="o", lw=0, label=say("reference", lang)))
    legend(fig, handles)
    if texts:
        place_labels(fig, ax, texts, list(front[x].astype(float)), list(front[y].astype(float)))
    return fig
