"""Experiments: policies x scenarios x replications, sweeps, calibration to a branch's data, robustness across
the assumption ranges, seeds, executors and the result store."""

from simbranch.experiment.calibrate import Calibration, calibrate
from simbranch.experiment.compare import Comparison, compare
from simbranch.experiment.robustness import Robustness, robustness
from simbranch.experiment.saved import load_comparison, saved_comparisons
from simbranch.experiment.store import ResultStore, StoreError
from simbranch.experiment.sweep import Sweep, sweep

__all__ = ["Calibration", "Comparison", "ResultStore", "Robustness", "StoreError", "Sweep", "calibrate", "compare",
           "load_comparison", "robustness", "saved_comparisons", "sweep"]
