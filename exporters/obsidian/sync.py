"""Bringing a note up to date without losing the user's work.

The tool owns a fixed set of property keys and the text between the block markers. The
`out` fingerprint in the begin marker is a hash of exactly that, as last written: when the
note still hashes to it, nothing the tool wrote was edited and the note may be updated.
Everything else (other properties, text outside the block) is the user's and is copied
through byte for byte. Items the user appended to `tags` or `aliases` are theirs too.

A note that already holds what the tool would write is left as it is, whatever its `in`
fingerprint says (so notes of an older version are not rewritten for a new fingerprint, nor
to give their marker the `id` 0.1 did not write: that comes with their next real update).
An edited note is left too while the tool would write what it wrote last time (same `out`);
only when both the user and the tool changed it is it a conflict.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import yaml

from exportdigest.exporter import CONFLICT, UNCHANGED, UPDATED

from . import note, properties
from .context import APPENDABLE, OPTIONAL

# A link's shown text may hold single brackets (`[[Papers/X|A [v2] title]]`), not `[[`/`]]`.
_LINK = re.compile(r"\[\[([^\[\]|]*)(\|(?:[^\[\]]|\[(?!\[)|\](?!\]))*)?\]\]")
_MISSING = "\0missing"
_EMPTY: tuple[object, ...] = ([], None, _MISSING)  # values that count as no value
_MAX_TRIES = 4096


@dataclass(frozen=True)
class Desired:
    """What the tool wants a note to hold: its properties, its block text, its fingerprint."""

    properties: dict
    inner: str
    h_in: str
    id: str  # whose note it is, for the marker (see note.py)

    @functools.cached_property
    def h_out(self) -> str:
        """The hash of the tool's part, as `content_hash` makes it."""
        return content_hash(self.properties, self.inner)

    def out_as(self, block: note.Block) -> str:
        """The hash of the tool's part made the way `block`'s marker was (0.1's or this)."""
        if block.id is None:
            return content_hash(self.properties, self.inner, legacy=True)
        return self.h_out

    @property
    def marker(self) -> str:
        """The begin marker carrying both fingerprints and the note's id."""
        return note.begin_marker(self.h_in, self.h_out, self.id)


@dataclass(frozen=True)
class Decision:
    """What to do with one note; `text` is the new content when it must be written."""

    action: str
    text: str | None = None
    reason: str = ""


def new_note(desired: Desired) -> str:
    """The full text of a note created from scratch."""
    return note.join(
        properties.emit(desired.properties), note.fresh_body(desired.marker, desired.inner)
    )


def merge(text: str, desired: Desired, force: bool = False) -> Decision:
    """The note `text` brought up to date, or a conflict when the user edited the tool's part."""
    parts = note.split(text)
    if parts.properties is None:
        return Decision(CONFLICT, reason="its properties (the --- block at the top) were removed")
    try:
        props = properties.parse(parts.properties)
    except properties.PropertiesError as exc:
        return Decision(CONFLICT, reason=f"its properties are not valid YAML: {exc}")
    keys = tuple(desired.properties)
    try:
        block: note.Block | None = note.find_block(parts.body)
    except note.BlockError as exc:
        if not force:
            return Decision(CONFLICT, reason=str(exc))
        block = None
    found = None
    if block is not None:
        legacy = block.id is None
        # An optional property the tool no longer writes is still the tool's if it wrote it.
        dropped = tuple(k for k in OPTIONAL if k not in keys and k in props.values)
        if dropped:
            found = _user_additions(props.values, keys + dropped, block.inner, block.h_out, legacy)
            keys = keys + dropped if found is not None else keys
        if found is None:
            found = _user_additions(props.values, keys, block.inner, block.h_out, legacy)
        if found is None:  # edited, but perhaps into exactly what the tool now writes
            found = _user_additions(props.values, keys, block.inner, desired.h_out, False)
        if found is None and not force:
            if block.h_out == desired.out_as(block):
                # The tool would write what it wrote last time: nothing to bring in, so the
                # user's edit of the tool's part stays, as while the paper is unchanged.
                return Decision(UNCHANGED)
            return Decision(CONFLICT, reason=_edited(keys, block))
    additions = found if found is not None else _leftovers(props.values, desired.properties)
    values = _with_additions(desired.properties, additions)
    if block is not None and _holds(props.values, block, values, desired):
        return Decision(UNCHANGED)
    front = _properties_text(props, values, keys)
    if block is None:
        body = f"{desired.marker}\n{desired.inner}{note.END}\n{parts.body}"
    else:
        body = block.body(desired.marker, desired.inner)
    updated = note.join(front, body)
    return Decision(UNCHANGED) if updated == text else Decision(UPDATED, updated)


def _holds(have: Mapping, block: note.Block, values: Mapping, desired: Desired) -> bool:
    """Whether the note already holds what the tool would write, in whatever YAML layout.

    Only the `in` fingerprint of its marker may differ (made by another version, or from
    inputs that do not show): such a note is left as it is, not rewritten.
    """
    return (
        block.inner == desired.inner
        and block.h_out == desired.out_as(block)
        and all(
            have.get(key, _MISSING) == value
            or (have.get(key, _MISSING) in _EMPTY and value in _EMPTY)
            for key, value in values.items()
        )
    )


def content_hash(values: Mapping[str, object], inner: str, legacy: bool = False) -> str:
    """Hash of the tool's part of a note: 8 hex for the properties, 8 for the block text.

    Links are left out: Obsidian rewrites them when the user renames a note, and that is
    not an edit. So are trailing blanks, which editors strip, and empty properties
    (`aliases: []`, `aliases:` and no `aliases` mean the same to Obsidian). `legacy` makes
    the hash of a 0.1 marker, which kept a link's shown text when it was not the name.
    """
    present = {k: v for k, v in values.items() if v not in _EMPTY}
    props = json.dumps(present, ensure_ascii=False, sort_keys=True, default=_iso)
    text = _unlink(inner, legacy).replace("\r\n", "\n")
    text = _without_trailing_blanks(text).rstrip("\n")
    return _h(_unlink(props, legacy)) + _h(text)


def _without_trailing_blanks(text: str) -> str:
    if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):
        return "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    return text


def _h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _unlink(text: str, legacy: bool) -> str:
    if "[[" not in text:
        return text
    return _LINK.sub(_legacy_link if legacy else "[[]]", text)


def _legacy_link(match: re.Match) -> str:
    """0.1 wrote `[[Name]]`, or `[[Name|Title]]` when the title was not the name: a link
    showing its note's name (as `[[Folder/Name|Name]]` does now) hashes as `[[Name]]`."""
    target, shown = match.group(1), match.group(2)
    if not shown or shown[1:] == target.rsplit("/", 1)[-1]:
        return "[[]]"
    return f"[[{shown}]]"


def _iso(value: object) -> str:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return repr(value)


def _user_additions(
    values: Mapping, keys: Sequence[str], inner: str, target: str, legacy: bool
) -> dict[str, list] | None:
    """The items the user appended to list properties, if the rest hashes to `target`."""
    current = {k: values.get(k, _MISSING) for k in keys}
    lists = [k for k in APPENDABLE if isinstance(current.get(k), list)]
    cuts = itertools.product(*(range(len(current[k]), -1, -1) for k in lists))
    inner_hash = content_hash({}, inner, legacy)[8:]
    if inner_hash != target[8:]:
        return None
    for cut in itertools.islice(cuts, _MAX_TRIES):
        candidate = dict(current)
        for key, n in zip(lists, cut, strict=True):
            candidate[key] = current[key][:n]
        if content_hash(candidate, "", legacy)[:8] == target[:8]:
            return {key: current[key][n:] for key, n in zip(lists, cut, strict=True)}
    return None


def _leftovers(values: Mapping, wanted: Mapping) -> dict[str, list]:
    """With --force over an edited note: keep list items the tool would not write itself."""
    out = {}
    for key in APPENDABLE:
        have, new = values.get(key), wanted.get(key)
        if isinstance(have, list) and isinstance(new, list):
            out[key] = have
    return out


def _with_additions(wanted: Mapping, additions: Mapping[str, list]) -> dict:
    values = dict(wanted)
    for key, extra in additions.items():
        if key in values and extra:
            seen = {str(v).casefold() for v in values[key]}
            kept = [v for v in extra if str(v).casefold() not in seen]
            values[key] = [*values[key], *kept]
    return values


def _edited(keys: Sequence[str], block: note.Block) -> str:
    if content_hash({}, block.inner, block.id is None)[8:] != block.h_out[8:]:
        where = "the text between its exportdigest markers"
    else:
        where = "properties exportdigest writes (" + ", ".join(keys) + ")"
    return f"you edited {where}"


def _properties_text(props: properties.Properties, values: Mapping, keys: Sequence[str]) -> str:
    """The tool's properties first, then the user's exactly as they were."""
    ours = properties.emit(values)
    if props.positional:
        theirs = "".join(props.raw(k) for k in props.spans if k not in keys)
        if theirs and not theirs.endswith("\n"):
            theirs += "\n"
        return props.preamble() + ours + theirs
    rest = {k: v for k, v in props.values.items() if k not in keys}
    if not rest:
        return ours
    return ours + yaml.safe_dump(rest, allow_unicode=True, sort_keys=False, width=1 << 30)
