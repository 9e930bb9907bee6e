"""A new vault starts as a copy of the template folder; an old one only gains property types."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from .render import TEMPLATE_SUBDIR

SETTINGS = ".obsidian"
TYPES = f"{SETTINGS}/types.json"
_SKIP = {TEMPLATE_SUBDIR, "__pycache__", "__init__.py"}
# Types of the arXiv properties (--arxiv): a new vault has them; an existing one is not
# rewritten for them (Obsidian takes an untyped property as text, which they are).
NEW_VAULTS_ONLY = frozenset({"arxiv", "arxiv_url", "arxiv_pdf", "doi"})


def starting_files(template_root: Path) -> Iterator[tuple[str, bytes]]:
    """(vault-relative path, bytes) of every file a new vault starts with."""
    for path in sorted(template_root.rglob("*")):
        rel = path.relative_to(template_root)
        if path.is_file() and not (_SKIP & set(rel.parts)) and path.suffix not in (".j2", ".pyc"):
            yield rel.as_posix(), path.read_bytes()


def starter_root(user_dir: Path | None, builtin: Path) -> Path:
    """Where a new vault's files come from: the user's folder when it has settings of its own."""
    if user_dir is not None and (user_dir / SETTINGS).is_dir():
        return user_dir
    return builtin


def merged_types(current: bytes, ours: bytes) -> bytes | None:
    """`types.json` with our property types added where the vault has none; None if no change.

    Types the vault already sets are the user's choice and stay; an unreadable file is left.
    """
    try:
        theirs = json.loads(current)
        wanted = json.loads(ours)["types"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(theirs, dict) or not isinstance(theirs.setdefault("types", {}), dict):
        return None
    missing = {
        k: v for k, v in wanted.items() if k not in theirs["types"] and k not in NEW_VAULTS_ONLY
    }
    if not missing:
        return None
    theirs["types"].update(missing)
    return (json.dumps(theirs, ensure_ascii=False, indent=2) + "\n").encode()
