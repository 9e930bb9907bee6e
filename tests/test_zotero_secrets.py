"""The Zotero API key never shows: not in output, errors, logs, tracebacks, files or URLs."""

from __future__ import annotations

import logging
import textwrap

import pytest

from exportdigest.exporters.zotero import api

pytest_plugins = ("zotero_standin",)  # fixtures: clock, standin, push, big_digest

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
