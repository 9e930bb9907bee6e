"""The entry model every exporter is fed: one immutable `Entry` per paper."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from hashlib import sha256

from . import arxiv

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_ASCII_PUNCTUATION = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})


def normalise_title(title: str) -> str:
    """Fold a title to the form two postings of the same paper share (NFKC, case, punctuation)."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    if folded.isascii():  # the same fold as the regex's, for most titles, without the regex
        return " ".join(folded.translate(_ASCII_PUNCTUATION).split())
    return " ".join(_NON_WORD.sub(" ", folded).split())


def paper_id(title: str) -> str:
    """Stable id of a paper: the same on every run and machine, and for every posting of it."""
    return folded_id(normalise_title(title))


def folded_id(folded: str) -> str:
    """The 16-hex-digit id of folded text: a title folded by `normalise_title`, or the
    reader's seed for a namesake (its title, text key and first author)."""
    return sha256(folded.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Source:
    """One place a paper was seen: the digest file, the line of its title, its day and part."""

    path: str
    line: int
    date: dt.date
    part: int = 1

    def as_dict(self) -> dict:
        """Plain JSON-ready form."""
        return {
            "path": self.path,
            "line": self.line,
            "date": self.date.isoformat(),
            "part": self.part,
        }


@dataclass(frozen=True, slots=True)
class Commentary:
    """The curator's commentary, by language; each is paragraphs joined by newlines."""

    ko: str = ""
    en: str = ""

    def as_dict(self) -> dict:
        """Plain JSON-ready form."""
        return {"ko": self.ko, "en": self.en}


@dataclass(frozen=True, slots=True)
class ArxivRecord:
    """What arXiv says of a paper: its id (no version) and the links and dates it gives."""

    id: str
    version: int | None = None
    primary_category: str | None = None
    published: str | None = None  # the first version's date, YYYY-MM-DD
    journal_doi: str | None = None  # the published version's DOI, when arXiv lists one

    @property
    def url(self) -> str:
        """The abstract page (newest version)."""
        return arxiv.abs_url(self.id)

    @property
    def pdf(self) -> str:
        """The PDF (newest version)."""
        return arxiv.pdf_url(self.id)

    @property
    def doi(self) -> str:
        """arXiv's own DOI for the paper."""
        return arxiv.doi(self.id)

    def as_dict(self) -> dict:
        """Plain JSON-ready form, keys in the documented order."""
        return {
            "id": self.id,
            "version": self.version,
            "url": self.url,
            "pdf": self.pdf,
            "doi": self.doi,
            "primary_category": self.primary_category,
            "published": self.published,
            "journal_doi": self.journal_doi,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ArxivRecord:
        """The record `as_dict` gave (the derived links are not read back)."""
        return cls(
            id=data["id"],
            version=data.get("version"),
            primary_category=data.get("primary_category"),
            published=data.get("published"),
            journal_doi=data.get("journal_doi"),
        )


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper, merged over every digest it appears in."""

    id: str
    title: str
    authors: tuple[str, ...]
    abstract: str
    commentary: Commentary
    tags: tuple[str, ...]
    date: dt.date
    sources: tuple[Source, ...]
    urls: tuple[str, ...] = field(default=())
    arxiv: ArxivRecord | None = None  # set by the enrichment step (links, lookup, config)

    def as_dict(self) -> dict:
        """The jsonl dump form: plain JSON values, keys in the documented order."""
        return {
            "id": self.id,
            "title": self.title,
            "authors": list(self.authors),
            "abstract": self.abstract,
            "commentary": self.commentary.as_dict(),
            "tags": list(self.tags),
            "date": self.date.isoformat(),
            "sources": [source.as_dict() for source in self.sources],
            "urls": list(self.urls),
            "arxiv": self.arxiv.as_dict() if self.arxiv else None,
        }


# An arXiv page's link, by the one id grammar (`arxiv.NEW_STYLE`, `arxiv.OLD_STYLE`); only the
# host is matched in any case.
_ARXIV_URL = re.compile(
    rf"(?i:arxiv\.org)/(?:abs|pdf|html)/({arxiv.NEW_STYLE.pattern}|{arxiv.OLD_STYLE.pattern})"
    r"(?:v\d+)?(?!\d)"
)


def arxiv_id(entry: Entry) -> str | None:
    """The arXiv id of the paper when one of its own links is an arXiv page, else None.

    Only the abstract's links count: commentary often cites *other* papers on arXiv.
    """
    for url in entry.urls:
        if url in entry.abstract:
            match = _ARXIV_URL.search(url)
            if match:
                return match.group(1)
    return None
