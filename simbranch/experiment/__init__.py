"""Experiments: policies x scenarios x replications, sweeps, seeds, executors and the result store."""

from simbranch.experiment.compare import Comparison, compare
from simbranch.experiment.store import ResultStore, StoreError

__all__ = ["Comparison", "ResultStore", "StoreError", "compare"]
