"""Fifteen years of the baseline stay stable: no drift to a bound, no memory growth beyond its frames.

One run (simbranch/scenarios/baseline.toml at a third of its size: 12 AMs and 2,100 clients, the same book per
AM; seed 0, 15 x 250 measured days after the 60-day warm-up: about 25 s of CPU) serves every test
here. The run goes through `simbranch.run` (so its result is checked by `simbranch.invariants` like
every run of the tests); a day-end hook added to the branch samples the engine's state at the end of
each year.

What the 15 years look like (seed 0, yearly means): satisfaction 0.82-0.84, stress 0.27-0.29,
headcount 11.0-12 of 12, skill 0.68-0.71, motivation 0.64-0.66, utilisation 0.31-0.36, the book
2,080-2,250 clients. The initial state is drawn as a branch long in business would be (the team's
tenures under the quit hazards, the book's dispositions as churn leaves them and satisfactions where
their AM's service settles them, relationships as long as they last: docs/model.md,
"Initialisation"), so year 1 looks like the later ones; new clients and referrals replace the
clients churn takes, so the book wanders with the noise of one seed (about +0.5 % a year here) but
does not trend to a bound.
"""

from __future__ import annotations

import gc
import importlib
import sys

import numpy as np
import pandas as pd
import pytest

import simbranch as sb

run_module = importlib.import_module("simbranch.run")  # the module: `simbranch.run` is also the function
YEARS = 15


@pytest.fixture(scope="module")
def long_run() -> tuple[sb.RunResult, pd.DataFrame, pd.DataFrame]:
    """The run, its yearly means over the measured days, and the engine's state at each year's end."""
    sc = sb.load_scenario("simbranch/scenarios/baseline.toml")
    sc = sc.with_overrides({"managers.count": 12, "clients.count": 2_100,
                            "branch.horizon_days": YEARS * sc.branch.days_per_year})
    samples: list[dict] = []

    def probe(b, d: int) -> None:
        if d < b.warmup_days or (d - b.warmup_days + 1) % b.days_per_year:
            return
        book = b.clients
        active = book.active[: book.n]
        rows = b.tally.rows
        year = (d - b.warmup_days + 1) // b.days_per_year
        blocks = row_blocks = None
        if year in (5, YEARS):
            gc.collect()
            blocks, row_blocks = sys.getallocatedblocks(), _blocks(rows)
        samples.append({
            "year": year, "active": int(active.sum()), "ever": book.n,
            "arrival_heap": len(b.arrival_heap),
            "streams": sum(r is not None for r in b.client_rng),
            "waiting_entries": len(b.pool) + sum(len(m.queue) for m in b.all_managers),
            "events": len(b.env._queue), "ams_ever": len(b.all_managers),
            "rows": len(rows), "row_blocks": row_blocks, "blocks": blocks,
            "junior_share": float(np.mean([m.level == 0 for m in b.positions if m is not None])),
        })

    def building(scenario, seed):
        branch = build(scenario, seed)
        branch.day_end_hooks.append(probe)
        return branch

    build = run_module.build_branch
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(run_module, "build_branch", building)
        res = sb.run(sc, seed=0)
    d = res.daily[~res.daily["warmup"]].copy()
    d["year"] = (d["day"] - sc.branch.warmup_days) // sc.branch.days_per_year + 1
    yearly = d.groupby("year").agg(
        satisfaction=("satisfaction_mean", "mean"), stress=("stress_mean", "mean"),
        burnout=("burnout_share", "mean"), headcount=("headcount", "mean"), vacancies=("vacancies", "mean"),
        clients=("clients", "mean"), skill=("skill_mean", "mean"), motivation=("motivation_mean", "mean"),
        utilisation=("utilisation", "mean"), wait_h=("wait_mean_h", "mean"), arrived=("arrived", "sum"),
    )
    yearly["requests_per_client"] = yearly["arrived"] / yearly["clients"]
    return res, yearly, pd.DataFrame(samples).set_index("year")


def _blocks(rows: list[tuple]) -> int:
    """Memory blocks the daily rows hold: each tuple, and each distinct object in them that Python does
    not cache (floats, NumPy scalars, ints beyond 256; not bools or small ints)."""
    held = {id(x) for row in rows for x in row
            if not (isinstance(x, bool) or (type(x) is int and -5 <= x <= 256))}
    return len(rows) + len(held)


#: Every yearly mean stays inside these bands: far from the bounds of each state (0 and 1, an empty
#: branch), and wide enough for the year-to-year noise of one seed of a 12-AM team.
BANDS = {
    "satisfaction": (0.7, 0.9),
    "stress": (0.15, 0.5),
    "burnout": (0.0, 0.2),
    "headcount": (10.5, 12.0),  # of 12: a vacancy spiral would push it down year after year
    "clients": (1800, 2500),  # 2,100 at the start
    "skill": (0.55, 0.85),  # floor 0.2, ceiling 1
    "motivation": (0.5, 0.75),  # 0.6 at the start
    "utilisation": (0.25, 0.5),
    "wait_h": (0.0, 2.0),
}

#: Largest allowed change between years 2-6 and the last five, and largest allowed linear trend over
#: years 2-15 (slope x 13 years). Each is about three times the standard deviation of the yearly
#: means in this run (satisfaction 0.008, stress 0.012, headcount 0.25, skill 0.01, motivation 0.006,
#: utilisation 0.015) and well short of the distance to the nearest bound. The book has no restoring
#: force (inflow is a share of the initial book): about 175 clients join and 175 leave a year, a random
#: walk with a sd near 70 over 13 years, and referrals move with satisfaction; 400 is a fifth of it.
TOLERANCE = {
    "satisfaction": 0.04,
    "stress": 0.06,
    "headcount": 0.8,
    "clients": 400,
    "skill": 0.04,
    "motivation": 0.03,
    "utilisation": 0.06,
}


def test_yearly_means_stay_away_from_the_bounds(long_run) -> None:
    _, yearly, _ = long_run
    assert len(yearly) == YEARS
    for col, (lo, hi) in BANDS.items():
        bad = yearly.index[(yearly[col] < lo) | (yearly[col] > hi)].tolist()
        assert not bad, f"{col} outside [{lo}, {hi}] in years {bad}: {yearly[col].round(3).tolist()}"


def test_no_drift_over_twenty_years(long_run) -> None:
    """The last five years look like years 2-6, and no state trends steadily over the run beyond the
    book's slow growth."""
    _, yearly, _ = long_run
    early, late = yearly.loc[2:6], yearly.loc[YEARS - 4:YEARS]
    years = yearly.loc[2:].index.to_numpy(dtype=float)
    for col, tol in TOLERANCE.items():
        change = late[col].mean() - early[col].mean()
        assert abs(change) <= tol, f"{col}: years 2-6 {early[col].mean():.3f}, last five {late[col].mean():.3f}"
        slope = np.polyfit(years, yearly.loc[2:, col].to_numpy(), 1)[0]
        assert abs(slope) * (years[-1] - years[0]) <= tol, f"{col}: trend {slope:.4f} a year"


def test_engine_state_does_not_grow(long_run) -> None:
    """What the engine holds, apart from what it returns, follows the active book, not the horizon.

    Checked at the end of every year: one pending arrival per active client (plus those of clients
    who left and whose next arrival has not come yet: about churn x the mean gap between a client's
    requests to the AM, 0.1 x 0.5 year for the mass tier, so up to about 8 %); a random stream only
    for each active client (those who left free theirs); a few waiting requests and scheduled events.
    Memory is counted as Python's allocated blocks (`sys.getallocatedblocks`, exact and free, where
    tracemalloc would make the run four times slower): between year 5 and the last year they may grow
    by what the daily rows hold (one tuple and its float / large-int objects per day), a little for
    the AMs hired meanwhile, and by what the book's growth holds (each active client's stream and
    pending arrival, under 8 blocks). A leak of a single object per request would add ~70,000 blocks
    over these 10 years.
    """
    res, _, s = long_run
    assert (s["streams"] == s["active"]).all()
    assert (s["arrival_heap"] >= s["active"]).all() and (s["arrival_heap"] <= 1.10 * s["active"]).all()
    assert s["waiting_entries"].max() <= 100 and s["events"].max() <= 50
    assert s["ams_ever"].iloc[-1] == len(res.managers)
    five, last = s.loc[5], s.loc[YEARS]
    growth = last["blocks"] - five["blocks"]
    expected = (last["row_blocks"] - five["row_blocks"] + 50 * (last["ams_ever"] - five["ams_ever"])
                + 8 * max(0, last["active"] - five["active"]))
    assert growth <= expected + 2_000, f"{growth:,.0f} blocks more than in year 5; rows hold {expected:,.0f}"
