"""A library an earlier release wrote stays as it is: no conflicts, no rewrites, no requests.

`data/zotero/library-9d28ce4.json` is the stand-in's whole store after the code of commit
9d28ce4 pushed the seed digest and `data/zotero/names.txt` (author names its two split rules
treated differently) into an empty library: items, notes and the collection, as written then.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exportdigest.exporters.zotero.render import paper
from exportdigest.inputs import collect
from exportdigest.reader import Digests

pytest_plugins = ("zotero_standin",)  # fixtures: clock, standin, push

DATA = Path(__file__).parent / "data"
OLD_LIBRARY = DATA / "zotero" / "library-9d28ce4.json"
DIGESTS = [DATA / "2024-11-04.txt", DATA / "zotero" / "names.txt"]


@pytest.fixture
def old_library(standin):
    """The stand-in holding the library as commit 9d28ce4 left it (no local state here)."""
    stored = json.loads(OLD_LIBRARY.read_text("utf-8"))
    standin.items, standin.collections = stored["items"], stored["collections"]
    standin.version = stored["version"]
    return stored


def test_a_library_written_by_9d28ce4_is_left_untouched(push, standin, old_library):
    before = json.loads(json.dumps(standin.items))
    result = push(*map(str, DIGESTS))
    assert result.exit_code == 0, result.output
    assert "zotero: 0 created, 0 updated, 11 unchanged, 0 skipped" in result.output
    assert "conflict" not in result.output
    assert standin.writes == []
    assert standin.items == before


def test_todays_rendering_equals_what_9d28ce4_stored(old_library):
    items = old_library["items"]
    for entry in Digests(collect([str(d) for d in DIGESTS])):
        rendered = paper(entry)
        stored = items[rendered.item_key]
        for field, value in rendered.item.items():
            if field != "extra":
                assert stored[field] == value, (entry.title, field)
        assert rendered.note is not None
        assert items[rendered.note_key]["note"] == rendered.note
        sync_line = f"exportdigest-sync: {rendered.item_fp} {rendered.note_fp}"
        assert sync_line in stored["extra"].splitlines()
