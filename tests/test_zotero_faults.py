"""The Zotero push when the network and the server misbehave: nothing lost, nothing twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter

import pytest

from exportdigest.exporters.zotero.keys import item_key

pytest_plugins = ("zotero_standin",)  # fixtures: clock, standin, push, big_digest


def assert_library_complete(server, papers: int) -> None:
    """Every paper exactly once, each with exactly one note."""
    titles = Counter(d["title"] for d in server.top_items())
    assert len(titles) == papers and set(titles.values()) == {1}
    assert all(len(server.children(d["key"])) == 1 for d in server.top_items())
    assert len(server.items) == 2 * papers


def item_writes(server):
    return [w for w in server.writes if w.resource == "items"]


@pytest.mark.parametrize("kind", ["commit_then_drop", "commit_then_hang"])
def test_a_write_whose_answer_is_lost_is_not_made_twice(push, standin, seed_path, kind):
    standin.inject(kind, method="POST", resource="items", hang=1.5)
    result = push(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "10 created" in result.output
    assert_library_complete(standin, 10)
    first, retry = item_writes(standin)
    assert first.token == retry.token  # the retry reused the batch's write token...
    assert retry.status == 412  # ...so the server refused to apply it a second time
    assert "0 created, 0 updated, 10 unchanged" in push(str(seed_path)).output


def test_a_garbled_answer_to_a_saved_write_is_checked_by_reading_back(push, standin, seed_path):
    standin.inject("garble", method="POST", resource="items")
    result = push(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "10 created" in result.output
    assert len(item_writes(standin)) == 1  # read back, found saved: not sent again
    assert_library_complete(standin, 10)


def test_a_dropped_connection_is_retried_with_the_same_token(push, standin, seed_path):
    standin.inject("drop", method="POST", resource="items")
    result = push(str(seed_path))
    assert result.exit_code == 0, result.output
    assert_library_complete(standin, 10)
    first, retry = item_writes(standin)
    assert first.status is None and retry.status == 200 and first.token == retry.token


def test_rate_limits_and_backoff_are_honoured(push, standin, seed_path, clock):
    standin.inject(
        "status", method="GET", resource="items", status=503, headers={"Retry-After": "5"}
    )
    standin.inject("header", method="GET", resource="collections", headers={"Backoff": "11"})
    standin.inject(
        "status", method="POST", resource="items", status=429, headers={"Retry-After": "7"}
    )
    result = push(str(seed_path))
    assert result.exit_code == 0, result.output
    assert standin.violations == []
    assert [round(s) for s in clock.sleeps] == [5, 11, 7]
    assert_library_complete(standin, 10)


def test_a_429_without_retry_after_backs_off_exponentially(push, standin, seed_path, clock):
    standin.inject("status", method="POST", resource="items", status=429, times=3)
    result = push(str(seed_path))
    assert result.exit_code == 0, result.output
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert_library_complete(standin, 10)


def test_server_errors_are_retried_with_exponential_backoff(push, standin, seed_path, clock):
    standin.inject("status", method="POST", resource="items", status=500, times=2)
    standin.inject("status", method="POST", resource="items", status=502)
    result = push(str(seed_path))
    assert result.exit_code == 0, result.output
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert len({w.token for w in item_writes(standin)}) == 1
    assert_library_complete(standin, 10)


def test_a_server_that_keeps_failing_stops_the_run_and_the_next_run_finishes(
    push, standin, big_digest
):
    digest = big_digest(60)
    standin.inject("status", method="POST", resource="items", status=500, times=6, skip=1)
    result = push(str(digest))
    assert result.exit_code == 1
    assert "answered HTTP 500; gave up after 6 attempts" in result.output
    assert "35 paper(s) not written: run again to finish" in result.output
    assert "zotero: 25 created, 0 updated, 0 unchanged, 0 skipped, 35 failed" in result.output
    assert len(standin.top_items()) == 25  # the first batch landed and is kept
    result = push(str(digest))
    assert result.exit_code == 0, result.output
    assert "35 created, 0 updated, 25 unchanged" in result.output
    assert_library_complete(standin, 60)


def test_a_long_retry_after_gives_up_with_a_clear_message(push, standin, seed_path):
    standin.inject(
        "status", method="GET", resource="items", status=429, headers={"Retry-After": "3600"}
    )
    result = push(str(seed_path))
    assert result.exit_code == 1
    assert "asked to wait 3600 s; try again later" in result.output
    assert standin.items == {}


def test_objects_failed_in_a_200_are_reported_by_title_and_the_rest_kept(push, standin, seed_path):
    refused = item_key("8ca8db1f0c63c28a")
    standin.refuse[refused] = (400, "Invalid value for field")
    result = push(str(seed_path))
    assert result.exit_code == 1
    assert (
        "zotero: failed: Analyzing & Reducing the Need for Learning Rate Warmup in GPT Training: "
        "Invalid value for field (HTTP 400)" in result.output
    )
    assert "9 created" in result.output and "1 failed" in result.output
    assert len(standin.top_items()) == 9 and refused not in standin.items
    standin.refuse.clear()
    result = push(str(seed_path))
    assert result.exit_code == 0 and "1 created, 0 updated, 9 unchanged" in result.output
    assert_library_complete(standin, 10)


def test_writes_hold_at_most_50_objects_with_each_note_beside_its_item(push, standin, big_digest):
    digest = big_digest(130)
    result = push(str(digest))
    assert result.exit_code == 0, result.output
    writes = item_writes(standin)
    assert len(writes) == 6 and max(w.objects for w in writes) == 50
    for write in writes:
        keys = {obj["key"] for obj in write.body}
        assert all(obj["parentItem"] in keys for obj in write.body if obj["itemType"] == "note")
    reads = [r for r in standin.requests if r.method == "GET"]
    assert len(reads) == 3  # item versions, deletion log, collections
    assert_library_complete(standin, 130)


def test_another_machine_pushed_the_same_papers_meanwhile(
    push, standin, seed_path, tmp_path, monkeypatch
):
    """This machine knows the library (since=...) but not these keys: `version: 0` saves it."""
    full = seed_path.read_text("utf-8")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "other-machine"))
    push(str(seed_path))  # another machine pushes all ten
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    seed_path.write_text(full.split("\nOn Memorization")[0] + "\n", "utf-8")
    assert "1 unchanged" in push(str(seed_path)).output  # this one knows the library now
    seed_path.write_text(full, "utf-8")
    standin.reset_log()
    result = push(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 10 unchanged" in result.output
    (write,) = item_writes(standin)  # planned as new, refused as existing, read back
    assert write.status == 200 and write.objects == 18
    assert_library_complete(standin, 10)


def count_items(server) -> int:
    with server.lock:
        return len(server.top_items())


def test_a_killed_run_is_completed_by_the_next_one(push, standin, big_digest):
    """Kill -9 the real command while its second batch is committed but unanswered."""
    digest = big_digest(60)
    standin.inject("commit_then_hang", method="POST", resource="items", skip=1, hang=20)
    args = ["-t", "zotero", "--zotero-library-id", standin.library_id]
    args += ["--zotero-api-url", standin.url, str(digest)]
    process = subprocess.Popen(
        [sys.executable, "-c", "from exportdigest.cli import main; main()", *args],
        env={**os.environ, "ZOTERO_API_KEY": standin.api_key},
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while count_items(standin) < 50 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.kill()
    process.wait()
    assert count_items(standin) == 50  # two batches landed; the second was never answered
    result = push(str(digest))
    assert result.exit_code == 0, result.output
    assert "10 created, 0 updated, 50 unchanged" in result.output
    assert_library_complete(standin, 60)
