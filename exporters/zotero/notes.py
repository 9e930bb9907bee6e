"""The commentary as a Zotero note: escaped HTML, Korean and English each under a heading."""

from __future__ import annotations

import html
from html.parser import HTMLParser

KOREAN_HEADING = "한국어"
ENGLISH_HEADING = "English"
_BLOCKS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote"})


Blocks = list[tuple[str, str]]  # (tag, text) of each block element, in order


def note_blocks(title: str, ko: str, en: str) -> Blocks | None:
    """The note's blocks, or None when there is no commentary at all.

    Each line of a commentary becomes one paragraph, so the text comes back line for line.
    """
    sections = [(KOREAN_HEADING, ko), (ENGLISH_HEADING, en)]
    if not any(text for _, text in sections):
        return None
    found = [("h1", title)]
    for heading, text in sections:
        if text:
            found.append(("h2", heading))
            found.extend(("p", line) for line in text.split("\n"))
    return found


def to_html(blocks: Blocks) -> str:
    """The blocks as HTML, their text escaped."""
    return "\n".join(f"<{tag}>{html.escape(text, quote=False)}</{tag}>" for tag, text in blocks)


def blocks(note: str) -> list[tuple[str, str]]:
    """The note's block elements in order, as (tag, unescaped text); wrappers are ignored."""
    reader = _BlockReader()
    reader.feed(note)
    reader.close()
    return reader.found


class _BlockReader(HTMLParser):
    """Collects the text of block elements (h1-h6, p, li, ...), whatever wraps them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._tag: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _BLOCKS:
            self._flush()
            self._tag = tag
        elif tag == "br" and self._tag:
            self._text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._tag:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._tag:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        if self._tag is not None:
            self.found.append((self._tag, "".join(self._text)))
        self._tag, self._text = None, []
