"""Statistics of experiments: replication summaries, paired comparisons (on one scenario or over several)
with intervals adjusted for the family they belong to, multiple comparisons with the best, warm-up and
sensitivity."""

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
