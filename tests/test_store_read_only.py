"""Stores that cannot be written: in a read-only folder or mount, with a log left over, or an empty file.

A store in a read-only place is reported from and a finished comparison on it comes back; a comparison
that still has runs to do says, before any run, that the store cannot be written and what to do. A
report never writes: not into an empty file either (which SQLite would turn into a store).

Read-only is made for real: a read-only bind mount in a private mount namespace when this process may
make one (root, as on CI), else a folder without write permission (a user other than root); where
neither is possible the tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

TINY = ["--set", "branch.horizon_days=5", "--set", "branch.warmup_days=0", "--set", "clients.count=100"]
BASELINE = str(Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml")


def simbranch(*args: str, cwd: Path, read_only: Path | None = None) -> subprocess.CompletedProcess:
    """Run the CLI in `cwd`; with `read_only`, that folder cannot be written while it runs."""
    command = [sys.executable, "-m", "simbranch", *args]
    if read_only is not None:
        command = _read_only_command(read_only, command)
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def _can_mount() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --bind / /mnt 2>/dev/null || mount --bind /tmp /tmp"],
                           capture_output=True)
    return probe.returncode == 0


MOUNT = _can_mount()


def _read_only_command(folder: Path, command: list[str]) -> list[str]:
    if MOUNT:
        script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
        return ["unshare", "-m", "sh", "-c", script, str(folder), *command]
    folder.chmod(0o555)  # put back by the fixture
    return command


@pytest.fixture
def store_folder(tmp_path):
    if not MOUNT and os.geteuid() == 0:
        pytest.skip("needs a read-only folder: as root that takes a private read-only mount (unshare -m), "
                    "which this machine does not allow")
    folder = tmp_path / "stores"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)


def compare(folder: Path, reps: int, read_only: bool = False) -> subprocess.CompletedProcess:
    return simbranch("compare", BASELINE, "--policy", "crm_routing", "--reps", str(reps), *TINY,
                     "--store", str(folder / "s.db"), cwd=folder.parent, read_only=folder if read_only else None)


def test_a_store_in_a_read_only_folder_is_reported_and_a_finished_comparison_comes_back(store_folder):
    done = compare(store_folder, reps=2)
    assert done.returncode == 0, done.stderr
    before = (store_folder / "s.db").read_bytes()
    out = store_folder.parent / "report"

    report = simbranch("report", str(store_folder / "s.db"), "--out", str(out), cwd=store_folder.parent,
                       read_only=store_folder)
    assert report.returncode == 0, report.stderr
    assert "<html" in (out / "report.html").read_text(encoding="utf-8")

    again = compare(store_folder, reps=2, read_only=True)  # every run is stored: nothing to write
    assert again.returncode == 0, again.stderr
    assert done.stdout == again.stdout
    assert (store_folder / "s.db").read_bytes() == before
    assert sorted(p.name for p in store_folder.iterdir()) == ["s.db"]


def test_a_comparison_with_runs_to_do_on_a_read_only_store_says_what_is_wrong(store_folder):
    assert compare(store_folder, reps=2).returncode == 0
    more = compare(store_folder, reps=3, read_only=True)
    assert more.returncode == 2
    assert "Traceback" not in more.stderr
    message = more.stderr
    assert "s.db" in message and "read-only" in message and "cannot store the 2 runs still to do" in message
    assert "The 4 runs stored before stay readable" in message
    assert "make the store writable" in message
    assert "free some space" not in message  # not a full disk

    resumed = compare(store_folder, reps=3)  # once writable, the same command finishes it
    assert resumed.returncode == 0, resumed.stderr


def test_a_write_ahead_log_left_over_in_a_read_only_folder_is_explained(store_folder, tmp_path):
    assert compare(store_folder, reps=2).returncode == 0
    # a writer that has not checkpointed: its committed rows are only in the -wal file, copied as they are
    keeper = sqlite3.connect(store_folder / "s.db")
    keeper.execute("PRAGMA wal_autocheckpoint=0")
    keeper.execute("INSERT OR REPLACE INTO meta VALUES ('left_over', '1')")
    keeper.commit()
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("s.db", "s.db-wal"):
        shutil.copyfile(store_folder / name, copy / name)
    keeper.close()
    shutil.rmtree(store_folder)
    copy.rename(store_folder)
    assert (store_folder / "s.db-wal").stat().st_size > 0

    report = simbranch("report", str(store_folder / "s.db"), "--out", str(tmp_path / "r"), cwd=tmp_path,
                       read_only=store_folder)
    assert report.returncode == 2
    assert "Traceback" not in report.stderr
    assert "write-ahead log" in report.stderr and "writable folder" in report.stderr


def test_report_on_an_empty_file_writes_nothing_into_it(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    report = simbranch("report", str(empty), "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert report.returncode == 2
    assert "empty.db" in report.stderr and "empty file" in report.stderr
    assert "Traceback" not in report.stderr
    assert empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]
