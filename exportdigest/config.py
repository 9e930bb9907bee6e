"""The user's config file: per-target defaults in the platform's config directory."""

from __future__ import annotations

import os
import sys
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
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise click.UsageError(f"config file {path} is not valid TOML: {exc}") from None
    return {_key(k): _normalise(v) for k, v in data.items()}


def _key(name: str) -> str:
    return name.replace("-", "_")


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {_key(k): v for k, v in value.items()}
    return value
