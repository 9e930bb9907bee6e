"""Entry -> Zotero preprint + note, checked against the official zotero-schema with jsonschema."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from exportdigest.enrich import linked
from exportdigest.exporters.zotero import fingerprint
from exportdigest.exporters.zotero.plan import Remote, decide, decide_attachment
from exportdigest.exporters.zotero.render import clean, paper
from exportdigest.model import ArxivRecord, Commentary, Entry, Source, paper_id

OFFICIAL = json.loads((Path(__file__).parent / "data/zotero/schema.json").read_text("utf-8"))
TYPES = {t["itemType"]: t for t in OFFICIAL["itemTypes"]}
KEY = {"type": "string", "pattern": "^[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}$"}


def json_schema(item_type: str) -> dict:
    """A JSON Schema for the Web API's item JSON of one type, built from the official schema."""
    spec = TYPES[item_type]
    kinds = [c["creatorType"] for c in spec["creatorTypes"]]
    text = {"type": "string"}
    name = {"type": "string", "maxLength": 255}
    props = {f["field"]: text for f in spec["fields"]}
    props |= {
        "key": KEY,
        "version": {"type": "integer", "minimum": 0},
        "itemType": {"const": item_type},
        "tags": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "tag": {"type": "string", "minLength": 1, "maxLength": 255},
                    "type": {"enum": [0, 1]},
                },
                "required": ["tag"],
                "additionalProperties": False,
            },
        },
        "collections": {"type": "array", "items": KEY},
        "relations": {"type": "object"},
    }
    if item_type == "note":
        props |= {"note": text, "parentItem": KEY}
    elif item_type == "attachment":  # the Web API's attachment template
        modes = ["imported_file", "imported_url", "linked_file", "linked_url", "embedded_image"]
        props |= {"linkMode": {"enum": modes}, "parentItem": KEY}
        props |= {"contentType": text, "charset": text, "note": text}
    else:
        one = {"creatorType": {"enum": kinds}, "name": name | {"minLength": 1}}
        two = {"creatorType": {"enum": kinds}, "firstName": name, "lastName": name}
        props["creators"] = {
            "type": "array",
            "items": {
                "oneOf": [
                    {"type": "object", "properties": one, "required": list(one)},
                    {"type": "object", "properties": two, "required": list(two)},
                ]
            },
        }
        for variant in props["creators"]["items"]["oneOf"]:
            variant["additionalProperties"] = False
    return {
        "type": "object",
        "properties": props,
        "required": ["itemType"],
        "additionalProperties": False,
    }


VALIDATORS = {t: Draft202012Validator(json_schema(t)) for t in ("preprint", "note", "attachment")}


def sent(entry: Entry) -> list[dict]:
    """The objects the exporter sends to create this paper in an empty library."""
    rendered = paper(entry)
    decision = decide(rendered, Remote(), force=False)
    decision.objects[0]["collections"] = ["ABCD2345"]
    links = [rendered.pdf_link] if rendered.pdf_link else []
    made = [decide_attachment(a, None, gone=False, force=False).objects[0] for a in links]
    return decision.objects + made


def assert_valid(objects: list[dict]) -> None:
    for obj in objects:
        errors = [e.message for e in VALIDATORS[obj["itemType"]].iter_errors(obj)]
        assert not errors, (obj, errors)


def note_sections(html: str) -> dict[str, str]:
    """Parse a note with a strict XML parser: {h2 heading: its paragraphs joined by \\n}."""
    root = ET.fromstring(f"<note>{html}</note>")
    found: dict[str, list[str]] = {}
    current = None
    for element in root:
        if element.tag == "h2":
            current = found.setdefault(element.text or "", [])
        elif element.tag == "p":
            current.append(element.text or "")
    return {heading: "\n".join(lines) for heading, lines in found.items()}


def test_every_seed_paper_is_a_valid_preprint_with_a_valid_note(seed_entries):
    for entry in seed_entries:
        objects = sent(entry)
        assert [o["itemType"] for o in objects] == ["preprint", "note"]
        assert_valid(objects)
        assert objects[1]["parentItem"] == objects[0]["key"]


def test_the_packaged_field_lists_are_the_official_ones():
    packaged = json.loads(
        (Path(__file__).parents[1] / "exporters/zotero/schema.json").read_text("utf-8")
    )
    assert packaged["version"] == OFFICIAL["version"]
    for item_type in packaged["itemTypes"]:
        assert item_type == TYPES[item_type["itemType"]]


def test_a_field_of_another_type_fails_the_check():
    bad = sent(entry_with())[0] | {"publicationTitle": "Nature"}
    assert list(VALIDATORS["preprint"].iter_errors(bad))


def entry_with(**changes) -> Entry:
    base = Entry(
        id="",
        title="A Paper",
        authors=("Ann Author",),
        abstract="An abstract.",
        commentary=Commentary("논평.", "Commentary."),
        tags=("ml",),
        date=dt.date(2024, 11, 4),
        sources=(Source("d.txt", 2, dt.date(2024, 11, 4)),),
    )
    entry = replace(base, **changes)
    return linked(replace(entry, id=paper_id(entry.title)))  # as a run gives it to a target


def test_arxiv_fields_follow_zoteros_own_translator():
    url = "https://arxiv.org/abs/2410.23506v2"
    item = sent(entry_with(abstract=f"Read it at {url}.", urls=(url,)))[0]
    assert item["repository"] == "arXiv"
    assert item["archiveID"] == "arXiv:2410.23506"
    assert item["DOI"] == "10.48550/arXiv.2410.23506"
    assert item["url"] == "https://arxiv.org/abs/2410.23506"
    assert item["date"] == "2024-10"
    assert item["extra"].startswith("exportdigest-id: ")  # a link alone: no other line


def test_a_looked_up_paper_is_a_complete_arxiv_preprint_with_a_link_to_its_pdf():
    record = ArxivRecord("2410.23506", 2, "cs.LG", "2024-10-30", "10.1000/pub.1")
    objects = sent(replace(entry_with(), arxiv=record))
    assert_valid(objects)
    item, note, pdf = objects
    assert (item["repository"], item["archiveID"]) == ("arXiv", "arXiv:2410.23506")
    assert item["DOI"] == "10.48550/arXiv.2410.23506"
    assert item["extra"].splitlines()[:2] == [
        "arXiv category: cs.LG",
        "Published version DOI: 10.1000/pub.1",
    ]
    assert note["itemType"] == "note"
    assert pdf["linkMode"] == "linked_url" and pdf["url"] == "https://arxiv.org/pdf/2410.23506"
    assert pdf["parentItem"] == item["key"] and pdf["version"] == 0
    assert (pdf["title"], pdf["contentType"]) == ("Full Text PDF", "application/pdf")
    assert len(sent(entry_with())) == 2  # no record: no attachment


def test_an_arxiv_link_in_the_commentary_is_not_the_papers_own(seed_entries):
    tokenformer = next(e for e in seed_entries if e.title.startswith("TokenFormer"))
    item = sent(tokenformer)[0]
    assert "url" not in item and "archiveID" not in item


def test_the_paper_id_and_push_fingerprints_are_in_extra():
    entry = entry_with()
    item = sent(entry)[0]
    assert fingerprint.paper_id_of(item["extra"]) == entry.id
    assert fingerprint.pushed(item["extra"]) == (paper(entry).item_fp, paper(entry).note_fp)


def test_text_is_escaped_in_the_note():
    entry = entry_with(title="<b>Bold</b> & co", commentary=Commentary("<script>x</script>", ""))
    note = sent(entry)[1]["note"]
    assert "<script>" not in note and "&lt;script&gt;" in note
    assert "<h1>&lt;b&gt;Bold&lt;/b&gt; &amp; co</h1>" in note
    assert note_sections(note) == {"한국어": "<script>x</script>"}


def test_no_commentary_means_no_note():
    assert len(sent(entry_with(commentary=Commentary("", "")))) == 1


def test_tags_are_automatic_and_unique():
    item = sent(entry_with(tags=("llm", "llm", "rl")))[0]
    assert item["tags"] == [{"tag": "llm", "type": 1}, {"tag": "rl", "type": 1}]


texts = st.text(max_size=200)
lines = st.lists(texts, max_size=4).map("\n".join)
entries = st.builds(
    entry_with,
    title=st.text(min_size=1, max_size=120),
    authors=st.lists(st.text(max_size=40), max_size=6).map(tuple),
    abstract=lines,
    commentary=st.builds(Commentary, lines, lines),
    tags=st.lists(st.text(min_size=1, max_size=300), max_size=4).map(tuple),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries)
def test_any_entry_renders_to_valid_objects_whose_note_gives_the_text_back(entry):
    objects = sent(entry)
    assert_valid(objects)
    item = objects[0]
    title = item["title"]  # on one line, its words those of the digest's title
    assert len(title.splitlines()) <= 1 and title == title.strip()
    assert title.split() == clean(entry.title).split()
    assert item["abstractNote"] == clean(entry.abstract)
    ko, en = clean(entry.commentary.ko), clean(entry.commentary.en)
    if not (ko or en):
        assert len(objects) == 1
        return
    sections = note_sections(objects[1]["note"])
    assert sections == {k: v for k, v in (("한국어", ko), ("English", en)) if v}
    rendered = paper(entry)  # the fingerprint it keeps is the one its HTML gives when read
    assert rendered.note_fp == fingerprint.note_fp(objects[1]["note"])


@pytest.mark.parametrize("wrapper", ['<div data-schema-version="9">{}</div>', "{}\n\n"])
def test_note_fingerprint_ignores_markup_that_does_not_change_the_text(wrapper):
    note = paper(entry_with()).note
    assert fingerprint.note_fp(wrapper.format(note)) == fingerprint.note_fp(note)
    assert fingerprint.note_fp(note.replace("Commentary.", "Changed.")) != fingerprint.note_fp(note)
