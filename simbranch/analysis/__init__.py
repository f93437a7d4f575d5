"""Statistics of experiments: replication summaries, paired comparisons, warm-up and sensitivity."""

from simbranch.analysis.replications import best, ci_half_width, paired_differences, summarise
from simbranch.analysis.sensitivity import morris_indices, sobol_indices
from simbranch.analysis.warmup import mser5

__all__ = ["best", "ci_half_width", "morris_indices", "mser5", "paired_differences", "sobol_indices", "summarise"]
