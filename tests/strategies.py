"""Hypothesis strategies for entries a digest can carry (shared by the property tests)."""

from __future__ import annotations

import datetime as dt
import unicodedata

from hypothesis import strategies as st

from exportdigest.headers import parse_header
from exportdigest.model import Commentary, Entry, Source, paper_id
from exportdigest.parser import has_hangul, is_authors_line, is_hashtag_line

_LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_PUNCT = " .,:;!?'\"-_/&%$#@*+=<>[]{}()|\\^~`"
_KOREAN = "가나다라마바사아자차카타파하한국어논문모델학습"
_OTHER = "éüñßøαβγΔ∑→日本語中文ŁŠ"


def _clean(text: str) -> bool:
    return unicodedata.normalize("NFC", text) == text and text == text.strip() and " " not in text


def line(alphabet: str, min_size: int = 1, max_size: int = 40) -> st.SearchStrategy[str]:
    """One digest line over the alphabet that the parser must keep verbatim."""
    return (
        st.text(alphabet, min_size=min_size, max_size=max_size)
        .map(lambda s: " ".join(s.split()))
        .filter(lambda s: bool(s) and _clean(s))
        .filter(lambda s: parse_header(s) is None and not is_hashtag_line(s))
        .filter(lambda s: not is_authors_line(s))
    )


english_line = line(_LATIN + _PUNCT + _OTHER).filter(lambda s: not has_hangul(s))
korean_line = line(_LATIN + _PUNCT + _KOREAN).filter(has_hangul)
title = line(_LATIN + _PUNCT + _KOREAN + _OTHER, max_size=80).filter(
    lambda s: any(c.isalnum() for c in s)
)
latin_name = st.text(_LATIN + "éü.-' ", min_size=1, max_size=20)
korean_name = st.text("김이박최정철수영희민준", min_size=2, max_size=4)
name = (latin_name | korean_name).map(lambda s: " ".join(s.split())).filter(bool)
tag = st.text(_LATIN + "-_/" + _KOREAN, min_size=1, max_size=15)


@st.composite
def entries(draw, day: dt.date = dt.date(2024, 11, 4)) -> Entry:
    """An entry whose digest text parses back to itself (fields the format can express)."""
    ko = draw(st.lists(korean_line, max_size=3))
    if ko:
        abstract = draw(st.lists(english_line, max_size=2))
        en = draw(st.lists(english_line, max_size=2))
    else:  # without Korean, the first line is the abstract and the rest English commentary
        abstract = draw(st.lists(english_line, max_size=1))
        en = draw(st.lists(english_line, max_size=2)) if abstract else []
    tags = draw(st.lists(tag, max_size=4, unique_by=str.casefold))
    the_title = draw(title)
    return Entry(
        id=paper_id(the_title),
        title=the_title,
        authors=tuple(draw(st.lists(name, min_size=1, max_size=5))),
        abstract="\n".join(abstract),
        commentary=Commentary(ko="\n".join(ko), en="\n".join(en)),
        tags=tuple(tags),
        date=day,
        sources=(Source("digest.txt", 1, day, 1),),
    )


def entry_lists(max_size: int = 6) -> st.SearchStrategy[list[Entry]]:
    """Several entries with distinct papers."""
    return st.lists(entries(), min_size=1, max_size=max_size, unique_by=lambda e: e.id)
