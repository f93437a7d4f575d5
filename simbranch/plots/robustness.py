"""Figures of a robustness study: how each policy's effect varies across the draws of the assumption
ranges, and how often each policy is the best."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from simbranch.plots._base import (
    better_sides,
    drawn,
    format_axis,
    kpi_label,
    kpi_title,
    legend,
    need,
    new_figure,
    pick_kpis,
    policy_colors,
    policy_label,
    policy_markers,
    say,
    unit_text,
    wrap,
)
from simbranch.plots.comparisons import HEADLINE

__all__ = ["ranking_shares", "robustness_effects"]


@drawn
def robustness_effects(effects: pd.DataFrame, shares: pd.DataFrame, kpis: Sequence[str] | None = None, *,
                       lang: str = "en", currency: str = "CNY") -> Figure:
    """Draw how each policy's effect varies across the draws of the assumption ranges.

    One panel per KPI (titled with which way is better, "better →" on that side of the x axis),
    the policies down the y axis. The small dots are the policy's effect in each draw (the mean
    paired difference from the baseline over the draw's replications), the bar the 5-95 % range
    across the draws, the marker the median; the dashed line is no effect. The label on the
    right is the share of draws in which the policy beats the baseline (in the KPI's better
    direction): near 100 % or 0 % the conclusion holds whatever the assumptions, near 50 % it
    depends on them.

    Parameters
    ----------
    effects : pandas.DataFrame
        ``Robustness.effects``: draw, policy, kpi and difference.
    shares : pandas.DataFrame
        ``Robustness.shares``: policy, kpi, share_better, median, low and high.
    kpis : sequence of str, optional
        The KPIs, one panel each; by default the headline KPIs present (up to 6).
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, default "CNY"
        Currency of money (the scenario's ``branch.currency``).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per KPI.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", a frame lacks one of its columns, or a KPI of `kpis` is
        not in `shares`.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> assumptions = ["clients.tiers.mass.requests_per_year", "clients.tiers.mass.am_share.sales"]
    >>> rob = sb.robustness(scenario, ["crm_routing"], n=4, parameters=assumptions, replications=1,
    ...                     executor="serial", progress=False)
    >>> fig = plots.robustness_effects(rob.effects, rob.shares, ["profit"])
    >>> len(fig.axes)
    1
    """
    need(effects, ["policy", "kpi", "difference"], "robustness_effects")
    need(shares, ["policy", "kpi", "share_better", "median", "low", "high"], "robustness_effects")
    kpis = pick_kpis(shares["kpi"], kpis, HEADLINE)
    policies = list(dict.fromkeys(shares["policy"]))
    colors, markers = policy_colors(policies), policy_markers(policies)
    fig, axes = new_figure(len(kpis), ncols=2, panel=(6.4, 1.9 + 0.55 * len(policies)), lang=lang)
    ypos = {name: len(policies) - 1 - i for i, name in enumerate(policies)}
    jitter = np.random.default_rng(0)  # only where the dots sit on the y axis
    for ax, kpi in zip(axes, kpis, strict=True):
        ax.axvline(0.0, color="black", lw=0.9, ls="--", zorder=1)
        drawn_effects = effects[effects["kpi"] == kpi]
        for row in shares[shares["kpi"] == kpi].itertuples(index=False):
            y, color = ypos[row.policy], colors[row.policy]
            x = drawn_effects.loc[drawn_effects["policy"] == row.policy, "difference"].to_numpy(dtype=float)
            x = x[np.isfinite(x)]
            ax.scatter(x, y + jitter.uniform(-0.18, 0.18, len(x)), s=9, color=color, alpha=0.45, lw=0, zorder=2)
            if np.isfinite([row.low, row.high]).all():
                ax.plot([row.low, row.high], [y, y], color=color, lw=2.2, zorder=3, solid_capstyle="butt")
            ax.plot([row.median], [y], markers[row.policy], color=color, mec="black", mew=0.6, ms=7, zorder=4)
            share = f"{row.share_better:.0%}" if np.isfinite(row.share_better) else "n/a"
            ax.annotate(share, (1.0, y), xycoords=("axes fraction", "data"), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=8, color=color)
        ax.set_yticks(list(ypos.values()), [wrap(policy_label(p, lang)) for p in ypos])
        ax.set_ylim(-1.3, len(policies) - 0.4)
        better_sides(ax, kpi, lang)
        ax.set_title(f"{wrap(kpi_title(kpi, lang), 50)}\n{say('share_right', lang)}", fontsize=9)
        ax.set_xlabel(say("effect", lang, unit=unit_text(kpi, lang, currency, difference=True) or "-"))
        format_axis(ax.xaxis, kpi, lang, difference=True)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(say("effects_title", lang))
    legend(fig, [Line2D([], [], color="0.3", marker="o", lw=0, ms=4, alpha=0.5, label=say("one_draw", lang)),
                 Line2D([], [], color="0.3", lw=2.2, label=say("range_5_95", lang)),
                 Line2D([], [], color="0.3", marker="D", mec="black", lw=0, label=say("median", lang))])
    return fig


@drawn
def ranking_shares(stability: pd.DataFrame, kpi: str | None = None, *, lang: str = "en") -> Figure:
    """Draw how often each policy is the best across the draws of the assumption ranges.

    Left, the share of draws in which each policy (the baseline among them) is the best on the
    KPI; right, its mean rank over the draws (1 is the best), both in the order of the overall
    ranking (best expected value first, marked ``*``). A ranking that holds across the
    assumptions has one tall bar on the left.

    Parameters
    ----------
    stability : pandas.DataFrame
        ``Robustness.stability``: policy, overall_rank, share_best and mean_rank, in the order of
        the overall ranking.
    kpi : str, optional
        The KPI of the ranking (``Robustness.kpi``), named in the title.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", `stability` lacks one of the columns policy, share_best
        and mean_rank, or it has no rows (no draw has a run of every policy).

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> assumptions = ["clients.tiers.mass.requests_per_year", "clients.tiers.mass.am_share.sales"]
    >>> rob = sb.robustness(scenario, ["crm_routing"], n=4, parameters=assumptions, replications=1,
    ...                     executor="serial", progress=False)
    >>> fig = plots.ranking_shares(rob.stability, rob.kpi)
    >>> len(fig.axes)
    2
    """
    need(stability, ["policy", "share_best", "mean_rank"], "ranking_shares")
    if not len(stability):
        raise ValueError("nothing to draw: no draw has a run of every policy")
    policies = list(stability["policy"])
    colors = policy_colors(policies)
    fig, (left, right) = new_figure(2, ncols=2, panel=(5.0, max(2.8, 0.38 * len(policies) + 1.5)), lang=lang)
    y = np.arange(len(policies))
    labels = [wrap(("* " if i == 0 else "") + policy_label(p, lang)) for i, p in enumerate(policies)]
    for ax, column, label in ((left, "share_best", "share_best"), (right, "mean_rank", "mean_rank")):
        ax.barh(y, stability[column].to_numpy(dtype=float), color=[colors[p] for p in policies], edgecolor="black",
                linewidth=0.5)
        ax.set_yticks(y, labels if ax is left else [""] * len(y))
        ax.invert_yaxis()
        ax.set_xlabel(say(label, lang))
        ax.grid(axis="x", alpha=0.3)
    left.set_xlim(0, 1)
    left.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    right.set_xlim(0, max(len(policies), 1) + 0.5)
    format_axis(right.xaxis, None, lang)
    fig.suptitle(say("ranking_title", lang, kpi=kpi_label(kpi, lang) if kpi else say("the_kpi", lang)))
    return fig
