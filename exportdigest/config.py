"""The user's config file: per-target defaults in the platform's config directory."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

ENV_VAR = "EXPORTDIGEST_CONFIG"
FILE_NAME = "config.toml"


def default_path() -> Path:
    """Where the config file lives: $EXPORTDIGEST_CONFIG, else the platform's config dir."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    if sys.platform.startswith("linux"):
        # platformdirs' XDG rule, without importing it: `--help` shows this path.
        base = os.environ.get("XDG_CONFIG_HOME", "").strip() or os.path.expanduser("~/.config")
        return Path(base, "exportdigest", FILE_NAME)
    from platformdirs import user_config_dir

    return Path(user_config_dir("exportdigest", appauthor=False)) / FILE_NAME


def state_dir() -> Path:
    """Where exportdigest keeps what it learnt between runs (caches, sync state, keys): the
    platform's user state directory. Every file there is safe to delete."""
    from platformdirs import user_state_dir

    return Path(user_state_dir("exportdigest", appauthor=False))


def load(path: Path | None) -> dict[str, Any]:
    """The parsed config (empty when the file does not exist).

    Layout: a `[defaults]` table for the core options (`target = ["obsidian"]`, `strict`,
    ...) and one table per target (`[obsidian] vault = "~/Notes"`), keys named like the
    long options with `-` or `_`.
    """
    import tomllib  # here, not at the top: --help never reads the config

    path = path or default_path()
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise click.UsageError(f"cannot read config file {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise click.UsageError(f"config file {path}, line {line}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise click.UsageError(f"config file {path} is not valid TOML: {exc}") from None
    return {_key(k): _normalise(v) for k, v in data.items()}


def check_tables(conf: dict[str, Any], tables: set[str], warn: Callable[[str], None]) -> None:
    """Warn about tables nobody reads; refuse a known table that is not a table (exit 2)."""
    known = ", ".join(f"[{t}]" for t in sorted(tables))
    for name, value in conf.items():
        if not isinstance(value, dict) and name not in tables:
            warn(f"config: top-level key '{name}' ignored (settings go in a table: {known})")
        elif name not in tables:
            warn(f"config: unknown table [{name}] ignored (known: {known})")
        elif not isinstance(value, dict):
            raise click.UsageError(f"config: '{name}' must be a table ([{name}]), not a value")


def setting(ctx: click.Context, option: click.Parameter, value: Any, table: str) -> Any:
    """A config file value for `option`, checked against the option's type (exit 2 if wrong).

    TOML gives typed values; the command line gives strings. A value is taken only when its
    TOML type is what the option means (a string for a path or a name, true/false for a flag,
    a list for an option that repeats), then converted as click converts the command line.
    A TOML date is taken for a date option, and a whole number for an id (`..._id`).
    """
    where = f"config [{table}] {option.name}"
    expected = _expected(option)
    if isinstance(option.type, click.DateTime) and isinstance(value, dt.date):
        value = value.isoformat()
    if (option.name or "").endswith("_id") and _fits(value, int):
        value = str(value)
    if option.multiple:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(_fits(v, expected) for v in values):
            raise click.UsageError(f"{where}: expected {_words(expected)} or a list of them")
        value = values
    elif not _fits(value, expected):
        raise click.UsageError(f"{where}: expected {_words(expected)}, got {value!r}")
    try:
        return option.type_cast_value(ctx, value)
    except click.BadParameter as exc:
        raise click.UsageError(f"{where}: {exc.format_message()}") from None


def _expected(option: click.Parameter) -> type:
    kind = option.type
    if isinstance(option, click.Option) and option.is_flag:
        return bool
    if isinstance(kind, click.types.IntParamType):
        return int
    if isinstance(kind, click.types.FloatParamType):
        return float
    if isinstance(kind, click.types.BoolParamType):
        return bool
    return str


def _fits(value: Any, expected: type) -> bool:
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _words(expected: type) -> str:
    return {bool: "true or false", int: "a whole number", float: "a number"}.get(
        expected, "a string"
    )


def _key(name: str) -> str:
    return name.replace("-", "_")


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {_key(k): v for k, v in value.items()}
    return value
