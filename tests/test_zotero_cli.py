"""How the Zotero target is configured: options, ZOTERO_* variables, the config file."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest_plugins = ("zotero_standin",)  # fixtures: clock, standin, push, big_digest


def test_the_exporter_module_imports_no_http_library():
    code = (
        "import sys, exportdigest.exporters.zotero\n"
        "heavy = {m.split('.')[0] for m in sys.modules} & {'pyzotero', 'httpx2', 'httpx'}\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_help_lists_the_options_and_their_variables(run_cli):
    result = run_cli("--help")
    for name in (
        "--zotero-library-id",
        "ZOTERO_LIBRARY_ID",
        "--zotero-library-type [user|group]",
        "--zotero-api-key",
        "ZOTERO_API_KEY",
        "--zotero-api-url",
        "https://api.zotero.org",
        "--zotero-collection NAME",
        "Paper digests",
        "--zotero-collection-per-day",
        "--force",
    ):
        assert name in result.output


def test_environment_variables_alone_are_enough(run_cli, standin, seed_path):
    env = {
        "ZOTERO_LIBRARY_ID": standin.library_id,
        "ZOTERO_LIBRARY_TYPE": "user",
        "ZOTERO_API_KEY": standin.api_key,
        "ZOTERO_API_URL": standin.url,
    }
    result = run_cli("-t", "zotero", str(seed_path), env=env)
    assert result.exit_code == 0, result.output
    assert len(standin.top_items()) == 10


def test_the_config_file_section_is_enough(run_cli, standin, seed_path, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text(
        textwrap.dedent(
            f"""
            [defaults]
            target = ["zotero"]
            [zotero]
            zotero_library_id = "{standin.library_id}"
            zotero_api_key = "{standin.api_key}"
            zotero-api-url = "{standin.url}"
            zotero_collection = "From config"
            zotero_collection_per_day = true
            """
        ),
        "utf-8",
    )
    monkeypatch.setenv("EXPORTDIGEST_CONFIG", str(config))
    result = run_cli(str(seed_path))
    assert result.exit_code == 0, result.output
    names = {c["name"] for c in standin.collections.values()}
    assert names == {"From config", "2024-11-04"}


def test_the_command_line_wins_over_the_environment(run_cli, standin, seed_path):
    env = {"ZOTERO_API_KEY": "WrongKeyFromEnv", "ZOTERO_API_URL": standin.url}
    result = run_cli(
        "-t",
        "zotero",
        "--zotero-library-id",
        standin.library_id,
        "--zotero-api-key",
        standin.api_key,
        str(seed_path),
        env=env,
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {"ZOTERO_API_KEY": "abc"}, "zotero needs a library id"),
        (["--zotero-library-id", "me"], {"ZOTERO_API_KEY": "abc"}, "must be the library's number"),
        (["--zotero-library-id", "1"], {}, "zotero needs an API key"),
        (["--zotero-library-id", "1"], {"ZOTERO_API_KEY": "a b"}, "letters and digits only"),
        (
            ["--zotero-library-id", "1", "--zotero-api-url", "ftp://x"],
            {"ZOTERO_API_KEY": "abc"},
            "must be an http(s) URL",
        ),
        (
            ["--zotero-library-id", "1", "--zotero-library-type", "team"],
            {"ZOTERO_API_KEY": "abc"},
            "'team' is not one of",
        ),
    ],
)
def test_unusable_settings_stop_before_anything_is_read(run_cli, seed_path, args, env, message):
    result = run_cli("-t", "zotero", *args, str(seed_path), env=env)
    assert result.exit_code == 2
    assert message in result.output


def test_a_group_library(run_cli, standin, seed_path):
    standin.library_type, standin.library_id = "group", "42"
    result = run_cli(
        "-t",
        "zotero",
        "--zotero-library-type",
        "group",
        "--zotero-library-id",
        "42",
        "--zotero-api-url",
        standin.url,
        str(seed_path),
        env={"ZOTERO_API_KEY": standin.api_key},
    )
    assert result.exit_code == 0, result.output
    assert {r.resource for r in standin.requests} >= {"items", "collections"}
    assert len(standin.top_items()) == 10


def test_a_plain_http_server_gets_a_warning(run_cli, standin, seed_path):
    elsewhere = standin.url.replace("127.0.0.1", "127.0.0.2")  # not this machine's name
    result = run_cli(
        "-t",
        "zotero",
        "--zotero-library-id",
        "1",
        "--zotero-api-url",
        elsewhere,
        str(seed_path),
        env={"ZOTERO_API_KEY": "abc", "NO_PROXY": "*"},
    )
    assert f"{elsewhere} is not https; the key goes unencrypted" in result.output
    assert result.exit_code == 1 and "no answer from 127.0.0.2" in result.output


def test_list_targets_names_zotero(run_cli):
    assert "zotero" in run_cli("--list-targets").output
