"""Figures: every plot function draws what its frames hold (one panel per KPI, one line, marker or
interval per policy, confidence bands with two or more replications, the warm-up shaded), a policy
keeps its colour and marker across figures, dominance and bands come from `simbranch.analysis`,
the `.plot()` shortcuts reach every kind, and `import simbranch` does not import matplotlib.
Names are the registry's labels (`simbranch.meanings`); tests/test_plots_language.py checks the
languages, fonts, money and the figure fixes of issue 15.

A module-scoped comparison (baseline + 2 policies x 3 replications) and a Sobol' sweep (16 points)
run on a tiny branch (300 clients, 4 AMs, 5 + 15 days) on the serial executor.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure
from scipy import stats

import simbranch as sb
from simbranch import meanings, plots
from simbranch.analysis.bands import band, smooth
from simbranch.analysis.tradeoffs import pareto_front

TINY = sb.Scenario().with_overrides(
    {"branch.horizon_days": 20, "branch.warmup_days": 5, "clients.count": 300, "managers.count": 4}
)
FAST = {"executor": "serial", "progress": False}
POLICIES = ["baseline", "crm_routing", "all_measures"]
SPACE = {"allocation.follow_up_days": (10, 60), "managers.count": (2, 6)}


@pytest.fixture(scope="module")
def cmp() -> sb.Comparison:
    return sb.compare(TINY, POLICIES[1:], replications=3, seed=1, **FAST)


@pytest.fixture(scope="module")
def sw() -> sb.Sweep:
    return sb.sweep(TINY, SPACE, method="sobol", n=4, seed=2, **FAST)


@pytest.fixture(scope="module")
def result(cmp) -> sb.RunResult:
    return cmp.rerun("crm_routing", replication=0)


def legend_labels(fig: Figure) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def labelled_lines(ax) -> list:
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


def names(policies: list[str]) -> list[str]:
    """The policies as figures show them: the registry's labels in English."""
    return [meanings.label(p, default=p) for p in policies]


def tick_texts(ax, axis: str = "y") -> list[str]:
    return [t.get_text() for t in getattr(ax, f"get_{axis}ticklabels")()]


# ---------------------------------------------------------------------------------------- import, colours


FRESH = """
import sys
import simbranch
print(sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib"))
import pandas as pd
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
from simbranch import plots
fig = plots.kpi_bars(pd.DataFrame({"policy": ["baseline"], "kpi": ["profit"], "mean": [1.0], "ci_half_width": [0.1]}))
print(sorted(shell.display_formatter.format(fig)[0]))
"""


@pytest.fixture(scope="module")
def fresh() -> list[str]:
    """A fresh interpreter, as Jupyter starts one (inline backend): what it imports and how it shows a figure."""
    env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    done = subprocess.run([sys.executable, "-c", FRESH], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_import_simbranch_does_not_import_matplotlib(fresh):
    """Plots load matplotlib on use: `import simbranch` stays fast."""
    assert fresh[0] == "[]"


def test_a_returned_figure_shows_in_jupyter(fresh):
    """Figures are made without pyplot, yet IPython renders the one a cell returns as a PNG."""
    assert "image/png" in fresh[1]


def test_policy_colours_are_stable_and_baseline_grey():
    """The baseline is grey; a name keeps its colour and marker whatever else is in the figure (issue 15:
    no longer by order of first appearance in the session); presets are told apart."""
    first = plots.policy_colors(["baseline", "p_one", "p_two", "p_three"])
    again = plots.policy_colors(["p_three", "baseline", "p_one"])
    assert first["baseline"] == plots.BASELINE_COLOR
    assert {k: first[k] for k in again} == again
    presets = [p for p in meanings.POLICIES if p != "baseline"]
    colors, markers = plots.policy_colors(presets), plots.policy_markers(presets)
    assert len({(colors[p], markers[p]) for p in presets}) == len(presets)
    assert plots.BASELINE_COLOR not in colors.values()


def test_figures_stay_out_of_pyplot(cmp):
    """Figures are plain Figure objects: pyplot's list of open figures stays empty."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = plots.kpi_bars(cmp.summary())
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == before


# ---------------------------------------------------------------------------------------- comparisons


def test_forest_one_panel_per_kpi_one_interval_per_policy(cmp):
    paired = cmp.paired()
    fig = plots.forest(paired)
    kpis = ["satisfaction_mean", "sales_count", "revenue", "profit", "exhausted_share", "wait_mean_h"]
    assert len(fig.axes) == len(kpis)
    colors = plots.policy_colors(POLICIES)
    for ax, kpi in zip(fig.axes, kpis, strict=True):
        assert ax.get_title().split("\n")[0] == meanings.title(kpi)
        assert "Difference from the baseline" in ax.get_xlabel()
        assert sorted(c.get_label() for c in ax.containers) == sorted(POLICIES[1:])
        rows = paired[paired["kpi"] == kpi].set_index("policy")
        for container in ax.containers:
            point = container.lines[0]
            assert point.get_xdata()[0] == pytest.approx(rows.loc[container.get_label(), "difference"])
            assert to_hex(point.get_color()) == colors[container.get_label()]
        zero = [line for line in ax.get_lines() if list(line.get_xdata()) == [0, 0]]
        assert zero, "no line at zero difference"
    assert "significant: the adjusted 95 % interval excludes 0" in legend_labels(fig)


def test_forest_fills_significant_differences_only():
    paired = pd.DataFrame({
        "policy": ["a", "b"], "kpi": ["profit", "profit"], "baseline_mean": [100.0, 100.0],
        "difference": [5.0, 1.0], "ci_low": [2.0, -1.0], "ci_high": [8.0, 3.0], "significant": [True, False]})
    fig = plots.forest(paired)
    (ax,) = fig.axes
    a, b = (c.lines[0] for c in ax.containers)
    assert to_hex(a.get_markerfacecolor()) == to_hex(a.get_color())
    assert to_hex(b.get_markerfacecolor()) == "#ffffff"
    assert "100" in ax.get_title()
    with pytest.raises(ValueError, match="no KPI 'nps'"):
        plots.forest(paired, ["nps"])


def test_kpi_bars_show_means_with_ci(cmp):
    """A dot per policy at its mean with its CI (issue 15: no longer bars from zero), in its colour and marker."""
    summary = cmp.summary()
    fig = plots.kpi_bars(summary, ["satisfaction_mean", "profit"])
    assert len(fig.axes) == 2
    colors, markers = plots.policy_colors(POLICIES), plots.policy_markers(POLICIES)
    for ax, kpi in zip(fig.axes, ["satisfaction_mean", "profit"], strict=True):
        assert ax.get_title() == meanings.title(kpi) and meanings.label(kpi) in ax.get_xlabel()
        assert not [c for c in ax.containers if isinstance(c, BarContainer)]
        dots = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        assert [c.get_label() for c in dots] == POLICIES
        rows = summary[summary["kpi"] == kpi].set_index("policy")
        for container in dots:
            point = container.lines[0]
            assert point.get_xdata()[0] == pytest.approx(rows.loc[container.get_label(), "mean"])
            assert to_hex(point.get_color()) == colors[container.get_label()]
            assert point.get_marker() == markers[container.get_label()]
    assert legend_labels(fig)[:3] == names(POLICIES)
    assert "3 replications" in fig.get_suptitle()
    assert tick_texts(fig.axes[0]) == names(POLICIES)


def test_kpi_bars_stay_readable_with_many_policies(cmp):
    """Thirteen policies (the main job): the figure grows down, not sideways."""
    summary = cmp.summary()
    many = pd.concat([summary.assign(policy=summary["policy"] + f"_{i}") for i in range(5)], ignore_index=True)
    fig = plots.kpi_bars(many)
    width, height = fig.get_size_inches()
    assert width <= 14 and height <= 16


def test_over_time_lines_bands_and_warmup(cmp):
    daily = cmp.daily(warmup=True)
    fig = plots.over_time(daily)
    assert [ax.get_title() for ax in fig.axes] == [meanings.title(c) for c in plots.TIME_SERIES]
    for ax in fig.axes:
        assert [line.get_label() for line in labelled_lines(ax)] == POLICIES
        assert len(ax.collections) == len(POLICIES), "one CI band per policy with 3 replications"
        assert any(p.get_hatch() for p in ax.patches), "warm-up days shaded"
    # the line is the mean over replications of each day, the band its t interval
    ax = fig.axes[0]
    line = labelled_lines(ax)[1]
    rows = daily[daily["policy"] == "crm_routing"]
    expected = rows.groupby("day")["satisfaction_mean"].mean()
    assert line.get_ydata() == pytest.approx(expected.to_numpy())
    labels = legend_labels(fig)
    assert "95 % confidence interval across replications" in labels and "warm-up (not in the KPIs)" in labels


def test_over_time_one_run_policies_and_smoothing(cmp, result):
    fig = plots.over_time(result.daily, ["sales_count", "stress_mean"])
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert len(labelled_lines(ax)) == 1 and not ax.collections, "one run: one line, no band"
    assert "per day" in fig.axes[0].get_ylabel()
    fig = plots.over_time(cmp.daily(), ["sales_count"], policies=["baseline"], smooth_days=3)
    (ax,) = fig.axes
    (line,) = labelled_lines(ax)
    assert line.get_label() == "baseline"
    assert not any(p.get_hatch() for p in ax.patches), "no warm-up rows, no shading"
    rows = cmp.daily()[lambda f: f["policy"] == "baseline"]
    rolled = rows.groupby("replication")["sales_count"].transform(lambda s: s.rolling(3, center=True,
                                                                                       min_periods=1).mean())
    assert line.get_ydata() == pytest.approx(rolled.groupby(rows["day"]).mean().to_numpy())
    with pytest.raises(ValueError, match="no policy 'nope'"):
        plots.over_time(cmp.daily(), policies=["nope"])


def test_band_is_the_t_interval_across_rows():
    """Eight values whose t interval lies inside their range (0 to 2), so no clipping: the t interval."""
    values = [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0]
    frame = pd.DataFrame({"g": ["a"] * 8 + ["b"], "v": [*values, 5.0]})
    out = band(frame, "g", "v", level=0.9).set_index("g")
    half = stats.t.ppf(0.95, 7) * np.std(values, ddof=1) / np.sqrt(8)
    assert out.loc["a", "mean"] == 1.0 and out.loc["a", "n"] == 8
    assert out.loc["a", "ci_low"] == pytest.approx(1 - half) and out.loc["a", "ci_high"] == pytest.approx(1 + half)
    assert out.loc["b", "mean"] == 5.0 and np.isnan(out.loc["b", "ci_low"])


def test_smooth_is_a_centred_mean_within_each_series():
    frame = pd.DataFrame({"replication": [0, 0, 0, 1, 1, 1], "day": [0, 1, 2] * 2, "v": [0, 3, 6, 10, 10, 40.0]})
    out = smooth(frame, ["v"], 3, by=("replication",))
    assert out["v"].tolist() == pytest.approx([1.5, 3.0, 4.5, 10.0, 20.0, 25.0])
    assert smooth(frame, ["v"], 1) is frame


def test_distributions_one_curve_per_policy(cmp, result):
    runs = {name: cmp.rerun(name) for name in POLICIES[:2]}
    fig = plots.distributions({n: r.clients for n, r in runs.items()}, {n: r.managers for n, r in runs.items()})
    assert len(fig.axes) == 4
    assert ["satisfaction" in fig.axes[0].get_title().lower(), "revenue" in fig.axes[1].get_title().lower()] == [
        True, True]
    for ax in fig.axes:
        assert [line.get_label() for line in labelled_lines(ax)] == POLICIES[:2]
    assert fig.axes[1].get_xscale() == "symlog"
    assert legend_labels(fig) == names(POLICIES[:2])
    # a bare frame is one run; inactive clients are left out of the satisfaction curve
    clients = pd.DataFrame({"satisfaction": [0.1, 0.6, 0.7, 0.9], "active": [False, True, True, True],
                            "revenue": [0.0, 0.0, 100.0, 1000.0]})
    managers = pd.DataFrame({"sales_count": [3, 5], "client_satisfaction": [0.7, np.nan]})
    fig = plots.distributions(clients, managers)
    (line,) = labelled_lines(fig.axes[0])
    assert np.nanmin(line.get_xdata()[np.isfinite(line.get_xdata())]) == pytest.approx(0.6)
    assert not fig.legends


def test_am_scatter_marks_leavers_hollow():
    managers = pd.DataFrame({"stress": [0.2, 0.5, 0.7], "sales_count": [10, 20, 5], "skill_mean": [0.6, 0.7, 0.5],
                             "client_satisfaction": [0.8, 0.75, np.nan],
                             "left_day": pd.array([pd.NA, pd.NA, 12], dtype="Int64")})
    fig = plots.am_scatter({"baseline": managers, "crm_routing": managers.assign(stress=managers["stress"] / 2)})
    assert len(fig.axes) == 2
    stress_ax = fig.axes[0]
    assert "Stress" in stress_ax.get_xlabel() and "Sales" in stress_ax.get_ylabel()
    assert "Mean skill" in fig.axes[1].get_xlabel() and "Satisfaction of the AM's clients" in fig.axes[1].get_ylabel()
    stayed = [c for c in stress_ax.collections if not c.get_label().endswith("(left)")]
    left = [c for c in stress_ax.collections if c.get_label().endswith("(left)")]
    assert [c.get_label() for c in stayed] == ["baseline", "crm_routing"]
    assert [len(c.get_offsets()) for c in stayed] == [2, 2] and [len(c.get_offsets()) for c in left] == [1, 1]
    assert all(len(c.get_facecolors()) == 0 for c in left), "leavers drawn hollow"
    assert legend_labels(fig) == ["Baseline", "CRM routing", "left the branch (hollow)"]


# ---------------------------------------------------------------------------------------- trade-offs


def summary_of(points: dict[str, tuple[float, float]], x: str = "satisfaction_mean", y: str = "profit"):
    rows = [{"policy": p, "kpi": k, "mean": v, "ci_half_width": 0.1 * abs(v)}
            for p, (vx, vy) in points.items() for k, v in ((x, vx), (y, vy))]
    return pd.DataFrame(rows)


def test_pareto_front_finds_dominated_policies():
    summary = summary_of({"baseline": (1, 1), "a": (2, 2), "b": (3, 0.5), "tie": (2, 2), "nan": (np.nan, 9)})
    front = pareto_front(summary, "satisfaction_mean", "profit").set_index("policy")
    assert list(front.index) == ["baseline", "a", "b", "tie"], "a policy without both means is left out"
    assert front["dominated"].to_dict() == {"baseline": True, "a": False, "b": False, "tie": False}
    assert front.loc["baseline", "dominated_by"] == ["a", "tie"]
    assert front.loc["a", "profit"] == 2
    # minimising y turns it round: b (lowest profit) is then on the front, and dominates baseline
    low = pareto_front(summary, "satisfaction_mean", "profit", maximize=(True, False)).set_index("policy")
    assert low["dominated"].to_dict() == {"baseline": True, "a": True, "b": False, "tie": True}
    with pytest.raises(ValueError, match="no KPI 'nps'"):
        pareto_front(summary, "nps", "profit")
    with pytest.raises(ValueError, match="two different"):
        pareto_front(summary, "profit", "profit")


def test_tradeoff_joins_the_front_and_greys_the_dominated():
    summary = summary_of({"baseline": (1, 1), "a": (2, 3), "b": (3, 2)})
    fig = plots.tradeoff(summary)
    (ax,) = fig.axes
    assert "1 of 3 policies dominated" in ax.get_title()
    assert "Client satisfaction" in ax.get_xlabel() and "Profit" in ax.get_ylabel()
    (front,) = [line for line in ax.get_lines() if line.get_label() == "Pareto front"]
    assert list(front.get_xdata()) == [2, 3] and list(front.get_ydata()) == [3, 2]
    points = {c.get_label(): c.lines[0] for c in ax.containers}
    assert to_hex(points["baseline"].get_color()) == "#c4c4c4"
    assert to_hex(points["a"].get_color()) == plots.policy_colors(["a"])["a"]
    assert {t.get_text() for t in ax.texts} == {"Baseline", "a", "b"}
    # lower wait is better by default: the policy with the smallest wait and best profit dominates
    fig = plots.tradeoff(summary_of({"baseline": (1, 1), "a": (0.5, 2)}, x="wait_mean_h"), x="wait_mean_h")
    assert "1 of 2 policies dominated" in fig.axes[0].get_title()


def test_tradeoff_of_a_comparison(cmp):
    summary = cmp.summary(kpis=["satisfaction_mean", "profit"])
    fig = plots.tradeoff(summary)
    k = int(pareto_front(summary, "satisfaction_mean", "profit")["dominated"].sum())
    assert f"{k} of 3 policies dominated" in fig.axes[0].get_title()


# ---------------------------------------------------------------------------------------- optimisation


def front_frames():
    """An optimisation's frames: 4 candidates that ran (and one that failed), a front of two points
    (given out of order), the baseline and two presets' positions."""
    trials = pd.DataFrame({"profit": [1.0e5, 1.2e5, 0.9e5, 1.1e5, 5.0e5],
                           "satisfaction_mean": [0.80, 0.78, 0.82, 0.79, 0.95],
                           "status": ["ok", "ok", "ok", "ok", "error"]})
    front = pd.DataFrame({"policy": ["opt-b", "opt-a"], "profit": [1.3e5, 1.15e5], "profit_ci_low": [1.2e5, 1.1e5],
                          "profit_ci_high": [1.4e5, 1.2e5], "satisfaction_mean": [0.80, 0.83],
                          "satisfaction_mean_ci_low": [0.79, 0.81], "satisfaction_mean_ci_high": [0.81, 0.85]})
    baseline = pd.Series({"profit": 1.0e5, "satisfaction_mean": 0.75, "exhausted_share": 0.1})
    presets = pd.DataFrame({"profit": [1.05e5, 0.95e5], "satisfaction_mean": [0.77, 0.74]},
                           index=["crm_routing", "mine"])
    return trials, front, baseline, presets


def test_optimisation_front_draws_candidates_front_baseline_and_presets():
    """Grey dots are the candidates that ran, the front's points are joined in the order of x with
    their intervals as bars, the baseline is a star, each preset a labelled diamond at its position;
    the axes are the first two objectives, each saying which way is better."""
    trials, front, baseline, presets = front_frames()
    objectives = {"profit": "max", "satisfaction_mean": "max"}
    fig = plots.optimisation_front(trials, front, baseline, objectives, presets)
    (ax,) = fig.axes
    (dots,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    ran = trials[trials["status"] == "ok"]
    assert dots.get_offsets().tolist() == ran[["profit", "satisfaction_mean"]].to_numpy().tolist()
    (container,) = ax.containers
    line = container.lines[0]
    assert list(line.get_xdata()) == [1.15e5, 1.3e5] and list(line.get_ydata()) == [0.83, 0.80]
    assert line.get_linestyle() == "-"
    xbars, ybars = container.lines[2]
    assert xbars.get_segments()[0][:, 0] == pytest.approx([1.1e5, 1.2e5])
    assert ybars.get_segments()[1][:, 1] == pytest.approx([0.79, 0.81])
    marked = {m: [(x, y) for ln in ax.get_lines() if ln.get_marker() == m for x, y in ln.get_xydata()]
              for m in ("*", "D")}
    assert marked["*"] == [(1.0e5, 0.75)]
    assert marked["D"] == [(1.05e5, 0.77), (0.95e5, 0.74)]
    assert [t.get_text() for t in ax.texts] == ["CRM routing", "mine"]
    assert ax.get_xlabel() == "Profit (CNY), higher is better"
    assert ax.get_ylabel() == "Client satisfaction (0-1), higher is better"
    assert legend_labels(fig) == ["candidates tried (search replications)",
                                  "Pareto front (final replications, 95 % intervals)", "Baseline",
                                  "preset policies (baseline + paired difference)"]
    # the order and ways of the objectives set the axes; without presets or a front, neither is drawn
    fig = plots.optimisation_front(trials, front.iloc[:0], baseline, {"satisfaction_mean": "min", "profit": "max"},
                                   lang="zh", currency="USD")
    (ax,) = fig.axes
    assert not ax.containers and not ax.texts and "Pareto" not in " ".join(legend_labels(fig))
    assert ax.get_xlabel().endswith("越低越好") and ax.get_ylabel() == "利润(USD),越高越好"


def test_a_front_point_beaten_beyond_the_noise_is_drawn_hollow():
    trials, front, baseline, _ = front_frames()
    flagged = front.assign(dominated_within_noise_by=["", front["policy"].iloc[0]])
    fig = plots.optimisation_front(trials, flagged, baseline, {"profit": "max", "satisfaction_mean": "max"})
    (ax,) = fig.axes
    hollow = [c for c in ax.collections if isinstance(c, PathCollection) and (c.get_facecolor()[:, :3] == 1).all()]
    assert len(hollow) == 1
    assert hollow[0].get_offsets().tolist() == [flagged.iloc[1][["profit", "satisfaction_mean"]].tolist()]
    assert "front point beaten beyond the noise by another" in legend_labels(fig)
    zh = plots.optimisation_front(trials, flagged, baseline, {"profit": "max", "satisfaction_mean": "max"}, lang="zh")
    assert "被另一前沿点明显胜过的前沿点" in legend_labels(zh)


def test_optimisation_front_needs_two_objectives_and_its_columns():
    trials, front, baseline, _ = front_frames()
    with pytest.raises(ValueError, match=r"needs two objectives, and this optimisation has 1 \(profit\)"):
        plots.optimisation_front(trials, front, baseline, {"profit": "max"})
    with pytest.raises(ValueError, match=r"'max' or 'min'.*satisfaction_mean: 'up'"):
        plots.optimisation_front(trials, front, baseline, {"profit": "max", "satisfaction_mean": "up"})
    objectives = {"profit": "max", "nps": "max"}
    with pytest.raises(ValueError, match=r"\(trials\).*missing nps"):
        plots.optimisation_front(trials, front, baseline, objectives)
    objectives = {"profit": "max", "exhausted_share": "min"}
    with pytest.raises(ValueError, match=r"\(front\).*missing exhausted_share"):
        plots.optimisation_front(trials.assign(exhausted_share=0.1), front, baseline, objectives)
    with pytest.raises(ValueError, match=r"\(baseline\).*missing satisfaction_mean"):
        plots.optimisation_front(trials, front, baseline.drop("satisfaction_mean"),
                                 {"profit": "max", "satisfaction_mean": "max"})


@pytest.fixture(scope="module")
def opt() -> sb.Optimisation:
    return sb.optimise(TINY, {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None}, budget_runs=10,
                       replications=2, final_replications=3, population=4, **FAST)


def test_plot_optimisation_places_presets_by_their_paired_differences(opt):
    """A preset sits at the optimisation's baseline plus its paired difference on the final seeds;
    the front's points are the front's; money in the scenario's currency; kinds and languages checked."""
    assert plots.OPTIMISATION_KINDS == ("front",)
    x, y = list(opt.objectives)[:2]
    presets = opt.compare(points=[], presets=["crm_routing"])
    fig = plots.plot_optimisation(opt, presets=presets)
    (ax,) = fig.axes
    paired = presets.paired(kpis=[x, y], adjust="none").set_index("kpi")["difference"]
    (diamond,) = [ln for ln in ax.get_lines() if ln.get_marker() == "D"]
    assert diamond.get_xydata()[0] == pytest.approx([opt.baseline[x] + paired[x], opt.baseline[y] + paired[y]])
    assert [t.get_text() for t in ax.texts] == ["CRM routing"]
    assert list(ax.containers[0].lines[0].get_xdata()) == sorted(opt.front[x])
    usd = dataclasses.replace(opt, scenarios=[s.with_overrides({"branch.currency": "USD"}) for s in opt.scenarios])
    (ax,) = plots.plot_optimisation(usd).axes
    assert "USD" in ax.get_xlabel() + ax.get_ylabel()
    with pytest.raises(ValueError, match="kinds: front"):
        plots.plot_optimisation(opt, "trials")
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        plots.plot_optimisation(opt, lang="fr")
    with pytest.raises(ValueError, match="two objectives"):
        plots.plot_optimisation(dataclasses.replace(opt, objectives={x: opt.objectives[x]}), presets=presets)


# ---------------------------------------------------------------------------------------- sweeps


def test_heatmap_blank_nan_cells_and_annotations():
    index = pd.IntervalIndex.from_breaks([0.0, 0.5, 1.0, 1.5], name="costs.overhead")
    pivot = pd.DataFrame(np.arange(12, dtype=float).reshape(3, 4) * 1000, index=index,
                         columns=pd.Index([2, 3, 4, 5], name="managers.count"))
    pivot.iloc[0, 1] = pivot.iloc[2, 3] = np.nan
    fig = plots.heatmap(pivot, "profit")
    ax, bar = fig.axes
    assert bar.get_ylabel() == "Profit (CNY)"
    (mesh,) = ax.collections
    assert int(np.ma.count_masked(mesh.get_array())) == 2
    assert len(ax.texts) == 10, "finite cells annotated"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "3", "4", "5"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0-0.5", "0.5-1", "1-1.5"]
    assert ax.get_xlabel() == "AM positions" and ax.get_ylabel() == "costs.overhead"  # a path of no field: as is
    assert "Profit" in ax.get_title() and "2 cells" in ax.get_title()
    big = pd.DataFrame(np.random.default_rng(0).random((12, 11)))
    assert not plots.heatmap(big).axes[0].texts, "no annotations on a large grid"


def test_heatmap_of_a_sweep(sw):
    pivot = sw.pivot("satisfaction_mean", "managers.count", "allocation.follow_up_days", bins=4)
    fig = plots.heatmap(pivot, "satisfaction_mean")
    ax = fig.axes[0]
    assert ax.collections[0].get_array().shape == pivot.shape
    assert len(ax.get_yticklabels()) == 4 and "-" in ax.get_yticklabels()[0].get_text()


def test_sensitivity_bars_sobol(sw):
    indices = sw.sensitivity("proactive_hours")
    fig = plots.sensitivity_bars(indices, kpi="proactive_hours")
    (ax,) = fig.axes
    s1, st = (c for c in ax.containers if isinstance(c, BarContainer))
    assert [b.get_width() for b in s1.patches] == pytest.approx(indices["S1"].to_numpy())
    assert [b.get_width() for b in st.patches] == pytest.approx(indices["ST"].to_numpy())
    assert tick_texts(ax) == [meanings.parameter_label(p) for p in SPACE]
    assert "Proactive client contact" in ax.get_title() and "Sobol" in ax.get_title()
    assert legend_labels(fig) == ["S1 first-order", "ST total"]
    assert all(c.errorbar is not None for c in (s1, st))


def test_sensitivity_bars_morris_per_policy():
    indices = pd.DataFrame({"policy": ["baseline", "baseline", "crm", "crm"], "parameter": ["p", "q"] * 2,
                            "mu": [1.0, -2, 3, 4], "mu_star": [1.0, 2, 3, 4], "mu_star_conf": [0.5] * 4,
                            "sigma": [0.1, 0.2, 0.3, 0.4]})
    fig = plots.sensitivity_bars(indices, kpi="profit")
    assert len(fig.axes) == 2
    for ax, policy in zip(fig.axes, ["baseline", "crm"], strict=True):
        assert meanings.label(policy, default=policy) in ax.get_title()
        mu, sigma = (c for c in ax.containers if isinstance(c, BarContainer))
        rows = indices[indices["policy"] == policy]
        assert [b.get_width() for b in mu.patches] == pytest.approx(rows["mu_star"].to_numpy())
        assert [b.get_width() for b in sigma.patches] == pytest.approx(rows["sigma"].to_numpy())
        assert "Profit" in ax.get_xlabel()
    with pytest.raises(ValueError, match="Sobol"):
        plots.sensitivity_bars(pd.DataFrame({"parameter": ["p"], "x": [1]}))


# ---------------------------------------------------------------------------------------- shortcuts


def test_comparison_plot_kinds(cmp):
    expected = {"forest": 6, "kpis": 6, "time": 5, "tradeoff": 1, "distributions": 4, "scatter": 2}
    assert set(expected) == set(plots.COMPARISON_KINDS)
    for kind, axes in expected.items():
        fig = cmp.plot(kind)
        assert isinstance(fig, Figure) and len(fig.axes) == axes, kind
    assert len(cmp.plot("forest", kpis=["nps"]).axes) == 1
    assert legend_labels(cmp.plot("scatter", policies=["all_measures"])) == ["All measures together"]
    fig = cmp.plot("time", columns=["nps"], warmup=False, policies=["crm_routing"])
    assert [line.get_label() for line in labelled_lines(fig.axes[0])] == ["crm_routing"]
    assert "Profit" in cmp.plot("tradeoff", x="sales_count").axes[0].get_ylabel()
    with pytest.raises(ValueError, match="kinds: forest, kpis, time"):
        cmp.plot("pie")


def test_sweep_and_run_plot_kinds(sw, result):
    fig = sw.plot()
    assert fig.axes[0].get_xlabel() == "CRM follow-up after days without contact"
    assert fig.axes[1].get_ylabel() == "Profit (CNY)"
    fig = sw.plot("heatmap", kpi="wait_mean_h", x="managers.count", y="allocation.follow_up_days", bins=3)
    assert fig.axes[0].collections[0].get_array().shape == (3, 3)
    assert "Sobol" in sw.plot("sensitivity", kpi="proactive_hours").axes[0].get_title()
    with pytest.raises(ValueError, match="kinds: heatmap, sensitivity"):
        sw.plot("surface")
    assert len(result.plot().axes) == 5
    assert len(result.plot("daily", columns=["nps"]).axes) == 1
    assert len(result.plot("distributions").axes) == 4
    assert len(result.plot("scatter").axes) == 2
    with pytest.raises(ValueError, match="kinds: daily, distributions, scatter"):
        result.plot("forest")
