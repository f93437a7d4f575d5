"""The report of a robustness study: per measure how often it beats the baseline across the assumption
ranges and how far its effect varies, how stable the ranking is, and which assumptions matter, in
English or Chinese."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup, escape

from simbranch import meanings
from simbranch.report.caveats import sensitivity_caveat
from simbranch.report.page import check_lang, info_table, report_path
from simbranch.report.page import table as html_table
from simbranch.report.parts import draw_figures, page, share
from simbranch.report.story import value_text
from simbranch.report.text import phrase

if TYPE_CHECKING:
    from simbranch.experiment.robustness import Robustness

__all__ = ["robustness_report_html", "write_robustness_report"]

PHRASES: dict[str, tuple[str, str]] = {
    "title": ("How the measures hold across the assumptions on {branch}", "{branch}:管理措施在不同假设下的稳健性"),
    "overview": ("{policies} measures and the baseline x {n} draws ({method}) of {assumptions} assumptions x {reps} "
                 "replications = {runs} runs, seed {seed}; {ams} AMs, {clients} clients, {days} working days measured "
                 "after {warmup} warm-up days. Generated {when}.",
                 "{policies}项措施和基线 x {n}次抽样({method})覆盖{assumptions}个假设 x {reps}次重复 = {runs}次模拟,"
                 "随机种子{seed};{ams}名客户经理、{clients}户客户,预热{warmup}个工作日后统计{days}个工作日。生成于{when}。"),
    "h_shows": ("What it shows", "结论"),
    "h_caveats": ("Before acting on it", "使用结论前请注意"),
    "h_method": ("Method", "方法"),
    "h_effects": ("Effects across the draws", "各抽样下的影响"),
    "h_ranking": ("Ranking on {kpi}", "按{kpi}排名"),
    "h_matter": ("Which assumptions matter", "哪些假设最重要"),
    "h_ranges": ("Assumptions varied ({n})", "变动的假设({n}个)"),
    "h_failed": ("Failed runs ({n})", "失败的模拟({n}次)"),
    "h_provenance": ("Provenance", "可复现信息"),
    "beats": ("{policy} beats the baseline on {kpi} in {share} of the draws ({verdict}); median effect {median}, "
              "5-95 % range {low} to {high}.",
              "{policy}在{share}的抽样中{kpi}优于基线({verdict});影响中位数{median},5%-95%范围{low}至{high}。"),
    "larger": ("{policy} has a larger {kpi} than the baseline in {share} of the draws; median effect {median}, "
               "5-95 % range {low} to {high}.",
               "{policy}在{share}的抽样中{kpi}高于基线;影响中位数{median},5%-95%范围{low}至{high}。"),
    "whatever": ("whatever the assumptions", "无论假设如何"),
    "depending": ("depending on the assumptions", "取决于假设"),
    "best": ("Best on {kpi} (expected over the draws): {policy}, the best in {share} of the draws.",
             "{kpi}最优(各抽样期望):{policy},在{share}的抽样中最优。"),
    "depends": ("{output} depends most on {list}.", "{output}最受以下假设影响:{list}。"),
    "none_stands": ("{output}: no assumption stands out.", "{output}:没有特别突出的假设。"),
    "not_measurable": ("Which assumptions matter cannot be measured with {n} draws (64 or more rank them).",
                       "{n}次抽样无法衡量哪些假设更重要(至少需要64次)。"),
    "failed": ("{n} runs failed: see Failed runs.", "{n}次模拟失败:见失败的模拟。"),
    "method": ("The assumed coefficients are drawn across their plausible ranges ({design}), and in each draw the "
               "baseline and every measure run on the same seeds, so that each measure's effect in a draw is a paired "
               "difference; the share of draws in which a measure beats the baseline, and the spread of its effect "
               "across the draws, say how far the conclusion depends on what is assumed. Which assumptions matter "
               "most is read off the same draws by RBD-FAST first-order indices (SALib): the share of the variance "
               "of an effect across the draws that each assumption explains on its own.",
               "在各假设系数的合理范围内抽样({design}),每次抽样中基线和各措施使用相同的随机种子,因此每项措施在一次抽样中的"
               "影响是配对差异;措施优于基线的抽样比例及其影响在抽样间的分布,说明结论在多大程度上取决于假设。哪些假设最重要由"
               "同一批抽样的RBD-FAST一阶指数(SALib)给出:每个假设单独解释的影响方差比例。"),
    "lhs": ("a Latin hypercube", "拉丁超立方"),
    "sobol": ("a scrambled Sobol' sequence", "扰动Sobol序列"),
    "method_note": ("Each draw carries its own replications' noise besides its assumptions: with few replications, "
                    "a share near 50 % may be noise as much as assumptions.",
                    "每次抽样除假设外还带有其重复模拟的噪声:重复次数少时,接近50%的比例可能同样来自噪声。"),
    "col_policy": ("Measure", "措施"),
    "col_kpi": ("KPI", "指标"),
    "col_share": ("Draws beating the baseline", "优于基线的抽样比例"),
    "col_median": ("Median effect", "影响中位数"),
    "col_range": ("5-95 % range", "5%-95%范围"),
    "col_mean": ("Mean effect", "平均影响"),
    "col_draws": ("Draws", "抽样数"),
    "effects_note": ("Effect: measure minus baseline on the same seeds within a draw, mean over its replications "
                     "({directions}).",
                     "影响:同一抽样内相同随机种子下措施减基线,取其重复的均值({directions})。"),
    "higher": ("{kpi}: higher is better", "{kpi}:越高越好"),
    "lower": ("{kpi}: lower is better", "{kpi}:越低越好"),
    "neither": ("{kpi}: no better direction, shares count larger values", "{kpi}:无优劣方向,比例按数值更大计"),
    "fig_effects": ("Effects across the assumption ranges", "假设范围内的影响"),
    "cap_effects": ("Each measure's effect in every draw (dots), its median (diamond) and 5-95 % range (bar); on the "
                    "right, the share of draws in which it beats the baseline.",
                    "每项措施在各抽样中的影响(点)、中位数(菱形)和5%-95%范围(横线);右侧为优于基线的抽样比例。"),
    "col_rank": ("Overall rank", "总排名"),
    "col_expected": ("Expected value", "期望值"),
    "col_best_share": ("Best in (share of draws)", "最优的抽样比例"),
    "col_mean_rank": ("Mean rank", "平均排名"),
    "fig_ranking": ("How often each measure is the best", "各措施成为最优的频率"),
    "cap_ranking": ("Left: the share of draws in which each measure is the best; right: its mean rank (1 = best).",
                    "左:各措施最优的抽样比例;右:平均排名(1 = 最优)。"),
    "col_output": ("Output", "输出"),
    "col_assumption": ("Assumption", "假设"),
    "col_ci": ("95 % CI", "95%置信区间"),
    "matter_note": ("RBD-FAST first-order indices over the {n} draws, the top 5 per output; the ranking margin is "
                    "how far the overall best measure is ahead of the best other measure in a draw.",
                    "基于{n}次抽样的RBD-FAST一阶指数,每个输出列前5名;排名差距为总体最优措施在一次抽样中领先其他最优措施的幅度。"),
    "rough": ("With fewer than 64 draws the indices are rough (see their CIs); a negative one is zero within its "
              "noise.", "抽样少于64次时指数较粗糙(见其置信区间);负值在噪声范围内等于零。"),
    "negative": ("A negative index is zero within its noise.", "负指数在噪声范围内等于零。"),
    "fig_matter": ("Most influential assumptions", "影响最大的假设"),
    "cap_matter": ("First-order index of the ten most influential assumptions of each output.",
                   "各输出影响最大的十个假设的一阶指数。"),
    "not_measurable_long": ("Not measurable with {n} draws: RBD-FAST needs more draws (64 or more rank the "
                            "assumptions).", "{n}次抽样无法衡量:RBD-FAST需要更多抽样(至少64次才能排序假设)。"),
    "col_drawn": ("Range drawn", "抽样范围"),
    "every_range": ("every range drawn", "全部抽样范围"),
    "effect_of": ("effect of {policy}", "{policy}的影响"),
    "margin": ("ranking margin", "排名差距"),
    "provenance_note": ("The same seed, scenario, measures and ranges give the same draws and numbers on any machine "
                        "and executor.",
                        "相同的随机种子、情景、措施和范围在任何机器和执行方式上都得到相同的抽样和结果。"),
}


def _t(key: str, lang: str, **fields: Any) -> Markup:
    return phrase(PHRASES, key, lang, **fields)


def write_robustness_report(rob: Robustness, out_dir: str | Path, *, command: str | None = None,
                            title: str | None = None, sensitivity: pd.DataFrame | None = None,
                            lang: str = "en") -> Path:
    """Write the report of a robustness study to an HTML file and return the file.

    The page is `robustness_report_html`'s: one self-contained file, as `write_report`'s.

    Parameters
    ----------
    rob : Robustness
        The robustness study (`simbranch.robustness`).
    out_dir : str or pathlib.Path
        A folder, which gets ``report.html`` (missing folders are made), or the .html file itself.
    command : str, optional
        The command line that made the study, shown under Provenance.
    title : str, optional
        The page's title; by default one naming the branch.
    sensitivity : pandas.DataFrame, optional
        ``rob.sensitivity()`` when already computed (it is computed otherwise).
    lang : {"en", "zh"}, default "en"
        Language of the page (money in the scenario's currency).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh".
    KeyError
        If `sensitivity` has rows but lacks a column of ``Robustness.sensitivity`` (output,
        parameter, S1, S1_conf, rank).
    OSError
        If the file cannot be written.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import report
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> import warnings
    >>> assumptions = ["clients.tiers.mass.requests_per_year", "clients.tiers.mass.am_share.sales"]
    >>> rob = sb.robustness(scenario, ["crm_routing"], n=4, parameters=assumptions, replications=1,
    ...                     executor="serial", progress=False)
    >>> with warnings.catch_warnings():  # 4 draws: the sensitivity indices warn (64 are advised)
    ...     warnings.simplefilter("ignore")
    ...     path = report.write_robustness_report(rob, "robustness")
    >>> path.name, path.stat().st_size > 0
    ('report.html', True)
    """
    html = robustness_report_html(rob, command=command, title=title, sensitivity=sensitivity, lang=lang)
    path = report_path(out_dir)
    path.write_text(html, encoding="utf-8")
    return path


def robustness_report_html(rob: Robustness, *, command: str | None = None, title: str | None = None,
                           sensitivity: pd.DataFrame | None = None, lang: str = "en") -> str:
    """Return the report of a robustness study as one self-contained HTML page.

    Per measure how often it beats the baseline and its range of effects, how stable the ranking
    is, which assumptions matter, and the provenance.

    Parameters
    ----------
    rob : Robustness
        The robustness study (`simbranch.robustness`).
    command : str, optional
        The command line that made the study, shown under Provenance.
    title : str, optional
        The page's title; by default one naming the branch.
    sensitivity : pandas.DataFrame, optional
        ``rob.sensitivity()`` when already computed (it is computed otherwise).
    lang : {"en", "zh"}, default "en"
        Language of the page (money in the scenario's currency).

    Returns
    -------
    str
        The HTML page.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh".
    KeyError
        If `sensitivity` has rows but lacks a column of ``Robustness.sensitivity`` (output,
        parameter, S1, S1_conf, rank).

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import report
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> import warnings
    >>> assumptions = ["clients.tiers.mass.requests_per_year", "clients.tiers.mass.am_share.sales"]
    >>> rob = sb.robustness(scenario, ["crm_routing"], n=4, parameters=assumptions, replications=1,
    ...                     executor="serial", progress=False)
    >>> with warnings.catch_warnings():  # 4 draws: the sensitivity indices warn (64 are advised)
    ...     warnings.simplefilter("ignore")
    ...     html = report.robustness_report_html(rob, sensitivity=rob.sensitivity())
    >>> "<html" in html
    True
    """
    from simbranch import plots
    from simbranch.analysis.tradeoffs import direction

    check_lang(lang)
    sc = rob.comparison.scenario
    b = sc.branch
    currency = getattr(b, "currency", "CNY")
    title = title or str(_t("title", lang, branch=b.name))
    policies = len(rob.policies) - 1
    runs = rob.n * (policies + 1) * rob.replications
    indices = rob.sensitivity() if sensitivity is None else sensitivity
    ranked = indices[indices["rank"].notna()] if len(indices) else indices

    def name(policy: str) -> str:
        return meanings.label(str(policy), lang, default=str(policy))

    def kpi_label(kpi: str) -> str:
        return meanings.label(kpi, lang, default=kpi)

    def effect(kpi: str, x: float) -> str:
        return value_text(kpi, x, lang, currency, difference=True)

    def parameter(path: str) -> str:
        return meanings.parameter_label(path, lang, default=path)

    def parameter_cell(path: str) -> Markup:
        return Markup("{}<br><code>{}</code>").format(parameter(path), path)

    def output(text: str) -> str:
        if text.startswith("effect of "):
            return str(_t("effect_of", lang, policy=name(text[len("effect of "):])))
        return str(_t("margin", lang)) if text == "ranking margin" else text

    parts = [Markup("<h1>{}</h1>").format(title),
             Markup("<p class='muted'>{}</p>").format(_t(
                 "overview", lang, policies=policies, n=rob.n, method=rob.method, assumptions=len(rob.ranges),
                 reps=rob.replications, runs=runs, seed=rob.seed, ams=sc.managers.count, clients=sc.clients.count,
                 days=b.horizon_days, warmup=b.warmup_days, when=time.strftime("%Y-%m-%d %H:%M")))]

    items = []
    for kpi in rob.kpis:
        for r in rob.shares[rob.shares["kpi"] == kpi].itertuples(index=False):
            fields = {"policy": name(r.policy), "kpi": kpi_label(kpi), "share": share(r.share_better),
                      "median": effect(kpi, r.median), "low": effect(kpi, r.low), "high": effect(kpi, r.high)}
            if direction(kpi) == "neither":
                items.append(_t("larger", lang, **fields))
                continue
            verdict = ("" if r.share_better != r.share_better else
                       _t("whatever" if r.share_better >= 0.9 or r.share_better <= 0.1 else "depending", lang))
            items.append(_t("beats", lang, verdict=verdict, **fields))
    if rob.best_policy is not None:
        items.append(_t("best", lang, kpi=kpi_label(rob.kpi), policy=Markup("<b>{}</b>").format(name(rob.best_policy)),
                        share=share(rob.best_share)))
    if len(ranked):
        for out, frame in ranked.groupby("output", sort=False):
            top = frame[(frame["rank"] <= 3) & (frame["S1"] > 0)]
            label = output(str(out))
            label = label[:1].upper() + label[1:]
            items.append(_t("depends", lang, output=label, list=", ".join(
                f"{parameter(p)} (S1 {s:.2f})" for p, s in zip(top["parameter"], top["S1"], strict=True)))
                if len(top) else _t("none_stands", lang, output=label))
    else:
        items.append(_t("not_measurable", lang, n=rob.n))
    if len(rob.failures):
        items.append(_t("failed", lang, n=len(rob.failures)))
    parts.append(Markup("<h2>{}</h2><ul class='findings'>{}</ul>").format(
        _t("h_shows", lang), Markup("").join(Markup("<li>{}</li>").format(i) for i in items)))
    caveat = sensitivity_caveat(rob.n, lang)
    if caveat:
        parts.append(Markup("<h2>{}</h2><ul class='caveats'><li>{}</li></ul>").format(_t("h_caveats", lang), caveat))

    parts.append(Markup("<h2>{}</h2><p>{}</p><p class='muted'>{}</p>").format(
        _t("h_method", lang), _t("method", lang, design=_t(rob.method if rob.method in ("lhs", "sobol") else "lhs",
                                                         lang)), _t("method_note", lang)))

    share_rows = [(escape(name(r.policy)), escape(kpi_label(r.kpi)), share(r.share_better),
                   escape(effect(r.kpi, r.median)), escape(f"{effect(r.kpi, r.low)} – {effect(r.kpi, r.high)}"),
                   escape(effect(r.kpi, r.mean)), str(int(r.n_draws)))
                  for r in rob.shares.itertuples(index=False)]
    directions = ", ".join(str(_t(direction(k), lang, kpi=kpi_label(k))) for k in rob.kpis)
    header: list[str] = [_t(k, lang) for k in ("col_policy", "col_kpi", "col_share", "col_median", "col_range",
                                               "col_mean", "col_draws")]
    parts.append(Markup("<h2>{}</h2>").format(_t("h_effects", lang)) + Markup(html_table(header, share_rows))
                 + Markup("<p class='muted'>{}</p>").format(_t("effects_note", lang, directions=directions))
                 + Markup(draw_figures([(str(_t("fig_effects", lang)),
                                         lambda: plots.robustness_effects(rob.effects, rob.shares, rob.kpis, lang=lang,
                                                                          currency=currency),
                                         str(_t("cap_effects", lang)))])))

    stability_rows = [(escape(name(r.policy)), "–" if r.overall_rank != r.overall_rank else str(int(r.overall_rank)),
                       escape(value_text(rob.kpi, r.expected, lang, currency)), share(r.share_best),
                       "–" if r.mean_rank != r.mean_rank else f"{r.mean_rank:.2f}")
                      for r in rob.stability.itertuples(index=False)]
    header = [_t(k, lang) for k in ("col_policy", "col_rank", "col_expected", "col_best_share", "col_mean_rank")]
    parts.append(Markup("<h2>{}</h2>").format(_t("h_ranking", lang, kpi=kpi_label(rob.kpi)))
                 + Markup(html_table(header, stability_rows))
                 + Markup(draw_figures([(str(_t("fig_ranking", lang)),
                                         lambda: plots.ranking_shares(rob.stability, rob.kpi, lang=lang),
                                         str(_t("cap_ranking", lang)))])))

    if len(ranked):
        top = ranked[ranked["rank"] <= 5]
        sens_rows = [(escape(output(str(r.output))), str(int(r.rank)), parameter_cell(r.parameter),
                      f"{r.S1:.3f}", "–" if r.S1_conf != r.S1_conf else f"± {r.S1_conf:.3f}")
                     for r in top.itertuples(index=False)]
        header = [_t(k, lang) for k in ("col_output", "col_rank", "col_assumption")] + ["S1", _t("col_ci", lang)]
        parts.append(Markup("<h2>{}</h2>").format(_t("h_matter", lang)) + Markup(html_table(header, sens_rows))
                     + Markup("<p class='muted'>{} {}</p>").format(_t("matter_note", lang, n=rob.n),
                                                                    _t("rough" if rob.n < 64 else "negative", lang))
                     + Markup(draw_figures([(str(_t("fig_matter", lang)),
                                             lambda: plots.sensitivity_bars(ranked[ranked["rank"] <= 10], kpi=rob.kpi,
                                                                            lang=lang),
                                             str(_t("cap_matter", lang)))])))
    else:
        parts.append(Markup("<h2>{}</h2><p>{}</p>").format(_t("h_matter", lang),
                                                          _t("not_measurable_long", lang, n=rob.n)))

    range_rows = []
    for path, spec in rob.ranges.items():
        shown = (f"{spec[0]:.4g} – {spec[1]:.4g}" if isinstance(spec, tuple) and len(spec) == 2
                 else ", ".join(map(str, spec)))
        range_rows.append((parameter_cell(path), escape(shown)))
    table = Markup(html_table([_t("col_assumption", lang), _t("col_drawn", lang)], range_rows))
    parts.append(Markup("<h2>{}</h2>").format(_t("h_ranges", lang, n=len(rob.ranges)))
                 + (Markup("<details><summary>{}</summary>{}</details>").format(_t("every_range", lang), table)
                    if len(range_rows) > 12 else table))
    if len(rob.failures):
        failures = rob.failures.assign(error=rob.failures["error"].astype(str).str.strip().str.splitlines().str[-1])
        parts.append(Markup("<h2>{}</h2>").format(_t("h_failed", lang, n=len(rob.failures)))
                     + Markup(failures.to_html(index=False, escape=True, na_rep="")))
    info: dict[str, Any] = {"seed": rob.seed, "draws": rob.n, "replications per draw": rob.replications,
                            "runs": runs, "model fingerprint": rob.provenance.get("model", "")}
    info.update({k: v for k, v in rob.provenance.items() if k not in ("seed", "model", "n")})
    if command:
        info["command"] = command
    parts.append(Markup("<h2>{}</h2>").format(_t("h_provenance", lang)) + info_table(info, code=True)
                 + Markup("<p class='muted'>{}</p>").format(_t("provenance_note", lang)))
    return page(title, [str(p) for p in parts], lang)
