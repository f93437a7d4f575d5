"""Figures people read (issue 15): every figure in English and Chinese names KPIs, policies and
parameters by the registry's labels (no code name anywhere), Chinese renders with no missing glyph
on a fresh machine (Noto Sans CJK SC from mplfonts, also as the fallback of English figures), money
is in the scenario's currency, colours and markers are fixed per policy, and the figure fixes users
asked for hold: forest rows by effect with "better" marked, dots instead of bars from zero, the
trade-off on paired differences with labels that do not overlap, units on every value axis.

A tiny branch (300 clients, 4 AMs, 5 + 15 days): a comparison (baseline + 2 policies x 2
replications), a Sobol' sweep (n=4), a robustness study (8 draws, 1 replication) and an optimisation
of two levers (4 candidates x 2 replications, the front on 3), about 5 s of runs; the calibration is
a stand-in with frames of a `Calibration`'s shape.
"""

from __future__ import annotations

import dataclasses
import io
import re
import types
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text

import simbranch as sb
from simbranch import meanings, plots
from simbranch.plots import fonts
from simbranch.plots._base import Ticks
from simbranch.run import kpi_names

TINY = sb.Scenario().with_overrides(
    {"branch.horizon_days": 20, "branch.warmup_days": 5, "clients.count": 300, "managers.count": 4}
)
FAST = {"executor": "serial", "progress": False}
SPACE = {"allocation.follow_up_days": (10, 60), "managers.count": (2, 6)}
ASSUMED = ["clients.tiers.mass.requests_per_year", "clients.tiers.mass.am_share.sales"]
LEVERS = {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None}
CALIBRATED = ["clients.tiers.mass.expected_quality", "sales.base_conversion", "clients.tiers.mass.am_share.service"]
LANGS = ["en", "zh"]
CJK = re.compile(r"[\u4e00-\u9fff]")

#: Code names no figure may show: every KPI and result column the registry knows, the per-tier KPIs,
#: the preset policies and the parameters (levers) the objects below vary.
CODE_NAMES = sorted({*meanings.MEASURES, *kpi_names(sb.Scenario()), *(p for p in meanings.POLICIES if p != "baseline"),
                     *SPACE, *ASSUMED, *CALIBRATED, *LEVERS})


@pytest.fixture(scope="module")
def cmp() -> sb.Comparison:
    return sb.compare(TINY, ["crm_routing", "all_measures"], replications=2, seed=1, **FAST)


@pytest.fixture(scope="module")
def sw() -> sb.Sweep:
    return sb.sweep(TINY, SPACE, method="sobol", n=4, seed=2, **FAST)


@pytest.fixture(scope="module")
def rob() -> sb.Robustness:
    return sb.robustness(TINY, ["crm_routing"], n=8, parameters=ASSUMED, replications=1, kpi=["profit", "nps"],
                         **FAST)


@pytest.fixture(scope="module")
def opt() -> sb.Optimisation:
    """A small search (two levers, 4 candidates x 2 replications, the front on 3 final replications)."""
    return sb.optimise(TINY, LEVERS, budget_runs=10, replications=2, final_replications=3, population=4, **FAST)


@pytest.fixture(scope="module")
def presets(opt) -> sb.Comparison:
    """The baseline and a preset on the optimisation's final seeds, to draw beside its front."""
    return opt.compare(points=[], presets=["crm_routing"])


@pytest.fixture(scope="module")
def cal() -> types.SimpleNamespace:
    """What `plot_calibration` reads of a `Calibration`, with the shapes `calibrate` gives them."""
    rng = np.random.default_rng(0)
    posterior = pd.DataFrame({p: rng.uniform(0.2, 0.8, 200) for p in CALIBRATED}).assign(
        weight=rng.dirichlet(np.ones(200)))
    identifiability = pd.DataFrame({
        "parameter": CALIBRATED, "low": [0.2] * 3, "high": [0.8] * 3, "q05": [0.3] * 3, "q95": [0.6] * 3,
        "status": ["pinned down", "not pinned down", f"pinned down only with {CALIBRATED[1]}"]})
    fit = pd.DataFrame({"observed": [40.2, 1284.0, 0.12, 0.41, 2.3e6], "sd": [1.5, 30.0, 0.004, 0.02, 1e5],
                        "simulated": [41.0, 1300.0, 0.121, 0.40, 2.2e6], "low": [38.0, 1250.0, 0.11, 0.37, 2.0e6],
                        "high": [43.0, 1350.0, 0.13, 0.43, 2.4e6], "best": [40.5, 1290.0, 0.12, 0.41, 2.25e6]},
                       index=["nps", "sales_count", "client_churn_rate", "wait_mean_h", "profit"])
    waves = pd.DataFrame({"wave": [1, 2, "check"], "plausible_share": [0.4, 0.15, np.nan]})
    return types.SimpleNamespace(fit=fit, posterior=posterior, identifiability=identifiability,
                                 best=dict.fromkeys(CALIBRATED, 0.5), waves=waves, base=TINY)


def every_figure(cmp, sw, rob, cal, opt, presets, lang: str) -> dict[str, Figure]:
    """Every kind of every dispatcher, in `lang`."""
    result = cmp.rerun("crm_routing")
    figures = {f"comparison {k}": cmp.plot(k, lang=lang) for k in plots.COMPARISON_KINDS}
    figures |= {f"sweep {k}": sw.plot(k, lang=lang) for k in plots.SWEEP_KINDS}
    figures |= {f"run {k}": result.plot(k, lang=lang) for k in plots.RUN_KINDS}
    figures |= {f"robustness {k}": rob.plot(k, lang=lang) for k in plots.ROBUSTNESS_KINDS}
    figures |= {f"calibration {k}": plots.plot_calibration(cal, k, lang=lang) for k in plots.CALIBRATION_KINDS}
    figures |= {f"optimisation {k}": plots.plot_optimisation(opt, k, lang=lang) for k in plots.OPTIMISATION_KINDS}
    figures |= {f"optimisation {k} with presets": plots.plot_optimisation(opt, k, presets=presets, lang=lang)
                for k in plots.OPTIMISATION_KINDS}
    return figures


def texts(fig: Figure) -> list[str]:
    """Every visible text of a drawn figure: titles, axis and tick labels, legends, annotations."""
    fig.draw_without_rendering()  # tick labels exist once drawn
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def code_names_in(text: str) -> list[str]:
    """Code names in a text: a name with `_` or `.` anywhere as a word; any other (such as "profit" or
    "baseline") as the whole text or its first line (later lines may be a label wrapped at a word)."""
    found = [n for n in CODE_NAMES if ("_" in n or "." in n) and re.search(rf"(?<![\w.]){re.escape(n)}(?![\w.])", text)]
    whole = {text.strip().lstrip("* "), text.split("\n")[0].strip().lstrip("* ")}
    return found + [n for n in [*CODE_NAMES, "baseline"] if n in whole]


@pytest.mark.parametrize("lang", LANGS)
def test_no_code_name_in_any_figure(cmp, sw, rob, cal, opt, presets, lang):
    """Every figure of every kind speaks the reader's language: no KPI, column, preset policy or
    parameter by its code name; Chinese in the Chinese figures; numbers as people write them (no
    exponent, no "1000k", no "currency")."""
    for what, fig in every_figure(cmp, sw, rob, cal, opt, presets, lang).items():
        shown = texts(fig)
        assert shown, what
        for text in shown:
            assert not code_names_in(text), (what, text, code_names_in(text))
            assert not re.search(r"\d[eE][-+]?\d", text), (what, text)
            assert not re.search(r"\b1,?000k\b|currency|货币单位", text), (what, text)
        if lang == "zh":
            assert any(CJK.search(t) for t in shown), what


def test_unknown_language_is_a_clear_error(cmp):
    with pytest.raises(ValueError, match=r"unknown language 'fr'.*'en'.*'zh'"):
        plots.forest(cmp.paired(), lang="fr")
    with pytest.raises(ValueError, match="unknown language 'de'"):
        cmp.plot("tradeoff", lang="de")
    with pytest.raises(ValueError, match="unknown language"):
        plots.plot_calibration(types.SimpleNamespace(), "fit", lang="EN")


def glyph_warnings(fig: Figure) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png", dpi=50)  # Agg
    return [str(w.message) for w in caught if "Glyph" in str(w.message)]


def test_chinese_renders_with_no_missing_glyph(cmp):
    """A Chinese figure, and an English one with a policy its author named in Chinese, draw with Agg
    without a missing glyph: the CJK font is registered from mplfonts and is in both figures' fonts.
    (The check itself works: the same text in DejaVu Sans alone misses its glyphs.)"""
    assert glyph_warnings(cmp.plot("forest", lang="zh")) == []
    paired = cmp.paired().replace({"policy": {"all_measures": "我的新政策"}})
    summary = cmp.summary(kpis=["satisfaction_mean", "profit"]).replace({"policy": {"all_measures": "我的新政策"}})
    assert glyph_warnings(plots.forest(paired)) == []
    assert glyph_warnings(plots.tradeoff(summary, paired=paired)) == []
    font = font_manager.fontManager._find_fonts_by_props(
        plots.forest(paired).axes[0].get_yticklabels()[0].get_fontproperties())
    assert any(path.endswith(fonts.cjk_font_path().name) for path in map(str, font))
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        bare = Figure()
        bare.text(0.5, 0.5, "客户满意度")
    assert glyph_warnings(bare), "the warning this test looks for"


def test_money_in_the_scenarios_currency(cmp):
    """Money axes and annotations are in `branch.currency`, which the dispatchers pass on; no "1000k"."""
    usd = dataclasses.replace(cmp, scenario=cmp.scenario.with_overrides({"branch.currency": "USD"}))
    en = texts(usd.plot("forest", kpis=["profit"]))
    assert any("USD" in t for t in en) and not any("CNY" in t for t in en)
    zh = texts(cmp.plot("forest", kpis=["profit"], lang="zh"))
    assert any("元" in t for t in zh) and any("万" in t for t in zh)
    assert Ticks("en", money=True).format_ticks([0, 500_000, 1_000_000, 1_500_000]) == ["0", "500k", "1M", "1.5M"]
    assert Ticks("zh", money=True).format_ticks([0, 500_000, 1_000_000]) == ["0", "50万", "100万"]
    assert Ticks("en").format_ticks([-0.025, 0.0, 0.025, 0.05]) == ["-0.025", "0.000", "0.025", "0.050"]
    assert Ticks("en", scale=100, suffix="%").format_ticks([0.1, 0.2]) == ["10%", "20%"]
    with pytest.raises(ValueError, match="three-letter ISO 4217 code"):
        sb.Scenario().with_overrides({"branch.currency": "usd"})
    assert sb.Scenario().to_toml(minimal=True) == ""  # the default currency is no change


def paired_frame(rows: list[tuple[str, str, float, float, float, bool]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["policy", "kpi", "difference", "ci_low", "ci_high", "significant"])
    return frame.assign(baseline_mean=frame["kpi"].map({"profit": 1.0e6, "wait_mean_h": 0.5, "utilisation": 0.7,
                                                        "nps": 30.0, "exhausted_share": 0.2}))


def test_forest_rows_by_effect_with_better_marked():
    """Per panel, the best effect at the top (the largest profit gain, the largest wait cut); "better"
    on the side where better lies, none for a KPI with no better direction; filled exactly when
    significant; differences of NPS in points and of a share in percentage points, never relative."""
    paired = paired_frame([
        ("crm_routing", "profit", 5e4, 1e4, 9e4, True), ("mine", "profit", 2e5, 1e5, 3e5, True),
        ("all_measures", "profit", -3e4, -8e4, 2e4, False),
        ("crm_routing", "wait_mean_h", -0.1, -0.2, 0.0, False), ("mine", "wait_mean_h", 0.05, 0.01, 0.1, True),
        ("all_measures", "wait_mean_h", -0.3, -0.4, -0.2, True),
        ("crm_routing", "utilisation", 0.01, 0.0, 0.02, False), ("mine", "utilisation", 0.03, 0.02, 0.04, True),
        ("all_measures", "utilisation", -0.01, -0.02, 0.0, False),
        ("crm_routing", "nps", 2.0, 1.0, 3.0, True), ("mine", "nps", -1.0, -2.0, 0.0, False),
        ("all_measures", "nps", 0.5, -0.5, 1.5, False)])
    fig = plots.forest(paired, ["profit", "wait_mean_h", "utilisation", "nps"])
    profit, wait, utilisation, nps = fig.axes
    def top_down(ax) -> list[str]:
        ticks = zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True)
        return [text for _, text in sorted(ticks, reverse=True)]

    assert top_down(profit) == ["mine", "CRM routing", "All measures together"]
    assert top_down(wait) == ["All measures together", "CRM routing", "mine"]
    assert {t.get_text() for t in profit.texts} == {"← worse", "better →"}
    assert {t.get_text() for t in wait.texts} == {"← better", "worse →"}
    assert not utilisation.texts
    significant = paired.set_index(["kpi", "policy"])["significant"]
    for ax, kpi in zip(fig.axes, ["profit", "wait_mean_h", "utilisation", "nps"], strict=True):
        for container in ax.containers:
            filled = matplotlib.colors.to_hex(container.lines[0].get_markerfacecolor()) != "#ffffff"
            assert filled == significant[(kpi, container.get_label())]
    assert "points" in nps.get_xlabel() and "%" not in nps.get_xlabel()
    share = plots.forest(paired_frame([("mine", "exhausted_share", 0.012, 0.002, 0.02, True)]))
    assert "percentage points" in share.axes[0].get_xlabel()
    assert not any("relative" in t.lower() for t in texts(fig))
    assert "adjusted 95 % interval" in fig.get_suptitle()
    zh = plots.forest(paired, ["wait_mean_h"], lang="zh")
    assert {t.get_text() for t in zh.axes[0].texts} == {"← 更好", "更差 →"}
    assert zh.axes[0].get_title().startswith("平均等待时间(越低越好)")


def test_kpi_levels_are_dots_on_an_axis_not_forced_to_zero():
    """0.76 against 0.84 shows as the gap it is: dots with CIs, the axis around the values."""
    summary = pd.DataFrame({"policy": ["baseline", "crm_routing"], "kpi": ["satisfaction_mean"] * 2,
                            "mean": [0.76, 0.84], "ci_half_width": [0.01, 0.01], "n": [5, 5]})
    fig = plots.kpi_bars(summary)
    (ax,) = fig.axes
    assert not [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len([c for c in ax.containers if isinstance(c, ErrorbarContainer)]) == 2
    low, high = ax.get_xlim()
    assert 0.6 < low < 0.75 and 0.85 < high < 1.0
    assert "higher is better" in ax.get_title()


def test_tradeoff_on_paired_differences_with_labels_apart():
    """With `paired`, each policy sits at the baseline's mean plus its paired difference with the
    paired interval as bars, the baseline without bars; policies' labels do not overlap."""
    names = ["baseline", "crm_routing", "all_measures", "team_meetings", "career_ladder", "mine"]
    means = {"satisfaction_mean": 0.80, "profit": 1.0e6}
    summary = pd.DataFrame([{"policy": p, "kpi": k, "mean": m + (i * 0.001 if k == "satisfaction_mean" else i * 1e3),
                             "ci_half_width": 0.05 if k == "satisfaction_mean" else 5e5}
                            for i, p in enumerate(names) for k, m in means.items()])
    rows = []
    for i, p in enumerate(names[1:], start=1):
        rows.append((p, "satisfaction_mean", 0.002 * i, 0.002 * i - 0.001, 0.002 * i + 0.001, True))
        rows.append((p, "profit", 2e3 * i, 2e3 * i - 500, 2e3 * i + 500, True))
    paired = pd.DataFrame(rows, columns=["policy", "kpi", "difference", "ci_low", "ci_high", "significant"])
    paired["baseline_mean"] = paired["kpi"].map(means)
    fig = plots.tradeoff(summary, paired=paired)
    (ax,) = fig.axes
    points = {c.get_label(): c for c in ax.containers}
    crm = points["crm_routing"]
    assert crm.lines[0].get_xdata()[0] == pytest.approx(0.802)
    assert crm.lines[0].get_ydata()[0] == pytest.approx(1.002e6)
    (xbars, ybars) = crm.lines[2]
    assert xbars.get_segments()[0][:, 0] == pytest.approx([0.801, 0.803])
    assert ybars.get_segments()[0][:, 1] == pytest.approx([1.0015e6, 1.0025e6])
    assert points["baseline"].lines[0].get_xdata()[0] == pytest.approx(0.80)
    assert not points["baseline"].has_xerr and not points["baseline"].has_yerr
    assert "paired 95 % interval" in ax.get_title()
    fig.draw_without_rendering()
    renderer = fig._get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(boxes) == len(names)
    overlaps = [(a, b) for i, a in enumerate(ax.texts) for j, b in enumerate(ax.texts)
                if i < j and boxes[i].overlaps(boxes[j])]
    assert not overlaps, [(a.get_text(), b.get_text()) for a, b in overlaps]


def test_tradeoff_of_a_comparison_is_paired(cmp):
    """`plot_comparison(cmp, "tradeoff")` draws each policy at the baseline mean plus its paired difference."""
    fig = cmp.plot("tradeoff")
    paired = cmp.paired(kpis=["satisfaction_mean", "profit"]).set_index(["policy", "kpi"])
    point = {c.get_label(): c for c in fig.axes[0].containers}["crm_routing"].lines[0]
    expected = paired.loc[("crm_routing", "profit"), "baseline_mean"] + paired.loc[("crm_routing", "profit"),
                                                                                  "difference"]
    assert point.get_ydata()[0] == pytest.approx(expected)


def test_policy_colours_and_markers_are_fixed():
    """Presets by the registry's order (Okabe-Ito), a marker each so that no two presets share both;
    a policy of one's own from a hash of its name, whatever else is drawn; the baseline grey."""
    presets = [p for p in meanings.POLICIES if p != "baseline"]
    colors, markers = plots.policy_colors(presets), plots.policy_markers(presets)
    assert [colors[p] for p in presets[:8]] == list(plots.OKABE_ITO)
    assert len({(colors[p], markers[p]) for p in presets}) == len(presets)
    assert set(colors.values()) <= set(plots.OKABE_ITO)
    assert plots.policy_colors(["zz_mine"]) == {"zz_mine": plots.policy_colors(["a", "b", "zz_mine"])["zz_mine"]}
    assert plots.policy_colors(["crm_routing"])["crm_routing"] == colors["crm_routing"]
    assert plots.policy_colors(["baseline"])["baseline"] == plots.BASELINE_COLOR


def test_value_axes_carry_labels_with_units(cmp):
    """A run's daily figure (as notebook 01 draws it) and the distributions label every value axis with its unit."""
    result = cmp.rerun("baseline")
    for fig in (result.plot("daily"), result.plot("daily", lang="zh")):
        for ax in fig.axes:
            assert re.search(r"\(.+\)$|(.+)$", ax.get_ylabel()), ax.get_ylabel()
            assert ax.get_xlabel()
    for ax in result.plot("distributions").axes:
        assert ax.get_xlabel() and ax.get_ylabel()
