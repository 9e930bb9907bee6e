"""Read digest files into merged entries: one per paper, whatever number of digests it is in.

Two passes keep memory flat in input size: the first pass checks every file and keeps only a
small index per paper (its sources and tags); the second re-reads the files and yields each
paper once, at its first posting, with everything the index learned about it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from .diagnostics import Diagnostic
from .headers import date_from_filename
from .inputs import DigestFile, InputError, read_lines
from .model import Commentary, Entry, Source, paper_id
from .parser import DigestParser, Posting, Record, find_urls, unique_tags

_FILLABLE = ("authors", "abstract", "ko", "en")


@dataclass(frozen=True)
class Selection:
    """Which papers the user asked for: a date range and tags (any of them)."""

    since: dt.date | None = None
    until: dt.date | None = None
    tags: tuple[str, ...] = ()

    def matches(self, date: dt.date, tags: tuple[str, ...]) -> bool:
        """Whether a paper first posted on `date` with `tags` is selected."""
        if self.since and date < self.since:
            return False
        if self.until and date > self.until:
            return False
        if self.tags:
            wanted = {t.casefold().lstrip("#") for t in self.tags}
            return any(t.casefold() in wanted for t in tags)
        return True


class _Paper:
    """What the first pass keeps of one paper (slotted: there is one per paper)."""

    __slots__ = ("sources", "tags", "fills", "date")

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self.tags: list[str] = []
        self.fills: dict[str, object] = {}  # fields of later postings, for gaps in the first
        self.date = dt.date.max  # the earliest posting's

    def add(self, source: Source, tags: tuple[str, ...]) -> None:
        """Record one more posting of the paper."""
        self.sources.append(source)
        self.tags.extend(tags)
        if source.date < self.date:
            self.date = source.date

    def absorb(self, other: _Paper) -> None:
        """Take in what another file's pass learned about the same paper."""
        self.sources.extend(other.sources)
        self.tags.extend(other.tags)
        self.date = min(self.date, other.date)
        for name, value in other.fills.items():
            self.fills.setdefault(name, value)


class Digests:
    """The papers of a set of digest files, re-iterable, with their diagnostics."""

    def __init__(
        self,
        files: list[DigestFile],
        selection: Selection | None = None,
    ) -> None:
        self.files = files
        self.selection = selection or Selection()
        self.diagnostics: list[Diagnostic] = []
        self.unreadable: list[DigestFile] = []
        self._papers: dict[str, _Paper] = {}
        self._scan()

    @property
    def total(self) -> int:
        """Papers read from all files, before the selection."""
        return len(self._papers)

    def __len__(self) -> int:
        return sum(
            1 for p in self._papers.values() if self.selection.matches(p.date, tuple(p.tags))
        )

    def _postings(self, digest: DigestFile) -> Iterator[Posting | Diagnostic]:
        parser = DigestParser(digest.name, date_from_filename(digest.file_name))
        yield from parser.postings(read_lines(digest))

    def _scan(self) -> None:
        bad = set()
        for digest in self.files:
            found: dict[str, _Paper] = {}
            problems: list[Diagnostic] = []
            try:
                for item in self._postings(digest):
                    if isinstance(item, Diagnostic):
                        problems.append(item)
                    else:
                        self._note(found, item)
            except InputError as exc:
                self.diagnostics.append(exc.diagnostic)
                self.unreadable.append(digest)
                bad.add(digest.name)
                continue
            except OSError as exc:
                self.diagnostics.append(
                    Diagnostic(digest.name, 0, f"cannot read: {exc.strerror or exc}", "error")
                )
                self.unreadable.append(digest)
                bad.add(digest.name)
                continue
            self.diagnostics.extend(problems)
            self._merge(found)
        self.files = [f for f in self.files if f.name not in bad]

    def _note(self, found: dict[str, _Paper], posting: Posting) -> None:
        pid = paper_id(posting.title)
        paper = found.get(pid)
        if paper is None:
            paper = found[pid] = _Paper()
        if pid in self._papers or paper.sources:
            # A later posting: keep what it has, to fill what the first posting lacks.
            record = posting.record()
            for name in _FILLABLE:
                value = getattr(record, name)
                if value:
                    paper.fills.setdefault(name, value)
        paper.add(Source(posting.path, posting.line, posting.date, posting.part), posting.tags)

    def _merge(self, found: dict[str, _Paper]) -> None:
        for pid, paper in found.items():
            known = self._papers.get(pid)
            if known is None:
                self._papers[pid] = paper
            else:
                known.absorb(paper)

    def __iter__(self) -> Iterator[Entry]:
        emitted: set[str] = set()
        for digest in self.files:
            for item in self._postings(digest):
                if isinstance(item, Diagnostic):
                    continue
                pid = paper_id(item.title)
                if pid in emitted:
                    continue
                emitted.add(pid)
                paper = self._papers[pid]
                tags = unique_tags(paper.tags)
                if not self.selection.matches(paper.date, tags):
                    continue
                yield _entry(pid, item.record(), paper, tags)


def _entry(pid: str, record: Record, paper: _Paper, tags: tuple[str, ...]) -> Entry:
    def pick(name: str):
        return getattr(record, name) or paper.fills.get(name, getattr(record, name))

    abstract, ko, en = pick("abstract"), pick("ko"), pick("en")
    return Entry(
        id=pid,
        title=record.title,
        authors=pick("authors"),
        abstract=abstract,
        commentary=Commentary(ko=ko, en=en),
        tags=tags,
        date=paper.date,
        sources=tuple(sorted(paper.sources, key=lambda s: (s.date, s.part, s.path, s.line))),
        urls=find_urls(abstract, ko, en),
    )
