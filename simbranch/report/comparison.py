"""The report of a comparison: a page that a strategy team can put in front of its executives.

It tells the story in the order a reader needs it: the question (which measures, on which
branch); the answer (which measures pay and by how much a year, with intervals, and at what
price); the caveats the automatic checks found; then the evidence (figures, tables, the
scenario and what reproduces the numbers). In English or Chinese (`lang`), money in the
scenario's currency.

All differences come from one family, `Comparison.paired` over `REPORT_KPIS` and every measure,
computed once and shared by the sentences, the answer table, the forest and trade-off figures
and the table of differences: its intervals are adjusted for the family's size, so "significant",
"filled marker", "bold row" and "interval excludes zero" are one statement.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from simbranch import meanings
from simbranch.experiment.compare import HEADLINE_KPIS, Comparison
from simbranch.report import story
from simbranch.report.caveats import caveats
from simbranch.report.page import check_lang, info_table, render, report_path, table
from simbranch.report.page import figure as page_figure
from simbranch.report.text import say
from simbranch.scenario import flat_paths

if TYPE_CHECKING:
    from simbranch.report.story import MeasureAnswer

__all__ = ["FIGURE_KPIS", "REPORT_KPIS", "TIME_COLUMNS", "highlighted_policies", "report_html", "write_report"]

#: The KPIs of the report's family of paired differences (the table of differences shows them all).
REPORT_KPIS = list(HEADLINE_KPIS)
#: KPIs of the forest plot and of the levels figure.
FIGURE_KPIS = ["satisfaction_mean", "nps", "sales_count", "profit", "exhausted_share", "wait_mean_h"]
#: Daily series drawn over time.
TIME_COLUMNS = ["satisfaction_mean", "sales_count", "stress_mean", "wait_mean_h", "headcount"]


def write_report(cmp: Comparison, path: str | Path, *, command: str | None = None, title: str | None = None,
                 store: str | Path | None = None, highlight: Sequence[str] | None = None, lang: str = "en") -> Path:
    """Write the report of a comparison to an HTML file and return the file.

    The page is `report_html`'s: one self-contained file (figures inline, no script, nothing
    fetched from the network) that opens from a mail attachment.

    Parameters
    ----------
    cmp : Comparison
        The comparison (`simbranch.compare`).
    path : str or pathlib.Path
        The file, or a folder (existing, or a path without a suffix) that gets ``report.html``;
        missing folders are made.
    command : str, optional
        The command line that made the comparison, shown under Provenance.
    title : str, optional
        The page's title; by default one naming the branch.
    store : str or pathlib.Path, optional
        The result store the runs are in, shown under Provenance.
    highlight : sequence of str, optional
        The policies drawn over time and in the distributions (name the baseline to have it
        drawn); by default the baseline and the best on profit, satisfaction and sales
        (`highlighted_policies`). A name the comparison does not have is a ValueError.
    lang : {"en", "zh"}, default "en"
        Language of the page (money in the scenario's currency).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", or `highlight` names a policy the comparison does not have.
    OSError
        If the file cannot be written.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import report
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
    >>> path = report.write_report(cmp, "tiny_report.html")
    >>> path.name, path.stat().st_size > 0
    ('tiny_report.html', True)
    """
    html = report_html(cmp, command=command, title=title, store=store, highlight=highlight, lang=lang)
    path = report_path(path)
    path.write_text(html, encoding="utf-8")
    return path


def report_html(cmp: Comparison, *, command: str | None = None, title: str | None = None,
                store: str | Path | None = None, highlight: Sequence[str] | None = None, lang: str = "en") -> str:
    """Return the report of a comparison as one self-contained HTML page.

    It tells the story in the order a reader needs it: the question, the answer (which measures
    pay and by how much a year, with intervals, and at what price), the caveats the automatic
    checks found, then the evidence (figures, tables, the scenario and what reproduces the
    numbers).

    Parameters
    ----------
    cmp : Comparison
        The comparison (`simbranch.compare`).
    command : str, optional
        The command line that made the comparison, shown under Provenance.
    title : str, optional
        The page's title; by default one naming the branch.
    store : str or pathlib.Path, optional
        The result store the runs are in, shown under Provenance.
    highlight : sequence of str, optional
        The policies drawn over time and in the distributions (name the baseline to have it
        drawn); by default the baseline and the best on profit, satisfaction and sales
        (`highlighted_policies`). A name the comparison does not have is a ValueError.
    lang : {"en", "zh"}, default "en"
        Language of the page (money in the scenario's currency).

    Returns
    -------
    str
        The HTML page.

    Raises
    ------
    ValueError
        If `lang` is not "en" or "zh", or `highlight` names a policy the comparison does not have.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import report
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
    >>> html = report.report_html(cmp, title="A tiny branch")
    >>> "<html" in html and "A tiny branch" in html
    True
    """
    check_lang(lang)
    highlight = _checked_highlight(cmp, highlight)
    sc = cmp.scenario
    currency = getattr(sc.branch, "currency", "CNY")
    branch = sc.branch.name
    has_baseline = bool(len(cmp.table)) and bool((cmp.table["policy"] == "baseline").any())
    others = [p.name for p in cmp.policies if p.name != "baseline"]
    family = cmp.paired(kpis=[k for k in REPORT_KPIS if k in cmp.table]) if has_baseline and others else None
    name = _namer(lang)
    context: dict[str, Any] = {
        "lang": lang, "title": title or str(say("title", lang, branch=branch)),
        "overview": _overview(cmp, lang),
        "generated": say("generated", lang, when=time.strftime("%Y-%m-%d %H:%M")),
        "say": lambda key, **kw: say(key, lang, **kw),
        "question": say("question", lang, branch=branch),
        "question_scenarios": say("question_scenarios", lang, scenarios=cmp.n_scenarios) if cmp.n_scenarios > 1
        else "",
        "measures": [(name(p.name), _description(p, lang)) for p in cmp.policies if p.name != "baseline"],
        "nothing": not len(cmp.table),
        "answer": _answer(cmp, family, lang, currency) if family is not None and len(family) else None,
        "caveats": caveats(cmp, family if family is not None else pd.DataFrame(columns=["kpi"]), lang, currency),
        "figures": _figures(cmp, family, highlight, lang, currency),
        "paired": _paired_table(cmp, family, lang, currency) if family is not None and len(family) else "",
        "summary": _summary_table(cmp, lang, currency) if len(cmp.table) else "",
        "policies": _policies_table(cmp, lang),
        "failures": _failures(cmp), "failures_count": len(cmp.failures),
        "scenario": _scenario(cmp, lang),
        "provenance": _provenance(cmp, command, store),
    }
    return render("comparison.html.j2", **context)


def highlighted_policies(cmp: Comparison, limit: int = 3) -> list[str]:
    """Return the baseline and up to `limit` other policies worth drawing in the report's figures.

    The others are the best on profit, satisfaction and sales in turn, and when one policy leads
    on several, the runners-up, so that the figures show distinct policies.

    Parameters
    ----------
    cmp : Comparison
        The comparison (`simbranch.compare`).
    limit : int, default 3
        How many policies besides the baseline, at most.

    Returns
    -------
    list of str
        Policy names, the baseline first (when the comparison has it).

    Raises
    ------
    TypeError
        If `limit` is not a number.

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch import report
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.Scenario().with_overrides(tiny)
    >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
    >>> report.highlighted_policies(cmp)
    ['baseline', 'crm_routing']
    """
    names = [p.name for p in cmp.policies]
    chosen = ["baseline"] if "baseline" in names else []
    if not len(cmp.table):
        return chosen or names[: limit + 1]
    others = cmp.table[cmp.table["policy"] != "baseline"]
    rankings = [list(others.groupby("policy")[kpi].mean().sort_values(ascending=False).index)
                for kpi in ("profit", "satisfaction_mean", "sales_count")]
    wanted = min(limit, others["policy"].nunique())
    while len(chosen) - ("baseline" in chosen) < wanted:
        for ranking in rankings:
            pick = next((p for p in ranking if p not in chosen), None)
            if pick is not None and len(chosen) - ("baseline" in chosen) < wanted:
                chosen.append(str(pick))
    return chosen


# --------------------------------------------------------------------------- the story


def _namer(lang: str) -> Any:
    return lambda policy: meanings.label(str(policy), lang, default=str(policy))


def _description(policy: Any, lang: str) -> str:
    try:
        return meanings.description(policy.name, lang)
    except meanings.UnknownName:
        return policy.description or ""


def _overview(cmp: Comparison, lang: str) -> Markup:
    sc, b = cmp.scenario, cmp.scenario.branch
    fields = {"policies": len(cmp.policies) - 1, "reps": cmp.replications, "seed": cmp.seed,
              "ams": sc.managers.count, "clients": sc.clients.count, "days": b.horizon_days, "warmup": b.warmup_days}
    if cmp.n_scenarios > 1:
        return say("overview_scenarios", lang, scenarios=cmp.n_scenarios, **fields)
    return say("overview", lang, **fields)


def _answer(cmp: Comparison, family: pd.DataFrame, lang: str, currency: str) -> dict[str, Any]:
    """The answer section: sentences and the answer table, from the family."""
    b = cmp.scenario.branch
    measures = story.answers(family, b.days_per_year, b.horizon_days)
    name = _namer(lang)
    n = len(measures)
    paying = [m for m in measures if m.verdict in ("v_pays", "v_pays_price")]
    lines: list[Markup] = []
    if paying:
        items = []
        for m in paying:
            e = m.effects["profit"]
            text = say("pays_item", lang, policy=Markup("<b>{}</b>").format(name(m.policy)),
                       amount=story.value_text("profit", e.difference, lang, currency, difference=True),
                       low=story.value_text("profit", e.low, lang, currency, difference=True),
                       high=story.value_text("profit", e.high, lang, currency, difference=True))
            losses = [x for x in m.losses if x.kpi != "profit"]
            if losses:
                text += Markup("; ") + say("at_price", lang, what=", ".join(
                    story.change_phrase(x, lang, currency) for x in losses))
            items.append(text)
        lines.append(say("pay_some", lang, k=len(paying), n=n) + Markup("<ul>{}</ul>").format(
            Markup("").join(Markup("<li>{}</li>").format(i) for i in items)))
    else:
        lines.append(say("pay_none", lang, n=n, reps=cmp.replications))
    satisfied = [m for m in measures if (sat := m.effect("satisfaction_mean")) and sat.significant and sat.better]
    lines.append(say("raise_satisfaction", lang, list=", ".join(
        f"{name(m.policy)} ({story.change_phrase(m.effects['satisfaction_mean'], lang, currency)})"
        for m in satisfied)) if satisfied else say("raise_satisfaction_none", lang))
    harming = [m for m in measures if m.verdict == "v_harms"]
    if harming:
        worse = dict.fromkeys(story.inline_label(x.kpi, lang) for m in harming for x in m.losses)
        lines.append(say("harm", lang, what=", ".join(worse), list=", ".join(name(m.policy) for m in harming)))
    unclear = [m for m in measures if m.verdict == "v_none"]
    if unclear:
        lines.append(say("unclear", lang, list=", ".join(name(m.policy) for m in unclear)))
    for kpi in ("profit", "satisfaction_mean"):
        lines.append(_best_sentence(cmp, kpi, lang))
    return {"lines": lines, "table": _answer_table(measures, lang, currency),
            "note": say("per_year_note", lang, days_per_year=b.days_per_year, days=b.horizon_days)}


def _best_sentence(cmp: Comparison, kpi: str, lang: str) -> Markup:
    """Who leads on `kpi` by multiple comparisons with the best, and who cannot be told apart from it."""
    best = cmp.best(kpi, maximize=meanings.better(kpi) != "lower")
    name = _namer(lang)
    leader = Markup("<b>{}</b>").format(name(best["policy"]))
    contenders = [c for c in best.get("contenders", []) if c != best["policy"]]
    label = story.inline_label(kpi, lang)
    if best.get("significant") and not contenders:
        p = best.get("p_value", float("nan"))
        return say("best_sure", lang, kpi=label, policy=leader, p="<0.001" if p < 0.001 else f"{p:.3f}")
    shown = contenders or ([best["runner_up"]] if best.get("runner_up") else [])
    return say("best_unsure", lang, kpi=label, policy=leader, others=", ".join(name(c) for c in shown))


def _answer_table(measures: list[MeasureAnswer], lang: str, currency: str) -> Markup:
    name = _namer(lang)
    kpis = [k for k in story.ANSWER_KPIS if any(k in m.effects for m in measures)]
    header = [say("col_measure", lang), say("col_verdict", lang),
              *[say("per_year", lang, label=meanings.label(k, lang))
                if (f := meanings.find(k)) is not None and f.flow else meanings.label(k, lang) for k in kpis],
              say("col_better", lang), say("col_worse", lang)]
    rows = []
    for m in measures:
        cells: list[Any] = [name(m.policy), Markup("<span class='verdict-{cls}'>{text}</span>").format(
            cls="pays" if m.verdict.startswith("v_pays") else "harms" if m.verdict == "v_harms" else "other",
            text=say(m.verdict, lang))]
        for k in kpis:
            e = m.effect(k)
            text = story.effect_text(e, lang, currency) if e is not None else "–"
            cells.append(Markup("<b>{}</b>").format(text) if e is not None and e.significant else text)
        extra_gains = [x for x in m.gains if x.kpi not in kpis]
        cells.append(", ".join(story.change_phrase(x, lang, currency) for x in extra_gains) or say("none", lang))
        cells.append(", ".join(story.change_phrase(x, lang, currency) for x in m.losses if x.kpi not in kpis)
                     or say("none", lang))
        rows.append(cells)
    return table(header, rows, text=(1, len(header) - 2, len(header) - 1))


# --------------------------------------------------------------------------- the evidence


def _checked_highlight(cmp: Comparison, highlight: Sequence[str] | str | None) -> list[str] | None:
    """`highlight` as a list of the comparison's policies (one name is a list of one), None for the
    default, or a ValueError naming the unknown names and the policies there are."""
    if highlight is None:
        return None
    chosen = [highlight] if isinstance(highlight, str) else list(highlight)
    names = [p.name for p in cmp.policies]
    unknown = [name for name in chosen if name not in names]
    if unknown:
        raise ValueError(f"highlight: no policy {', '.join(map(repr, unknown))} in this comparison; "
                         f"policies: {', '.join(names)}")
    return chosen


def _figures(cmp: Comparison, family: pd.DataFrame | None, highlight: Sequence[str] | None, lang: str,
             currency: str) -> list[Markup]:
    """The report's figures; one with nothing to draw (a plot's ValueError: every value undefined, as
    satisfaction with no clients) is left out rather than failing the report."""
    if not len(cmp.table):
        return []
    out: list[Markup] = []
    _add_figures(out, cmp, family, highlight, lang, currency)
    return out


def _add_figures(out: list[Markup], cmp: Comparison, family: pd.DataFrame | None, highlight: Sequence[str] | None,
                 lang: str, currency: str) -> None:
    from simbranch import plots

    def figure(draw: Any, name: Markup, caption: Markup) -> Markup:
        try:
            return page_figure(draw(), name, caption)
        except ValueError:
            return Markup("")

    several = cmp.n_scenarios > 1
    kw: dict[str, Any] = {"lang": lang, "currency": currency}
    if family is not None and len(family):
        kpis = [k for k in FIGURE_KPIS if k in set(family["kpi"])]
        caption = (say("cap_forest_scenarios", lang, n=cmp.n_scenarios) if several else say("cap_forest", lang))
        out.append(figure(lambda: plots.forest(family, kpis, **kw), say("fig_forest", lang), caption))
    summary = cmp.summary(kpis=[k for k in REPORT_KPIS if k in cmp.table])
    if {"profit", "satisfaction_mean"} <= set(summary["kpi"]):
        pair = family[family["kpi"].isin(["satisfaction_mean", "profit"])] if family is not None else None
        out.append(figure(lambda: plots.tradeoff(summary, "satisfaction_mean", "profit", paired=pair, **kw),
                          say("fig_tradeoff", lang), say("cap_tradeoff", lang)))
    runs = say("runs_scenarios", lang) if several else say("replications", lang)
    runs_text = f"{len(cmp.table) // max(len(cmp.policies), 1)} {runs}"
    out.append(figure(lambda: plots.kpi_bars(summary, [k for k in FIGURE_KPIS if k in set(summary["kpi"])], **kw),
                      say("fig_levels", lang), say("cap_levels", lang, runs=runs_text)))
    shown = list(highlight) if highlight is not None else highlighted_policies(cmp)
    daily = cmp.daily(warmup=True)
    if len(daily):
        columns = [c for c in TIME_COLUMNS if c in daily]
        out.append(figure(lambda: plots.over_time(daily, columns, policies=shown, smooth_days=5, **kw),
                          say("fig_time", lang), say("cap_time", lang, runs=runs_text)))
    ok = set(cmp.table["policy"])
    reruns = {p: cmp.rerun(p, 0) for p in shown if p in ok}
    if reruns:
        which = say("rep0_scenarios", lang) if several else say("rep0", lang)
        clients = {p: r.clients for p, r in reruns.items()}
        managers = {p: r.managers for p, r in reruns.items()}
        out.append(figure(lambda: plots.distributions(clients, managers, **kw), say("fig_distributions", lang),
                          say("cap_distributions", lang, which=which)))
        out.append(figure(lambda: plots.am_scatter(managers, **kw), say("fig_scatter", lang),
                          say("cap_scatter", lang, which=which)))


def _paired_table(cmp: Comparison, family: pd.DataFrame, lang: str, currency: str) -> Markup:
    name = _namer(lang)
    several = cmp.n_scenarios > 1
    header = [say("col_measure", lang), say("col_kpi", lang), say("col_baseline", lang), say("col_difference", lang),
              say("col_interval", lang), say("col_relative", lang),
              *([say("col_range", lang), say("col_p_better", lang)] if several else []), say("col_p", lang)]
    rows, classes = [], []
    for r in family.itertuples(index=False):
        found = meanings.find(r.kpi)

        def v(x: float, kpi: str = r.kpi, difference: bool = True, unit: bool = False) -> str:
            return story.value_text(kpi, x, lang, currency, difference=difference, unit=unit)

        relative = (f"{r.relative:+.1%}" if found is not None and found.relative_ok and r.relative == r.relative
                    else "–")
        row = [name(r.policy), meanings.label(r.kpi, lang, default=r.kpi),
               v(r.baseline_mean, difference=False, unit=True), v(r.difference, unit=True),
               f"[{v(r.ci_low)}, {v(r.ci_high)}]", relative]
        if several:
            row += [f"[{v(r.interval_low)}, {v(r.interval_high)}]",
                    "–" if r.p_better != r.p_better else f"{r.p_better:.0%}"]
        row.append("<0.001" if r.p_adjusted < 0.001 else f"{r.p_adjusted:.3f}")
        rows.append(row)
        classes.append("significant" if r.significant else "")
    note = say("note_paired", lang, rows=len(family))
    if several:
        note += Markup(" ") + say("note_paired_scenarios", lang, n=cmp.n_scenarios)
    return table(header, rows, classes=classes, text=(1,)) + Markup("<p class='muted'>{}</p>").format(note)


def _summary_table(cmp: Comparison, lang: str, currency: str) -> Markup:
    name = _namer(lang)
    kpis = [k for k in REPORT_KPIS if k in cmp.table]
    summary = cmp.summary(kpis=kpis)
    cells = {(r.policy, r.kpi): f"{story.value_text(r.kpi, r.mean, lang, currency)} ± "
                                f"{story.value_text(r.kpi, r.ci_half_width, lang, currency, unit=False)}"
             for r in summary.itertuples(index=False)}
    policies = [p.name for p in cmp.policies if p.name in set(summary["policy"])]
    rows = [[name(p), *[cells.get((p, k), "–") for k in kpis]] for p in policies]
    header = [say("col_measure", lang), *[meanings.label(k, lang) for k in kpis]]
    over = (f"{cmp.n_scenarios} x {cmp.replications} {say('runs_scenarios', lang)}" if cmp.n_scenarios > 1
            else f"{cmp.replications} {say('replications', lang)}")
    return table(header, rows) + Markup("<p class='muted'>{}</p>").format(say("note_summary", lang, over=over))


def _policies_table(cmp: Comparison, lang: str) -> Markup:
    name = _namer(lang)
    rows = []
    for p in cmp.policies:
        changes = "; ".join(f"{k} = {v}" for k, v in p.to_flat().items()) or str(say("own_levers", lang))
        rows.append([name(p.name), _description(p, lang), Markup("<code>{}</code>").format(changes)])
    return table([say("col_measure", lang), say("col_what", lang), say("col_changes", lang)], rows, text=(1, 2))


def _failures(cmp: Comparison) -> Markup:
    if not len(cmp.failures):
        return Markup("")
    frame = cmp.failures.assign(error=cmp.failures["error"].astype(str).str.strip().str.splitlines().str[-1])
    return Markup(frame.to_html(index=False, escape=True))


def _scenario(cmp: Comparison, lang: str) -> dict[str, Any]:
    sc = cmp.scenario
    facts: dict[str, Any] = {say("fact_branch", lang): sc.branch.name, say("fact_ams", lang): sc.managers.count,
             say("fact_clients", lang): sc.clients.count, say("fact_rule", lang): sc.allocation.rule,
             say("fact_days", lang): sc.branch.horizon_days, say("fact_warmup", lang): sc.branch.warmup_days,
             say("fact_hours", lang): sc.branch.hours_per_day,
             say("fact_currency", lang): getattr(sc.branch, "currency", "CNY")}
    varying = _varying(cmp, lang) if cmp.n_scenarios > 1 else None
    return {"facts": info_table(facts), "toml": sc.to_toml(minimal=True), "varying": varying,
            "several": say("scenario_first", lang, n=cmp.n_scenarios) if cmp.n_scenarios > 1 else ""}


def _varying(cmp: Comparison, lang: str) -> Markup:
    """The scenario fields that are not the same in every scenario, with their range across the scenarios."""
    flat = [flat_paths(sc.to_dict()) for sc in cmp.scenarios]
    rows = []
    for path in dict.fromkeys(k for f in flat for k in f):
        values = [f.get(path) for f in flat]
        if all(v == values[0] for v in values):
            continue
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        shown = (f"{min(numbers):.4g} – {max(numbers):.4g}" if len(numbers) == len(values)
                 else ", ".join(dict.fromkeys(map(str, values)))[:120])
        rows.append([Markup("<code>{}</code>").format(path), shown, len(set(map(str, values)))])
    if not rows:
        return Markup("<p class='muted'>{}</p>").format(say("scenario_same", lang))
    return table([say("col_field", lang), say("col_across", lang), say("col_distinct", lang)], rows)


def _provenance(cmp: Comparison, command: str | None, store: str | Path | None) -> Markup:
    seeds = (f"numpy.random.SeedSequence({cmp.seed}, spawn_key=((s + r) (s + r + 1) / 2 + r,)) for replication "
             f"r = 0..{max(cmp.replications - 1, 0)} of scenario s = 0..{cmp.n_scenarios - 1}" if cmp.n_scenarios > 1
             else f"numpy.random.SeedSequence({cmp.seed}, spawn_key=(r,)), r = 0..{max(cmp.replications - 1, 0)}")
    info: dict[str, Any] = {"seed": cmp.seed, "replications": cmp.replications,
                            **({"scenarios": cmp.n_scenarios} if cmp.n_scenarios > 1 else {}),
                            "replication seeds": seeds, **cmp.provenance}
    if store is not None:
        info["result store"] = str(store)
    if command:
        info["command"] = command
    return info_table(info, code=True)
