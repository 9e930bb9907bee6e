"""The layout of a note the tool writes: properties, then a managed block, then the user's text.

    ---
    <properties>
    ---
    %% exportdigest:begin in=<16 hex> out=<16 hex> id=<note id> - edit outside this block %%
    <text the tool owns>
    %% exportdigest:end %%
    <the user's text>

`in` fingerprints what the text was made from, `out` what the tool wrote (see sync.py).
`id` says whose note it is (the paper id, `digest/<day>` or `index`, as in the properties),
so a note whose properties were broken is still found. Version 0.1 wrote no `id`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FENCE = "---"
END = "%% exportdigest:end %%"
# The block's opening line; the vault's scan reads it from the note's bytes with the same text.
BEGIN_PATTERN = (
    r"^%% exportdigest:begin in=(?P<h_in>[0-9a-f]{16}) out=(?P<h_out>[0-9a-f]{16})"
    r"(?: id=(?P<id>[^\s%]+))?\b[^\n]*%%[ \t]*\r?$"
)
_BEGIN = re.compile(BEGIN_PATTERN, re.MULTILINE)
_END = re.compile(r"^%% exportdigest:end %%[ \t]*(?:\r?\n|\Z)", re.MULTILINE)
_FENCE_LINE = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)


def begin_marker(h_in: str, h_out: str, note_id: str) -> str:
    """The block's opening line, with its two fingerprints and whose note it is."""
    return f"%% exportdigest:begin in={h_in} out={h_out} id={note_id} - edit outside this block %%"


@dataclass(frozen=True)
class Parts:
    """A note cut into its properties text (None when it has none) and its body."""

    properties: str | None
    body: str


def split(text: str) -> Parts:
    """Cut off the properties block: a `---` first line up to the next `---` line."""
    first_end = text.find("\n")
    if first_end < 0 or text[:first_end].rstrip(" \t\r") != FENCE:
        return Parts(None, text)
    close = _FENCE_LINE.search(text, first_end + 1)
    if close is None:
        return Parts(None, text)
    body_start = text.find("\n", close.end())
    body_start = len(text) if body_start < 0 else body_start + 1
    return Parts(text[first_end + 1 : close.start()], text[body_start:])


def join(properties: str, body: str) -> str:
    """A note from its properties text (ending in a newline) and body."""
    return f"{FENCE}\n{properties}{FENCE}\n{body}"


@dataclass(frozen=True)
class Block:
    """The managed block of a body and the user text around it."""

    before: str
    inner: str
    after: str
    h_in: str
    h_out: str
    id: str | None  # None in a note written by 0.1

    def body(self, marker: str, inner: str) -> str:
        """The body with this block's text replaced (the user's text around it kept)."""
        return f"{self.before}{marker}\n{inner}{END}\n{self.after}"


class BlockError(ValueError):
    """The block markers are missing, doubled or out of order."""


def find_block(body: str) -> Block:
    """The managed block of `body`; BlockError when its markers are not there exactly once."""
    begins = list(_BEGIN.finditer(body))
    if not begins:
        raise BlockError("its exportdigest block markers were removed")
    if len(begins) > 1:
        raise BlockError("it holds more than one exportdigest block")
    begin = begins[0]
    newline = body.find("\n", begin.end())
    end = _END.search(body, newline + 1) if newline >= 0 else None
    if end is None:
        raise BlockError("the end marker of its exportdigest block was removed")
    return Block(
        before=body[: begin.start()],
        inner=body[newline + 1 : end.start()],
        after=body[end.end() :],
        h_in=begin["h_in"],
        h_out=begin["h_out"],
        id=begin["id"],
    )


def fresh_body(marker: str, inner: str) -> str:
    """The body of a new note: the block, then an empty line for the user to write on."""
    return f"{marker}\n{inner}{END}\n\n"
