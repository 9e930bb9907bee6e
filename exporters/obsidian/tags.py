"""Digest hashtags as Obsidian tags: only letters, digits, `_`, `-` and `/`, never all digits."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable


@functools.lru_cache(maxsize=4096)  # a vault's papers share a few hundred hashtags
def obsidian_tag(tag: str) -> str:
    """The Obsidian tag for a digest hashtag ("" when nothing of it is usable).

    Characters Obsidian does not allow in tags become `_`; `/` keeps meaning nesting (empty
    levels dropped); a tag made only of digits (`2024`, which Obsidian does not take as a
    tag) gets a leading `_`.
    """
    text = unicodedata.normalize("NFC", tag).lstrip("#")
    text = "".join(c if _allowed(c) else "_" for c in text)
    text = "/".join(part for part in text.split("/") if part)
    if text and all(c.isdigit() or c == "/" for c in text):
        text = "_" + text
    return text


def obsidian_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags mapped with `obsidian_tag`, empty ones dropped, case-insensitive duplicates merged."""
    seen: dict[str, str] = {}
    for tag in tags:
        mapped = obsidian_tag(tag)
        if mapped:
            seen.setdefault(mapped.casefold(), mapped)
    return tuple(seen.values())


def _allowed(char: str) -> bool:
    return char in "_-/" or unicodedata.category(char)[0] in "LMN"
