"""Read digest files into merged entries: one per paper, whatever number of digests it is in.

Two postings are one paper when their titles fold alike (`paper_id`) and their author lists
share a family name (or either has none); a title that folds to nothing must also be the
same text. Distinct papers that share a title stay distinct: the first, in file and line
order, keeps the title's id, each other gets an id of the title and its first author. When
postings merge, text of a later one that differs from what is kept is reported.

Memory stays flat in input size: the one pass over the files keeps only a small index per
paper (its sources and tags) and spills the fields of each paper's first posting to a
temporary file; iterating reads the spill back and yields each paper once, at its first
posting, with everything the index learned about it. No file is read or parsed twice.
"""

from __future__ import annotations

import datetime as dt
import marshal
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from .diagnostics import Diagnostic
from .headers import date_from_filename
from .inputs import DigestFile, InputError, read_lines
from .model import Commentary, Entry, Source, folded_id, normalise_title
from .names import family_key
from .parser import DigestParser, Record, find_urls, unique_tags
from .text import shorten

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

    __slots__ = ("sources", "tags", "fills", "date", "authors", "text", "kept")

    def __init__(self, record: Record, text: str) -> None:
        self.sources: list[Source] = []
        self.tags: list[str] = []
        self.fills: dict[str, Any] = {}  # fields of later postings (str, or authors), for gaps
        self.date = dt.date.max  # the earliest posting's
        # Compact, as there is one per paper: the first posting's authors in one string, and
        # hashes of what is kept of each fillable field (the text itself is in the spill).
        self.authors = _SEPARATOR.join(record.authors)
        self.text = text  # see `_text_key`
        self.kept: tuple[int, ...] = (
            hash(record.authors) if record.authors else _EMPTY,
            hash(record.abstract) if record.abstract else _EMPTY,
            hash(record.ko) if record.ko else _EMPTY,
            hash(record.en) if record.en else _EMPTY,
        )  # in the order of _FILLABLE

    def is_posting_of(self, record: Record, text: str) -> bool:
        """Whether `record` (a posting whose title folds like this paper's, with the text key
        `text`) is this paper."""
        if text != self.text:
            return False
        if _SEPARATOR.join(record.authors) == self.authors:  # the common case: a repost
            return True
        ours = _people(self.authors.split(_SEPARATOR))
        theirs = _people(record.authors)
        return not ours or not theirs or not ours.isdisjoint(theirs)

    def take(self, record: Record) -> list[str]:
        """Fill gaps from a later posting; the fields whose differing text is not kept."""
        dropped, kept = [], list(self.kept)
        for index, name in enumerate(_FILLABLE):
            value = getattr(record, name)
            if not value:
                continue
            if kept[index] == _EMPTY:
                self.fills[name] = value
                kept[index] = hash(value)
            elif kept[index] != hash(value):
                dropped.append(name)
        self.kept = tuple(kept)
        return dropped

    def undoer(self) -> Callable[[], object]:
        """A function that puts this paper back as it is now (before one more posting)."""
        sources, tags, fills = len(self.sources), len(self.tags), set(self.fills)
        date, kept = self.date, self.kept

        def undo() -> None:
            del self.sources[sources:], self.tags[tags:]
            for name in set(self.fills) - fills:
                del self.fills[name]
            self.date, self.kept = date, kept

        return undo

    def add(self, source: Source, tags: tuple[str, ...]) -> None:
        """Record one more posting of the paper."""
        self.sources.append(source)
        self.tags.extend(tags)
        if source.date < self.date:
            self.date = source.date


_EMPTY = hash("")  # what `kept` holds for a field the paper has no text for yet


_SOURCE_ORDER = attrgetter("date", "part", "path", "line")  # an entry's sources, in order
_SEPARATOR = "\n"  # no author name holds one: the parser splits lines there


def _people(authors: Iterable[str]) -> set[str]:
    """The authors' family names, by the one name rule (computed only for namesakes)."""
    return {key for key in map(family_key, authors) if key}


def _text_key(title: str, folded: str) -> str:
    """What must also match for titles that fold to nothing (`~`, `???`): the text itself."""
    return "" if folded else " ".join(title.split())


class Digests:
    """The papers of a set of digest files, re-iterable, with their diagnostics."""

    def __init__(
        self,
        files: list[DigestFile],
        selection: Selection | None = None,
        watch: Callable[[list[DigestFile]], Iterable[DigestFile]] = iter,
    ) -> None:
        """Read every file now; `watch` wraps the files as they are read (a progress bar)."""
        self.files = files
        self._watch = watch
        self.selection = selection or Selection()
        self.diagnostics: list[Diagnostic] = []
        self.unreadable: list[DigestFile] = []
        self._papers: dict[str, _Paper] = {}
        self._namesakes: dict[str, list[str]] = {}  # title id -> ids of distinct papers
        # How to forget one file's postings, should it prove unreadable: the papers it
        # brought, and how to put back the earlier papers it added to.
        self._added: list[str] = []
        self._undo: list[Callable[[], object]] = []
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
        pending: list[_First] = []  # first postings of files read whole, not yet spilled
        for digest in self._watch(self.files):
            problems: list[Diagnostic] = []
            firsts: list[_First] = []  # this file's
            mark = None  # where this file's spilled postings begin, once a long file spills
            self._added, self._undo = [], []
            try:
                for item in self._records(digest):
                    if isinstance(item, Diagnostic):
                        problems.append(item)
                        continue
                    first = self._note(item, problems)
                    if first is not None:
                        firsts.append(first)
                        if len(firsts) == _SPILL_BATCH:  # memory stays flat in a long file
                            if mark is None:
                                self._write(pending)
                                pending = []
                                mark = (len(self._batches), self._spill.tell())
                            self._write(firsts)
                            firsts = []
            except (InputError, OSError) as exc:
                # Forget what the file brought: its spilled postings and its papers.
                if mark is not None:
                    del self._batches[mark[0] :]
                    self._spill.seek(mark[1])
                    self._spill.truncate()
                for undo in reversed(self._undo):
                    undo()
                for pid in self._added:
                    del self._papers[pid]
                if isinstance(exc, InputError):
                    self.diagnostics.append(exc.diagnostic)
                else:
                    self.diagnostics.append(
                        Diagnostic(digest.name, 0, f"cannot read: {exc.strerror or exc}", "error")
                    )
                self.unreadable.append(digest)
                bad.add(digest.name)
                continue
            pending += firsts
            if len(pending) >= _SPILL_BATCH:
                self._write(pending)
                pending = []
            self.diagnostics.extend(problems)
        self._write(pending)
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

    def _note(self, record: Record, problems: list[Diagnostic]) -> _First | None:
        """Index one posting; the fields to spill when it is the paper's first, else None."""
        pid, text = self._identify(record)
        paper = self._papers.get(pid)
        first = None
        if paper is None:
            paper = self._papers[pid] = _Paper(record, text)
            self._added.append(pid)
            first = (pid, record.title, record.authors, record.abstract, record.ko, record.en)
        else:
            self._undo.append(paper.undoer())
            dropped = paper.take(record)
            if dropped:
                problems.append(
                    Diagnostic(
                        record.path,
                        record.line,
                        f"'{shorten(record.title)}' was posted before at {_where(paper)} with"
                        f" other {', '.join(dropped)}; the earlier text is kept",
                    )
                )
        paper.add(Source(record.path, record.line, record.date, record.part), record.tags)
        return first

    def _identify(self, record: Record) -> tuple[str, str]:
        """The id of the paper a posting belongs to (see the module's rule), and the title's
        text key."""
        folded = normalise_title(record.title)
        pid, text = folded_id(folded), _text_key(record.title, folded)
        paper = self._papers.get(pid)
        if paper is None or paper.is_posting_of(record, text):
            return pid, text
        ids = self._namesakes.get(pid, [pid])  # the title's id first, then its namesakes'
        for candidate in ids[1:]:
            paper = self._papers.get(candidate)
            if paper is None or paper.is_posting_of(record, text):
                return candidate, text
        people = [k for k in map(family_key, record.authors) if k]
        seed = "\0".join((folded, text, *people[:1]))
        new = folded_id(seed)
        while new in self._papers or new in ids:  # only when a seed repeats: stays unique
            new = folded_id(new)
        self._namesakes[pid] = [*ids, new]
        self._undo.append(lambda: self._namesakes.__setitem__(pid, ids))
        return new, text

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
    fills = paper.fills  # what later postings had where the first had nothing
    if fills:
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
        sources=tuple(sorted(paper.sources, key=_SOURCE_ORDER)),
        urls=find_urls(abstract, ko, en),
    )


def _where(paper: _Paper) -> str:
    first = paper.sources[0]  # sources are added in reading order
    return f"{first.path}:{first.line}"
