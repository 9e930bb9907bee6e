"""The local memory of the last push to one library: a cache that saves requests, never the truth.

Kept as JSON in the platform's state directory, one file per server and library (for the
desktop app's local API, per `Zotero-Server-ID`: its versions are its own). Losing it
(a new machine) costs requests, not correctness: deterministic keys and the fingerprints in
each item's `extra` let a run rebuild everything from the library itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from exportdigest.atomic import write_atomic
from exportdigest.config import state_dir

FORMAT = 1
GONE = -1  # version recorded for an object the user deleted in Zotero
TRASHED = "trash"  # fingerprint recorded for an object the user moved to the trash


@dataclass
class Record:
    """What we know of one of our objects: its version, and fingerprints at that version."""

    version: int
    current: str  # fingerprint of the object as it is at `version`
    pushed: str  # fingerprint of what we last pushed (equal to `current` unless user-edited)


@dataclass
class State:
    """The library version last read, our collections' keys, and a record per object key."""

    library_version: int | None = None
    collections: dict[str, str] = field(default_factory=dict)
    objects: dict[str, Record] = field(default_factory=dict)


def default_dir() -> Path:
    """Where the Zotero target's state files live, in exportdigest's state directory."""
    return state_dir() / "zotero"


class StateFile:
    """The state of one library (server URL [+ server id] + library type + id) on this machine."""

    def __init__(
        self,
        api_url: str,
        library_type: str,
        library_id: str,
        folder: Path | None,
        server_id: str | None = None,
    ):
        server = f"{api_url.rstrip('/')}#{server_id}" if server_id else api_url.rstrip("/")
        self.identity = f"{server} {library_type}/{library_id}"
        tag = hashlib.sha256(self.identity.encode()).hexdigest()[:12]
        self.path = (folder or default_dir()) / f"{library_type}-{library_id}-{tag}.json"

    def load(self) -> tuple[State, str | None]:
        """The saved state (empty when missing or unreadable), and a warning if unreadable."""
        try:
            data = json.loads(self.path.read_text("utf-8"))
            if data.get("format") != FORMAT or data.get("library") != self.identity:
                return State(), f"ignoring state file {self.path} (another format or library)"
            return State(
                data.get("library_version"),
                dict(data.get("collections", {})),
                {k: Record(*v) for k, v in data.get("objects", {}).items()},
            ), None
        except FileNotFoundError:
            return State(), None
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            return State(), f"ignoring unreadable state file {self.path} ({type(exc).__name__})"

    def save(self, state: State) -> None:
        """Write the state atomically (temp file + rename)."""
        data = {
            "format": FORMAT,
            "library": self.identity,
            "library_version": state.library_version,
            "collections": state.collections,
            "objects": {k: [r.version, r.current, r.pushed] for k, r in state.objects.items()},
        }
        write_private(self.path, json.dumps(data, separators=(",", ":")).encode("utf-8"))


def write_private(path: Path, data: bytes) -> None:
    """Write a state file readable by its owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data, private=True)
