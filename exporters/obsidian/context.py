"""What each template is given, the tool-owned properties of each note, and fingerprints."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from exportdigest.model import Entry, Source

# The property that marks the tool's tag, digest-day and index notes (papers: `paper_id`).
KIND_KEY = "exportdigest"
# Lists the user may append to (their additions are kept, not taken as edits).
APPENDABLE = ("tags", "aliases")
# Properties the tool writes only when it has a value (the paper's Zotero item): a note
# without one is what it was before the tool knew of them.
OPTIONAL = ("zotero",)


class Listed(NamedTuple):
    """What the digest notes and the index show of a paper."""

    id: str
    title: str
    date: dt.date  # first posting
    sources: tuple[Source, ...]  # every posting (its path is not used)

    def as_json(self) -> list:
        """Compact form for the vault's cache."""
        days = [[s.date.isoformat(), s.part, s.line] for s in self.sources]
        return [self.title, self.date.isoformat(), days]

    @classmethod
    def from_json(cls, paper_id: str, data: Sequence) -> Listed:
        """Inverse of `as_json`."""
        title, date, sources = data
        return cls(
            paper_id,
            title,
            dt.date.fromisoformat(date),
            tuple(Source("", int(n), dt.date.fromisoformat(d), int(p)) for d, p, n in sources),
        )


def listed(entry: Entry) -> Listed:
    """The listing of a paper from its entry."""
    return Listed(entry.id, entry.title, entry.date, entry.sources)


def short_title(title: str) -> str:
    """The name a paper goes by: the part of its title before the colon ("" if none)."""
    head, colon, _rest = title.partition(":")
    head = head.strip().lstrip("#").strip()
    return head if colon and head else ""


def digest_days(entry: Entry) -> list[tuple[str, list[int]]]:
    """The days the paper was posted on, each with its digest parts, in date order."""
    days: dict[str, list[int]] = {}
    for source in entry.sources:
        parts = days.setdefault(source.date.isoformat(), [])
        if source.part not in parts:
            parts.append(source.part)
    return sorted((day, sorted(parts)) for day, parts in days.items())


def paper_context(
    entry: Entry,
    tags: Sequence[str],
    tag_links: Sequence[str],
    days: Sequence[tuple[str, list[int]]],
    day_links: Mapping[str, str],
) -> dict:
    """The variables of the paper and file-name templates."""
    return {
        "id": entry.id,
        "title": entry.title,
        "short_title": short_title(entry.title),
        "authors": list(entry.authors),
        "abstract": entry.abstract,
        "ko": entry.commentary.ko,
        "en": entry.commentary.en,
        "tags": list(tags),
        "tag_links": list(tag_links),
        "date": entry.date.isoformat(),
        "digests": [{"date": d, "parts": parts, "link": day_links[d]} for d, parts in days],
        "urls": list(entry.urls),
        "arxiv": entry.arxiv.id if entry.arxiv else "",
        "arxiv_record": entry.arxiv.as_dict() if entry.arxiv else None,
    }


def paper_properties(context: Mapping) -> dict:
    """The tool-owned properties of a paper note, from its template context."""
    short = context["short_title"]
    return {
        "title": context["title"],
        "aliases": [short] if short else [],
        "authors": context["authors"],
        "tags": context["tags"],
        "date": dt.date.fromisoformat(context["date"]),
        "paper_id": context["id"],
        "digests": [d["link"] for d in context["digests"]],
        **_arxiv_properties(context.get("arxiv_record")),
        **{key: context[key] for key in OPTIONAL if context.get(key)},
    }


def _arxiv_properties(record: Mapping | None) -> dict:
    """The arXiv properties, prefixed so they cannot collide with a `url` the user keeps."""
    if not record:
        return {}
    return {
        "arxiv": record["id"],
        "arxiv_url": record["url"],
        "arxiv_pdf": record["pdf"],
        "doi": record["doi"],
    }


def digest_context(day: str, papers: Iterable[tuple[Listed, str]], files: Sequence[str]) -> dict:
    """The variables of a digest-day note: its papers by part, in digest order."""
    parts: dict[int, list[tuple[int, str, dict[str, str]]]] = {}
    wanted = dt.date.fromisoformat(day)
    for paper, link in papers:
        for source in paper.sources:
            if source.date == wanted:
                parts.setdefault(source.part, []).append(
                    (source.line, paper.title.casefold(), {"link": link, "title": paper.title})
                )
                break
    ordered = [
        {"part": part, "papers": [item for *_key, item in sorted(items, key=lambda i: i[:2])]}
        for part, items in sorted(parts.items())
    ]
    count = sum(len(items) for items in parts.values())
    return {"date": day, "files": sorted(files), "count": count, "parts": ordered}


def index_context(papers: Iterable[tuple[Listed, str]]) -> dict:
    """The variables of the index: every paper, by day, newest day first."""
    days: dict[str, list[dict[str, str]]] = {}
    for paper, link in papers:
        days.setdefault(paper.date.isoformat(), []).append({"link": link, "title": paper.title})
    for items in days.values():
        items.sort(key=lambda p: (p["title"].casefold(), p["link"]))
    ordered = [{"date": day, "papers": items} for day, items in sorted(days.items(), reverse=True)]
    return {"count": sum(len(items) for items in days.values()), "days": ordered}


def fingerprint(context: Mapping, salt: str) -> str:
    """A short hash of a note's template context and of the templates (`salt`).

    A note is rendered from nothing else, so an equal hash means the note would come out
    the same: a re-run need not render it. The context is hashed as canonical JSON.
    """
    if "arxiv_record" in context and context["arxiv_record"] is None:
        # a paper without a record hashes as before the record existed: no mass re-render
        context = {k: v for k, v in context.items() if k != "arxiv_record"}
    text = json.dumps(context, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{salt}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()[:16]
