"""Parse the text of one digest into paper records and diagnostics, streaming line by line."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from .diagnostics import Diagnostic
from .headers import parse_header

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_HASHTAG_LINE = re.compile(r"^#[^\s#]+(?:\s+#[^\s#]+)*$")
_SPACES = re.compile(r"[\t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]")
_HEADER_MAX = 40  # "September 30, 2024 (12)" and the Korean form fit well within this
# Case-sensitive on purpose: a literal "http" prefix lets the regex engine skip ahead fast.
_URL = re.compile(r"https?://[^\s<>\"'`\[\]{}|\\^]+")


class Record(NamedTuple):
    """One posting of a paper in one digest, before postings are merged into entries."""

    title: str
    authors: tuple[str, ...]
    abstract: str
    ko: str
    en: str
    tags: tuple[str, ...]
    path: str
    line: int
    date: dt.date
    part: int


def clean_line(raw: str) -> str:
    """A physical line as the parser sees it: NFC, odd spaces made plain, ends trimmed."""
    if raw.isascii():
        return (raw.replace("\t", " ") if "\t" in raw else raw).strip()
    if not raw.isprintable():  # tabs, NBSP and other odd spaces are all non-printable
        raw = _SPACES.sub(" ", raw)
    if not unicodedata.is_normalized("NFC", raw):
        raw = unicodedata.normalize("NFC", raw)
    return raw.strip()


def has_hangul(text: str) -> bool:
    """Whether text holds a Hangul syllable (the mark of the Korean commentary)."""
    return not text.isascii() and _HANGUL.search(text) is not None


def is_hashtag_line(text: str) -> bool:
    """A line made only of `#tag` tokens."""
    return text.startswith("#") and _HASHTAG_LINE.match(text) is not None


def is_authors_line(text: str) -> bool:
    """A parenthesised, comma-separated list of names (no links).

    Names may be written in Hangul (김철수), but a parenthesised Korean remark in the
    commentary must not pass for authors: a Hangul name is at most three short words
    with no sentence punctuation.
    """
    if not (len(text) > 2 and text[0] == "(" and text[-1] == ")" and "://" not in text):
        return False
    if not has_hangul(text):  # the common case: a name is anything but commas and spaces
        return bool(text[1:-1].replace(",", "").strip())
    names = [name.strip() for name in text[1:-1].split(",")]
    if not any(names):
        return False
    return not has_hangul(text) or all(_looks_like_a_name(n) for n in names if has_hangul(n))


def _looks_like_a_name(name: str) -> bool:
    words = name.split()
    return (
        len(words) <= 3
        and not any(mark in name for mark in ".?!:;")
        and all(len(word) <= 6 for word in words if has_hangul(word))
    )


def split_authors(text: str) -> tuple[str, ...]:
    """Names of an authors line, as written."""
    return tuple(filter(None, map(str.strip, text[1:-1].split(","))))


def split_tags(text: str) -> tuple[str, ...]:
    """Tags of a hashtag line, without `#`, first spelling kept, duplicates dropped."""
    return unique_tags([token[1:] for token in text.split()])


def unique_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags in order with case-insensitive duplicates dropped (Obsidian matches tags that way)."""
    if isinstance(tags, list | tuple) and len(tags) < 2:
        return tuple(tags)
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(tag.casefold(), tag)
    return tuple(seen.values())


def find_urls(*texts: str) -> tuple[str, ...]:
    """Links in the texts, in order, without trailing sentence punctuation."""
    found: dict[str, None] = {}
    for text in texts:
        if "://" not in text:
            continue
        for match in _URL.finditer(text):
            url = match.group(0).rstrip(".,;:!?)")
            if url.count("(") > url.count(")") and match.group(0).endswith(")"):
                url += ")"
            found.setdefault(url, None)
    return tuple(found)


Line = tuple[int, str]


def _is_clean(raw: str) -> bool:
    """Whether the line is as the parser sees it (clean_line would leave it as it is)."""
    return (raw.isascii() and "\t" not in raw and raw.strip() == raw) or clean_line(raw) == raw


def _tags_line_index(lines: list[str], start: int) -> int:
    """For an entry whose title is just before `start`: the index of its hashtag line when
    lines[start] is its authors line and every line up to the hashtag line is clean and is
    neither empty, a header, nor another authors line; else -1 (the reference decides)."""
    n = len(lines)
    if start >= n:
        return -1
    authors = lines[start]
    if not (authors[:1] == "(" and _is_clean(authors) and is_authors_line(authors)):
        return -1
    for end in range(start + 1, n):
        text = lines[end]
        if not text or not _is_clean(text):
            return -1
        first = text[0]
        if first == "#" and _HASHTAG_LINE.match(text) is not None:
            return end
        if first == "(" and is_authors_line(text):
            return -1
        if len(text) <= _HEADER_MAX and parse_header(text) is not None:
            return -1
    return -1  # the entry goes on in the next block


class DigestParser:
    """Turns one digest's lines into `Record`s and `Diagnostic`s, holding one entry at a time.

    `postings()` is the reference: it takes one line at a time, whatever the line. `scan()`
    gives the same items for the same lines faster, taking well-formed entries whole and
    handing every line it is not sure of to the reference.
    """

    def __init__(self, path: str, fallback_date: dt.date | None) -> None:
        self.path = path
        self.fallback_date = fallback_date
        self.day: tuple[dt.date, int] | None = None
        self._undated_reported = False
        self._chunk: list[Line] = []  # the entry being read: (line number, cleaned text)

    def parse(self, lines: Iterable[str]) -> Iterator[Record | Diagnostic]:
        """Records and diagnostics for the lines, in file order."""
        for item in self.postings(lines):
            yield item.record() if isinstance(item, Posting) else item

    def postings(self, lines: Iterable[str]) -> Iterator[Posting | Diagnostic]:
        """Postings (entries not yet split into fields) and diagnostics, in file order."""
        for number, raw in enumerate(lines, start=1):
            yield from self._line(number, raw)
        yield from self._end()

    def scan(self, blocks: Iterable[list[str]]) -> Iterator[Posting | Diagnostic]:
        """What `postings()` gives for the lines of the blocks, one after another."""
        number = 0  # lines before this block
        for lines in blocks:
            i, n = 0, len(lines)
            while i < n:
                if not self._chunk:
                    i, found = self._whole_entries(lines, i, number)
                    yield from found
                # The reference takes over, at least for one line, until it holds no entry.
                while i < n:
                    yield from self._line(number + i + 1, lines[i])
                    i += 1
                    if not self._chunk:
                        break
            number += n
        yield from self._end()

    def _line(self, number: int, raw: str) -> Iterator[Posting | Diagnostic]:
        """The reference parser's step: one physical line."""
        text = clean_line(raw)
        if not text:
            return
        chunk = self._chunk
        # Headers are short; most lines are skipped here before any regex runs.
        header = parse_header(text) if len(text) <= _HEADER_MAX else None
        if header is not None:
            yield from self._flush(chunk, tags_line=False)
            self._chunk = []
            self.day = header
            return
        # A lone hashtag line in title position is a title only if authors follow.
        if len(chunk) == 1 and is_hashtag_line(chunk[0][1]) and not is_authors_line(text):
            yield Diagnostic(self.path, chunk[0][0], "hashtag line with no paper above it; ignored")
            chunk = self._chunk = []
        chunk.append((number, text))
        if len(chunk) > 1 and is_hashtag_line(text):
            yield from self._flush(chunk, tags_line=True)
            self._chunk = []

    def _end(self) -> Iterator[Posting | Diagnostic]:
        """The reference parser at the end of the text."""
        chunk, self._chunk = self._chunk, []
        if chunk and len(chunk) == 1 and is_hashtag_line(chunk[0][1]):
            yield Diagnostic(self.path, chunk[0][0], "hashtag line with no paper above it; ignored")
            return
        yield from self._flush(chunk, tags_line=False)

    def _whole_entries(self, lines: list[str], i: int, number: int) -> tuple[int, list[Posting]]:
        """The fast path, while the reference holds no entry: the postings of the well-formed
        entries from lines[i], each a title, an authors line, body lines and a hashtag line,
        all clean, with a date known; and the index of the first line it left."""
        found: list[Posting] = []
        n = len(lines)
        while i < n:
            title = lines[i]
            if not title:
                i += 1  # blank lines are skipped (one with spaces goes to the reference)
                continue
            if not _is_clean(title):
                break
            if len(title) <= _HEADER_MAX:
                header = parse_header(title)
                if header is not None:
                    self.day = header
                    i += 1
                    continue
            day = self.day or (self.fallback_date and (self.fallback_date, 1))
            end = _tags_line_index(lines, i + 1) if day else -1
            if end < 0:
                break
            found.append(
                Posting(
                    title,
                    number + i + 1,
                    lines[i + 1 : end],
                    split_tags(lines[end]),
                    self.path,
                    *day,
                )
            )
            i = end + 1
        return i, found

    def _flush(self, chunk: list[Line], tags_line: bool) -> Iterator[Posting | Diagnostic]:
        if not chunk:
            return
        tags: tuple[str, ...] = ()
        body = chunk
        if tags_line:
            tags = split_tags(chunk[-1][1])
            body = chunk[:-1]
        authors = [text[0] == "(" and is_authors_line(text) for _, text in body]
        starts = [0] + [i for i in range(1, len(body) - 1) if authors[i + 1] and not authors[i]]
        # A title must be followed by its authors; otherwise those lines are not an entry.
        if not (len(body) > 1 and authors[1]):
            first = body[0]
            resume = next((s for s in starts if s > 0), None)
            end = body[resume][0] if resume is not None else None
            what = f"'{_short(first[1])}'"
            yield Diagnostic(
                self.path,
                first[0],
                f"no authors line after title {what}; skipped"
                + (f" up to line {end}" if end else ""),
                "error",
            )
            starts = [s for s in starts if s > 0]
            if not starts:
                return
        else:
            starts = [s for s in starts if s == 0 or s >= 2]
        # Entries must not overlap: a split point must leave the previous entry its authors line.
        kept: list[int] = []
        for s in starts:
            if not kept or s >= kept[-1] + 2:
                kept.append(s)
        date_part = self.day or (self.fallback_date and (self.fallback_date, 1))
        if not date_part:
            if not self._undated_reported:
                self._undated_reported = True
                yield Diagnostic(
                    self.path,
                    body[kept[0]][0],
                    "papers before any date header, and the file name holds no date; skipped"
                    " (add a header such as '2024년 11월 4일' or name the file 2024-11-04.txt)",
                    "error",
                )
            return
        for n, start in enumerate(kept):
            last = n == len(kept) - 1
            end = len(body) if last else kept[n + 1]
            entry_lines = body[start:end]
            entry_tags = tags if last else ()
            if not (last and tags_line):
                yield Diagnostic(
                    self.path,
                    entry_lines[0][0],
                    f"'{_short(entry_lines[0][1])}' has no hashtag line; exported without tags",
                )
            yield self._posting(entry_lines, entry_tags, date_part)

    def _posting(
        self, lines: list[Line], tags: tuple[str, ...], day: tuple[dt.date, int]
    ) -> Posting:
        return Posting(
            lines[0][1], lines[0][0], [text for _, text in lines[1:]], tags, self.path, *day
        )


class Posting(NamedTuple):
    """An entry's lines as found, before its fields are split out (cheap to make)."""

    title: str
    line: int
    rest: list[str]  # the authors line, then the body
    tags: tuple[str, ...]
    path: str
    date: dt.date
    part: int

    def record(self) -> Record:
        """The posting's fields: authors, abstract and commentary split apart."""
        authors, abstract, ko, en = self.fields()
        return Record(
            self.title,
            authors,
            abstract,
            ko,
            en,
            self.tags,
            self.path,
            self.line,
            self.date,
            self.part,
        )

    def fields(self) -> tuple[tuple[str, ...], str, str, str]:
        """The authors, abstract, Korean and English commentary (see `record`)."""
        rest = self.rest  # the authors line, then the body
        search = _HANGUL.search
        korean = [i for i in range(1, len(rest)) if not rest[i].isascii() and search(rest[i])]
        if korean:
            first, end = korean[0], korean[-1] + 1
            abstract, ko, en = rest[1:first], rest[first:end], rest[end:]
        else:
            abstract, ko, en = rest[1:2], [], rest[2:]
        return split_authors(rest[0]), "\n".join(abstract), "\n".join(ko), "\n".join(en)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
