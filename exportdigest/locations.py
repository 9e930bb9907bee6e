"""Where each target put each paper (`paper_id -> URI`), published by targets, kept between runs.

A target publishes the locations it knows (the Obsidian note's `obsidian://` URI at plan,
the Zotero item's `zotero://` URI once its write succeeded); another target reads them to
link to that place. The file lives in the platform's state directory: a cache of what the
targets last said, safe to delete (the next run of each target publishes again).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from .atomic import write_atomic
from .config import state_dir

FORMAT = 1
FILE = "locations.json"


class Locations:
    """The published locations of every target, by target name, then paper id."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._by_target: dict[str, dict[str, str]] | None = None
        self._changed = False

    @property
    def path(self) -> Path:
        """The file the locations are kept in."""
        return (self._folder or state_dir()) / FILE

    def read(self, target: str) -> Mapping[str, str]:
        """`paper_id -> URI` as `target` last published it (this run's or an earlier one's)."""
        return self._all().get(target, {})

    def publish(self, target: str, uris: Mapping[str, str | None]) -> None:
        """Say where `target` put these papers; None withdraws a paper (it is there no more)."""
        known = self._all().setdefault(target, {})
        for paper_id, uri in uris.items():
            if uri is None:
                self._changed |= known.pop(paper_id, None) is not None
            elif known.get(paper_id) != uri:
                known[paper_id] = uri
                self._changed = True

    def save(self) -> None:
        """Keep what was published for later runs (nothing is written when nothing changed)."""
        if not self._changed or self._by_target is None:
            return
        data = {"format": FORMAT, "targets": self._by_target}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(data, separators=(",", ":")).encode("utf-8"))
        self._changed = False

    def _all(self) -> dict[str, dict[str, str]]:
        if self._by_target is None:
            self._by_target = _load(self.path)
        return self._by_target


def _load(path: Path) -> dict[str, dict[str, str]]:
    """The saved locations; none when the file is missing, unreadable or of another format."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    targets = data.get("targets")
    if not isinstance(targets, dict):
        return {}
    return {
        str(name): {str(k): str(v) for k, v in uris.items()}
        for name, uris in targets.items()
        if isinstance(uris, dict)
    }
