"""Plain helpers shared by test files (fixtures live in conftest.py)."""

from __future__ import annotations


def fast_quits(rate_per_year: float, delay_days: float | None = None) -> dict[str, float]:
    """Overrides that make every AM quit at `rate_per_year` whatever their tenure (and, with
    `delay_days`, fill a vacancy after that many days, without spread)."""
    out = {f"managers.turnover.{band}": rate_per_year
           for band in ("hazard_first_3m", "hazard_3_12m", "hazard_second_year", "base_rate_per_year")}
    if delay_days is not None:
        out |= {"managers.hiring.delay_days": float(delay_days), "managers.hiring.delay_cv": 0.0}
    return out


def report_prose(html: str) -> str:
    """The words a reader reads in a report page: its text without the markup, the styles, the
    images, what is quoted as code (<code>, <pre>: parameter paths, the scenario file) and the
    provenance section (the command line, on purpose in code names)."""
    import re
    from html import unescape

    html = re.split(r"<h[23]>(?:Provenance|可复现信息)</h[23]>", html)[0]
    html = re.sub(r"<(style|title|code|pre)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return unescape(re.sub(r"<[^>]+>", " ", html))


#: Code names a report's prose must not show (KPIs with an underscore: "profit" is also a word).
def code_names() -> list[str]:
    from simbranch import meanings

    kpis = [name for name in meanings.MEASURES if "_" in name]
    return [*kpis, *(name for name in meanings.POLICIES if "_" in name)]
