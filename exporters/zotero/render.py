"""Entry -> the Zotero objects for one paper: a `preprint` item and its commentary note."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from exportdigest import arxiv
from exportdigest.extra import id_line
from exportdigest.model import ArxivRecord, Entry
from exportdigest.text import one_line

from . import fingerprint
from .keys import attachment_key, item_key, note_key
from .names import creator
from .notes import Blocks, note_blocks, to_html

PDF_LINK_TITLE = "Full Text PDF"  # what Zotero's own arXiv translator names it
MAX_TAG = 255  # longest tag the Zotero server stores
# C0/C1 control characters other than tab and newline, lone surrogates and the noncharacters
# U+FFFE/U+FFFF: not storable as text (nor valid in a note's markup).
_UNSTORABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NEW_STYLE = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")
_OLD_STYLE = re.compile(r"/(\d{2})(\d{2})\d{3}$")


@dataclass(frozen=True)
class Paper:
    """What this project owns of one paper in Zotero, ready to merge into the library."""

    id: str
    title: str
    day: dt.date
    item: dict[str, Any]  # the preprint's fields, creators, tags and `extra`
    blocks: Blocks | None  # the commentary note's blocks, None when there is no commentary
    arxiv: bool  # whether the arXiv fields are part of what we own
    extra_lines: tuple[str, ...] = ()  # our arXiv lines of `extra`
    pdf: str = ""  # the arXiv PDF's URL ("" while the paper's arXiv id is unknown)

    @cached_property
    def note(self) -> str | None:
        """The commentary note's HTML (None without commentary)."""
        return to_html(self.blocks) if self.blocks is not None else None

    @property
    def item_key(self) -> str:
        """Key of the preprint item."""
        return item_key(self.id)

    @property
    def note_key(self) -> str:
        """Key of the commentary note."""
        return note_key(self.id)

    @cached_property
    def pdf_link(self) -> Attachment | None:
        """The linked-URL attachment to its arXiv PDF (None while its arXiv id is unknown)."""
        if not self.pdf:
            return None
        return Attachment(
            self.id, "arxiv-pdf", self.item_key, PDF_LINK_TITLE, self.pdf, "application/pdf"
        )

    @cached_property
    def item_fp(self) -> str:
        """Fingerprint of the item as we render it."""
        return fingerprint.item_fp(self.item, self.arxiv)

    @cached_property
    def note_fp(self) -> str:
        """Fingerprint of the note as we render it ("-" without a note)."""
        return fingerprint.blocks_fp(self.blocks)


@dataclass(frozen=True)
class Attachment:
    """A linked-URL attachment the tool owns on a paper's item (its PDF, its Obsidian note)."""

    paper_id: str
    kind: str  # what it links to: one attachment of each kind per item
    parent: str  # the item's key
    title: str
    url: str
    content_type: str = ""

    @property
    def key(self) -> str:
        """Its deterministic key."""
        return attachment_key(self.paper_id, self.kind)

    @property
    def fields(self) -> dict[str, Any]:
        """The fields the tool owns, as the Web API takes a linked-URL attachment."""
        return {
            "itemType": "attachment",
            "parentItem": self.parent,
            "linkMode": "linked_url",
            "title": self.title,
            "url": self.url,
            "contentType": self.content_type,
        }

    @property
    def fp(self) -> str:
        """Fingerprint of what the tool owns of it."""
        return fingerprint.attachment_fp(self.fields)


def clean(text: str) -> str:
    """Text Zotero can store: line ends unified, control characters dropped."""
    return _UNSTORABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def one_line_field(text: str) -> str:
    """Text for a one-line field (title, tag): storable, on one line, without outer spaces."""
    return one_line(clean(text)).strip()


def paper(entry: Entry) -> Paper:
    """The Zotero objects for an entry."""
    title = one_line_field(entry.title)
    item: dict[str, Any] = {
        "itemType": "preprint",
        "title": title,
        "creators": [c for c in (creator(clean(a)) for a in entry.authors) if c],
        "abstractNote": clean(entry.abstract),
        "tags": _tags(entry.tags),
    }
    record = entry.arxiv
    lines = extra_lines(record) if record else ()
    item["extra"] = "\n".join([*lines, id_line(entry.id)])
    if record:
        item.update(arxiv_fields(record.id))
    blocks = note_blocks(title, clean(entry.commentary.ko), clean(entry.commentary.en))
    pdf = record.pdf if record else ""
    return Paper(entry.id, title, entry.date, item, blocks, bool(record), lines, pdf)


def extra_lines(record: ArxivRecord) -> tuple[str, ...]:
    """Our `extra` lines for what arXiv told a lookup: the primary category (as Zotero's
    arXiv translator notes it) and the published version's DOI (the DOI field holds arXiv's)."""
    lines = []
    if record.primary_category:
        lines.append(f"{fingerprint.ARXIV_LABELS[0]}{record.primary_category}")
    if record.journal_doi:
        lines.append(f"{fingerprint.ARXIV_LABELS[1]}{record.journal_doi}")
    return tuple(lines)


def arxiv_fields(identifier: str) -> dict[str, str]:
    """The fields Zotero's own arXiv translator fills for a preprint with this arXiv id."""
    fields = {
        "url": arxiv.abs_url(identifier),
        "repository": "arXiv",
        "archiveID": arxiv.archive_id(identifier),
        "DOI": arxiv.doi(identifier),
        "date": "",
    }
    month = _NEW_STYLE.match(identifier) or _OLD_STYLE.search(identifier)
    if month:
        year = int(month.group(1))
        century = 2000 if year < 91 else 1900  # arXiv began in 1991
        fields["date"] = f"{century + year:04d}-{month.group(2)}"
    return fields


def _tags(tags: tuple[str, ...]) -> list[dict[str, Any]]:
    """Hashtags as automatic tags (type 1), so they stay apart from the user's own tags."""
    seen: dict[str, None] = {}
    for tag in tags:
        name = one_line_field(tag)[:MAX_TAG].strip()
        if name:
            seen.setdefault(name, None)
    return [{"tag": name, "type": 1} for name in seen]
