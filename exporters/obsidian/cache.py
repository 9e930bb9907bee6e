"""What the last run learnt about the vault, so an unchanged note need not be read again.

Kept in `<vault>/.exportdigest/` (a hidden folder Obsidian ignores); deleting it only makes the
next run read every note. `files.json` holds what each note's head said (its `in` may be
newer: the fingerprint of a note found to hold what the tool writes); a note's entry is
trusted only while the file's size, modification time and inode are the same, and its time is
older than the cache file's own (a note changed within the clock tick the cache was saved in
is read again). `papers.json` holds each paper's listing, for the index and digest notes when
a run does not bring every paper (read only then).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

FORMAT = 2
FILES, PAPERS = "files.json", "papers.json"


class Cache:
    """Per-note facts by vault-relative path, and each paper's listing by id."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, list] = {}
        self.saved_ns = 0
        self._papers: dict[str, list] | None = None
        try:
            data = json.loads((folder / FILES).read_bytes())
            if data.get("format") == FORMAT and isinstance(data.get("files"), dict):
                self.files = data["files"]
                self.saved_ns = (folder / FILES).stat().st_mtime_ns
        except (OSError, ValueError, AttributeError):
            pass

    def lookup(self, rel: str, stat: os.stat_result) -> list | None:
        """The cached `[mtime, size, inode, kind, key, in]` of a note, if the file is provably
        the one they were read from."""
        entry = self.files.get(rel)
        if (
            entry is not None
            and entry[0] == stat.st_mtime_ns
            and entry[1] == stat.st_size
            and entry[2] == stat.st_ino
            and stat.st_mtime_ns < self.saved_ns
        ):
            return entry
        return None

    @property
    def papers(self) -> dict[str, list]:
        """Listings by paper id, as the last run saved them (loaded on first use)."""
        if self._papers is None:
            try:
                data = json.loads((self.folder / PAPERS).read_bytes())
                ok = data.get("format") == FORMAT and isinstance(data.get("papers"), dict)
                self._papers = data["papers"] if ok else {}
            except (OSError, ValueError, AttributeError):
                self._papers = {}
        return self._papers

    @staticmethod
    def encode(name: str, facts: dict) -> bytes:
        """A cache file's bytes (stable, so an unchanged cache is not written again)."""
        data = {"format": FORMAT, name.removesuffix(".json"): facts}
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
