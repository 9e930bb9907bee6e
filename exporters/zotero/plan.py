"""What to do with one paper, given what the library holds: create, update, leave, or conflict.

What the user changed in Zotero (edited, trashed or deleted) is never overwritten without
--force: when the digest has not changed since the last push the paper is skipped quietly
(the user's version stands); when the digest changed too, it is a conflict, reported.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from exportdigest.exporter import CONFLICT, CREATED, SKIPPED, UNCHANGED, UPDATED

from . import fingerprint
from .render import Attachment, Paper
from .state import GONE, TRASHED, Record

SERVER_MANAGED = ("dateAdded", "dateModified")
# Why a paper is held: what the user did in Zotero, to its item or to its note.
DELETED, IN_TRASH, CHANGED = "deleted", "in trash", "changed"
REASONS = {
    ("item", DELETED): "deleted in Zotero",
    ("item", IN_TRASH): "in the Zotero trash",
    ("item", CHANGED): "changed in Zotero",
    ("note", DELETED): "its note was deleted in Zotero",
    ("note", IN_TRASH): "its note is in the Zotero trash",
    ("note", CHANGED): "its note was changed in Zotero",
    ("attachment", DELETED): "its {title} attachment was deleted in Zotero",
    ("attachment", IN_TRASH): "its {title} attachment is in the Zotero trash",
    ("attachment", CHANGED): "its {title} attachment was changed in Zotero",
}


@dataclass
class Remote:
    """One paper's objects as the library holds them (None: not there)."""

    item: dict[str, Any] | None = None
    note: dict[str, Any] | None = None
    item_gone: bool = False  # deleted by the user (in the library's deletion log)
    note_gone: bool = False
    pushed: tuple[str, str] | None = None  # last pushed fingerprints, when the item is gone


@dataclass
class Decision:
    """The plan for one paper and the objects to send for it (item first)."""

    action: str
    reason: str = ""
    objects: list[dict[str, Any]] = field(default_factory=list)
    forceable: bool = True  # whether --force overwrites a conflict (another paper's item: no)

    @property
    def creates_item(self) -> bool:
        """Whether the item itself is created (it then needs a collection)."""
        return (
            bool(self.objects)
            and self.objects[0].get("version") == 0
            and (self.objects[0].get("itemType") != "note")
        )


def decide(paper: Paper, remote: Remote, force: bool) -> Decision:
    """Compare the rendering with the library and say what to write."""
    item = remote.item
    owner = fingerprint.paper_id_of(item.get("extra", "")) if item is not None else None
    if owner is not None and owner != paper.id:  # without an id line: a user edit, below
        reason = f"key {paper.item_key} is taken by another Zotero item"
        return Decision(CONFLICT, reason, forceable=False)
    pushed = fingerprint.pushed(item.get("extra", "")) if item else remote.pushed
    problems = _user_changes(paper, remote, pushed)
    if problems and not force:
        return held("; ".join(problems), digest_changed(paper, pushed))
    note_fp = paper.note_fp if paper.note is not None else (pushed[1] if pushed else "-")
    objects = []
    item_payload = _item_payload(paper, item, note_fp, force)
    if item_payload:
        objects.append(item_payload)
    note_payload = _note_payload(paper, remote.note, force)
    if note_payload:
        objects.append(note_payload)
    if not objects:
        return Decision(UNCHANGED)
    action = CREATED if item is None else UPDATED
    reason = "overwriting what was changed in Zotero (--force)" if problems else ""
    return Decision(action, reason, objects)


def recorded(paper: Paper, records: list[Record], force: bool) -> Decision | None:
    """The decision the local records of the paper's objects make (they match the library's
    versions), or None when the library's copies must be read and compared."""
    if any(r.version == GONE for r in records) or any(r.current != r.pushed for r in records):
        if force:
            return None
        pushed = (records[0].pushed, records[1].pushed if len(records) > 1 else "")
        return held(_recorded_change(records), digest_changed(paper, pushed))
    wanted = [paper.item_fp, paper.note_fp][: len(records)]
    if [r.current for r in records] == wanted:
        return Decision(UNCHANGED)
    return None


def _recorded_change(records: list[Record]) -> str:
    """What the user did to a paper in Zotero, as its records show: the item, else its note."""
    part, record = "item", records[0]
    if record.version != GONE and record.current == record.pushed:
        part, record = "note", records[-1]
    if record.version == GONE:
        return REASONS[part, DELETED]
    return REASONS[part, IN_TRASH if record.current == TRASHED else CHANGED]


def held(reason: str, changed: bool) -> Decision:
    """A paper changed in Zotero is left as it is: a conflict if the digest changed too."""
    return Decision(CONFLICT if changed else SKIPPED, reason)


def digest_changed(paper: Paper, pushed: tuple[str, str] | None) -> bool:
    """Whether the paper's rendering differs from what was last pushed (False if unknown)."""
    if not pushed:
        return False
    item_fp, note_fp = pushed
    if item_fp and item_fp != paper.item_fp:
        return True
    return paper.note is not None and bool(note_fp) and note_fp != paper.note_fp


def _user_changes(paper: Paper, remote: Remote, pushed: tuple[str, str] | None) -> list[str]:
    """Why the library's copy must not be overwritten without --force ([] if it may be)."""
    found = []
    item, note = remote.item, remote.note
    if remote.item_gone:
        return [REASONS["item", DELETED]]  # its note went with it
    if item is not None:
        if item.get("deleted"):
            found.append(REASONS["item", IN_TRASH])
        same = fingerprint.item_fp(item, paper.arxiv) == paper.item_fp
        clean = pushed is not None and pushed[0] in fingerprint.item_fps(item)
        if not (same or clean):
            found.append(REASONS["item", CHANGED])
    if paper.note is not None:
        if remote.note_gone:
            found.append(REASONS["note", DELETED])
        elif note is not None:
            current = fingerprint.note_fp(note.get("note", ""))
            if not (current == paper.note_fp or (pushed is not None and current == pushed[1])):
                found.append(REASONS["note", CHANGED])
            if note.get("deleted"):
                found.append(REASONS["note", IN_TRASH])
    return found


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _item_payload(
    paper: Paper, item: dict[str, Any] | None, note_fp: str, force: bool
) -> dict[str, Any] | None:
    """The item to send, or None when the library's copy is already right."""
    user_extra = item.get("extra", "") if item else ""
    extra = fingerprint.extra_with(user_extra, paper.id, paper.item_fp, note_fp, paper.extra_lines)
    if item is None:
        created = {"key": paper.item_key, "version": 0, **paper.item, "extra": extra}
        return {**created, "collections": []}
    restore = force and bool(item.get("deleted"))
    same = fingerprint.item_fp(item, paper.arxiv) == paper.item_fp
    if same and _lines(item.get("extra", "")) == _lines(extra) and not restore:
        return None
    data = {k: copy.deepcopy(v) for k, v in item.items() if k not in SERVER_MANAGED}
    data.update({k: copy.deepcopy(v) for k, v in paper.item.items() if k != "tags"})
    ours = {t["tag"] for t in paper.item["tags"]}
    kept = [
        t
        for t in item.get("tags") or ()
        if str(t.get("type", 0)) != "1" and t.get("tag") not in ours
    ]
    data["tags"] = kept + copy.deepcopy(paper.item["tags"])
    data["extra"] = extra
    if restore:
        data["deleted"] = 0
    return data


def _note_payload(paper: Paper, note: dict[str, Any] | None, force: bool) -> dict[str, Any] | None:
    """The note to send, or None when there is none or the library's copy is already right."""
    if paper.note is None:
        return None
    if note is None:
        return {
            "key": paper.note_key,
            "version": 0,
            "itemType": "note",
            "parentItem": paper.item_key,
            "note": paper.note,
            "tags": [],
            "relations": {},
        }
    restore = force and bool(note.get("deleted"))
    if fingerprint.note_fp(note.get("note", "")) == paper.note_fp and not restore:
        return None
    data = {k: copy.deepcopy(v) for k, v in note.items() if k not in SERVER_MANAGED}
    data["note"] = paper.note
    if restore:
        data["deleted"] = 0
    return data


@dataclass
class Held:
    """One of our attachments as the library holds it: read, or vouched for by our records."""

    version: int
    fp: str  # fingerprint of what it holds now
    pushed: str  # fingerprint of what we last pushed ("" when unknown)
    data: dict[str, Any] | None = None  # the copy read (None: known from our records only)
    trashed: bool = False


def decide_attachment(wanted: Attachment, held: Held | None, gone: bool, force: bool) -> Decision:
    """What to write for an attachment the tool owns: the user's deletion or edit stands."""
    problem = ""
    if gone:
        problem = REASONS["attachment", DELETED]
    elif held is not None and held.trashed:
        problem = REASONS["attachment", IN_TRASH]
    elif held is not None and held.fp != wanted.fp and held.pushed and held.fp != held.pushed:
        problem = REASONS["attachment", CHANGED]
    if problem and not force:
        return Decision(SKIPPED, problem.format(title=wanted.title))
    if held is None or gone:
        return Decision(CREATED, objects=[{"key": wanted.key, "version": 0, **wanted.fields}])
    if held.fp == wanted.fp and not held.trashed:
        return Decision(UNCHANGED)
    base = held.data or {"tags": [], "relations": {}}
    data = {k: copy.deepcopy(v) for k, v in base.items() if k not in SERVER_MANAGED}
    data.update(wanted.fields, key=wanted.key, version=held.version)
    if held.trashed:
        data["deleted"] = 0
    return Decision(UPDATED, objects=[data])
