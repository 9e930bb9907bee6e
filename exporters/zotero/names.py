"""An author as written in a digest -> a Zotero creator, split by `exportdigest.names`."""

from __future__ import annotations

from exportdigest.names import MAX_PART, split_name


def creator(name: str) -> dict[str, str] | None:
    """The Zotero `author` creator for one author name, or None for a blank name.

    Two fields, `firstName` and `lastName` (family name and suffix: Zotero has no suffix
    field), or the one field `name` for a name kept whole.
    """
    parts = split_name(name)
    if parts is None:
        return None
    if parts.literal:
        return {"creatorType": "author", "name": parts.literal[:MAX_PART]}
    return {"creatorType": "author", "firstName": parts.given, "lastName": parts.last}
