"""A reader that leaves early (`| head`) ends only what writes to it; every other target
finishes, and the exit code says whether those did. Real pipes, closed by a real `head`."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SEED

from exportdigest import digest_text
from exportdigest.inputs import collect
from exportdigest.reader import Digests

EXE = os.path.join(os.path.dirname(sys.executable), "exportdigest")
PAPERS = 600  # their jsonl is far beyond a pipe's buffer


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """A digest of PAPERS distinct papers made from the seed."""
    seed = list(Digests(collect([str(SEED)])))
    copies = [replace(e, title=f"{e.title} {n}") for n in range(PAPERS // 10) for e in seed]
    path = tmp_path_factory.mktemp("many") / "many.txt"
    path.write_text(digest_text.render(copies), encoding="utf-8")
    return path


def shell(command: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run a shell pipeline; `pipefail`-free, so the status of exportdigest is read from
    PIPESTATUS and printed last on stdout."""
    env = {**os.environ, "EXPORTDIGEST_CONFIG": str(tmp_path / "none.toml")}
    script = f"{command}; s=${{PIPESTATUS[0]}}; echo; echo status=$s"
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path
    )


def status(done: subprocess.CompletedProcess) -> int:
    return int(done.stdout.rsplit("status=", 1)[1])


def notes(vault: Path) -> int:
    return len(list((vault / "Papers").glob("*.md")))


def test_verbose_lines_into_a_reader_that_leaves_still_sync_the_whole_vault(many, tmp_path):
    vault = tmp_path / "vault"
    cmd = f"{shlex.quote(EXE)} -v -t obsidian --vault {vault} {many} 2>&1 | head -2"
    done = shell(cmd, tmp_path)
    assert status(done) == 0, done.stdout + done.stderr
    assert len(done.stdout.splitlines()) == 4  # head's two lines, then ours
    assert notes(vault) == PAPERS
    again = shell(f"{shlex.quote(EXE)} -t obsidian --vault {vault} {many}", tmp_path)
    assert f"obsidian: 0 created, 0 updated, {PAPERS} unchanged" in again.stderr


@pytest.mark.parametrize("order", ["jsonl first", "obsidian first"])
def test_a_closed_standard_output_stops_jsonl_only(many, tmp_path, order):
    vault = tmp_path / "vault"
    targets = ["-t jsonl", f"-t obsidian --vault {vault}"]
    if order == "obsidian first":
        targets.reverse()
    cmd = f"{shlex.quote(EXE)} {' '.join(targets)} {many} | head -c 10"
    done = shell(cmd, tmp_path)
    assert status(done) == 0, done.stderr
    assert notes(vault) == PAPERS
    assert "stopped: standard output was closed by its reader" in done.stderr
    assert f"obsidian: {PAPERS} created" in done.stderr
    assert "error" not in done.stderr and "Traceback" not in done.stderr


def test_a_closed_standard_error_hides_messages_but_not_a_failure(many, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cmd = (
        f"{shlex.quote(EXE)} -v -t obsidian --vault {blocked}/vault -t jsonl -o {out} {many}"
        " 2>&1 >/dev/null | head -c 1"
    )
    done = shell(cmd, tmp_path)
    assert status(done) == 1  # obsidian failed: the exit code says so
    assert len(out.read_text("utf-8").splitlines()) == PAPERS  # jsonl still wrote its file


@pytest.mark.parametrize("flag", ["--help", "--list-targets"])
def test_help_and_the_target_list_into_a_reader_gone_at_once_end_with_0(tmp_path, flag):
    done = shell(f"{shlex.quote(EXE)} {flag} | true", tmp_path)
    assert status(done) == 0 and done.stderr == ""
