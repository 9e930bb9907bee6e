"""Properties written with the YAML emitter read back exactly, by PyYAML and python-frontmatter."""

from __future__ import annotations

import datetime as dt

import frontmatter
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from exportdigest.exporters.obsidian.properties import PropertiesError, emit, parse

HARD = st.sampled_from(
    [
        'Colons: "Quotes" #hash [brackets] | pipes',
        "- starts like a list",
        "? starts like a key",
        "yes",
        "null",
        "~",
        "2024-11-04",
        "0123456789012345",
        "1234567e12345678",
        ".inf",
        "[[Digest 2024-11-04]]",
        "$\\alpha$-VAE \\textbf{x}",
        "'single' and \"double\"",
        "  padded  ",
        "trailing colon:",
        "한국어: 논문 제목",
        "@at `tick` %percent &amp *star !bang",
    ]
)
TEXT = st.one_of(HARD, st.text(max_size=80))
VALUES = st.dictionaries(
    st.text("abcdefghij_", min_size=1, max_size=8),
    st.one_of(TEXT, st.lists(TEXT, max_size=4), st.dates(), st.integers(0, 10**6)),
    max_size=6,
)


def expected(values: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_emitted_properties_parse_back_with_pyyaml(values):
    text = emit(values)
    assert yaml.safe_load(text) == expected(values) if values else yaml.safe_load(text) == {}
    assert list((yaml.safe_load(text) or {}).keys()) == list(values)


@settings(max_examples=200, deadline=None)
@given(VALUES, st.text(max_size=100))
def test_a_note_with_emitted_properties_parses_back_with_python_frontmatter(values, body):
    post = frontmatter.loads(f"---\n{emit(values)}---\n{body}")
    assert post.metadata == expected(values)


def test_strings_a_yaml_1_2_reader_would_take_for_numbers_are_quoted():
    text = emit({"a": "0123456789012345", "b": "1234567e12345678", "c": "7dc7237e107aa167"})
    assert text == "a: '0123456789012345'\nb: '1234567e12345678'\nc: 7dc7237e107aa167\n"


def test_dates_stay_dates_and_lists_stay_block_lists():
    text = emit({"date": dt.date(2024, 11, 4), "tags": ["a", "b"], "aliases": []})
    assert text == "date: 2024-11-04\ntags:\n- a\n- b\naliases: []\n"


@settings(max_examples=200, deadline=None)
@given(VALUES, VALUES)
def test_each_key_text_is_found_byte_for_byte(first, second):
    if not first or not second:
        return  # an empty mapping is a document of its own (`{}`)
    second = {k + "_2": v for k, v in second.items()}
    raw = emit(first) + "# a comment\n" + emit(second)
    props = parse(raw)
    assert props.positional
    rebuilt = props.preamble() + "".join(props.raw(k) for k in props.spans)
    assert rebuilt == raw
    for key in second:
        assert props.raw(key).startswith(emit({key: second[key]}).rstrip("\n"))


def test_not_a_mapping_or_broken_yaml_is_refused():
    for raw in ("- a\n- b\n", "title: 'unclosed\n", "a: [1, 2\n", "reviewed: 2024-13-45\n"):
        with pytest.raises(PropertiesError):
            parse(raw)


def test_flow_style_properties_are_parsed_but_not_positional():
    props = parse("{title: x, tags: [a]}\n")
    assert props.values == {"title": "x", "tags": ["a"]} and not props.positional
