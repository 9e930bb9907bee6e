"""RIS records: the field table (what Zotero's RIS import reads) and the record writer."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from exportdigest.extra import published_line
from exportdigest.names import Name
from exportdigest.text import one_line

from . import Citation, citation

if TYPE_CHECKING:
    from exportdigest.model import Entry

# RIS has no preprint type. Zotero reads JOUR, GEN, UNPB and any unknown type alike (as a
# journal article); UNPB ("unpublished work") is what a preprint is, and managers that know
# the type (EndNote, JabRef) keep it as such instead of a journal article with no journal.
RECORD_TYPE = "UNPB"
NEWLINE = "\r\n"  # the RIS specification's line end
# Zotero reads these two verbatim; every other value goes through its HTML unescaping.
VERBATIM_TAGS = frozenset({"AB", "N1"})
NOTE_HEADINGS = {"ko": "Commentary: Korean", "en": "Commentary: English"}
_TAG_START = re.compile(r"<[A-Za-z/!?]")  # what an HTML parser takes for markup


def ris_name(name: Name) -> str:
    """`Family, Given[, Suffix]`, or the single-field name with no comma."""
    if name.literal:
        return name.literal
    return ", ".join(part for part in (name.family, name.given, name.suffix) if part)


def note_html(heading: str, text: str) -> str:
    """A Zotero note: a heading and a paragraph per line, text HTML-escaped.

    Zotero's own RIS export writes notes as HTML, and its import keeps an N1 holding a tag
    as HTML, so paragraphs survive. The heading starts with `Commentary:` so that Zotero's
    ProCite clean-up, which rewrites notes opening with labels like `Notes:`, leaves it be.
    """
    paragraphs = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in text.split("\n"))
    return f"<h1>{heading}</h1>{paragraphs}"


def _notes(c: Citation) -> list[str]:
    texts = (("ko", c.ko), ("en", c.en))
    return [note_html(NOTE_HEADINGS[lang], text) for lang, text in texts if text]


def _extra(c: Citation) -> list[str]:
    published = published_line(c.journal_doi)
    return [f"arXiv: {c.arxiv}" if c.arxiv else "", published, c.id_line]


# The field table, in Zotero's own export order: tag -> the values it takes for a paper.
# M2 lands in Zotero's Extra field (one line per M2); ID is what other managers keep.
FIELDS: tuple[tuple[str, Callable[[Citation], Iterable[str | None]]], ...] = (
    ("TI", lambda c: [c.title]),
    ("AU", lambda c: [ris_name(n) for n in c.names]),
    ("AB", lambda c: [c.abstract]),
    ("DA", lambda c: [f"{c.date.year:04d}/{c.date.month:02d}/{c.date.day:02d}/"]),
    ("PY", lambda c: [f"{c.date.year:04d}"]),
    ("DO", lambda c: [c.doi]),
    ("UR", lambda c: [c.url]),
    ("M2", _extra),
    ("ID", lambda c: [c.id]),
    ("N1", _notes),
    ("KW", lambda c: c.tags),
)


def zotero_safe(value: str) -> str:
    """Value escaped for Zotero's HTML unescaping of RIS fields, only when it would change.

    Zotero runs TI, AU, KW, UR... through an HTML parser: `<b>` would vanish and `&amp;`
    turn into `&`. Such values are escaped; plain ones (`Analyzing & Reducing`) stay as they
    are, so other managers show them unchanged too.
    """
    if "<" not in value and "&" not in value:
        return value
    if _TAG_START.search(value) or ("&" in value and html.unescape(value) != value):
        return html.escape(value, quote=False)
    return value


def record(c: Citation) -> str:
    """One record: `TY` first, a line per value, `ER` last, then a blank line."""
    lines = [f"TY  - {RECORD_TYPE}"]
    for tag, values in FIELDS:
        for value in values(c):
            if not value:
                continue
            text = one_line(value).strip()
            if tag not in VERBATIM_TAGS:
                text = zotero_safe(text)
            if text:
                lines.append(f"{tag}  - {text}")
    lines += ["ER  - ", ""]
    return NEWLINE.join(lines) + NEWLINE


def records(entries: Iterable[Entry]) -> Iterator[str]:
    """A record per entry."""
    for entry in entries:
        yield record(citation(entry))
