"""Sensitivity indices from SALib, as tidy frames: Sobol' (variance-based), Morris (screening) and
RBD-FAST (first-order, on any sample), with a seeded bootstrap and a warning when the sample is too
small for what is read off it.

These are thin wrappers: the estimators are SALib's. `problem` is SALib's problem dict
(`num_vars`, `names`, `bounds`); the outputs `y` must be in the order of the sample that SALib
drew for that problem (a Saltelli sample for `sobol_indices`, Morris trajectories for
`morris_indices`, any sample for `rbd_fast_indices`). `simbranch.sweep` builds the first two and
calls them through `Sweep.sensitivity`; `simbranch.robustness` calls `rbd_fast_indices`.

Reproducible intervals
----------------------
The `*_conf` half-widths come from bootstrap resamples. Each wrapper draws them from a seed derived
from its `seed` argument (`bootstrap_seed`), so the same call gives the same numbers. The seed is
derived, not passed on as it is, for two reasons: SALib's Sobol' analysis treats a seed of 0 as no
seed at all (`if seed:`), so an experiment with the default seed 0 got fresh intervals at every
call; and a stream of its own keeps the resamples independent of the design drawn from the same
experiment seed.

Advised sample sizes
--------------------
Below these sizes a `SmallSampleWarning` says so (they are advice, not limits: a smaller sample
still gives numbers, with the warning):

- Sobol' (Saltelli design), `MIN_SOBOL_N` = 64 base points (64(d + 2) runs). Measured on three
  test functions of 3 parameters (a linear one, the same with noise of sd 0.3, Ishigami), 20
  designs each: the median S1 bootstrap half-width is 0.39-0.74 at n = 8, 0.21-0.36 at 32 and
  0.15-0.25 at 64, so 64 is where a dominant parameter (S1 about 0.7) is told from a minor one
  (about 0.2) on all three; half-widths shrink as 1/sqrt(n), so +-0.1 takes about 150 (linear) to
  300 (Ishigami) base points. Over 50 designs each, 94-100 % of those of n = 8 had an interval
  wider than the whole [0, 1], at most 4 % of those of n = 64.
- Morris, `MIN_MORRIS_TRAJECTORIES` = 10: each parameter's mu_star is the mean of r elementary
  effects, one per trajectory; r = 10 on a 4-level grid is the size Saltelli et al. (2008, Global
  Sensitivity Analysis: The Primer, ch. 3, on the elementary effects method) report as giving
  valuable results.
- RBD-FAST, `MIN_RBD_FAST_N` = 64 draws (the default of `simbranch.robustness`). Over 60 Latin
  hypercubes of the linear test function the estimates of S1 spread +-0.06-0.24 (1.96 sd) at 64
  draws against +-0.08-0.33 at 32; the bootstrap half-width (SALib resamples half-samples) is two
  to three times the actual spread, 0.15-0.49 at 64, which is why no interval width is warned
  about for RBD-FAST.

The warning also names the symptoms of noise it finds in the indices themselves, whatever the
size: S1 above ST beyond both intervals (the true indices have S1 <= ST), an interval wider than
the whole range [0, 1] (it says nothing), or an estimate outside [0, 1] by more than its interval.
Below the advised size it also lists the intervals that reach outside [0, 1]. An index near 0 with
an interval reaching a little below 0 is the usual sight at any size (the bootstrap interval is
symmetric) and is not warned about from the advised size on. All of this is the estimator's noise
at that size, not a property of the model.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MIN_MORRIS_TRAJECTORIES", "MIN_RBD_FAST_N", "MIN_SOBOL_N", "SmallSampleWarning", "bootstrap_seed",
           "morris_indices", "rbd_fast_indices", "sobol_indices"]

#: Advised minimum of base points for Sobol' indices (module docstring: why).
MIN_SOBOL_N = 64
#: Advised minimum of Morris trajectories (module docstring: why).
MIN_MORRIS_TRAJECTORIES = 10
#: Advised minimum of draws for RBD-FAST indices (module docstring: why).
MIN_RBD_FAST_N = 64

#: Mixed into an experiment's seed for the bootstrap's own stream (the bytes of "SALib").
_BOOTSTRAP_STREAM = 0x53414C6962
#: Parameters named in a warning's list of symptoms before "and k more".
_SHOWN = 3


class SmallSampleWarning(UserWarning):
    """Sensitivity indices from a sample too small for their estimator, or showing its noise (S1 > ST,
    intervals wider than [0, 1], estimates outside it). The message says which, and the size advised."""


def bootstrap_seed(seed: int | None) -> int | None:
    """The seed SALib's bootstrap gets for an experiment seed: its own stream, never 0.

    Parameters
    ----------
    seed : int or None
        The experiment's seed (a sweep's or a robustness study's); None for fresh entropy.

    Returns
    -------
    int or None
        A whole number from 1 to 2**32, the same for the same `seed` (None for None).
    """
    if seed is None:
        return None
    state = np.random.SeedSequence([int(seed), _BOOTSTRAP_STREAM]).generate_state(1, np.uint32)[0]
    return int(state) + 1


def sobol_indices(problem: Mapping[str, Any], y: np.ndarray | pd.Series, *, num_resamples: int = 1000,
                  conf_level: float = 0.95, seed: int | None = 0, label: str | None = None) -> pd.DataFrame:
    """Return first-order (S1) and total (ST) Sobol' indices with bootstrap CI half-widths, one row per parameter.

    Parameters
    ----------
    problem : mapping
        SALib's problem dict (`num_vars`, `names`, `bounds`).
    y : array or Series
        One output per row of `SALib.sample.sobol.sample(problem, N, calc_second_order=False)`:
        N(d + 2) values.
    num_resamples, conf_level : int, float
        The bootstrap: `*_conf` is the half-width of the `conf_level` interval over `num_resamples`
        resamples.
    seed : int or None
        The experiment's seed; the resamples are drawn from `bootstrap_seed(seed)`, so the same
        seed gives the same intervals (None: fresh ones at every call).
    label : str, optional
        What `y` is (a KPI, under which policy), to name it in a warning.

    Returns
    -------
    DataFrame
        Columns parameter, S1, S1_conf, ST, ST_conf, the raw estimates (they may leave [0, 1]:
        that is the estimator's noise, which the warning reports).

    Raises
    ------
    ValueError
        When `y` does not have N(d + 2) finite values, or has no variance, or `problem` is not a
        SALib problem dict, or `num_resamples` is not a whole number of at least 2 or
        `conf_level` not between 0 and 1.

    Warns
    -----
    SmallSampleWarning
        With N below `MIN_SOBOL_N`, or indices that show the estimator's noise (module docstring).

    Examples
    --------
    >>> from SALib.sample import sobol
    >>> from simbranch.analysis import sobol_indices
    >>> problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}
    >>> x = sobol.sample(problem, 64, calc_second_order=False, seed=1)  # 64 base points
    >>> y = 3.0 * x[:, 0] + x[:, 1]  # a explains 9/10 of the variance, b 1/10
    >>> indices = sobol_indices(problem, y)
    >>> indices.columns.tolist()
    ['parameter', 'S1', 'S1_conf', 'ST', 'ST_conf']
    >>> indices["ST"].round(1).tolist()
    [0.9, 0.1]
    """
    from SALib.analyze import sobol

    check_bootstrap(num_resamples, conf_level)
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
                           conf_level=conf_level, print_to_console=False, seed=bootstrap_seed(seed))
    frame = pd.DataFrame({"parameter": names, "S1": result["S1"], "S1_conf": result["S1_conf"],
                          "ST": result["ST"], "ST_conf": result["ST_conf"]})
    n = len(y) // (d + 2)
    _warn(f"Sobol' indices{_of(label)} from n = {n} base points (a design of {len(y)} points)", n, MIN_SOBOL_N,
          "base points", _sobol_symptoms(frame, small=n < MIN_SOBOL_N),
          f"draw n >= {MIN_SOBOL_N} base points (a power of 2); intervals shrink as 1/sqrt(n)")
    return frame


def morris_indices(problem: Mapping[str, Any], x: np.ndarray, y: np.ndarray | pd.Series, *, num_levels: int = 4,
                   num_resamples: int = 1000, conf_level: float = 0.95, seed: int | None = 0,
                   label: str | None = None) -> pd.DataFrame:
    """Return Morris elementary-effect statistics, one row per parameter.

    Parameters
    ----------
    problem : mapping
        SALib's problem dict (`num_vars`, `names`, `bounds`).
    x : array
        The sample of `SALib.sample.morris.sample(problem, N, num_levels=num_levels)`: N(d + 1)
        rows, in the problem's own units.
    y : array or Series
        One output per row of `x`.
    num_levels : int
        The levels of the Morris grid the sample was drawn on.
    num_resamples, conf_level : int, float
        The bootstrap of mu_star's interval.
    seed : int or None
        The experiment's seed; the resamples are drawn from `bootstrap_seed(seed)`.
    label : str, optional
        What `y` is, to name it in a warning.

    Returns
    -------
    DataFrame
        Columns parameter, mu (mean effect, signed), mu_star (mean absolute effect: the importance
        ranking), mu_star_conf (bootstrap CI half-width of mu_star) and sigma (spread of the
        effects: interactions or non-linearity). Effects are per step of the Morris grid in the
        unit hypercube, in the output's units.

    Raises
    ------
    ValueError
        When `x` and `y` do not match, or do not make whole trajectories of d + 1 rows, or `y` has
        values that are missing or not finite, or `problem` is not a SALib problem dict, or
        `num_resamples` is not a whole number of at least 2 or `conf_level` not between 0 and 1.

    Warns
    -----
    SmallSampleWarning
        With fewer than `MIN_MORRIS_TRAJECTORIES` trajectories.

    Examples
    --------
    >>> from SALib.sample import morris
    >>> from simbranch.analysis import morris_indices
    >>> problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}
    >>> x = morris.sample(problem, 10, num_levels=4, seed=1)  # 10 trajectories
    >>> y = 3.0 * x[:, 0] + x[:, 1]
    >>> indices = morris_indices(problem, x, y)
    >>> indices["mu_star"].round(2).tolist(), indices["sigma"].round(2).tolist()  # linear: no spread
    ([3.0, 1.0], [0.0, 0.0])
    """
    from SALib.analyze import morris

    check_bootstrap(num_resamples, conf_level)
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
                            print_to_console=False, num_levels=num_levels, seed=bootstrap_seed(seed))
    r = len(y) // (d + 1)
    few = ["each mu_star is the mean of as many elementary effects as there are trajectories"]
    _warn(f"Morris statistics{_of(label)} from {r} trajectories (a design of {len(y)} points)", r,
          MIN_MORRIS_TRAJECTORIES, "trajectories", few if r < MIN_MORRIS_TRAJECTORIES else [],
          f"give n >= {MIN_MORRIS_TRAJECTORIES} trajectories")
    return pd.DataFrame({"parameter": names, "mu": np.asarray(result["mu"], dtype=float),
                         "mu_star": np.asarray(result["mu_star"], dtype=float),
                         "mu_star_conf": np.asarray(result["mu_star_conf"], dtype=float),
                         "sigma": np.asarray(result["sigma"], dtype=float)})


def rbd_fast_indices(problem: Mapping[str, Any], x: np.ndarray, y: np.ndarray | pd.Series, *,
                     num_resamples: int = 100, conf_level: float = 0.95, seed: int | None = 0,
                     harmonics: int | None = None, label: str | None = None) -> pd.DataFrame:
    """Return first-order sensitivity indices by RBD-FAST, on any sample, one row per parameter.

    Any sample will do: a Latin hypercube, a Sobol' sequence, random draws.

    S1 estimates the share of the output's variance that the parameter explains alone (the
    first-order Sobol' index): the outputs are ordered along the parameter (Plischke's 2010 way
    of reading a random balance design from a given sample), and the power of their first
    `harmonics` Fourier frequencies is set against the total, with Tissot & Prieur's (2012) bias
    correction (an index near 0, even slightly negative, means no effect the sample can see).
    Each parameter is read on its own, so the sample does not have to grow with the number of
    parameters (64 draws over 129 assumptions are fine; Sobol' or Morris designs need
    n(d + 2) or n(d + 1) points). Interactions are not seen.

    Parameters
    ----------
    problem : mapping
        SALib's problem dict (`num_vars`, `names`, `bounds`).
    x : array
        The sample, one row per draw and one column per parameter, in the problem's units.
    y : array or Series
        One output per row of `x`.
    num_resamples, conf_level : int, float
        The bootstrap: S1_conf is the half-width of the `conf_level` interval from
        `num_resamples` bootstrap half-samples.
    seed : int or None
        The experiment's seed; the resamples are drawn from `bootstrap_seed(seed)` (the same seed
        gives the same numbers).
    harmonics : int, optional
        SALib's M, by default min(10, n // 8), at least 1: the bias correction needs 2M < n, and
        keeps it at a quarter of the sample.
    label : str, optional
        What `y` is, to name it in a warning.

    Returns
    -------
    DataFrame
        Columns parameter, S1, S1_conf. With fewer than 8 outputs, or outputs that are all the
        same, the indices are NaN.

    Raises
    ------
    ValueError
        When `x` and `y` do not match, or `harmonics` is out of its range, or `y` has values that
        are missing or not finite, or `problem` is not a SALib problem dict, or `num_resamples`
        is not a whole number of at least 2 or `conf_level` not between 0 and 1.

    Warns
    -----
    SmallSampleWarning
        With fewer than `MIN_RBD_FAST_N` draws, or an estimate outside [0, 1] by more than its
        interval.

    Examples
    --------
    >>> import numpy as np
    >>> from simbranch.analysis import rbd_fast_indices
    >>> problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}
    >>> x = np.random.default_rng(0).uniform(size=(64, 2))  # 64 random draws
    >>> y = 3.0 * x[:, 0] + x[:, 1]  # a explains 9/10 of the variance, b 1/10
    >>> indices = rbd_fast_indices(problem, x, y)
    >>> indices.columns.tolist()
    ['parameter', 'S1', 'S1_conf']
    >>> bool(indices["S1"].iloc[0] > 0.7 > indices["S1"].iloc[1])
    True
    """
    from SALib.analyze import rbd_fast

    check_bootstrap(num_resamples, conf_level)
    names = _names(problem)
    y = _outputs(y)
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(names):
        raise ValueError(f"x must have one column per parameter ({len(names)}); got shape {x.shape}")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)} values")
    nan = np.full(len(names), np.nan)
    frame = pd.DataFrame({"parameter": names, "S1": nan, "S1_conf": nan})
    if len(y) >= 8 and np.ptp(y) > 0:
        m = harmonics if harmonics is not None else max(1, min(10, len(y) // 8))
        if not 1 <= m < len(y) / 4:
            raise ValueError(f"harmonics must be at least 1 and below n / 4 = {len(y) / 4:g} (the bootstrap reads "
                             f"half-samples); got {m}")
        with np.errstate(invalid="ignore", divide="ignore"):
            result = rbd_fast.analyze(dict(problem), x, y, M=m, num_resamples=num_resamples, conf_level=conf_level,
                                      print_to_console=False, seed=bootstrap_seed(seed))
        frame = pd.DataFrame({"parameter": names, "S1": np.asarray(result["S1"], dtype=float),
                              "S1_conf": np.asarray(result["S1_conf"], dtype=float)})
    small = len(y) < MIN_RBD_FAST_N
    symptoms = _range_symptoms(frame, "S1", small=small, wide=False)
    _warn(f"RBD-FAST indices{_of(label)} from {len(y)} draws", len(y), MIN_RBD_FAST_N, "draws", symptoms,
          f"draw n >= {MIN_RBD_FAST_N}")
    return frame


# --------------------------------------------------------------------------- warnings


def _of(label: str | None) -> str:
    return f" of {label}" if label else ""


def _warn(what: str, n: int, advised: int, unit: str, symptoms: list[str], remedy: str) -> None:
    """One `SmallSampleWarning` for an analysis: below the advised size, or with symptoms of noise."""
    if n >= advised and not symptoms:
        return
    size = f", below the advised {advised} {unit}" if n < advised else ""
    found = f": {'; '.join(symptoms)}" if symptoms else ""
    warnings.warn(f"{what}{size}{found}. This is the estimator's noise at this sample size, not a property of "
                  f"the model: {remedy}.", SmallSampleWarning, stacklevel=3)


def _sobol_symptoms(frame: pd.DataFrame, *, small: bool) -> list[str]:
    """What in Sobol' indices shows the estimator's noise: S1 > ST beyond both intervals (for a `small`
    sample, S1 > ST at all), and the range symptoms of S1 and ST (`_range_symptoms`)."""
    s1, c1, st, ct = (frame[c].to_numpy(dtype=float) for c in ("S1", "S1_conf", "ST", "ST_conf"))
    beyond = s1 - c1 > st + ct
    out = []
    for mask, how in ((beyond, " beyond both intervals"), (small & (s1 > st) & ~beyond, "")):
        if mask.any():
            shown = [f"{p} (S1 {a:.2f} ± {b:.2f}, ST {c:.2f} ± {e:.2f})"
                     for p, a, b, c, e in zip(frame["parameter"][mask], s1[mask], c1[mask], st[mask], ct[mask],
                                              strict=True)]
            out.append(f"S1 above ST{how}, though S1 <= ST for the true indices, for {_listing(shown)}")
    return out + _range_symptoms(frame, "S1", small=small) + _range_symptoms(frame, "ST", small=small)


def _range_symptoms(frame: pd.DataFrame, index: str, *, small: bool, wide: bool = True) -> list[str]:
    """An index's intervals wider than [0, 1] (with `wide`), estimates outside [0, 1] by more than their
    interval, and, for a `small` sample, intervals that reach outside [0, 1] at all."""
    s, c = frame[index].to_numpy(dtype=float), frame[f"{index}_conf"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        checks = [(wide & (c > 0.5), "intervals wider than the whole range [0, 1]"),
                  (((s + c) < 0) | ((s - c) > 1), "estimates outside [0, 1] by more than their interval"),
                  (small & (((s - c) < 0) | ((s + c) > 1)), "intervals reaching outside [0, 1]")]
    out, named = [], np.zeros(len(s), dtype=bool)
    for mask, what in checks:
        mask = mask & ~named  # each parameter under its strongest symptom only
        named |= mask
        if mask.any():
            shown = [f"{p} ({index} {a:.2f} ± {b:.2f})" for p, a, b in zip(frame["parameter"][mask], s[mask], c[mask],
                                                                          strict=True)]
            out.append(f"{index} {what} for {_listing(shown)}")
    return out


def _listing(items: list[str]) -> str:
    """The first few items, then how many more."""
    more = len(items) - _SHOWN
    return ", ".join(items[:_SHOWN]) + (f" and {more} more" if more > 0 else "")


# --------------------------------------------------------------------------- checks


#: Most bootstrap resamples of a sensitivity index: beyond 10,000 a 95 % interval's own Monte Carlo error is
#: far below its width, and SALib holds every resample in memory at once.
MAX_RESAMPLES = 10_000


def check_bootstrap(num_resamples: object, conf_level: object) -> None:
    """A ValueError naming the argument unless `num_resamples` is a whole number from 2 to `MAX_RESAMPLES`
    and `conf_level` a number strictly between 0 and 1 (SALib would divide by zero for 0 resamples, give
    NaN intervals for 1, run out of memory for a billion, and give intervals at a level that means
    nothing outside (0, 1))."""
    if isinstance(num_resamples, bool) or not isinstance(num_resamples, int | np.integer) or num_resamples < 2:
        raise ValueError("num_resamples must be a whole number of at least 2 (the intervals are the spread of the "
                         f"resamples), got {num_resamples!r}")
    if num_resamples > MAX_RESAMPLES:
        raise ValueError(f"num_resamples must be at most {MAX_RESAMPLES:,} (more do not sharpen the interval and "
                         f"each is held in memory), got {num_resamples!r}")
    if isinstance(conf_level, bool) or not isinstance(conf_level, int | float | np.integer | np.floating) \
            or not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be a number between 0 and 1 (exclusive), got {conf_level!r}")


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
