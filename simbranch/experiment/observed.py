"""What a branch knows about itself: observed KPIs, each with its uncertainty, the data a calibration fits.

An observed-data file is TOML (an example: simbranch/scenarios/observed/example.toml):

    [branch]                                   # optional: who the data are about
    name = "Riverside business centre"
    description = "2025 management accounts and staff survey"

    [observed]                                 # KPI name = { value, sd }
    client_churn_rate = { value = 0.11, sd = 0.01 }
    nps = { value = 15.0, sd = 4.0 }

Keys are KPI names as a run reports them (`simbranch.kpi_names(scenario)`: `KPI_NAMES` and the
per-tier KPIs of the scenario's tiers), in the same units and over the same measured horizon; `sd`
is the standard deviation of the observation (sampling error, or how far the number can be
trusted), positive. A file or mapping that breaks a rule raises `ScenarioError` naming the source,
the field path, the value and what is allowed, as a wrong scenario file does (exit 2 in the CLI).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simbranch.run import kpi_names
from simbranch.scenario import _MISSING, Scenario, ScenarioError, _read_toml

__all__ = ["Observed", "load_observed", "observed"]

_BRANCH_KEYS = ("name", "description")


@dataclass(frozen=True)
class Observed:
    """Observed KPIs of one branch, each with its uncertainty: the data a calibration fits.

    `load_observed` reads one from a file and checks it; `calibrate` also takes a mapping,
    checked the same way. The KPIs are as a run reports them: the same names, units and
    measured horizon.

    Parameters
    ----------
    values : dict of str to tuple of (float, float)
        From a KPI name (`simbranch.kpi_names`) to its observed (value, sd), where sd is the
        standard deviation of the observation: sampling error, or how far the number is trusted.
    name : str, optional
        The branch the data are about.
    description : str, optional
        Where the data come from.
    source : str, optional
        The file read ("" if built in code); not part of equality.

    Raises
    ------
    TypeError
        If `values` is missing (nothing else is checked here: `load_observed` checks a file's
        KPI names, values and standard deviations).

    Examples
    --------
    >>> import simbranch as sb
    >>> data = sb.Observed({"nps": (15.0, 4.0), "client_churn_rate": (0.11, 0.01)}, name="Riverside")
    >>> len(data), data.values["nps"]
    (2, (15.0, 4.0))
    """

    values: dict[str, tuple[float, float]]
    name: str = ""
    description: str = ""
    source: str = field(default="", compare=False)

    @property
    def frame(self) -> pd.DataFrame:
        """The observed KPIs as a table: value, sd and the coefficient of variation sd / abs(value).

        One row per KPI, indexed by ``kpi``; the coefficient of variation is NaN for a value of
        0. It shows at a glance which observations are precise enough to inform a calibration.

        Examples
        --------
        >>> import simbranch as sb
        >>> data = sb.Observed({"nps": (15.0, 4.0), "client_churn_rate": (0.11, 0.01)})
        >>> data.frame.round(3)
                           value    sd     cv
        kpi
        nps                15.00  4.00  0.267
        client_churn_rate   0.11  0.01  0.091
        """
        df = pd.DataFrame.from_dict(self.values, orient="index", columns=["value", "sd"])
        df.index.name = "kpi"
        df["cv"] = df["sd"] / df["value"].abs().where(df["value"] != 0)
        return df

    def _repr_html_(self) -> str:
        title = f"<p><b>{self.name or 'Observed KPIs'}</b> {self.description}</p>"
        return title + self.frame.to_html(float_format=lambda x: f"{x:,.4g}")

    def __len__(self) -> int:
        return len(self.values)


def load_observed(path: str | Path, scenario: Scenario | None = None) -> Observed:
    """Read and validate an observed-data TOML file.

    The file has an optional ``[branch]`` table (``name``, ``description``) and an
    ``[observed]`` table of ``KPI = { value = ..., sd = ... }`` (this module's documentation shows
    one; simbranch/scenarios/observed/example.toml is a fictional branch's). Every problem is
    reported at once, as for a scenario file.

    Parameters
    ----------
    path : str or pathlib.Path
        The observed-data file.
    scenario : Scenario, optional
        The scenario the data will be compared with: its tiers name the per-tier KPIs allowed
        (`simbranch.kpi_names`); the default scenario's if None.

    Returns
    -------
    Observed
        The observed KPIs, with the branch's name and description and `source` set to the file.

    Raises
    ------
    ScenarioError
        If the file cannot be read or is not valid TOML, has a section other than branch and
        observed, no ``[observed]`` table or an empty one, a KPI that a run of `scenario` does
        not report, or an entry that is not a finite value with an sd above 0.

    Examples
    --------
    >>> import simbranch as sb
    >>> from pathlib import Path
    >>> _ = Path("observed.toml").write_text('''
    ... [branch]
    ... name = "Riverside"
    ...
    ... [observed]
    ... nps = { value = 15.0, sd = 4.0 }
    ... client_churn_rate = { value = 0.11, sd = 0.01 }
    ... ''')
    >>> data = sb.load_observed("observed.toml")
    >>> data.name, sorted(data.values)
    ('Riverside', ['client_churn_rate', 'nps'])
    >>> _ = Path("wrong.toml").write_text("[observed]\\nnps = { value = 15.0, sd = 0 }\\n")
    >>> try:
    ...     sb.load_observed("wrong.toml")
    ... except sb.ScenarioError as error:
    ...     print(error)
    wrong.toml: 1 problem
      observed.nps.sd = 0: must be above 0 (the observation's standard deviation)
    """
    source = str(path)
    data = _read_toml(path)
    problems: list[tuple[str, Any, str]] = []
    for key in data:
        if key not in ("branch", "observed"):
            problems.append((key, data[key], "unknown section; allowed: branch, observed"))
    branch = data.get("branch", {})
    if not isinstance(branch, dict):
        problems.append(("branch", branch, "must be a table with name and description"))
        branch = {}
    for key, value in branch.items():
        if key not in _BRANCH_KEYS:
            problems.append((f"branch.{key}", value, f"unknown key; allowed: {', '.join(_BRANCH_KEYS)}"))
        elif not isinstance(value, str):
            problems.append((f"branch.{key}", value, "must be text"))
    if "observed" not in data:
        problems.append(("observed", _MISSING, "missing: an [observed] table of KPI = { value = ..., sd = ... }"))
        raise ScenarioError(source, problems)
    values = _check(data["observed"], scenario, "observed", problems)
    if problems:
        raise ScenarioError(source, problems)
    return Observed(values, name=str(branch.get("name", "")), description=str(branch.get("description", "")),
                    source=source)


def observed(data: str | Path | Observed | Mapping[str, Any], scenario: Scenario | None = None) -> Observed:
    """Observed KPIs from a file path, an `Observed`, or a mapping `{kpi: (value, sd)}` (or
    `{kpi: {"value": v, "sd": s}}`), validated as a file is."""
    if isinstance(data, Observed):
        return data
    if isinstance(data, (str, Path)):
        return load_observed(data, scenario)
    problems: list[tuple[str, Any, str]] = []
    values = _check(data, scenario, "", problems)
    if problems:
        raise ScenarioError("observed KPIs", problems)
    return Observed(values, source="mapping")


def _check(table: Any, scenario: Scenario | None, prefix: str,
           problems: list[tuple[str, Any, str]]) -> dict[str, tuple[float, float]]:
    """The (value, sd) of every entry of `table` that is valid; a problem for each that is not."""
    where = (lambda key: f"{prefix}.{key}") if prefix else (lambda key: key)
    if not isinstance(table, Mapping):
        problems.append((prefix, table, "must be a table of KPI = { value = ..., sd = ... }"))
        return {}
    if not table:
        problems.append((prefix, table, "no observed KPIs: give at least one KPI = { value = ..., sd = ... }"))
    allowed = kpi_names(scenario)
    values: dict[str, tuple[float, float]] = {}
    for kpi, entry in table.items():
        path = where(kpi)
        if kpi not in allowed:
            problems.append((path, entry, f"unknown KPI; allowed: {', '.join(allowed)}"))
            continue
        pair = _pair(entry, path, problems)
        if pair is not None:
            values[kpi] = pair
    return values


def _pair(entry: Any, path: str, problems: list[tuple[str, Any, str]]) -> tuple[float, float] | None:
    if isinstance(entry, (tuple, list)) and len(entry) == 2:
        entry = {"value": entry[0], "sd": entry[1]}
    if not isinstance(entry, Mapping):
        problems.append((path, entry, "must be { value = <number>, sd = <number above 0> }"))
        return None
    ok = True
    for key in entry:
        if key not in ("value", "sd"):
            problems.append((f"{path}.{key}", entry[key], "unknown key; allowed: value, sd"))
            ok = False
    for key in ("value", "sd"):
        x = entry.get(key)
        if key not in entry:
            problems.append((f"{path}.{key}", _MISSING, "missing" + (": the observation's standard deviation, above 0"
                                                                   if key == "sd" else ": a number")))
        elif isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            problems.append((f"{path}.{key}", x, "must be a finite number"))
        elif key == "sd" and x <= 0:
            problems.append((f"{path}.{key}", x, "must be above 0 (the observation's standard deviation)"))
        else:
            continue
        ok = False
    return (float(entry["value"]), float(entry["sd"])) if ok else None
