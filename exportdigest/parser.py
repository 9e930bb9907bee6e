"""Parse the text of one digest into paper records and diagnostics, streaming line by line."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from .diagnostics import Diagnostic
from .headers import parse_header
from .text import shorten

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_HASHTAG_LINE = re.compile(r"^#[^\s#]+(?:\s+#[^\s#]+)*$")
_SPACES = re.compile(r"[\t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]")
# Case-sensitive: a literal "http" prefix lets the regex engine skip ahead (ignoring case
# made reading the corpus about 8% slower); links are written in lower case.
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
    if raw.isascii():  # NFC leaves ASCII alone, and its only odd space is the tab
        return raw.replace("\t", " ").strip()
    if not raw.isprintable():  # the odd spaces are not printable, and most lines are
        raw = _SPACES.sub(" ", raw)
    return unicodedata.normalize("NFC", raw).strip()


def has_hangul(text: str) -> bool:
    """Whether text holds a Hangul syllable (the mark of the Korean commentary)."""
    return not text.isascii() and _HANGUL.search(text) is not None


def is_hashtag_line(text: str) -> bool:
    """A line made only of `#tag` tokens."""
    return _HASHTAG_LINE.match(text) is not None


def is_authors_line(text: str) -> bool:
    """A parenthesised, comma-separated list of names (no links); see `authors_of`."""
    return bool(authors_of(text))


def authors_of(text: str) -> tuple[str, ...]:
    """The names of an authors line, as written; () when the line is not one.

    Names may be written in Hangul (김철수), but a parenthesised Korean remark in the
    commentary must not pass for authors: a Hangul name is at most three short words
    with no sentence punctuation.
    """
    if not (len(text) > 2 and text[0] == "(" and text[-1] == ")" and "://" not in text):
        return ()
    names = split_authors(text)
    if has_hangul(text) and not all(_looks_like_a_name(n) for n in names if has_hangul(n)):
        return ()  # only a name in Hangul can be taken for a Korean remark
    return names


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
    return unique_tags(token[1:] for token in text.split())


def unique_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags in order with case-insensitive duplicates dropped (Obsidian matches tags that way)."""
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


Line = tuple[int, str, tuple[str, ...]]  # line number, cleaned text, its names if authors


class DigestParser:
    """Turns one digest's lines into `Record`s and `Diagnostic`s, holding one entry at a time."""

    def __init__(self, path: str, fallback_date: dt.date | None) -> None:
        self.path = path
        self.fallback_date = fallback_date
        self.day: tuple[dt.date, int] | None = None
        self._undated_reported = False

    def parse(self, lines: Iterable[str]) -> Iterator[Record | Diagnostic]:
        """Records and diagnostics for the lines, in file order."""
        chunk: list[Line] = []  # the entry being read
        # A hashtag line in title position (its line) is a title only if authors follow.
        stray: int | None = None
        for number, raw in enumerate(lines, start=1):
            text = clean_line(raw)
            if not text:
                continue
            header = parse_header(text)
            if header is not None:
                yield from self._flush(chunk, None)
                chunk, stray = [], None
                self.day = header
                continue
            # Each line is classified once, here: `_flush` and `_record` read its names back.
            first = text[0]
            tags = first == "#" and is_hashtag_line(text)
            authors = authors_of(text) if first == "(" else ()
            if stray is not None:
                if tags or not authors:
                    yield self._stray_tags(stray)
                    chunk = []
                stray = None
            if tags and chunk:
                yield from self._flush(chunk, split_tags(text))
                chunk = []
                continue
            if tags:
                stray = number
            chunk.append((number, text, authors))
        if stray is not None:
            yield self._stray_tags(stray)
        else:
            yield from self._flush(chunk, None)

    def _stray_tags(self, line: int) -> Diagnostic:
        return Diagnostic(self.path, line, "hashtag line with no paper above it; ignored")

    def _flush(
        self, body: list[Line], tags: tuple[str, ...] | None
    ) -> Iterator[Record | Diagnostic]:
        """The entries of the lines read since the last one; `tags` are those of the hashtag
        line that ended them, None when a header or the end of the text did."""
        if not body:
            return
        # An entry starts at each title: a line that is not an authors line, followed by one.
        # Entries must not overlap: each start leaves the entry before it its authors line.
        kept = [0] if len(body) > 1 and body[1][2] else []
        for i in range(1, len(body) - 1):
            if body[i + 1][2] and not body[i][2] and (not kept or i >= kept[-1] + 2):
                kept.append(i)
        # A title must be followed by its authors; otherwise those lines are not an entry.
        if not kept or kept[0] != 0:
            first = body[0]
            end = body[kept[0]][0] if kept else None
            yield Diagnostic(
                self.path,
                first[0],
                f"no authors line after title '{shorten(first[1])}'; skipped"
                + (f" up to line {end}" if end else ""),
                "error",
            )
            if not kept:
                return
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
            if not last or tags is None:
                yield Diagnostic(
                    self.path,
                    entry_lines[0][0],
                    f"'{shorten(entry_lines[0][1])}' has no hashtag line; exported without tags",
                )
            yield self._record(entry_lines, (tags or ()) if last else (), date_part)

    def _record(self, lines: list[Line], tags: tuple[str, ...], day: tuple[dt.date, int]) -> Record:
        """The entry's fields: the Korean commentary is the run of lines from the first to the
        last one with Hangul; before it the abstract, after it the English commentary."""
        (line, title, _), (_, _, authors) = lines[0], lines[1]
        texts = [text for _, text, _ in lines[2:]]
        korean = [i for i, text in enumerate(texts) if has_hangul(text)]
        if korean:
            first, end = korean[0], korean[-1] + 1
            abstract, ko, en = texts[:first], texts[first:end], texts[end:]
        else:  # no Korean: the first line is the abstract, the rest English commentary
            abstract, ko, en = texts[:1], [], texts[1:]
        return Record(
            title=title,
            authors=authors,
            abstract="\n".join(abstract),
            ko="\n".join(ko),
            en="\n".join(en),
            tags=tags,
            path=self.path,
            line=line,
            date=day[0],
            part=day[1],
        )
