"""Warm-up diagnostics: the MSER-5 truncation point of a daily series (White 1997; Hoad, Robinson
& Davies 2010), to check that `warmup_days` is long enough."""

from __future__ import annotations

import numpy as np

__all__ = ["mser5"]


def mser5(series: np.ndarray | list[float], batch: int = 5) -> int:
    """The number of leading observations to delete: the truncation d (a multiple of `batch`) that
    minimises the marginal standard error of the remaining batch means, searched over the first
    half of the series (a minimum in the second half means the run is too short to tell)."""
    x = np.asarray(series, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x) // batch
    if n < 4:
        return 0
    means = x[: n * batch].reshape(n, batch).mean(axis=1)
    best_d, best_value = 0, np.inf
    for d in range(n // 2):
        rest = means[d:]
        value = rest.var() / len(rest)  # sum of squared deviations / (n - d)^2
        if value < best_value:
            best_d, best_value = d, value
    return best_d * batch
