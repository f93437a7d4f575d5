"""The report in a real browser: headless Chromium renders it with no console message, every image
decodes, the embedded Chinese glyphs load, and a screenshot is kept under out/test-artifacts/.

Chromium comes from the system packages (`make test` installs Debian's `chromium` where it can);
without it the test is skipped and says why. The page has no script of its own, so any console
message is an error of the page (a broken image, a blocked resource, a bad font); a probe script,
added to a copy of the page for the test only, reports what it found through the console.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import simbranch as sb
from simbranch.report import write_report

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (Debian: apt-get install "
                                                         "chromium; make test installs it where it can)")

ARTIFACTS = Path(__file__).resolve().parents[1] / "out" / "test-artifacts"
BASELINE = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml"

PROBE = """<script>
addEventListener("load", async () => {
  const broken = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).length;
  const cjk = document.querySelector("style").textContent.includes("@font-face")
    ? (await document.fonts.load("16px SimbranchCJK", "利润")).length : -1;
  console.log("PROBE images=" + document.images.length + " broken=" + broken + " cjk=" + cjk);
});
</script>"""


def browse(page: Path, shot: Path) -> list[str]:
    """Open `page` (with the probe added) in headless Chromium, screenshot it to `shot`, and return
    the console messages."""
    probed = page.with_name(page.stem + "-probed.html")
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    shot.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
                           "--window-size=1280,5000", f"--screenshot={shot}", probed.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000, done.stderr[-2000:]
    return re.findall(r":CONSOLE[^\]]*\] (.*)", done.stderr)


def test_the_probe_sees_a_broken_page(tmp_path):
    """The check can fail: a script error, a broken image and a console error are all seen."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><head><style>body{}</style></head><body><p>x</p>"
                    "<img src='data:image/png;base64,AAAA'><script>console.error('boom'); undefined_call();</script>"
                    "</body></html>", encoding="utf-8")
    messages = browse(page, tmp_path / "broken.png")
    assert any("boom" in m for m in messages)
    assert any("undefined_call" in m for m in messages)
    assert any("broken=1" in m for m in messages)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_renders_cleanly_in_chromium(lang, tmp_path):
    sc = sb.load_scenario(BASELINE).with_overrides({"branch.horizon_days": 15, "branch.warmup_days": 5,
                                                    "clients.count": 300, "managers.count": 3})
    cmp = sb.compare(sc, ["crm_routing", "wellbeing_support"], replications=2, seed=5, executor="serial",
                     progress=False)
    page = write_report(cmp, tmp_path / "report.html", lang=lang)
    messages = browse(page, ARTIFACTS / f"report-{lang}.png")
    probe = [m for m in messages if "PROBE" in m]
    assert len(probe) == 1 and len(messages) == 1, messages  # nothing but the probe's own line
    found = dict(re.findall(r"(\w+)=(-?\d+)", probe[0]))
    assert int(found["images"]) == 6 and found["broken"] == "0"
    assert int(found["cjk"]) >= 1 if lang == "zh" else found["cjk"] == "-1"
