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
    """A parenthesised, comma-separated list of names (no links).

    Names may be written in Hangul (김철수), but a parenthesised Korean remark in the
    commentary must not pass for authors: a Hangul name is at most three short words
    with no sentence punctuation.
    """
    if not (len(text) > 2 and text[0] == "(" and text[-1] == ")" and "://" not in text):
        return False
    names = split_authors(text)
    if not has_hangul(text):  # only a name in Hangul can be taken for a Korean remark
        return bool(names)
    return bool(names) and all(_looks_like_a_name(n) for n in names if has_hangul(n))


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


Line = tuple[int, str]


class DigestParser:
    """Turns one digest's lines into `Record`s and `Diagnostic`s, holding one entry at a time."""

    def __init__(self, path: str, fallback_date: dt.date | None) -> None:
        self.path = path
        self.fallback_date = fallback_date
        self.day: tuple[dt.date, int] | None = None
        self._undated_reported = False

    def parse(self, lines: Iterable[str]) -> Iterator[Record | Diagnostic]:
        """Records and diagnostics for the lines, in file order."""
        chunk: list[Line] = []  # the entry being read: (line number, cleaned text)
        # A hashtag line in title position (its line) is a title only if authors follow.
        stray: int | None = None
        for number, raw in enumerate(lines, start=1):
            text = clean_line(raw)
            if not text:
                continue
            header = parse_header(text)
            if header is not None:
                yield from self._flush(chunk, tags_line=False)
                chunk, stray = [], None
                self.day = header
                continue
            tags = is_hashtag_line(text)
            if stray is not None:
                if tags or not is_authors_line(text):
                    yield self._stray_tags(stray)
                    chunk = []
                stray = None
            if tags and chunk:
                chunk.append((number, text))
                yield from self._flush(chunk, tags_line=True)
                chunk = []
                continue
            if tags:
                stray = number
            chunk.append((number, text))
        if stray is not None:
            yield self._stray_tags(stray)
        else:
            yield from self._flush(chunk, tags_line=False)

    def _stray_tags(self, line: int) -> Diagnostic:
        return Diagnostic(self.path, line, "hashtag line with no paper above it; ignored")

    def _flush(self, chunk: list[Line], tags_line: bool) -> Iterator[Record | Diagnostic]:
        if not chunk:
            return
        tags: tuple[str, ...] = ()
        body = chunk
        if tags_line:
            tags = split_tags(chunk[-1][1])
            body = chunk[:-1]
        authors = [is_authors_line(text) for _, text in body]
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
            if not (last and tags_line):
                yield Diagnostic(
                    self.path,
                    entry_lines[0][0],
                    f"'{_short(entry_lines[0][1])}' has no hashtag line; exported without tags",
                )
            yield self._record(entry_lines, tags if last else (), date_part)

    def _record(self, lines: list[Line], tags: tuple[str, ...], day: tuple[dt.date, int]) -> Record:
        """The entry's fields: the Korean commentary is the run of lines from the first to the
        last one with Hangul; before it the abstract, after it the English commentary."""
        (line, title), (_, authors), *body = lines
        texts = [text for _, text in body]
        korean = [i for i, text in enumerate(texts) if has_hangul(text)]
        if korean:
            first, end = korean[0], korean[-1] + 1
            abstract, ko, en = texts[:first], texts[first:end], texts[end:]
        else:  # no Korean: the first line is the abstract, the rest English commentary
            abstract, ko, en = texts[:1], [], texts[1:]
        return Record(
            title=title,
            authors=split_authors(authors),
            abstract="\n".join(abstract),
            ko="\n".join(ko),
            en="\n".join(en),
            tags=tags,
            path=self.path,
            line=line,
            date=day[0],
            part=day[1],
        )


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
