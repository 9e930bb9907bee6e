"""Deterministic Zotero object keys: the same paper gets the same item and note keys everywhere.

Choosing the keys ourselves (Zotero accepts client keys of 8 characters from its alphabet)
is what keeps a push duplicate-free without any local memory: a create is sent with
`version: 0`, which the server refuses (412) when that key already exists.
"""

from __future__ import annotations

import hashlib
import re

ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
KEY_PATTERN = re.compile(f"^[{ALPHABET}]{{8}}$")
NAMESPACE = "exportdigest/zotero/v1"


def object_key(*parts: str) -> str:
    """An 8-character key from Zotero's alphabet, fixed by `parts`."""
    number = int.from_bytes(
        hashlib.sha256("\x1f".join((NAMESPACE, *parts)).encode("utf-8")).digest()[:8], "big"
    )
    chars = []
    for _ in range(8):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def item_key(paper_id: str) -> str:
    """Key of the paper's preprint item."""
    return object_key("item", paper_id)


def note_key(paper_id: str) -> str:
    """Key of the paper's commentary note."""
    return object_key("note", paper_id)


def attachment_key(paper_id: str, kind: str) -> str:
    """Key of an attachment the tool owns on the paper's item (`kind`: what it links to)."""
    return object_key("attachment", kind, paper_id)


def collection_key(name: str, parent: str | None) -> str:
    """Key for a collection this project creates, named `name` under `parent` (or top level)."""
    return object_key("collection", parent or "", name)
