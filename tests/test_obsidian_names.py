"""Safe note names and Obsidian tags, for any title or hashtag."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from exportdigest.exporters.obsidian.names import NAME_LIMIT, safe_name, with_suffix
from exportdigest.exporters.obsidian.tags import obsidian_tag, obsidian_tags

FORBIDDEN = set('*"\\/<>:|?#^[]')
WINDOWS_DEVICES = re.compile(r"^(CON|PRN|AUX|NUL|COM[1-9¹²³]|LPT[1-9¹²³])$", re.IGNORECASE)
NASTY = st.lists(
    st.sampled_from([*'../\\:*?"<>|#^[]%% \t\n\r\x00\x1f\u202e.-한국어CONcon1', "e\u0301"]),
    max_size=60,
).map("".join)


def assert_safe(name: str, limit: int = NAME_LIMIT - 3) -> None:
    assert len(name.encode("utf-8")) <= limit
    assert unicodedata.normalize("NFC", name) == name
    assert not FORBIDDEN & set(name), name
    assert "%%" not in name
    assert not any(unicodedata.category(c) == "Cc" for c in name)
    assert "\u202e" not in name
    if name:
        assert not name.startswith((".", " ")) and not name.endswith((".", " "))
        assert not WINDOWS_DEVICES.match(name.split(".")[0].rstrip())


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), NASTY))
def test_any_text_becomes_a_name_every_os_and_obsidian_accept(text):
    assert_safe(safe_name(text))


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=300), st.text("0123456789abcdef", min_size=8, max_size=8))
def test_a_suffixed_name_still_fits(text, suffix):
    name = with_suffix(safe_name(text) or "x", f" ({suffix})")
    assert_safe(name)
    assert name.endswith(f" ({suffix})")


def test_hostile_titles():
    assert safe_name("../../x") == "-..-x"
    assert safe_name("CON") == "CON_"
    assert safe_name("con.txt") == "con_.txt"
    assert safe_name("LPT9") == "LPT9_"
    assert safe_name("..") == ""
    assert (
        safe_name('TokenFormer: A "New" #1 [v2] | Part?') == "TokenFormer - A 'New' 1 (v2) - Part"
    )
    assert safe_name("#InsTag: Instruction Tagging") == "InsTag - Instruction Tagging"


def test_a_400_character_korean_title_is_cut_to_240_bytes_on_a_syllable():
    title = "한국어논문제목" * 58
    name = safe_name(title)
    assert len((name + ".md").encode("utf-8")) <= 240
    assert title.startswith(name) and len(name) == 79  # 79 syllables x 3 bytes + ".md"


def test_macos_decomposed_korean_becomes_composed():
    decomposed = unicodedata.normalize("NFD", "한국어 논문")
    assert safe_name(decomposed) == "한국어 논문"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_hashtag_becomes_a_valid_obsidian_tag_or_nothing(tag):
    mapped = obsidian_tag(tag)
    if not mapped:
        return
    assert all(c in "_-/" or unicodedata.category(c)[0] in "LMN" for c in mapped), mapped
    assert not all(c.isdigit() or c == "/" for c in mapped)  # `#2024` is not a tag
    assert "" not in mapped.split("/")  # no empty nesting level
    assert obsidian_tag(mapped) == mapped


def test_tags_keep_unicode_and_nesting_and_drop_case_duplicates():
    tags = [
        "long-context",
        "한국어",
        "a/b",
        "2024",
        "llama3.1",
        "C++",
        "Transformer",
        "transformer",
    ]
    assert obsidian_tags(tags) == (
        "long-context",
        "한국어",
        "a/b",
        "_2024",
        "llama3_1",
        "C__",
        "Transformer",
    )
