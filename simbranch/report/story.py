"""The answer of a comparison in plain terms: which measures pay, by how much a year, at what price.

Everything here reads ONE family of paired differences (`Comparison.paired` over the report's KPIs
and every measure, computed once by the report), so that an effect called significant in a
sentence is the one drawn filled in the forest plot, bold in the table, and whose interval
excludes zero. Amounts that accumulate over the run (money, sales, hours: `Measure.flow` in
`simbranch.meanings`) are scaled from the measured working days to a year of
`branch.days_per_year` working days, interval and all (a fixed factor keeps its coverage).

A measure's verdict, from its significant effects only:

- "pays": profit up, nothing significantly worse; "pays, with a trade-off": profit up, something worse;
- "better service": satisfaction up, profit not significantly changed; "better service, costs
  profit": satisfaction up, profit down;
- "harms": something worse and nothing better; "mixed": better on some, worse on others, neither
  profit nor satisfaction up; "no clear effect": nothing significant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from simbranch import meanings

__all__ = ["ANSWER_KPIS", "Effect", "MeasureAnswer", "answers", "value_text"]

#: The KPIs that get a column of their own in the answer table, in order.
ANSWER_KPIS = ("profit", "satisfaction_mean", "sales_count", "exhausted_share")


@dataclass(frozen=True)
class Effect:
    """One row of the family: a measure's difference from the baseline on one KPI, per year where it
    accumulates, with its adjusted interval."""

    kpi: str
    difference: float
    low: float
    high: float
    significant: bool
    per_year: bool

    @property
    def better(self) -> bool | None:
        """Whether the change is for the better (None: no direction, or no change)."""
        direction = meanings.better(self.kpi) if meanings.find(self.kpi) else "neither"
        if direction == "neither" or self.difference == 0:
            return None
        return (self.difference > 0) == (direction == "higher")


@dataclass
class MeasureAnswer:
    """What one measure does against the baseline."""

    policy: str
    effects: dict[str, Effect]
    verdict: str = "v_none"
    gains: list[Effect] = field(default_factory=list)
    losses: list[Effect] = field(default_factory=list)

    def effect(self, kpi: str) -> Effect | None:
        return self.effects.get(kpi)


def year_factor(days_per_year: int, horizon_days: int) -> float:
    """The factor from the measured working days to a year of working days."""
    return days_per_year / horizon_days if horizon_days > 0 else float("nan")


def answers(family: pd.DataFrame, days_per_year: int, horizon_days: int) -> list[MeasureAnswer]:
    """One `MeasureAnswer` per measure of `family` (a `Comparison.paired()` frame), ordered by its
    profit effect, largest first (measures without a profit row last, in the family's order)."""
    factor = year_factor(days_per_year, horizon_days)
    out = []
    for policy, rows in family.groupby("policy", sort=False):
        effects = {}
        for r in rows.itertuples(index=False):
            found = meanings.find(r.kpi)
            scale = factor if found is not None and found.flow else 1.0
            effects[r.kpi] = Effect(r.kpi, float(r.difference) * scale, float(r.ci_low) * scale,
                                    float(r.ci_high) * scale, bool(r.significant), scale != 1.0)
        answer = MeasureAnswer(str(policy), effects)
        answer.gains = [e for e in effects.values() if e.significant and e.better is True]
        answer.losses = [e for e in effects.values() if e.significant and e.better is False]
        answer.verdict = _verdict(answer)
        out.append(answer)
    profit = {a.policy: a.effects["profit"].difference for a in out if "profit" in a.effects}
    return sorted(out, key=lambda a: -profit.get(a.policy, float("-inf")))


def _verdict(a: MeasureAnswer) -> str:
    def up(kpi: str) -> bool:
        e = a.effects.get(kpi)
        return bool(e and e.significant and e.better is True)

    def down(kpi: str) -> bool:
        e = a.effects.get(kpi)
        return bool(e and e.significant and e.better is False)

    if up("profit"):
        return "v_pays_price" if a.losses else "v_pays"
    if up("satisfaction_mean"):
        return "v_service" if down("profit") else "v_service_free"
    if a.losses and not a.gains:
        return "v_harms"
    if a.losses or a.gains:
        return "v_mixed"
    return "v_none"


def value_text(kpi: str, value: float, lang: str, currency: str, *, difference: bool = False,
               unit: bool = True) -> str:
    """A value of `kpi` for the reader: money in the currency's usual units (k/M, 万/亿; without the
    currency when `unit` is False), others by the registry's format; a change gets its sign (shares
    in percentage points)."""
    if meanings.find(kpi) is None:
        return f"{value:+,.3g}" if difference else f"{value:,.3g}"
    return meanings.fmt(kpi, value, lang, difference=difference, currency=currency, unit=unit)


def effect_text(e: Effect, lang: str, currency: str) -> str:
    """'+1.2M CNY [+0.4M, +2.0M]': the change with its adjusted interval (the currency said once)."""
    def v(x: float, unit: bool = False) -> str:
        return value_text(e.kpi, x, lang, currency, difference=True, unit=unit)

    return f"{v(e.difference, True)} [{v(e.low)}, {v(e.high)}]"


def inline_label(kpi: str, lang: str) -> str:
    """A KPI's label inside an English sentence: "client satisfaction", "emotionally exhausted AMs",
    but "Net Promoter Score (NPS)" (a name, every word capitalised) and "AM turnover rate" (an
    acronym) as they are; Chinese labels as they are."""
    text = meanings.label(kpi, lang, default=kpi)
    words = text.split()
    if lang != "en" or len(text) < 2 or not text[0].isupper() or not text[1].islower():
        return text
    if len(words) > 1 and all(w[:1].isupper() for w in words if w[:1].isalpha()):
        return text
    return text[0].lower() + text[1:]


def change_phrase(e: Effect, lang: str, currency: str) -> str:
    """'client satisfaction +0.031' / '客户满意度 +0.031': a KPI's label and its change (per year where it
    accumulates)."""
    name = inline_label(e.kpi, lang)
    return f"{name} {value_text(e.kpi, e.difference, lang, currency, difference=True)}"


__all__ += ["change_phrase", "effect_text", "inline_label", "year_factor"]
