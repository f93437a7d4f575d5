"""The report's words in English and Chinese: every sentence, heading, caption and table header.

One table of phrases, keyed by a short name, each with its English and Chinese form and named
`str.format` fields. `say(key, lang, **fields)` returns the phrase as HTML-safe `Markup` with
the fields escaped (a policy named `<b>` prints as text), so that templates and code can put
phrases together without escaping twice. Fields given as `Markup` (already safe HTML, such as
a bold label) are kept as they are.

KPI, policy and lever names are never written here: they come from `simbranch.meanings`.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

__all__ = ["PHRASES", "phrase", "say"]

PHRASES: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------------ page
    "title": ("Management measures compared on {branch}", "{branch}:管理措施对比"),
    "generated": ("Generated {when}", "生成于 {when}"),
    "overview": ("{policies} measures against today's way of working (the baseline), {reps} replications each on "
                 "common random numbers, seed {seed}; {ams} AMs, {clients} clients, {days} working days measured "
                 "after {warmup} warm-up days.",
                 "{policies}项管理措施与现行做法(基线)对比,每项{reps}次重复模拟,使用共同随机数,随机种子{seed};"
                 "{ams}名客户经理、{clients}户客户,预热{warmup}个工作日后统计{days}个工作日。"),
    "overview_scenarios": ("{policies} measures against today's way of working (the baseline) on {scenarios} "
                           "scenarios (draws of the uncertain parameters) x {reps} replications, seed {seed}; "
                           "{ams} AMs, {clients} clients, {days} working days measured after {warmup} warm-up days "
                           "(first scenario).",
                           "{policies}项管理措施与现行做法(基线)对比,覆盖{scenarios}个情景(不确定参数的抽样)x "
                           "每个情景{reps}次重复,随机种子{seed};{ams}名客户经理、{clients}户客户,预热{warmup}个工作日后"
                           "统计{days}个工作日(第一个情景)。"),
    # ------------------------------------------------------------------ sections
    "h_question": ("The question", "问题"),
    "h_answer": ("The answer", "结论"),
    "h_caveats": ("Before acting on it", "使用结论前请注意"),
    "h_evidence": ("The evidence", "依据"),
    "h_figures": ("Figures", "图表"),
    "h_paired": ("Differences from the baseline", "与基线的差异"),
    "h_summary": ("Each measure's level", "各措施的指标水平"),
    "h_policies": ("What each measure changes", "各措施调整了什么"),
    "h_failed": ("Failed runs ({n})", "失败的模拟({n}次)"),
    "h_scenario": ("Scenario", "情景设定"),
    "h_provenance": ("Provenance", "可复现信息"),
    # ------------------------------------------------------------------ the question
    "question": ("Which of these management measures should {branch} adopt, and what would each bring in a year? "
                 "Each measure was simulated against today's way of working on the same clients, requests and "
                 "events, so that a difference comes from the measure and not from luck.",
                 "{branch}应采用以下哪些管理措施?每项措施一年能带来什么?每项措施都在相同的客户、业务请求和随机事件下"
                 "与现行做法对比模拟,因此差异来自措施本身而非运气。"),
    "question_scenarios": ("Because parts of the branch are not known exactly, every measure was run on "
                           "{scenarios} plausible versions of it (draws of the uncertain parameters).",
                           "由于网点的部分参数并不确切,每项措施都在{scenarios}个可能的网点版本(不确定参数的抽样)上运行。"),
    # ------------------------------------------------------------------ the answer
    "pay_some": ("{k} of the {n} measures raise profit beyond doubt (adjusted 95 % intervals above zero):",
                 "{n}项措施中有{k}项明确提高利润(校正后95%置信区间在零以上):"),
    "pay_none": ("None of the {n} measures raises profit beyond the noise of {reps} replications.",
                 "在{reps}次重复模拟的噪声范围内,{n}项措施均未明确提高利润。"),
    "pays_item": ("{policy}: {amount} a year ({low} to {high})", "{policy}:每年{amount}({low}至{high})"),
    "at_price": ("at the price of {what}", "代价是{what}"),
    "raise_satisfaction": ("Raise client satisfaction: {list}.", "提高客户满意度的措施:{list}。"),
    "raise_satisfaction_none": ("No measure raises client satisfaction beyond the noise.",
                                "没有措施在噪声范围外提高客户满意度。"),
    "harm": ("Do harm on balance (significantly worse on {what} and better on nothing measured): {list}.",
             "总体有害(在{what}上显著变差,且所测指标无一改善):{list}。"),
    "unclear": ("No clear effect on any measured KPI: {list}.", "对所测指标均无明确影响:{list}。"),
    "best_sure": ("On {kpi}, {policy} is ahead of every other measure and the baseline (multiple comparisons "
                  "with the best, p = {p}).",
                  "在{kpi}上,{policy}领先于所有其他措施和基线(与最优者的多重比较,p = {p})。"),
    "best_unsure": ("On {kpi}, {policy} has the best mean, but it cannot be told apart from {others} "
                    "(multiple comparisons with the best, 95 %).",
                    "在{kpi}上,{policy}均值最优,但与{others}无法区分(与最优者的多重比较,95%)。"),
    "per_year_note": ("Money and counts are scaled to a year of {days_per_year} working days from the {days} days "
                      "measured; intervals are the adjusted 95 % intervals of the paired differences, the same in "
                      "every table, figure and sentence of this report.",
                      "金额和数量按每年{days_per_year}个工作日由统计的{days}个工作日折算;区间为配对差异的校正后95%"
                      "置信区间,本报告所有表格、图和文字均使用同一组区间。"),
    # verdicts
    "v_pays": ("pays", "提高利润"),
    "v_pays_price": ("pays, with a trade-off", "提高利润,但有代价"),
    "v_service": ("better service, costs profit", "改善服务,但减少利润"),
    "v_service_free": ("better service", "改善服务"),
    "v_mixed": ("mixed", "有得有失"),
    "v_harms": ("harms", "有害"),
    "v_none": ("no clear effect", "无明确影响"),
    # answer table
    "col_measure": ("Measure", "措施"),
    "col_verdict": ("Verdict", "判断"),
    "col_better": ("Also better", "其他改善"),
    "col_worse": ("Worse", "变差"),
    "per_year": ("{label} a year", "{label}(每年)"),
    "none": ("none", "无"),
    # ------------------------------------------------------------------ caveats
    "no_caveat": ("No caveat found by the automatic checks (replications, horizon, warm-up, trends at the end, "
                  "load, failed runs).",
                  "自动检查(重复次数、模拟时长、预热、期末趋势、负荷、失败模拟)未发现需要注意的问题。"),
    "cav_replications": ("Only {reps} replications: the intervals are wide, and effects smaller than about "
                         "{half} a year on profit cannot be told from noise. Run 20 or more before deciding.",
                         "仅{reps}次重复模拟:区间较宽,利润每年小于约{half}的影响无法与噪声区分。决策前请运行20次以上。"),
    "cav_precision": ("The baseline itself is known only roughly: {list} (95 % CI half-width against the mean).",
                      "基线本身的估计不够精确:{list}(95%置信区间半宽相对均值)。"),
    "cav_horizon": ("The effects of {levers} build up over months (skills grow, people stay or leave), but only "
                    "{days} working days were measured: they are probably understated. Run at least a year ({year} "
                    "working days) before judging {policies}.",
                    "{levers}的作用需要数月才能显现(技能提升、人员去留),但本次只统计了{days}个工作日:其效果可能被低估。"
                    "评价{policies}前请至少模拟一年({year}个工作日)。"),
    "cav_warmup": ("{series} settles only after about day {day} of the baseline, later than the {warmup} warm-up "
                   "days: lengthen branch.warmup_days to {day} or more.",
                   "基线中{series}约在第{day}天后才趋于稳定,晚于{warmup}天的预热期:"
                   "请将 branch.warmup_days 增加到{day}以上。"),
    "cav_trend": ("Still changing at the end of the run: {list}. The KPIs average a moving target; a longer "
                  "horizon would show where it settles.",
                  "模拟结束时仍在变化:{list}。指标是变化中的平均值;延长模拟时长才能看到最终稳定水平。"),
    "trend_item": ("{series} under {policy} ({direction} {change} over the last {days} days)",
                   "{policy}下的{series}(最后{days}天{direction}{change})"),
    "rising": ("up", "上升"),
    "falling": ("down", "下降"),
    "cav_overloaded": ("The branch is overloaded today: utilisation {util}, {abandoned} of requests abandoned, mean "
                       "wait {wait} h. Near full load small changes have large effects on waits and satisfaction; "
                       "check the book size and staffing before reading the effects.",
                       "网点目前负荷过重:工时利用率{util},{abandoned}的请求被放弃,平均等待{wait}小时。接近满负荷时,小变化"
                       "会对等待和满意度产生很大影响;解读结果前请核对客户规模和人员配置。"),
    "cav_combined": ("Several measures changed at once by {policies} (how many in brackets). The evidence holds each "
                     "measure's effect on its own to the studies (see the validation page); no study measured these "
                     "combinations, so how the measures add up is the model's alone: they share the same AMs' time, "
                     "stress and skills, and the combined effect is only as sure as those mechanisms.",
                     "同时改变多项措施的政策:{policies}(括号内为措施数)。每项措施单独的效果都以研究证据为界(见验证页面);"
                     "但没有研究测量过这些组合,因此各项措施如何叠加完全取决于模型:它们共用同一批客户经理的时间、"
                     "压力和技能,组合效果的可靠程度取决于这些机制。"),
    "cav_failed": ("{n} runs failed and are left out (see Failed runs): the measures affected have fewer "
                   "replications than the others.",
                   "{n}次模拟失败并已排除(见失败的模拟):受影响措施的重复次数少于其他措施。"),
    "cav_noise_only": ("The intervals count the simulation's own noise, not the uncertainty of the model's "
                       "assumptions: for that, compare on posterior draws of a calibration (simbranch calibrate) "
                       "or across the assumption ranges (simbranch robustness).",
                       "区间只反映模拟本身的随机噪声,不包含模型假设的不确定性:如需考虑,"
                       "请在校准后验抽样上比较(simbranch calibrate),或在假设范围内检验稳健性(simbranch robustness)。"),
    "cav_sensitivity": ("Only {n} draws: which assumptions matter cannot be ranked reliably (64 or more are needed).",
                        "仅{n}次抽样:无法可靠地排序哪些假设更重要(至少需要64次)。"),
    # ------------------------------------------------------------------ figures
    "fig_forest": ("Differences from the baseline", "与基线的差异"),
    "cap_forest": ("Each measure minus the baseline on the same seeds, with its adjusted 95 % interval "
                   "(Benjamini-Yekutieli, over every KPI and measure of this report); filled markers are "
                   "significant, which is the same as an interval that excludes zero. Rows sorted by effect; the "
                   "arrow shows which way is better.",
                   "各措施与基线在相同随机种子下的差异及其校正后95%区间(Benjamini-Yekutieli,覆盖本报告全部指标和措施);"
                   "实心点表示显著,等价于区间不含零。各行按影响大小排序,箭头表示改善方向。"),
    "cap_forest_scenarios": ("Expected difference of each measure from the baseline over the {n} scenarios with its "
                             "adjusted 95 % interval (filled: significant, the interval excludes zero); the thin line "
                             "is the range of the effect across the scenarios.",
                             "各措施在{n}个情景上与基线的期望差异及其校正后95%区间(实心点:显著,区间不含零);细线为影响在各情景间的范围。"),
    "fig_tradeoff": ("Trade-off: profit against client satisfaction", "权衡:利润与客户满意度"),
    "cap_tradeoff": ("Each measure at the baseline's mean plus its paired difference, with the adjusted 95 % "
                     "interval of that difference on both axes; measures on the line are not dominated.",
                     "各措施的位置为基线均值加配对差异,两个方向均标出该差异的校正后95%区间;线上的措施未被其他措施全面超越。"),
    "fig_levels": ("Each measure's level", "各措施的指标水平"),
    "cap_levels": ("Mean over the {runs} with its 95 % confidence interval (not adjusted; for differences use the "
                   "figure above).",
                   "{runs}的均值及其95%置信区间(未校正;比较差异请看上图)。"),
    "fig_time": ("Over time", "随时间变化"),
    "cap_time": ("Daily values, 5-day centred mean, mean over the {runs} with a 95 % band (kept inside the values "
                 "seen); the shaded days are the warm-up, which the KPIs leave out.",
                 "每日数值(5日居中平均),{runs}的均值及95%区间(限制在观测值范围内);阴影为预热期,不计入指标。"),
    "fig_distributions": ("Clients and AMs", "客户与客户经理"),
    "cap_distributions": ("Spread across clients and AMs at the end of {which} of each highlighted measure.",
                          "各重点措施{which}结束时客户和客户经理的分布。"),
    "fig_scatter": ("AMs: stress, sales, skill and satisfaction", "客户经理:压力、销售、技能与满意度"),
    "cap_scatter": ("One marker per AM who worked in {which}; hollow markers left during the run.",
                    "{which}中每名客户经理一个点;空心点为期间离职者。"),
    "replications": ("replications", "次重复"),
    "runs_scenarios": ("runs (scenarios x replications)", "次模拟(情景 x 重复)"),
    "rep0": ("replication 0", "第0次重复"),
    "rep0_scenarios": ("replication 0 of the first scenario", "第一个情景的第0次重复"),
    # ------------------------------------------------------------------ tables
    "col_kpi": ("KPI", "指标"),
    "col_baseline": ("Baseline", "基线"),
    "col_difference": ("Difference", "差异"),
    "col_interval": ("Adjusted 95 % interval", "校正后95%区间"),
    "col_relative": ("Relative", "相对变化"),
    "col_p": ("p (adjusted)", "p值(校正后)"),
    "col_range": ("Range across scenarios", "情景间范围"),
    "col_p_better": ("P(better)", "优于基线的概率"),
    "col_what": ("What it stands for", "含义"),
    "col_changes": ("What it changes", "调整内容"),
    "own_levers": ("(the scenario's own settings)", "(情景自身设定)"),
    "note_paired": ("Measure minus baseline, mean over paired replications (same seeds). The interval is adjusted "
                    "for the {rows} comparisons of this report (false coverage rate 5 %, Benjamini-Yekutieli); bold "
                    "rows are significant, exactly those whose interval excludes zero. A relative change is shown "
                    "only where it means something (not for scores, shares or NPS).",
                    "措施减基线,配对重复(相同随机种子)的均值。区间按本报告的{rows}项比较校正(错误覆盖率5%,"
                    "Benjamini-Yekutieli);粗体行为显著,即区间不含零的行。相对变化只在有意义时给出(评分、比例和NPS不给出)。"),
    "note_paired_scenarios": ("Expected difference over the {n} scenarios with its adjusted interval; range: the "
                              "central 95 % of the effect across the scenarios; P(better): the share of scenarios in "
                              "which the measure beats the baseline.",
                              "{n}个情景上的期望差异及其校正后区间;范围:影响在情景间的中间95%;优于基线的概率:措施优于基线的情景比例。"),
    "note_summary": ("Mean ± 95 % confidence half-width over {over}.", "{over}的均值 ± 95%置信区间半宽。"),
    "scenario_first": ("{n} scenarios; the first is shown, and the fields that differ between them are listed below.",
                       "共{n}个情景;下表为第一个情景,其后列出各情景间不同的字段。"),
    "scenario_same": ("The scenarios are all the same.", "各情景完全相同。"),
    "scenario_file": ("The scenario file (values that differ from the defaults)", "情景文件(与默认值不同的设定)"),
    "fact_branch": ("Branch", "网点"),
    "fact_ams": ("Account managers", "客户经理人数"),
    "fact_clients": ("Clients", "客户数"),
    "fact_rule": ("Client allocation rule", "客户分配规则"),
    "fact_days": ("Working days measured", "统计工作日数"),
    "fact_warmup": ("Warm-up days (left out)", "预热天数(不计入)"),
    "fact_hours": ("Working hours per day", "每日工作小时"),
    "fact_currency": ("Currency", "货币"),
    "col_field": ("Field", "字段"),
    "col_across": ("Across the scenarios", "各情景取值"),
    "col_distinct": ("Distinct values", "不同取值数"),
    "provenance_note": ("The same seed, scenario and measures give the same numbers on any machine and executor; "
                        "the model fingerprint identifies the model's code.",
                        "相同的随机种子、情景和措施在任何机器和执行方式上都得到相同结果;模型指纹标识模型代码版本。"),
    "nothing": ("No run succeeded: nothing to show.", "没有成功的模拟:无结果可显示。"),
}


def phrase(phrases: dict[str, tuple[str, str]], key: str, lang: str = "en", **fields: Any) -> Markup:
    """The phrase `key` of `phrases` in `lang` with `fields` filled in (escaped unless they are `Markup`)."""
    en, zh = phrases[key]
    text = Markup.escape(en if lang == "en" else zh)
    return text.format(**fields) if fields else text


def say(key: str, lang: str = "en", **fields: Any) -> Markup:
    """The phrase `key` of the comparison report (`PHRASES`) in `lang`, `fields` filled in and escaped."""
    return phrase(PHRASES, key, lang, **fields)
