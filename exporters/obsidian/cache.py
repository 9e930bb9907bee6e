"""What the last run learnt about the vault, so an unchanged note need not be read again.

Kept in `<vault>/.exportdigest/cache.json` (a hidden folder Obsidian ignores); deleting it only
makes the next run read every note. A note's entry is trusted only while the file's size,
modification time and inode are the same, and its time is older than the cache file's own
(a note changed within the same clock tick as the cache was saved is read again).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = 1


@dataclass
class Cache:
    """Per-note facts by vault-relative path, and each paper's listing by id."""

    path: Path
    files: dict[str, list] = field(default_factory=dict)
    papers: dict[str, list] = field(default_factory=dict)
    saved_ns: int = 0
    raw: bytes = b""

    @classmethod
    def load(cls, path: Path) -> Cache:
        """The cache at `path`, or an empty one when it is missing or unreadable."""
        try:
            raw = path.read_bytes()
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                return cls(path)
            return cls(path, data["files"], data["papers"], path.stat().st_mtime_ns, raw)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(path)

    def lookup(self, rel: str, stat: os.stat_result) -> list | None:
        """The facts cached for a note, if the file is provably the one they were read from."""
        entry = self.files.get(rel)
        if (
            entry is not None
            and entry[0] == stat.st_mtime_ns
            and entry[1] == stat.st_size
            and entry[2] == stat.st_ino
            and stat.st_mtime_ns < self.saved_ns
        ):
            return entry[3:]
        return None

    def encode(self, files: dict[str, list], papers: dict[str, list]) -> bytes:
        """The cache file's bytes for these facts (stable, so an unchanged cache is not written)."""
        data = {"format": FORMAT, "files": files, "papers": papers}
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
