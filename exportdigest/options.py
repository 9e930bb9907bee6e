"""Command-line options that more than one target declares, each written once."""

from __future__ import annotations

import click


def force_option() -> click.Option:
    """`--force`: the targets that keep the user's edits (obsidian, zotero) overwrite them."""
    return click.Option(
        ["--force"],
        is_flag=True,
        help="Overwrite what was edited by hand since the last export (without it such edits"
        " are kept, and reported).",
    )
