"""The config file: every value checked against its option, unknown keys and tables named."""

from __future__ import annotations

import click
import pytest

from exportdigest.cli import CORE_PARAMS, build_command
from exportdigest.registry import discover

TARGETS = discover()
COMMAND = build_command(TARGETS)


def _settings() -> list[tuple[str, click.Option]]:
    """(table, option) for every setting a config file may hold."""
    found = []
    for param in COMMAND.params:
        core = isinstance(param, click.Option) and param.name in CORE_PARAMS
        if core and param.expose_value and param.name != "config":
            found.append(("defaults", param))
    for name, target in TARGETS.items():
        found += [(name, option) for option in target.exporter.options]
    return found


def _wrong_values(option: click.Option) -> list[str]:
    """TOML values of the wrong type for this option."""
    wrong = ["{ a = 1 }"]  # a table is never a setting's value
    if option.is_flag:
        wrong.append('"yes"')
    elif option.multiple:
        wrong.append("[1]")
    elif isinstance(option.type, click.types.FloatParamType | click.types.IntParamType):
        wrong.append('"5"')  # a number written as a string
    elif not option.name.endswith("_id"):
        wrong.append("5")
    return wrong


CASES = [
    pytest.param(table, option.name, value, id=f"{table}.{option.name}={value}")
    for table, option in _settings()
    for value in _wrong_values(option)
]


@pytest.mark.parametrize(("table", "key", "value"), CASES)
def test_a_value_of_the_wrong_type_is_exit_2_naming_table_and_key(
    run_cli, seed_path, tmp_path, table, key, value
):
    config = tmp_path / "config.toml"
    config.write_text(f"[{table}]\n{key} = {value}\n", encoding="utf-8")
    target = "jsonl" if table == "defaults" else table
    out = tmp_path / "out.jsonl"
    result = run_cli("--config", str(config), "-t", target, "-o", str(out), str(seed_path))
    assert result.exit_code == 2, result.output
    assert f"config [{table}] {key}: expected" in result.stderr
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_every_setting_reaches_the_check(run_cli):
    # The class above covers each installed target's options and the core ones.
    tables = {table for table, _ in _settings()}
    assert {"defaults", "jsonl", "obsidian", "zotero", "ris", "bibtex", "csljson"} <= tables


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ('[defaults]\ntarget = "jsonl"\n', 10),
        ('[defaults]\ntarget = ["jsonl"]\ntag = "optimizer"\n', 1),
        ("[defaults]\ntarget = 'jsonl'\nsince = 2024-11-05\n", 0),
        ("[defaults]\ntarget = 'jsonl'\nsince = '2024-11-04'\nverbose = true\n", 10),
    ],
)
def test_values_of_the_right_toml_type_are_taken(run_cli, seed_path, tmp_path, text, check):
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run_cli("--config", str(config), "-o", str(out), str(seed_path))
    assert result.exit_code == 0, result.output
    assert len(out.read_text("utf-8").splitlines()) == check


def test_a_library_id_may_be_a_toml_number(run_cli, seed_path, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[zotero]\nzotero_library_id = 1234567\n", encoding="utf-8")
    result = run_cli("--config", str(config), "-t", "zotero", "-n", str(seed_path))
    # Accepted as the library id: what is missing next is the key, not a valid id.
    assert result.exit_code == 2 and "API key" in result.stderr, result.output
    assert "zotero_library_id" not in result.stderr


def test_a_config_file_that_is_not_utf8_is_exit_2_with_file_and_line(run_cli, seed_path, tmp_path):
    config = tmp_path / "config.toml"
    config.write_bytes(b'[jsonl]\nout = "caf\xe9.jsonl"\n')
    result = run_cli("--config", str(config), "-t", "jsonl", str(seed_path))
    assert result.exit_code == 2
    assert f"config file {config}, line 2: not UTF-8 text" in result.stderr
    assert "internal error" not in result.output


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("[jsonl]\nuot = 'x'\n", "config [jsonl]: unknown key 'uot' ignored"),
        ("[defaults]\ntargets = ['jsonl']\n", "config [defaults]: unknown key 'targets' ignored"),
        ("[zotro]\nzotero_library_id = '1'\n", "config: unknown table [zotro] ignored"),
        ("target = 5\n", "config: top-level key 'target' ignored"),
    ],
)
def test_unknown_keys_and_tables_are_warned_about_and_the_run_goes_on(
    run_cli, seed_path, tmp_path, text, warning
):
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run_cli("--config", str(config), "-t", "jsonl", "-o", str(out), str(seed_path))
    assert result.exit_code == 0, result.output
    assert warning in result.stderr
    assert len(out.read_text("utf-8").splitlines()) == 10


def test_a_target_name_given_a_value_instead_of_a_table_is_exit_2(run_cli, seed_path, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("jsonl = 'out.jsonl'\n", encoding="utf-8")
    result = run_cli("--config", str(config), "-t", "jsonl", str(seed_path))
    assert result.exit_code == 2 and "'jsonl' must be a table ([jsonl])" in result.stderr
