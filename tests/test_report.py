"""The HTML report: one self-contained file, and the ways to make it (Python, `compare --out`, `report`)."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import struct
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import simbranch as sb
from simbranch import meanings
from simbranch.cli import main
from simbranch.experiment import saved_comparisons
from simbranch.experiment.compare import HEADLINE_KPIS
from simbranch.report import highlighted_policies, write_report
from simbranch.report.comparison import REPORT_KPIS

BASELINE = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml"
SMALL = {"branch.horizon_days": 20, "branch.warmup_days": 5, "clients.count": 400, "managers.count": 4}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Page(HTMLParser):
    """Every tag's attributes, the text of a page, and its prose: the text outside <code>, <pre>,
    <style>, <title> and the provenance section."""

    QUOTED = ("code", "pre", "style", "title")

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.prose: list[str] = []
        self._quoted = 0
        self._provenance = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._quoted += tag in self.QUOTED
        if tag == "h3":
            self._provenance = False

    def handle_endtag(self, tag: str) -> None:
        self._quoted -= tag in self.QUOTED

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if data.strip() in ("Provenance", "可复现信息"):
            self._provenance = True
        if not self._quoted and not self._provenance:
            self.prose.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def comparison(tmp_path_factory) -> tuple[sb.Comparison, Path]:
    store = tmp_path_factory.mktemp("store") / "results.sqlite"
    sc = sb.load_scenario(BASELINE).with_overrides(SMALL)
    cmp = sb.compare(sc, ["crm_routing", "sales_commission"], replications=2, seed=3, executor="serial",
                     progress=False, store=store)
    return cmp, store


@pytest.fixture(scope="module")
def report(comparison, tmp_path_factory) -> Path:
    """The report of `comparison`, written by the Python API into an empty folder."""
    cmp, store = comparison
    folder = tmp_path_factory.mktemp("report")
    path = write_report(cmp, folder, command="simbranch compare x", store=store)
    assert path == folder / "report.html"
    return path


def test_report_is_one_self_contained_file(report):
    """Figures inline as sharp PNG (twice the size they are shown at), no script, stylesheet, frame or
    link that would need the network; the page says its language."""
    assert [p.name for p in report.parent.iterdir()] == ["report.html"]
    page = parse(report)
    images = [attrs for tag, attrs in page.tags if tag == "img"]
    assert len(images) == 6  # forest, trade-off, levels, over time, distributions, AM scatter
    for attrs in images:
        src = attrs["src"] or ""
        assert src.startswith("data:image/png;base64,")
        data = base64.b64decode(src.split(",", 1)[1])
        assert data[:8] == PNG_MAGIC
        width, height = struct.unpack(">II", data[16:24])
        assert (int(attrs["width"]), int(attrs["height"])) == (round(width / 2), round(height / 2))
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "iframe", "object", "embed")
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith(("data:", "#")), (tag, name, value)
    assert ("html", {"lang": "en"}) in page.tags


def test_report_tells_the_story_in_order(report):
    """The question, the answer, the caveats, then the evidence."""
    ids = [attrs.get("id") for tag, attrs in parse(report).tags if tag == "section"]
    assert ids == ["question", "answer", "caveats", "evidence"]


def _visible(page: _Page) -> str:
    """The text a reader reads as prose, tables and captions: not the scenario file, the lever
    settings (<code>, <pre>) or the provenance, which quote code on purpose."""
    return " ".join(page.prose)


#: Code names that are no English word (a label may say "profit" or "revenue" in a sentence).
CODE_NAMES = [k for k in HEADLINE_KPIS if "_" in k or k == "nps"] + ["crm_routing", "sales_commission"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_code_name_in_the_report_text(comparison, lang, tmp_path):
    """KPIs and measures are called by their labels in the chosen language (meanings registry)."""
    cmp, _ = comparison
    page = parse(write_report(cmp, tmp_path, lang=lang))
    text = _visible(page)
    for name in CODE_NAMES:
        assert name not in text, name
    for name in ("profit", "satisfaction_mean", "crm_routing"):
        assert meanings.label(name, lang) in text


def test_report_holds_the_tables_and_what_reproduces_them(comparison, report):
    cmp, store = comparison
    text = "".join(parse(report).text)
    assert cmp.provenance["model"] in text
    assert "SeedSequence(3, spawn_key=(r,)), r = 0..1" in text
    assert "simbranch compare x" in text and str(store) in text
    assert cmp.scenario.to_toml(minimal=True).splitlines()[0] in text
    best = cmp.best("profit")["policy"]
    assert f"On profit, {meanings.label(best)}" in text
    assert "Only 2 replications" in text  # the caveat of too few replications


def test_one_family_bold_rows_are_the_significant_ones(comparison, report):
    """The table of differences holds the family of the report row for row, and a row is bold exactly
    when its adjusted interval excludes zero (what the forest plot fills and the sentences call significant)."""
    cmp, _ = comparison
    family = cmp.paired(kpis=[k for k in REPORT_KPIS if k in cmp.table])
    html = report.read_text(encoding="utf-8")
    table = html[html.index("<h3>Differences from the baseline</h3>"):]
    rows = re.findall(r"<tr( class='significant')?><td>", table[: table.index("</table>")])
    assert len(rows) == len(family)
    excludes = (family["ci_low"] > 0) | (family["ci_high"] < 0)
    assert [bool(r) for r in rows] == list(excludes) == list(family["significant"])


def test_chinese_report_declares_its_language_and_carries_its_glyphs(comparison, tmp_path):
    """lang="zh-CN", Chinese headings, money in 万, and the Chinese glyphs embedded (a machine without
    a Chinese font would otherwise draw boxes)."""
    cmp, _ = comparison
    html = write_report(cmp, tmp_path, lang="zh").read_text(encoding="utf-8")
    assert "<html lang=\"zh-CN\">" in html
    assert "结论" in html and "使用结论前请注意" in html and "依据" in html
    assert "万" in html
    face = re.search(r"font-family: SimbranchCJK; src: url\(data:font/otf;base64,([A-Za-z0-9+/=]+)\)", html)
    assert face is not None
    assert base64.b64decode(face.group(1))[:4] == b"OTTO"  # an OpenType (CFF) font


def test_an_unknown_language_is_a_clear_error(comparison, tmp_path):
    cmp, _ = comparison
    with pytest.raises(ValueError, match="unknown language 'fr'; allowed: en, zh"):
        write_report(cmp, tmp_path, lang="fr")


def test_names_are_escaped_and_drawn(tmp_path):
    """A measure named like HTML or like matplotlib mathtext is shown as written, not interpreted."""
    sc = sb.load_scenario(BASELINE).with_overrides({**SMALL, "branch.horizon_days": 10})
    odd = [sb.Policy(name="<b>bold</b> & $\\foo{$", levers={"training": {"enabled": True}})]
    cmp = sb.compare(sc, odd, replications=2, seed=1, executor="serial", progress=False)
    html = write_report(cmp, tmp_path).read_text(encoding="utf-8")
    assert "<b>bold</b> &" not in html and "&lt;b&gt;bold&lt;/b&gt; &amp;" in html


def test_highlighted_policies_are_the_best_on_profit_satisfaction_and_sales(comparison):
    cmp, _ = comparison
    chosen = highlighted_policies(cmp)
    assert chosen[0] == "baseline"
    means = cmp.table[cmp.table["policy"] != "baseline"].groupby("policy")[["profit", "satisfaction_mean"]].mean()
    assert means["profit"].idxmax() in chosen and means["satisfaction_mean"].idxmax() in chosen
    assert len(chosen) == len(set(chosen)) <= 4


def test_a_stored_comparison_comes_back_whole(comparison):
    cmp, store = comparison
    again = sb.load_comparison(store)
    pd.testing.assert_frame_equal(again.table.drop(columns="wall_time_s"), cmp.table.drop(columns="wall_time_s"))
    pd.testing.assert_frame_equal(again.series, cmp.series)
    assert [p.name for p in again.policies] == [p.name for p in cmp.policies]
    assert again.scenario == cmp.scenario and again.seed == cmp.seed
    listing = saved_comparisons(store)
    assert list(listing["replications"]) == [2]
    assert listing["policies"].iloc[0] == "baseline, crm_routing, sales_commission"


def test_cli_report_writes_next_to_the_store_and_lists(comparison, tmp_path, capsys):
    _, store = comparison
    out = tmp_path / "elsewhere" / "mine.html"
    assert main(["report", str(store), "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["report", str(store), "--list"]) == 0
    assert "crm_routing" in capsys.readouterr().out


@pytest.mark.parametrize("case", ["missing", "not_a_store", "unknown_name", "runs_missing"])
def test_cli_report_bad_store_is_bad_input(case, comparison, tmp_path, capsys):
    """A store that cannot give the comparison: exit 2, one line naming the file, and the store untouched."""
    _, store = comparison
    path = tmp_path / "results.sqlite"
    args = ["report", str(path)]
    if case == "not_a_store":
        path.write_text("hello", encoding="utf-8")
    elif case in ("unknown_name", "runs_missing"):
        path.write_bytes(store.read_bytes())
        if case == "unknown_name":
            args += ["--name", "nope"]
        else:  # a note that claims more replications than were run
            with sqlite3.connect(path) as db:
                name, value = db.execute("SELECT name, value FROM meta WHERE name LIKE 'comparison:%'").fetchone()
                note = json.loads(value)
                note["replications"] = 5
                db.execute("UPDATE meta SET value = ? WHERE name = ?", (json.dumps(note), name))
    before = path.read_bytes() if path.exists() else None
    code = main(args)
    out, err = capsys.readouterr()
    assert out == ""
    assert code == 2
    assert str(path) in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "report.html").exists()
    if case == "runs_missing":
        assert "9 of the 15 runs" in err
    if before is not None and case != "not_a_store":
        assert len(sb.ResultStore(path).keys()) == 6
