"""What the names mean: labels, units, better directions and number formats, in English and Chinese.

One registry of plain data that figures, reports, CLI tables, notebooks and the trade-off analysis
read, so that a KPI is called, measured and judged the same way everywhere:

- `MEASURES`: every KPI of `simbranch.run.KPI_NAMES`, every column of a run's `daily` frame (the
  `SERIES_COLUMNS` that a comparison keeps among them), and the per-AM and per-client columns
  that figures put on an axis. Each is a `Measure`: label and unit in both languages, the better
  direction, how to write a value of it, whether a relative change of it makes sense, and
  whether a daily column of it is an amount per day. The per-tier KPIs (`satisfaction_<tier>`,
  `client_churn_rate_<tier>`, see `simbranch.run.TIER_KPI_PREFIXES`) are derived from their
  base KPI with the tier's name (`TIERS` holds the default tiers' names; another tier is
  called by its own name).
- `LEVERS`: every lever section of a scenario (`simbranch.scenario.LEVER_SECTIONS`), and
  `POLICIES`: every preset policy of `scenarios/policies/` and the baseline, each with a label and
  a one-line description in both languages (the Chinese in the source article's own words where
  it has them).

Languages are "en" and "zh" (Simplified Chinese). A name the registry does not know raises
`UnknownName` (a `LookupError` saying what it does know), except where a caller asks for a
fallback: `find(name)` gives None and `label(name, default=...)` the default.

    import simbranch.meanings as m
    m.label("nps", "zh")                   # '净推荐值 NPS'
    m.unit("wait_mean_h")                  # 'hours'
    m.better("complaints")                 # 'lower'
    m.fmt("exhausted_share", 0.176)        # '17.6%'
    m.fmt("exhausted_share", 0.012, difference=True)   # '+1.2 pp'
    m.kpis()                               # one row per KPI of the default scenario
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

if TYPE_CHECKING:
    from simbranch.scenario import Scenario

__all__ = [
    "FORMATS",
    "LANGS",
    "LEVERS",
    "MEASURES",
    "POLICIES",
    "TIERS",
    "TIER_BASES",
    "Measure",
    "Named",
    "UnknownName",
    "better",
    "description",
    "find",
    "fmt",
    "kpis",
    "label",
    "levers",
    "measure",
    "policies",
    "unit",
]

Lang = Literal["en", "zh"]
Better = Literal["higher", "lower", "neither"]
#: The languages of labels, units and descriptions.
LANGS: tuple[str, ...] = ("en", "zh")

#: How a value is written, by `Measure.format`: "count" (a number of things), "money" (an amount of
#: the model's currency), "hours", "share" (a part of a whole, shown as a percentage; rates per
#: year too), "score" (a 0-1 scale such as satisfaction or stress) and "index" (NPS, -100 to 100).
#: A relative change makes sense for the first three only: they have a true zero ("none"), while
#: a share's honest change is in percentage points, a score's zero is arbitrary and NPS crosses it.
FORMATS: tuple[str, ...] = ("count", "money", "hours", "share", "score", "index")
_RATIO_FORMATS = ("count", "money", "hours")


class UnknownName(LookupError):
    """A name the registry holds no meaning for."""

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Measure:
    """What a KPI or a column of the result frames means and how to show it."""

    name: str
    label_en: str
    label_zh: str
    unit_en: str
    unit_zh: str
    #: "higher" or "lower" is better, or "neither" (a volume or an input, such as arrivals or hours in training)
    better: Better
    #: how a value is written: one of `FORMATS`
    format: str
    #: digits after the decimal point (of the percentage, for a share)
    decimals: int
    #: whether a relative change ("+5 %") means something: true for counts, money and hours only
    relative_ok: bool
    #: an amount accumulated over time (a count, hours or money), so a daily column of it is per day
    flow: bool = False


@dataclass(frozen=True)
class Named:
    """A lever section or a policy: its label and a one-line description in both languages."""

    name: str
    label_en: str
    label_zh: str
    description_en: str
    description_zh: str


def _m(name: str, label_en: str, label_zh: str, unit_en: str, unit_zh: str, better: Better, format: str,
       decimals: int, *, flow: bool = False) -> Measure:
    return Measure(name, label_en, label_zh, unit_en, unit_zh, better, format, decimals,
                   relative_ok=format in _RATIO_FORMATS, flow=flow)


_H = ("hours", "小时")
_CUR = ("currency", "货币单位")
_REQ = ("requests", "笔")
_SCORE = ("0-1", "0-1分")
_NPS = ("-100 to 100", "-100至100")
_AMS = ("AMs", "人")
_PER_YEAR = ("per year", "每年")
_OF_AMS = ("share of AMs", "占客户经理比例")

_MEASURES: tuple[Measure, ...] = (
    # ---------------------------------------------------------------- KPIs of a run (KPI_NAMES)
    _m("requests_arrived", "Requests arrived", "客户请求数", *_REQ, "neither", "count", 0, flow=True),
    _m("requests_served", "Requests served", "已办结请求数", *_REQ, "higher", "count", 0, flow=True),
    _m("requests_abandoned", "Requests abandoned", "客户放弃的请求数", *_REQ, "lower", "count", 0, flow=True),
    _m("requests_open_at_end", "Requests still open at the end", "期末未办结请求数", *_REQ, "lower", "count", 0),
    _m("wait_mean_h", "Mean wait", "平均等待时间", *_H, "lower", "hours", 2),
    _m("wait_p90_h", "Wait, 90th percentile", "等待时间(90分位数)", *_H, "lower", "hours", 2),
    _m("wait_all_mean_h", "Mean wait of served and abandoned requests", "平均等待时间(已办结及放弃的请求)", *_H,
       "lower", "hours", 2),
    _m("wait_served_mean_h", "Mean wait of served requests", "已办结请求的平均等待时间", *_H, "lower", "hours", 2),
    _m("service_mean_h", "Mean handling time", "平均办理时长", *_H, "lower", "hours", 2),
    _m("utilisation", "Utilisation", "工时利用率", "share of available hours", "占可用工时比例", "neither",
       "share", 1),
    _m("overtime_hours", "Overtime", "加班时长", *_H, "lower", "hours", 0, flow=True),
    _m("proactive_hours", "Proactive client contact", "主动联系客户时长", *_H, "neither", "hours", 0, flow=True),
    _m("admin_hours", "Administration", "行政事务时长", *_H, "neither", "hours", 0, flow=True),
    _m("satisfaction_mean", "Client satisfaction", "客户满意度", *_SCORE, "higher", "score", 3),
    _m("nps", "Net Promoter Score (NPS)", "净推荐值 NPS", *_NPS, "higher", "index", 1),
    _m("complaints", "Complaints", "投诉数", "complaints", "件", "lower", "count", 0, flow=True),
    _m("sales_count", "Sales", "销售笔数", "sales", "笔", "higher", "count", 0, flow=True),
    _m("proactive_sales", "Sales from proactive calls", "主动营销成交笔数", "sales", "笔", "higher", "count", 0,
       flow=True),
    _m("revenue", "Revenue", "收入", *_CUR, "higher", "money", 0, flow=True),
    _m("revenue_per_am", "Revenue per AM", "客户经理人均收入", "currency per AM-year", "货币单位/人·年", "higher",
       "money", 0),
    _m("client_churn_rate", "Client churn rate", "客户流失率", *_PER_YEAR, "lower", "share", 1),
    _m("am_turnover_rate", "AM turnover rate", "客户经理流失率", *_PER_YEAR, "lower", "share", 1),
    _m("new_hire_quit_12m", "New hires leaving within 12 months", "新入职客户经理12个月内离职率",
       "share of new hires", "占新入职客户经理比例", "lower", "share", 1),
    _m("stress_mean", "Mean stress", "平均工作压力", *_SCORE, "lower", "score", 3),
    _m("exhaustion_mean", "Mean emotional exhaustion", "平均情绪耗竭程度", *_SCORE, "lower", "score", 3),
    _m("exhausted_share", "Emotionally exhausted AMs", "情绪耗竭比例", *_OF_AMS, "lower", "share", 1),
    _m("burnout_share", "AMs in burnout", "职业倦怠比例", *_OF_AMS, "lower", "share", 1),
    _m("skill_mean", "Mean skill", "平均专业能力", *_SCORE, "higher", "score", 3),
    _m("training_hours", "Training hours", "培训时长", *_H, "neither", "hours", 0, flow=True),
    _m("meeting_hours", "Meeting hours", "会议时长", *_H, "neither", "hours", 0, flow=True),
    _m("follow_ups", "CRM follow-ups", "CRM跟进次数", "follow-ups", "次", "neither", "count", 0, flow=True),
    _m("promotions", "Promotions", "晋升人次", "promotions", "人次", "neither", "count", 1, flow=True),
    _m("survey_nps", "NPS measured by surveys", "满意度调查所得NPS", *_NPS, "higher", "index", 1),
    _m("salary_cost", "Salary cost", "薪酬成本", *_CUR, "lower", "money", 0, flow=True),
    _m("time_away_cost", "Salary of time away from clients (courses, meetings)", "脱岗时间薪酬(培训、会议)",
       *_CUR, "lower", "money", 0, flow=True),
    _m("training_cost", "Training cost", "培训费用", *_CUR, "lower", "money", 0, flow=True),
    _m("bonus_cost", "Bonuses and commissions", "奖金与提成", *_CUR, "lower", "money", 0, flow=True),
    _m("wellbeing_cost", "Wellbeing programme cost", "心理健康支持费用", *_CUR, "lower", "money", 0, flow=True),
    _m("other_cost", "Other costs", "其他成本", *_CUR, "lower", "money", 0, flow=True),
    _m("cost_total", "Total cost", "总成本", *_CUR, "lower", "money", 0, flow=True),
    _m("profit", "Profit", "利润", *_CUR, "higher", "money", 0, flow=True),
    _m("clients_end", "Clients at the end", "期末客户数", "clients", "户", "higher", "count", 0),
    _m("headcount_mean", "Mean headcount", "平均在岗客户经理人数", *_AMS, "neither", "count", 1),
    # ---------------------------------------------------------------- daily columns (DAILY_COLUMNS) not above
    _m("arrived", "Requests arrived", "客户请求数", *_REQ, "neither", "count", 0, flow=True),
    _m("served", "Requests served", "已办结请求数", *_REQ, "higher", "count", 0, flow=True),
    _m("abandoned", "Requests abandoned", "客户放弃的请求数", *_REQ, "lower", "count", 0, flow=True),
    _m("busy_h", "Hours serving requests", "办理客户请求工时", *_H, "neither", "hours", 1, flow=True),
    _m("available_h", "Available hours", "可用工时", *_H, "neither", "hours", 1, flow=True),
    _m("overtime_h", "Overtime", "加班时长", *_H, "lower", "hours", 1, flow=True),
    _m("admin_h", "Administration", "行政事务时长", *_H, "neither", "hours", 1, flow=True),
    _m("proactive_h", "Proactive client contact", "主动联系客户时长", *_H, "neither", "hours", 1, flow=True),
    _m("proactive_contacts", "Proactive contacts", "主动联系客户次数", "calls", "次", "neither", "count", 0,
       flow=True),
    _m("queue_length", "Requests waiting", "排队等候的请求数", *_REQ, "lower", "count", 0),
    _m("backlog_h", "Work waiting", "积压工作量", *_H, "lower", "hours", 1),
    _m("clients", "Clients", "客户数", "clients", "户", "higher", "count", 0),
    _m("new_clients", "New clients", "新增客户数", "clients", "户", "higher", "count", 0, flow=True),
    _m("churned", "Clients lost", "流失客户数", "clients", "户", "lower", "count", 0, flow=True),
    _m("headcount", "AMs in post", "在岗客户经理人数", *_AMS, "neither", "count", 0),
    _m("absent", "AMs away from clients", "不在岗客户经理人数", *_AMS, "neither", "count", 0),
    _m("on_leave", "AMs on leave", "休假客户经理人数", *_AMS, "neither", "count", 0),
    _m("vacancies", "Vacancies", "空缺岗位数", "positions", "个", "lower", "count", 0),
    _m("quits", "AMs who quit", "离职客户经理人数", *_AMS, "lower", "count", 0, flow=True),
    _m("hires", "AMs hired", "新入职客户经理人数", *_AMS, "neither", "count", 0, flow=True),
    _m("motivation_mean", "Mean motivation", "平均工作积极性", *_SCORE, "higher", "score", 3),
    _m("cost", "Cost", "成本", *_CUR, "lower", "money", 0, flow=True),
    # ---------------------------------------------------------------- columns of the managers and clients frames
    _m("stress", "Stress", "工作压力", *_SCORE, "lower", "score", 3),
    _m("motivation", "Motivation", "工作积极性", *_SCORE, "higher", "score", 3),
    _m("exhaustion", "Emotional exhaustion", "情绪耗竭程度", *_SCORE, "lower", "score", 3),
    _m("satisfaction", "Client satisfaction", "客户满意度", *_SCORE, "higher", "score", 3),
    _m("client_satisfaction", "Satisfaction of the AM's clients", "所辖客户满意度", *_SCORE, "higher", "score", 3),
)

#: Every KPI, daily column and per-AM or per-client column the registry knows, by name.
MEASURES: dict[str, Measure] = {m.name: m for m in _MEASURES}

#: The base KPI of each per-tier prefix (`simbranch.run.TIER_KPI_PREFIXES`): `satisfaction_vip` is
#: `satisfaction_mean` among the tier's clients.
TIER_BASES: dict[str, str] = {"satisfaction_": "satisfaction_mean", "client_churn_rate_": "client_churn_rate"}

#: Names of the default client tiers (English, Chinese); another tier is called by its own name.
TIERS: dict[str, tuple[str, str]] = {
    "mass": ("mass clients", "大众客户"),
    "affluent": ("affluent clients", "富裕客户"),
    "vip": ("VIP clients", "贵宾客户"),
}

#: The lever sections of a scenario (`simbranch.scenario.LEVER_SECTIONS`), the article's measures.
LEVERS: dict[str, Named] = {n.name: n for n in (
    Named("allocation", "Client allocation", "客户分配",
          "How clients and their requests reach AMs: by importance, by specialty, by workload or by CRM routing, "
          "with follow-up of clients not contacted for long.",
          "客户及其请求如何分配给客户经理:按客户重要性、按专长、按工作量或使用CRM系统自动分配,并跟进久未联系的客户。"),
    Named("training", "Training", "定期培训",
          "Regular courses in sales technique, relationship management and product knowledge, taken away from "
          "clients.",
          "定期组织培训,涵盖销售技巧、客户关系管理、产品知识等内容,培训期间客户经理离开客户。"),
    Named("assessment", "Assessment", "定期考核",
          "Periodic assessment of each AM; a low score triggers training or a development plan.",
          "定期考核客户经理的工作表现,得分低者参加培训或制定改进计划。"),
    Named("incentives", "Evaluation and incentives", "绩效评估与激励机制",
          "How AMs are evaluated and paid: fixed salary, sales commission, scorecard bonus, team bonus or "
          "tournament.",
          "如何评估客户经理并确定报酬:固定薪酬、销售提成、综合考核奖金、团队奖金或业绩排名奖励。"),
    Named("surveys", "Client satisfaction surveys", "客户满意度调查",
          "Periodic surveys of clients, with the results fed back to each AM.",
          "定期进行客户满意度调查,并及时将调查结果反馈给客户经理。"),
    Named("careers", "Career path", "职业发展路径",
          "A visible career ladder with periodic promotion reviews.",
          "制定明确的职业发展规划,定期进行晋升评审。"),
    Named("communication", "Communication", "沟通机制",
          "Regular team meetings for work reports, problem discussion and experience sharing, with fast "
          "escalation.",
          "建立定期沟通机制:工作汇报、问题讨论、经验分享,问题及时上报。"),
    Named("wellbeing", "Mental-health support", "心理健康支持",
          "Counselling and stress-management training, and a better work climate.",
          "提供心理咨询、压力管理培训等心理健康支持,建立良好的工作氛围。"),
)}

#: The preset policies of `scenarios/policies/` (by file name) and the baseline every comparison has.
#: The English descriptions are those of the policy files.
POLICIES: dict[str, Named] = {n.name: n for n in (
    Named("baseline", "Baseline", "基准(现行做法)",
          "The scenario's own lever settings, against which the policies are compared.",
          "情景本身的管理设置,作为比较各项政策的基准。"),
    Named("crm_routing", "CRM routing", "使用CRM系统自动分配",
          "CRM routing on skill and load, with automatic follow-up of neglected clients",
          "CRM系统按技能匹配和工作量自动分配客户请求,并提醒及时跟进久未联系的客户,避免客户流失"),
    Named("tiered_allocation", "Allocation by client importance", "按客户重要性分配",
          "Important clients to experienced AMs, balanced workloads",
          "将重要客户分配给经验丰富的客户经理,并保持工作负担均衡"),
    Named("specialty_allocation", "Allocation by specialty", "按客户经理专长分配",
          "Clients to AMs specialised in their domain",
          "将相关行业或领域的客户分配给具有该专长的客户经理"),
    Named("training_quarterly", "Quarterly training", "系统的培训计划(每季度)",
          "Two-day course on all three skills for every AM, each quarter",
          "每位客户经理每季度参加两天培训,涵盖销售技巧、客户关系管理和产品知识"),
    Named("targeted_training", "Assessment with targeted training", "定期考核与针对性培训",
          "Quarterly assessment; the lowest-scoring quarter of AMs is trained",
          "每季度考核一次,得分最低的四分之一客户经理参加培训"),
    Named("sales_commission", "Sales commission", "销售提成",
          "Individual commission on sales revenue",
          "按个人销售收入提成"),
    Named("balanced_scorecard", "Balanced scorecard bonus", "科学的绩效评估体系(综合考核奖金)",
          "Quarterly bonus on a scorecard of sales, growth, clients, satisfaction, complaints, follow-up",
          "按销售额、销售增长率、客户数量、客户满意度、投诉情况和客户跟进情况综合考核,每季度发放奖金"),
    Named("satisfaction_surveys", "Satisfaction surveys with feedback", "客户满意度调查与及时反馈",
          "Quarterly client survey with fast feedback to each AM",
          "每季度进行客户满意度调查,并及时将结果反馈给每位客户经理"),
    Named("career_ladder", "Career ladder", "明确的职业发展规划",
          "Visible career ladder with half-yearly promotion reviews",
          "清晰的职业晋升通道,每半年进行一次晋升评审"),
    Named("team_meetings", "Weekly team meetings", "定期团队会议",
          "Weekly one-hour team meeting with knowledge sharing and fast escalation",
          "每周一小时团队会议,促进知识共享,问题及时上报"),
    Named("wellbeing_support", "Mental-health support", "心理健康支持",
          "Counselling and stress-management training, better work climate",
          "提供心理咨询和压力管理培训,营造良好的工作氛围"),
    Named("all_measures", "All measures together", "全部管理措施组合",
          "CRM routing with follow-up, quarterly training and assessment, balanced scorecard, surveys, career "
          "ladder, weekly meetings, wellbeing support",
          "CRM自动分配与客户跟进、每季度培训与考核、综合考核奖金、满意度调查、职业晋升通道、每周团队会议、心理健康支持"),
)}


# ---------------------------------------------------------------------------------------------- look-up


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; the registry has {', '.join(map(repr, LANGS))}")
    return lang


def find(name: str) -> Measure | None:
    """The meaning of a KPI or result column, or None if the registry does not know `name`.

    A per-tier KPI (`satisfaction_<tier>`, `client_churn_rate_<tier>`, for any tier name) is its
    base KPI with the tier's name in the label; a lever section or preset policy is no KPI, whatever
    its name begins with."""
    found = MEASURES.get(name)
    if found is not None or _named(name) is not None:  # a policy such as satisfaction_surveys is no tier KPI
        return found
    for prefix, base in TIER_BASES.items():
        tier = name[len(prefix):]
        if name.startswith(prefix) and tier:
            b = MEASURES[base]
            en, zh = TIERS.get(tier, (f"tier {tier}", f"{tier}类客户"))
            return Measure(name, f"{b.label_en}: {en}", f"{b.label_zh}({zh})", b.unit_en, b.unit_zh, b.better,
                           b.format, b.decimals, b.relative_ok, b.flow)
    return None


def measure(name: str) -> Measure:
    """The meaning of a KPI or result column; `UnknownName` if the registry does not know it."""
    found = find(name)
    if found is None:
        raise UnknownName(f"no meaning recorded for {name!r}: not a KPI (simbranch.meanings.kpis()), a daily "
                          f"column or a per-AM or per-client column the registry knows")
    return found


def _named(name: str) -> Named | None:
    return LEVERS.get(name) or POLICIES.get(name)


def label(name: str, lang: str = "en", default: str | None = None) -> str:
    """What a KPI, result column, lever section or preset policy is called, in `lang` ("en" or "zh").

    An unknown name gives `default` when one is given (`label(name, default=name)` shows a user's
    own policy or column under its code name) and raises `UnknownName` otherwise."""
    _lang(lang)
    entry = find(name) or _named(name)
    if entry is None:
        if default is not None:
            return default
        raise UnknownName(f"no label recorded for {name!r}: not a KPI, result column, lever section "
                          f"({', '.join(LEVERS)}) or preset policy ({', '.join(POLICIES)})")
    return entry.label_en if lang == "en" else entry.label_zh


def description(name: str, lang: str = "en") -> str:
    """The one-line description of a lever section or preset policy, in `lang` ("en" or "zh")."""
    _lang(lang)
    entry = _named(name)
    if entry is None:
        raise UnknownName(f"no description recorded for {name!r}: not a lever section ({', '.join(LEVERS)}) "
                          f"or preset policy ({', '.join(POLICIES)})")
    return entry.description_en if lang == "en" else entry.description_zh


def unit(name: str, lang: str = "en") -> str:
    """The unit of a KPI or result column, in `lang` ("en" or "zh")."""
    m = measure(name)
    return m.unit_en if _lang(lang) == "en" else m.unit_zh


def better(name: str) -> str:
    """Which way a KPI or result column is better: "higher", "lower" or "neither" (a volume or an
    input, such as requests arrived, utilisation or hours spent in training)."""
    return measure(name).better


def fmt(name: str, value: float | None, lang: str = "en", *, difference: bool = False,
        decimals: int | None = None) -> str:
    """A value of a KPI or result column written for a reader, without its unit (`unit(name)`).

    Thousands are separated by commas and the registry's digits kept (`decimals` overrides
    them); a share is a percentage ("17.6%"). With `difference=True` the value is a change: it
    gets its sign, and a share's change is in percentage points ("+1.2 pp", "+1.2个百分点").
    A missing value is "n/a" ("无数据")."""
    _lang(lang)
    m = measure(name)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a" if lang == "en" else "无数据"
    digits = m.decimals if decimals is None else decimals
    x = float(value) * (100.0 if m.format == "share" else 1.0)
    if round(x, digits) == 0.0:
        x = 0.0  # no "-0.0", and no sign on a change of nothing
    text = f"{x:{'+' if difference and x else ''},.{digits}f}"
    if m.format != "share":
        return text
    if difference:
        return f"{text} pp" if lang == "en" else f"{text}个百分点"
    return f"{text}%"


# ---------------------------------------------------------------------------------------------- frames


def kpis(scenario: Scenario | None = None) -> pd.DataFrame:
    """Every KPI a run of `scenario` reports (of the default scenario without one), in the order of
    `simbranch.run.kpi_names`: one row per KPI with `name`, `label_en`, `label_zh`, `unit_en`,
    `unit_zh`, `better`, `format`, `decimals` and `relative_ok`."""
    from simbranch.run import kpi_names

    rows = [asdict(measure(name)) for name in kpi_names(scenario)]
    return pd.DataFrame(rows).drop(columns="flow")


def levers() -> pd.DataFrame:
    """The lever sections of a scenario: `name`, `label_en`, `label_zh`, `description_en`, `description_zh`."""
    return pd.DataFrame([asdict(n) for n in LEVERS.values()])


def policies() -> pd.DataFrame:
    """The baseline and the preset policies: `name`, `label_en`, `label_zh`, `description_en`, `description_zh`."""
    return pd.DataFrame([asdict(n) for n in POLICIES.values()])
