"""Experiments: policies x scenarios x replications, sweeps, calibration to a branch's data, robustness across
the assumption ranges, seeds, executors and the result store.

The public names load on first use (`simbranch.experiment.compare` imports the statistics and SciPy,
`calibrate` the emulators), so that importing a light module of this package (`store`, `observed`, a
worker process's `worker`) does not pay for the heavy ones.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from simbranch import _lazy_names

if TYPE_CHECKING:
    from simbranch.experiment.calibrate import Calibration, calibrate
    from simbranch.experiment.compare import Comparison, compare
    from simbranch.experiment.optimisation import Optimisation
    from simbranch.experiment.optimise import load_optimisation, optimise, saved_optimisations
    from simbranch.experiment.robustness import Robustness, robustness
    from simbranch.experiment.saved import load_comparison, saved_comparisons
    from simbranch.experiment.store import ResultStore, StoreError
    from simbranch.experiment.sweep import Sweep, sweep

__all__ = ["Calibration", "Comparison", "Optimisation", "ResultStore", "Robustness", "StoreError", "Sweep", "calibrate",
           "compare", "load_comparison", "load_optimisation", "optimise", "robustness", "saved_comparisons",
           "saved_optimisations", "sweep"]

#: Each public name and the module of this package that defines it.
_HOME = {
    "Calibration": "calibrate", "calibrate": "calibrate",
    "Comparison": "compare", "compare": "compare",
    "Optimisation": "optimisation", "optimise": "optimise", "load_optimisation": "optimise",
    "saved_optimisations": "optimise",
    "Robustness": "robustness", "robustness": "robustness",
    "load_comparison": "saved", "saved_comparisons": "saved",
    "ResultStore": "store", "StoreError": "store",
    "Sweep": "sweep", "sweep": "sweep",
}


__getattr__, __dir__ = _lazy_names(__name__, _HOME)


class _Package(types.ModuleType):
    """This package, whose functions `calibrate`, `compare`, `robustness` and `sweep` share their names with
    the modules that define them. Importing such a module makes the import system set the package's
    attribute to the module; this keeps the function there instead, as the eager imports did before
    (`simbranch.experiment.compare` is the function; the module is `sys.modules['simbranch.experiment.compare']`)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _HOME.get(name) == name:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
