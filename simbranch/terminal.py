"""How the command's answers look on a terminal: aligned columns, names and numbers in the reader's language.

The tables of `simbranch.cli` are read by people who manage Chinese bank branches as well as by
English readers, so everything a table shows goes through here:

- Columns line up by *display width* (`width`): a Chinese character takes two columns of a
  terminal, so padding by `len` would push every cell after a Chinese label out of line.
- KPIs and preset policies are shown by their label in the chosen language (`kpi_name`,
  `policy_name`), from the registry of meanings (`simbranch.meanings`); a user's own policy that
  the registry does not know keeps its own name, and `names="code"` shows the code names
  (satisfaction_mean, crm_routing) that `--kpi`, `--policy` and the CSV files use.
- Values are written by `meanings.fmt` (shares as percentages, their changes in percentage
  points), and a relative change only where one makes sense (`meanings.Measure.relative_ok`).
- The table's own words (headers, legends) come from `WORDS`, in English and Chinese.

Nothing here computes a result: it only decides how a number that `simbranch` computed is shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from wcwidth import wcswidth

from simbranch import meanings
from simbranch.scenario import _printable

__all__ = ["LANGS", "NAME_MODES", "WORDS", "better_word", "format_value", "kpi_name", "pad", "places",
           "policy_name", "relative", "signed", "table", "unit_note", "unit_of", "value", "width", "word"]

#: The languages of the tables (those of the registry): English and Simplified Chinese.
LANGS: tuple[str, ...] = meanings.LANGS

#: How KPIs and policies are named in a table: by their label in the chosen language, or by code name.
NAME_MODES: tuple[str, ...] = ("label", "code")

#: The tables' own words, (English, Chinese), by key. A sentence with `{...}` fields is a template.
WORDS: dict[str, tuple[str, str]] = {
    # column headers
    "kpi": ("KPI", "指标"),
    "value": ("value", "数值"),
    "unit": ("unit", "单位"),
    "better": ("better", "方向"),
    "policy": ("policy", "政策"),
    "baseline": ("baseline", "基准值"),
    "difference": ("difference", "差值"),
    "relative": ("relative", "相对变化"),
    "ci": ("{level} CI", "{level}置信区间"),
    "p_adj": ("p adj.", "校正p值"),
    "observed": ("observed ± sd", "观测值 ± 标准差"),
    "simulated": ("simulated mean [90 % interval]", "模拟均值 [90%区间]"),
    "parameter": ("parameter", "参数"),
    "best": ("best", "最优值"),
    "interval90": ("90 % interval", "90%区间"),
    "prior": ("prior range", "先验范围"),
    "status": ("status", "状态"),
    "beating": ("draws beating baseline", "优于基准的抽样比例"),
    "median_effect": ("median effect", "效果中位数"),
    "range": ("5-95 % range", "5%-95%范围"),
    "point": ("point", "点"),
    "label": ("label", "名称"),
    # cell words
    "higher": ("higher", "越高越好"),
    "lower": ("lower", "越低越好"),
    "neither": ("", ""),
    "verdict_better": ("better", "更好"),
    "verdict_worse": ("worse", "更差"),
    "n/a": ("n/a", "无数据"),
    "pinned down": ("pinned down", "已确定"),
    "not pinned down": ("not pinned down", "未能确定"),
    "pinned down only with": ("pinned down only with", "仅与以下参数共同确定:"),
    "no assumption stands out": ("no assumption stands out", "没有突出的假设"),
    "effect of": ("effect of {policy}", "{policy}的效果"),
    "ranking margin": ("ranking margin", "领先幅度"),
    # header lines
    "run_header": ("{branch}: seed {seed}, {days} days measured after {warmup} warm-up days, {seconds:.2f} s",
                   "{branch}:随机种子 {seed},预热 {warmup} 天后统计 {days} 天,用时 {seconds:.2f} 秒"),
    "paired_header": ("{branch}: seed {seed}, {policies} x {replications}, {days} days measured after "
                      "{warmup} warm-up days",
                      "{branch}:随机种子 {seed},{policies} × {replications},预热 {warmup} 天后统计 {days} 天"),
    "no_baseline": ("no run of the baseline succeeded: nothing to compare", "基准情景没有一次运行成功:无从比较"),
    # legends
    "paired_difference": ("difference: policy minus baseline, mean over the paired replications (same seeds); "
                          "{ci}: t interval adjusted over the {n} comparisons, so that it leaves out 0 exactly "
                          "when p adj. < {alpha}",
                          "差值:政策减基准,成对重复运行(相同随机种子)的平均值;{ci}:对 {n} 项比较校正后的 t 区间,"
                          "当且仅当校正p值 < {alpha} 时不含 0"),
    "paired_relative": ("relative: difference / baseline, for counts, amounts and hours only (not for shares, "
                        "scores or NPS)",
                        "相对变化:差值/基准值,仅用于数量、金额和时长(不用于比例、评分和NPS)"),
    "paired_p": ("p adj.: paired t-test, Benjamini-Hochberg adjusted over the {n} comparisons; better / worse: "
                 "p adj. < {alpha} in the KPI's better / worse direction (* where it has none)",
                 "校正p值:配对t检验,经Benjamini-Hochberg方法对 {n} 项比较校正;更好/更差:校正p值 < {alpha},"
                 "且朝该指标更好/更差的方向(无方向的指标标 *)"),
    "calibration_z": ("z: (simulated mean - observed) / sd over the posterior draws; * more than one sd away",
                      "z:(模拟均值 - 观测值)/标准差,基于后验抽样;* 表示相差超过一个标准差"),
    "warnings": ("warnings:", "警告:"),
    "is_better": ("{kpi} ({unit}{better} is better):", "{kpi}({unit}{better}):"),
    "is_neither": ("{kpi} ({unit}neither way is better; beating the baseline counts draws above it):",
                   "{kpi}({unit}无优劣方向;优于基准指高于基准):"),
    "best_policy": ("best on {kpi} (expected over the draws): {policy}, the best in {share} of the draws",
                    "{kpi}最优(按抽样期望):{policy},在 {share} 的抽样中最优"),
    "no_best": ("no best policy on {kpi}: no draw has a run of every policy",
                "{kpi}无最优政策:没有一次抽样包含所有政策的运行"),
    "assumptions": ("assumptions that matter most (RBD-FAST first-order index S1, top 3 per output):",
                    "影响最大的假设(RBD-FAST一阶指数S1,每项输出前3位):"),
    "assumptions_none": ("assumptions that matter most: not measurable with {draws} (64 or more rank them)",
                         "影响最大的假设:{draws}次抽样无法衡量(需64次或以上)"),
    "robustness_effect": ("effect: policy minus baseline on the same seeds within a draw, mean over its "
                          "replications",
                          "效果:同一抽样内相同随机种子下政策减基准,取重复运行的平均值"),
    "sensitivity_of": ("sensitivity of {kpi} ({method}):", "{kpi}的敏感性({method}):"),
    "wrote": ("wrote {path}", "已写入 {path}"),
    "failed_runs": ("failed runs: {n} of {total} (first: {policy} replication {replication}: {error})",
                    "失败的运行:{total} 次中有 {n} 次(第一次:{policy} 第 {replication} 次重复:{error})"),
    "main_store": ("result store: {path} (running `simbranch main` again reuses its runs)",
                   "结果库:{path}(再次运行 `simbranch main` 会复用其中的运行结果)"),
    "main_report": ("report: {path}", "报告:{path}"),
    "failed_draws": ("failed runs: {n} (first: draw {draw}, {policy} replication {replication}: {error})",
                     "失败的运行:{n} 次(第一次:第 {draw} 次抽样,{policy} 第 {replication} 次重复:{error})"),
    # the optimisation's front (simbranch optimise)
    "front_header": ("{branch}: {levers} levers, {candidates} candidates x {reps} replications ({sampler}, "
                     "seed {seed}); {final} re-evaluated on {final_reps} fresh replications; front of {points} points",
                     "{branch}:{levers} 项措施,{candidates} 个候选方案 × {reps} 次重复({sampler},随机种子 {seed});"
                     "其中 {final} 个以 {final_reps} 次新的重复重新评估;前沿共 {points} 个点"),
    "front_runs": ("runs: {search} in the search and {final_runs} in the final re-evaluation, {ran} of them run now "
                   "(the rest came from the store)",
                   "运行:搜索 {search} 次,最终评估 {final_runs} 次,本次实际运行 {ran} 次(其余取自结果库)"),
    "front_difference": ("difference [95 % CI]", "差值 [95%置信区间]"),
    "front_margin": ("margin: {kpi} [95 % CI]", "余量:{kpi} [95%置信区间]"),
    "front_empty": ("no lever setting met the constraints on the final replications: the front is empty (the "
                    "warning above names the closest)",
                    "没有任何措施组合在最终重复中满足约束:前沿为空(上方警告列出最接近的方案)"),
    "front_legend": ("value: mean over the {final_reps} final replications, on fresh seeds (not those that chose "
                     "the point); difference: point minus baseline on the same seeds, with its 95 % t interval",
                     "数值:{final_reps} 次最终重复的平均值,使用新的随机种子(不是选出该点的种子);差值:同一随机种子下"
                     "该点减基准,附95% t区间"),
    "front_legend_margin": ("margin: how far within its bound ({constraints}); positive: the bound holds",
                            "余量:距约束边界的距离({constraints});为正表示满足约束"),
    "front_legend_inert": ("–: the lever does nothing at that point (its measure is off, or the pay scheme does not "
                           "use it); the point's policy file keeps a value for it all the same",
                           "–:该项设置在此点不起作用(所属措施未启用,或薪酬方案不使用它);该点的政策文件仍保留其取值"),
    "front_within_noise": ("point {point}: point {other} is as good on every objective within the noise and better "
                           "on one (95 %): point {point}'s own edge may be luck",
                           "第 {point} 个点:第 {other} 个点在每个目标上都不比它差(噪声范围内),且至少一个目标明显更好"
                           "(95%):第 {point} 个点自身的优势可能只是运气"),
    "front_legend_files": ("with --out, point N is written as policy-N.toml",
                           "使用 --out 时,第 N 个点写入 policy-N.toml"),
}


def word(key: str, lang: str = "en", **fields: object) -> str:
    """The table word or sentence `key` in `lang`, its `{fields}` filled in."""
    en, zh = WORDS[key]
    text = zh if lang == "zh" else en
    return text.format(**fields) if fields else text


# ---------------------------------------------------------------------------------------------- layout


def width(text: str) -> int:
    """Display columns that `text` takes on a terminal: two for a Chinese character, one for a Latin
    letter. Text with a character of no defined width (a control character; the tables escape
    those first) counts one column per character."""
    shown = wcswidth(text)
    return len(text) if shown < 0 else shown


def pad(text: str, size: int, align: str = "<") -> str:
    """`text` padded with spaces to `size` display columns: "<" left, ">" right, "^" centred."""
    gap = max(size - width(text), 0)
    if align == ">":
        return " " * gap + text
    if align == "^":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def table(header: Sequence[str], rows: Sequence[Sequence[str] | str], align: Sequence[str]) -> list[str]:
    """Columns aligned by display width: a header, a rule and the rows, two spaces between columns.

    A row that is a plain string (a group's title, or "" for a blank line) is a line of its own
    that takes no part in the widths. A column with nothing in it, not even a header, is left out.
    Every cell is escaped first (`_printable`), so that what is measured is what the terminal shows."""
    header = [_printable(h) for h in header]
    cells = [r if isinstance(r, str) else [_printable(str(c)) for c in r] for r in rows]
    widths = [width(h) for h in header]
    for row in cells:
        if not isinstance(row, str):
            widths = [max(w, width(c)) for w, c in zip(widths, row, strict=True)]
    shown = [i for i, w in enumerate(widths) if w > 0]

    def line(row: Sequence[str]) -> str:
        return "  ".join(pad(row[i], widths[i], align[i]) for i in shown).rstrip()

    return [line(header), "  ".join("-" * widths[i] for i in shown),
            *(_printable(r) if isinstance(r, str) else line(r) for r in cells)]


# ---------------------------------------------------------------------------------------------- names


def kpi_name(name: str, lang: str = "en", names: str = "label", unit: bool = False,
             currency: str | None = None) -> str:
    """How a table calls a KPI: its label in `lang` (with its unit in brackets when `unit`, unless the
    label already says it; money in `currency` when given), or its code name with `names="code"` or
    when the registry does not know it."""
    found = meanings.find(name)
    if names == "code" or found is None:
        return name
    label = found.label_zh if lang == "zh" else found.label_en
    shown = unit_note(name, lang, currency)
    if not unit or not shown:
        return label
    sep = "," if lang == "zh" else ", "
    if label.endswith(")"):  # "Net Promoter Score (NPS, -100 to 100)", not "... (NPS) (-100 to 100)"
        return f"{label[:-1]}{sep}{shown})"
    return f"{label}({shown})" if lang == "zh" else f"{label} ({shown})"


def policy_name(name: str, lang: str = "en", names: str = "label") -> str:
    """How a table calls a policy: a preset's (or the baseline's) label in `lang`; a policy of the
    user's own, or any policy with `names="code"`, by the name it was given."""
    preset = meanings.POLICIES.get(name)
    if names == "code" or preset is None:
        return name
    return preset.label_zh if lang == "zh" else preset.label_en


def unit_of(kpi: str, lang: str = "en", currency: str | None = None) -> str:
    """The unit of `kpi` in `lang` (money in `currency` when given: "CNY", "元"), or "" for a KPI the
    registry does not know."""
    return meanings.unit(kpi, lang, currency=currency) if meanings.find(kpi) is not None else ""


def unit_note(kpi: str, lang: str = "en", currency: str | None = None) -> str:
    """The unit of `kpi` to write next to its label: "" when the label already says it ("Sales", not
    "Sales (sales)") or the registry does not know the KPI."""
    shown = unit_of(kpi, lang, currency)
    return "" if shown.casefold() in meanings.label(kpi, lang, default=kpi).casefold() else shown


def better_word(kpi: str, lang: str = "en") -> str:
    """Which way `kpi` is better, in words ("higher", "lower"; "" for a volume or an input)."""
    found = meanings.find(kpi)
    return word(found.better if found is not None else "neither", lang)


# ---------------------------------------------------------------------------------------------- numbers


def format_value(value: float | None) -> str:
    """A number the registry knows nothing about, for people: thousands separators when large,
    3 significant digits when small, "n/a" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if abs(value) >= 1_000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _scale(kpi: str) -> float:
    """What `meanings.fmt` multiplies a value of `kpi` by before writing it (100 for a share)."""
    found = meanings.find(kpi)
    return 100.0 if found is not None and found.format == "share" else 1.0


def places(kpi: str, half_width: float) -> int | None:
    """Digits after the point for a difference of `kpi` known to within `half_width` (a CI's half-width):
    two significant digits of it (negative: tens, hundreds, ...), in the unit shown (percentage points
    for a share), but at most one more than the registry shows of a value. None without a width."""
    if not math.isfinite(half_width) or half_width <= 0:
        return None
    found = meanings.find(kpi)
    digits = min(6, 1 - math.floor(math.log10(half_width * _scale(kpi))))
    return digits if found is None else min(digits, found.decimals + 1)


def value(kpi: str, x: float | None, lang: str = "en", *, difference: bool = False,
          decimals: int | None = None, currency: str | None = None) -> str:
    """A value (or with `difference=True` a signed change) of `kpi`, written by `meanings.fmt`:
    its digits, or `decimals` of them (negative: rounded to tens, hundreds, ...). With `currency`,
    money is written as people write amounts ("1.2M", "35.0万": `meanings.money`, whose steps
    set the digits), without the currency, which the table names once. A KPI the registry does
    not know is written by `format_value`."""
    found = meanings.find(kpi)
    if found is None:
        return signed(x, decimals) if difference else format_value(x)
    if currency is not None and found.format == "money":
        return meanings.fmt(kpi, x, lang, difference=difference, currency=currency, unit=False)
    if x is not None and math.isfinite(x) and decimals is not None and decimals < 0:
        scale = _scale(kpi)
        x, decimals = round(x * scale, decimals) / scale, 0
    return meanings.fmt(kpi, x, lang, difference=difference, decimals=decimals)


def signed(x: float | None, decimals: int | None) -> str:
    """A change of a number the registry knows nothing about, with its sign: rounded to `decimals`
    (negative: tens, hundreds, ...), or to 3 significant digits without them."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if decimals is None:
        return f"{x:+,.0f}" if abs(x) >= 1_000 else f"{x + 0.0:+.3g}"
    rounded = round(x, decimals) + 0.0  # + 0.0: no "-0"
    return f"{rounded:+,.{max(decimals, 0)}f}"


def relative(kpi: str, difference: float, baseline: float, lang: str = "en") -> str:
    """The change `difference` as a share of `baseline` ("+5.2%"), or "" where a relative change means
    nothing: a share, a score or NPS (`relative_ok` False), a KPI the registry does not know, or a
    baseline of zero."""
    found = meanings.find(kpi)
    if found is None or not found.relative_ok or not (math.isfinite(difference) and math.isfinite(baseline)):
        return ""
    if baseline == 0:
        return ""
    share = difference / abs(baseline) * 100
    if round(share, 1) == 0:
        return "0.0%"
    return f"{share:+,.1f}%"
