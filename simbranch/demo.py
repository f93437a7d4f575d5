"""A live, side-by-side demonstration for a class: two policies, the same clients, redrawn on every change.

`side_by_side(scenario)` shows two columns of controls (allocation rule, training, incentive
scheme, surveys, career ladder, team meetings, wellbeing). Every change reruns both policies on
the same seed, so they meet the same clients with the same needs (common random numbers) and any
difference on screen comes from the policy. Below the controls: the KPIs of both with the
difference, and the main series over time.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import pandas as pd

from simbranch.registry import ALLOCATION_RULES
from simbranch.run import RunResult, run
from simbranch.scenario import Scenario

__all__ = ["CONTROLS", "SideBySide", "class_sized", "demo_overrides", "side_by_side"]

#: KPIs in the table under the charts.
DEMO_KPIS = ["satisfaction_mean", "nps", "complaints", "sales_count", "proactive_sales", "revenue", "profit",
             "cost_total", "wait_mean_h", "overtime_hours", "stress_mean", "exhausted_share", "am_turnover_rate",
             "client_churn_rate"]

#: Series in the charts.
DEMO_SERIES = ["satisfaction_mean", "sales_count", "exhaustion_mean", "wait_mean_h", "headcount"]

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
        return min((k for k, v in options.items() if v is not None), key=lambda k: abs(options[k] - interval))

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
    latest `RunResult` of each side and `table()` their KPIs side by side.
    """

    def __init__(self, scenario: Scenario, seed: int = 0, left: Mapping[str, Any] | None = None,
                 right: Mapping[str, Any] | None = None, names: tuple[str, str] = ("A", "B")):
        import ipywidgets as w

        self.scenario = scenario
        self.names = names
        self.results: dict[str, RunResult] = {}
        self.seconds = 0.0
        start = _choices_of(scenario)
        self._controls: list[dict[str, Any]] = []
        columns = []
        for name, preset in zip(names, (left or {}, right or {}), strict=True):
            controls = {}
            for key, (label, options) in CONTROLS.items():
                value = preset.get(key, start[key])
                style = {"description_width": "initial"}
                if options == "switch":
                    controls[key] = w.Checkbox(value=bool(value), description=label, style=style, indent=False)
                else:
                    opts = sorted(ALLOCATION_RULES) if key == "allocation" else options
                    if value not in opts:
                        raise ValueError(f"{key}: {value!r} is not one of {', '.join(map(str, opts))}")
                    controls[key] = w.Dropdown(options=opts, value=value, description=label, style=style)
                controls[key].observe(self._changed, names="value")
            self._controls.append(controls)
            columns.append(w.VBox([w.HTML(f"<b>Policy {name}</b>"), *controls.values()],
                                  layout=w.Layout(width="50%")))
        self.seed_box = w.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed")
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
        self.status.value = "<i>running...</i>"
        started = time.perf_counter()
        self.results = {name: run(sc, seed=self.seed) for name, sc in zip(self.names, self.scenarios(), strict=True)}
        self.seconds = time.perf_counter() - started
        self.status.value = f"both runs took {self.seconds:.1f} s (seed {self.seed}, same clients on both sides)"
        self._draw()
        return self.results

    def table(self) -> pd.DataFrame:
        """The KPIs of both sides and the difference (second minus first)."""
        a, b = (self.results[n].kpis[DEMO_KPIS] for n in self.names)
        return pd.DataFrame({self.names[0]: a, self.names[1]: b, f"{self.names[1]} - {self.names[0]}": b - a})

    def daily(self) -> pd.DataFrame:
        """Both sides' daily series in one long frame (a `policy` column), as `plots.over_time` takes them."""
        return pd.concat([r.daily.assign(policy=name, replication=0) for name, r in self.results.items()],
                         ignore_index=True)

    def _changed(self, change: dict[str, Any]) -> None:
        self.update()

    def _draw(self) -> None:
        import io

        from simbranch import plots

        fig = plots.over_time(self.daily(), DEMO_SERIES, smooth_days=5)
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=80)
        # plain widgets, not an Output capture: they update the same way in Jupyter and headless runs
        self.kpi_table.value = self.table().to_html(float_format="{:,.3f}".format)
        self.chart.value = png.getvalue()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def class_sized(scenario: Scenario, ams: int = 12) -> Scenario:
    """The branch with `ams` AMs and the same number of clients per AM: each AM's day is the same,
    and a year runs fast enough to rerun two policies on every click (a 40-AM year takes about 2.5 s,
    a 12-AM year under 1 s); its averages are noisier, and one quit weighs more."""
    per_am = scenario.clients.count / scenario.managers.count
    return scenario.with_overrides({"managers.count": ams, "clients.count": round(per_am * ams)})


def side_by_side(scenario: Scenario, seed: int = 0, left: Mapping[str, Any] | None = None,
                 right: Mapping[str, Any] | None = None) -> SideBySide:
    """The live two-policy demo over `scenario`; `left` / `right` set controls at the start, e.g.
    `right={"allocation": "crm", "training": "quarterly"}` (keys: see `CONTROLS`)."""
    unknown = set(left or {}) | set(right or {})
    unknown -= set(CONTROLS)
    if unknown:
        raise ValueError(f"unknown controls {', '.join(sorted(unknown))}; controls: {', '.join(CONTROLS)}")
    return SideBySide(scenario, seed, left, right)
