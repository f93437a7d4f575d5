"""Figures of simulation results, drawn with matplotlib from the plain result frames.

Every function takes frames as `Comparison`, `Sweep` and `RunResult` give them and returns a
`matplotlib.figure.Figure`; none of them computes statistics of its own (means, intervals and
dominance come from `simbranch.analysis`). Figures are made without pyplot, so nothing piles up
in pyplot's list of open figures; in Jupyter a returned figure shows as an image, and
`fig.savefig(path)` writes it to a file.

A policy has the same colour in every figure of a session (`policy_colors`); the baseline is
always grey.

    import simbranch.plots as plots
    plots.forest(cmp.paired())            # differences from the baseline with CIs
    plots.over_time(cmp.daily(warmup=True), smooth_days=5)
    cmp.plot("tradeoff")                  # the same figures through the result objects
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simbranch import meanings
from simbranch.analysis.bands import band, smooth
from simbranch.analysis.tradeoffs import higher_is_better, pareto_front

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from simbranch.experiment.calibrate import Calibration
    from simbranch.experiment.compare import Comparison
    from simbranch.experiment.robustness import Robustness
    from simbranch.experiment.sweep import Sweep
    from simbranch.run import RunResult

__all__ = [
    "BASELINE_COLOR",
    "CALIBRATION_KINDS",
    "COMPARISON_KINDS",
    "ROBUSTNESS_KINDS",
    "RUN_KINDS",
    "SWEEP_KINDS",
    "am_scatter",
    "calibration_fit",
    "calibration_pairs",
    "calibration_posterior",
    "calibration_waves",
    "distributions",
    "forest",
    "heatmap",
    "kpi_bars",
    "over_time",
    "plot_calibration",
    "plot_comparison",
    "plot_robustness",
    "plot_run",
    "plot_sweep",
    "policy_colors",
    "ranking_shares",
    "robustness_effects",
    "sensitivity_bars",
    "tradeoff",
]

#: KPIs that `forest` and `kpi_bars` show when none are named (those present, in this order).
HEADLINE = ("satisfaction_mean", "sales_count", "revenue", "profit", "exhausted_share", "wait_mean_h")
#: Daily series that `over_time` shows when none are named.
TIME_SERIES = ("satisfaction_mean", "sales_count", "stress_mean", "wait_mean_h", "headcount")

BASELINE_COLOR = "#7f7f7f"
#: The colour of a run that has no policy name (a bare `RunResult` frame).
UNNAMED_COLOR = "#222222"
UNNAMED = "run"
_DOMINATED_COLOR = "#c4c4c4"

#: Qualitative palette for policies: tab10 then the light shades of tab20, greys left out (grey is the baseline's).
_PALETTE = [mpl.colors.to_hex(c) for i, c in enumerate(mpl.colormaps["tab10"].colors) if i != 7] + [
    mpl.colors.to_hex(c) for i, c in enumerate(mpl.colormaps["tab20"].colors) if i % 2 and i != 15]
_ASSIGNED: dict[str, str] = {}


def policy_colors(names: Sequence[str]) -> dict[str, str]:
    """The colour of each policy name: the baseline grey, every other name the next free colour of a
    qualitative palette the first time it is seen, and that same colour in every later figure of
    the session (so a policy looks the same in a forest plot, over time and in a scatter)."""
    out = {}
    for name in dict.fromkeys(names):
        if name == "baseline":
            out[name] = BASELINE_COLOR
            continue
        if name not in _ASSIGNED:
            _ASSIGNED[name] = _PALETTE[len(_ASSIGNED) % len(_PALETTE)]
        out[name] = _ASSIGNED[name]
    return out


def _colors(names: Sequence[str], named: bool = True) -> dict[str, str]:
    return policy_colors(names) if named else dict.fromkeys(names, UNNAMED_COLOR)


def _label(name: str, *, daily: bool = False) -> str:
    """An axis label: the column name with its unit from `simbranch.meanings` (per day for daily flows)."""
    found = meanings.find(name)
    if found is None:
        return name
    unit = f"{found.unit_en} per day" if daily and found.flow else found.unit_en
    return f"{name} ({unit})"


_ipython_ready = False


def _figure(n: int = 1, ncols: int = 3, panel: tuple[float, float] = (4.3, 3.3),
            **kwargs: Any) -> tuple[Figure, list[Axes]]:
    """A figure with `n` panels on a grid of up to `ncols` columns (constrained layout)."""
    _show_in_ipython()
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows + 0.6), layout="constrained")
    axes = [fig.add_subplot(nrows, ncols, i + 1, **kwargs) for i in range(n)]
    return fig, axes


def _show_in_ipython() -> None:
    """In IPython / Jupyter, load the session's matplotlib backend once, as pyplot would on its first
    figure: the backend registers the display of figures, so a returned `Figure` shows as an image."""
    global _ipython_ready
    if _ipython_ready:
        return
    _ipython_ready = True
    ipython = sys.modules.get("IPython")
    if ipython is None or getattr(ipython, "get_ipython", lambda: None)() is None:
        return
    import matplotlib.pyplot as plt

    with contextlib.suppress(Exception):  # a GUI backend that cannot start here: figures still save to files
        plt.switch_backend(mpl.get_backend())


def _need(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs columns {', '.join(columns)}; missing {', '.join(missing)} "
                         f"(columns: {', '.join(map(str, frame.columns))})")


def _pick_kpis(present: Sequence[str], kpis: Sequence[str] | None, default: Sequence[str], limit: int = 6) -> list[str]:
    present = list(dict.fromkeys(present))
    if kpis is None:
        chosen = [k for k in default if k in present][:limit] or present[:limit]
        if not chosen:
            raise ValueError("nothing to draw: the frame has no rows (or no KPI columns)")
        return chosen
    if isinstance(kpis, str):
        kpis = [kpis]
    unknown = [k for k in kpis if k not in present]
    if unknown:
        raise ValueError(f"no KPI {', '.join(map(repr, unknown))} in the frame; KPIs: {', '.join(map(str, present))}")
    return list(kpis)


def _legend(fig: Figure, handles: list[Any], title: str | None = None) -> None:
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6), frameon=False,
                   title=title)


def _policy_handles(colors: Mapping[str, str], kind: str = "line") -> list[Any]:
    if kind == "patch":
        return [Patch(facecolor=c, label=str(name)) for name, c in colors.items()]
    return [Line2D([], [], color=c, marker="o" if kind == "marker" else None, lw=0 if kind == "marker" else 2,
                   label=str(name)) for name, c in colors.items()]


def _num(value: float, digits: int = 3) -> str:
    """A number for a label: 1,234 below ten thousand, then 98.2k, 1.5M; small ones with `digits` significant digits."""
    if not np.isfinite(value):
        return "n/a"
    if abs(value) < 1e4:
        return f"{value:,.0f}" if abs(value) >= 1e3 else f"{value:.{digits}g}"
    for scale, suffix in ((1e3, "k"), (1e6, "M"), (1e9, "G")):
        text = f"{value / scale:.{digits}g}"
        if "e" not in text and abs(float(text)) < 1000:
            return text + suffix
    return f"{value:.{digits}g}"


def _compact(axis: Any, values: Any) -> None:
    """Tick labels as 25k, 1.5M when the values reach ten thousand (long tick labels overlap)."""
    values = np.asarray(values, dtype=float)
    top = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.0
    if top >= 1e4:
        scale, suffix = (1e6, "M") if top >= 1e6 else (1e3, "k")
        axis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v / scale:.4g}{suffix}" if v else "0"))


def _finite(values: Any) -> np.ndarray:
    """Error bar lengths with NaN (no interval, e.g. one replication) drawn as none."""
    return np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)


# ---------------------------------------------------------------------------------------------- comparisons


def forest(paired: pd.DataFrame, kpis: Sequence[str] | None = None) -> Figure:
    """How each policy moves each KPI against the baseline: a forest plot of paired differences.

    One panel per KPI, the policies down the y axis. A point is the mean paired difference from
    the baseline over the replications (common random numbers make it precise), the bar its
    confidence interval, the dashed line no difference. Filled points are significant after the
    multiplicity adjustment of `Comparison.paired` (Benjamini-Hochberg by default), hollow ones
    are not: an interval that crosses zero is an effect the replications cannot tell from noise.

    `paired` is `Comparison.paired()` (policy, kpi, difference, ci_low, ci_high, significant,
    baseline_mean). `kpis` defaults to the headline KPIs present (up to 6). From a comparison on
    several scenarios (columns `interval_low`, `interval_high`), a thin line behind each point
    shows the range of the effect across the scenarios (parameter uncertainty and noise), and
    the point and its bar are the expected difference with its CI.
    """
    _need(paired, ["policy", "kpi", "difference", "ci_low", "ci_high"], "forest")
    ranged = {"interval_low", "interval_high"} <= set(paired.columns)
    kpis = _pick_kpis(paired["kpi"], kpis, HEADLINE)
    policies = list(dict.fromkeys(paired["policy"]))
    colors = policy_colors(policies)
    fig, axes = _figure(len(kpis), panel=(4.3, 1.2 + 0.45 * len(policies)))
    ypos = {name: len(policies) - 1 - i for i, name in enumerate(policies)}
    for ax, kpi in zip(axes, kpis, strict=True):
        rows = paired[paired["kpi"] == kpi]
        ax.axvline(0.0, color="black", lw=0.9, ls="--", zorder=1)
        for row in rows.itertuples(index=False):
            d, lo, hi = float(row.difference), float(row.ci_low), float(row.ci_high)
            significant = getattr(row, "significant", False)
            significant = bool(significant) if pd.notna(significant) else False
            color = colors[row.policy]
            if ranged and np.isfinite([row.interval_low, row.interval_high]).all():
                ax.plot([row.interval_low, row.interval_high], [ypos[row.policy]] * 2, color=color, lw=1.0, alpha=0.6,
                        solid_capstyle="butt", zorder=2)
                ax.plot([row.interval_low, row.interval_high], [ypos[row.policy]] * 2, "|", color=color, ms=9,
                        alpha=0.6, zorder=2)
            ax.errorbar([d], [ypos[row.policy]], xerr=[[_finite(d - lo)], [_finite(hi - d)]], fmt="o", ms=7,
                        color=color, mec=color, mfc=color if significant else "white", mew=1.6, elinewidth=2,
                        capsize=3, label=row.policy, zorder=3)
        ax.set_yticks(list(ypos.values()), list(ypos))
        ax.set_ylim(-0.6, len(policies) - 0.4)
        title = kpi
        if "baseline_mean" in rows and len(rows) and pd.notna(rows["baseline_mean"].iloc[0]):
            title += f"\nbaseline mean {_num(float(rows['baseline_mean'].iloc[0]), 4)}"
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(f"difference from baseline\n{_label(kpi)}")
        shown = ["ci_low", "ci_high", "difference", *(["interval_low", "interval_high"] if ranged else [])]
        _compact(ax.xaxis, rows[shown].to_numpy(dtype=float))
        ax.grid(axis="x", alpha=0.3)
    handles = [Line2D([], [], color="0.3", marker="o", mfc="0.3", lw=0, label="significant (adjusted p)"),
               Line2D([], [], color="0.3", marker="o", mfc="white", lw=0, label="not significant")]
    if ranged:
        fig.suptitle("Policies against the baseline over the scenarios: expected difference with its confidence "
                     "interval,\nthin line: the range of the effect across the scenarios")
        handles.append(Line2D([], [], color="0.3", lw=1.0, alpha=0.6, marker="|", ms=9,
                              label="range across the scenarios"))
    else:
        fig.suptitle("Policies against the baseline: mean paired difference with its confidence interval")
    _legend(fig, handles)
    return fig


def kpi_bars(summary: pd.DataFrame, kpis: Sequence[str] | None = None) -> Figure:
    """The absolute level of each KPI per policy: bars of the mean over replications with CI error bars.

    One panel per KPI, one bar per policy in its colour, the error bar the confidence interval
    half-width of `Comparison.summary()`. Bars start at zero, so small differences between
    policies look small: `forest` shows the differences themselves.

    `summary` is `Comparison.summary()` (policy, kpi, mean, ci_half_width, n). `kpis` defaults to
    the headline KPIs present (up to 6).
    """
    _need(summary, ["policy", "kpi", "mean"], "kpi_bars")
    kpis = _pick_kpis(summary["kpi"], kpis, HEADLINE)
    policies = list(dict.fromkeys(summary["policy"]))
    colors = policy_colors(policies)
    # horizontal bars: any number of policies fits, names read without rotation
    fig, axes = _figure(len(kpis), panel=(4.3, max(2.6, 0.32 * len(policies) + 1.3)))
    for i, (ax, kpi) in enumerate(zip(axes, kpis, strict=True)):
        rows = summary[summary["kpi"] == kpi].set_index("policy").reindex(policies)
        half = rows["ci_half_width"] if "ci_half_width" in rows else pd.Series(np.nan, index=rows.index)
        ax.barh(range(len(policies)), rows["mean"].to_numpy(dtype=float), xerr=_finite(half),
                color=[colors[p] for p in policies], capsize=3, edgecolor="black", linewidth=0.5)
        ax.set_yticks(range(len(policies)), policies if i % 3 == 0 else [""] * len(policies))
        ax.invert_yaxis()
        ax.set_title(kpi, fontsize=10)
        ax.set_xlabel(_label(kpi))
        ax.grid(axis="x", alpha=0.3)
        ax.axvline(0.0, color="black", lw=0.6)
        _compact(ax.xaxis, rows["mean"])
    n = sorted(set(summary["n"].dropna().astype(int))) if "n" in summary else []
    reps = f" ({n[0]} replications)" if len(n) == 1 else ""
    fig.suptitle(f"KPIs per policy: mean over replications with its confidence interval{reps}")
    _legend(fig, _policy_handles(colors, "patch"))
    return fig


def over_time(daily: pd.DataFrame, columns: Sequence[str] | None = None, *, policies: Sequence[str] | None = None,
              smooth_days: int = 1, level: float = 0.95) -> Figure:
    """Daily series over the run: how KPIs build up, settle and differ between policies day by day.

    One panel per column; one line per policy, the mean over replications of each day (after a
    centred rolling mean over `smooth_days` days of each replication, if more than 1), and a band,
    the `level` t confidence interval of that mean across replications where there are at least
    two (`simbranch.analysis.bands`). Warm-up days (rows with `warmup` True) are shaded: the KPIs
    leave them out.

    `daily` is `Comparison.daily(warmup=True)` (policy, replication, day, ...) or a run's
    `RunResult.daily` (no policy or replication column: one line). `columns` defaults to
    satisfaction, sales, stress, wait and headcount, those present; `policies` picks some.
    """
    _need(daily, ["day"], "over_time")
    columns = _pick_kpis([c for c in daily.columns if c not in ("policy", "scenario", "replication", "day", "warmup")],
                         columns, TIME_SERIES, limit=len(TIME_SERIES))
    named = "policy" in daily.columns
    frame = daily if named else daily.assign(policy=UNNAMED)
    if "replication" not in frame.columns:
        frame = frame.assign(replication=0)
    present = list(dict.fromkeys(frame["policy"]))
    if policies is not None:
        unknown = [p for p in policies if p not in present]
        if unknown:
            raise ValueError(f"no policy {', '.join(map(repr, unknown))} in the frame; policies: {', '.join(present)}")
        frame = frame[frame["policy"].isin(list(policies))]
        present = [p for p in present if p in set(policies)]
    colors = _colors(present, named)
    warm = frame.loc[frame["warmup"].astype(bool), "day"] if "warmup" in frame.columns else pd.Series(dtype=float)
    frame = smooth(frame, columns, smooth_days, by=("policy", "scenario", "replication"), order="day")
    runs = ["scenario", "replication"] if "scenario" in frame.columns else ["replication"]
    reps = int(frame.drop_duplicates(["policy", *runs]).groupby("policy").size().max()) if len(frame) else 0
    fig, axes = _figure(len(columns), ncols=min(3, len(columns)), panel=(4.6, 3.2))
    banded = False
    for ax, column in zip(axes, columns, strict=True):
        if len(warm):
            ax.axvspan(float(warm.min()) - 0.5, float(warm.max()) + 0.5, facecolor="0.93", edgecolor="0.75",
                       hatch="//", lw=0, zorder=0)
        stats = band(frame, ["policy", "day"], column, level)
        for name in present:
            rows = stats[stats["policy"] == name].sort_values("day")
            days = rows["day"].to_numpy(dtype=float)
            ax.plot(days, rows["mean"].to_numpy(dtype=float), color=colors[name], lw=1.6, label=str(name), zorder=3)
            if rows["n"].max() >= 2:
                ax.fill_between(days, rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float),
                                color=colors[name], alpha=0.2, lw=0, zorder=2)
                banded = True
        ax.set_title(column, fontsize=10)
        ax.set_xlabel("day (working days)")
        ax.set_ylabel(_label(column, daily=True))
        ax.grid(alpha=0.3)
        _compact(ax.yaxis, stats["mean"])
    unit = "runs (scenarios x replications)" if len(runs) > 1 else "replications"
    what = f"mean over {reps} {unit}" if reps > 1 else "one replication" if named else "one run"
    smoothed = f", {smooth_days}-day centred mean" if smooth_days > 1 else ""
    fig.suptitle(f"KPIs over time: {what}{smoothed}")
    handles = _policy_handles(colors) if named else []
    if banded:
        handles.append(Patch(facecolor="0.45", alpha=0.35, label=f"{level:.0%} CI across {unit}"))
    if len(warm):
        handles.append(Patch(facecolor="0.93", edgecolor="0.75", hatch="//", label="warm-up (not in KPIs)"))
    _legend(fig, handles)
    return fig


def _runs(frames: Mapping[str, pd.DataFrame] | pd.DataFrame) -> tuple[dict[str, pd.DataFrame], bool]:
    if isinstance(frames, pd.DataFrame):
        return {UNNAMED: frames}, False
    return dict(frames), True


def distributions(clients: Mapping[str, pd.DataFrame] | pd.DataFrame,
                  managers: Mapping[str, pd.DataFrame] | pd.DataFrame) -> Figure:
    """How satisfaction and sales spread across clients and AMs: empirical distribution functions.

    Four panels, one curve per policy (a line at value x reaches the share of clients or AMs at or
    below x; a curve further right is better): satisfaction of the clients still with the branch
    at the end, revenue per client over the run (symmetric log axis: the jump at 0 is the share
    who bought nothing), sales per AM, and the mean satisfaction of each AM's clients at the end.
    Means hide whether a policy lifts everyone or a few; these curves show it.

    `clients` and `managers` map a policy name to a run's `RunResult.clients` / `.managers`
    (`Comparison.rerun` gives runs); a bare frame is one unnamed run.
    """
    clients_by, named = _runs(clients)
    managers_by, named_m = _runs(managers)
    names = list(dict.fromkeys([*clients_by, *managers_by]))
    colors = _colors(names, named or named_m)
    fig, axes = _figure(4, ncols=2, panel=(5.0, 3.4))
    panels = [
        (clients_by, "satisfaction", "Client satisfaction (clients active at the end)", "share of clients"),
        (clients_by, "revenue", "Revenue per client over the run", "share of clients"),
        (managers_by, "sales_count", "Sales per AM over the run", "share of AMs"),
        (managers_by, "client_satisfaction", "Mean satisfaction of each AM's clients at the end", "share of AMs"),
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
                ax.ecdf(values, color=colors[name], lw=1.6, label=str(name))
                positive = values[values > 0]
                lowest = min(lowest, positive.min()) if len(positive) else lowest
        if column == "revenue" and np.isfinite(lowest):
            ax.set_xscale("symlog", linthresh=float(10 ** np.floor(np.log10(lowest))))
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(_label(column))
        ax.set_ylabel(f"{ylabel} at or below x")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    fig.suptitle("Spread across clients and AMs (empirical distribution functions)")
    _legend(fig, _policy_handles(colors) if named or named_m else [])
    return fig


def am_scatter(managers: Mapping[str, pd.DataFrame] | pd.DataFrame) -> Figure:
    """Each AM as a point: is stress paid for in sales, and does skill show in client satisfaction?

    Two panels: sales closed over the run against the AM's stress at the end, and the mean
    satisfaction of the AM's clients at the end against the AM's mean skill. One colour per
    policy; hollow markers are AMs who left during the run (their client satisfaction is empty,
    they have no clients at the end).

    `managers` maps a policy name to a run's `RunResult.managers`; a bare frame is one unnamed run.
    """
    runs, named = _runs(managers)
    colors = _colors(list(runs), named)
    fig, axes = _figure(2, ncols=2, panel=(5.0, 3.8))
    panels = [("stress", "sales_count", "Sales against stress"),
              ("skill_mean", "client_satisfaction", "Client satisfaction against skill")]
    any_left = False
    for ax, (x, y, title) in zip(axes, panels, strict=True):
        for name, frame in runs.items():
            _need(frame, [x, y], "am_scatter")
            left = frame["left_day"].notna().to_numpy() if "left_day" in frame else np.zeros(len(frame), bool)
            any_left |= bool(left.any())
            xs, ys = frame[x].to_numpy(dtype=float), frame[y].to_numpy(dtype=float)
            ax.scatter(xs[~left], ys[~left], s=36, color=colors[name], edgecolors=colors[name], alpha=0.85,
                       label=str(name))
            if left.any():
                ax.scatter(xs[left], ys[left], s=36, facecolors="none", edgecolors=colors[name], linewidths=1.4,
                           label=f"{name} (left)")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(_label(x) + (" at the end" if x == "stress" else ""))
        ax.set_ylabel(_label(y) + (" over the run" if y == "sales_count" else " at the end"))
        ax.grid(alpha=0.3)
    fig.suptitle("Account managers: one marker per AM who worked in the run")
    handles = _policy_handles(colors, "marker") if named else []
    if any_left:
        handles.append(Line2D([], [], color="0.3", marker="o", mfc="none", lw=0, label="left the branch"))
    _legend(fig, handles)
    return fig


def tradeoff(summary: pd.DataFrame, x: str = "satisfaction_mean", y: str = "profit", *,
             maximize: tuple[bool, bool] | None = None) -> Figure:
    """Two KPIs against each other: which policies are worth considering at all.

    Each policy is a point at its means with confidence-interval crosses on both axes, labelled
    with its name. Policies that no other policy beats on both KPIs (the Pareto front,
    `simbranch.analysis.tradeoffs.pareto_front`) are joined by a line; dominated ones are grey.
    Dominance is on the means; overlapping crosses mean the replications cannot separate them.

    `summary` is `Comparison.summary()` with both KPIs. `maximize` says for x and y whether larger
    is better; by default larger is better except for waits, stress, costs and the like.
    """
    _need(summary, ["policy", "kpi", "mean"], "tradeoff")
    maximize = maximize or (higher_is_better(x), higher_is_better(y))
    front = pareto_front(summary, x, y, maximize)
    policies = list(front["policy"])
    colors = policy_colors(policies)
    half = (summary[summary["kpi"].isin([x, y])].pivot_table(index="policy", columns="kpi", values="ci_half_width",
                                                            aggfunc="first", dropna=False)
            if "ci_half_width" in summary else pd.DataFrame(index=policies, columns=[x, y], dtype=float))
    half = half.reindex(index=policies, columns=[x, y])
    fig, (ax,) = _figure(1, panel=(7.0, 5.0))
    for i, row in enumerate(front.itertuples(index=False)):
        name, px, py, dominated = row[0], float(row[1]), float(row[2]), bool(row[3])
        color = _DOMINATED_COLOR if dominated else colors[name]
        ax.errorbar([px], [py], xerr=[_finite(half.loc[name, x])], yerr=[_finite(half.loc[name, y])], fmt="o",
                    ms=8, color=color, mec="0.4" if dominated else color, capsize=3, elinewidth=1.4,
                    zorder=2 if dominated else 3, label=name)
        ax.annotate(name, (px, py), xytext=(6, 6 if i % 2 == 0 else -14), textcoords="offset points", fontsize=9,
                    color="0.45" if dominated else "black")
    best = front[~front["dominated"]].sort_values(x)
    if len(best) > 1:
        ax.plot(best[x].to_numpy(dtype=float), best[y].to_numpy(dtype=float), color="black", lw=1.2, ls="--",
                zorder=1, label="Pareto front")
    better = {True: "higher is better", False: "lower is better"}
    ax.set_xlabel(f"{_label(x)}, {better[maximize[0]]}")
    ax.set_ylabel(f"{_label(y)}, {better[maximize[1]]}")
    ax.grid(alpha=0.3)
    _compact(ax.xaxis, front[x])
    _compact(ax.yaxis, front[y])
    k = int(front["dominated"].sum())
    ax.set_title(f"{y} against {x}: {k} of {len(front)} policies dominated", fontsize=11)
    _legend(fig, [Line2D([], [], color="black", ls="--", marker="o", label="not dominated (Pareto front)"),
                  Line2D([], [], color=_DOMINATED_COLOR, marker="o", mec="0.4", lw=0,
                         label="dominated: another policy is better on both")])
    return fig


# ---------------------------------------------------------------------------------------------- sweeps


def _tick(value: Any) -> str:
    """A readable tick label: an interval as low-high, a number without trailing zeros."""
    if isinstance(value, pd.Interval):
        return f"{value.left:.3g}-{value.right:.3g}"
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 24 else text[:22] + "..."


def heatmap(pivot: pd.DataFrame, kpi: str | None = None, *, cmap: str = "viridis") -> Figure:
    """A KPI over two parameters of a sweep: where in the space it is high or low.

    Each cell is the mean of the KPI over the sweep's runs whose parameters fall in it (columns
    along x, rows along y, the first row at the bottom); blank cells had no run. Cells carry
    their values when the grid is at most 10 x 10. The colour bar is labelled with the KPI.

    `pivot` is `Sweep.pivot(kpi, x, y)`: rows and columns may be numbers, categories or intervals
    (binned ranges of an LHS or Sobol' design).
    """
    values = pivot.to_numpy(dtype=float)
    if not values.size:
        raise ValueError("nothing to draw: the pivot table is empty")
    masked = np.ma.masked_invalid(values)
    nrows, ncols = values.shape
    fig, (ax,) = _figure(1, panel=(min(12.0, max(6.0, 3.0 + 0.8 * ncols)), min(9.0, max(3.5, 1.8 + 0.5 * nrows))))
    ax.set_facecolor("white")
    mesh = ax.pcolormesh(np.arange(ncols + 1), np.arange(nrows + 1), masked, cmap=cmap, edgecolors="white",
                         linewidth=0.5)
    name = kpi or "value"
    bar = fig.colorbar(mesh, ax=ax)
    bar.set_label(_label(name))
    _compact(bar.ax.yaxis, values)
    ax.set_xticks(np.arange(ncols) + 0.5, [_tick(v) for v in pivot.columns],
                  rotation=45 if ncols > 6 else 0, ha="right" if ncols > 6 else "center")
    ax.set_yticks(np.arange(nrows) + 0.5, [_tick(v) for v in pivot.index])
    ax.set_xlim(0, ncols)
    ax.set_ylim(0, nrows)
    xname, yname = pivot.columns.name or "x", pivot.index.name or "y"
    ax.set_xlabel(str(xname))
    ax.set_ylabel(str(yname))
    if nrows <= 10 and ncols <= 10 and masked.count():
        norm, colormap = mesh.norm, mesh.get_cmap()
        for i in range(nrows):
            for j in range(ncols):
                v = values[i, j]
                if np.isfinite(v):
                    r, g, b, _ = colormap(norm(v))
                    ax.text(j + 0.5, i + 0.5, _num(v), ha="center", va="center", fontsize=8,
                            color="black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white")
    empty = int(values.size - masked.count())
    ax.set_title(f"{name}\nover {xname} and {yname}" + (f"\n(blank: {empty} cells without runs)" if empty else ""),
                 fontsize=11)
    return fig


def sensitivity_bars(indices: pd.DataFrame, *, kpi: str | None = None) -> Figure:
    """Which parameters drive a KPI: sensitivity indices of a sweep as horizontal bars per parameter.

    From a Sobol' sweep (columns S1, S1_conf, ST, ST_conf): the first-order index S1 (share of
    the KPI's variance due to the parameter alone) and the total index ST (including its
    interactions) side by side with bootstrap CI error bars; ST well above S1 means interactions.
    From a Morris sweep (mu_star, mu_star_conf, sigma): mu* (mean absolute elementary effect, in
    the KPI's unit) with its CI, and sigma (spread of the effects: non-linearity or interactions).
    From RBD-FAST (S1 and S1_conf only, as `Robustness.sensitivity` gives them): the first-order
    index alone. With a `policy` or an `output` column, one panel per policy or output.

    `indices` is `Sweep.sensitivity(kpi)` or `Robustness.sensitivity(kpi)`; `kpi` names it in the titles.
    """
    _need(indices, ["parameter"], "sensitivity_bars")
    if {"S1", "ST"} <= set(indices.columns):
        bars = [("S1", "S1_conf", "S1 first-order", "#2166ac"), ("ST", "ST_conf", "ST total", "#92c5de")]
        xlabel, what = "Sobol' index (share of the output variance)", "Sobol' indices"
    elif "S1" in indices.columns:
        bars = [("S1", "S1_conf", "S1 first-order (RBD-FAST)", "#2166ac")]
        xlabel, what = "S1: share of the variance across draws", "RBD-FAST indices"
    elif "mu_star" in indices.columns:
        bars = [("mu_star", "mu_star_conf", "mu* (mean |elementary effect|)", "#2166ac"),
                ("sigma", None, "sigma (spread of the effects)", "#f4a582")]
        bars = [b for b in bars if b[0] in indices.columns]
        xlabel = f"elementary effect on {_label(kpi)}" if kpi else "elementary effect (unit of the KPI)"
        what = "Morris screening"
    else:
        raise ValueError("sensitivity_bars takes Sobol' indices (S1, ST, ...) or Morris statistics (mu_star, sigma, "
                         f"...) as Sweep.sensitivity gives them; got columns {', '.join(map(str, indices.columns))}")
    by = "output" if "output" in indices.columns else "policy" if "policy" in indices.columns else None
    groups = list(indices.groupby(by, sort=False)) if by is not None else [(None, indices)]
    params = list(dict.fromkeys(indices["parameter"]))
    if by == "output":  # each output shows its own parameters, in its own order (by importance)
        params = max((list(dict.fromkeys(f["parameter"])) for _, f in groups), key=len)
    fig, axes = _figure(len(groups), ncols=2, panel=(6.0, 1.4 + 0.6 * len(params) * len(bars) / 2))
    height = 0.8 / len(bars)
    for ax, (group, frame) in zip(axes, groups, strict=True):
        names = list(dict.fromkeys(frame["parameter"])) if by == "output" else params
        frame = frame.set_index("parameter").reindex(names)
        for k, (column, conf, label, color) in enumerate(bars):
            y = np.arange(len(names)) - 0.4 + height * (k + 0.5)
            err = _finite(frame[conf]) if conf and conf in frame else None
            ax.barh(y, frame[column].to_numpy(dtype=float), height=height, xerr=err, color=color, edgecolor="black",
                    linewidth=0.5, capsize=3, label=label)
        ax.set_yticks(np.arange(len(names)), names)
        if by == "output":  # panels with fewer parameters keep the same bar size
            ax.set_ylim(len(params) - 0.5, -0.5)
        else:
            ax.invert_yaxis()
        ax.axvline(0.0, color="black", lw=0.8)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", alpha=0.3)
        title = f"{what} of {kpi or 'the KPI'}"
        if group is not None:
            title += f"\n{group}" if by == "output" else f"\npolicy {group}"
        ax.set_title(title, fontsize=11)
    _legend(fig, [Patch(facecolor=color, edgecolor="black", label=label) for _, _, label, color in bars])
    return fig


# ---------------------------------------------------------------------------------------------- robustness


def robustness_effects(effects: pd.DataFrame, shares: pd.DataFrame, kpis: Sequence[str] | None = None) -> Figure:
    """How each policy's effect varies across the draws of the assumption ranges.

    One panel per KPI, the policies down the y axis. The small dots are the policy's effect in
    each draw (the mean paired difference from the baseline over the draw's replications), the
    bar the 5-95 % range across the draws, the diamond the median; the dashed line is no
    effect. The label on the right is the share of draws in which the policy beats the
    baseline (in the KPI's better direction): near 100 % or 0 % the conclusion holds whatever
    the assumptions, near 50 % it depends on them.

    `effects` is `Robustness.effects` (draw, policy, kpi, difference) and `shares`
    `Robustness.shares` (policy, kpi, share_better, median, low, high).
    """
    _need(effects, ["policy", "kpi", "difference"], "robustness_effects")
    _need(shares, ["policy", "kpi", "share_better", "median", "low", "high"], "robustness_effects")
    kpis = _pick_kpis(shares["kpi"], kpis, HEADLINE)
    policies = list(dict.fromkeys(shares["policy"]))
    colors = policy_colors(policies)
    fig, axes = _figure(len(kpis), ncols=2, panel=(6.0, 1.5 + 0.55 * len(policies)))
    ypos = {name: len(policies) - 1 - i for i, name in enumerate(policies)}
    jitter = np.random.default_rng(0)  # only where the dots sit on the y axis
    for ax, kpi in zip(axes, kpis, strict=True):
        ax.axvline(0.0, color="black", lw=0.9, ls="--", zorder=1)
        drawn = effects[effects["kpi"] == kpi]
        for row in shares[shares["kpi"] == kpi].itertuples(index=False):
            y, color = ypos[row.policy], colors[row.policy]
            x = drawn.loc[drawn["policy"] == row.policy, "difference"].to_numpy(dtype=float)
            x = x[np.isfinite(x)]
            ax.scatter(x, y + jitter.uniform(-0.18, 0.18, len(x)), s=9, color=color, alpha=0.45, lw=0, zorder=2)
            if np.isfinite([row.low, row.high]).all():
                ax.plot([row.low, row.high], [y, y], color=color, lw=2.2, zorder=3, solid_capstyle="butt")
            ax.plot([row.median], [y], "D", color=color, mec="black", mew=0.6, ms=6, zorder=4)
            share = f"{row.share_better:.0%}" if np.isfinite(row.share_better) else "n/a"
            ax.annotate(share, (1.0, y), xycoords=("axes fraction", "data"), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=8, color=color)
        ax.set_yticks(list(ypos.values()), list(ypos))
        ax.set_ylim(-0.6, len(policies) - 0.4)
        better = "higher" if higher_is_better(kpi) else "lower"
        ax.set_title(f"{kpi} ({better} is better)\nright: share of draws where the policy beats the baseline",
                     fontsize=9)
        ax.set_xlabel(f"effect: difference from baseline\n{_label(kpi)}")
        _compact(ax.xaxis, drawn["difference"])
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle("Effects across the assumption ranges:\neach draw, median and 5-95 % range")
    _legend(fig, [Line2D([], [], color="0.3", marker="o", lw=0, ms=4, alpha=0.5, label="one draw"),
                  Line2D([], [], color="0.3", lw=2.2, label="5-95 % of the draws"),
                  Line2D([], [], color="0.3", marker="D", mec="black", lw=0, label="median")])
    return fig


def ranking_shares(stability: pd.DataFrame, kpi: str | None = None) -> Figure:
    """How often each policy is the best across the draws of the assumption ranges.

    Left, the share of draws in which each policy (the baseline among them) is the best on the
    KPI; right, its mean rank over the draws (1 is the best), both in the order of the overall
    ranking (best expected value first, marked *). A ranking that holds across the
    assumptions has one tall bar on the left.

    `stability` is `Robustness.stability` (policy, overall_rank, share_best, mean_rank).
    """
    _need(stability, ["policy", "share_best", "mean_rank"], "ranking_shares")
    if not len(stability):
        raise ValueError("nothing to draw: no draw has a run of every policy")
    policies = list(stability["policy"])
    colors = policy_colors(policies)
    fig, (left, right) = _figure(2, ncols=2, panel=(4.6, max(2.6, 0.35 * len(policies) + 1.4)))
    y = np.arange(len(policies))
    for ax, column, label in ((left, "share_best", "share of draws where it is the best"),
                              (right, "mean_rank", "mean rank over the draws (1 = best)")):
        ax.barh(y, stability[column].to_numpy(dtype=float), color=[colors[p] for p in policies], edgecolor="black",
                linewidth=0.5)
        ax.set_yticks(y, [f"* {p}" if i == 0 else p for i, p in enumerate(policies)] if ax is left else [""] * len(y))
        ax.invert_yaxis()
        ax.set_xlabel(label)
        ax.grid(axis="x", alpha=0.3)
    left.set_xlim(0, 1)
    left.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    right.set_xlim(0, max(len(policies), 1) + 0.5)
    fig.suptitle(f"Ranking of the policies on {kpi or 'the KPI'} across the assumption ranges "
                 "(* the best expected value)")
    return fig


# ---------------------------------------------------------------------------------------------- shortcuts

#: Figures `Comparison.plot` draws.
COMPARISON_KINDS = ("forest", "kpis", "time", "tradeoff", "distributions", "scatter")
#: Figures `Sweep.plot` draws.
SWEEP_KINDS = ("heatmap", "sensitivity")
#: Figures `Robustness.plot` draws.
ROBUSTNESS_KINDS = ("effects", "ranking", "sensitivity")
#: Figures `RunResult.plot` draws.
RUN_KINDS = ("daily", "distributions", "scatter")


def _kind(kind: str, kinds: Sequence[str], what: str) -> None:
    if kind not in kinds:
        raise ValueError(f"unknown plot kind {kind!r} for a {what}; kinds: {', '.join(kinds)}")


def plot_comparison(cmp: Comparison, kind: str = "forest", **kwargs: Any) -> Figure:
    """The figure `kind` of a comparison (what `Comparison.plot` does); see `COMPARISON_KINDS`.

    "forest": `forest(cmp.paired(baseline, kpis, level, adjust))`; "kpis": `kpi_bars(cmp.summary(kpis,
    level))`; "time": `over_time(cmp.daily(columns, warmup=True), policies=, smooth_days=, level=)`;
    "tradeoff": `tradeoff(cmp.summary([x, y], level), x, y, maximize=)`; "distributions" and
    "scatter": `distributions` / `am_scatter` of `cmp.rerun(policy, replication, scenario)` for each
    of `policies` (default the baseline and the next policies, 4 in all; `replication` and
    `scenario` default 0).
    """
    _kind(kind, COMPARISON_KINDS, "comparison")
    if kind == "forest":
        kpis = kwargs.pop("kpis", None)
        options = {k: kwargs.pop(k) for k in ("baseline", "level", "adjust") if k in kwargs}
        return forest(cmp.paired(kpis=kpis, **options), kpis, **kwargs)
    if kind == "kpis":
        kpis = kwargs.pop("kpis", None)
        options = {k: kwargs.pop(k) for k in ("level",) if k in kwargs}
        return kpi_bars(cmp.summary(kpis=kpis, **options), kpis, **kwargs)
    if kind == "time":
        columns = kwargs.pop("columns", None)
        daily = cmp.daily(columns=columns, warmup=kwargs.pop("warmup", True))
        return over_time(daily, columns, **kwargs)
    if kind == "tradeoff":
        x, y = kwargs.pop("x", "satisfaction_mean"), kwargs.pop("y", "profit")
        options = {k: kwargs.pop(k) for k in ("level",) if k in kwargs}
        return tradeoff(cmp.summary(kpis=[x, y], **options), x, y, **kwargs)
    names = kwargs.pop("policies", None)
    names = list(names) if names is not None else [p.name for p in cmp.policies][:4]
    replication, scenario = kwargs.pop("replication", 0), kwargs.pop("scenario", 0)
    runs = {name: cmp.rerun(name, replication=replication, scenario=scenario) for name in names}
    if kind == "distributions":
        return distributions({n: r.clients for n, r in runs.items()}, {n: r.managers for n, r in runs.items()},
                             **kwargs)
    return am_scatter({n: r.managers for n, r in runs.items()}, **kwargs)


def plot_sweep(sw: Sweep, kind: str = "heatmap", kpi: str = "profit", **kwargs: Any) -> Figure:
    """The figure `kind` of a sweep (what `Sweep.plot` does); see `SWEEP_KINDS`.

    "heatmap": `heatmap(sw.pivot(kpi, x, y, policy=, bins=), kpi)`, x and y by default the
    first two parameters of the space; "sensitivity": `sensitivity_bars(sw.sensitivity(kpi,
    method=, policy=, num_resamples=, conf_level=), kpi=kpi)`.
    """
    _kind(kind, SWEEP_KINDS, "sweep")
    if kind == "heatmap":
        params = sw.parameters
        if len(params) < 2 and ("x" not in kwargs or "y" not in kwargs):
            raise ValueError(f"a heat map needs two parameters, and this sweep has {len(params)}: {', '.join(params)}")
        x, y = kwargs.pop("x", params[0]), kwargs.pop("y", None)
        y = y if y is not None else next(p for p in params if p != x)
        options = {k: kwargs.pop(k) for k in ("policy", "bins") if k in kwargs}
        return heatmap(sw.pivot(kpi, x, y, **options), kpi, **kwargs)
    options = {k: kwargs.pop(k) for k in ("method", "policy", "num_resamples", "conf_level") if k in kwargs}
    return sensitivity_bars(sw.sensitivity(kpi, **options), kpi=kpi, **kwargs)


def plot_robustness(rob: Robustness, kind: str = "effects", **kwargs: Any) -> Figure:
    """The figure `kind` of a robustness study (what `Robustness.plot` does); see `ROBUSTNESS_KINDS`.

    "effects": `robustness_effects(rob.effects, rob.shares, kpis=)`; "ranking":
    `ranking_shares(rob.stability, rob.kpi)`; "sensitivity": `sensitivity_bars` of
    `rob.sensitivity(kpi=, num_resamples=)`, the `top` (default 10) assumptions of each output,
    `outputs=` picking some outputs.
    """
    _kind(kind, ROBUSTNESS_KINDS, "robustness study")
    if kind == "effects":
        return robustness_effects(rob.effects, rob.shares, kwargs.pop("kpis", None), **kwargs)
    if kind == "ranking":
        return ranking_shares(rob.stability, rob.kpi, **kwargs)
    kpi = kwargs.pop("kpi", None) or rob.kpi
    top, outputs = kwargs.pop("top", 10), kwargs.pop("outputs", None)
    options = {k: kwargs.pop(k) for k in ("num_resamples", "conf_level") if k in kwargs}
    indices = rob.sensitivity(kpi, **options)
    if outputs is not None:
        outputs = [outputs] if isinstance(outputs, str) else list(outputs)
        unknown = [o for o in outputs if o not in set(indices["output"])]
        if unknown:
            raise ValueError(f"no output {', '.join(map(repr, unknown))}; outputs: "
                             f"{', '.join(dict.fromkeys(indices['output']))}")
        indices = indices[indices["output"].isin(outputs)]
    indices = indices[indices["rank"] <= top]
    if not len(indices):
        raise ValueError("no sensitivity index to draw: every output is the same in every draw, or too few draws "
                         "have their runs")
    return sensitivity_bars(indices, kpi=kpi, **kwargs)


def plot_run(result: RunResult, kind: str = "daily", **kwargs: Any) -> Figure:
    """The figure `kind` of one run (what `RunResult.plot` does); see `RUN_KINDS`.

    "daily": `over_time(result.daily, columns, smooth_days=)`; "distributions":
    `distributions(result.clients, result.managers)`; "scatter": `am_scatter(result.managers)`.
    """
    _kind(kind, RUN_KINDS, "run")
    if kind == "daily":
        return over_time(result.daily, kwargs.pop("columns", None), **kwargs)
    if kind == "distributions":
        return distributions(result.clients, result.managers, **kwargs)
    return am_scatter(result.managers, **kwargs)


# ---------------------------------------------------------------------------------------------- calibration

CALIBRATION_KINDS = ("fit", "posterior", "pairs", "waves")


def calibration_fit(fit: pd.DataFrame) -> Figure:
    """Observed against simulated, one row per KPI, in standard deviations of the observation: the
    observed value at 0 with its 1 and 2 sd bands, the posterior-predictive mean and 90 % interval
    of the simulated KPI, and the mean at the best point (a frame like `Calibration.fit`)."""
    _need(fit, ["observed", "sd", "simulated", "low", "high", "best"], "calibration_fit")
    fig, (ax,) = _figure(1, panel=(7.5, 0.45 * len(fit) + 1.2))
    y = np.arange(len(fit))[::-1]
    scale = fit["sd"].to_numpy(dtype=float)
    obs = fit["observed"].to_numpy(dtype=float)
    ax.axvspan(-2, 2, color="#e8e8e8", lw=0)
    ax.axvspan(-1, 1, color="#cfcfcf", lw=0)
    ax.axvline(0, color="black", lw=1)
    z = lambda col: (fit[col].to_numpy(dtype=float) - obs) / scale  # noqa: E731
    ax.hlines(y, z("low"), z("high"), color="#1f77b4", lw=3, alpha=0.6)
    ax.plot(z("simulated"), y, "o", color="#1f77b4", label="simulated: mean and 90 % of posterior draws")
    ax.plot(z("best"), y, "D", color="#d62728", ms=5, label="simulated at the best point")
    labels = [f"{k}\nobserved {_num(o)} ± {_num(s)}" for k, o, s in zip(fit.index, obs, scale, strict=True)]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("distance from the observed value (observation sd; bands: 1 and 2 sd)")
    ax.set_title("How the calibrated model reproduces what the branch observed")
    _legend(fig, ax.get_legend_handles_labels()[0])
    return fig


def calibration_posterior(posterior: pd.DataFrame, identifiability: pd.DataFrame,
                          best: Mapping[str, float] | None = None) -> Figure:
    """Each parameter's posterior (weighted histogram) over its prior range (the flat line), with
    the 90 % interval shaded and the best point marked (frames like `Calibration.posterior` and
    `.identifiability`)."""
    _need(identifiability, ["parameter", "low", "high", "q05", "q95", "status"], "calibration_posterior")
    rows = list(identifiability.itertuples(index=False))
    fig, axes = _figure(len(rows), ncols=3, panel=(4.0, 2.8))
    weights = posterior["weight"].to_numpy(dtype=float)
    for ax, row in zip(axes, rows, strict=True):
        values = posterior[row.parameter].to_numpy(dtype=float)
        ax.hist(values, bins=30, range=(row.low, row.high), weights=weights, density=True, color="#1f77b4",
                alpha=0.75)
        ax.axhline(1.0 / (row.high - row.low), color=BASELINE_COLOR, ls="--", lw=1, label="prior")
        ax.axvspan(row.q05, row.q95, color="#1f77b4", alpha=0.12, lw=0)
        if best is not None and row.parameter in best:
            ax.axvline(best[row.parameter], color="#d62728", lw=1.5, label="best point")
        ax.set_xlim(row.low, row.high)
        ax.set_title(f"{row.parameter}\n{row.status}", fontsize=8)
        ax.set_ylabel("posterior density")
        ax.set_yticks([])
    _legend(fig, axes[0].get_legend_handles_labels()[0])
    return fig


def calibration_pairs(posterior: pd.DataFrame, identifiability: pd.DataFrame, max_draws: int = 1500) -> Figure:
    """Pairs of parameters as weighted posterior draws (darker = more weight): a ridge shows two
    parameters the data pin down only together."""
    names = list(identifiability["parameter"])
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    if not pairs:
        raise ValueError("pairs need at least two parameters")
    top = posterior.nlargest(max_draws, "weight")
    fig, axes = _figure(len(pairs), ncols=min(3, len(pairs)), panel=(3.6, 3.2))
    bounds = identifiability.set_index("parameter")
    shade = (top["weight"] / top["weight"].max()).to_numpy()
    for ax, (a, b) in zip(axes, pairs, strict=True):
        ax.scatter(top[a], top[b], c=shade, cmap="Blues", vmin=0, vmax=1, s=6, lw=0)
        ax.set_xlim(bounds.loc[a, "low"], bounds.loc[a, "high"])
        ax.set_ylim(bounds.loc[b, "low"], bounds.loc[b, "high"])
        ax.set_xlabel(a, fontsize=7)
        ax.set_ylabel(b, fontsize=7)
    return fig


def calibration_waves(waves: pd.DataFrame) -> Figure:
    """The share of the prior box still plausible after each wave of history matching."""
    rows = waves[waves["wave"] != "check"]
    fig, (ax,) = _figure(1, panel=(5.0, 3.2))
    ax.bar([str(w) for w in rows["wave"]], rows["plausible_share"] * 100, color="#1f77b4")
    ax.set_xlabel("wave")
    ax.set_ylabel("plausible share of the prior box (%)")
    ax.set_ylim(0, 100)
    ax.set_title("History matching: what the data leave plausible")
    return fig


def plot_calibration(cal: Calibration, kind: str = "fit", **kwargs: Any) -> Figure:
    """A figure of a `Calibration` by kind: "fit", "posterior", "pairs" or "waves"."""
    _kind(kind, CALIBRATION_KINDS, "calibration")
    if kind == "fit":
        return calibration_fit(cal.fit)
    if kind == "posterior":
        return calibration_posterior(cal.posterior, cal.identifiability, cal.best)
    if kind == "pairs":
        return calibration_pairs(cal.posterior, cal.identifiability, **kwargs)
    return calibration_waves(cal.waves)
