"""A live, side-by-side demonstration for a class: two policies, the same clients, redrawn on every change.

`side_by_side(scenario)` shows two columns of controls (allocation rule, training, incentive
scheme, surveys, career ladder, team meetings, wellbeing). Every change reruns both policies on
the same seed, so they meet the same clients with the same needs (common random numbers) and any
difference on screen comes from the policy. Below the controls: the KPIs of both with the
difference, and the main series over time.

The controls, the table and the figure speak English or Chinese (`lang="zh"`): KPIs, units and
choices are called as `simbranch.meanings` and the readers call them, never by their code names.
Where widgets do not render (a static page, a docs site, a printed handout), `SideBySide.figure()`
draws the same comparison as one matplotlib figure.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure

from simbranch import meanings
from simbranch.extras import require
from simbranch.plots._base import LangFigure
from simbranch.registry import ALLOCATION_RULES
from simbranch.run import RunResult, run
from simbranch.scenario import Scenario

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import SubFigure

__all__ = ["CHOICES", "CONTROLS", "CONTROLS_ZH", "FIGURE_KPIS", "SideBySide", "choice_label", "class_sized",
           "control_label", "demo_overrides", "side_by_side"]

#: KPIs in the table under the charts.
DEMO_KPIS = ["satisfaction_mean", "nps", "complaints", "sales_count", "proactive_sales", "revenue", "profit",
             "cost_total", "wait_mean_h", "overtime_hours", "stress_mean", "exhausted_share", "am_turnover_rate",
             "client_churn_rate"]

#: Series in the charts.
DEMO_SERIES = ["satisfaction_mean", "sales_count", "exhaustion_mean", "wait_mean_h", "headcount"]

#: KPIs in the static figure (`SideBySide.figure`), one small panel each: clients, sales and money, the
#: AMs' day and their strain.
FIGURE_KPIS = ["satisfaction_mean", "complaints", "sales_count", "profit", "wait_mean_h", "overtime_hours",
               "stress_mean", "exhausted_share"]

#: Training schedules offered: label -> interval in working days (None: no training).
TRAINING = {"none": None, "yearly": 250, "twice a year": 125, "quarterly": 63, "monthly": 21}

#: Team meeting schedules offered: label -> interval in working days (None: no meetings).
MEETINGS = {"none": None, "monthly": 21, "weekly": 5, "daily": 1}

#: The controls of one side: name -> (label, choices or "switch").
CONTROLS: dict[str, tuple[str, Any]] = {
    "allocation": ("client allocation", None),  # the registered rules, read when the controls are built
    "training": ("training", list(TRAINING)),
    "incentives": ("pay scheme", ["fixed", "commission", "scorecard", "team_bonus", "tournament"]),
    "meetings": ("team meetings", list(MEETINGS)),
    "surveys": ("satisfaction surveys", "switch"),
    "careers": ("career ladder", "switch"),
    "wellbeing": ("wellbeing support", "switch"),
}

#: Each control's name in Chinese (the English is in `CONTROLS`).
CONTROLS_ZH: dict[str, str] = {
    "allocation": "客户分配", "training": "定期培训", "incentives": "薪酬激励方式", "meetings": "团队会议",
    "surveys": "客户满意度调查", "careers": "职业晋升通道", "wellbeing": "心理健康支持",
}

#: What each choice of a control is called (English, Chinese): the scenario's allocation rules and pay
#: schemes, the demo's schedules and the switches. A rule registered later is shown by its own name.
CHOICES: dict[str, dict[Any, tuple[str, str]]] = {
    "allocation": {
        "round_robin": ("in turn", "轮流分配"), "random": ("at random", "随机分配"),
        "least_loaded": ("by workload", "按工作量分配"), "by_tier": ("by client importance", "按客户重要性分配"),
        "by_specialty": ("by specialty", "按客户经理专长分配"), "crm": ("CRM routing", "使用CRM系统自动分配"),
        "pooled": ("one shared queue", "共享排队"),
    },
    "training": {"none": ("none", "无"), "yearly": ("yearly", "每年"), "twice a year": ("twice a year", "每半年"),
                 "quarterly": ("quarterly", "每季度"), "monthly": ("monthly", "每月")},
    "incentives": {"fixed": ("fixed salary", "固定薪酬"), "commission": ("sales commission", "销售提成"),
                   "scorecard": ("scorecard bonus", "综合考核奖金"), "team_bonus": ("team bonus", "团队奖金"),
                   "tournament": ("ranking bonus", "业绩排名奖励")},
    "meetings": {"none": ("none", "无"), "monthly": ("monthly", "每月"), "weekly": ("weekly", "每周"),
                 "daily": ("daily", "每天")},
    "switch": {True: ("on", "开"), False: ("off", "关")},
}

#: The fixed phrases of the widget and the figure (English, Chinese).
WORDS: dict[str, tuple[str, str]] = {
    "policy": ("Policy {name}", "政策{name}"),
    "seed": ("seed", "随机种子"),
    "running": ("running...", "运行中..."),
    "status": ("both runs took {seconds:.1f} s (seed {seed}, same clients on both sides)",
               "两项政策共运行{seconds:.1f}秒(随机种子{seed},两边客户相同)"),
    "kpi": ("KPI (unit)", "指标(单位)"),
    "title": ("Policy {a} and policy {b} with the same clients: {days} working days measured after a {warmup}-day "
              "warm-up, seed {seed}",
              "政策{a}与政策{b},同一批客户:预热{warmup}个工作日后统计{days}个工作日,随机种子{seed}"),
    "kpis": ("KPIs over the measured days", "统计期内的关键指标"),
    "series": ("Day by day ({n}-day centred mean)", "逐日变化({n}日居中移动平均)"),
    "day": ("Working day", "工作日"),
    "per_day": ("{unit} per day", "{unit}/天"),
    "change": ("{b} − {a}: {text}", "{b} − {a}:{text}"),
    "better": ("{text}, better", "{text},更好"),
    "worse": ("{text}, worse", "{text},更差"),
    "same": ("no change", "无变化"),
    "settings": ("Settings", "设置"),
    "warmup": ("warm-up (not in the KPIs)", "预热期(不计入KPI)"),
}


def _say(key: str, lang: str, **values: Any) -> str:
    return WORDS[key][lang == "zh"].format(**values)


def _check_lang(lang: str) -> str:
    if lang not in meanings.LANGS:
        raise ValueError(f"unknown language {lang!r}; the demo speaks 'en' (English) and 'zh' (Chinese)")
    return lang


def choice_label(control: str, value: Any, lang: str = "en") -> str:
    """What a position of a control is called, as a reader says it: `choice_label("allocation", "crm")`
    is "CRM routing", `choice_label("incentives", "commission", "zh")` "销售提成"; a value the demo
    has no words for (an allocation rule registered by a user) is shown as it is."""
    options = CHOICES["switch"] if CONTROLS[control][1] == "switch" else CHOICES.get(control, {})
    words = options.get(value)
    return str(value) if words is None else words[_check_lang(lang) == "zh"]


def control_label(control: str, lang: str = "en") -> str:
    """What a control is called in `lang` ("client allocation", "客户分配")."""
    return CONTROLS_ZH[control] if _check_lang(lang) == "zh" else CONTROLS[control][0]


def demo_overrides(choice: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario overrides (dotted paths) of one side's choices; a choice left out is not changed."""
    out: dict[str, Any] = {}
    if "allocation" in choice:
        out["allocation.rule"] = choice["allocation"]
    if "incentives" in choice:
        out["incentives.scheme"] = choice["incentives"]
    schedules = (("training", TRAINING, "training", "interval_days"),
                 ("meetings", MEETINGS, "communication", "meeting_interval_days"))
    for name, options, section, field in schedules:
        if name in choice:
            interval = options[choice[name]]
            out[f"{section}.enabled"] = interval is not None
            if interval is not None:
                out[f"{section}.{field}"] = interval
    for name in ("surveys", "careers", "wellbeing"):
        if name in choice:
            out[f"{name}.enabled"] = bool(choice[name])
    return out


def _choices_of(scenario: Scenario) -> dict[str, Any]:
    """The controls' positions that describe `scenario` (the nearest offered schedule)."""
    def nearest(options: dict[str, int | None], enabled: bool, interval: int) -> str:
        if not enabled:
            return "none"
        offered = {k: v for k, v in options.items() if v is not None}
        return min(offered, key=lambda k: abs(offered[k] - interval))

    return {
        "allocation": scenario.allocation.rule,
        "training": nearest(TRAINING, scenario.training.enabled, scenario.training.interval_days),
        "incentives": scenario.incentives.scheme,
        "meetings": nearest(MEETINGS, scenario.communication.enabled, scenario.communication.meeting_interval_days),
        "surveys": scenario.surveys.enabled,
        "careers": scenario.careers.enabled,
        "wellbeing": scenario.wellbeing.enabled,
    }


class SideBySide:
    """Two columns of policy controls over one scenario, the runs they give, and the charts of both.

    `widget` is the ipywidgets tree (displayed when the object is the last thing in a cell);
    `update()` reruns both sides now (the controls call it on every change); `results` holds the
    latest `RunResult` of each side, `table()` their KPIs side by side for code and
    `readable_table()` for readers; `figure()` draws both sides as one static figure.
    Controls, table and charts speak `lang` ("en" or "zh") and write money in `currency`
    (the scenario's, `branch.currency`, unless given).
    """

    def __init__(self, scenario: Scenario, seed: int = 0, left: Mapping[str, Any] | None = None,
                 right: Mapping[str, Any] | None = None, names: tuple[str, str] = ("A", "B"), *,
                 lang: str = "en", currency: str | None = None):
        w = require("ipywidgets", "the demo", extra="notebooks")

        self.scenario = scenario
        self.names = names
        self.lang = _check_lang(lang)
        self.currency = currency or scenario.branch.currency
        self.results: dict[str, RunResult] = {}
        self.seconds = 0.0
        start = _choices_of(scenario)
        self._controls: list[dict[str, Any]] = []
        columns = []
        for name, preset in zip(names, (left or {}, right or {}), strict=True):
            controls = {}
            for key, (_, options) in CONTROLS.items():
                value = preset.get(key, start[key])
                style = {"description_width": "initial"}
                label = control_label(key, lang)
                if options == "switch":
                    controls[key] = w.Checkbox(value=bool(value), description=label, style=style, indent=False)
                else:
                    opts = sorted(ALLOCATION_RULES) if key == "allocation" else options
                    if value not in opts:
                        raise ValueError(f"{key}: {value!r} is not one of {', '.join(map(str, opts))}")
                    # a reader's words on the list, the code's value behind each (`.value` stays "crm")
                    controls[key] = w.Dropdown(options=[(choice_label(key, o, lang), o) for o in opts], value=value,
                                               description=label, style=style)
                controls[key].observe(self._changed, names="value")
            self._controls.append(controls)
            columns.append(w.VBox([w.HTML(f"<b>{_say('policy', lang, name=name)}</b>"), *controls.values()],
                                  layout=w.Layout(width="50%")))
        self.seed_box = w.BoundedIntText(value=seed, min=0, max=2**31 - 1, description=_say("seed", lang))
        self.seed_box.observe(self._changed, names="value")
        self.status = w.HTML()
        self.kpi_table = w.HTML()
        self.chart = w.Image(format="png")
        self.widget = w.VBox([w.HBox(columns), w.HBox([self.seed_box, self.status]), self.kpi_table, self.chart])
        self.update()

    @property
    def seed(self) -> int:
        return int(self.seed_box.value)

    def choices(self) -> list[dict[str, Any]]:
        """The current position of every control, per side."""
        return [{key: c.value for key, c in controls.items()} for controls in self._controls]

    def scenarios(self) -> list[Scenario]:
        """The scenario each side runs: the base scenario with that side's choices."""
        return [self.scenario.with_overrides(demo_overrides(choice), source=f"policy {name}")
                for name, choice in zip(self.names, self.choices(), strict=True)]

    def update(self) -> dict[str, RunResult]:
        """Rerun both sides on the same seed and redraw."""
        self.status.value = f"<i>{_say('running', self.lang)}</i>"
        started = time.perf_counter()
        self.results = {name: run(sc, seed=self.seed) for name, sc in zip(self.names, self.scenarios(), strict=True)}
        self.seconds = time.perf_counter() - started
        self.status.value = _say("status", self.lang, seconds=self.seconds, seed=self.seed)
        self._draw()
        return self.results

    def table(self) -> pd.DataFrame:
        """The KPIs of both sides and the difference (second minus first), as numbers under the KPIs'
        code names: for code. `readable_table` is the same for readers."""
        a, b = (self.results[n].kpis[DEMO_KPIS] for n in self.names)
        return pd.DataFrame({self.names[0]: a, self.names[1]: b, f"{self.names[1]} - {self.names[0]}": b - a})

    def readable_table(self, lang: str | None = None) -> pd.DataFrame:
        """`table()` as a reader reads it: each KPI by its label with its unit ("Mean wait (hours)"),
        values written as `simbranch.meanings.fmt` writes them ("17.6%", "1,234"), the difference
        with its sign ("+1.2 pp"). In `lang` (the demo's unless given)."""
        lang = _check_lang(lang or self.lang)
        numbers = self.table()
        a, b = self.names
        rows = {}
        for kpi, (x, y, d) in numbers.iterrows():
            rows[_heading(kpi, lang, self.currency)] = [meanings.fmt(kpi, x, lang), meanings.fmt(kpi, y, lang),
                                                        meanings.fmt(kpi, d, lang, difference=True)]
        frame = pd.DataFrame.from_dict(rows, orient="index", columns=[a, b, f"{b} − {a}"])
        frame.index.name = _say("kpi", lang)
        return frame

    def daily(self) -> pd.DataFrame:
        """Both sides' daily series in one long frame (a `policy` column), as `plots.over_time` takes them."""
        return pd.concat([r.daily.assign(policy=name, replication=0) for name, r in self.results.items()],
                         ignore_index=True)

    def figure(self, lang: str | None = None, *, kpis: Sequence[str] | None = None,
               series: Sequence[str] | None = None, smooth_days: int = 5) -> Figure:
        """Both sides' latest runs as one static matplotlib figure, for where widgets do not render
        (a static page, a docs site, a printed handout).

        Top: one small panel per KPI (`kpis`, default `FIGURE_KPIS`) with a bar per side, its value,
        and under the axis the unit and the difference B - A, said better or worse where the KPI has
        a better direction. Bottom: the daily `series` (default `DEMO_SERIES`) of both sides, as a
        `smooth_days` centred mean, the warm-up shaded; beside them the settings of both sides (the
        rows where they differ shaded). Labels and units come from `simbranch.meanings`, in `lang`
        (the demo's unless given); money in the demo's currency. Built without pyplot, as
        `simbranch.plots` builds its figures: `fig.savefig("handout.png")` writes it.
        """
        import matplotlib as mpl
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        from simbranch import plots
        from simbranch.plots import fonts

        lang = _check_lang(lang or self.lang)
        kpis = list(FIGURE_KPIS if kpis is None else kpis)
        series = list(DEMO_SERIES if series is None else series)
        colors = dict(zip(self.names, _side_colors(self.names, plots.policy_colors), strict=True))
        branch = self.scenario.branch
        with mpl.rc_context(fonts.rc(lang)):
            fig = LangFigure(figsize=(15, 11), layout="constrained", lang=lang)
            top, bottom = fig.subfigures(2, 1, squeeze=False, height_ratios=[1.0, 1.2]).ravel()
            a, b = self.names
            fig.suptitle(_say("title", lang, a=a, b=b, days=branch.horizon_days, warmup=branch.warmup_days,
                              seed=self.seed), fontsize=13)
            top.suptitle(_say("kpis", lang), fontsize=11, x=0.01, ha="left")
            for ax, kpi in zip(_panels(top, len(kpis), 4), kpis, strict=True):
                self._kpi_panel(ax, kpi, colors, lang)
            bottom.suptitle(_say("series", lang, n=smooth_days), fontsize=11, x=0.01, ha="left")
            *axes, settings = _panels(bottom, len(series) + 1, 3)
            for ax, column in zip(axes, series, strict=True):
                self._series_panel(ax, column, colors, lang, smooth_days)
            self._settings_panel(settings, colors, lang)
            handles: list[Artist] = [Line2D([], [], color=colors[n], lw=2, label=_say("policy", lang, name=n))
                                     for n in self.names]
            handles.append(Patch(facecolor="0.93", edgecolor="0.75", hatch="//", label=_say("warmup", lang)))
            bottom.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
        return fig

    def _kpi_panel(self, ax: Axes, kpi: str, colors: Mapping[str, str], lang: str) -> None:
        """Bars of `kpi` for both sides, each with its value; the unit and the difference under the axis."""
        values = [float(self.results[n].kpis[kpi]) for n in self.names]
        ax.barh([0, 1], values, height=0.6, color=[colors[n] for n in self.names])
        ax.set_yticks([0, 1], [_say("policy", lang, name=n) for n in self.names])
        ax.invert_yaxis()
        ax.axvline(0.0, color="black", lw=0.6)
        for y, value in enumerate(values):
            at = value if math.isfinite(value) else 0.0  # "n/a" at zero
            ax.text(at, y, f" {_value(kpi, value, lang, self.currency)} ", va="center",
                    ha="left" if at >= 0 else "right", fontsize=9)
        shown = [v for v in values if math.isfinite(v)]  # a KPI undefined in a run (NaN) has no bar
        low, high = min([0.0, *shown]), max([0.0, *shown])
        room = 0.4 * ((high - low) or 1.0)  # for the value written after the bar
        ax.set_xlim(low - room if low < 0 else 0.0, high + room if high > 0 or low == 0 else 0.0)
        ax.set_title(meanings.label(kpi, lang, default=kpi), fontsize=10)
        a, b = self.names
        change = _say("change", lang, a=a, b=b, text=_change(kpi, values[1] - values[0], lang, self.currency))
        ax.set_xlabel(f"{_unit(kpi, lang, self.currency)}\n{change}", fontsize=9, linespacing=1.6)
        _ticks(ax.xaxis, kpi, lang, self.currency)
        ax.grid(axis="x", alpha=0.3)

    def _series_panel(self, ax: Axes, column: str, colors: Mapping[str, str], lang: str, smooth_days: int) -> None:
        """One daily series of both sides over the run, smoothed, the warm-up shaded."""
        for name in self.names:
            daily = self.results[name].daily
            smooth = daily[column].rolling(smooth_days, center=True, min_periods=1).mean()
            ax.plot(daily["day"], smooth, color=colors[name], lw=1.6)
        warm = daily.loc[daily["warmup"].astype(bool), "day"]
        if len(warm):
            ax.axvspan(float(warm.min()) - 0.5, float(warm.max()) + 0.5, facecolor="0.93", edgecolor="0.75",
                       hatch="//", lw=0, zorder=0)
        ax.set_title(meanings.label(column, lang, default=column), fontsize=10)
        ax.set_xlabel(_say("day", lang))
        ax.set_ylabel(_unit(column, lang, self.currency, daily=True))
        _ticks(ax.yaxis, column, lang, self.currency)
        ax.grid(alpha=0.3)

    def _settings_panel(self, ax: Axes, colors: Mapping[str, str], lang: str) -> None:
        """Both sides' settings as a small table, its header in the sides' colours: what A and B are.
        The rows where they differ, which make the difference, are shaded."""
        ax.axis("off")
        ax.set_title(_say("settings", lang), fontsize=10)
        sides = self.choices()
        cells = [[choice_label(key, side[key], lang) for side in sides] for key in CONTROLS]
        rows = [control_label(key, lang) for key in CONTROLS]
        grid = ax.table(cellText=cells, rowLabels=[row[:1].upper() + row[1:] for row in rows],
                        colLabels=[_say("policy", lang, name=n) for n in self.names], loc="center right",
                        colWidths=[0.34, 0.34], cellLoc="center", rowLoc="left")
        grid.auto_set_font_size(False)
        grid.set_fontsize(9)
        grid.scale(1.0, 1.4)
        for cell in grid.get_celld().values():
            cell.set_edgecolor("0.8")
        for col, name in enumerate(self.names):
            grid[0, col].set_facecolor(colors[name])
            grid[0, col].get_text().set_color("white")
        for row, key in enumerate(CONTROLS, start=1):
            if len({side[key] for side in sides}) > 1:
                for col in (-1, 0, 1):
                    grid[row, col].set_facecolor("#fff1c2")

    def _changed(self, change: dict[str, Any]) -> None:
        self.update()

    def _draw(self) -> None:
        import io

        from simbranch import plots

        fig = plots.over_time(self.daily(), DEMO_SERIES, smooth_days=5, lang=self.lang, currency=self.currency)
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=80)
        # plain widgets, not an Output capture: they update the same way in Jupyter and headless runs
        self.kpi_table.value = self.readable_table().to_html()
        self.chart.value = png.getvalue()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


# ---------------------------------------------------------------------------------------------- drawing


def _heading(name: str, lang: str, currency: str) -> str:
    """A KPI's label with its unit, as a table's row or column heading: "Mean wait (hours)", "平均等待时间(小时)"."""
    label = meanings.label(name, lang, default=name)
    if meanings.find(name) is None:
        return label
    unit = meanings.unit(name, lang, currency=currency)
    if unit.lower() == label.lower():  # "Complaints", not "Complaints (complaints)"
        return label
    return f"{label} ({unit})" if lang == "en" else f"{label}({unit})"


def _unit(name: str, lang: str, currency: str, *, daily: bool = False) -> str:
    """The unit of an axis of `name`; a daily column of an amount accumulated over time is per day."""
    found = meanings.find(name)
    if found is None:
        return ""
    unit = meanings.unit(name, lang, currency=currency)
    return _say("per_day", lang, unit=unit) if daily and found.flow else unit


def _value(name: str, value: float, lang: str, currency: str, *, difference: bool = False) -> str:
    """A value written for a reader, without its unit (the axis says it): money in k and M (万, 亿)."""
    if meanings.find(name) is None:
        return f"{value:+,.4g}" if difference else f"{value:,.4g}"
    return meanings.fmt(name, value, lang, difference=difference, currency=currency, unit=False)


def _change(name: str, difference: float, lang: str, currency: str) -> str:
    """The difference B - A in words: "+1.2 pp, worse"; "no change" when it rounds to nothing."""
    text = _value(name, difference, lang, currency, difference=True)
    if not math.isfinite(difference):
        return text
    if not any(c in "123456789" for c in text):
        return _say("same", lang)
    found = meanings.find(name)
    if found is None or found.better == "neither":
        return text
    up_is_better = found.better == "higher"
    return _say("better" if (difference > 0) == up_is_better else "worse", lang, text=text)


def _ticks(axis: Any, name: str, lang: str, currency: str) -> None:
    """Tick labels of an axis of `name`: shares as percentages, money in k and M (万, 亿)."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    found = meanings.find(name)
    if found is None:
        return
    if found.format == "share":
        axis.set_major_formatter(PercentFormatter(xmax=1.0))
    elif found.format == "money":
        axis.set_major_formatter(FuncFormatter(lambda v, _: meanings.money(v, lang, currency, tick=True)))


def _panels(figure: Figure | SubFigure, n: int, ncols: int) -> list[Axes]:
    """`n` panels on a grid of `ncols` columns, in reading order."""
    nrows = -(-n // ncols)
    return [figure.add_subplot(nrows, ncols, i + 1) for i in range(n)]


def _side_colors(names: Sequence[str], policy_colors: Any) -> list[str]:
    """The sides' colours: those `simbranch.plots` gives the two names (so the static figure matches the
    widget's chart), unless they coincide; then two of matplotlib's default colours."""
    colors = list(policy_colors(names).values())
    return colors if len(set(colors)) == len(names) else ["#0072B2", "#D55E00"]


def class_sized(scenario: Scenario, ams: int = 12) -> Scenario:
    """The branch with `ams` AMs and the same number of clients per AM: each AM's day is the same,
    and a year runs fast enough to rerun two policies on every click (a 40-AM year takes about 2.5 s,
    a 12-AM year under 1 s); its averages are noisier, and one quit weighs more."""
    per_am = scenario.clients.count / scenario.managers.count
    return scenario.with_overrides({"managers.count": ams, "clients.count": round(per_am * ams)})


def side_by_side(scenario: Scenario, seed: int = 0, left: Mapping[str, Any] | None = None,
                 right: Mapping[str, Any] | None = None, *, lang: str = "en",
                 currency: str | None = None) -> SideBySide:
    """The live two-policy demo over `scenario`; `left` / `right` set controls at the start, e.g.
    `right={"allocation": "crm", "training": "quarterly"}` (keys: see `CONTROLS`). Controls, table
    and charts in `lang` ("en" or "zh"), money in `currency` (by default the scenario's)."""
    unknown = set(left or {}) | set(right or {})
    unknown -= set(CONTROLS)
    if unknown:
        raise ValueError(f"unknown controls {', '.join(sorted(unknown))}; controls: {', '.join(CONTROLS)}")
    return SideBySide(scenario, seed, left, right, lang=lang, currency=currency)
