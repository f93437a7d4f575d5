"""simbranch as a user gets it (issue 16, point 1): a wheel installed non-editable into a fresh virtual
environment and used from a folder outside the checkout; optional parts that say which extra they
need; and an `import simbranch` that leaves the heavy libraries for later.

The wheel is built offline (`pip wheel --no-deps --no-build-isolation --no-index`, with the
setuptools of the dev extra) from a copy of the sources, so no `build/` or `.egg-info` lands in the
shared checkout. The fresh environment borrows the dependencies from this one through a `.pth`
line (a path entry: the editable install's finder, which a `.pth` file of this environment's
site-packages would start, is not started by it), and gets simbranch itself from the wheel only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from importlib.metadata import version
from pathlib import Path

import pytest

import simbranch as sb
from simbranch.extras import MissingExtra
from simbranch.scenario import PRESETS

REPO = Path(__file__).resolve().parents[1]
#: Libraries `import simbranch` must not load: they come with the experiments, plots, reports,
#: sensitivity analysis and executors that need them.
HEAVY = ("sklearn", "matplotlib", "SALib", "dask", "distributed", "scipy.stats")
#: The installed baseline is cut to this size, so `simbranch main` and the README's example take seconds.
TINY = {"branch.horizon_days": 10, "branch.warmup_days": 2, "clients.count": 150, "managers.count": 3}


# --- a wheel in a fresh environment -----------------------------------------------------------------


def _environment() -> dict[str, str]:
    """This process's environment without anything that would put the checkout or this venv first."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(MPLBACKEND="Agg", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def _run(args: list[str | Path], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; a failure shows its output."""
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=_environment(), capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{args} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _build_wheel(tmp: Path) -> Path:
    """The wheel of the working tree's sources, built from a copy of them (offline, no isolation)."""
    backend = version("setuptools")
    if int(backend.split(".")[0]) < 77:
        pytest.fail(f"setuptools {backend} cannot build simbranch (pyproject.toml needs >= 77, in the dev extra): "
                    "make install")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(REPO / "simbranch", src / "simbranch", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
          "-w", tmp / "dist", src], cwd=tmp)
    (wheel,) = (tmp / "dist").glob("simbranch-*.whl")
    return wheel


def _fresh_venv(path: Path) -> Path:
    """A new virtual environment whose only path to the dependencies is a `.pth` line to this one's
    site-packages (no download); returns its python."""
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(path)
    python = path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=path).stdout.strip())
    ours = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site / "borrowed_dependencies.pth").write_text("".join(f"{p}\n" for p in ours), encoding="utf-8")
    return python


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """simbranch installed from its wheel into a fresh venv, with a folder outside the checkout to work in.

    Its shipped baseline is then cut to TINY (the installed copy is this test's own), so that the
    main job and the README's example run in seconds on the very file they would read."""
    tmp = tmp_path_factory.mktemp("install")
    wheel = _build_wheel(tmp)
    fresh = tmp / "fresh"
    python = _fresh_venv(fresh)
    # pip comes from the borrowed site-packages and installs into the fresh venv; --ignore-installed
    # since it also sees the editable simbranch's metadata there
    _run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--ignore-installed", wheel], cwd=tmp)
    where = _run([python, "-c", "import simbranch; print(simbranch.__file__); print(simbranch.BASELINE)"], cwd=tmp)
    package, baseline = (Path(line) for line in where.stdout.split())
    tiny = sb.load_scenario(baseline).with_overrides(TINY)  # the installed file, read by the checkout's code
    baseline.write_text(tiny.to_toml(), encoding="utf-8")
    work = tmp / "elsewhere"
    work.mkdir()
    script = python.parent / ("simbranch.exe" if os.name == "nt" else "simbranch")
    return {"fresh": fresh, "python": python, "simbranch": script, "package": package, "baseline": baseline,
            "work": work}


def test_the_installed_copy_is_the_one_imported(installed):
    """simbranch, its baseline and its presets come from the fresh venv, not from the checkout."""
    fresh, package = installed["fresh"].resolve(), installed["package"].resolve()
    assert package.is_relative_to(fresh), package
    assert not package.is_relative_to(REPO), package
    assert installed["baseline"].resolve().is_relative_to(fresh)
    code = "from simbranch.scenario import PRESETS, preset_names; print(PRESETS); print(*preset_names())"
    out = _run([installed["python"], "-c", code], cwd=installed["work"]).stdout.splitlines()
    assert Path(out[0]).resolve().is_relative_to(fresh)
    assert out[1].split() == sorted(p.stem for p in PRESETS.glob("*.toml"))


def test_python_m_simbranch_help(installed):
    out = _run([installed["python"], "-m", "simbranch", "--help"], cwd=installed["work"]).stdout
    assert "main" in out and "compare" in out


def test_compare_takes_a_preset_by_name(installed):
    """`simbranch compare <baseline> --policy crm_routing` finds the preset inside the installed package."""
    out = _run([installed["simbranch"], "compare", installed["baseline"], "--policy", "crm_routing", "--reps", "2",
                "--executor", "serial", "--names", "code"], cwd=installed["work"]).stdout
    assert "crm_routing" in out and "satisfaction_mean" in out


def test_main_runs_the_named_policies_against_the_shipped_baseline(installed):
    work = installed["work"]
    done = _run([installed["simbranch"], "main", "--reps", "2", "--out", "main"], cwd=work, timeout=240)
    assert "not found" not in done.stderr
    paired = (work / "main" / "paired.csv").read_text(encoding="utf-8")
    assert all(name in paired for name in sb.scenario.preset_names())
    assert (work / "main" / "report.html").is_file()


def test_the_readme_python_example_runs_outside_the_checkout(installed):
    """The first Python example of README.md, with 2 replications instead of 20 (and the installed baseline
    cut to TINY), runs in the fresh venv from a folder that knows nothing of the checkout."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    code = re.search(r"^## Python\n.*?^```python\n(.*?)^```", readme, re.S | re.M).group(1)
    assert "replications=20" in code
    code = code.replace("replications=20", "replications=2")
    (installed["work"] / "readme_example.py").write_text(code, encoding="utf-8")
    _run([installed["python"], "readme_example.py"], cwd=installed["work"], timeout=240)
    for folder in ("what_if", "what_if_zh"):
        assert (installed["work"] / "out" / folder / "report.html").is_file()


# --- optional parts ----------------------------------------------------------------------------------


def test_the_demo_without_ipywidgets_names_its_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ModuleNotFoundError,
                       match=re.escape("the demo needs ipywidgets: pip install simbranch[notebooks]")) as caught:
        sb.demo.side_by_side(sb.Scenario())
    assert isinstance(caught.value, MissingExtra) and caught.value.name == "ipywidgets"


def test_the_dask_executor_without_dask_names_its_extra(monkeypatch, tiny):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ModuleNotFoundError, match=re.escape("needs dask.distributed: pip install simbranch[dask]")):
        sb.compare(sb.Scenario().with_overrides(tiny), ["crm_routing"], replications=1, executor="dask",
                   progress=False)


@pytest.mark.parametrize(("name", "says"), [("dask", "pass a distributed.Client"), ("threads", "is not one of")])
def test_an_executor_name_that_is_not_run_here_says_what_to_pass(name, says, tiny):
    pytest.importorskip("distributed")
    with pytest.raises(ValueError, match=says):
        sb.compare(sb.Scenario().with_overrides(tiny), ["crm_routing"], replications=1, executor=name,
                   progress=False)


# --- a light import -----------------------------------------------------------------------------------


def _fresh_interpreter(code: str) -> str:
    """What `code` prints in a new interpreter of this venv."""
    return _run([sys.executable, "-c", code], cwd=REPO).stdout


def test_import_simbranch_leaves_the_heavy_libraries_for_later():
    code = f"import sys, simbranch; print(*[m for m in {HEAVY!r} if m in sys.modules])"
    assert _fresh_interpreter(code).split() == []


def test_every_public_name_is_where_it_was():
    """The names that load on first use are all there, and a module imported under a function's name
    (simbranch.experiment.compare) leaves the package's attribute the function, as before."""
    code = """
import importlib, types
for name in ("calibrate", "compare", "robustness", "sweep"):
    importlib.import_module(f"simbranch.experiment.{name}")
import simbranch as sb
import simbranch.analysis as an
import simbranch.experiment as ex
from simbranch.analysis import summarise, sobol_indices
from simbranch.experiment import compare, Calibration
for module in (sb, an, ex):
    for name in module.__all__:
        assert getattr(module, name) is not None, (module, name)
for name in ("calibrate", "compare", "robustness", "sweep"):
    assert isinstance(getattr(ex, name), types.FunctionType), name
    assert getattr(sb, name) is getattr(ex, name), name
assert callable(sb.report.write_report) and sb.plots and sb.demo and an.tradeoffs and sb.model
print("ok")
"""
    assert _fresh_interpreter(code).strip() == "ok"
