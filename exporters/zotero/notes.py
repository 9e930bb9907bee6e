"""The commentary as a Zotero note: escaped HTML, Korean and English each under a heading."""

from __future__ import annotations

import html
from html.parser import HTMLParser

KOREAN_HEADING = "한국어"
ENGLISH_HEADING = "English"
_BLOCKS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote"})


def note_html(title: str, ko: str, en: str) -> str | None:
    """The note's HTML, or None when there is no commentary at all.

    Each line of a commentary becomes one paragraph, so the text comes back line for line.
    """
    sections = [(KOREAN_HEADING, ko), (ENGLISH_HEADING, en)]
    if not any(text for _, text in sections):
        return None
    parts = [f"<h1>{_escape(title)}</h1>"]
    for heading, text in sections:
        if text:
            parts.append(f"<h2>{heading}</h2>")
            parts.extend(f"<p>{_escape(line)}</p>" for line in text.split("\n"))
    return "\n".join(parts)


def blocks(note: str) -> list[tuple[str, str]]:
    """The note's block elements in order, as (tag, unescaped text); wrappers are ignored."""
    reader = _BlockReader()
    reader.feed(note)
    reader.close()
    return reader.found


def sections(note: str) -> dict[str, str]:
    """The text under each h2 heading of a note written by `note_html`, lines joined by \\n."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for tag, text in blocks(note):
        if tag == "h2":
            current = found.setdefault(text, [])
        elif tag == "p" and current is not None:
            current.append(text)
    return {heading: "\n".join(lines) for heading, lines in found.items()}


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


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
