"""Statistics of experiments: replication summaries, paired comparisons, warm-up and sensitivity."""

from simbranch.analysis.replications import best, ci_half_width, paired_differences, summarise
from simbranch.analysis.warmup import mser5

__all__ = ["best", "ci_half_width", "mser5", "paired_differences", "summarise"]
