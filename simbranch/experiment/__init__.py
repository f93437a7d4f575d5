"""Experiments: policies x scenarios x replications, sweeps, seeds, executors and the result store."""

from simbranch.experiment.compare import Comparison, compare
from simbranch.experiment.store import ResultStore, StoreError
from simbranch.experiment.sweep import Sweep, sweep

__all__ = ["Comparison", "ResultStore", "StoreError", "Sweep", "compare", "sweep"]
