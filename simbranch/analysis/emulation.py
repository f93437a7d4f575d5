"""Emulators of the model and the statistics of history matching, for calibration.

A run of the default branch costs seconds, so a likelihood-free method that needs 10^4-10^5 runs
(rejection ABC, ABC-SMC) does not fit a laptop's afternoon. History matching with Gaussian-process
emulators (Craig et al. 1997; Vernon, Goldstein & Bower 2010; Andrianakis et al. 2015 for
stochastic agent-based models) needs a few hundred: a GP per KPI learns the model's mean output
over the parameter box from a space-filling design, and the emulator, not the model, is asked
about the thousands of candidate points.

- `fit_emulator`: per KPI two scikit-learn `GaussianProcessRegressor`s (Matern 5/2 with a length
  scale per parameter, on the unit cube): one of the log of one run's variance (the noise of a
  busy setting differs from a quiet one's; an observed year of a real branch is one realisation,
  so that noise enters the fit), and one of the mean of each design point's runs, with the
  emulated noise of that mean as its nugget.
- `implausibility`: |observed - emulated mean| / sqrt(sd_obs^2 + run variance + emulator variance)
  per KPI; a point is ruled out when the largest exceeds the cut-off (3, Pukelsheim's three-sigma
  rule for unimodal distributions).
- `log_likelihood`: the Gaussian synthetic likelihood with the same variances; under the uniform
  prior of the box it weights candidates into a posterior.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Emulator", "fit_emulator", "implausibility", "log_likelihood"]

#: Implausibility above which a point is ruled out (three-sigma rule, Pukelsheim 1994).
CUTOFF = 3.0


@dataclass
class Emulator:
    """Gaussian-process emulators of each KPI over the unit cube of the parameters: of its mean, and
    of the variance of one run around that mean (runs at a busy setting scatter more than at a
    quiet one, so the noise is emulated too: Andrianakis et al. 2017's stochastic emulator)."""

    kpis: list[str]
    gps: list = field(repr=False)
    #: per KPI a GP of the log of one run's variance, or None where every run agreed (no noise)
    var_gps: list = field(repr=False)
    #: training points (unit cube) and their replication means, one column per KPI
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)

    def predict(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """At points `u` (rows in the unit cube), per KPI: the emulated mean, the emulator's variance
        about that mean, and the emulated variance of one run."""
        u = np.atleast_2d(u)
        shape = (len(u), len(self.kpis))
        means, variances, noise = np.empty(shape), np.empty(shape), np.zeros(shape)
        for j, gp in enumerate(self.gps):
            m, s = gp.predict(u, return_std=True)
            means[:, j] = m
            variances[:, j] = s**2
            if self.var_gps[j] is not None:
                noise[:, j] = np.exp(self.var_gps[j].predict(u))
        return means, variances, noise


def _gp(d: int, alpha: np.ndarray | float, seed: int):
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    kernel = (ConstantKernel(1.0, (1e-3, 1e2)) * Matern(np.full(d, 0.5), (0.03, 30.0), nu=2.5)
              + WhiteKernel(1e-3, (1e-9, 1.0)))
    return GaussianProcessRegressor(kernel, alpha=alpha, normalize_y=True, n_restarts_optimizer=2, random_state=seed)


def _fitted(gp, x: np.ndarray, y: np.ndarray):
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():  # a length scale at its bound means "flat in that parameter": fine
        warnings.simplefilter("ignore", ConvergenceWarning)
        return gp.fit(x, y)


def fit_emulator(u: np.ndarray, runs: np.ndarray, point: np.ndarray, kpis: list[str],
                 seed: int = 0) -> Emulator:
    """Fit the GPs of every KPI. `u`: the design's points (unit cube, one row per point); `runs`: one
    row per run, one column per KPI; `point`: the row of `u` each run belongs to. Runs at one point
    must have independent seeds: their spread is the model's noise there.

    The log of each point's sample variance is emulated first (its sampling noise, trigamma((r-1)/2)
    for r runs, as the nugget; bias-corrected); each point's mean is then fitted with the noise of a
    mean of its runs (emulated variance / r) as the nugget."""
    from scipy.special import digamma, polygamma

    u = np.asarray(u, dtype=float)
    runs = np.asarray(runs, dtype=float)
    point = np.asarray(point)
    n, d = u.shape
    if (np.bincount(point, minlength=n) == 0).any():
        raise ValueError("every design point needs at least one finished run")
    gps, var_gps, means = [], [], np.full((n, runs.shape[1]), np.nan)
    for j in range(runs.shape[1]):
        ok = np.isfinite(runs[:, j])  # a KPI can be undefined in a run (no hires: no new-hire quit rate)
        counts = np.bincount(point[ok], minlength=n).astype(float)
        seen = counts > 0
        if seen.sum() < d + 2:
            raise ValueError(f"{kpis[j]!r} has a value at only {int(seen.sum())} of {n} settings; an emulator "
                             f"of {d} parameters needs at least {d + 2}")
        sums = np.bincount(point[ok], weights=runs[ok, j], minlength=n)
        means[seen, j] = sums[seen] / counts[seen]
        squares = np.bincount(point[ok], weights=(runs[ok, j] - means[point[ok], j]) ** 2, minlength=n)
        repeated = counts >= 2
        var_gp = None
        noise = np.zeros(n)
        if repeated.sum() >= d + 2 and squares[repeated].max() > 0:
            half = (counts[repeated] - 1) / 2
            sample = squares[repeated] / (counts[repeated] - 1)
            floor = 1e-3 * sample[sample > 0].min()
            logs = np.log(np.maximum(sample, floor)) - digamma(half) + np.log(half)  # unbiased for log variance
            spread = float(np.var(logs)) or 1.0
            var_gp = _fitted(_gp(d, polygamma(1, half) / spread, seed + 1000 + j), u[repeated], logs)
            noise = np.exp(var_gp.predict(u))
        scale = float(np.var(means[seen, j])) or 1.0
        alpha = np.maximum(noise[seen] / counts[seen], 1e-12 * scale) / scale
        gps.append(_fitted(_gp(d, alpha, seed + j), u[seen], means[seen, j]))
        var_gps.append(var_gp)
    return Emulator(kpis=list(kpis), gps=gps, var_gps=var_gps, x=u, y=means)


def implausibility(emulator: Emulator, u: np.ndarray, observed: np.ndarray, sd: np.ndarray,
                   observed_runs: float = 1.0) -> np.ndarray:
    """Per point and KPI: |observed - emulated mean| in standard deviations of everything that separates
    them (the observation's sd, the model's noise in what was observed, the emulator's own
    uncertainty). `observed_runs`: how many runs' worth of data the observed values average (1: one
    year of one branch, a single realisation; 3 for a mean over three such years)."""
    means, variances, noise = emulator.predict(u)
    return np.abs(observed - means) / np.sqrt(sd**2 + noise / observed_runs + variances)


def log_likelihood(emulator: Emulator, u: np.ndarray, observed: np.ndarray, sd: np.ndarray,
                   observed_runs: float = 1.0) -> np.ndarray:
    """Gaussian synthetic log-likelihood of the observations at each point (KPIs taken as independent)."""
    means, variances, noise = emulator.predict(u)
    total = sd**2 + noise / observed_runs + variances
    return -0.5 * (((observed - means) ** 2) / total + np.log(2 * np.pi * total)).sum(axis=1)
