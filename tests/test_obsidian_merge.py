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


def as_written_by_0_1(text: str) -> str:
    """The note as 0.1 wrote it: links by name alone, no id in the marker, its `out` hash."""
    from exportdigest.exporters.obsidian.sync import content_hash

    props, inner = desired("old").properties, desired("old").inner
    old_out = content_hash(props, inner, legacy=True)
    marker = text.split("\n%% exportdigest:begin ", 1)[1].split("\n", 1)[0]
    h_in = marker.split()[0]
    return text.replace(marker, f"{h_in} out={old_out} - edit outside this block %%")


def test_a_0_1_note_holding_what_the_tool_writes_is_not_rewritten_for_the_id_alone():
    old = as_written_by_0_1(new_note(desired("old")))
    assert " id=" not in old
    assert merge(old, desired("old")).action == UNCHANGED
    updated = merge(old, desired("new"))
    assert updated.action == UPDATED and " id=0123456789abcdef " in updated.text


def test_new_links_are_no_edit_of_a_0_1_note_and_an_edited_one_stays():
    def qualified(d: Desired) -> Desired:
        props = dict(d.properties, digests=["[[Digests/Digest 2024-11-04|Digest 2024-11-04]]"])
        inner = d.inner.replace("[[transformer]]", "[[Tags/transformer|transformer]]")
        return Desired(props, inner, d.h_in, d.id)

    old = as_written_by_0_1(new_note(desired("old")))
    update = merge(old, qualified(desired("old")))
    assert update.action == UPDATED and "[[Tags/transformer|transformer]]" in update.text
    edited = old.replace("## Commentary\n", "## Commentary\nmine\n")
    assert merge(edited, qualified(desired("old"))).action == UNCHANGED  # not a conflict
