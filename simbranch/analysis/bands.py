"""Bands over time: the mean of a daily series across replications with its t confidence interval
(kept inside the values seen and optional bounds), and centred rolling means of daily series.
`simbranch.plots.over_time` draws these frames."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["band", "smooth"]


def band(frame: pd.DataFrame, by: str | Sequence[str], value: str, level: float = 0.95, *,
         lower: float | None = None, upper: float | None = None) -> pd.DataFrame:
    """Mean of `value` over the rows of each `by` group, with the t confidence interval of that mean,
    kept inside the range the mean can take.

    The rows of a group are taken as independent replications (e.g. `by=["policy", "day"]` on a
    frame with one row per policy x replication x day). Returns one row per group, in order of
    first appearance: the `by` columns, `mean`, `ci_low`, `ci_high` and `n` (the finite values).
    The interval is NaN where a group has fewer than two values, and for `level` as in
    `simbranch.analysis.ci_half_width`.

    The interval is clipped to the range of the group's values (a mean cannot lie outside its
    values; with two or three replications the t interval is very wide and would show sales
    below 0 or a headcount above the largest one seen) and to the explicit bounds `lower` and
    `upper` when given (e.g. 0 for waits and counts, 1 for shares). The mean always stays inside
    its band: a value beyond an explicit bound moves the bound out to the mean, not the mean in.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    if lower is not None and upper is not None and lower > upper:
        raise ValueError(f"lower bound {lower!r} is above upper bound {upper!r}")
    keys = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*keys, value] if c not in frame.columns]
    if missing:
        raise ValueError(f"no column {', '.join(map(repr, missing))} in the frame; columns: {', '.join(frame.columns)}")
    values = frame[value].astype(float).where(np.isfinite(frame[value].astype(float)))
    grouped = values.groupby([frame[k] for k in keys], sort=False, dropna=False)
    out = pd.DataFrame({"mean": grouped.mean(), "std": grouped.std(ddof=1), "n": grouped.count(),
                        "low": grouped.min(), "high": grouped.max()})
    n = out["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n >= 2, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)), np.nan)
        half = t * out["std"].to_numpy(dtype=float) / np.sqrt(n)
    mean = out["mean"].to_numpy(dtype=float)
    floor, ceiling = _limits(out["low"].to_numpy(dtype=float), out["high"].to_numpy(dtype=float), mean, lower, upper)
    out["ci_low"] = np.maximum(mean - half, floor)  # np.maximum keeps a NaN interval NaN
    out["ci_high"] = np.minimum(mean + half, ceiling)
    out = out.reset_index()
    out.columns = [*keys, *out.columns[len(keys):]]
    return out[[*keys, "mean", "ci_low", "ci_high", "n"]]


def _limits(low: np.ndarray, high: np.ndarray, mean: np.ndarray, lower: float | None,
            upper: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Per group, the lowest and highest value the band may reach: the group's smallest and largest
    value, within `lower`/`upper`, but never on the wrong side of the mean."""
    floor = low if lower is None else np.maximum(low, lower)
    ceiling = high if upper is None else np.minimum(high, upper)
    return np.minimum(floor, mean), np.maximum(ceiling, mean)


def smooth(frame: pd.DataFrame, columns: Sequence[str], window: int, *,
           by: Sequence[str] = ("policy", "replication"), order: str = "day") -> pd.DataFrame:
    """`frame` with `columns` replaced by their centred rolling mean over `window` consecutive rows.

    Each group of `by` (the columns of it that the frame has) is one series, sorted by `order`;
    the ends use the rows there are (so the first and last values average fewer days). `window`
    1 returns the frame as it is.
    """
    if not isinstance(window, int | np.integer) or isinstance(window, bool) or window < 1:
        raise ValueError(f"window must be a positive integer, got {window!r}")
    if window == 1:
        return frame
    keys = [k for k in by if k in frame.columns]
    out = frame.sort_values([*keys, order], kind="stable") if order in frame.columns else frame.copy()
    cols = list(columns)
    if keys:
        rolled = out.groupby(keys, sort=False, dropna=False)[cols].transform(
            lambda s: s.rolling(int(window), center=True, min_periods=1).mean())
    else:
        rolled = out[cols].rolling(int(window), center=True, min_periods=1).mean()
    out = out.copy()
    out[cols] = rolled[cols]
    return out
