"""The Zotero API key never shows: not in output, errors, logs, tracebacks, files or URLs."""

from __future__ import annotations

import json
import logging
import os
import stat
import textwrap

import pytest

from exportdigest.exporters.zotero import api

pytest_plugins = ("zotero_standin",)  # fixtures: clock, standin, push, desktop, push_local

SECRET = "LeakCheckKey7Zq9Xw3Rt5Yu"
WRONG = "WrongLeakKey4Hb8Nd2Pc6Vs"


def break_sending(monkeypatch):
    """An unexpected error whose text holds the key, as pyzotero's errors can (key in URLs)."""

    def fail(self, method, path, **kwargs):
        raise ValueError(f"bad request to https://api.zotero.org/keys/{SECRET}")

    monkeypatch.setattr(api.ZoteroApi, "_send", fail)


def fail_server(standin):
    standin.inject("status", method="POST", resource="items", status=500, times=99)


def rate_limit(standin):
    standin.inject("status", resource="items", status=429, headers={"Retry-After": "9999"})


PATHS = {
    "normal": ([], None),
    "verbose": (["-v"], None),
    "dry run": (["--dry-run", "-v"], None),
    "quiet": (["-q"], None),
    "force": (["--force", "-v"], None),
    "per-day": (["--zotero-collection-per-day", "-v"], None),
    "server errors": (["-v"], fail_server),
    "rate limited": (["-v"], rate_limit),
    "no write access": (["-v"], lambda s: setattr(s, "write_access", False)),
    "help": (["--help"], None),
}


@pytest.fixture
def secret_library(standin):
    standin.api_key = SECRET
    return standin


def assert_no_key(texts, *keys):
    for text in texts:
        for key in keys:
            assert key not in text


@pytest.mark.parametrize("how", ["option", "environment", "config"])
@pytest.mark.parametrize("path", list(PATHS))
def test_the_key_is_never_shown(
    run_cli, secret_library, seed_path, tmp_path, monkeypatch, caplog, how, path
):
    args, prepare = PATHS[path]
    if prepare:
        prepare(secret_library)
    caplog.set_level(logging.DEBUG)
    base = ["-t", "zotero", "--zotero-library-id", secret_library.library_id]
    base += ["--zotero-api-url", secret_library.url]
    env = {}
    if how == "option":
        base += ["--zotero-api-key", SECRET]
    elif how == "environment":
        env["ZOTERO_API_KEY"] = SECRET
    else:
        config = tmp_path / "secret.toml"
        config.write_text(f'[zotero]\nzotero_api_key = "{SECRET}"\n', "utf-8")
        monkeypatch.setenv("EXPORTDIGEST_CONFIG", str(config))
    result = run_cli(*base, *args, str(seed_path), env=env)
    assert result.output.strip() or "-q" in args
    assert_no_key([result.output, caplog.text], SECRET)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "secret.toml"]
    assert_no_key([p.read_text("utf-8", "replace") for p in written], SECRET)
    for request in secret_library.requests:  # sent in a header, never in a URL
        assert_no_key(request.query.values(), SECRET)


def test_a_refused_key_is_not_echoed(push, secret_library, seed_path, caplog):
    caplog.set_level(logging.DEBUG)
    result = push("-v", str(seed_path), key=WRONG)
    assert result.exit_code == 2
    assert_no_key([result.output, caplog.text], WRONG, SECRET)


@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_an_unexpected_error_holding_the_key_is_masked(
    push, secret_library, seed_path, monkeypatch, verbose
):
    break_sending(monkeypatch)
    result = push(*verbose, str(seed_path), key=SECRET)
    assert result.exit_code == 1
    assert "internal error: ValueError" in result.output and "***" in result.output
    assert_no_key([result.output], SECRET)


def test_an_unusable_config_does_not_echo_the_key(run_cli, seed_path, tmp_path, monkeypatch):
    config = tmp_path / "c.toml"
    config.write_text(
        textwrap.dedent(
            f"""
            [zotero]
            zotero_api_key = "{SECRET} with a space"
            zotero_library_id = "1"
            """
        ),
        "utf-8",
    )
    monkeypatch.setenv("EXPORTDIGEST_CONFIG", str(config))
    result = run_cli("-t", "zotero", str(seed_path))
    assert result.exit_code == 2
    assert_no_key([result.output], SECRET)


# ---- the Zotero desktop key (local API) ---------------------------------------------------


ENV_LOCAL_KEY = "EnvLocalLeakKey0123456789abcdef"


def revoke_then_push(desktop, push_local, digest):
    desktop.revoke_keys()
    digest.write_text(digest.read_text("utf-8").replace("single sequence", "one sequence"))
    return push_local("-v", str(digest))


LOCAL_PATHS = {
    "first push, re-run": lambda d, p, g: [p("-v", str(g)), p("-v", str(g))],
    "dry run": lambda d, p, g: [p(str(g)), p("--dry-run", "-v", str(g))],
    "quiet": lambda d, p, g: [p("-q", str(g))],
    "revoked, asked again": lambda d, p, g: [p(str(g)), revoke_then_push(d, p, g)],
    "revoked, then denied": lambda d, p, g: [
        p(str(g)),
        setattr(d, "answers", ["deny"]) or revoke_then_push(d, p, g),
    ],
    "allow once": lambda d, p, g: [setattr(d, "answers", ["allow"]) or p("-v", str(g))],
    "server errors": lambda d, p, g: [fail_server(d) or p("-v", str(g))],
    "another database": lambda d, p, g: [
        p(str(g)),
        setattr(d, "server_id", "OtherProfile") or p("-v", str(g)),
    ],
    "environment key": lambda d, p, g: [
        d.local_keys.update({ENV_LOCAL_KEY: True})
        or p("-v", str(g), env={"ZOTERO_LOCAL_API_KEY": ENV_LOCAL_KEY})
    ],
    "environment key refused": lambda d, p, g: [
        p("-v", str(g), env={"ZOTERO_LOCAL_API_KEY": ENV_LOCAL_KEY})
    ],
}


@pytest.mark.parametrize("path", list(LOCAL_PATHS))
def test_the_local_key_is_only_in_its_0600_file(
    push_local, desktop, seed_path, tmp_path, caplog, path
):
    caplog.set_level(logging.DEBUG)
    results = LOCAL_PATHS[path](desktop, push_local, seed_path)
    keys = [*desktop.granted, ENV_LOCAL_KEY]
    assert desktop.granted or "environment" in path
    assert_no_key([r.output for r in results] + [caplog.text], *keys)
    kept = sorted((tmp_path / "state").rglob("local-key-*.json"))
    for path_ in tmp_path.rglob("*"):
        if path_.is_file() and path_ not in kept:
            assert_no_key([path_.read_text("utf-8", "replace")], *keys)
    for file in kept:  # at most the one key Zotero granted with "Always Allow"
        assert stat.S_IMODE(os.stat(file).st_mode) == 0o600
        assert json.loads(file.read_text("utf-8"))["key"] in desktop.local_keys
        assert ENV_LOCAL_KEY not in file.read_text("utf-8")
    for request in desktop.requests:  # sent in a header, never in a URL
        assert_no_key(request.query.values(), *keys)
        assert_no_key([request.resource], *keys)
