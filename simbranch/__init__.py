"""simbranch: compare how a business branch manages its account managers, by simulation.

The public interface (see README.md): `load_scenario`, `load_policy`, `Scenario`,
`Policy`, `ScenarioError`, `run`, `RunResult`, `KPI_NAMES`, `register_allocation_rule`,
`AllocationRule`, `assumptions` and `assumed_ranges` (the model's coefficients with their
sources and plausible ranges), `robustness` and `Robustness` (how a comparison of policies holds
across those ranges), `load_observed` and `Observed` (a branch's observed KPIs), `calibrate` and
`Calibration` (the coefficients fitted to those KPIs, with their uncertainty), `kpis` (every KPI
with its labels in English and Chinese, unit, better direction and number format, from the
`meanings` registry), and the `validation` module with analytic test cases.
"""

from importlib.metadata import PackageNotFoundError, version

from simbranch import meanings, validation
from simbranch.assumptions import assumed_ranges, assumptions
from simbranch.experiment import (
    Calibration,
    Comparison,
    ResultStore,
    Robustness,
    Sweep,
    calibrate,
    compare,
    load_comparison,
    robustness,
    sweep,
)
from simbranch.experiment.observed import Observed, load_observed
from simbranch.meanings import kpis
from simbranch.policies.allocation import AllocationRule, register_allocation_rule
from simbranch.run import KPI_NAMES, TIER_KPI_PREFIXES, RunResult, kpi_names, run
from simbranch.scenario import (
    Policy,
    Scenario,
    ScenarioError,
    load_policy,
    load_scenario,
    load_scenario_text,
)
from simbranch.trace import Trace, trace_day

try:
    __version__ = version("simbranch")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "KPI_NAMES",
    "TIER_KPI_PREFIXES",
    "AllocationRule",
    "Calibration",
    "Comparison",
    "Observed",
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
    "load_comparison",
    "load_observed",
    "load_policy",
    "load_scenario",
    "load_scenario_text",
    "meanings",
    "register_allocation_rule",
    "robustness",
    "run",
    "sweep",
    "trace_day",
    "validation",
]


def __getattr__(name: str):
    """`simbranch.plots`, `.report` and `.demo` load on first use: `import simbranch` stays free of matplotlib."""
    if name in ("plots", "report", "demo"):
        import importlib

        return importlib.import_module(f"simbranch.{name}")
    raise AttributeError(f"module 'simbranch' has no attribute {name!r}")
