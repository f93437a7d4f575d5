"""Sensitivity indices from SALib, as tidy frames: Sobol' (variance-based) and Morris (screening).

These are thin wrappers: the estimators are SALib's. `problem` is SALib's problem dict
(`num_vars`, `names`, `bounds`); the outputs `y` must be in the order of the sample that SALib
drew for that problem (a Saltelli sample for `sobol_indices`, Morris trajectories for
`morris_indices`). `simbranch.sweep` builds both and calls these through `Sweep.sensitivity`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["morris_indices", "sobol_indices"]


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
