"""arXiv's Atom answers read into records (feedparser does the XML; this, arXiv's fields)."""

from __future__ import annotations

from dataclasses import dataclass

from . import arxiv
from .model import ArxivRecord


class FeedError(Exception):
    """arXiv answered an error entry (a bad query or id), or something that is not its feed."""


@dataclass(frozen=True)
class Found:
    """One entry of a result page: the record, and the title and authors to compare."""

    record: ArxivRecord
    title: str
    authors: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    """One answer: its entries and what the feed says of the whole result."""

    entries: list[Found]
    total: int
    start: int

    @property
    def complete(self) -> bool:
        """Whether this page holds every result from its start on."""
        return self.start + len(self.entries) >= self.total


def parse(text: str | bytes) -> Page:
    """The entries of an arXiv API answer; FeedError for an error feed or a foreign body."""
    import feedparser  # type: ignore[import-untyped]  # here: only a run with --arxiv pays

    feed = feedparser.parse(text)
    total = feed.feed.get("opensearch_totalresults")
    if total is None:
        raise FeedError("not an arXiv API feed")
    found = []
    for entry in feed.entries:
        link = entry.get("id", "")
        if "/api/errors" in link or entry.get("title") == "Error":
            raise FeedError(" ".join(entry.get("summary", "error").split()))
        record = _record(entry)
        if record is not None:
            title = " ".join(entry.get("title", "").split())
            authors = tuple(" ".join(a.get("name", "").split()) for a in entry.get("authors", ()))
            found.append(Found(record, title, authors))
    return Page(found, int(total), int(feed.feed.get("opensearch_startindex") or 0))


def _record(entry: dict) -> ArxivRecord | None:
    """The record of one feed entry (None when its id is not an arXiv abstract link)."""
    tail = entry.get("id", "").rsplit("/abs/", 1)
    parts = arxiv.split_version(tail[1]) if len(tail) == 2 else None
    if parts is None:
        return None
    primary = entry.get("arxiv_primary_category") or {}
    published = entry.get("published") or ""
    return ArxivRecord(
        id=parts[0],
        version=parts[1],
        primary_category=primary.get("term") or None,
        published=published[:10] or None,
        journal_doi=(entry.get("arxiv_doi") or "").strip() or None,
    )
