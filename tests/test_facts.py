"""The stylised facts and evidence ranges of `simbranch.experiment.facts`, at the "fast" size.

The fast study is a 12-AM branch with the default book per AM (175 clients), a year measured after
the warm-up, 4 paired replications per variant (common random numbers) and only the facts such a
sample can judge; every one of them must hold. Each fact's tolerance is its target range from
docs/evidence.md, judged on the mean (or, where the target says so, on its 95 % t interval). The
full table, on the default 40-AM branch with 20 replications, is `make validate` (docs/validation.md).
"""

from __future__ import annotations

import pandas as pd
import pytest

import simbranch as sb
from simbranch.experiment.facts import FACTS, SIZES, check_facts, overload_scan, write_validation_report


@pytest.fixture(scope="module")
def fast() -> pd.DataFrame:
    return check_facts(size="fast", executor="serial")


def test_every_fast_fact_holds(fast: pd.DataFrame) -> None:
    broken = fast[~fast["holds"]]
    assert broken.empty, "\n" + broken[["key", "value", "low", "high", "target", "detail"]].to_string()


def test_the_fast_study_covers_what_it_can_judge(fast: pd.DataFrame) -> None:
    assert list(fast["key"]) == [f.key for f in FACTS if f.fast]
    assert fast["value"].notna().all()
    assert SIZES["fast"].replications <= SIZES["full"].replications


def test_the_report_is_a_table_of_every_fact(fast: pd.DataFrame, tmp_path) -> None:
    path = write_validation_report(fast, tmp_path / "validation.md", size="fast", command="pytest")
    text = path.read_text(encoding="utf-8")
    assert f"{int(fast['holds'].sum())} of {len(fast)} facts hold" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith(("| area", "| ---"))]
    assert len(rows) == len(fast)


def test_the_overload_scan_shows_proactive_work_giving_way_then_the_queue_growing() -> None:
    """A light and a very heavy book (150 and 600 clients per AM, 4 AMs, 80 days, 2 replications):
    at 600 proactive work is gone, overtime is at its cap and waits are many times longer. The gap is
    wide (docs/model.md, "Where overload begins": waits of hours past about 450 clients per AM) so
    that two replications of a small branch cannot blur it."""
    sc = sb.load_scenario("simbranch/scenarios/baseline.toml").with_overrides(
        {"branch.horizon_days": 60, "branch.warmup_days": 20})
    table = overload_scan(sc, per_am=(150, 600), ams=4, replications=2)
    assert table.index.tolist() == [150, 600]
    light, heavy = table.loc[150], table.loc[600]
    assert heavy["proactive_h_per_am_week"] < 0.1 * light["proactive_h_per_am_week"]
    assert heavy["overtime_h_per_am_week"] > 2 * light["overtime_h_per_am_week"]
    assert heavy["wait_mean_h"] > 5 * light["wait_mean_h"]
    assert heavy["open_at_end_per_am"] > light["open_at_end_per_am"]
