"""Fingerprints of what this project owns in an item or note, and the `extra` lines it keeps.

The item's `extra` carries two lines of ours: `exportdigest-id: <paper id>` (so the paper can
be found again) and `exportdigest-sync: <item fp> <note fp>`, the fingerprints of what was
last pushed. Comparing the fingerprint of an object as it is in Zotero with the one pushed
tells "the user changed it in Zotero" from "only the digest changed", on any machine.

Owned: the item type, title, creators, abstract, our automatic (type 1) tags, the id line,
the arXiv fields and `extra` lines (primary category, published DOI) when we set them, and
the note's text. Not owned, so never a conflict and
never overwritten: collections, the user's own (type 0) tags, other `extra` lines,
relations, fields we do not set, child attachments. White space is compared collapsed, so
a server that re-wraps text or HTML does not look like a user edit.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from exportdigest.extra import CATEGORY_PREFIX, ID_PREFIX, PUBLISHED_PREFIX, id_line

from .notes import Blocks, blocks

SYNC_PREFIX = "exportdigest-sync: "
OWN_PREFIX = "exportdigest-"
BASE_FIELDS = ("itemType", "title", "abstractNote")
ARXIV_FIELDS = ("url", "repository", "archiveID", "DOI", "date")
# `extra` lines of ours that a lookup (--arxiv) adds; owned like the fields above.
ARXIV_LABELS = (CATEGORY_PREFIX, PUBLISHED_PREFIX)
NO_NOTE = "-"


def _norm(value: Any) -> str:
    return " ".join(str(value or "").split())


def _digest(projection: Any) -> str:
    text = json.dumps(projection, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def paper_id_of(extra: str) -> str | None:
    """The paper id recorded in an item's `extra`, if any."""
    for line in (extra or "").splitlines():
        if line.startswith(ID_PREFIX):
            return line[len(ID_PREFIX) :].strip()
    return None


def pushed(extra: str) -> tuple[str, str] | None:
    """(item fp, note fp) of the last push, read from an item's `extra`."""
    for line in (extra or "").splitlines():
        if line.startswith(SYNC_PREFIX):
            parts = line[len(SYNC_PREFIX) :].split()
            if len(parts) == 2:
                return parts[0], parts[1]
    return None


def arxiv_lines(extra: str) -> list[str]:
    """The arXiv lines of ours in an item's `extra`."""
    return [line for line in (extra or "").splitlines() if line.startswith(ARXIV_LABELS)]


def extra_with(
    user_extra: str, paper_id: str, item_fp: str, note_fp: str, lines: tuple[str, ...] = ()
) -> str:
    """`extra` holding the user's own lines (kept as they are), our arXiv `lines` and our
    two lines."""
    kept = [
        line
        for line in (user_extra or "").splitlines()
        if not line.startswith(OWN_PREFIX) and not line.startswith(ARXIV_LABELS)
    ]
    return "\n".join([*kept, *lines, id_line(paper_id), f"{SYNC_PREFIX}{item_fp} {note_fp}"])


def item_fp(data: dict[str, Any], arxiv: bool) -> str:
    """Fingerprint of the owned part of an item (with or without the arXiv fields)."""
    fields = BASE_FIELDS + (ARXIV_FIELDS if arxiv else ())
    projection: dict[str, Any] = {name: _norm(data.get(name)) for name in fields}
    projection["~"] = "arxiv" if arxiv else "base"
    projection["creators"] = [
        [_norm(c.get(k)) for k in ("creatorType", "name", "firstName", "lastName")]
        for c in data.get("creators") or ()
    ]
    projection["tags"] = sorted(
        _norm(t.get("tag")) for t in data.get("tags") or () if str(t.get("type", 0)) == "1"
    )
    projection["id"] = _norm(paper_id_of(data.get("extra", "")))
    lines = arxiv_lines(data.get("extra", ""))
    if lines:  # only then: an item pushed before these lines existed keeps its fingerprint
        projection["arxiv_lines"] = [_norm(line) for line in lines]
    return _digest(projection)


def item_fps(data: dict[str, Any]) -> set[str]:
    """The item's fingerprints under either owned field set (we may have pushed either)."""
    return {item_fp(data, False), item_fp(data, True)}


def note_fp(note: str | None) -> str:
    """Fingerprint of a note's text, block by block ("-" for no note)."""
    return NO_NOTE if note is None else blocks_fp(blocks(note))


def blocks_fp(found: Blocks | None) -> str:
    """Fingerprint of a note given as its blocks (what `note_fp` gives for its HTML)."""
    if found is None:
        return NO_NOTE
    return _digest([[tag, _norm(text)] for tag, text in found])


ATTACHMENT_FIELDS = ("parentItem", "linkMode", "title", "url")


def attachment_fp(data: dict[str, Any]) -> str:
    """Fingerprint of a linked-URL attachment: the fields the tool owns of it."""
    return _digest([_norm(data.get(name, "")) for name in ATTACHMENT_FIELDS])
