"""Figures of a calibration: how the calibrated model fits what the branch observed, what the data
teach about each parameter, pairs of parameters, and the waves of history matching."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simbranch import meanings
from simbranch.plots._base import (
    BASELINE_COLOR,
    drawn,
    kpi_label,
    legend,
    need,
    new_figure,
    number,
    param_label,
    say,
    value_text,
    wrap,
)

__all__ = ["calibration_fit", "calibration_pairs", "calibration_posterior", "calibration_waves", "status_text"]

_FIT = "#0072B2"
_BEST = "#D55E00"


def _spread(kpi: str, sd: float, lang: str, currency: str) -> str:
    """An observation's sd with at least two significant digits (an sd of 0.004 is not "0.0")."""
    found = meanings.find(kpi)
    if found is None or not np.isfinite(sd) or sd == 0:
        return value_text(kpi, sd, lang, currency)
    if found.format == "money":
        return meanings.money(sd, lang, currency)
    shown = sd * (100.0 if found.format == "share" else 1.0)
    decimals = max(found.decimals, int(np.clip(1 - np.floor(np.log10(abs(shown))), 0, 6)))
    return meanings.fmt(kpi, sd, lang, decimals=decimals)


@drawn
def calibration_fit(fit: pd.DataFrame, *, lang: str = "en", currency: str = "CNY") -> Figure:
    """Draw observed against simulated, one row per KPI, in standard deviations of the observation.

    The observed value sits at 0 with its 1 and 2 sd bands; beside it the posterior-predictive
    mean and 90 % interval of the simulated KPI, and the mean at the best point. Each row is
    labelled with the KPI's name and the observed value with its sd, in its unit.

    Parameters
    ----------
    fit : pandas.DataFrame
        A frame like ``Calibration.fit``: one row per KPI (the index) with observed, sd,
        simulated, low, high and best.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, default "CNY"
        Currency of money (the calibrated scenario's ``branch.currency``).

    Returns
    -------
    matplotlib.figure.Figure
        One panel.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", or `fit` lacks one of its columns.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> space = {"sales.base_conversion": (0.15, 0.5), "clients.tiers.mass.am_share.service": (0.05, 0.9)}
    >>> cal = sb.calibrate(scenario, {"sales_count": (13.0, 3.0)}, space, waves=1, points=4,  # a toy: one small wave
    ...                    check_draws=1, best_replications=1, replications=1, executor="serial", progress=False)
    >>> fig = plots.calibration_fit(cal.fit)
    >>> len(fig.axes)
    1
    """
    need(fit, ["observed", "sd", "simulated", "low", "high", "best"], "calibration_fit")
    fig, (ax,) = new_figure(1, panel=(8.0, 0.55 * len(fit) + 1.4), lang=lang)
    y = np.arange(len(fit))[::-1]
    scale = fit["sd"].to_numpy(dtype=float)
    obs = fit["observed"].to_numpy(dtype=float)
    ax.axvspan(-2, 2, color="#e8e8e8", lw=0)
    ax.axvspan(-1, 1, color="#cfcfcf", lw=0)
    ax.axvline(0, color="black", lw=1)

    def z(col: str) -> np.ndarray:
        return (fit[col].to_numpy(dtype=float) - obs) / scale

    ax.hlines(y, z("low"), z("high"), color=_FIT, lw=3, alpha=0.6)
    ax.plot(z("simulated"), y, "o", color=_FIT, label=say("simulated", lang))
    ax.plot(z("best"), y, "D", color=_BEST, ms=5, label=say("best_point", lang))
    labels = [say("observed", lang, label=wrap(kpi_label(str(k), lang), 36),
                  value=value_text(str(k), o, lang, currency), sd=_spread(str(k), s, lang, currency))
              for k, o, s in zip(fit.index, obs, scale, strict=True)]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(say("distance", lang))
    ax.set_title(say("fit_title", lang))
    legend(fig, ax.get_legend_handles_labels()[0])
    return fig


def status_text(status: str, lang: str) -> str:
    """A parameter's identifiability status (`Calibration.identifiability`) in words, its partners by name."""
    if status == "pinned down":
        return say("pinned", lang)
    if status == "not pinned down":
        return say("not_pinned", lang)
    prefix = "pinned down only with "
    if status.startswith(prefix):
        others = [param_label(p.strip(), lang) for p in status[len(prefix):].split(",")]
        return say("pinned_with", lang, others=(", " if lang == "en" else "、").join(others))
    return status


@drawn
def calibration_posterior(posterior: pd.DataFrame, identifiability: pd.DataFrame,
                          best: Mapping[str, float] | None = None, *, lang: str = "en") -> Figure:
    """Draw each parameter's posterior (weighted histogram) over its prior range (the flat line).

    The 90 % interval is shaded and the best point marked; each panel names the parameter and
    whether the data pin it down.

    Parameters
    ----------
    posterior : pandas.DataFrame
        A frame like ``Calibration.posterior``: one row per draw, a column per parameter and
        its weight.
    identifiability : pandas.DataFrame
        A frame like ``Calibration.identifiability``: parameter, low, high (the prior range),
        q05, q95 and status.
    best : mapping of str to float, optional
        The best point (``Calibration.best``), marked in each panel it has a value for.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per parameter.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", or `identifiability` lacks one of its columns.
    KeyError
        If `posterior` has no weight column or no column of a parameter.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> space = {"sales.base_conversion": (0.15, 0.5), "clients.tiers.mass.am_share.service": (0.05, 0.9)}
    >>> cal = sb.calibrate(scenario, {"sales_count": (13.0, 3.0)}, space, waves=1, points=4,  # a toy: one small wave
    ...                    check_draws=1, best_replications=1, replications=1, executor="serial", progress=False)
    >>> fig = plots.calibration_posterior(cal.posterior, cal.identifiability, cal.best)
    >>> len(fig.axes)
    2
    """
    need(identifiability, ["parameter", "low", "high", "q05", "q95", "status"], "calibration_posterior")
    rows = list(identifiability.itertuples(index=False))
    fig, axes = new_figure(len(rows), ncols=3, panel=(4.2, 3.0), lang=lang)
    weights = posterior["weight"].to_numpy(dtype=float)
    for ax, row in zip(axes, rows, strict=True):
        values = posterior[row.parameter].to_numpy(dtype=float)
        ax.hist(values, bins=30, range=(row.low, row.high), weights=weights, density=True, color=_FIT, alpha=0.75)
        ax.axhline(1.0 / (row.high - row.low), color=BASELINE_COLOR, ls="--", lw=1, label=say("prior", lang))
        ax.axvspan(row.q05, row.q95, color=_FIT, alpha=0.12, lw=0, label=say("interval_90", lang))
        if best is not None and row.parameter in best:
            ax.axvline(best[row.parameter], color=_BEST, lw=1.5, label=say("best", lang))
        ax.set_xlim(row.low, row.high)
        ax.set_title(f"{wrap(param_label(row.parameter, lang), 40)}\n{wrap(status_text(row.status, lang), 46)}",
                     fontsize=8)
        ax.set_ylabel(say("posterior_density", lang))
        ax.set_yticks([])
    legend(fig, axes[0].get_legend_handles_labels()[0])
    return fig


@drawn
def calibration_pairs(posterior: pd.DataFrame, identifiability: pd.DataFrame, max_draws: int = 1500, *,
                      lang: str = "en") -> Figure:
    """Draw pairs of parameters as weighted posterior draws (darker: more weight).

    A ridge shows two parameters the data pin down only together.

    Parameters
    ----------
    posterior : pandas.DataFrame
        A frame like ``Calibration.posterior``: one row per draw, a column per parameter and
        its weight.
    identifiability : pandas.DataFrame
        A frame like ``Calibration.identifiability``: the parameters and their prior ranges
        (parameter, low, high).
    max_draws : int, default 1500
        How many draws to show, those of most weight.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per pair of parameters.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", or there are fewer than two parameters.
    KeyError
        If a frame lacks a column it needs (weight, a parameter's, low, high).

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> space = {"sales.base_conversion": (0.15, 0.5), "clients.tiers.mass.am_share.service": (0.05, 0.9)}
    >>> cal = sb.calibrate(scenario, {"sales_count": (13.0, 3.0)}, space, waves=1, points=4,  # a toy: one small wave
    ...                    check_draws=1, best_replications=1, replications=1, executor="serial", progress=False)
    >>> fig = plots.calibration_pairs(cal.posterior, cal.identifiability)
    >>> len(fig.axes)
    1
    """
    names = list(identifiability["parameter"])
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    if not pairs:
        raise ValueError("pairs need at least two parameters")
    top = posterior.nlargest(max_draws, "weight")
    fig, axes = new_figure(len(pairs), ncols=min(3, len(pairs)), panel=(3.8, 3.4), lang=lang)
    bounds = identifiability.set_index("parameter")
    shade = (top["weight"] / top["weight"].max()).to_numpy()
    for ax, (a, b) in zip(axes, pairs, strict=True):
        ax.scatter(top[a], top[b], c=shade, cmap="Blues", vmin=0, vmax=1, s=6, lw=0)
        ax.set_xlim(bounds.loc[a, "low"], bounds.loc[a, "high"])
        ax.set_ylim(bounds.loc[b, "low"], bounds.loc[b, "high"])
        ax.set_xlabel(wrap(param_label(a, lang), 36), fontsize=7)
        ax.set_ylabel(wrap(param_label(b, lang), 30), fontsize=7)
    fig.suptitle(say("pairs_title", lang), fontsize=10)
    return fig


@drawn
def calibration_waves(waves: pd.DataFrame, *, lang: str = "en") -> Figure:
    """Draw the share of the prior box still plausible after each wave of history matching.

    Parameters
    ----------
    waves : pandas.DataFrame
        A frame like ``Calibration.waves``: wave and plausible_share (the check row is left out).
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One panel, a bar per wave.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh".
    KeyError
        If `waves` has no wave or plausible_share column.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> space = {"sales.base_conversion": (0.15, 0.5), "clients.tiers.mass.am_share.service": (0.05, 0.9)}
    >>> cal = sb.calibrate(scenario, {"sales_count": (13.0, 3.0)}, space, waves=1, points=4,  # a toy: one small wave
    ...                    check_draws=1, best_replications=1, replications=1, executor="serial", progress=False)
    >>> fig = plots.calibration_waves(cal.waves, lang="zh")
    >>> len(fig.axes)
    1
    """
    rows = waves[waves["wave"] != "check"]
    fig, (ax,) = new_figure(1, panel=(5.2, 3.4), lang=lang)
    ax.bar([str(w) for w in rows["wave"]], rows["plausible_share"] * 100, color=_FIT)
    for x, share in enumerate(rows["plausible_share"] * 100):
        ax.annotate(number(float(share), 3), (x, float(share)), xytext=(0, 2), textcoords="offset points",
                    ha="center", fontsize=8)
    ax.set_xlabel(say("wave", lang))
    ax.set_ylabel(say("plausible", lang))
    ax.set_ylim(0, 105)
    ax.set_title(say("waves_title", lang))
    return fig
