"""HTML reports: one self-contained page per comparison, calibration or robustness study, in English
or Chinese, that a strategy team can open from a mail attachment and put in front of executives.

- `write_report` / `report_html`: a comparison of measures, told as a story (the question, the
  answer with money per year and intervals, the caveats, then the evidence);
- `write_calibration_report`: what a calibration fits and what the data pin down;
- `write_robustness_report`: how the measures hold across the assumption ranges.
"""

from simbranch.report.calibration import calibration_report_html, write_calibration_report
from simbranch.report.comparison import highlighted_policies, report_html, write_report
from simbranch.report.robustness import robustness_report_html, write_robustness_report

__all__ = ["calibration_report_html", "highlighted_policies", "report_html", "robustness_report_html",
           "write_calibration_report", "write_report", "write_robustness_report"]
