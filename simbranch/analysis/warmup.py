"""Warm-up diagnostics: the MSER-5 truncation point of a daily series (White 1997; Hoad, Robinson
& Davies 2010), to check that `warmup_days` is long enough."""

from __future__ import annotations

import numpy as np

__all__ = ["mser5"]


def mser5(series: np.ndarray | list[float], batch: int = 5) -> int:
    """Return the number of leading observations to delete, by MSER-5.

    The truncation d (a multiple of `batch`) that minimises the marginal standard error of the
    remaining batch means, searched over the first half of the series (a minimum in the second
    half means the run is too short to tell). Missing and infinite values are left out first.

    Parameters
    ----------
    series : array or list of float
        A daily series of a run, warm-up included, in order of time.
    batch : int
        The size of the batches whose means are read (5: MSER-5).

    Returns
    -------
    int
        The observations to delete, a multiple of `batch`; 0 for a series of fewer than four
        batches.

    Raises
    ------
    ValueError
        If `series` cannot be read as numbers, or `batch` is not a whole number of at least 1.

    Examples
    --------
    >>> import numpy as np
    >>> from simbranch.analysis import mser5
    >>> rng = np.random.default_rng(0)
    >>> series = np.r_[np.linspace(10.0, 0.0, 20), rng.normal(0.0, 1.0, 180)]  # 20 days of warm-up
    >>> mser5(series)
    20
    """
    if isinstance(batch, bool) or not isinstance(batch, int | np.integer) or batch < 1:
        raise ValueError(f"batch must be a whole number of at least 1, got {batch!r}")
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
