"""Where a file target's output goes: a stream into a FIFO or device, through a symlink as the
shell's `>` goes, and atomically into a regular file; a killed run's temp files are removed."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from exportdigest.atomic import TEMP_PREFIX, TEMP_SUFFIX

TARGETS = ("ris", "bibtex", "csljson", "jsonl")
EXE = os.path.join(os.path.dirname(sys.executable), "exportdigest")


def expected(run_cli, target: str, seed_path: Path, tmp_path: Path) -> bytes:
    """What the target writes into a plain new file."""
    plain = tmp_path / f"plain.{target}"
    assert run_cli("-t", target, "-o", str(plain), str(seed_path)).exit_code == 0
    return plain.read_bytes()


@pytest.mark.parametrize("target", TARGETS)
def test_a_fifo_is_written_into_as_a_stream_and_stays_a_fifo(run_cli, seed_path, tmp_path, target):
    want = expected(run_cli, target, seed_path, tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = bytearray()

    def read() -> None:
        with open(fifo, "rb") as stream:
            got.extend(stream.read())

    reader = threading.Thread(target=read)
    reader.start()
    result = run_cli("-t", target, "-o", str(fifo), str(seed_path))
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert bytes(got) == want
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("target", TARGETS)
def test_a_device_is_written_into_and_stays_a_device(run_cli, seed_path, target):
    before = os.stat(os.devnull)
    result = run_cli("-t", target, "-o", os.devnull, str(seed_path))
    assert result.exit_code == 0, result.output
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_a_process_substitution_gets_the_whole_file(run_cli, seed_path, tmp_path):
    want = expected(run_cli, "ris", seed_path, tmp_path)
    out = tmp_path / "through-cat.ris"
    env = {**os.environ, "EXPORTDIGEST_CONFIG": str(tmp_path / "none.toml")}
    script = f"'{EXE}' -t ris -o >(cat > '{out}') '{seed_path}'; wait"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    for _ in range(100):  # `cat` may still be writing after exportdigest ends
        if out.exists() and out.stat().st_size == len(want):
            break
        threading.Event().wait(0.05)
    assert out.read_bytes() == want


def test_a_dry_run_into_a_fifo_with_no_reader_returns_and_writes_nothing(
    run_cli, seed_path, tmp_path
):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run_cli("-n", "-t", "ris", "-o", str(fifo), str(seed_path))  # would block if opened
    assert result.exit_code == 0 and "would create" in result.stderr


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dangling", [False, True])
def test_a_symlink_is_followed_and_stays_a_link(run_cli, seed_path, tmp_path, target, dangling):
    want = expected(run_cli, target, seed_path, tmp_path)
    real = tmp_path / "elsewhere" / f"real.{target}"
    real.parent.mkdir()
    if not dangling:
        real.write_bytes(b"old")
    link = tmp_path / f"link.{target}"
    link.symlink_to(real)
    result = run_cli("-t", target, "-o", str(link), str(seed_path))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == want
    assert ("10 created" if dangling else "10 updated") in result.stderr
    again = run_cli("-t", target, "-o", str(link), str(seed_path))
    assert "10 unchanged" in again.stderr and link.is_symlink()


def test_a_chain_of_links_replaces_the_file_at_its_end(run_cli, seed_path, tmp_path):
    real = tmp_path / "real.ris"
    real.write_text("old", encoding="utf-8")
    (tmp_path / "b.ris").symlink_to(real)
    (tmp_path / "a.ris").symlink_to(tmp_path / "b.ris")
    assert run_cli("-t", "ris", "-o", str(tmp_path / "a.ris"), str(seed_path)).exit_code == 0
    assert (tmp_path / "a.ris").is_symlink() and (tmp_path / "b.ris").is_symlink()
    assert real.read_text("utf-8").count("TY  - ") == 10


def _gone_pid() -> int:
    """The id of a process that has ended."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    return int(done.stdout)


def test_temp_files_of_killed_runs_are_removed_and_a_live_runs_are_not(
    run_cli, seed_path, tmp_path
):
    out = tmp_path / "out.ris"
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        dead_temp = tmp_path / f"{TEMP_PREFIX}{_gone_pid()}-0{TEMP_SUFFIX}"
        live_temp = tmp_path / f"{TEMP_PREFIX}{live.pid}-0{TEMP_SUFFIX}"
        old_temp = tmp_path / ".out.ris.k2x9_ab1.tmp"  # as version 0.1 named them
        other = tmp_path / ".notes.md.k2x9_ab1.tmp"  # not this output's: left alone
        for temp in (dead_temp, live_temp, old_temp, other):
            temp.write_bytes(b"half")
        result = run_cli("-v", "-t", "ris", "-o", str(out), str(seed_path))
        assert result.exit_code == 0, result.output
        assert not dead_temp.exists() and not old_temp.exists()
        assert live_temp.exists() and other.exists()
        assert "removed 2 temp file(s) a killed run left" in result.stderr
    finally:
        live.kill()
        live.wait()
