"""Statistics of experiments: replication summaries, paired comparisons (on one scenario or over several),
warm-up and sensitivity."""

from simbranch.analysis.replications import best, ci_half_width, paired_differences, summarise
from simbranch.analysis.sensitivity import morris_indices, rbd_fast_indices, sobol_indices
from simbranch.analysis.uncertainty import paired_over_scenarios, share_better, summarise_over_scenarios
from simbranch.analysis.warmup import mser5

__all__ = ["best", "ci_half_width", "morris_indices", "mser5", "paired_differences", "paired_over_scenarios",
           "rbd_fast_indices", "share_better", "sobol_indices", "summarise", "summarise_over_scenarios"]
