"""The `obsidian` target: a vault of paper notes that re-syncs without losing the user's work.

This module is imported by `--help` and `--list-targets`, so it imports nothing heavy:
Jinja2 and PyYAML load with the submodules, when the target is actually used.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from exportdigest.exporter import Exporter, Outcome, TargetUsageError
from exportdigest.options import force_option

if TYPE_CHECKING:  # for annotations only: --help must not load the model
    from exportdigest.model import Entry

    from .export import VaultSync


class ObsidianExporter(Exporter):
    """One note per paper, plus tag, digest-day and index notes, in an Obsidian vault."""

    summary = "An Obsidian vault: a note per paper, tag and digest day; re-syncs keep your edits."
    options = (
        click.Option(
            ["--vault"],
            metavar="PATH",
            type=click.Path(file_okay=False, path_type=Path),
            help="Obsidian vault folder to sync into (created from the template if new).",
        ),
        click.Option(
            ["--template-dir"],
            metavar="PATH",
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder of your own note templates (paper.md.j2, ...: see docs/obsidian.md).",
        ),
        force_option(),
    )

    def __init__(self, settings, run) -> None:
        super().__init__(settings, run)
        vault = self.settings.get("vault")
        if not vault:
            raise TargetUsageError("the obsidian target needs --vault PATH (the vault's folder)")
        self.vault = Path(vault).expanduser()
        if self.vault.exists() and not self.vault.is_dir():
            raise TargetUsageError(f"--vault {self.vault} is a file; name a folder")
        template_dir = self.settings.get("template_dir")
        self.template_dir = Path(template_dir).expanduser() if template_dir else None
        if self.template_dir is not None and not self.template_dir.is_dir():
            raise TargetUsageError(f"--template-dir {self.template_dir} is not a folder")
        from .checks import checked_templates

        self.templates = checked_templates(self.template_dir)

        self._sync: VaultSync | None = None

    def plan(self, entries: Iterable[Entry], count: int) -> None:
        """Find (or name) every paper's note and publish where it is, as an `obsidian://` URI."""
        from .export import VaultSync
        from .uri import note_uri, vault_home

        self._sync = VaultSync(
            self.vault,
            self.templates,
            self.run,
            force=bool(self.settings.get("force")),
            starter_dir=self.template_dir,
        )
        paths = self._sync.plan(entries, count)
        home, inside = vault_home(self.vault)
        self.run.locations.publish(
            "obsidian", {pid: note_uri(home, inside + rel) for pid, rel in paths.items()}
        )

    def export(self, entries: Iterable[Entry], count: int) -> Outcome:
        """Sync the entries into the vault; see docs/obsidian.md for the rules."""
        if self._sync is None:
            self.plan(entries, count)
        assert self._sync is not None
        self._sync.items = self.run.locations.read("zotero")
        return self._sync.export(entries, count)
