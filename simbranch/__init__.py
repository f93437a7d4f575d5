"""simbranch: compare how a business branch manages its account managers, by simulation.

The public interface (see README.md): `load_scenario`, `load_policy`, `Scenario`, `BASELINE` (the
default branch's file, shipped in the package),
`Policy`, `ScenarioError`, `run`, `RunResult`, `KPI_NAMES`, `register_allocation_rule`,
`AllocationRule`, `assumptions` and `assumed_ranges` (the model's coefficients with their
sources and plausible ranges), `robustness` and `Robustness` (how a comparison of policies holds
across those ranges), `load_observed` and `Observed` (a branch's observed KPIs), `calibrate` and
`Calibration` (the coefficients fitted to those KPIs, with their uncertainty), `kpis` (every KPI
with its labels in English and Chinese, unit, better direction and number format, from the
`meanings` registry), `policies` (the preset policies) and `levers` (every lever with its type,
default, allowed range, unit and description), and the `validation` module with analytic test cases.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from simbranch import meanings, validation
from simbranch.assumptions import assumed_ranges, assumptions
from simbranch.discover import levers, policies
from simbranch.meanings import kpis
from simbranch.mechanisms.allocation import AllocationRule, register_allocation_rule
from simbranch.run import KPI_NAMES, TIER_KPI_PREFIXES, RunResult, kpi_names, run
from simbranch.scenario import (
    BASELINE,
    Policy,
    Scenario,
    ScenarioError,
    load_policy,
    load_scenario,
    load_scenario_text,
)
from simbranch.trace import Trace, trace_day

if TYPE_CHECKING:
    # From the defining modules: `simbranch.experiment.compare` (and calibrate, robustness, sweep) also
    # names a submodule, which a type checker would take for the function.
    from simbranch.experiment.calibrate import Calibration, calibrate
    from simbranch.experiment.compare import Comparison, compare
    from simbranch.experiment.observed import Observed, load_observed
    from simbranch.experiment.optimise import Optimisation, load_optimisation, optimise, saved_optimisations
    from simbranch.experiment.robustness import Robustness, robustness
    from simbranch.experiment.saved import load_comparison
    from simbranch.experiment.store import ResultStore
    from simbranch.experiment.sweep import Sweep, sweep

try:
    __version__ = version("simbranch")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "BASELINE",
    "KPI_NAMES",
    "TIER_KPI_PREFIXES",
    "AllocationRule",
    "Calibration",
    "Comparison",
    "Observed",
    "Optimisation",
    "Policy",
    "ResultStore",
    "Robustness",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Sweep",
    "Trace",
    "__version__",
    "assumed_ranges",
    "assumptions",
    "calibrate",
    "compare",
    "kpi_names",
    "kpis",
    "levers",
    "load_comparison",
    "load_observed",
    "load_optimisation",
    "load_policy",
    "load_scenario",
    "load_scenario_text",
    "meanings",
    "optimise",
    "policies",
    "register_allocation_rule",
    "robustness",
    "run",
    "saved_optimisations",
    "sweep",
    "trace_day",
    "validation",
]


def _lazy_names(package: str, homes: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for a package whose public names load on first use (PEP 562).

    `homes` maps each such name to the module of `package` that defines it: the module is imported
    when the name is first read, and the value kept in the package. Any other name that is a
    submodule (`simbranch.plots`, `simbranch.analysis.tradeoffs`) is imported as such, as eager
    imports used to leave them reachable. This keeps `import simbranch` light (no SciPy statistics,
    scikit-learn, matplotlib, SALib or Dask) while every public name stays where it was."""

    def __getattr__(name: str) -> Any:
        namespace = sys.modules[package].__dict__
        if name in homes:
            value = getattr(importlib.import_module(f"{package}.{homes[name]}"), name)
        elif not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}") is not None:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(sys.modules[package].__dict__) | set(homes))

    return __getattr__, __dir__


#: The public names that load on first use, each with its module (`simbranch.experiment` pulls the
#: statistics: SciPy, and scikit-learn for the calibration's emulators).
_HOMES = {
    **dict.fromkeys(["Calibration", "Comparison", "Optimisation", "ResultStore", "Robustness", "Sweep", "calibrate",
                     "compare", "load_comparison", "load_optimisation", "optimise", "robustness", "saved_optimisations",
                     "sweep"], "experiment"),
    **dict.fromkeys(["Observed", "load_observed"], "experiment.observed"),
}

__getattr__, __dir__ = _lazy_names(__name__, _HOMES)
