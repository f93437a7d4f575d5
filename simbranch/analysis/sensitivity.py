"""Sensitivity indices from SALib, as tidy frames: Sobol' (variance-based), Morris (screening) and
RBD-FAST (first-order, on any sample).

These are thin wrappers: the estimators are SALib's. `problem` is SALib's problem dict
(`num_vars`, `names`, `bounds`); the outputs `y` must be in the order of the sample that SALib
drew for that problem (a Saltelli sample for `sobol_indices`, Morris trajectories for
`morris_indices`, any sample for `rbd_fast_indices`). `simbranch.sweep` builds the first two and
calls them through `Sweep.sensitivity`; `simbranch.robustness` calls `rbd_fast_indices`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["morris_indices", "rbd_fast_indices", "sobol_indices"]


def sobol_indices(problem: Mapping[str, Any], y: np.ndarray | pd.Series, *, num_resamples: int = 1000,
                  conf_level: float = 0.95, seed: int | None = None) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol' indices with bootstrap CI half-widths, one row per parameter.

    `y` holds one output per row of `SALib.sample.sobol.sample(problem, N, calc_second_order=False)`:
    N(d+2) values. Columns: parameter, S1, S1_conf, ST, ST_conf (`*_conf` is the half-width of the
    `conf_level` bootstrap interval over `num_resamples` resamples).
    """
    from SALib.analyze import sobol

    names = _names(problem)
    y = _outputs(y)
    d = len(names)
    if len(y) == 0 or len(y) % (d + 2):
        raise ValueError(f"a Saltelli sample without second-order terms has N x (d + 2) = N x {d + 2} rows for "
                         f"{d} parameters; got {len(y)} outputs")
    if np.ptp(y) == 0:
        raise ValueError(f"the output is the same ({y[0]:g}) at every point of the design, so its variance is 0 "
                         "and Sobol' indices (shares of that variance) are undefined")
    result = sobol.analyze(dict(problem), y, calc_second_order=False, num_resamples=num_resamples,
                           conf_level=conf_level, print_to_console=False, seed=seed)
    return pd.DataFrame({"parameter": names, "S1": result["S1"], "S1_conf": result["S1_conf"],
                         "ST": result["ST"], "ST_conf": result["ST_conf"]})


def morris_indices(problem: Mapping[str, Any], x: np.ndarray, y: np.ndarray | pd.Series, *, num_levels: int = 4,
                   num_resamples: int = 1000, conf_level: float = 0.95, seed: int | None = None) -> pd.DataFrame:
    """Morris elementary-effect statistics, one row per parameter.

    `x` is the sample of `SALib.sample.morris.sample(problem, N, num_levels=num_levels)` (N(d+1)
    rows, in the problem's own units) and `y` one output per row. Columns: parameter, mu (mean
    effect, signed), mu_star (mean absolute effect: the importance ranking), mu_star_conf (bootstrap
    CI half-width of mu_star) and sigma (spread of the effects: interactions or non-linearity).
    Effects are per step of the Morris grid in the unit hypercube, in the output's units.
    """
    from SALib.analyze import morris

    names = _names(problem)
    y = _outputs(y)
    x = np.asarray(x, dtype=float)
    d = len(names)
    if x.ndim != 2 or x.shape[1] != d:
        raise ValueError(f"x must have one column per parameter ({d}); got shape {x.shape}")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)} values")
    if len(y) == 0 or len(y) % (d + 1):
        raise ValueError(f"Morris trajectories have d + 1 = {d + 1} rows each for {d} parameters; got {len(y)}")
    result = morris.analyze(dict(problem), x, y, num_resamples=num_resamples, conf_level=conf_level,
                            print_to_console=False, num_levels=num_levels, seed=seed)
    return pd.DataFrame({"parameter": names, "mu": np.asarray(result["mu"], dtype=float),
                         "mu_star": np.asarray(result["mu_star"], dtype=float),
                         "mu_star_conf": np.asarray(result["mu_star_conf"], dtype=float),
                         "sigma": np.asarray(result["sigma"], dtype=float)})


def rbd_fast_indices(problem: Mapping[str, Any], x: np.ndarray, y: np.ndarray | pd.Series, *,
                     num_resamples: int = 100, conf_level: float = 0.95, seed: int | None = None,
                     harmonics: int | None = None) -> pd.DataFrame:
    """First-order sensitivity indices by RBD-FAST, on any sample (Latin hypercube, Sobol' sequence,
    random), one row per parameter.

    S1 estimates the share of the output's variance that the parameter explains alone (the
    first-order Sobol' index): the outputs are ordered along the parameter (Plischke's 2010 way
    of reading a random balance design from a given sample), and the power of their first
    `harmonics` Fourier frequencies is set against the total, with Tissot & Prieur's (2012) bias
    correction (an index near 0, even slightly negative, means no effect the sample can see).
    Each parameter is read on its own, so the sample does not have to grow with the number of
    parameters (64 draws over 129 assumptions are fine; Sobol' or Morris designs need
    n(d + 2) or n(d + 1) points). Interactions are not seen.

    `harmonics` (SALib's M) defaults to min(10, n // 8), at least 1: the bias correction needs
    2M < n, and keeps it at a quarter of the sample. S1_conf is the half-width of the
    `conf_level` interval from `num_resamples` bootstrap half-samples, drawn from `seed` (the
    same seed gives the same numbers). With fewer than 8 outputs, or outputs that are all the
    same, the indices are NaN.
    """
    from SALib.analyze import rbd_fast

    names = _names(problem)
    y = _outputs(y)
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(names):
        raise ValueError(f"x must have one column per parameter ({len(names)}); got shape {x.shape}")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)} values")
    nan = np.full(len(names), np.nan)
    if len(y) < 8 or np.ptp(y) == 0:
        return pd.DataFrame({"parameter": names, "S1": nan, "S1_conf": nan})
    m = harmonics if harmonics is not None else max(1, min(10, len(y) // 8))
    if not 1 <= m < len(y) / 4:
        raise ValueError(f"harmonics must be at least 1 and below n / 4 = {len(y) / 4:g} (the bootstrap reads "
                         f"half-samples); got {m}")
    with np.errstate(invalid="ignore", divide="ignore"):
        result = rbd_fast.analyze(dict(problem), x, y, M=m, num_resamples=num_resamples, conf_level=conf_level,
                                  print_to_console=False, seed=seed)
    return pd.DataFrame({"parameter": names, "S1": np.asarray(result["S1"], dtype=float),
                         "S1_conf": np.asarray(result["S1_conf"], dtype=float)})


def _names(problem: Mapping[str, Any]) -> list[str]:
    names = list(problem.get("names", []))
    if not names or problem.get("num_vars", len(names)) != len(names) or len(problem.get("bounds", [])) != len(names):
        raise ValueError("problem must be a SALib problem dict with num_vars, names and one bounds pair per name")
    return names


def _outputs(y: np.ndarray | pd.Series) -> np.ndarray:
    y = np.asarray(y, dtype=float).ravel()
    bad = np.flatnonzero(~np.isfinite(y))
    if len(bad):
        shown = ", ".join(str(i) for i in bad[:10]) + (", ..." if len(bad) > 10 else "")
        raise ValueError(f"{len(bad)} of {len(y)} outputs are missing or not finite (rows {shown}); "
                         "the estimators need a value at every point of the design")
    return y
