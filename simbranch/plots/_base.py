"""What every figure shares: its language and fonts, the words it uses, the colour and marker of each
policy, labels of KPIs, policies and parameters from `simbranch.meanings`, and the numbers on its axes.

A figure is built inside `matplotlib.rc_context(fonts.rc(lang))` (the `drawn` decorator), so every
text it holds keeps the fonts of its language, and it is a `LangFigure`, which draws in the same
fonts: tick labels that matplotlib makes only when it draws are in them too.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter
from wcwidth import wcwidth

from simbranch import meanings
from simbranch.plots import fonts

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis

    from simbranch.scenario import Scenario

# ---------------------------------------------------------------------------------------------- language

#: The languages figures are drawn in: English and Simplified Chinese.
LANGS: tuple[str, ...] = meanings.LANGS


def check_lang(lang: str) -> str:
    """Return `lang` if figures speak it.

    Parameters
    ----------
    lang : str
        A language code.

    Returns
    -------
    str
        `lang` itself, one of `LANGS`.

    Raises
    ------
    ValueError
        If figures are not drawn in `lang` (the message names the languages that are).

    Examples
    --------
    >>> from simbranch.plots import check_lang
    >>> check_lang("zh")
    'zh'
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} for a figure; languages: 'en' (English), 'zh' (Chinese)")
    return lang


#: Every fixed phrase of the figures, in English and Chinese (`say`).
WORDS: dict[str, tuple[str, str]] = {
    # forest and differences
    "difference": ("Difference from the baseline ({unit})", "与基准的差异({unit})"),
    "effect": ("Effect: difference from the baseline ({unit})", "效果:与基准的差异({unit})"),
    "baseline_mean": ("baseline mean {value}", "基准均值 {value}"),
    "better_right": ("better →", "更好 →"),
    "worse_left": ("← worse", "← 更差"),
    "better_left": ("← better", "← 更好"),
    "worse_right": ("worse →", "更差 →"),
    "significant": ("significant: the adjusted {level} interval excludes 0", "显著:调整后的{level}区间不含0"),
    "not_significant": ("not significant", "不显著"),
    "scenario_range": ("range of the effect across the scenarios", "效果在各情景间的范围"),
    "forest_title": ("Policies against the baseline: mean paired difference with its adjusted {level} interval",
                     "各政策与基准的比较:配对差异均值及调整后的{level}区间"),
    "forest_title_ranged": ("Policies against the baseline over the scenarios: expected difference with its "
                            "adjusted {level} interval,\nthin line: the range of the effect across the scenarios",
                            "多情景下各政策与基准的比较:期望差异及调整后的{level}区间,\n细线:效果在各情景间的范围"),
    # levels per policy
    "kpis_title": ("KPIs per policy: mean over {runs} with its {level} confidence interval",
                   "各政策的KPI:{runs}的均值及其{level}置信区间"),
    "replications": ("{n} replications", "{n}次重复运行"),
    "the_replications": ("the replications", "各次重复运行"),
    "baseline_line": ("baseline mean (dotted line)", "基准均值(虚线)"),
    # over time
    "day": ("Working day", "工作日"),
    "per_day": ("{unit} per day", "{unit}/天"),
    "time_title": ("KPIs over time: {what}{smoothed}", "KPI随时间的变化:{what}{smoothed}"),
    "mean_over": ("mean over {n} {unit}", "{n}{unit}的均值"),
    "unit_runs": ("runs (scenarios x replications)", "次运行(情景×重复)"),
    "unit_replications": ("replications", "次重复运行"),
    "one_replication": ("one replication", "单次重复运行"),
    "one_run": ("one run", "单次运行"),
    "smoothed": (", {n}-day centred mean", ",{n}日居中移动平均"),
    "band": ("{level} confidence interval across {unit}", "{level}置信区间(跨{unit})"),
    "band_runs": ("runs", "各次运行"),
    "band_replications": ("replications", "各次重复运行"),
    "warmup": ("warm-up (not in the KPIs)", "预热期(不计入KPI)"),
    # distributions and AMs
    "dist_satisfaction": ("Client satisfaction (clients active at the end)", "客户满意度(期末在册客户)"),
    "dist_revenue": ("Revenue per client over the run", "每位客户的收入(整个运行期)"),
    "dist_sales": ("Sales per AM over the run", "每位客户经理的销售笔数(整个运行期)"),
    "dist_client_satisfaction": ("Mean satisfaction of each AM's clients at the end",
                                 "期末各客户经理所辖客户的平均满意度"),
    "share_clients": ("Share of clients at or below x", "不高于x的客户比例"),
    "share_ams": ("Share of AMs at or below x", "不高于x的客户经理比例"),
    # an optimisation's front
    "opt_trials": ("candidates tried (search replications)", "搜索中的候选方案"),
    "opt_front": ("Pareto front (final replications, 95 % intervals)", "帕累托前沿(最终重复,95%区间)"),
    "opt_presets": ("preset policies (baseline + paired difference)", "预设政策(基准 + 配对差)"),
    "opt_noise": ("front point beaten beyond the noise by another", "被另一前沿点明显胜过的前沿点"),
    "opt_title": ("Optimised lever settings: {y} against {x}", "优化后的措施组合:{y} 与 {x}"),
    "dist_title": ("Spread across clients and AMs (empirical distribution functions)",
                   "客户与客户经理间的分布(经验分布函数)"),
    "scatter_sales": ("Sales against stress", "销售笔数与工作压力"),
    "scatter_satisfaction": ("Client satisfaction against skill", "客户满意度与专业能力"),
    "at_end": ("{label}, at the end", "{label},期末"),
    "over_run": ("{label}, over the run", "{label},整个运行期"),
    "left": ("left the branch (hollow)", "已离职(空心)"),
    "scatter_title": ("Account managers: one marker per AM who worked in the run",
                      "客户经理:每个标记代表运行期内在岗的一位客户经理"),
    # trade-off
    "tradeoff_title": ("{y} against {x}: {k} of {n} policies dominated", "{y}与{x}:{n}项政策中{k}项被占优"),
    "tradeoff_paired": ("position: baseline mean + paired difference; bars: paired {level} interval",
                        "位置:基准均值+配对差异;误差线:配对差异的{level}区间"),
    "tradeoff_means": ("bars: {level} confidence interval of each mean", "误差线:各均值的{level}置信区间"),
    "front": ("not dominated (Pareto front)", "未被占优(帕累托前沿)"),
    "dominated": ("dominated: another policy is better on both", "被占优:另有政策两项均更好"),
    "reference": ("baseline (reference, no bars)", "基准(参照点)"),
    "higher_better": ("higher is better", "越高越好"),
    "lower_better": ("lower is better", "越低越好"),
    # sweeps
    "value": ("value", "数值"),
    "heatmap_title": ("{kpi}\nover {x} and {y}", "{kpi}\n随{x}和{y}的变化"),
    "blank_cells": ("\n(blank: {n} cells without runs)", "\n(空白:{n}个单元格无运行结果)"),
    "s1": ("S1 first-order", "S1 一阶指数(单独作用)"),
    "st": ("ST total", "ST 总指数(含交互作用)"),
    "s1_fast": ("S1 first-order (RBD-FAST)", "S1 一阶指数(RBD-FAST)"),
    "mu_star": ("mu* (mean |elementary effect|)", "μ*(基本效应绝对值的均值)"),
    "sigma": ("sigma (spread of the effects)", "σ(效应的离散程度)"),
    "sobol_axis": ("Sobol' index (share of the output variance)", "Sobol'指数(占输出方差的比例)"),
    "fast_axis": ("S1: share of the variance across the draws", "S1:占各次抽样间方差的比例"),
    "morris_axis": ("Elementary effect on {kpi}", "对{kpi}的基本效应"),
    "morris_axis_plain": ("Elementary effect (unit of the KPI)", "基本效应(KPI的单位)"),
    "sobol": ("Sobol' indices", "Sobol'指数"),
    "fast": ("RBD-FAST indices", "RBD-FAST指数"),
    "morris": ("Morris screening", "Morris筛选"),
    "indices_of": ("{what} of {kpi}", "{kpi}的{what}"),
    "the_kpi": ("the KPI", "该KPI"),
    "policy_group": ("policy: {policy}", "政策:{policy}"),
    "effect_of": ("effect of {policy}", "{policy}的效果"),
    "ranking_margin": ("ranking margin (best against the runner-up)", "排名优势(最优与次优之差)"),
    # robustness
    "share_right": ("right: share of draws where the policy beats the baseline", "右侧:政策优于基准的抽样比例"),
    "effects_title": ("Effects across the assumption ranges:\neach draw, median and 5-95 % range",
                      "假设取值范围内的效果:\n每次抽样、中位数及5-95%范围"),
    "one_draw": ("one draw", "单次抽样"),
    "range_5_95": ("5-95 % of the draws", "5-95%的抽样"),
    "median": ("median", "中位数"),
    "share_best": ("Share of draws where it is the best", "为最优的抽样比例"),
    "mean_rank": ("Mean rank over the draws (1 = best)", "各次抽样的平均排名(1=最优)"),
    "ranking_title": ("Ranking of the policies on {kpi} across the assumption ranges (* the best expected value)",
                      "假设取值范围内各政策在{kpi}上的排名(*为期望值最优)"),
    # calibration
    "observed": ("{label}\nobserved {value} ± {sd}", "{label}\n观测值 {value} ± {sd}"),
    "simulated": ("simulated: mean and 90 % of the posterior draws", "模拟值:后验抽样的均值及90%区间"),
    "best_point": ("simulated at the best point", "最佳参数点的模拟值"),
    "distance": ("Distance from the observed value (in observation sd; bands: 1 and 2 sd)",
                 "与观测值的距离(以观测标准差计;阴影:1倍和2倍标准差)"),
    "fit_title": ("How the calibrated model reproduces what the branch observed", "校准后的模型对网点观测数据的再现"),
    "prior": ("prior", "先验"),
    "best": ("best point", "最佳参数点"),
    "posterior_density": ("Posterior density", "后验密度"),
    "interval_90": ("90 % interval", "90%区间"),
    "pinned": ("pinned down", "已确定"),
    "not_pinned": ("not pinned down", "未能确定"),
    "pinned_with": ("pinned down only with {others}", "仅与{others}共同确定"),
    "wave": ("Wave", "轮次"),
    "plausible": ("Plausible share of the prior box (%)", "先验范围中仍合理的比例(%)"),
    "waves_title": ("History matching: what the data leave plausible", "历史匹配:数据排除后仍合理的参数范围"),
    "pairs_title": ("Pairs of parameters: posterior draws (darker: more weight)",
                    "参数两两组合:后验抽样(颜色越深权重越大)"),
}


def say(key: str, lang: str, **values: Any) -> str:
    """The phrase `key` of `WORDS` in `lang`, with `values` filled in."""
    en, zh = WORDS[key]
    return (en if lang == "en" else zh).format(**values)


def place_labels(fig: Figure, ax: Any, texts: list[Any], xs: list[float], ys: list[float]) -> None:
    """Move the policies' labels apart (adjustText) once the layout has settled."""
    from adjustText import adjust_text

    fig.draw_without_rendering()
    adjust_text(texts, x=xs, y=ys, ax=ax, expand=(1.15, 1.4), time_lim=2.0,
                arrowprops={"arrowstyle": "-", "color": "0.55", "lw": 0.6})


def percent(level: float, lang: str) -> str:
    """A confidence level as figures write it: "95 %" in English, "95%" in Chinese."""
    text = f"{level * 100:.4g}"
    return f"{text} %" if lang == "en" else f"{text}%"


# ---------------------------------------------------------------------------------------------- figures

_ipython_ready = False
F = TypeVar("F", bound=Callable[..., Figure])


class LangFigure(Figure):
    """A figure in a language: it draws in that language's fonts (`fonts.rc`), so tick labels that
    matplotlib makes only when it draws have the right glyphs too."""

    def __init__(self, *args: Any, lang: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.simbranch_lang = lang

    def draw(self, renderer: Any) -> None:
        with mpl.rc_context(fonts.rc(self.simbranch_lang)):
            super().draw(renderer)


def drawn(function: F) -> F:
    """Build the figure of `function` in its `lang` (keyword, default "en"): the language checked
    first (a ValueError naming those known), every text made in that language's fonts."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        lang = check_lang(kwargs.get("lang", "en"))
        _show_in_ipython()  # outside the rc_context, which would undo what loading the backend sets (interactive)
        with mpl.rc_context(fonts.rc(lang)):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(n: int = 1, ncols: int = 3, panel: tuple[float, float] = (4.3, 3.3), *, lang: str = "en",
               **kwargs: Any) -> tuple[Figure, list[Axes]]:
    """A figure with `n` panels on a grid of up to `ncols` columns (constrained layout), in `lang`."""
    _show_in_ipython()
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = LangFigure(figsize=(panel[0] * ncols, panel[1] * nrows + 0.6), layout="constrained", lang=lang)
    axes = [fig.add_subplot(nrows, ncols, i + 1, **kwargs) for i in range(n)]
    for ax in axes:  # tick objects now, inside the language's fonts (later ones copy them)
        ax.xaxis.get_major_ticks()
        ax.yaxis.get_major_ticks()
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


def legend(fig: Figure, handles: list[Any], title: str | None = None) -> None:
    """The figure's legend below its panels."""
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), frameon=False,
                   title=title)


def need(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs columns {', '.join(columns)}; missing {', '.join(missing)} "
                         f"(columns: {', '.join(map(str, frame.columns))})")


def pick_kpis(present: Sequence[str], kpis: Sequence[str] | None, default: Sequence[str], limit: int = 6) -> list[str]:
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


def finite(values: Any) -> np.ndarray:
    """Error bar lengths with NaN (no interval, e.g. one replication) drawn as none."""
    return np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)


def currency_of(scenario: Scenario | None) -> str:
    """Return the currency a scenario writes money in (CNY without a scenario).

    Parameters
    ----------
    scenario : Scenario or None
        A scenario (its ``branch.currency``), or None.

    Returns
    -------
    str
        The currency code, "CNY" when there is no scenario or it names none (any object
        without a ``branch.currency`` counts as none: nothing is raised).

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch.plots import currency_of
    >>> currency_of(sb.Scenario()), currency_of(None)
    ('CNY', 'CNY')
    """
    branch = getattr(scenario, "branch", None)
    return str(getattr(branch, "currency", "CNY"))


# ---------------------------------------------------------------------------------------------- colours

#: Okabe and Ito's palette, told apart with every common colour-vision deficiency, in the order policies
#: get them: yellow, the palest on white, last.
OKABE_ITO: tuple[str, ...] = ("#e69f00", "#56b4e9", "#009e73", "#0072b2", "#d55e00", "#cc79a7", "#000000", "#f0e442")
#: Markers of the policies: seven (prime to the eight colours), so that no two of the first 56 policies
#: have both the same colour and the same marker.
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X")
BASELINE_COLOR = "#7f7f7f"
BASELINE_MARKER = "o"
#: The colour of a run that has no policy name (a bare `RunResult` frame).
UNNAMED_COLOR = "#222222"
UNNAMED = "run"
DOMINATED_COLOR = "#c4c4c4"
_PRESETS = [name for name in meanings.POLICIES if name != "baseline"]


def _style_index(name: str) -> tuple[int, int]:
    """Indices into `OKABE_ITO` and `MARKERS`: a preset's by its place in `meanings.POLICIES`,
    anything else's from a hash of its name (the same in every session and figure)."""
    if name in _PRESETS:
        i = _PRESETS.index(name)
        return i % len(OKABE_ITO), i % len(MARKERS)
    h = int.from_bytes(hashlib.sha256(str(name).encode("utf-8")).digest()[:8], "big")
    return h % len(OKABE_ITO), (h // len(OKABE_ITO)) % len(MARKERS)


def policy_colors(names: Sequence[str]) -> dict[str, str]:
    """Return the colour of each policy, the same in every figure, session and report.

    The baseline is grey; a preset policy gets the colour of its place among the presets
    (`simbranch.meanings.POLICIES`), a policy of one's own a colour from a hash of its name.
    Fixed, whatever else is in the figure, the session or the report: a policy looks the same in
    a forest plot, over time, in a scatter and in next month's report.

    Parameters
    ----------
    names : sequence of str
        Policy names (a name given twice counts once).

    Returns
    -------
    dict of str to str
        From each name, in the order given, to its colour as a hex string: one of Okabe and
        Ito's colours (`OKABE_ITO`, safe for colour-blind readers), `BASELINE_COLOR` for the
        baseline.

    Raises
    ------
    TypeError
        If `names` is not an iterable of hashable names.

    Examples
    --------
    >>> from simbranch import plots
    >>> colors = plots.policy_colors(["baseline", "crm_routing", "my_own_policy"])
    >>> colors["baseline"]
    '#7f7f7f'
    >>> plots.policy_colors(["crm_routing"])["crm_routing"] == colors["crm_routing"]
    True
    """
    return {name: BASELINE_COLOR if name == "baseline" else OKABE_ITO[_style_index(name)[0]]
            for name in dict.fromkeys(names)}


def policy_markers(names: Sequence[str]) -> dict[str, str]:
    """Return the marker of each policy, fixed as its colour is (`policy_colors`).

    With more presets than colours, two presets that share a colour differ in their marker: no
    two of the first 56 policies have both the same colour and the same marker.

    Parameters
    ----------
    names : sequence of str
        Policy names (a name given twice counts once).

    Returns
    -------
    dict of str to str
        From each name, in the order given, to a matplotlib marker of `MARKERS` ("o" for the
        baseline).

    Raises
    ------
    TypeError
        If `names` is not an iterable of hashable names.

    Examples
    --------
    >>> from simbranch import plots
    >>> markers = plots.policy_markers(["baseline", "crm_routing"])
    >>> markers["baseline"], markers["crm_routing"] in plots.MARKERS
    ('o', True)
    """
    return {name: BASELINE_MARKER if name == "baseline" else MARKERS[_style_index(name)[1]]
            for name in dict.fromkeys(names)}


def styles(names: Sequence[str], named: bool = True) -> tuple[dict[str, str], dict[str, str]]:
    """Colours and markers of `names`; one dark colour for an unnamed run."""
    if not named:
        return dict.fromkeys(names, UNNAMED_COLOR), dict.fromkeys(names, "o")
    return policy_colors(names), policy_markers(names)


def policy_handles(names: Sequence[str], lang: str, kind: str = "line", named: bool = True) -> list[Any]:
    """Legend entries of the policies: a line with the marker, the marker alone, or a patch."""
    colors, markers = styles(names, named)
    if kind == "patch":
        return [Patch(facecolor=colors[n], label=policy_label(n, lang)) for n in colors]
    return [Line2D([], [], color=colors[n], marker=markers[n], ms=6, lw=0 if kind == "marker" else 1.8,
                   label=policy_label(n, lang)) for n in colors]


# ---------------------------------------------------------------------------------------------- labels


def _plain(text: str) -> str:
    """Text as written: a `$` does not start mathematics."""
    return text.replace("$", r"\$")


def policy_label(name: Any, lang: str) -> str:
    """What a policy is called: a preset's (and the baseline's) registry label, a policy of one's own
    by its name as its author wrote it."""
    entry = meanings.POLICIES.get(str(name))
    if entry is None:
        return _plain(str(name))
    return entry.label_en if lang == "en" else entry.label_zh


def kpi_label(name: str, lang: str) -> str:
    """What a KPI or result column is called (its name when the registry does not know it)."""
    return meanings.label(name, lang) if meanings.find(name) is not None else _plain(str(name))


def kpi_title(name: str, lang: str) -> str:
    """A KPI's label and which way is better ("Client satisfaction (higher is better)")."""
    return meanings.title(name, lang) if meanings.find(name) is not None else _plain(str(name))


def param_label(path: Any, lang: str) -> str:
    """What a scenario parameter is called (the path as written when the registry does not know it)."""
    return meanings.parameter_label(str(path), lang, default=_plain(str(path)))


def unit_text(name: str, lang: str, currency: str = "CNY", *, daily: bool = False,
              difference: bool = False) -> str | None:
    """The unit of an axis of `name` (None when the registry does not know it): a difference of a
    share is in percentage points and of a score or index in points; a daily flow is per day."""
    found = meanings.find(name)
    if found is None:
        return None
    if difference and found.format in ("share", "score", "index"):
        return {"share": ("percentage points", "个百分点"), "score": ("points on the 0-1 scale", "分(0-1分制)"),
                "index": ("points", "分")}[found.format][lang == "zh"]
    unit = meanings.unit(name, lang, currency=currency)
    return say("per_day", lang, unit=unit) if daily and found.flow else unit


def axis_label(name: str, lang: str, currency: str = "CNY", *, daily: bool = False) -> str:
    """An axis of a KPI or column: its label and unit ("Mean wait (hours)", "平均等待时间(小时)")."""
    unit = unit_text(name, lang, currency, daily=daily)
    text = kpi_label(name, lang)
    if unit is None:
        return text
    return f"{text} ({unit})" if lang == "en" else f"{text}({unit})"


def better_text(name: str, lang: str, maximize: bool | None = None) -> str:
    """"higher is better" or "lower is better" for `name` (from `maximize` when given), or ""."""
    way = ("higher" if maximize else "lower") if maximize is not None else (
        found.better if (found := meanings.find(name)) is not None else "neither")
    return {"higher": say("higher_better", lang), "lower": say("lower_better", lang)}.get(way, "")


def better_sides(ax: Axes, name: str, lang: str) -> None:
    """"better →" on the side of the x axis where better lies (and "← worse" on the other), at the
    bottom of the panel; nothing for a KPI with no better direction."""
    found = meanings.find(name)
    if found is None or found.better == "neither":
        return
    left, right = (("worse_left", "better_right") if found.better == "higher" else ("better_left", "worse_right"))
    for x, key, ha in ((0.01, left, "left"), (0.99, right, "right")):
        ax.text(x, 0.015, say(key, lang), transform=ax.transAxes, ha=ha, va="bottom", fontsize=8, color="0.25",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.0})


_TOKENS = re.compile(r"[^\s\u2e80-\u9fff\uff00-\uffef]+\s*|\s+|.")


def _width(text: str) -> int:
    return sum(max(wcwidth(c), 0) for c in text)


def wrap(text: str, width: int = 28) -> str:
    """`text` in lines of at most `width` columns (a Chinese character is two), breaking between
    words and between Chinese characters; its own line breaks stay."""
    return "\n".join(_wrap_line(line, width) for line in text.split("\n"))


def _wrap_line(text: str, width: int) -> str:
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(text):
        if line.strip() and _width((line + token).rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- numbers


def value_text(name: str, value: float | None, lang: str, currency: str = "CNY", *,
               difference: bool = False) -> str:
    """A value of `name` with its unit, as `simbranch.meanings.fmt` writes it: "1.2M CNY", "17.6%",
    "0.45 hours", "754件"; a score or index without its scale; an unknown name to 4 digits."""
    found = meanings.find(name)
    if found is None:
        return number(value)
    text = meanings.fmt(name, value, lang, difference=difference, currency=currency)
    if found.format in ("money", "share", "score", "index") or value is None or not np.isfinite(value):
        return text
    unit = meanings.unit(name, lang)
    return f"{text} {unit}" if lang == "en" else f"{text}{unit}"


def number(value: float | None, digits: int = 4) -> str:
    """A number without a meaning: `digits` significant digits, thousands separated, no exponent."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if abs(value) >= 10 ** digits:
        return f"{value:,.0f}"
    places = max(0, digits - 1 - math.floor(math.log10(abs(value)))) if value else 0
    text = f"{value:,.{min(places, 8)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class Ticks(Formatter):
    """Tick labels as people read them: money in k/M (English) or 万/亿 (Chinese), so "1M", never
    "1000k"; any number from ten thousand the same way; shares as percentages (or percentage points
    for a difference); smaller numbers with as many decimals as the tick spacing needs, never in
    scientific notation or with an offset."""

    def __init__(self, lang: str, *, money: bool = False, scale: float = 1.0, suffix: str = "") -> None:
        self.lang, self.money, self.scale, self.suffix = lang, money, scale, suffix
        self._ticks: list[float] = []

    def set_locs(self, locs: Sequence[float]) -> None:
        self._ticks = list(locs)

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        self.set_locs(values)
        return [self(v, i) for i, v in enumerate(values)]

    def __call__(self, x: float, pos: int | None = None) -> str:
        value = float(x) * self.scale
        seen = [abs(v * self.scale) for v in self._ticks if np.isfinite(v)] or [abs(value)]
        if self.money or max(seen) >= 1e4:
            return meanings.money(value, self.lang, tick=True) + self.suffix
        digits = self._digits()
        if round(value, digits) == 0:
            value = 0.0
        return f"{value:,.{digits}f}{self.suffix}"

    def _digits(self) -> int:
        """The fewest decimals that write every tick exactly (0.025 needs three), at most six."""
        ticks = [v * self.scale for v in self._ticks if np.isfinite(v)]
        for digits in range(7):
            if all(abs(round(v, digits) - v) <= 1e-9 * max(1.0, abs(v)) for v in ticks):
                return digits
        return 6


def format_axis(axis: Axis, name: str | None, lang: str, *, difference: bool = False) -> None:
    """Tick labels of an axis that shows `name` (a KPI or column; None for a plain number), at most
    six of them, so that labels such as -0.075 do not run into each other on a narrow panel."""
    found = meanings.find(name) if name is not None else None
    if axis.get_scale() == "linear":  # a log or symlog axis keeps its own locator
        axis.set_major_locator(mpl.ticker.MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    if found is not None and found.format == "share":
        axis.set_major_formatter(Ticks(lang, scale=100.0, suffix="" if difference else "%"))
    else:
        axis.set_major_formatter(Ticks(lang, money=found is not None and found.format == "money"))

