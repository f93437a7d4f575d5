"""The command line in the reader's language (issue 15): --lang and --names, labels from the registry of
meanings, and tables whose columns line up by display width when they hold Chinese.

Runs are tiny (5 to 30 days, 100 to 300 clients): these tests check what is shown, not the model.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest

import simbranch as sb
import simbranch.report
from simbranch import cli, meanings
from simbranch.cli import main
from simbranch.terminal import kpi_name, table, width

BASELINE = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml"
TINY = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
TINY_ARGS = [arg for path, value in TINY.items() for arg in ("--set", f"{path}={value}")]


def display_cells(line: str) -> list[str]:
    """The terminal columns a line fills: a wide (Chinese) character takes its column and the next ("")."""
    cells: list[str] = []
    for char in line:
        cells += [char] + [""] * (width(char) - 1)
    return cells


def assert_aligned(rows: list[str], rule: str, align: str) -> None:
    """Every row lines up with the rule under the header, counted in display columns: the two columns
    between cells are blank in every row, and a right-aligned cell ends where its column ends. (An empty
    last column, such as the paired table's marks when nothing is significant, is left out of the table.)"""
    spans = [m.span() for m in re.finditer(r"-+", rule)]
    assert len(align) - 1 <= len(spans) <= len(align), (rule, align)
    for row in rows:
        cells = display_cells(row)
        for (_, end), (start, _) in pairwise(spans):
            assert all(c == " " for c in cells[end:start]), f"not blank between columns {end}-{start}: {row!r}"
        for (start, end), how in zip(spans, align, strict=False):
            cell = "".join(cells[start:end]).strip()
            if how == ">" and cell:  # ("" is the second column of a wide character)
                assert len(cells) >= end and cells[end - 1] != " ", f"{cell!r} does not end at column {end}: {row!r}"


# --------------------------------------------------------------------------- display width


def test_a_table_with_chinese_labels_lines_up_by_display_width() -> None:
    """Columns are padded by display width (a Chinese character is two columns), not by len."""
    rows = [("客户满意度(0-1分)", "0.830", "越高越好"), ("Revenue", "12,942", "higher"),
            ("使用CRM系统自动分配", "-1.2个百分点", ""), ("我的政策", "+3", "越低越好")]
    lines = table(("指标", "数值", "方向"), rows, "<><")
    assert_aligned([lines[0], *lines[2:]], lines[1], "<><")
    assert width(lines[2]) != len(lines[2])  # the check above is about display columns, not characters
    ends = {sum(width(c) for c in line[:line.index(value) + len(value)]) for line, (_, value, _) in
            zip(lines[2:], rows, strict=True)}
    assert len(ends) == 1  # the right-aligned values end in one display column


def test_display_width_of_wide_and_unprintable_text() -> None:
    assert width("客户") == 4 and width("ab") == 2 and width("") == 0
    assert width("a\x1bb") == 3  # no defined width: one column a character (the tables escape these first)


@pytest.fixture(scope="module")
def chinese_comparison() -> sb.Comparison:
    """A preset and a policy with a Chinese name of the user's own, against a branch with a Chinese name."""
    sc = sb.Scenario().with_overrides({**TINY, "branch.name": "城东支行", "managers.count": 3})
    mine = sb.Policy(name="我的政策", levers={"training": {"enabled": True}})
    return sb.compare(sc, ["crm_routing", mine], replications=2, executor="serial", progress=False)


def test_the_chinese_paired_table_lines_up(chinese_comparison: sb.Comparison) -> None:
    """format_paired in Chinese: the preset by its Chinese label, the user's policy by its own name, the KPIs
    by their Chinese labels, and every row of the table lined up with the header by display width."""
    lines = cli.format_paired(chinese_comparison, lang="zh").splitlines()
    assert lines[0].startswith("城东支行:随机种子 0,2 项政策")
    assert meanings.label("crm_routing", "zh") in lines and "我的政策" in lines
    rows = [line for line in lines[4:] if line.startswith("  ")]
    assert len(rows) == len(chinese_comparison.paired())
    assert any(line.startswith(f"  {kpi_name('satisfaction_mean', 'zh', unit=True)}  ") for line in rows)
    assert any(line.startswith("  收入(元)  ") for line in rows)  # money in the branch's currency (CNY)
    assert_aligned([lines[2], *rows], lines[3], "<>>>>><")
    assert "crm_routing" not in "\n".join(lines) and "satisfaction_mean" not in "\n".join(lines)


def test_the_chinese_kpi_table_lines_up(tiny_run: sb.RunResult) -> None:
    lines = cli.format_kpis(tiny_run, lang="zh").splitlines()
    assert_aligned([lines[2], *lines[4:]], lines[3], "<><<")
    assert any(line.startswith(meanings.label("satisfaction_mean", "zh") + " ") for line in lines)


@pytest.fixture(scope="module")
def tiny_run() -> sb.RunResult:
    return sb.run(sb.Scenario().with_overrides(TINY), seed=1)


# --------------------------------------------------------------------------- run


def test_run_in_chinese_prints_chinese_labels_and_words(capsys: pytest.CaptureFixture) -> None:
    assert main(["run", str(BASELINE), *TINY_ARGS, "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "随机种子 0" in out.splitlines()[0]
    assert re.match(r"指标\s+数值\s+单位\s+方向$", out.splitlines()[2])
    for kpi in ("satisfaction_mean", "nps", "revenue", "exhausted_share"):
        assert meanings.label(kpi, "zh") in out, kpi
    assert "越高越好" in out and "越低越好" in out


def test_the_english_kpi_table_shows_no_code_name(capsys: pytest.CaptureFixture) -> None:
    """`simbranch run` names every KPI by its label (default --names label): no code name in its KPI
    column, and no code name with an underscore anywhere; shares as percentages."""
    assert main(["run", str(BASELINE), *TINY_ARGS]) == 0
    lines = capsys.readouterr().out.splitlines()
    codes = sb.kpi_names(sb.load_scenario(BASELINE).with_overrides(TINY))
    spans = [m.span() for m in re.finditer(r"-+", lines[3])]
    column = [line[:spans[0][1]].strip() for line in lines[4:]]
    assert len(column) == len(codes) and not set(column) & set(codes)
    assert column == [meanings.label(kpi) for kpi in codes]
    for code in (c for c in codes if "_" in c):  # "complaints" is also a unit
        assert code not in "\n".join(lines), code
    share = next(line for line in lines if line.startswith(meanings.label("exhausted_share")))
    assert re.search(r"\d%", share)


def test_money_is_in_the_branch_s_currency(capsys: pytest.CaptureFixture) -> None:
    """Amounts as people write them (k and M in English, 万 and 亿 in Chinese), the currency named once:
    in the unit column of `run`, in the KPI's cell of the paired table."""
    overrides = {**TINY, "branch.currency": "USD"}
    revenue = sb.run(sb.Scenario().with_overrides(overrides), seed=0).kpis["revenue"]
    assert main(["run", str(BASELINE), *TINY_ARGS, "--set", "branch.currency=USD"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("Revenue  "))
    assert line.split()[1:] == [meanings.money(revenue, "en", "USD", unit=False), "USD", "higher"]
    assert main(["run", str(BASELINE), *TINY_ARGS, "--lang", "zh"]) == 0  # the default currency, CNY: 元
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("收入 "))
    assert line.split()[1:] == [meanings.money(revenue, "zh", "CNY", unit=False), "元", "越高越好"]


def test_names_code_shows_the_code_names(capsys: pytest.CaptureFixture) -> None:
    assert main(["run", str(BASELINE), *TINY_ARGS, "--names", "code", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^satisfaction_mean\s", out, flags=re.MULTILINE)
    assert meanings.label("satisfaction_mean", "zh") not in out
    assert "数值" in out  # the table's own words still in the chosen language


# --------------------------------------------------------------------------- bad --lang and --names


@pytest.mark.parametrize("command", [
    ["run", str(BASELINE)],
    ["compare", str(BASELINE), "--policy", "crm_routing"],
    ["main"],
    ["report", "results.sqlite"],
    ["sweep", str(BASELINE), "--param", "managers.count=2:4"],
    ["calibrate", str(BASELINE), "observed.toml", "--out", "out"],
    ["robustness", str(BASELINE)],
    ["optimise", str(BASELINE)],
    ["levers"],
    ["kpis"],
])
def test_a_wrong_lang_exits_2_in_one_line(command: list[str], capsys: pytest.CaptureFixture, executed: list) -> None:
    assert main([*command, "--lang", "fr"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "--lang" in err and "'fr'" in err and "en" in err and "zh" in err
    assert executed == []


def test_a_wrong_names_mode_exits_2(capsys: pytest.CaptureFixture) -> None:
    assert main(["run", str(BASELINE), "--names", "both"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "--names" in err and "label" in err and "code" in err and "Traceback" not in err


def test_help_documents_lang_and_names(capsys: pytest.CaptureFixture) -> None:
    assert main(["compare", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--lang {en,zh}" in text and "--names {label,code}" in text
    assert "satisfaction_mean, crm_routing" in text and "for scripts" in text
    assert main(["report", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--lang" in text and "--names" not in text


# --------------------------------------------------------------------------- reports


@pytest.fixture
def written_reports(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The `lang` every report writer is called with (the writers stubbed: the report's own tests draw them)."""
    langs: list[str] = []

    def fake(*args, lang: str = "en", **kwargs) -> Path:
        langs.append(lang)
        target = Path(args[1])
        path = target if target.suffix == ".html" else target / "report.html"
        path.write_text(f"<!DOCTYPE html>\n<html lang='{lang}'></html>\n", encoding="utf-8")
        return path

    for name in ("write_report", "write_robustness_report", "write_calibration_report"):
        monkeypatch.setattr(simbranch.report, name, fake)
    return langs


def test_compare_and_report_pass_lang_to_the_report(tmp_path: Path, written_reports: list[str],
                                                    capsys: pytest.CaptureFixture) -> None:
    store = tmp_path / "runs.sqlite"
    args = ["compare", str(BASELINE), "--policy", "crm_routing", "--reps", "2", "--executor", "serial",
            "--store", str(store), *TINY_ARGS]
    assert main([*args, "--lang", "zh", "--out", str(tmp_path / "zh")]) == 0
    out = capsys.readouterr().out
    assert meanings.label("crm_routing", "zh") in out.splitlines()
    assert f"已写入 {tmp_path / 'zh' / 'report.html'}" in out
    assert main(["report", str(store), "--lang", "zh", "--out", str(tmp_path / "again.html")]) == 0
    assert main(["report", str(store), "--out", str(tmp_path / "en.html")]) == 0
    assert written_reports == ["zh", "zh", "en"]


def test_robustness_in_chinese(tmp_path: Path, written_reports: list[str], capsys: pytest.CaptureFixture) -> None:
    code = main(["robustness", str(BASELINE), "--policy", "crm_routing", "--n", "2", "--reps", "1", "--serial",
                 "--no-progress", "--kpi", "satisfaction_mean", "--kpi", "requests_arrived", "--lang", "zh",
                 "--out", str(tmp_path), *TINY_ARGS])
    out = capsys.readouterr().out
    assert code == 0
    assert f"{meanings.label('satisfaction_mean', 'zh')}(0-1分;越高越好):" in out
    assert f"{meanings.label('requests_arrived', 'zh')}(笔;无优劣方向" in out  # not "higher is better"
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("政策"))
    assert lines[head + 2].startswith(meanings.label("crm_routing", "zh"))
    assert_aligned([lines[head], lines[head + 2]], lines[head + 1], "<>>>")
    assert written_reports == ["zh"]


def test_a_chinese_report_says_lang_zh_in_its_html(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The real report writer (no stub): `--lang zh` gives a page whose <html lang=...> says Chinese."""
    code = main(["compare", str(BASELINE), "--policy", "crm_routing", "--reps", "2", "--executor", "serial",
                 "--lang", "zh", "--out", str(tmp_path), *TINY_ARGS])
    assert code == 0, capsys.readouterr().err
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    found = re.search(r"<html lang=[\"']([\w-]+)", html)
    assert found and found.group(1) in ("zh", "zh-CN"), html[:200]
