"""Statistics of experiments: replication summaries, paired comparisons (on one scenario or over several)
with intervals adjusted for the family they belong to, multiple comparisons with the best, warm-up and
sensitivity.

The public names load on first use: `mser5` needs NumPy alone, the rest SciPy's statistics (and the
sensitivity indices SALib), which a light module of this package need not pay for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simbranch import _lazy_names

if TYPE_CHECKING:
    from simbranch.analysis.replications import (
        adjusted_intervals,
        best,
        ci_half_width,
        multiple_comparisons_with_the_best,
        paired_differences,
        summarise,
    )
    from simbranch.analysis.sensitivity import morris_indices, rbd_fast_indices, sobol_indices
    from simbranch.analysis.uncertainty import paired_over_scenarios, share_better, summarise_over_scenarios
    from simbranch.analysis.warmup import mser5

__all__ = [
    "adjusted_intervals",
    "best",
    "ci_half_width",
    "morris_indices",
    "mser5",
    "multiple_comparisons_with_the_best",
    "paired_differences",
    "paired_over_scenarios",
    "rbd_fast_indices",
    "share_better",
    "sobol_indices",
    "summarise",
    "summarise_over_scenarios",
]

#: Each public name and the module of this package that defines it.
_HOME = {
    **dict.fromkeys(["adjusted_intervals", "best", "ci_half_width", "multiple_comparisons_with_the_best",
                     "paired_differences", "summarise"], "replications"),
    **dict.fromkeys(["morris_indices", "rbd_fast_indices", "sobol_indices"], "sensitivity"),
    **dict.fromkeys(["paired_over_scenarios", "share_better", "summarise_over_scenarios"], "uncertainty"),
    "mser5": "warmup",
}


__getattr__, __dir__ = _lazy_names(__name__, _HOME)
