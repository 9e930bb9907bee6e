"""On a terminal the user sees progress from the first second: reading the digests, then each
target, with counts and the time left; off a terminal, no bar at all."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from dataclasses import replace

from conftest import SEED

from exportdigest import digest_text
from exportdigest.inputs import collect
from exportdigest.reader import Digests

EXE = os.path.join(os.path.dirname(sys.executable), "exportdigest")


def digests(folder, files: int):
    """`files` digests of the seed's 10 papers, each copy's titles made distinct."""
    folder.mkdir()
    seed = list(Digests(collect([str(SEED)])))
    for n in range(files):
        copies = [replace(e, title=f"{e.title} {n}") for e in seed]
        (folder / f"2024-11-04-{n:02d}.txt").write_text(digest_text.render(copies), "utf-8")
    return folder


def on_a_terminal(args: list[str], env: dict) -> tuple[int, str]:
    """Run with standard error on a pseudo-terminal; the exit code and what it showed."""
    leader, follower = pty.openpty()
    done = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=follower, env=env)
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return done.wait(timeout=60), shown.decode("utf-8", "replace")


def test_reading_and_each_target_show_a_bar_with_counts(tmp_path):
    folder = digests(tmp_path / "digests", 25)
    env = {**os.environ, "EXPORTDIGEST_CONFIG": str(tmp_path / "none.toml"), "COLUMNS": "100"}
    out = tmp_path / "out.ris"
    code, shown = on_a_terminal([EXE, "-t", "ris", "-o", str(out), str(folder)], env)
    assert code == 0, shown
    assert "reading" in shown and "25/25" in shown  # the files, as they are read
    assert "ris" in shown and "250/250" in shown  # the papers, as they are written
    assert "250 papers read from 25 file(s)" in shown


def test_off_a_terminal_there_is_no_bar(tmp_path):
    folder = digests(tmp_path / "digests", 25)
    env = {**os.environ, "EXPORTDIGEST_CONFIG": str(tmp_path / "none.toml")}
    done = subprocess.run(
        [EXE, "-t", "ris", "-o", str(tmp_path / "o.ris"), str(folder)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0
    assert done.stderr.count("\n") == 1 and "25/25" not in done.stderr


def test_on_a_terminal_an_arxiv_retry_says_how_long_it_waits(tmp_path):
    from arxiv_standin import ArxivStandIn, from_digests, seeded

    stand_in, _expected = seeded(from_digests([str(SEED)]))
    with ArxivStandIn(stand_in) as server:
        server.inject("status", status=503, headers={"Retry-After": "1"}, times=1)
        env = {
            **os.environ,
            "EXPORTDIGEST_CONFIG": str(tmp_path / "none.toml"),
            "EXPORTDIGEST_ARXIV_URL": server.url,
            "EXPORTDIGEST_ARXIV_DELAY": "0",
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "NO_PROXY": "127.0.0.1",
            "no_proxy": "127.0.0.1",
        }
        args = [EXE, "--arxiv", "-t", "jsonl", "-o", str(tmp_path / "o.jsonl"), str(SEED)]
        code, shown = on_a_terminal(args, env)
    assert code == 0, shown
    assert "answered HTTP 503; trying again in 1 s" in shown  # a wait is not a silent hang
    assert "arxiv: 10 identified" in shown
