"""The report of a calibration: one self-contained page that says what fits, what the data pin down,
what they pin down only together, and what reproduces it, in English or Chinese."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from simbranch import meanings
from simbranch.report.page import check_lang, info_table, report_path
from simbranch.report.page import table as html_table
from simbranch.report.parts import draw_figures, number, page, share
from simbranch.report.text import phrase

if TYPE_CHECKING:
    from simbranch.experiment.calibrate import Calibration

__all__ = ["calibration_report_html", "write_calibration_report"]

PHRASES: dict[str, tuple[str, str]] = {
    "title": ("Calibration of {branch}", "{branch}:模型校准"),
    "overview": ("The scenario {scenario} ({ams} AMs, {clients} clients, {days} working days measured after {warmup} "
                 "warm-up days) with {params} parameters fitted to {kpis} observed KPIs: {runs} runs in {waves} waves "
                 "and a check, seed {seed}. Generated {when}.",
                 "情景{scenario}({ams}名客户经理、{clients}户客户,预热{warmup}个工作日后统计{days}个工作日),{params}个参数"
                 "拟合{kpis}个观测指标:{waves}轮共{runs}次模拟并做了检验,随机种子{seed}。生成于{when}。"),
    "h_shows": ("What it shows", "结论"),
    "h_observed": ("What was observed", "观测数据"),
    "h_method": ("Method", "方法"),
    "h_fit": ("Fit", "拟合"),
    "h_parameters": ("Parameters", "参数"),
    "h_waves": ("Waves", "各轮"),
    "h_warnings": ("Warnings", "警告"),
    "h_calibrated": ("Calibrated scenario", "校准后的情景"),
    "h_provenance": ("Provenance", "可复现信息"),
    "reproduces": ("The calibrated model reproduces {k} of the {n} observed KPIs within one standard deviation of "
                   "the observation", "校准后的模型在观测标准差范围内重现了{n}个观测指标中的{k}个"),
    "not_these": ("; not: {list}.", ";未重现:{list}。"),
    "stop": (".", "。"),
    "weak": ("The emulator predicted fewer than 90 % of the check runs of {list}: read the posterior as rough.",
             "代理模型对{list}的检验模拟预测准确率低于90%:后验分布仅供粗略参考。"),
    "pins": ("The data pin down {list}.", "数据确定了{list}。"),
    "pins_none": ("The data pin down no parameter on its own.", "数据未能单独确定任何参数。"),
    "loose": ("The data cannot pin down {list}: their posterior is nearly as wide as the prior range.",
              "数据无法确定{list}:其后验分布几乎与先验范围一样宽。"),
    "together": ("Only together: {list}.", "只能联合确定:{list}。"),
    "pair": ("{a} and {b} (r = {r})", "{a}与{b}(r = {r})"),
    "n_warnings": ("{n} warnings: see Warnings.", "{n}条警告:见警告。"),
    "observed_text": ("{what}{source}; {each}, with the standard deviation of the observation (its sampling error, "
                      "or how far the number is trusted).",
                      "{what}{source};{each},并给出观测的标准差(抽样误差,或该数字的可信程度)。"),
    "the_branch": ("The branch", "该网点"),
    "each_one": ("each value one horizon of one branch", "每个数值为一个网点一个统计期"),
    "each_mean": ("each value the mean of {n} horizons", "每个数值为{n}个统计期的均值"),
    "col_kpi": ("KPI", "指标"),
    "col_observed": ("Observed", "观测值"),
    "col_sd": ("sd", "标准差"),
    "col_sd_share": ("sd / value", "标准差/数值"),
    "method": ("History matching in waves: a space-filling design of settings of the parameters is simulated, a "
               "Gaussian-process emulator of each observed KPI learns from the runs, and settings where an observed "
               "value lies more than three standard deviations (of the observation, the model's own run-to-run noise "
               "and the emulator's uncertainty) from the emulated one are ruled out before the next wave. The "
               "settings no wave rules out, uniform over the prior ranges, are weighted by the emulators' Gaussian "
               "likelihood of the observed KPIs to give the posterior, and the model itself then checks the answer "
               "by simulating the best point and draws of the posterior.",
               "分轮历史匹配:对参数设定的空间填充设计进行模拟,为每个观测指标训练高斯过程代理模型,观测值与代理预测相差超过三个"
               "标准差(观测误差、模型自身的随机波动和代理模型不确定性合计)的设定在下一轮前被排除。未被任何一轮排除的设定在先验"
               "范围内均匀分布,按代理模型对观测指标的高斯似然加权得到后验分布;最后用模型本身模拟最优点和后验抽样来检验结果。"),
    "method_note": ("Effective posterior sample {ess}; docs/calibration.md describes the method and what it leaves "
                    "out.", "后验有效样本量{ess};方法及其局限见 docs/calibration.md。"),
    "col_observed_sd": ("Observed ± sd", "观测值 ± 标准差"),
    "col_simulated": ("Simulated mean", "模拟均值"),
    "col_interval": ("90 % interval", "90%区间"),
    "col_best": ("Best point", "最优点"),
    "col_within": ("Within 1 sd", "在1个标准差内"),
    "col_covered": ("Observed in interval", "观测值在区间内"),
    "col_emulator": ("Emulator ok", "代理模型准确率"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "fit_note": ("Simulated: the posterior-predictive check, one draw of the posterior per run (each observed as the "
                 "branch was); 90 % interval across those draws; best point: the mean of its runs; z = (simulated "
                 "mean - observed) / sd; emulator ok: the share of check runs the emulator predicted within three sd "
                 "(below about 90 %, do not trust the posterior).",
                 "模拟:后验预测检验,每次模拟使用一个后验抽样(按网点的观测方式统计);90%区间为这些抽样的区间;最优点:其模拟的"
                 "均值;z = (模拟均值 - 观测值) / 标准差;代理模型准确率:代理模型在三个标准差内预测正确的检验模拟比例"
                 "(低于约90%"
                 "时不要相信后验)。"),
    "fig_fit": ("Observed against simulated", "观测与模拟对比"),
    "cap_fit": ("Each KPI in standard deviations of its observation: the observed value at 0 with 1 and 2 sd bands, "
                "the simulated mean and 90 % interval over posterior draws, and the best point.",
                "各指标以其观测标准差为单位:观测值位于0并标出1和2个标准差带,以及后验抽样的模拟均值和90%区间和最优点。"),
    "col_parameter": ("Parameter", "参数"),
    "col_prior": ("Prior range", "先验范围"),
    "col_median": ("Posterior median", "后验中位数"),
    "col_width": ("Width against prior", "相对先验的宽度"),
    "col_correlated": ("Correlated with", "相关参数"),
    "col_status": ("Status", "状态"),
    "pinned down": ("pinned down", "已确定"),
    "not pinned down": ("not pinned down", "未确定"),
    "pinned down only with": ("pinned down only with {list}", "仅能与{list}联合确定"),
    "param_note": ("Width against prior: the 90 % interval's width over the prior's 90 % width (100 %: the data "
                   "taught nothing). Correlated with: |weighted correlation| of 0.7 or more in the posterior. The "
                   "calibrated scenario (calibrated.toml) holds the best point; posterior draws "
                   "(Calibration.scenarios(n)) carry the uncertainty into a comparison of policies.",
                   "相对先验的宽度:90%后验区间宽度除以先验90%宽度(100%表示数据没有提供信息)。相关参数:后验加权相关系数绝对值"
                   "不低于0.7。校准后的情景(calibrated.toml)为最优点;后验抽样(Calibration.scenarios(n))可把不确定性带入"
                   "措施对比。"),
    "fig_posterior": ("Posterior of each parameter", "各参数的后验分布"),
    "cap_posterior": ("Weighted posterior histogram over the prior range (dashed: the flat prior), the 90 % interval "
                      "shaded, the best point marked.",
                      "先验范围内的加权后验直方图(虚线:均匀先验),阴影为90%区间,并标出最优点。"),
    "fig_pairs": ("Pairs of parameters", "参数两两关系"),
    "cap_pairs": ("Posterior draws of each pair (darker: more weight): a ridge shows two parameters that the data pin "
                  "down only together.",
                  "各参数对的后验抽样(颜色越深权重越大):脊状分布表示两个参数只能被数据联合确定。"),
    "p_loose": ("{p}: not pinned down by these data. Its 90 % interval ({interval}) covers {share} of the prior's; "
                "treat it as unknown within {low} to {high} (observing a KPI it drives would narrow it).",
                "{p}:这些数据无法确定。其90%区间({interval})覆盖先验的{share};应视为在{low}至{high}之间未知(观测受它驱动的指标"
                "可以缩小范围)。"),
    "p_together": ("{p}: pinned down only together with {partners}. The data fix a combination (a ridge in the pairs "
                   "figure), not each one: use posterior draws, which keep them together, rather than one value of "
                   "each.",
                   "{p}:只能与{partners}联合确定。数据确定的是组合(参数对图中的脊),而非各自的值:请使用保持其联合关系的"
                   "后验抽样,而非各取一个值。"),
    "p_pinned": ("{p}: pinned down, 90 % interval {interval} ({share} of the prior's width).",
                 "{p}:已确定,90%区间{interval}(先验宽度的{share})。"),
    "col_wave": ("Wave", "轮次"),
    "col_settings": ("Settings", "设定数"),
    "col_runs": ("Runs", "模拟次数"),
    "col_plausible": ("Plausible share of the prior box", "先验空间中仍合理的比例"),
    "waves_note": ("The check runs the best point and the posterior draws.", "检验轮模拟最优点和后验抽样。"),
    "fig_waves": ("What each wave leaves plausible", "每轮后仍合理的范围"),
    "cap_waves": ("The share of the prior box that no wave so far rules out.", "至今未被任何一轮排除的先验空间比例。"),
    "none": ("None.", "无。"),
    "calibrated_summary": ("calibrated.toml (the best point, with the posterior intervals as comments)",
                           "calibrated.toml(最优点,后验区间以注释形式给出)"),
    "provenance_note": ("The same seed, scenario, observed data and options give the same calibration; with a result "
                        "store, the same command resumes.",
                        "相同的随机种子、情景、观测数据和选项得到相同的校准结果;使用结果库时,同一命令可以断点续算。"),
}


def _t(key: str, lang: str, **fields: Any) -> Markup:
    return phrase(PHRASES, key, lang, **fields)


def write_calibration_report(cal: Calibration, out_dir: str | Path, *, command: str | None = None,
                             title: str | None = None, lang: str = "en") -> Path:
    """Write the report of a calibration to an HTML file and return the file.

    The page is `calibration_report_html`'s: one self-contained file, as `write_report`'s.

    Parameters
    ----------
    cal : Calibration
        The calibration (`simbranch.calibrate`).
    out_dir : str or pathlib.Path
        A folder, which gets ``report.html`` (missing folders are made), or the .html file itself.
    command : str, optional
        The command line that made the calibration, shown under Provenance.
    title : str, optional
        The page's title; by default one naming the branch.
    lang : {"en", "zh"}, default "en"
        Language of the page.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh".
    OSError
        If the file cannot be written.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import report
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> space = {"sales.base_conversion": (0.15, 0.5), "clients.tiers.mass.am_share.service": (0.05, 0.9)}
    >>> cal = sb.calibrate(scenario, {"sales_count": (13.0, 3.0)}, space, waves=1, points=4,  # a toy: one small wave
    ...                    check_draws=1, best_replications=1, replications=1, executor="serial", progress=False)
    >>> path = report.write_calibration_report(cal, "calibration")
    >>> path.name, path.stat().st_size > 0
    ('report.html', True)
    """
    html = calibration_report_html(cal, command=command, title=title, lang=lang)
    path = report_path(out_dir)
    path.write_text(html, encoding="utf-8")
    return path


def calibration_report_html(cal: Calibration, *, command: str | None = None, title: str | None = None,
                            lang: str = "en") -> str:
    """Return the report of a calibration as one self-contained HTML page.

    It says what the branch observed, the method, the fit, the parameters and what the data pin
    down (alone or only together), the posterior, the waves, the warnings and the provenance.

    Parameters
    ----------
    cal : Calibration
        The calibration (`simbranch.calibrate`).
    command : str, optional
        The command line that made the calibration, shown under Provenance.
    title : str, optional
        The page's title; by default one naming the branch.
    lang : {"en", "zh"}, default "en"
        Language of the page.

    Returns
    -------
    str
        The HTML page.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh".

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import report
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> space = {"sales.base_conversion": (0.15, 0.5), "clients.tiers.mass.am_share.service": (0.05, 0.9)}
    >>> cal = sb.calibrate(scenario, {"sales_count": (13.0, 3.0)}, space, waves=1, points=4,  # a toy: one small wave
    ...                    check_draws=1, best_replications=1, replications=1, executor="serial", progress=False)
    >>> html = report.calibration_report_html(cal, title="Calibration of a tiny branch")
    >>> "<html" in html
    True
    """
    check_lang(lang)
    sc = cal.base
    obs = cal.observed
    title = title or str(_t("title", lang, branch=obs.name or sc.branch.name))
    runs = int(cal.provenance.get("runs", cal.waves["runs"].sum()))
    waves = int((cal.waves["wave"] != "check").sum())
    b = sc.branch

    def kpi_label(kpi: Any) -> str:
        return meanings.label(str(kpi), lang, default=str(kpi))

    def parameter(path: str) -> str:
        return meanings.parameter_label(path, lang, default=path)

    def code(text: Any) -> Markup:
        return Markup("<code>{}</code>").format(text)

    def h2(key: str) -> Markup:
        return Markup("<h2>{}</h2>").format(_t(key, lang))

    def muted(text: Any) -> Markup:
        return Markup("<p class='muted'>{}</p>").format(text)

    parts: list[Markup] = [
        Markup("<h1>{}</h1>").format(title),
        muted(_t("overview", lang, scenario=sc.branch.name, ams=sc.managers.count, clients=sc.clients.count,
                 days=b.horizon_days, warmup=b.warmup_days, params=len(cal.parameters), kpis=len(obs), runs=runs,
                 waves=waves, seed=cal.seed, when=time.strftime("%Y-%m-%d %H:%M")))]
    parts.append(h2("h_shows") + _findings(cal, lang, kpi_label))

    what = escape(obs.name or _t("the_branch", lang)) + (Markup(": {}").format(obs.description)
                                                        if obs.description else "")
    source = Markup(" ({})").format(code(obs.source)) if obs.source else ""
    runs_observed = cal.provenance.get("observed_runs", 1)
    each = _t("each_one", lang) if runs_observed == 1 else _t("each_mean", lang, n=runs_observed)
    rows = [(escape(kpi_label(k)), number(v), number(s), share(s / abs(v)) if v else "–")
            for k, (v, s) in obs.values.items()]
    parts.append(h2("h_observed") + Markup("<p>{}</p>").format(_t("observed_text", lang, what=what, source=source,
                                                                    each=each))
                 + Markup(html_table([_t(k, lang) for k in ("col_kpi", "col_observed", "col_sd", "col_sd_share")],
                                     rows)))

    parts.append(h2("h_method") + Markup("<p>{}</p>").format(_t("method", lang))
                 + muted(_t("method_note", lang, ess=f"{cal.ess:.0f}")))

    yes, no = str(_t("yes", lang)), str(_t("no", lang))
    fit_rows = []
    for kpi, r in zip(cal.fit.index, cal.fit.itertuples(index=False), strict=True):
        fit_rows.append((escape(kpi_label(kpi)), f"{number(r.observed)} ± {number(r.sd)}", number(r.simulated),
                         f"[{number(r.low)}, {number(r.high)}]", number(r.best),
                         "–" if r.z != r.z else f"{r.z + 0.0:+.2f}",
                         yes if r.within_sd else Markup("<b>{}</b>").format(no), yes if r.covered else no,
                         share(r.emulator_ok)))
    header: list[str] = [_t(k, lang) for k in ("col_kpi", "col_observed_sd", "col_simulated", "col_interval",
                                               "col_best")]
    header += ["z", *[_t(k, lang) for k in ("col_within", "col_covered", "col_emulator")]]
    parts.append(h2("h_fit") + Markup(html_table(header, fit_rows)) + muted(_t("fit_note", lang))
                 + Markup(draw_figures([(str(_t("fig_fit", lang)), lambda: cal.plot("fit", lang=lang),
                                         str(_t("cap_fit", lang)))])))

    param_rows = []
    for r in cal.identifiability.itertuples(index=False):
        param_rows.append((Markup("{}<br>{}").format(parameter(r.parameter), code(r.parameter)),
                           f"{number(r.low)} – {number(r.high)}", number(cal.best[r.parameter]), number(r.median),
                           f"{number(r.q05)} – {number(r.q95)}", share(r.width_share),
                           code(r.correlated_with) if r.correlated_with else "", escape(_status(r.status, lang))))
    header = [_t(k, lang) for k in ("col_parameter", "col_prior", "col_best", "col_median", "col_interval",
                                    "col_width", "col_correlated", "col_status")]
    figures = [(str(_t("fig_posterior", lang)), lambda: cal.plot("posterior", lang=lang),
                str(_t("cap_posterior", lang)))]
    if len(cal.parameters) > 1:
        figures.append((str(_t("fig_pairs", lang)), lambda: cal.plot("pairs", lang=lang), str(_t("cap_pairs", lang))))
    parts.append(h2("h_parameters") + _identifiability(cal, lang) + Markup(html_table(header, param_rows))
                 + muted(_t("param_note", lang)) + Markup(draw_figures(figures)))

    wave_rows = [(escape(str(r.wave)), str(int(r.points)), str(int(r.runs)),
                  "" if r.plausible_share != r.plausible_share else f"{r.plausible_share:.1%}")
                 for r in cal.waves.itertuples(index=False)]
    header = [_t(k, lang) for k in ("col_wave", "col_settings", "col_runs", "col_plausible")]
    parts.append(h2("h_waves") + Markup(html_table(header, wave_rows)) + muted(_t("waves_note", lang))
                 + Markup(draw_figures([(str(_t("fig_waves", lang)), lambda: cal.plot("waves", lang=lang),
                                         str(_t("cap_waves", lang)))])))

    warnings = (Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(w) for w in cal.warnings))
                if cal.warnings else Markup("<p>{}</p>").format(_t("none", lang)))
    parts.append(h2("h_warnings") + warnings)
    parts.append(h2("h_calibrated") + Markup("<details><summary>{}</summary><pre>{}</pre></details>").format(
        _t("calibrated_summary", lang), cal.to_toml()))
    info: dict[str, Any] = {"seed": cal.seed, "runs": runs,
                            "wall time": f"{cal.provenance.get('wall_time_s', float('nan')):.1f} s",
                            "model fingerprint": cal.provenance.get("model", ""),
                            "effective posterior sample": f"{cal.ess:.0f}"}
    info.update({k: v for k, v in cal.provenance.items() if k not in ("seed", "runs", "wall_time_s", "model")})
    if obs.source:
        info["observed data"] = obs.source
    if command:
        info["command"] = command
    parts.append(h2("h_provenance") + info_table(info, code=True) + muted(_t("provenance_note", lang)))
    return page(title, [str(p) for p in parts], lang)


def _status(status: str, lang: str) -> str:
    """The identifiability status in `lang` ("pinned down only with a, b" keeps the parameter paths)."""
    prefix = "pinned down only with"
    if status.startswith(prefix):
        return str(_t(prefix, lang, list=status[len(prefix):].strip()))
    return str(_t(status, lang)) if status in PHRASES else status


def _findings(cal: Calibration, lang: str, kpi_label: Any) -> Markup:
    fit = cal.fit
    items: list[Markup] = []
    missed = [f"{kpi_label(k)} (z = {z:+.1f})" for k, z, ok in zip(fit.index, fit["z"], fit["within_sd"],
                                                                   strict=True) if not ok]
    items.append(_t("reproduces", lang, k=len(fit) - len(missed), n=len(fit))
                 + (_t("not_these", lang, list=", ".join(missed)) if missed else _t("stop", lang)))
    weak = [kpi_label(k) for k, ok in zip(fit.index, fit["emulator_ok"], strict=True) if ok == ok and ok < 0.9]
    if weak:
        items.append(_t("weak", lang, list=", ".join(weak)))
    status = cal.identifiability["status"]
    pinned = list(cal.identifiability.loc[status == "pinned down", "parameter"])
    loose = list(cal.identifiability.loc[status == "not pinned down", "parameter"])
    items.append(_t("pins", lang, list=", ".join(pinned)) if pinned else _t("pins_none", lang))
    if loose:
        items.append(_t("loose", lang, list=", ".join(loose)))
    together = _together(cal, lang)
    if together:
        items.append(_t("together", lang, list=Markup("; ").join(together)))
    if cal.warnings:
        items.append(_t("n_warnings", lang, n=len(cal.warnings)))
    return Markup("<ul class='findings'>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(i)
                                                                          for i in items))


def _together(cal: Calibration, lang: str) -> list[Markup]:
    """Each strongly correlated pair once: 'a and b (r = +0.85)'."""
    pairs: dict[frozenset[str], Markup] = {}
    for r in cal.identifiability.itertuples(index=False):
        for partner in filter(None, str(r.correlated_with).split("; ")):
            match = re.match(r"(\S+) \(([+-][0-9.]+)\)", partner)
            if match:
                key = frozenset((r.parameter, match.group(1)))
                pairs.setdefault(key, _t("pair", lang, a=r.parameter, b=match.group(1), r=match.group(2)))
    return list(pairs.values())


def _identifiability(cal: Calibration, lang: str) -> Markup:
    """What the data can and cannot say about the parameters, in plain words."""
    lines = []
    for r in cal.identifiability.itertuples(index=False):
        interval = f"{number(r.q05)} – {number(r.q95)}"
        p = Markup("<b><code>{}</code></b>").format(r.parameter)
        if r.status == "not pinned down":
            lines.append(_t("p_loose", lang, p=p, interval=interval, share=share(r.width_share), low=number(r.low),
                            high=number(r.high)))
        elif r.status.startswith("pinned down only with"):
            lines.append(_t("p_together", lang, p=p, partners=r.correlated_with))
        else:
            lines.append(_t("p_pinned", lang, p=p, interval=interval, share=share(r.width_share)))
    return Markup("<ul class='findings'>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(line)
                                                                          for line in lines))
