"""A run killed (SIGKILL) in the middle leaves every note whole: the old one or the new one."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from obsidian_support import entry, papers, snapshot, with_commentary, write_digest

N = 1500


def start_sync(vault, digests) -> subprocess.Popen:
    """An Obsidian run in its own process, to be killed part-way."""
    command = [sys.executable, "-c", "from exportdigest.cli import main; main()"]
    return subprocess.Popen(
        [*command, "-t", "obsidian", "--vault", str(vault), str(digests)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_run_leaves_each_note_old_or_new_and_the_next_run_finishes(tmp_path, run_cli):
    old = [entry(f"Paper {i:05d}", ko=f"버전 하나 {i}") for i in range(N)]
    new = [with_commentary(e, f"버전 둘 {i}") for i, e in enumerate(old)]
    digests = tmp_path / "digests"
    vault, finished = tmp_path / "vault", tmp_path / "finished"

    write_digest(digests, old)
    assert run_cli("-t", "obsidian", "--vault", str(vault), str(digests)).exit_code == 0
    shutil.copytree(vault, finished)
    before = snapshot(vault)
    write_digest(digests, new)
    assert run_cli("-t", "obsidian", "--vault", str(finished), str(digests)).exit_code == 0
    after = snapshot(finished)  # what a complete run writes

    first = vault / "Papers" / "Paper 00000.md"
    proc = start_sync(vault, digests)
    deadline = time.monotonic() + 60
    while "버전 둘 0" not in first.read_text("utf-8"):
        assert proc.poll() is None and time.monotonic() < deadline, "run ended before the kill"
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    killed = snapshot(vault)
    olds = news = 0
    for rel, (data, _mtime) in killed.items():
        if rel.endswith(".md"):
            assert data in (before[rel][0], after[rel][0]), f"{rel} is neither old nor new"
            olds += data == before[rel][0] and data != after[rel][0]
            news += data == after[rel][0] and data != before[rel][0]
    assert olds > 0 and news > 0, (olds, news)  # the kill really came mid-run

    assert run_cli("-t", "obsidian", "--vault", str(vault), str(digests)).exit_code == 0
    done = snapshot(vault)
    assert {r: d for r, (d, _) in done.items() if r.endswith(".md")} == {
        r: d for r, (d, _) in after.items() if r.endswith(".md")
    }
    assert not [r for r in done if r.endswith(".tmp")]
    assert len(papers(vault)) == N


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_run_killed_while_creating_notes_leaves_whole_notes_and_no_doubles(tmp_path, run_cli):
    fresh = [entry(f"Fresh paper {i:05d}", ko=f"새 논문 {i}") for i in range(N)]
    digests = tmp_path / "digests"
    vault, finished = tmp_path / "vault", tmp_path / "finished"
    write_digest(digests, fresh)
    assert run_cli("-t", "obsidian", "--vault", str(finished), str(digests)).exit_code == 0
    complete = {r: d for r, (d, _) in snapshot(finished).items() if r.endswith(".md")}

    proc = start_sync(vault, digests)
    deadline = time.monotonic() + 60
    while len(list((vault / "Papers").glob("*.md"))) < 50:
        assert proc.poll() is None and time.monotonic() < deadline, "run ended before the kill"
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    killed = {r: d for r, (d, _) in snapshot(vault).items() if r.startswith("Papers/")}
    assert 50 <= len(killed) < N
    assert all(data == complete[rel] for rel, data in killed.items() if rel.endswith(".md"))
    assert run_cli("-t", "obsidian", "--vault", str(vault), str(digests)).exit_code == 0
    done = {r: d for r, (d, _) in snapshot(vault).items() if r.endswith(".md")}
    assert done == complete  # every paper once, under the same names as an unbroken run
    assert not [r for r in snapshot(vault) if r.endswith(".tmp")]
