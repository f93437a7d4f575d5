"""Figures of simulation results, drawn with matplotlib from the plain result frames, for people to read.

Every function takes frames as `Comparison`, `Sweep`, `Robustness`, `Calibration`, `Optimisation`
and `RunResult` give them and returns a `matplotlib.figure.Figure`; none of them computes
statistics of its own (means, intervals and dominance come from `simbranch.analysis`). Figures
are made without pyplot, so nothing piles up in pyplot's list of open figures; in Jupyter a
returned figure shows as an image, and `fig.savefig(path)` writes it to a file.

What a figure says is in the reader's language: `lang="en"` (the default) or `lang="zh"` on every
function and on the `.plot()` shortcuts. KPIs, columns, parameters, preset policies and the
baseline appear under their names in `simbranch.meanings` (a policy of one's own under the name
its author gave it), panel titles say which way is better, axes carry units, and money is in the
scenario's currency (`currency=`, from `branch.currency`: "1.2M CNY" in English, "35.0万元" in
Chinese). Chinese text is set in Noto Sans CJK SC from `mplfonts` (`simbranch.plots.fonts`), with
no font to install; English figures fall back to it for a policy named in Chinese.

A policy has the same colour (Okabe-Ito, safe for colour-blind readers) and marker in every
figure, notebook and report (`policy_colors`, `policy_markers`); the baseline is always grey.

    import simbranch.plots as plots
    plots.forest(cmp.paired(), lang="zh")     # differences from the baseline with their intervals
    plots.over_time(cmp.daily(warmup=True), smooth_days=5)
    cmp.plot("tradeoff")                      # the same figures through the result objects
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from simbranch.plots._base import (
    BASELINE_COLOR,
    LANGS,
    MARKERS,
    OKABE_ITO,
    UNNAMED_COLOR,
    check_lang,
    currency_of,
    policy_colors,
    policy_markers,
)
from simbranch.plots.calibration import calibration_fit, calibration_pairs, calibration_posterior, calibration_waves
from simbranch.plots.comparisons import (
    HEADLINE,
    TIME_SERIES,
    am_scatter,
    distributions,
    forest,
    kpi_bars,
    over_time,
    tradeoff,
)
from simbranch.plots.optimisation import objective_axes, optimisation_front
from simbranch.plots.robustness import ranking_shares, robustness_effects
from simbranch.plots.sweeps import heatmap, sensitivity_bars

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simbranch.experiment.calibrate import Calibration
    from simbranch.experiment.compare import Comparison
    from simbranch.experiment.optimise import Optimisation
    from simbranch.experiment.robustness import Robustness
    from simbranch.experiment.sweep import Sweep
    from simbranch.run import RunResult

__all__ = [
    "BASELINE_COLOR",
    "CALIBRATION_KINDS",
    "COMPARISON_KINDS",
    "HEADLINE",
    "LANGS",
    "MARKERS",
    "OKABE_ITO",
    "OPTIMISATION_KINDS",
    "ROBUSTNESS_KINDS",
    "RUN_KINDS",
    "SWEEP_KINDS",
    "TIME_SERIES",
    "UNNAMED_COLOR",
    "am_scatter",
    "calibration_fit",
    "calibration_pairs",
    "calibration_posterior",
    "calibration_waves",
    "distributions",
    "forest",
    "heatmap",
    "kpi_bars",
    "optimisation_front",
    "over_time",
    "plot_calibration",
    "plot_comparison",
    "plot_optimisation",
    "plot_robustness",
    "plot_run",
    "plot_sweep",
    "policy_colors",
    "policy_markers",
    "ranking_shares",
    "robustness_effects",
    "sensitivity_bars",
    "tradeoff",
]

#: Figures `Comparison.plot` draws.
COMPARISON_KINDS = ("forest", "kpis", "time", "tradeoff", "distributions", "scatter")
#: Figures `Sweep.plot` draws.
SWEEP_KINDS = ("heatmap", "sensitivity")
#: Figures `Robustness.plot` draws.
ROBUSTNESS_KINDS = ("effects", "ranking", "sensitivity")
#: Figures `RunResult.plot` draws.
RUN_KINDS = ("daily", "distributions", "scatter")
#: Figures `Calibration.plot` draws.
CALIBRATION_KINDS = ("fit", "posterior", "pairs", "waves")
#: Figures `Optimisation.plot` draws.
OPTIMISATION_KINDS = ("front",)


def _kind(kind: str, kinds: Sequence[str], what: str) -> None:
    if kind not in kinds:
        raise ValueError(f"unknown plot kind {kind!r} for a {what}; kinds: {', '.join(kinds)}")


def _take(kwargs: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: kwargs.pop(k) for k in names if k in kwargs}


def plot_comparison(cmp: Comparison, kind: str = "forest", *, lang: str = "en", currency: str | None = None,
                    **kwargs: Any) -> Figure:
    """Draw the figure `kind` of a comparison (what `Comparison.plot` does).

    - "forest": ``forest(cmp.paired(baseline, kpis, level, adjust))``;
    - "kpis": ``kpi_bars(cmp.summary(kpis, level))``;
    - "time": ``over_time(cmp.daily(columns, warmup=True), policies=, smooth_days=, level=)``;
    - "tradeoff": ``tradeoff(cmp.summary([x, y], level), x, y, paired=cmp.paired(kpis=[x, y]),
      maximize=)`` (each policy at the baseline's mean plus its paired difference, with the
      paired interval);
    - "distributions" and "scatter": `distributions` / `am_scatter` of
      ``cmp.rerun(policy, replication, scenario)`` for each of ``policies`` (default the baseline
      and the next policies, 4 in all; ``replication`` and ``scenario`` default 0).

    Parameters
    ----------
    cmp : Comparison
        The comparison (`simbranch.compare`).
    kind : str, default "forest"
        One of `COMPARISON_KINDS`: "forest", "kpis", "time", "tradeoff", "distributions" or
        "scatter".
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, optional
        Currency of money; by default the scenario's (``branch.currency``).
    **kwargs
        Options of `kind`, named above (``kpis``, ``baseline``, ``level``, ``adjust``,
        ``columns``, ``warmup``, ``policies``, ``smooth_days``, ``x``, ``y``, ``maximize``,
        ``replication``, ``scenario``); the rest go to the figure function.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, made without pyplot.

    Raises
    ------
    ValueError
        If `lang` or `kind` is unknown, or an option names what the comparison does not have (a
        KPI, policy, baseline, replication or scenario), or there is nothing to draw (see the
        figure functions).
    TypeError
        If an option is not one that the figure of `kind` takes.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
    >>> fig = plots.plot_comparison(cmp, "forest", kpis=["profit", "nps"], lang="zh")
    >>> len(fig.axes)
    2
    """
    check_lang(lang)
    _kind(kind, COMPARISON_KINDS, "comparison")
    style: dict[str, Any] = {"lang": lang, "currency": currency or currency_of(cmp.scenario)}
    if kind == "forest":
        kpis = kwargs.pop("kpis", None)
        options = _take(kwargs, "baseline", "level", "adjust")
        level = {"level": options["level"]} if "level" in options else {}
        return forest(cmp.paired(kpis=kpis, **options), kpis, **level, **style, **kwargs)
    if kind == "kpis":
        kpis = kwargs.pop("kpis", None)
        options = _take(kwargs, "level")
        return kpi_bars(cmp.summary(kpis=kpis, **options), kpis, **options, **style, **kwargs)
    if kind == "time":
        columns = kwargs.pop("columns", None)
        daily = cmp.daily(columns=columns, warmup=kwargs.pop("warmup", True))
        return over_time(daily, columns, **style, **kwargs)
    if kind == "tradeoff":
        x, y = kwargs.pop("x", "satisfaction_mean"), kwargs.pop("y", "profit")
        options = _take(kwargs, "level")
        pairing = _take(kwargs, "baseline", "adjust")
        paired = cmp.paired(kpis=[x, y], **options, **pairing) if len(cmp.policies) > 1 else None
        return tradeoff(cmp.summary(kpis=[x, y], **options), x, y, paired=paired, **options, **style, **kwargs)
    names = kwargs.pop("policies", None)
    names = list(names) if names is not None else [p.name for p in cmp.policies][:4]
    replication, scenario = kwargs.pop("replication", 0), kwargs.pop("scenario", 0)
    runs = {name: cmp.rerun(name, replication=replication, scenario=scenario) for name in names}
    if kind == "distributions":
        return distributions({n: r.clients for n, r in runs.items()}, {n: r.managers for n, r in runs.items()},
                             **style, **kwargs)
    return am_scatter({n: r.managers for n, r in runs.items()}, **style, **kwargs)


def plot_sweep(sw: Sweep, kind: str = "heatmap", kpi: str = "profit", *, lang: str = "en",
               currency: str | None = None, **kwargs: Any) -> Figure:
    """Draw the figure `kind` of a sweep (what `Sweep.plot` does).

    - "heatmap": ``heatmap(sw.pivot(kpi, x, y, policy=, bins=), kpi)``, ``x`` and ``y`` by
      default the first two parameters of the space;
    - "sensitivity": ``sensitivity_bars(sw.sensitivity(kpi, method=, policy=, num_resamples=,
      conf_level=), kpi=kpi)``.

    Parameters
    ----------
    sw : Sweep
        The sweep (`simbranch.sweep`).
    kind : str, default "heatmap"
        One of `SWEEP_KINDS`: "heatmap" or "sensitivity".
    kpi : str, default "profit"
        The KPI drawn.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, optional
        Currency of money; by default the scenario's (``branch.currency``).
    **kwargs
        Options of `kind`, named above (``x``, ``y``, ``policy``, ``bins``, ``method``,
        ``num_resamples``, ``conf_level``); the rest go to the figure function.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, made without pyplot.

    Raises
    ------
    ValueError
        If `lang` or `kind` is unknown, a heat map is asked of a sweep of one parameter without
        ``x`` and ``y``, or an option names what the sweep does not have (a KPI, parameter or
        policy; a sensitivity method its design was not drawn for).
    TypeError
        If an option is not one that the figure of `kind` takes.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> space = {"managers.count": [3, 4], "clients.count": [80, 120]}
    >>> sw = sb.sweep(scenario, space, method="grid", executor="serial", progress=False)
    >>> fig = plots.plot_sweep(sw, "heatmap", "wait_mean_h")
    >>> len(fig.axes)
    2
    """
    check_lang(lang)
    _kind(kind, SWEEP_KINDS, "sweep")
    style = {"lang": lang, "currency": currency or currency_of(getattr(sw, "scenario", None))}
    if kind == "heatmap":
        params = sw.parameters
        if len(params) < 2 and ("x" not in kwargs or "y" not in kwargs):
            raise ValueError(f"a heat map needs two parameters, and this sweep has {len(params)}: {', '.join(params)}")
        x, y = kwargs.pop("x", params[0]), kwargs.pop("y", None)
        y = y if y is not None else next(p for p in params if p != x)
        options = _take(kwargs, "policy", "bins")
        return heatmap(sw.pivot(kpi, x, y, **options), kpi, **style, **kwargs)
    options = _take(kwargs, "method", "policy", "num_resamples", "conf_level")
    return sensitivity_bars(sw.sensitivity(kpi, **options), kpi=kpi, **style, **kwargs)


def plot_robustness(rob: Robustness, kind: str = "effects", *, lang: str = "en", currency: str | None = None,
                    **kwargs: Any) -> Figure:
    """Draw the figure `kind` of a robustness study (what `Robustness.plot` does).

    - "effects": ``robustness_effects(rob.effects, rob.shares, kpis=)``;
    - "ranking": ``ranking_shares(rob.stability, rob.kpi)``;
    - "sensitivity": `sensitivity_bars` of ``rob.sensitivity(kpi=, num_resamples=)``, the
      ``top`` (default 10) assumptions of each output, ``outputs=`` picking some outputs.

    Parameters
    ----------
    rob : Robustness
        The robustness study (`simbranch.robustness`).
    kind : str, default "effects"
        One of `ROBUSTNESS_KINDS`: "effects", "ranking" or "sensitivity".
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, optional
        Currency of money; by default the scenario's (``branch.currency``).
    **kwargs
        Options of `kind`, named above (``kpis``, ``kpi``, ``top``, ``outputs``,
        ``num_resamples``, ``conf_level``); the rest go to the figure function.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, made without pyplot.

    Raises
    ------
    ValueError
        If `lang` or `kind` is unknown, an option names what the study does not have (a KPI or
        output), or there is nothing to draw (no sensitivity index: every output the same in
        every draw, or too few draws with their runs).
    TypeError
        If an option is not one that the figure of `kind` takes.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> assumptions = ["clients.tiers.mass.requests_per_year", "clients.tiers.mass.am_share.sales"]
    >>> rob = sb.robustness(scenario, ["crm_routing"], n=4, parameters=assumptions, replications=1,
    ...                     executor="serial", progress=False)
    >>> fig = plots.plot_robustness(rob, "effects", kpis=["profit"])
    >>> len(fig.axes)
    1
    """
    check_lang(lang)
    _kind(kind, ROBUSTNESS_KINDS, "robustness study")
    comparison = getattr(rob, "comparison", None)
    currency = currency or currency_of(getattr(comparison, "scenario", None))
    if kind == "effects":
        return robustness_effects(rob.effects, rob.shares, kwargs.pop("kpis", None), lang=lang, currency=currency,
                                  **kwargs)
    if kind == "ranking":
        return ranking_shares(rob.stability, rob.kpi, lang=lang, **kwargs)
    kpi = kwargs.pop("kpi", None) or rob.kpi
    top, outputs = kwargs.pop("top", 10), kwargs.pop("outputs", None)
    indices = rob.sensitivity(kpi, **_take(kwargs, "num_resamples", "conf_level"))
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
    return sensitivity_bars(indices, kpi=kpi, lang=lang, currency=currency, **kwargs)


def plot_run(result: RunResult, kind: str = "daily", *, lang: str = "en", currency: str | None = None,
             **kwargs: Any) -> Figure:
    """Draw the figure `kind` of one run (what `RunResult.plot` does).

    - "daily": ``over_time(result.daily, columns, smooth_days=)``;
    - "distributions": ``distributions(result.clients, result.managers)``;
    - "scatter": ``am_scatter(result.managers)``.

    Parameters
    ----------
    result : RunResult
        The run (`simbranch.run`).
    kind : str, default "daily"
        One of `RUN_KINDS`: "daily", "distributions" or "scatter".
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, optional
        Currency of money; by default the scenario's (``branch.currency``).
    **kwargs
        Options of `kind` (``columns``, ``smooth_days``, ...), passed to the figure function.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, made without pyplot.

    Raises
    ------
    ValueError
        If `lang` or `kind` is unknown, or a column of ``columns`` is not a daily series of the
        run.
    TypeError
        If an option is not one that the figure of `kind` takes.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> result = sb.run(scenario, seed=1)
    >>> fig = plots.plot_run(result, "daily", columns=["headcount", "wait_mean_h"])
    >>> len(fig.axes)
    2
    """
    check_lang(lang)
    _kind(kind, RUN_KINDS, "run")
    style: dict[str, Any] = {"lang": lang, "currency": currency or currency_of(getattr(result, "scenario", None))}
    if kind == "daily":
        return over_time(result.daily, kwargs.pop("columns", None), **style, **kwargs)
    if kind == "distributions":
        return distributions(result.clients, result.managers, **style, **kwargs)
    return am_scatter(result.managers, **style, **kwargs)


def plot_calibration(cal: Calibration, kind: str = "fit", *, lang: str = "en", currency: str | None = None,
                     **kwargs: Any) -> Figure:
    """Draw the figure `kind` of a calibration (what `Calibration.plot` does).

    - "fit": ``calibration_fit(cal.fit)``;
    - "posterior": ``calibration_posterior(cal.posterior, cal.identifiability, cal.best)``;
    - "pairs": ``calibration_pairs(cal.posterior, cal.identifiability, max_draws=)``;
    - "waves": ``calibration_waves(cal.waves)``.

    Parameters
    ----------
    cal : Calibration
        The calibration (`simbranch.calibrate`).
    kind : str, default "fit"
        One of `CALIBRATION_KINDS`: "fit", "posterior", "pairs" or "waves".
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, optional
        Currency of money; by default the calibrated scenario's (``branch.currency``).
    **kwargs
        Options of "pairs" (``max_draws``); the other kinds take none.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, made without pyplot.

    Raises
    ------
    ValueError
        If `lang` or `kind` is unknown, or "pairs" is asked of a calibration of one parameter.
    TypeError
        If an option is not one that "pairs" takes.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> space = {"sales.base_conversion": (0.15, 0.5), "clients.tiers.mass.am_share.service": (0.05, 0.9)}
    >>> cal = sb.calibrate(scenario, {"sales_count": (13.0, 3.0)}, space, waves=1, points=4,  # a toy: one small wave
    ...                    check_draws=1, best_replications=1, replications=1, executor="serial", progress=False)
    >>> fig = plots.plot_calibration(cal, "posterior")
    >>> len(fig.axes)
    2
    """
    check_lang(lang)
    _kind(kind, CALIBRATION_KINDS, "calibration")
    if kind == "fit":
        return calibration_fit(cal.fit, lang=lang, currency=currency or currency_of(getattr(cal, "base", None)))
    if kind == "posterior":
        return calibration_posterior(cal.posterior, cal.identifiability, cal.best, lang=lang)
    if kind == "pairs":
        return calibration_pairs(cal.posterior, cal.identifiability, lang=lang, **kwargs)
    return calibration_waves(cal.waves, lang=lang)


def plot_optimisation(opt: Optimisation, kind: str = "front", *, presets: Comparison | None = None, lang: str = "en",
                      currency: str | None = None) -> Figure:
    """Draw the figure `kind` of an optimisation (what `Optimisation.plot` does).

    - "front": ``optimisation_front(opt.trials, opt.front, opt.baseline, opt.objectives,
      positions)``: the trade-off between the first two objectives, every candidate of the search,
      the front with its intervals and the baseline; with `presets`, each preset policy at the
      baseline plus its paired difference, ``presets.paired(kpis=[x, y], adjust="none")``.

    Parameters
    ----------
    opt : Optimisation
        The optimisation (`simbranch.optimise`).
    kind : str, default "front"
        One of `OPTIMISATION_KINDS`: "front".
    presets : Comparison, optional
        Preset policies against the baseline, to show for reference: ``opt.compare(points=[],
        presets=[...])`` runs them on the optimisation's final seeds.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.
    currency : str, optional
        Currency of money; by default the scenario's (``branch.currency``).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, made without pyplot.

    Raises
    ------
    ValueError
        If `lang` or `kind` is unknown, the optimisation has fewer than two objectives, or
        `presets` has no paired difference of the two objectives (no policy but the baseline,
        or not those KPIs).

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import plots
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> opt = sb.optimise(scenario, {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None},
    ...                   budget_runs=10, replications=2, final_replications=3, population=4,
    ...                   executor="serial", progress=False)
    >>> fig = plots.plot_optimisation(opt, "front")
    >>> len(fig.axes)
    1
    >>> fig = plots.plot_optimisation(opt, presets=opt.compare(points=[], presets=["crm_routing"]), lang="zh")
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['使用CRM系统自动分配']
    """
    check_lang(lang)
    _kind(kind, OPTIMISATION_KINDS, "optimisation")
    x, y = objective_axes(opt.objectives)
    positions = None
    if presets is not None:
        paired = presets.paired(kpis=[x, y], adjust="none")
        moved = paired.pivot_table(index="policy", columns="kpi", values="difference", sort=False)
        if not len(moved) or {x, y} - set(moved.columns):
            raise ValueError(f"presets has no paired difference of {x} and {y} from the baseline: give a comparison "
                             "of preset policies with the baseline, such as opt.compare(points=[], presets=[...])")
        positions = pd.DataFrame({x: opt.baseline[x] + moved[x], y: opt.baseline[y] + moved[y]})
    scenario = opt.scenarios[0] if len(opt.scenarios) else None
    return optimisation_front(opt.trials, opt.front, opt.baseline, opt.objectives, positions, lang=lang,
                              currency=currency or currency_of(scenario))
