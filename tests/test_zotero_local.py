"""`--target zotero --zotero-local` against the desktop app's stand-in: no Web API key."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest

pytest_plugins = ("zotero_standin",)  # fixtures: clock, desktop, push_local, big_digest

DIALOG = 'Zotero is showing a dialog: choose "Always Allow"'


def key_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "state").rglob("local-key-*.json"))


def library_writes(server) -> list:
    """Write requests that reached the library (not the authorization dialog)."""
    return [w for w in server.writes if w.resource in ("items", "collections")]


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if "error: " in line]


def edit_digest(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def test_first_push_asks_once_keeps_the_key_private_and_files_every_paper(
    push_local, desktop, seed_path, tmp_path
):
    result = push_local(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "zotero: 10 created" in result.output
    assert DIALOG in result.output
    assert desktop.dialogs == ["exportdigest"]
    assert len(desktop.top_items()) == 10 and len(desktop.items) == 20
    assert [c["name"] for c in desktop.collections.values()] == ["Paper digests"]
    (granted,) = desktop.local_keys
    assert granted not in result.output
    # every write names the server and carries the key; the library is users/0
    writes = library_writes(desktop)
    assert writes and all(w.headers.get("zotero-server-id") == desktop.server_id for w in writes)
    assert all(w.headers.get("zotero-api-key") == granted for w in writes)
    assert all("zotero-api-key" not in r.headers for r in desktop.requests if r.method == "GET")
    (kept,) = key_files(tmp_path)
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert json.loads(kept.read_text("utf-8"))["server_id"] == desktop.server_id


def test_a_rerun_asks_nothing_and_writes_nothing(push_local, desktop, seed_path):
    assert push_local(str(seed_path)).exit_code == 0
    desktop.reset_log()
    result = push_local(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 10 unchanged" in result.output
    assert DIALOG not in result.output and desktop.dialogs == ["exportdigest"]
    assert desktop.writes == []
    # GET /api/ (the server id), then the library's versions since the last run
    assert [r.resource for r in desktop.requests] == ["/api", "items"]
    assert desktop.requests[1].query["since"].isdigit()


def test_the_kept_key_writes_a_changed_paper_without_a_dialog(push_local, desktop, seed_path):
    push_local(str(seed_path))
    edit_digest(seed_path, "from a single sequence.", "from a single sequence. Updated.")
    result = push_local(str(seed_path))
    assert "0 created, 1 updated, 9 unchanged" in result.output, result.output
    assert DIALOG not in result.output and len(desktop.dialogs) == 1


def test_many_papers_push_in_batches_with_one_dialog(push_local, desktop, big_digest):
    digest = big_digest(544)
    result = push_local(str(digest))
    assert result.exit_code == 0, result.output
    assert "zotero: 544 created" in result.output
    assert len(desktop.top_items()) == 544
    assert len(desktop.dialogs) == 1
    assert all(w.objects <= 50 for w in library_writes(desktop))
    desktop.reset_log()
    again = push_local(str(digest))
    assert "544 unchanged" in again.output and desktop.writes == []


def test_the_dialog_request_waits_for_the_user(push_local, desktop, seed_path):
    desktop.dialog_delay = 1.5  # longer than every other request may take here (1 s)
    result = push_local(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "waiting up to 10 min" in result.output and "10 created" in result.output


def test_a_dialog_left_unanswered_stops(push_local, desktop, seed_path, tmp_path, monkeypatch):
    from exportdigest.exporters.zotero import local

    monkeypatch.setattr(local, "AUTHORIZE_TIMEOUT", 0.3)
    desktop.dialog_delay = 1.0
    result = push_local(str(seed_path))
    refused(result, desktop, tmp_path, "dialog was not answered in 0.3 s")


def test_a_dry_run_opens_no_dialog_and_keeps_nothing(push_local, desktop, seed_path, tmp_path):
    result = push_local("--dry-run", str(seed_path))
    assert result.exit_code == 0, result.output
    assert "would create" in result.output and "dry run: nothing written" in result.output
    assert desktop.dialogs == [] and desktop.writes == [] and desktop.items == {}
    assert key_files(tmp_path) == []
    assert not (tmp_path / "state").exists() or not any((tmp_path / "state").rglob("*.json"))


def test_the_config_file_turns_it_on(run_cli, desktop, seed_path, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text(
        f'[zotero]\nzotero_local = true\nzotero_local_url = "{desktop.url}"\n', "utf-8"
    )
    monkeypatch.setenv("EXPORTDIGEST_CONFIG", str(config))
    result = run_cli("-t", "zotero", str(seed_path))
    assert result.exit_code == 0, result.output
    assert "zotero: 10 created" in result.output and len(desktop.top_items()) == 10


def test_the_environment_gives_the_url(run_cli, desktop, seed_path):
    result = run_cli(
        "-t", "zotero", "--zotero-local", str(seed_path), env={"ZOTERO_LOCAL_URL": desktop.url}
    )
    assert result.exit_code == 0, result.output
    assert len(desktop.top_items()) == 10


def test_a_group_library_is_chosen_by_its_number(run_cli, clock, seed_path, desktop):
    desktop.library_type, desktop.library_id = "group", "4711"
    base = ["-t", "zotero", "--zotero-local", "--zotero-local-url", desktop.url]
    group = ["--zotero-library-type", "group"]
    result = run_cli(*base, *group, "--zotero-library-id", "4711", str(seed_path))
    assert result.exit_code == 0, result.output
    assert {w.headers.get("zotero-server-id") for w in library_writes(desktop)} == {
        desktop.server_id
    }
    assert len(desktop.top_items()) == 10
    missing = run_cli(*base, *group, "--zotero-library-id", "4712", str(seed_path))
    assert missing.exit_code == 2
    assert error_lines(missing) == [
        "exportdigest: error: there is no group 4712 in Zotero desktop (HTTP 403/404); "
        "nothing was written"
    ]
    no_id = run_cli(*base, *group, str(seed_path))
    assert no_id.exit_code == 2 and "needs the group's number" in no_id.output


# ---- every refusal: one line, exit 2, nothing written ----------------------------------------


def refused(result, server, tmp_path, *words: str) -> None:
    """One error line holding `words`, exit code 2, no library write, no key kept."""
    assert result.exit_code == 2, result.output
    (line,) = error_lines(result)
    for word in words:
        assert word in line, line
    assert "nothing was written" in line
    assert [w for w in library_writes(server) if w.status != 401] == []
    assert server.items == {}
    assert key_files(tmp_path) == []


def test_deny_stops_with_one_line(push_local, desktop, seed_path, tmp_path):
    desktop.answers = ["deny"]
    result = push_local(str(seed_path))
    refused(result, desktop, tmp_path, 'answered "Deny"', '"Always Allow"')
    assert DIALOG in result.output


def test_a_disabled_local_api_is_told_apart_from_a_denial(push_local, desktop, seed_path, tmp_path):
    desktop.enabled = False
    result = push_local(str(seed_path))
    refused(result, desktop, tmp_path, "local API is off", "Settings → Advanced")
    assert "Deny" not in result.output and desktop.dialogs == []


def test_a_disabled_answer_to_the_dialog_request_is_not_a_denial(
    push_local, desktop, seed_path, tmp_path
):
    desktop.inject(
        "status",
        method="POST",
        resource="/api/local/authorize",
        status=403,
        body="Local API is not enabled",
    )
    result = push_local(str(seed_path))
    refused(result, desktop, tmp_path, "local API is off")


def test_the_dialog_limit_says_when_to_try_again(push_local, desktop, clock, seed_path, tmp_path):
    desktop.dialog_times = [clock.time() - 10] * 5  # five dialogs in the last minute
    result = push_local(str(seed_path))
    refused(result, desktop, tmp_path, "five permission dialogs a minute", "try again in 50 s")
    assert desktop.dialogs == []


def test_five_dialogs_a_minute_then_the_limit(push_local, desktop, clock, seed_path, tmp_path):
    desktop.answers = ["deny"] * 5
    for _ in range(5):
        assert push_local(str(seed_path)).exit_code == 2
    result = push_local(str(seed_path))
    refused(result, desktop, tmp_path, "five permission dialogs a minute")
    assert len(desktop.dialogs) == 5
    clock.sleep(61)
    assert push_local(str(seed_path)).exit_code == 0
    assert len(desktop.dialogs) == 6


def test_zotero_not_running(run_cli, desktop, seed_path, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"
    result = run_cli("-t", "zotero", "--zotero-local", "--zotero-local-url", url, str(seed_path))
    refused(result, desktop, tmp_path, "Zotero is not running", f"127.0.0.1:{port}")


def test_an_older_zotero_whose_local_api_only_reads(push_local, desktop, seed_path, tmp_path):
    desktop.server_id = None
    result = push_local(str(seed_path))
    refused(result, desktop, tmp_path, "read-only", "Zotero 10")
    assert desktop.dialogs == []


def test_an_allow_once_key_writes_nothing_and_is_not_kept(push_local, desktop, seed_path, tmp_path):
    desktop.answers = ["allow"]
    result = push_local(str(seed_path))
    refused(result, desktop, tmp_path, '"Allow" lets exportdigest make one write', "Always Allow")
    assert list(desktop.local_keys.values()) == [False]  # granted, never used
    (granted,) = desktop.local_keys
    assert granted not in result.output


def test_a_revoked_key_is_dropped_and_asked_for_once_more(push_local, desktop, seed_path, tmp_path):
    push_local(str(seed_path))
    (old_file,) = key_files(tmp_path)
    old_key = json.loads(old_file.read_text("utf-8"))["key"]
    desktop.revoke_keys()
    edit_digest(seed_path, "from a single sequence.", "from one sequence.")
    result = push_local(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "revoked" in result.output and DIALOG in result.output
    assert "1 updated" in result.output and len(desktop.dialogs) == 2
    (new_file,) = key_files(tmp_path)
    new_key = json.loads(new_file.read_text("utf-8"))["key"]
    assert new_key != old_key and new_key in desktop.local_keys
    assert old_key not in result.output and new_key not in result.output


def test_a_revoked_key_then_a_denial_stops(push_local, desktop, seed_path, tmp_path):
    push_local(str(seed_path))
    desktop.revoke_keys()
    desktop.answers = ["deny"]
    edit_digest(seed_path, "from a single sequence.", "from one sequence.")
    before = json.dumps(desktop.items, sort_keys=True)
    desktop.reset_log()
    result = push_local(str(seed_path))
    assert result.exit_code == 2, result.output
    (line,) = error_lines(result)
    assert 'answered "Deny"' in line and "nothing was written" in line
    assert json.dumps(desktop.items, sort_keys=True) == before
    assert all(w.status == 401 for w in library_writes(desktop))
    assert key_files(tmp_path) == []  # the refused key is not kept


def test_a_web_api_setting_does_not_stop_a_desktop_run(push_local, seed_path):
    result = push_local(str(seed_path), env={"ZOTERO_API_URL": "not a url"})
    assert result.exit_code == 0, result.output


def test_the_environment_key_wins_and_is_not_stored(push_local, desktop, seed_path, tmp_path):
    key = "EnvLocalKey0123456789abcdefghijk"
    desktop.local_keys[key] = True
    result = push_local(str(seed_path), env={"ZOTERO_LOCAL_API_KEY": key})
    assert result.exit_code == 0, result.output
    assert desktop.dialogs == [] and DIALOG not in result.output
    assert {w.headers.get("zotero-api-key") for w in library_writes(desktop)} == {key}
    assert key_files(tmp_path) == [] and key not in result.output


def test_a_refused_environment_key_stops_without_a_dialog(push_local, desktop, seed_path, tmp_path):
    result = push_local(str(seed_path), env={"ZOTERO_LOCAL_API_KEY": "NotGranted0123456789"})
    refused(result, desktop, tmp_path, "ZOTERO_LOCAL_API_KEY")
    assert desktop.dialogs == [] and "NotGranted0123456789" not in result.output


# ---- the server id --------------------------------------------------------------------------


def test_another_zotero_database_is_reported_not_written_into(
    push_local, desktop, seed_path, tmp_path
):
    push_local(str(seed_path))
    (kept,) = key_files(tmp_path)
    desktop.server_id = "OtherProfile"
    desktop.reset_log()
    edit_digest(seed_path, "from a single sequence.", "from one sequence.")
    before = json.dumps(desktop.items, sort_keys=True)
    result = push_local(str(seed_path))
    assert result.exit_code == 2
    (line,) = error_lines(result)
    assert "another Zotero database" in line and str(kept) in line
    assert "nothing was written" in line
    assert desktop.writes == [] and json.dumps(desktop.items, sort_keys=True) == before
    # the user means this one: forgetting the kept key lets it be pushed to, from scratch
    kept.unlink()
    again = push_local(str(seed_path))
    assert again.exit_code == 0, again.output
    assert "0 created, 1 updated, 9 unchanged" in again.output
    assert len(desktop.dialogs) == 2
    # its versions are its own: a state file per server id, the first one left as it was
    assert len(list((tmp_path / "state").rglob("user-0-*.json"))) == 2


def test_the_environment_key_wins_over_a_key_kept_for_another_database(
    push_local, desktop, seed_path, tmp_path
):
    push_local(str(seed_path))  # a key asked for and kept, for this server id
    desktop.server_id = "OtherProfile"
    key = "EnvLocalKey0123456789abcdefghijk"
    desktop.local_keys[key] = True
    desktop.reset_log()
    result = push_local(str(seed_path), env={"ZOTERO_LOCAL_API_KEY": key})
    assert result.exit_code == 0, result.output
    assert {w.headers.get("zotero-server-id") for w in library_writes(desktop)} <= {"OtherProfile"}
    assert desktop.dialogs[1:] == []  # no dialog: the variable's key is the user's choice


@pytest.mark.parametrize("key", ["asked for", "from the environment"])
def test_a_server_id_change_during_the_run_stops_the_writes(push_local, desktop, seed_path, key):
    env = {}
    if key == "from the environment":  # no dialog: the change shows on the library's write
        env["ZOTERO_LOCAL_API_KEY"] = "EnvLocalKey0123456789abcdefghijk"
        desktop.local_keys[env["ZOTERO_LOCAL_API_KEY"]] = True
    desktop.inject(
        "status", method="POST", status=412, body="Zotero-Server-ID does not match", times=9
    )
    result = push_local(str(seed_path), env=env)
    assert result.exit_code == 2
    (line,) = error_lines(result)
    assert "server id changed during the run" in line and "not written into it" in line
    assert desktop.items == {}


# ---- a retry after Zotero restarts ------------------------------------------------------------


def test_a_retry_after_zotero_restarts_is_kept_safe_by_version_zero(push_local, desktop, seed_path):
    # The write lands, its answer is lost, and Zotero restarts before the retry: the write
    # token is forgotten, so only the per-object `version: 0` ("must not exist") refuses
    # the second attempt; the paper is then read back and found as pushed.
    desktop.inject("commit_then_drop", method="POST", resource="items", after=desktop.restart)
    result = push_local(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "zotero: 10 created" in result.output
    first, retry = [w for w in desktop.writes if w.resource == "items"][:2]
    assert first.token == retry.token and retry.status == 200
    assert all(o["version"] == 0 for o in retry.body)
    assert len(desktop.items) == 20
    assert "10 unchanged" in push_local(str(seed_path)).output


# ---- switching between the Web API and the local API -------------------------------------------


def test_a_library_pushed_through_the_web_api_is_recognised_locally(
    push, standin, push_local, desktop, seed_path
):
    assert push(str(seed_path)).exit_code == 0
    desktop.load(standin)  # Zotero's sync brings it down, with local versions
    assert {k: d["version"] for k, d in desktop.items.items()} != {
        k: d["version"] for k, d in standin.items.items()
    }
    result = push_local(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 10 unchanged" in result.output
    assert desktop.writes == [] and desktop.dialogs == []
    assert len(desktop.items) == 20 and len(desktop.collections) == 1
    edit_digest(seed_path, "from a single sequence.", "from one sequence.")
    changed = push_local(str(seed_path))
    assert "0 created, 1 updated, 9 unchanged" in changed.output, changed.output
    assert len(desktop.items) == 20 and len(desktop.collections) == 1


def test_a_library_pushed_locally_is_recognised_through_the_web_api(
    push, standin, push_local, desktop, seed_path
):
    assert push_local(str(seed_path)).exit_code == 0
    standin.load(desktop)  # synced up to zotero.org
    result = push(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 10 unchanged" in result.output
    assert standin.writes == [] and len(standin.items) == 20


@pytest.mark.parametrize("first", ["web", "local"])
def test_switching_back_and_forth_duplicates_nothing(
    push, standin, push_local, desktop, seed_path, big_digest, first
):
    digest = big_digest(60)
    if first == "web":
        assert "60 created" in push(str(digest)).output
        desktop.load(standin)
    else:
        assert "60 created" in push_local(str(digest)).output
        standin.load(desktop)
    for _ in range(2):
        assert "60 unchanged" in push_local(str(digest)).output
        assert "60 unchanged" in push(str(digest)).output
    assert len(desktop.top_items()) == 60 and len(standin.top_items()) == 60
