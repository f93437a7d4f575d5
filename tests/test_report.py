"""The HTML report: one self-contained file, and the ways to make it (Python, `compare --out`, `report`)."""

from __future__ import annotations

import base64
import json
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import simbranch as sb
from simbranch.cli import main
from simbranch.experiment import saved_comparisons
from simbranch.report import highlighted_policies, write_report

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
SMALL = {"branch.horizon_days": 20, "branch.warmup_days": 5, "clients.count": 400, "managers.count": 4}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Page(HTMLParser):
    """Every tag's attributes, the images, and the text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


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
    """Figures inline as PNG, no script, stylesheet, frame or link that would need the network."""
    assert [p.name for p in report.parent.iterdir()] == ["report.html"]
    page = parse(report)
    images = [attrs for tag, attrs in page.tags if tag == "img"]
    assert len(images) == 6  # forest, trade-off, KPI bars, over time, distributions, AM scatter
    for attrs in images:
        src = attrs["src"] or ""
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == PNG_MAGIC
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "iframe", "object", "embed")
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith(("data:", "#")), (tag, name, value)


def test_report_holds_the_tables_and_what_reproduces_them(comparison, report):
    cmp, store = comparison
    text = "".join(parse(report).text)
    for name in ("baseline", "crm_routing", "sales_commission"):
        assert name in text
    for kpi in ("satisfaction_mean", "profit", "stress_mean"):
        assert kpi in text
    assert cmp.provenance["model"] in text
    assert "SeedSequence(3, spawn_key=(r,)), r = 0..1" in text
    assert "simbranch compare x" in text and str(store) in text
    assert cmp.scenario.to_toml(minimal=True).splitlines()[0] in text
    best = cmp.best("profit")["policy"]
    assert f"Best on profit: {best}" in text
    paired = cmp.paired()
    assert text.count("[") >= len(paired)  # one CI per paired row


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
