"""Read digest files into merged entries: one per paper, whatever number of digests it is in.

Memory stays flat in input size: the one pass over the files keeps only a small index per
paper (its sources and tags) and spills the fields of each paper's first posting to a
temporary file; iterating reads the spill back and yields each paper once, at its first
posting, with everything the index learned about it. No file is read or parsed twice.
"""

from __future__ import annotations

import datetime as dt
import marshal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from .diagnostics import Diagnostic
from .headers import date_from_filename
from .inputs import DigestFile, InputError, read_lines
from .model import Commentary, Entry, Source, paper_id
from .parser import DigestParser, Record, find_urls, unique_tags

_FILLABLE = ("authors", "abstract", "ko", "en")
_SPILL_BATCH = 256  # first postings marshalled to the spill at a time
# What the spill keeps of a paper's first posting: (id, title, authors, abstract, ko, en).
_First = tuple[str, str, tuple[str, ...], str, str, str]


class SpillFailed(Exception):
    """The reader's temporary file could not be written (a full disk, not a bad digest)."""


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
        self._spill = tempfile.TemporaryFile()  # noqa: SIM115 - read by every iteration
        self._batches: list[int] = []  # byte sizes of the marshalled batches, in order
        self._scan()

    @property
    def total(self) -> int:
        """Papers read from all files, before the selection."""
        return len(self._papers)

    def __len__(self) -> int:
        return sum(
            1 for p in self._papers.values() if self.selection.matches(p.date, tuple(p.tags))
        )

    def _records(self, digest: DigestFile) -> Iterator[Record | Diagnostic]:
        parser = DigestParser(digest.name, date_from_filename(digest.file_name))
        return parser.parse(read_lines(digest))

    def _scan(self) -> None:
        bad = set()
        for digest in self.files:
            found: dict[str, _Paper] = {}
            problems: list[Diagnostic] = []
            firsts: list[_First] = []
            mark = (len(self._batches), self._spill.tell())
            try:
                for item in self._records(digest):
                    if isinstance(item, Diagnostic):
                        problems.append(item)
                        continue
                    first = self._note(found, item)
                    if first is not None:
                        firsts.append(first)
                        if len(firsts) == _SPILL_BATCH:
                            self._write(firsts)
                            firsts = []
            except (InputError, OSError) as exc:
                del self._batches[mark[0] :]  # forget what the file spilled so far
                self._spill.seek(mark[1])
                self._spill.truncate()
                if isinstance(exc, InputError):
                    self.diagnostics.append(exc.diagnostic)
                else:
                    self.diagnostics.append(
                        Diagnostic(digest.name, 0, f"cannot read: {exc.strerror or exc}", "error")
                    )
                self.unreadable.append(digest)
                bad.add(digest.name)
                continue
            self._write(firsts)
            self.diagnostics.extend(problems)
            self._merge(found)
        self._spill.flush()
        self.files = [f for f in self.files if f.name not in bad]

    def _write(self, firsts: list[_First]) -> None:
        if firsts:
            data = marshal.dumps(firsts)
            try:
                self._spill.write(data)
            except OSError as exc:  # not the digest's fault (a full disk): stop, saying so
                raise SpillFailed(
                    f"cannot write the reader's temporary file in {tempfile.gettempdir()}:"
                    f" {exc.strerror or exc}; free some space there or set TMPDIR"
                ) from exc
            self._batches.append(len(data))

    def _note(self, found: dict[str, _Paper], record: Record) -> _First | None:
        """Index one posting; the fields to spill when it is the paper's first, else None."""
        pid = paper_id(record.title)
        paper = found.get(pid)
        first = None
        if paper is None:
            paper = found[pid] = _Paper()
        if pid in self._papers or paper.sources:
            # A later posting: keep what it has, to fill what the first posting lacks.
            for name in _FILLABLE:
                if value := getattr(record, name):
                    paper.fills.setdefault(name, value)
        else:
            first = (pid, record.title, record.authors, record.abstract, record.ko, record.en)
        paper.add(Source(record.path, record.line, record.date, record.part), record.tags)
        return first

    def _merge(self, found: dict[str, _Paper]) -> None:
        for pid, paper in found.items():
            known = self._papers.get(pid)
            if known is None:
                self._papers[pid] = paper
            else:
                known.absorb(paper)

    def __iter__(self) -> Iterator[Entry]:
        papers, offset = self._papers, 0
        for size in self._batches:
            self._spill.seek(offset)  # iterations may interleave: each keeps its own place
            batch: list[_First] = marshal.loads(self._spill.read(size))
            offset += size
            for first in batch:
                paper = papers[first[0]]
                tags = unique_tags(paper.tags)
                if self.selection.matches(paper.date, tags):
                    yield _entry(first, paper, tags)


def _entry(first: _First, paper: _Paper, tags: tuple[str, ...]) -> Entry:
    pid, title, authors, abstract, ko, en = first
    fills = paper.fills
    authors = authors or fills.get("authors", authors)
    abstract = abstract or fills.get("abstract", abstract)
    ko = ko or fills.get("ko", ko)
    en = en or fills.get("en", en)
    return Entry(
        id=pid,
        title=title,
        authors=authors,
        abstract=abstract,
        commentary=Commentary(ko=ko, en=en),
        tags=tags,
        date=paper.date,
        sources=tuple(sorted(paper.sources, key=lambda s: (s.date, s.part, s.path, s.line))),
        urls=find_urls(abstract, ko, en),
    )
