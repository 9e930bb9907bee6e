"""`obsidian://open` links to notes: the vault is the folder holding `.obsidian/`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from .starter import SETTINGS


def vault_home(root: Path) -> tuple[Path, str]:
    """The Obsidian vault `root` is in (the nearest folder with `.obsidian/`, `root` itself
    when none has one: it gets its own), and `root`'s path inside it (`""` or `"Sub/"`)."""
    root = root.expanduser().absolute()
    for folder in (root, *root.parents):
        if (folder / SETTINGS).is_dir():
            inside = root.relative_to(folder).as_posix()
            return folder, "" if inside == "." else f"{inside}/"
    return root, ""


def note_uri(vault: Path, rel: str) -> str:
    """The URI that opens the note at `rel` (vault-relative, `.md` included) in Obsidian."""
    name, file = quote(vault.name, safe=""), quote(rel.removesuffix(".md"), safe="")
    return f"obsidian://open?vault={name}&file={file}"
