"""The Zotero schema's field lists for the item types we write, checked before anything is sent.

`schema.json` beside this module is the `preprint`, `note` and `attachment` part of the
official zotero-schema `schema.json` (version 41), copied verbatim.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

# Properties every item may carry besides its type's fields.
COMMON = frozenset(
    {"key", "version", "itemType", "tags", "relations", "deleted", "dateAdded", "dateModified"}
)

# An attachment's properties besides its type's fields (the Web API's template for one).
ATTACHMENT = frozenset({"linkMode", "contentType", "charset", "note", "parentItem"})


@cache
def item_types() -> dict[str, dict[str, Any]]:
    """itemType -> {"fields": set of field names, "creatorTypes": set of creator types}."""
    text = resources.files(__package__).joinpath("schema.json").read_text("utf-8")
    return {
        t["itemType"]: {
            "fields": {f["field"] for f in t["fields"]},
            "creatorTypes": {c["creatorType"] for c in t["creatorTypes"]},
        }
        for t in json.loads(text)["itemTypes"]
    }


def problems(obj: dict[str, Any]) -> list[str]:
    """What makes `obj` (an item as the Web API takes it) invalid for its type; [] if valid."""
    kind = item_types().get(obj.get("itemType", ""))
    if kind is None:
        return [f"unknown item type {obj.get('itemType')!r}"]
    if obj["itemType"] == "note":
        allowed = COMMON | {"note", "parentItem", "collections"}
    elif obj["itemType"] == "attachment":  # a link: no file properties (md5, filename...)
        allowed = COMMON | kind["fields"] | ATTACHMENT
    else:
        allowed = COMMON | kind["fields"] | {"creators", "collections"}
    found = [f"{name!r} is not a {obj['itemType']} field" for name in obj if name not in allowed]
    for name in obj.keys() & kind["fields"]:
        if not isinstance(obj[name], str):
            found.append(f"{name} must be text")
    for person in obj.get("creators", ()):
        if person.get("creatorType") not in kind["creatorTypes"]:
            found.append(f"creator type {person.get('creatorType')!r} is not allowed")
    return found
