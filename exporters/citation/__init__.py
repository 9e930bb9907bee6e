"""What the citation-file targets (ris, bibtex, csljson) share: one neutral view of a paper.

Each format module here (`ris`, `bibtex` with `latex`, `csljson`) keeps its own field table
(format field -> value from a `Citation`) apart from its writer; the rules they must agree
on live in this module, written once: which link is the paper's own, and the citation key.
The rules they share with the Zotero target live in the core: how an author's name splits
(`exportdigest.names`), the arXiv identifiers (`exportdigest.arxiv`) and one-line text
(`exportdigest.text`). The exporter classes (`exporters/ris.py`...) import this package
only when they write, so `--help` stays fast.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from exportdigest import arxiv, extra
from exportdigest.model import Entry
from exportdigest.names import Name, split_name


@dataclass(frozen=True, slots=True)
class Citation:
    """The format-neutral facts a citation file records about one paper."""

    id: str
    title: str
    names: tuple[Name, ...]
    abstract: str
    date: dt.date
    url: str | None
    arxiv: str | None
    tags: tuple[str, ...]
    ko: str
    en: str
    primary_category: str | None = None
    journal_doi: str | None = None  # the published version's, when arXiv lists one

    @property
    def doi(self) -> str | None:
        """arXiv's DataCite DOI for the paper, when it is on arXiv."""
        return arxiv.doi(self.arxiv) if self.arxiv else None

    @property
    def archive_id(self) -> str | None:
        """Zotero's `archiveID` form, `arXiv:2410.23506`."""
        return arxiv.archive_id(self.arxiv) if self.arxiv else None

    @property
    def id_line(self) -> str:
        """`exportdigest-id: <id>`, the line that lets a re-import be recognised."""
        return extra.id_line(self.id)


def citation(entry: Entry) -> Citation:
    """The citation view of an entry."""
    record = entry.arxiv
    aid = record.id if record else None
    return Citation(
        id=entry.id,
        title=entry.title,
        names=tuple(name for name in map(split_name, entry.authors) if name),
        abstract=entry.abstract,
        date=entry.date,
        url=paper_url(entry, aid),
        arxiv=aid,
        tags=entry.tags,
        ko=entry.commentary.ko,
        en=entry.commentary.en,
        primary_category=record.primary_category if record else None,
        journal_doi=record.journal_doi if record else None,
    )


def paper_url(entry: Entry, aid: str | None) -> str | None:
    """The paper's own link: its arXiv page (`aid`: its arXiv id), else the first link in its
    abstract.

    Links in the commentary usually point at other papers, so they never count.
    """
    if aid:
        return arxiv.abs_url(aid)
    return next((url for url in entry.urls if url in entry.abstract), None)


# Citation keys -------------------------------------------------------------------------

_STOPWORDS = frozenset((
    "a", "an", "the", "and", "or", "but", "nor", "of", "on", "in", "at", "to", "for", "from",
    "by", "with", "without", "via", "into", "onto", "over", "under", "about", "as", "is", "are",
    "be", "do", "does", "can", "how", "what", "when", "where", "which", "who", "why", "whether",
    "vs", "versus"
))  # fmt: skip
_FOLD = str.maketrans(
    {"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ß": "ss", "ł": "l",
     "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "þ": "th", "Þ": "th", "ı": "i"}
)  # fmt: skip
_KEY_WORD = re.compile(r"[a-z0-9]+")


def ascii_words(text: str) -> list[str]:
    """Lowercase ASCII words of text, accents dropped (`Łukasz Müller` -> lukasz, muller)."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _KEY_WORD.findall(text.lower())


def base_key(entry: Entry) -> str:
    """Author-year-word key before disambiguation: `hu2024learning`.

    First author's family name (or single-field name), year of first posting, first title
    word that is not a function word; all folded to ASCII. `anon` stands in for a name
    with no Latin letters.
    """
    name = split_name(entry.authors[0]) if entry.authors else None
    author = "".join(ascii_words(name.literal or name.family)) if name else ""
    words = [w for w in ascii_words(entry.title) if w not in _STOPWORDS]
    return f"{author or 'anon'}{entry.date.year}{words[0] if words else ''}"


def key_suffix(n: int) -> str:
    """The n-th disambiguation suffix: '', a, b, ..., z, aa, ab, ..."""
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def assign_keys(papers: list[tuple[dt.date, str, str]]) -> list[str]:
    """Unique keys for (first-posted date, paper id, base key) rows, in the rows' order.

    Papers sharing a base key are ranked by first posting, then paper id: the earliest keeps
    the bare key and later ones take a, b, c... So a key never depends on the order of the
    input, and papers posted later never change the keys of papers already cited.
    """
    keys = [""] * len(papers)
    taken: set[str] = set()
    next_suffix: dict[str, int] = {}
    for i in sorted(range(len(papers)), key=lambda i: (papers[i][0], papers[i][1], i)):
        base = papers[i][2]
        n = next_suffix.get(base, 0)
        while (key := base + key_suffix(n)) in taken:
            n += 1
        next_suffix[base] = n + 1
        taken.add(key)
        keys[i] = key
    return keys


SPOOL_BYTES = 1 << 20  # rendered papers beyond this much wait on disk, not in memory


def keyed(entries: Iterable[Entry], render: Callable[[Entry], str]) -> Iterator[tuple[str, str]]:
    """(citation key, rendered text) per entry, in input order, reading `entries` once.

    A key depends on every other paper in the file, so each paper is rendered without its
    key and spooled (to a temporary file past a few MB) until all keys are worked out.
    """
    import tempfile

    papers: list[tuple[dt.date, str, str]] = []
    sizes: list[int] = []
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        for entry in entries:
            sizes.append(spool.write(render(entry).encode("utf-8")))
            papers.append((entry.date, entry.id, base_key(entry)))
        keys = assign_keys(papers)
        spool.seek(0)
        for key, size in zip(keys, sizes, strict=True):
            yield key, spool.read(size).decode("utf-8")
