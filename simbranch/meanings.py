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
  `POLICIES`: every preset policy of `simbranch/scenarios/policies/` and the baseline, each with a label and
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
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

if TYPE_CHECKING:
    from simbranch.scenario import Scenario

__all__ = [
    "ENTRIES",
    "FORMATS",
    "LANGS",
    "LEVERS",
    "MEASURES",
    "PARAMETERS",
    "POLICIES",
    "TIERS",
    "TIER_BASES",
    "Measure",
    "Named",
    "UnknownName",
    "better",
    "bounds",
    "currency_unit",
    "description",
    "find",
    "fmt",
    "kpis",
    "label",
    "levers",
    "measure",
    "money",
    "parameter_label",
    "policies",
    "readable",
    "title",
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
    """A name the registry holds no meaning for.

    A `LookupError` whose message says what the registry does know. `measure`, `label`,
    `parameter_label`, `description`, `unit`, `bounds`, `better`, `fmt` and `title` raise it;
    `find` and ``label(name, default=...)`` give a fallback instead. It is built, as any exception,
    from its message.

    Raises
    ------
    TypeError
        If given keyword arguments (an exception takes its arguments by position only).

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> try:
    ...     m.measure("no_such_kpi")
    ... except m.UnknownName as error:
    ...     print(str(error).split(":")[0])
    no meaning recorded for 'no_such_kpi'
    """

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Measure:
    """What a KPI or a column of the result frames means and how to show it.

    The registry's entries (`MEASURES`, and the per-tier KPIs that `find` derives) are measures;
    figures, reports and tables read them through `measure`, `label`, `unit`, `fmt` and the like.

    Parameters
    ----------
    name : str
        The code name: a KPI, a column of a run's daily frame, or of its managers or clients frame.
    label_en, label_zh : str
        What it is called, in English and in Chinese.
    unit_en, unit_zh : str
        Its unit, in English and in Chinese.
    better : {"higher", "lower", "neither"}
        Which way is better; "neither" for a volume or an input, such as arrivals or hours in
        training.
    format : str
        How a value is written: one of `FORMATS`.
    decimals : int
        Digits after the decimal point (of the percentage, for a share).
    relative_ok : bool
        Whether a relative change ("+5 %") means something: true for counts, money and hours only.
    flow : bool, default False
        Whether it is an amount accumulated over time (a count, hours or money), so that a daily
        column of it is per day.

    Raises
    ------
    TypeError
        If an argument is missing (the constructor checks nothing else).

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> nps = m.measure("nps")
    >>> nps.better, nps.format, nps.relative_ok
    ('higher', 'index', False)
    """

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
    """A lever section or a policy: its label and a one-line description in both languages.

    The entries of `LEVERS` and `POLICIES`, read through `label` and `description`.

    Parameters
    ----------
    name : str
        The code name: a lever section of a scenario, or a preset policy (or "baseline").
    label_en, label_zh : str
        What it is called, in English and in Chinese.
    description_en, description_zh : str
        What it does, in one line, in English and in Chinese.

    Raises
    ------
    TypeError
        If an argument is missing (the constructor checks nothing else).

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> m.LEVERS["training"].label_en
    'Training'
    """

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

#: The preset policies of `simbranch/scenarios/policies/` (by file name) and the baseline every comparison has.
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


#: Short labels of the scenario's parameters (dotted paths, as sweeps, calibration and robustness name
#: them) in English and Chinese, for axes and tables. A named table's entry (a tier, a level, a
#: request type) is written `*`: `clients.tiers.*.expected_quality` labels the field of every tier,
#: and the entry's own name is added (`parameter_label`). On/off switches and texts are left out.
PARAMETERS: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------------------- branch
    "branch.hours_per_day": ("Contracted hours per day", "每日合同工时"),
    "branch.days_per_year": ("Working days per year", "每年工作日数"),
    "branch.horizon_days": ("Days measured", "统计天数"),
    "branch.warmup_days": ("Warm-up days", "预热天数"),
    # ------------------------------------------------------------------------- clients
    "clients.count": ("Clients at the start", "期初客户数"),
    "clients.tiers.*.share": ("Share of clients", "客户占比"),
    "clients.tiers.*.importance": ("Importance rank", "重要性等级"),
    "clients.tiers.*.value_median": ("Median annual value of a client", "客户年价值中位数"),
    "clients.tiers.*.value_sigma": ("Spread of client value (log-sd)", "客户价值离散度(对数标准差)"),
    "clients.tiers.*.requests_per_year": ("Requests per client per year", "每位客户每年请求数"),
    "clients.tiers.*.am_share.service": ("Share of service requests reaching the AM", "服务请求转至客户经理的比例"),
    "clients.tiers.*.am_share.sales": ("Share of sales opportunities reaching the AM", "销售机会转至客户经理的比例"),
    "clients.tiers.*.am_share.complaint": ("Share of complaints reaching the AM", "投诉转至客户经理的比例"),
    "clients.tiers.*.wait_tolerance_h": ("Wait a client accepts", "客户可接受的等待时间"),
    "clients.tiers.*.contact_gap_days": ("Expected days between contacts", "客户期望的联系间隔天数"),
    "clients.tiers.*.expected_quality": ("Expected service quality", "客户期望的服务质量"),
    "clients.tiers.*.complexity": ("Complexity of needs", "需求复杂度"),
    "clients.domains": ("Client domains", "客户行业构成"),
    "clients.domain_complexity": ("Complexity added by domain", "行业附加复杂度"),
    "clients.complexity_sd": ("Spread of needs complexity", "需求复杂度离散度"),
    "clients.churn.base_rate_per_year": ("Avoidable churn rate", "可避免的客户流失率"),
    "clients.churn.unavoidable_rate_per_year": ("Unavoidable churn rate", "不可避免的客户流失率"),
    "clients.churn.satisfaction_ref": ("Reference satisfaction of churn", "流失参考满意度"),
    "clients.churn.sensitivity": ("Churn sensitivity to satisfaction", "流失对满意度的敏感度"),
    "clients.inflow.rate_per_year": ("New clients per year (share of the book)", "每年新增客户(占期初客户比例)"),
    "clients.inflow.referral_sensitivity": ("Referrals' sensitivity to satisfaction", "客户推荐对满意度的敏感度"),
    "clients.satisfaction.initial_mean": ("Satisfaction when expectations are met", "期望得到满足时的满意度"),
    "clients.satisfaction.disposition_sd": ("Spread of clients' disposition", "客户评价倾向的离散度"),
    "clients.satisfaction.learning_rate": ("Weight of one contact in satisfaction", "单次服务对满意度的权重"),
    "clients.satisfaction.proactive_rate": ("Weight of a proactive call in satisfaction", "主动联系对满意度的权重"),
    "clients.satisfaction.quality_noise_sd": ("Noise of perceived quality", "感知服务质量的随机波动"),
    "clients.satisfaction.wait_penalty_per_h": (
        "Satisfaction lost per hour of extra wait", "超时等待每小时的满意度损失"),
    "clients.satisfaction.wait_penalty_max": ("Largest satisfaction loss from one wait", "单次等待的最大满意度损失"),
    "clients.satisfaction.abandon_penalty": ("Satisfaction lost when a client gives up", "客户放弃请求时的满意度损失"),
    "clients.satisfaction.neglect_rate_per_day": ("Satisfaction lost per day of neglect", "久未联系每天的满意度损失"),
    "clients.relationships.build_days": ("Days to build a relationship", "客户关系建立时间"),
    "clients.relationships.decay_days": ("Days for a relationship to fade", "客户关系淡化时间"),
    "clients.relationships.initial_years": ("Initial relationship length", "期初客户关系年限"),
    "clients.relationships.departure_retained": (
        "Relationship kept when the AM leaves", "客户经理离职后保留的客户关系"),
    "clients.relationships.transfer_retained": ("Relationship kept on a handover", "客户移交时保留的客户关系"),
    "clients.relationships.quality_effect": ("Quality gained from the relationship", "客户关系带来的服务质量提升"),
    "clients.relationships.sales_effect": ("Sales effect of the relationship", "客户关系对销售的影响"),
    "clients.relationships.loyalty_effect": ("Loyalty effect of the relationship", "客户关系对客户忠诚度的影响"),
    "clients.relationships.follow_share": ("Top clients following a departing AM", "随离职客户经理流失的重要客户比例"),
    "clients.relationships.handover_churn": (
        "Extra churn of top clients on a handover", "客户经理更换时重要客户的额外流失"),
    # ------------------------------------------------------------------------- requests
    "requests.types.*.share": ("Share of requests", "请求占比"),
    "requests.types.*.service_time.mean_h": ("Mean handling time", "平均办理时长"),
    "requests.types.*.service_time.cv": ("Variation of handling time", "办理时长变异系数"),
    "requests.priority_head_start_h": ("Queue head start of important clients", "重要客户的排队优先时长"),
    "requests.complaint_sensitivity": ("Complaints' sensitivity to satisfaction", "投诉对满意度的敏感度"),
    "requests.complexity_time": ("Handling time per unit of complexity", "复杂度对办理时长的影响"),
    "requests.patience.mean_h": ("Mean patience of a client", "客户平均耐心时长"),
    "requests.patience.cv": ("Variation of patience", "耐心时长变异系数"),
    # ------------------------------------------------------------------------- managers
    "managers.count": ("AM positions", "客户经理岗位数"),
    "managers.levels.*.share": ("Share of AMs", "客户经理占比"),
    "managers.levels.*.salary_per_year": ("Annual salary", "年薪"),
    "managers.levels.*.skill_mean": ("Mean initial skill", "期初平均专业能力"),
    "managers.skill_floor": ("Skill floor", "专业能力下限"),
    "managers.skill_sd": ("Spread of initial skill", "期初专业能力离散度"),
    "managers.effort_split": ("Effort on selling rather than service", "用于销售而非服务的精力比例"),
    "managers.focus_effect": ("Quality lost to sales pressure", "销售压力造成的服务质量损失"),
    "managers.complexity_focus": ("Extra cost of sales pressure on complex needs", "复杂需求下销售压力的额外代价"),
    "managers.skill_effects.reference": ("Reference skill", "参考专业能力"),
    "managers.skill_effects.speed": ("Speed gained from product skill", "产品知识对办理速度的影响"),
    "managers.skill_effects.quality_base": ("Base quality of a contact", "基础服务质量"),
    "managers.skill_effects.competence_effect": ("Quality gained from competence", "专业能力带来的服务质量提升"),
    "managers.skill_effects.complexity_need": ("Skill needed per unit of complexity", "单位复杂度所需专业能力"),
    "managers.skill_effects.specialty_bonus": ("Quality bonus of a specialist", "专长匹配的服务质量加成"),
    "managers.skill_effects.specialty_speed": ("Time saved by a specialist", "专长匹配节省的办理时间"),
    "managers.learning.rate_per_contact": ("Learning per contact", "每次服务的学习效果"),
    "managers.learning.ceiling": ("Skill ceiling", "专业能力上限"),
    "managers.learning.novice_multiplier": ("Extra learning of a new AM", "新客户经理的额外学习速度"),
    "managers.learning.novice_days": ("Days the novice boost lasts", "新手学习加速的持续时间"),
    "managers.learning.experience_floor_gain": ("Skill floor gained with experience", "经验带来的能力下限提升"),
    "managers.learning.experience_years": ("Years to gain experience", "积累经验所需年数"),
    "managers.decay.half_life_days": ("Half-life of unused skill", "未使用技能的半衰期"),
    "managers.workday.admin_fixed_h": ("Fixed administration per day", "每日固定行政事务时长"),
    "managers.workday.admin_per_client_h": ("Administration per client per year", "每位客户每年的行政事务时长"),
    "managers.workday.proactive_h": ("Planned proactive hours per day", "每日计划主动联系客户时长"),
    "managers.workday.contact_h": ("Length of a proactive contact", "单次主动联系时长"),
    "managers.workday.sales_call_gap_days": ("Days between sales calls to a client", "对同一客户营销电话的间隔天数"),
    "managers.workday.review_min_due": ("Reviews from this share of the contact gap", "达到联系间隔此比例后回访"),
    "managers.workday.overtime_cap_h": ("Most overtime per day", "每日加班上限"),
    "managers.workday.proactive_overtime_share": (
        "Undone proactive work made up in overtime", "以加班补做的主动工作比例"),
    "managers.workday.overtime_premium": ("Overtime pay rate", "加班工资倍数"),
    "managers.workday.admin_backlog_max_days": ("Most administration that piles up", "行政事务积压上限"),
    "managers.stress.initial": ("Initial stress", "期初工作压力"),
    "managers.stress.load_threshold": ("Workload above which stress builds", "产生压力的工作负荷阈值"),
    "managers.stress.build_rate": ("Stress from workload", "工作负荷带来的压力"),
    "managers.stress.overtime_stress": ("Stress per hour of overtime", "每小时加班带来的压力"),
    "managers.stress.backlog_stress": ("Stress per day of backlog", "每天积压工作带来的压力"),
    "managers.stress.complaint_stress": ("Stress per complaint", "每件投诉带来的压力"),
    "managers.stress.background_pressure": ("Daily pressure of the job", "岗位本身的日常压力"),
    "managers.stress.recovery_rate": ("Daily recovery from stress", "每日压力恢复比例"),
    "managers.stress.leave_recovery_rate": ("Recovery from stress on leave", "休假期间的压力恢复比例"),
    "managers.stress.climate": ("Work climate (stress multiplier)", "工作氛围(压力倍数)"),
    "managers.stress.noise_sd": ("Daily noise of stress", "压力的日常随机波动"),
    "managers.stress.optimum": ("Stress at which quality peaks", "服务质量最佳时的压力水平"),
    "managers.stress.quality_effect": ("Quality lost to stress", "压力造成的服务质量损失"),
    "managers.exhaustion.initial_mean": ("Initial exhaustion", "期初情绪耗竭程度"),
    "managers.exhaustion.stress_threshold": ("Stress above which exhaustion builds", "产生情绪耗竭的压力阈值"),
    "managers.exhaustion.recovery_block": ("How much stress blocks recovery", "压力对恢复的阻碍程度"),
    "managers.exhaustion.build_rate": ("Exhaustion from stress", "压力导致的情绪耗竭"),
    "managers.exhaustion.recovery_rate": ("Daily recovery from exhaustion", "每日情绪耗竭恢复比例"),
    "managers.exhaustion.leave_recovery": ("Recovery from exhaustion on leave", "休假期间的情绪耗竭恢复"),
    "managers.exhaustion.susceptibility_sd": ("Spread of susceptibility to exhaustion", "情绪耗竭易感性的离散度"),
    "managers.exhaustion.high_threshold": ("Exhaustion counted as high", "高度情绪耗竭的阈值"),
    "managers.exhaustion.burnout_threshold": ("Exhaustion counted as burnout", "职业倦怠的阈值"),
    "managers.exhaustion.quality_effect": ("Quality lost to exhaustion", "情绪耗竭造成的服务质量损失"),
    "managers.exhaustion.sales_effect": ("Sales lost to exhaustion", "情绪耗竭造成的销售损失"),
    "managers.exhaustion.absence_effect": ("Sick days from exhaustion", "情绪耗竭导致的病假"),
    "managers.exhaustion.quit_effect": ("Quits from exhaustion", "情绪耗竭导致的离职"),
    "managers.exhaustion.motivation_effect": ("Motivation lost to exhaustion", "情绪耗竭造成的积极性下降"),
    "managers.absence.sick_days_per_year": ("Sick days per year", "每年病假天数"),
    "managers.absence.stress_sensitivity": ("Sick days' sensitivity to stress", "病假对压力的敏感度"),
    "managers.absence.leave_days_per_year": ("Annual leave days", "每年年假天数"),
    "managers.absence.leave_block_days": ("Length of a leave block", "单次休假天数"),
    "managers.motivation.initial": ("Initial motivation", "期初工作积极性"),
    "managers.motivation.adjust_rate": ("Daily adjustment of motivation", "工作积极性的每日调整比例"),
    "managers.motivation.ceiling_gain": ("Most motivation levers can add", "管理措施可提升积极性的上限"),
    "managers.motivation.quality_effect": ("Quality gained from motivation", "工作积极性带来的服务质量提升"),
    "managers.effort.pay_response": ("Effort's response to pay at risk", "精力分配对浮动薪酬的反应"),
    "managers.effort.intensity_max": ("Most extra effort from incentives", "激励可带来的最大额外投入"),
    "managers.effort.intensity_scale": (
        "Incentive strength for most of the extra effort", "达到大部分额外投入所需的激励强度"),
    "managers.effort.effort_stress": ("Stress from extra effort", "额外投入带来的压力"),
    "managers.turnover.hazard_first_3m": ("Quit rate in the first 3 months", "入职前3个月的离职率"),
    "managers.turnover.hazard_3_12m": ("Quit rate in months 3 to 12", "入职3至12个月的离职率"),
    "managers.turnover.hazard_second_year": ("Quit rate in the second year", "入职第二年的离职率"),
    "managers.turnover.base_rate_per_year": ("Quit rate after two years", "入职两年后的离职率"),
    "managers.turnover.motivation_sensitivity": ("Quits' sensitivity to motivation", "离职对工作积极性的敏感度"),
    "managers.turnover.pay_sensitivity": ("Quits' sensitivity to pay", "离职对薪酬的敏感度"),
    "managers.turnover.market_pay_ratio": ("Market pay relative to the branch's", "市场薪酬与本行薪酬之比"),
    "managers.turnover.replacement_cost_share": ("Cost of a departure (share of salary)", "人员流失成本(占年薪比例)"),
    "managers.hiring.delay_days": ("Days to fill a vacancy", "岗位空缺填补天数"),
    "managers.hiring.delay_cv": ("Variation of the hiring delay", "招聘周期变异系数"),
    "managers.hiring.expedite_backlog_days": ("Backlog that speeds up hiring", "加快招聘的积压阈值"),
    "managers.hiring.expedite_factor": ("Hiring delay when overloaded", "超负荷时的招聘周期比例"),
    "managers.hiring.new_hire_skill": ("Skill of a new hire", "新入职客户经理的专业能力"),
    "managers.hiring.skill_sd": ("Spread of new hires' skill", "新入职客户经理专业能力的离散度"),
    # ------------------------------------------------------------------------- sales and costs
    "sales.base_conversion": ("Conversion of a client's sales opportunity", "客户销售机会的成交率"),
    "sales.outreach_conversion": ("Conversion of a proactive sales call", "主动营销电话的成交率"),
    "sales.review_conversion": ("Sales from a service review", "回访带来的成交率"),
    "sales.sales_skill_effect": ("Sales effect of sales skill", "销售技巧对成交的影响"),
    "sales.product_skill_effect": ("Sales effect of product knowledge", "产品知识对成交的影响"),
    "sales.satisfaction_effect": ("Sales effect of satisfaction", "客户满意度对成交的影响"),
    "sales.effort_effect": ("Sales effect of selling effort", "销售投入对成交的影响"),
    "sales.motivation_effect": ("Sales effect of motivation", "工作积极性对成交的影响"),
    "sales.need_days": ("Days for a client's need to recover", "客户需求恢复天数"),
    "sales.amount_share": ("Mean sale (share of client value)", "平均销售额(占客户年价值比例)"),
    "sales.amount_sigma": ("Spread of sale amounts", "销售额离散度"),
    "sales.mis_selling": ("Chance of mis-selling", "不当销售的概率"),
    "sales.mis_selling_penalty": ("Satisfaction lost to mis-selling", "不当销售造成的满意度损失"),
    "costs.overhead_per_am_per_year": ("Overhead per AM per year", "每位客户经理的年度管理费用"),
    # ------------------------------------------------------------------------- levers
    "allocation.rule": ("Allocation rule", "客户分配方式"),
    "allocation.portfolio_cap": ("Most clients per AM", "每位客户经理的客户上限"),
    "allocation.rebalance_interval_days": ("Days between book rebalancing", "客户再平衡间隔天数"),
    "allocation.follow_up_days": ("CRM follow-up after days without contact", "CRM提醒跟进的未联系天数"),
    "allocation.memory_sd": ("AMs' memory error without CRM", "无CRM时客户经理的记忆误差"),
    "allocation.crm_skill_weight": ("CRM routing: weight of skill", "CRM分配:专业能力权重"),
    "allocation.crm_load_weight": ("CRM routing: weight of workload", "CRM分配:工作量权重"),
    "allocation.crm_specialty_bonus": ("CRM routing: specialist bonus", "CRM分配:专长加分"),
    "allocation.crm_owner_bonus": ("CRM routing: own AM bonus", "CRM分配:原客户经理加分"),
    "allocation.specialty_tolerance": ("Load a specialist may carry", "专长客户经理可承受的工作量倍数"),
    "allocation.rebalance_margin": ("Load that triggers rebalancing", "触发再平衡的工作量倍数"),
    "training.areas": ("Training content", "培训内容"),
    "training.interval_days": ("Days between training sessions", "培训间隔天数"),
    "training.length_days": ("Days per training session", "每期培训天数"),
    "training.attendees": ("Who is trained", "培训对象"),
    "training.new_hire_days": ("Tenure counted as new hire", "新员工的认定期限"),
    "training.lowest_share": ("Share of lowest assessed AMs trained", "参加培训的考核靠后者比例"),
    "training.capacity": ("Most attendees per session", "每期培训人数上限"),
    "training.groups": ("Training groups", "培训分组数"),
    "training.ceiling": ("Skill a course can bring", "培训可达到的专业能力"),
    "training.gain": ("Skill gained in a course", "培训带来的能力提升"),
    "training.transfer_share": ("Attendees who apply the training", "学以致用的参训者比例"),
    "training.cost_per_attendee_day": ("Course cost per attendee and day", "每人每天的培训费用"),
    "assessment.interval_days": ("Days between assessments", "考核间隔天数"),
    "assessment.noise_sd": ("Measurement error of an assessment", "考核的测量误差"),
    "assessment.skill_weight": ("Weight of tested skill in the score", "能力测试在考核中的权重"),
    "assessment.low_share": ("Share of AMs flagged by assessment", "考核靠后需改进的比例"),
    "assessment.action": ("What a low score triggers", "考核得分低的后续措施"),
    "assessment.plan_learning_boost": ("Extra learning in a development plan", "改进计划期间的额外学习速度"),
    "assessment.plan_days": ("Length of a development plan", "改进计划时长"),
    "assessment.cost_per_am": ("Cost of assessing an AM", "每位客户经理的考核费用"),
    "incentives.scheme": ("Pay scheme", "薪酬激励方式"),
    "incentives.evaluation_interval_days": ("Days between evaluations", "绩效评估间隔天数"),
    "incentives.weights.sales": ("Scorecard weight of sales", "考核权重:销售额"),
    "incentives.weights.growth": ("Scorecard weight of growth", "考核权重:销售增长率"),
    "incentives.weights.clients": ("Scorecard weight of clients held", "考核权重:客户数量"),
    "incentives.weights.satisfaction": ("Scorecard weight of satisfaction", "考核权重:客户满意度"),
    "incentives.weights.complaints": ("Scorecard weight of complaints", "考核权重:投诉情况"),
    "incentives.weights.follow_up": ("Scorecard weight of follow-up", "考核权重:客户跟进"),
    "incentives.commission_rate": ("Commission rate", "销售提成比例"),
    "incentives.pay_at_risk": ("Variable pay (share of salary)", "浮动薪酬(占薪酬比例)"),
    "incentives.motivation_response": ("Motivation from pay at risk", "浮动薪酬对积极性的激励"),
    "incentives.weak_response": ("Extra response of weaker AMs", "能力较弱者的额外反应"),
    "incentives.team_factor": ("Strength of a team bonus", "团队奖金的激励强度"),
    "incentives.pressure": ("Stress from pay at risk", "浮动薪酬带来的压力"),
    "surveys.interval_days": ("Days between surveys", "满意度调查间隔天数"),
    "surveys.sample_share": ("Share of clients invited", "受邀参加调查的客户比例"),
    "surveys.response_rate": ("Survey response rate", "调查回复率"),
    "surveys.noise_sd": ("Noise of a survey answer", "调查回答的随机误差"),
    "surveys.feedback_delay_days": ("Days from survey to feedback", "调查到反馈的天数"),
    "surveys.min_responses": ("Fewest answers for feedback", "反馈所需的最少答卷数"),
    "surveys.feedback_effect": ("Quality gained from feedback", "反馈带来的服务质量提升"),
    "surveys.backfire_share": ("Chance that feedback backfires", "反馈适得其反的概率"),
    "surveys.backfire_effect": ("Quality lost when feedback backfires", "反馈适得其反时的质量损失"),
    "surveys.effect_half_life_days": ("Half-life of a feedback effect", "反馈效果的半衰期"),
    "surveys.below_team_scale": ("Gap to the team that doubles feedback's effect", "反馈效果加倍所对应的团队差距"),
    "surveys.cost_per_response": ("Cost of a survey answer", "每份答卷的费用"),
    "careers.review_interval_days": ("Days between promotion reviews", "晋升评审间隔天数"),
    "careers.min_years_at_level": ("Years at a level before promotion", "晋升前的任职年限"),
    "careers.top_share": ("Share of eligible AMs promoted", "符合条件者的晋升比例"),
    "careers.max_senior_share": ("Most senior positions (share)", "高级岗位比例上限"),
    "careers.motivation_boost": ("Motivation gained on promotion", "晋升带来的积极性提升"),
    "careers.visibility_effect": ("Fewer quits with an open path", "晋升通道畅通时离职减少"),
    "careers.drive": ("Effort from an open career path", "晋升通道带来的工作投入"),
    "careers.blocked_effect": ("More quits when passed over", "晋升落选后离职增加"),
    "communication.meeting_interval_days": ("Days between team meetings", "团队会议间隔天数"),
    "communication.meeting_length_h": ("Length of a team meeting", "团队会议时长"),
    "communication.knowledge_sharing": ("Skill gap closed per meeting", "每次会议缩小的能力差距"),
    "communication.escalation_speedup": ("Complaint time saved by escalation", "及时上报节省的投诉处理时间"),
    "wellbeing.reach": ("Share of AMs using the programme", "使用心理健康支持的客户经理比例"),
    "wellbeing.recovery_boost": ("Extra recovery from stress", "额外的压力恢复"),
    "wellbeing.build_reduction": ("Slower build-up of stress", "压力积累减缓"),
    "wellbeing.sick_reduction": ("Fewer sick days", "病假减少"),
    "wellbeing.ramp_days": ("Days for the programme to take effect", "心理健康支持见效天数"),
    "wellbeing.climate": ("Work climate with support (stress multiplier)", "支持下的工作氛围(压力倍数)"),
    "wellbeing.cost_per_user_per_year": ("Programme cost per user per year", "每位使用者的年度费用"),
    # ------------------------------------------------------------------------- switches and distributions
    "clients.churn.enabled": ("Client churn modelled", "模拟客户流失"),
    "clients.inflow.enabled": ("New clients modelled", "模拟新增客户"),
    "clients.satisfaction.enabled": ("Satisfaction dynamics modelled", "模拟客户满意度变化"),
    "clients.relationships.enabled": ("Client relationships modelled", "模拟客户关系"),
    "requests.types.*.service_time.dist": ("Distribution of handling time", "办理时长分布"),
    "requests.priority_by_tier": ("Important clients served first", "重要客户优先办理"),
    "requests.complaints_follow_satisfaction": ("Complaints follow satisfaction", "投诉随满意度变化"),
    "requests.patience.enabled": ("Clients give up waiting", "客户会放弃等待"),
    "requests.patience.dist": ("Distribution of patience", "耐心时长分布"),
    "managers.skill_effects.enabled": ("Skill effects modelled", "模拟专业能力的影响"),
    "managers.learning.enabled": ("Learning on the job modelled", "模拟在岗学习"),
    "managers.decay.enabled": ("Skill decay modelled", "模拟技能衰退"),
    "managers.workday.enabled": ("Working-time budget modelled", "模拟工作时间分配"),
    "managers.workday.overtime_paid": ("Overtime paid", "支付加班工资"),
    "managers.stress.enabled": ("Stress modelled", "模拟工作压力"),
    "managers.exhaustion.enabled": ("Emotional exhaustion modelled", "模拟情绪耗竭"),
    "managers.absence.enabled": ("Sickness and leave modelled", "模拟病假与休假"),
    "managers.motivation.enabled": ("Motivation modelled", "模拟工作积极性"),
    "managers.turnover.enabled": ("AM turnover modelled", "模拟客户经理离职"),
    "allocation.cover_absent": ("Colleagues cover an absent AM", "同事代为服务缺勤者的客户"),
    "training.enabled": ("Training programme", "实施培训计划"),
    "assessment.enabled": ("Periodic assessment", "实施定期考核"),
    "surveys.enabled": ("Satisfaction surveys", "实施满意度调查"),
    "surveys.feedback": ("Survey results fed back", "反馈调查结果"),
    "surveys.feeds_scorecard": ("Scorecard uses the survey", "考核采用调查结果"),
    "careers.enabled": ("Career path", "实施职业发展路径"),
    "communication.enabled": ("Team meetings", "召开团队会议"),
    "wellbeing.enabled": ("Mental-health support", "提供心理健康支持"),
}

#: Names of the default entries of the named tables (levels of AMs, request types), in both languages.
ENTRIES: dict[str, tuple[str, str]] = {
    "junior": ("junior AMs", "初级客户经理"), "senior": ("senior AMs", "高级客户经理"),
    "principal": ("principal AMs", "资深客户经理"),
    "service": ("service requests", "服务请求"), "sales": ("sales requests", "销售请求"),
    "complaint": ("complaints", "投诉"),
}


# ---------------------------------------------------------------------------------------------- look-up


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; the registry has {', '.join(map(repr, LANGS))}")
    return lang


def find(name: str) -> Measure | None:
    """Return the meaning of a KPI or result column, or None if the registry does not know `name`.

    A per-tier KPI (`satisfaction_<tier>`, `client_churn_rate_<tier>`, for any tier name) is its
    base KPI with the tier's name in the label; a lever section or preset policy is no KPI, whatever
    its name begins with.

    Parameters
    ----------
    name : str
        A KPI, a column of a run's daily frame, or a per-AM or per-client column.

    Returns
    -------
    Measure or None
        Its meaning; None for a name the registry does not know.

    Raises
    ------
    TypeError
        If `name` is not a string.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> m.find("satisfaction_vip").label_en
    'Client satisfaction: VIP clients'
    >>> m.find("no_such_column") is None
    True
    """
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
    """Return the meaning of a KPI or result column; `UnknownName` if the registry does not know it.

    As `find`, but a name the registry does not know is an error rather than None.

    Parameters
    ----------
    name : str
        A KPI, a column of a run's daily frame, or a per-AM or per-client column.

    Returns
    -------
    Measure
        Its labels and units in both languages, better direction, format and digits.

    Raises
    ------
    UnknownName
        If the registry does not know `name`.
    TypeError
        If `name` is not a string.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> m.measure("wait_mean_h").unit_en
    'hours'
    """
    found = find(name)
    if found is None:
        raise UnknownName(f"no meaning recorded for {name!r}: not a KPI (simbranch.meanings.kpis()), a daily "
                          f"column or a per-AM or per-client column the registry knows")
    return found


def _named(name: str) -> Named | None:
    return LEVERS.get(name) or POLICIES.get(name)


#: The named tables of a scenario whose entries a parameter's path names, and what an entry not among
#: the defaults is called (English, Chinese).
_TABLES: dict[str, tuple[dict[str, tuple[str, str]], str, str]] = {
    "clients.tiers.": (TIERS, "tier {}", "{}类客户"),
    "managers.levels.": (ENTRIES, "level {}", "{}级客户经理"),
    "requests.types.": (ENTRIES, "{} requests", "{}类请求"),
}


def parameter_label(path: str, lang: str = "en", default: str | None = None) -> str:
    """Return what a scenario parameter (a dotted path) is called, in `lang`.

    A path such as "allocation.follow_up_days" or "clients.tiers.vip.expected_quality" is called
    "CRM follow-up after days without contact", "客户期望的服务质量(贵宾客户)": an entry of a named
    table (a tier, a level, a request type) adds the entry's name. A path the registry does not
    know gives `default` when one is given and raises `UnknownName` otherwise.

    Parameters
    ----------
    path : str
        A dotted path of a scenario's field, as sweeps, calibration and robustness name them.
    lang : {"en", "zh"}
        Language of the label.
    default : str, optional
        What a path the registry does not know is called; without it, such a path is an error.

    Returns
    -------
    str
        The label.

    Raises
    ------
    UnknownName
        If the registry has no label for `path` and no `default` is given.
    ValueError
        If `lang` is not one of `LANGS`.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> m.parameter_label("allocation.follow_up_days")
    'CRM follow-up after days without contact'
    >>> m.parameter_label("clients.tiers.vip.expected_quality", "zh")
    '客户期望的服务质量(贵宾客户)'
    """
    _lang(lang)
    generic, entry = path, None
    for prefix, (names, en, zh) in _TABLES.items():
        head, _, field = path[len(prefix):].partition(".")
        if path.startswith(prefix) and head and field:
            generic = f"{prefix}*.{field}"
            entry = names.get(head, (en.format(head), zh.format(head)))
            break
    found = PARAMETERS.get(generic)
    if found is None:
        if default is not None:
            return default
        raise UnknownName(f"no label recorded for the parameter {path!r} (simbranch.meanings.PARAMETERS)")
    text = found[0] if lang == "en" else found[1]
    if entry is None:
        return text
    return f"{text}: {entry[0]}" if lang == "en" else f"{text}({entry[1]})"


def label(name: str, lang: str = "en", default: str | None = None) -> str:
    """Return what a KPI, result column, lever section, preset policy or scenario parameter is called.

    In `lang` ("en" or "zh"); a scenario parameter is a dotted path (`parameter_label`). An unknown
    name gives `default` when one is given (`label(name, default=name)` shows a user's own policy
    or column under its code name) and raises `UnknownName` otherwise.

    Parameters
    ----------
    name : str
        A KPI, result column, lever section, preset policy or dotted path of a scenario parameter.
    lang : {"en", "zh"}
        Language of the label.
    default : str, optional
        What a name the registry does not know is called; without it, such a name is an error.

    Returns
    -------
    str
        The label.

    Raises
    ------
    UnknownName
        If the registry has no label for `name` and no `default` is given.
    ValueError
        If `lang` is not one of `LANGS`.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> m.label("nps", "zh")
    '净推荐值 NPS'
    >>> m.label("training"), m.label("clients.count")
    ('Training', 'Clients at the start')
    >>> m.label("my_policy", default="my_policy")
    'my_policy'
    """
    _lang(lang)
    entry = find(name) or _named(name)
    if entry is None:
        known = parameter_label(name, lang, default="") if "." in name else ""
        if known:
            return known
        if default is not None:
            return default
        raise UnknownName(f"no label recorded for {name!r}: not a KPI, result column, lever section "
                          f"({', '.join(LEVERS)}), preset policy ({', '.join(POLICIES)}) or scenario parameter")
    return entry.label_en if lang == "en" else entry.label_zh


def description(name: str, lang: str = "en") -> str:
    """Return the one-line description of a lever section or preset policy, in `lang` ("en" or "zh").

    Parameters
    ----------
    name : str
        A lever section of a scenario, a preset policy or "baseline".
    lang : {"en", "zh"}
        Language of the description.

    Returns
    -------
    str
        What the section or policy does, in one line.

    Raises
    ------
    UnknownName
        If `name` is not a lever section or preset policy.
    ValueError
        If `lang` is not one of `LANGS`.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> m.description("training").startswith("Regular courses in sales technique")
    True
    """
    _lang(lang)
    entry = _named(name)
    if entry is None:
        raise UnknownName(f"no description recorded for {name!r}: not a lever section ({', '.join(LEVERS)}) "
                          f"or preset policy ({', '.join(POLICIES)})")
    return entry.description_en if lang == "en" else entry.description_zh


def unit(name: str, lang: str = "en", currency: str | None = None) -> str:
    """Return the unit of a KPI or result column, in `lang` ("en" or "zh").

    Money is in "currency" ("货币单位") unless `currency` names it: then the unit is that
    currency as a reader writes it (`currency_unit`: "CNY", "元"; "CNY per AM-year", "元/人·年").

    Parameters
    ----------
    name : str
        A KPI or result column.
    lang : {"en", "zh"}
        Language of the unit.
    currency : str, optional
        The ISO code of the model's currency (a scenario's ``branch.currency``), for money.

    Returns
    -------
    str
        The unit.

    Raises
    ------
    UnknownName
        If the registry does not know `name`.
    ValueError
        If `lang` is not one of `LANGS`.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> m.unit("wait_mean_h")
    'hours'
    >>> m.unit("revenue_per_am", "zh", currency="CNY")
    '元/人·年'
    """
    m = measure(name)
    text = m.unit_en if _lang(lang) == "en" else m.unit_zh
    if currency is None or m.format != "money":
        return text
    return text.replace(_CUR[0] if lang == "en" else _CUR[1], currency_unit(currency, lang))


def currency_unit(currency: str = "CNY", lang: str = "en") -> str:
    """Return how a currency is written after an amount: its ISO code, except yuan in Chinese ("元").

    Parameters
    ----------
    currency : str
        The currency's ISO code ("CNY", "USD").
    lang : {"en", "zh"}
        Language of the text it follows.

    Returns
    -------
    str
        "元" for CNY in Chinese, else `currency` itself.

    Raises
    ------
    ValueError
        If `lang` is not one of `LANGS`.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> m.currency_unit("CNY"), m.currency_unit("CNY", "zh"), m.currency_unit("USD", "zh")
    ('CNY', '元', 'USD')
    """
    _lang(lang)
    return "元" if lang == "zh" and currency == "CNY" else currency


#: Money that can fall below zero (every other amount of money is a revenue or a cost, never negative).
_SIGNED_MONEY = frozenset({"profit"})


def bounds(name: str) -> tuple[float, float]:
    """Return the range a value of a KPI or result column can take, by its format.

    A share or a 0-1 score 0 to 1, NPS -100 to 100, counts, hours and money 0 and up (profit has no
    bound). A mean and its confidence interval are drawn inside it (an interval of a share below 0
    is the t quantile speaking, not the data).

    Parameters
    ----------
    name : str
        A KPI or result column.

    Returns
    -------
    tuple of float
        The lowest and the highest value (infinite where there is no bound).

    Raises
    ------
    UnknownName
        If the registry does not know `name`.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> m.bounds("exhausted_share"), m.bounds("nps")
    ((0.0, 1.0), (-100.0, 100.0))
    >>> m.bounds("profit")
    (-inf, inf)
    """
    m = measure(name)
    if m.format in ("share", "score"):
        return 0.0, 1.0
    if m.format == "index":
        return -100.0, 100.0
    if m.format == "money" and (name in _SIGNED_MONEY or name.startswith("profit")):
        return -math.inf, math.inf
    return 0.0, math.inf


def better(name: str) -> str:
    """Return which way a KPI or result column is better: "higher", "lower" or "neither".

    "neither" is for a volume or an input, such as requests arrived, utilisation or hours spent in
    training.

    Parameters
    ----------
    name : str
        A KPI or result column.

    Returns
    -------
    {"higher", "lower", "neither"}
        The better direction.

    Raises
    ------
    UnknownName
        If the registry does not know `name`.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> m.better("complaints"), m.better("requests_arrived")
    ('lower', 'neither')
    """
    return measure(name).better


def fmt(name: str, value: float | None, lang: str = "en", *, difference: bool = False,
        decimals: int | None = None, currency: str | None = None, unit: bool = True) -> str:
    """Write a value of a KPI or result column for a reader, without its unit (`unit(name)`).

    Thousands are separated by commas and the registry's digits kept (`decimals` overrides
    them); a share is a percentage ("17.6%"). With `difference=True` the value is a change: it
    gets its sign, and a share's change is in percentage points ("+1.2 pp", "+1.2个百分点").
    A missing value is "n/a" ("无数据").

    With `currency`, an amount of money is written as people write money, with its currency
    (`money`: "1.2M CNY", "35.0万元"; "1.2M", "35.0万" with `unit=False`, where a table or axis
    names the currency once); without, it is a plain number like any other.

    Parameters
    ----------
    name : str
        The KPI or result column the value is of.
    value : float or None
        The value; None or NaN for a missing one.
    lang : {"en", "zh"}
        Language of the text.
    difference : bool
        Whether the value is a change (written with its sign; a share's in percentage points).
    decimals : int, optional
        Digits after the decimal point, instead of the registry's.
    currency : str, optional
        The ISO code of the model's currency: money is then written by `money`, with its currency.
    unit : bool
        With `currency`, whether the currency follows the amount.

    Returns
    -------
    str
        The value as a reader reads it.

    Raises
    ------
    UnknownName
        If the registry does not know `name`.
    ValueError
        If `lang` is not one of `LANGS`, or `value` is text that is no number.
    TypeError
        If `value` is neither a number nor None.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> m.fmt("exhausted_share", 0.176), m.fmt("exhausted_share", 0.012, difference=True)
    ('17.6%', '+1.2 pp')
    >>> m.fmt("revenue", 1234567.0), m.fmt("revenue", 1234567.0, currency="CNY")
    ('1,234,567', '1.2M CNY')
    >>> m.fmt("nps", None, "zh")
    '无数据'
    """
    _lang(lang)
    m = measure(name)
    if value is None or _is_nan(value):
        return _NA[lang]
    if currency is not None and m.format == "money":
        return money(value, lang, currency, difference=difference, unit=unit)
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


_NA = {"en": "n/a", "zh": "无数据"}


def _is_nan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


#: Steps of a large amount: thousands and millions in English, 万 (ten thousand) and 亿 (a hundred
#: million) in Chinese, with the digits kept after the point at each step.
_SCALES: dict[str, tuple[tuple[float, str, int], ...]] = {
    "en": ((1e12, "T", 1), (1e9, "B", 1), (1e6, "M", 1), (1e3, "k", 1)),
    "zh": ((1e12, "万亿", 2), (1e8, "亿", 2), (1e4, "万", 1)),
}


def _scale(size: float, lang: str) -> tuple[float, str, int]:
    """The step a positive amount is written in: (divisor, suffix, digits after the point)."""
    for step in _SCALES[lang]:
        if size >= step[0]:
            return step
    return 1.0, "", 0


def _scaled(value: float, lang: str, tick: bool) -> str:
    """`value` in its step, without sign: "1.2M", "350k", "35.0万"; `tick` drops zeros after the point
    ("1.25M", "35万")."""
    size = abs(value)
    divisor, suffix, digits = _scale(size, lang)
    if lang == "en" and suffix and size / divisor >= 100:
        digits = 0  # 350k, not 350.0k
    if tick:
        digits = 3
    rounded = round(size / divisor, digits) * divisor
    if _scale(rounded, lang)[0] != divisor:  # 999,960 is 1.0M, not 1,000k
        return _scaled(rounded, lang, tick)
    text = f"{size / divisor:,.{digits}f}"
    if tick and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + suffix


def money(value: float | None, lang: str = "en", currency: str = "CNY", *, difference: bool = False,
          unit: bool = True, tick: bool = False) -> str:
    """Write an amount of money as a reader expects it.

    In English with k, M and B ("1.2M CNY", "350k CNY", "850 CNY"), in Chinese with 万 and 亿
    ("35.0万元", "1.20亿元", "8,500元"; another currency after a space: "35.0万 USD").

    `difference=True` writes a change (with its sign: "+1.2M CNY"); `unit=False` leaves the
    currency out (for a table or axis that names it once); `tick=True` is for axis ticks: the
    shortest exact form ("1.25M", "1M", "35万"), without the currency. A missing value is
    "n/a" ("无数据").

    Parameters
    ----------
    value : float or None
        The amount; None or NaN for a missing one.
    lang : {"en", "zh"}
        Language of the text.
    currency : str
        The currency's ISO code.
    difference : bool
        Whether the amount is a change (written with its sign).
    unit : bool
        Whether the currency follows the amount.
    tick : bool
        Whether the text is an axis tick (shortest exact form, no currency).

    Returns
    -------
    str
        The amount as a reader reads it.

    Raises
    ------
    ValueError
        If `lang` is not one of `LANGS`, or `value` is text that is no number.
    TypeError
        If `value` is neither a number nor None.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> m.money(1234567), m.money(350000, "zh"), m.money(-1.2e6, difference=True)
    ('1.2M CNY', '35.0万元', '-1.2M CNY')
    >>> m.money(1.25e6, tick=True)
    '1.25M'
    """
    _lang(lang)
    if value is None or _is_nan(value):
        return _NA[lang]
    x = float(value)
    text = _scaled(x, lang, tick)
    if not any(c in "123456789" for c in text):  # nothing left after rounding: no "-0", no sign on no change
        text, x = "0", 0.0
    sign = "-" if x < 0 else "+" if difference and x > 0 else ""
    text = sign + text
    if tick or not unit:
        return text
    code = currency_unit(currency, lang)
    return f"{text}{code}" if code == "元" else f"{text} {code}"


def title(name: str, lang: str = "en") -> str:
    """Return a KPI's label and which way is better, as a figure's or table's heading.

    "Client satisfaction (higher is better)", "客户满意度(越高越好)"; just the label when neither
    way is better.

    Parameters
    ----------
    name : str
        A KPI or result column.
    lang : {"en", "zh"}
        Language of the heading.

    Returns
    -------
    str
        The heading.

    Raises
    ------
    UnknownName
        If the registry does not know `name`.
    ValueError
        If `lang` is not one of `LANGS`.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> m.title("satisfaction_mean"), m.title("satisfaction_mean", "zh")
    ('Client satisfaction (higher is better)', '客户满意度(越高越好)')
    >>> m.title("requests_arrived")
    'Requests arrived'
    """
    m = measure(name)
    text = label(name, lang)
    if m.better == "neither":
        return text
    if lang == "en":
        return f"{text} ({m.better} is better)"
    return f"{text}(越{'高' if m.better == 'higher' else '低'}越好)"


# ---------------------------------------------------------------------------------------------- frames


def kpis(scenario: Scenario | None = None) -> pd.DataFrame:
    """Return every KPI a run of `scenario` reports, with its meaning.

    In the order of `simbranch.run.kpi_names`: the KPIs of every run, then the per-tier KPIs of the
    scenario's client tiers.

    Parameters
    ----------
    scenario : Scenario, optional
        The scenario whose tiers name the per-tier KPIs; the default scenario without one.

    Returns
    -------
    pandas.DataFrame
        One row per KPI with `name`, `label_en`, `label_zh`, `unit_en`, `unit_zh`, `better`,
        `format`, `decimals` and `relative_ok`.

    Raises
    ------
    AttributeError
        If `scenario` is neither None nor a `simbranch.Scenario`.

    Examples
    --------
    >>> import simbranch as sb
    >>> frame = sb.kpis()
    >>> frame.set_index("name").loc["wait_mean_h", "better"]
    'lower'
    >>> "satisfaction_vip" in set(frame["name"])
    True
    """
    from simbranch.run import kpi_names

    rows = [asdict(measure(name)) for name in kpi_names(scenario)]
    return pd.DataFrame(rows).drop(columns="flow")


def levers() -> pd.DataFrame:
    """Return the lever sections of a scenario, with their labels and descriptions.

    Returns
    -------
    pandas.DataFrame
        One row per lever section (`LEVERS`) with `name`, `label_en`, `label_zh`, `description_en`
        and `description_zh`.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> frame = m.levers()
    >>> frame.set_index("name").loc["training", "label_en"]
    'Training'
    """
    return pd.DataFrame([asdict(n) for n in LEVERS.values()])


def policies() -> pd.DataFrame:
    """Return the baseline and the preset policies, with their labels and descriptions.

    Returns
    -------
    pandas.DataFrame
        One row per policy (`POLICIES`, the baseline first) with `name`, `label_en`, `label_zh`,
        `description_en` and `description_zh`.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> frame = m.policies()
    >>> {"baseline", "crm_routing"} <= set(frame["name"])
    True
    """
    return pd.DataFrame([asdict(n) for n in POLICIES.values()])


def readable(values: Mapping[str, float], lang: str = "en", currency: str = "CNY", *,
             difference: bool = False) -> pd.DataFrame:
    """Write KPIs and their values as a reader wants them in a notebook or a report.

    One row per name with `label`, `value` (written by `fmt`, money in `currency`), `unit` (empty
    where the value carries it) and `better`; the index holds the code names, for code. A name the
    registry does not know keeps its name as label and a plain number.

    Parameters
    ----------
    values : mapping of str to float
        KPI (or result column) and value, as a run's ``kpis`` Series or a dict.
    lang : {"en", "zh"}
        Language of the labels, values and units.
    currency : str
        The ISO code of the model's currency, for money.
    difference : bool
        Whether the values are changes (written with their sign).

    Returns
    -------
    pandas.DataFrame
        Columns `label`, `value`, `unit` and `better` ("↑", "↓" or empty), indexed by code name
        (index name "kpi").

    Raises
    ------
    ValueError
        If `lang` is not one of `LANGS` (checked at the first name the registry knows), or the
        value of such a name is text that is no number.
    TypeError
        If the value of a name the registry knows is neither a number nor None.

    Examples
    --------
    >>> import simbranch.meanings as m
    >>> frame = m.readable({"wait_mean_h": 1.234, "revenue": 1.2e6, "my_column": 3.14159})
    >>> frame["value"].tolist()
    ['1.23', '1.2M CNY', '3.142']
    >>> frame.loc["wait_mean_h", ["unit", "better"]].tolist()
    ['hours', '↓']
    """
    rows = []
    for name, x in values.items():
        found = find(str(name))
        if found is None:
            rows.append({"label": str(name), "value": f"{x:,.4g}" if isinstance(x, int | float) else str(x),
                         "unit": "", "better": ""})
            continue
        money_value = found.format == "money"
        rows.append({"label": label(str(name), lang),
                     "value": fmt(str(name), x, lang, difference=difference, currency=currency),
                     "unit": "" if money_value else unit(str(name), lang),
                     "better": {"higher": "↑", "lower": "↓"}.get(found.better, "")})
    names = [str(n) for n, _ in values.items()]  # not `in values`: a Series iterates over its values
    return pd.DataFrame(rows, index=pd.Index(names, name="kpi"))
