"""Figures of a sweep (and of a robustness study's sensitivity): a KPI over two parameters, and which
parameters drive it."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simbranch import meanings
from simbranch.plots._base import (
    axis_label,
    drawn,
    finite,
    format_axis,
    kpi_label,
    kpi_title,
    legend,
    need,
    new_figure,
    number,
    param_label,
    policy_label,
    say,
    wrap,
)

__all__ = ["clip_share", "heatmap", "output_label", "sensitivity_bars"]


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


def _cell(kpi: str | None, value: float, lang: str) -> str:
    """A cell's value, short: money and large numbers as 1.2M / 120.0万, the rest as the registry writes it."""
    found = meanings.find(kpi) if kpi else None
    if abs(value) >= 1e4 or (found is not None and found.format == "money"):
        return meanings.money(value, lang, unit=False)
    return meanings.fmt(kpi, value, lang) if kpi and found is not None else number(value, 3)


@drawn
def heatmap(pivot: pd.DataFrame, kpi: str | None = None, *, cmap: str = "viridis", lang: str = "en",
            currency: str = "CNY") -> Figure:
    """Draw a KPI over two parameters of a sweep: where in the space it is high or low.

    Each cell is the mean of the KPI over the sweep's runs whose parameters fall in it (columns
    along x, rows along y, the first row at the bottom); blank cells had no run. Cells carry
    their values when the grid is at most 10 x 10. The colour bar is labelled with the KPI and
    its unit, the axes with the parameters' names (`simbranch.meanings.parameter_label`).

    Parameters
    ----------
    pivot : pandas.DataFrame
        ``Sweep.pivot(kpi, x, y)``: rows and columns may be numbers, categories or intervals
        (binned ranges of an LHS or Sobol' design).
    kpi : str, optional
        The KPI in the cells, named with its unit on the colour bar.
    cmap : str, default "viridis"
        A matplotlib colour map.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, default "CNY"
        Currency of money (the scenario's ``branch.currency``).

    Returns
    -------
    matplotlib.figure.Figure
        One panel and its colour bar.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", `pivot` is empty or holds values that are not numbers,
        or `cmap` is not a colour map.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> space = {"managers.count": [3, 4], "clients.count": [80, 120]}
    >>> sw = sb.sweep(scenario, space, method="grid", executor="serial", progress=False)
    >>> fig = plots.heatmap(sw.pivot("profit", "managers.count", "clients.count"), "profit")
    >>> len(fig.axes)
    2
    """
    values = pivot.to_numpy(dtype=float)
    if not values.size:
        raise ValueError("nothing to draw: the pivot table is empty")
    masked = np.ma.masked_invalid(values)
    nrows, ncols = values.shape
    fig, (ax,) = new_figure(1, panel=(min(12.0, max(6.5, 3.0 + 0.8 * ncols)), min(9.0, max(3.8, 1.8 + 0.5 * nrows))),
                            lang=lang)
    ax.set_facecolor("white")
    mesh = ax.pcolormesh(np.arange(ncols + 1), np.arange(nrows + 1), masked, cmap=cmap, edgecolors="white",
                         linewidth=0.5)
    bar = fig.colorbar(mesh, ax=ax)
    bar.set_label(wrap(axis_label(kpi, lang, currency), 40) if kpi else say("value", lang))
    format_axis(bar.ax.yaxis, kpi, lang)
    ax.set_xticks(np.arange(ncols) + 0.5, [_tick(v) for v in pivot.columns],
                  rotation=45 if ncols > 6 else 0, ha="right" if ncols > 6 else "center")
    ax.set_yticks(np.arange(nrows) + 0.5, [_tick(v) for v in pivot.index])
    ax.set_xlim(0, ncols)
    ax.set_ylim(0, nrows)
    xname = param_label(pivot.columns.name, lang) if pivot.columns.name else "x"
    yname = param_label(pivot.index.name, lang) if pivot.index.name else "y"
    ax.set_xlabel(wrap(xname, 60))
    ax.set_ylabel(wrap(yname, 40))
    if nrows <= 10 and ncols <= 10 and masked.count():
        norm, colormap = mesh.norm, mesh.get_cmap()
        for i in range(nrows):
            for j in range(ncols):
                v = values[i, j]
                if np.isfinite(v):
                    r, g, b, _ = colormap(norm(v))
                    ax.text(j + 0.5, i + 0.5, _cell(kpi, v, lang), ha="center", va="center", fontsize=8,
                            color="black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white")
    empty = int(values.size - masked.count())
    name = kpi_title(kpi, lang) if kpi else say("value", lang)
    title = say("heatmap_title", lang, kpi=name, x=xname, y=yname)
    ax.set_title(title + (say("blank_cells", lang, n=empty) if empty else ""), fontsize=11)
    return fig


_EFFECT = re.compile(r"^effect of (.+)$")


def output_label(output: Any, lang: str) -> str:
    """An output of `Robustness.sensitivity` in words: "effect of <policy>" with the policy's label,
    the ranking margin, or a KPI's label."""
    text = str(output)
    found = _EFFECT.match(text)
    if found:
        return say("effect_of", lang, policy=policy_label(found.group(1), lang))
    if text == "ranking margin":
        return say("ranking_margin", lang)
    return kpi_label(text, lang)


def _indices_kind(indices: pd.DataFrame, kpi: str | None, lang: str, currency: str) -> tuple[list[Any], str, str]:
    """The bars to draw (column, its CI column, legend label, colour), the x axis label and the method's name."""
    bars: list[tuple[str, str | None, str, str]]  # column, its CI column (if any), legend label, colour
    if {"S1", "ST"} <= set(indices.columns):
        bars = [("S1", "S1_conf", say("s1", lang), "#0072B2"), ("ST", "ST_conf", say("st", lang), "#56B4E9")]
        return bars, say("sobol_axis", lang), say("sobol", lang)
    if "S1" in indices.columns:
        return [("S1", "S1_conf", say("s1_fast", lang), "#0072B2")], say("fast_axis", lang), say("fast", lang)
    if "mu_star" in indices.columns:
        bars = [("mu_star", "mu_star_conf", say("mu_star", lang), "#0072B2"),
                ("sigma", None, say("sigma", lang), "#E69F00")]
        bars = [b for b in bars if b[0] in indices.columns]
        xlabel = (say("morris_axis", lang, kpi=axis_label(kpi, lang, currency)) if kpi
                  else say("morris_axis_plain", lang))
        return bars, xlabel, say("morris", lang)
    raise ValueError("sensitivity_bars takes Sobol' indices (S1, ST, ...) or Morris statistics (mu_star, sigma, "
                     f"...) as Sweep.sensitivity gives them; got columns {', '.join(map(str, indices.columns))}")


@drawn
def sensitivity_bars(indices: pd.DataFrame, *, kpi: str | None = None, lang: str = "en",
                     currency: str = "CNY") -> Figure:
    """Draw which parameters drive a KPI: sensitivity indices as horizontal bars per parameter.

    From a Sobol' sweep (columns S1, S1_conf, ST, ST_conf): the first-order index S1 (share of
    the KPI's variance due to the parameter alone) and the total index ST (including its
    interactions) side by side with bootstrap CI error bars; ST well above S1 means interactions.
    From a Morris sweep (mu_star, mu_star_conf, sigma): mu* (mean absolute elementary effect, in
    the KPI's unit) with its CI, and sigma (spread of the effects: non-linearity or interactions).
    From RBD-FAST (S1 and S1_conf only, as `Robustness.sensitivity` gives them): the first-order
    index alone. With a `policy` or an `output` column, one panel per policy or output.
    Parameters are named by `simbranch.meanings.parameter_label`.

    S1 and ST are shares of variance, so their bars stay within [0, 1] (a dotted line marks 1): an
    estimate outside it (the estimator's noise, on a small sample) is drawn at the end it passed,
    hatched, with its whole interval as the error bar (`clip_share`); `indices` keeps the raw values.

    Parameters
    ----------
    indices : pandas.DataFrame
        ``Sweep.sensitivity(kpi)`` or ``Robustness.sensitivity(kpi)``.
    kpi : str, optional
        The KPI the indices are of, named in the titles (and, for Morris, the axis's unit).
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, default "CNY"
        Currency of money (the scenario's ``branch.currency``).

    Returns
    -------
    matplotlib.figure.Figure
        One panel, or one per policy or output.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", `indices` has no parameter column, or its columns are
        neither Sobol' indices nor Morris statistics.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> import warnings
    >>> space = {"managers.count": (3, 6), "clients.count": (80, 120)}
    >>> sw = sb.sweep(scenario, space, method="morris", n=2, executor="serial", progress=False)
    >>> with warnings.catch_warnings():  # 2 trajectories: a SmallSampleWarning (10 or more are advised)
    ...     warnings.simplefilter("ignore")
    ...     indices = sw.sensitivity("profit")
    >>> fig = plots.sensitivity_bars(indices, kpi="profit")
    >>> sorted(indices["parameter"]), len(fig.axes)
    (['clients.count', 'managers.count'], 1)
    """
    need(indices, ["parameter"], "sensitivity_bars")
    bars, xlabel, what = _indices_kind(indices, kpi, lang, currency)
    by = "output" if "output" in indices.columns else "policy" if "policy" in indices.columns else None
    groups = list(indices.groupby(by, sort=False)) if by is not None else [(None, indices)]
    params = list(dict.fromkeys(indices["parameter"]))
    if by == "output":  # each output shows its own parameters, in its own order (by importance)
        params = max((list(dict.fromkeys(f["parameter"])) for _, f in groups), key=len)
    fig, axes = new_figure(len(groups), ncols=2, panel=(6.6, 1.5 + 0.62 * len(params) * len(bars) / 2), lang=lang)
    height = 0.8 / len(bars)
    clipped = False
    for ax, (group, frame) in zip(axes, groups, strict=True):
        names = list(dict.fromkeys(frame["parameter"])) if by == "output" else params
        frame = frame.set_index("parameter").reindex(names)
        for k, (column, conf, label, color) in enumerate(bars):
            y = np.arange(len(names)) - 0.4 + height * (k + 0.5)
            values = frame[column].to_numpy(dtype=float)
            err: np.ndarray | None = finite(frame[conf]) if conf and conf in frame else None
            cut = np.zeros(len(values), dtype=bool)
            if column in _SHARES:
                values, err, cut = clip_share(values, err)
            drawn_bars = ax.barh(y, values, height=height, xerr=err, color=color, edgecolor="black", linewidth=0.5,
                                 capsize=3, label=label)
            for patch, was_cut in zip(drawn_bars.patches, cut, strict=True):
                if was_cut:
                    patch.set_hatch(_HATCH)
            clipped |= bool(cut.any())
        if bars[0][0] in _SHARES:
            ax.axvline(1.0, color="grey", lw=0.8, ls=":")  # the end of an index's range
        ax.set_yticks(np.arange(len(names)), [wrap(param_label(p, lang), 40) for p in names], fontsize=8)
        if by == "output":  # panels with fewer parameters keep the same bar size
            ax.set_ylim(len(params) - 0.5, -0.5)
        else:
            ax.invert_yaxis()
        ax.axvline(0.0, color="black", lw=0.8)
        ax.set_xlabel(wrap(xlabel, 50))
        if what == say("morris", lang):
            format_axis(ax.xaxis, kpi, lang)
        ax.grid(axis="x", alpha=0.3)
        title = say("indices_of", lang, what=what, kpi=kpi_label(kpi, lang) if kpi else say("the_kpi", lang))
        if group is not None:
            title += "\n" + (output_label(group, lang) if by == "output"
                             else say("policy_group", lang, policy=policy_label(group, lang)))
        ax.set_title(wrap(title, 60), fontsize=11)
    handles = [Patch(facecolor=color, edgecolor="black", label=label) for _, _, label, color in bars]
    if clipped:
        handles.append(Patch(facecolor="white", edgecolor="black", hatch=_HATCH, label=_CLIPPED[lang != "en"]))
    legend(fig, handles)
    return fig


#: Indices that are shares of variance, drawn within their range [0, 1].
_SHARES = ("S1", "ST")
#: How a bar whose estimate lay outside [0, 1] is marked, and what the legend calls it.
_HATCH = "////"
_CLIPPED = ("estimate outside [0, 1], drawn at its end (noise: see the interval)",
            "估计值超出[0, 1],画在端点(噪声:见区间)")


def clip_share(values: np.ndarray, half: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Sensitivity indices that are shares of variance (S1, ST) as bars draw them.

    Parameters
    ----------
    values : array
        The raw estimates, which the estimator's noise may put outside [0, 1] (NaN: none).
    half : array or None
        Their interval half-widths (NaN drawn as none), or None.

    Returns
    -------
    shown : array
        The estimates clipped to [0, 1], the bars' lengths.
    err : array or None
        Error bars (2 x n, below and above the bar's end) that span the raw interval
        [value - half, value + half] from the clipped end, or None without `half`.
    clipped : array of bool
        Where an estimate was outside [0, 1].
    """
    values = np.asarray(values, dtype=float)
    shown = np.clip(values, 0.0, 1.0)
    clipped = np.isfinite(values) & (shown != values)
    if half is None:
        return shown, None, clipped
    half = np.nan_to_num(np.asarray(half, dtype=float), nan=0.0)
    below = np.maximum(shown - (values - half), 0.0)
    above = np.maximum(values + half - shown, 0.0)
    return shown, np.nan_to_num(np.vstack([below, above]), nan=0.0), clipped
