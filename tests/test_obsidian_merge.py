"""Merging new tool text into a note keeps any text and properties of the user's, byte for byte."""

from __future__ import annotations

import datetime as dt

import frontmatter
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from exportdigest.exporter import CONFLICT, UNCHANGED, UPDATED
from exportdigest.exporters.obsidian.sync import Desired, merge, new_note

KEYS = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10).filter(
    lambda k: k not in {"title", "aliases", "authors", "tags", "date", "paper_id", "digests"}
)
VALUES = st.one_of(
    st.text(max_size=30), st.integers(), st.booleans(), st.lists(st.text(max_size=10), max_size=3)
)
USER_TEXT = st.text(max_size=200).filter(lambda t: "%%" not in t and "\r" not in t)


def desired(ko: str, tags=("transformer",)) -> Desired:
    props = {
        "title": 'A Paper: "With" #Everything [x] | y',
        "aliases": ["A Paper"],
        "authors": ["Ada Lovelace", "Alan Turing"],
        "tags": list(tags),
        "date": dt.date(2024, 11, 4),
        "paper_id": "0123456789abcdef",
        "digests": ["[[Digest 2024-11-04]]"],
    }
    inner = f"# A Paper\n\n## Commentary\n\n{ko}\n\n**Tags:** [[transformer]]\n"
    return Desired(props, inner, ko.encode().hex()[:16].ljust(16, "0"), "0123456789abcdef")


def with_user_parts(text: str, extra: dict, before: str, after: str) -> str:
    """The note as a user might leave it: own properties, text above and below the block."""
    head, sep, body = text.partition("\n---\n")
    own = yaml.safe_dump(extra, allow_unicode=True, sort_keys=False) if extra else ""
    return f"{head}\n{own}{sep.lstrip(chr(10))}{before}{body.rstrip(chr(10))}\n{after}"


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=4), USER_TEXT, USER_TEXT)
def test_user_text_and_properties_survive_an_update_byte_for_byte(extra, before, after):
    before = before + "\n" if before and not before.endswith("\n") else before
    note = with_user_parts(new_note(desired("old")), extra, before, after)
    own = yaml.safe_dump(extra, allow_unicode=True, sort_keys=False) if extra else ""
    decision = merge(note, desired("새 해설"))
    assert decision.action == UPDATED
    text = decision.text
    assert own in text and text.endswith(after)
    assert "---\n" + before + "%% exportdigest:begin" in text
    post = frontmatter.loads(text)
    assert {k: post[k] for k in extra} == (yaml.safe_load(own) if extra else {})
    assert "새 해설" in post.content and "old" not in post.content.replace(after, "")
    assert merge(text, desired("새 해설")).action == UNCHANGED  # nothing left to do


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda t: "%%" not in t and t.strip()))
def test_any_edit_inside_the_block_is_a_conflict_unless_forced(inserted):
    note = new_note(desired("old"))
    edited = note.replace("## Commentary\n", f"## Commentary\n{inserted}\n")
    decision = merge(edited, desired("new"))
    assert decision.action == CONFLICT and decision.text is None
    forced = merge(edited, desired("new"), force=True)
    assert forced.action == UPDATED
    block = forced.text.split(" %%\n", 1)[1].split("%% exportdigest:end %%")[0]
    assert block == desired("new").inner


def test_a_note_that_differs_only_in_its_in_fingerprint_is_left_as_it_is():
    note = new_note(desired("old"))
    same_output = Desired(
        desired("old").properties, desired("old").inner, "f" * 16, "0123456789abcdef"
    )
    assert merge(note, same_output).action == UNCHANGED


def test_an_edit_of_the_tools_text_stays_while_the_tool_would_write_the_same():
    edited = new_note(desired("old")).replace("## Commentary\n", "## Commentary\nmine\n")
    same_output = Desired(
        desired("old").properties, desired("old").inner, "f" * 16, "0123456789abcdef"
    )
    assert merge(edited, same_output).action == UNCHANGED
    assert merge(edited, desired("new")).action == CONFLICT
