"""Experiments: policies x scenarios x replications, sweeps, seeds, executors and the result store."""

from simbranch.experiment.compare import Comparison, compare
from simbranch.experiment.saved import load_comparison, saved_comparisons
from simbranch.experiment.store import ResultStore, StoreError
from simbranch.experiment.sweep import Sweep, sweep

__all__ = ["Comparison", "ResultStore", "StoreError", "Sweep", "compare", "load_comparison", "saved_comparisons",
           "sweep"]
