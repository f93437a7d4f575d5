"""The documentation site builds with warnings as errors (as `make docs` does, without running the
example notebooks, which tests/test_notebooks.py runs), and its pages hold what they promise: every
public name in the API reference, every subcommand, every scenario field and KPI, and the tutorials'
code executed."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import simbranch as sb
from simbranch.discover import public_api

ROOT = Path(__file__).resolve().parents[1]

#: Pages the site's toctrees promise, by their path in the built site.
PAGES = [
    "index", "about", "examples",
    "tutorials/first-run", "tutorials/first-comparison",
    "howto/compare-your-policies", "howto/dask-cluster", "howto/allocation-rule", "howto/ema-workbench",
    "howto/read-the-report",
    "reference/api", "reference/cli", "reference/schema", "reference/kpis",
    "model", "evidence", "validation", "calibration", "policies", "article",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for this module by `python -m sphinx -W` into a scratch folder."""
    out = tmp_path_factory.mktemp("docs")
    env = {**os.environ, "SIMBRANCH_DOCS_EXECUTE_NOTEBOOKS": "0"}
    started = time.perf_counter()
    build = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html",
                            str(ROOT / "docs"), str(out)], capture_output=True, text=True, env=env, timeout=900)
    assert build.returncode == 0, f"the documentation does not build:\n{build.stderr[-6000:]}"
    print(f"documentation built in {time.perf_counter() - started:.0f} s")
    return out


def text_of(page: Path) -> str:
    """The visible text of a built page's article, tags and entities resolved."""
    body = page.read_text(encoding="utf-8")
    body = re.sub(r"<script.*?</script>|<style.*?</style>", "", body, flags=re.S)
    article = re.search(r"<article[^>]*>(.*)</article>", body, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", article.group(1) if article else body))


def test_every_page_of_the_map_is_built(site):
    missing = [page for page in PAGES if not (site / f"{page}.html").exists()]
    assert not missing, missing
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    built = sorted(p.stem for p in (site / "_generated" / "notebooks").glob("*.html"))
    assert built == notebooks


def test_the_api_reference_documents_every_public_name(site):
    """Each name of `public_api()` (functions, classes, their methods and properties) has its entry."""
    anchors: set[str] = set()
    for page in (site / "_generated" / "api").glob("*.html"):
        anchors |= set(re.findall(r'id="([\w.]+)"', page.read_text(encoding="utf-8")))
    missing = [name for name in public_api() if name not in anchors]
    assert not missing, missing
    summary = " ".join(sb.compare.__doc__.split("\n\n")[0].replace("`", "").split())
    assert summary in " ".join(text_of(site / "_generated" / "api" / "simbranch.html").split())


def test_the_cli_reference_has_every_subcommand_and_its_options(site):
    from simbranch.cli import _parser

    page = text_of(site / "reference" / "cli.html")
    commands = _parser()._subparsers._group_actions[0].choices
    for name in commands:
        assert f"usage: simbranch {name}" in page, name
    assert "--policy P" in page and "--reps N|auto" in page


def test_the_schema_and_kpi_references_list_every_field_and_kpi(site):
    schema = text_of(site / "reference" / "schema.html")
    for section in sb.Scenario.model_fields:
        missing = [path for path in sb.levers(section)["path"] if path not in schema]
        assert not missing, missing
    assert "training.interval_days" in schema
    kpis = text_of(site / "reference" / "kpis.html")
    frame = sb.kpis()
    for row in frame.itertuples():
        assert row.name in kpis and row.label_zh in kpis, row.name


def test_the_tutorials_ran_at_build(site):
    """Outputs that exist only once the code cells have run, inside the cells' output blocks."""
    first_run = (site / "tutorials" / "first-run.html").read_text(encoding="utf-8")
    comparison = (site / "tutorials" / "first-comparison.html").read_text(encoding="utf-8")
    assert re.search(r'class="cell_output.*?70 days simulated in', first_run, re.S)
    assert re.search(r'class="cell_output.*?4 policies x 2 replications = 8 runs', comparison, re.S)
    assert re.search(r'class="cell_output.*?report\.html \d', comparison, re.S)
    assert re.search(r"<img[^>]+src=\"[^\"]+\.png\"", first_run), "the tutorial's figure is in the page"
    assert "Traceback" not in first_run + comparison
