"""`--target zotero` against the strict stand-in: idempotent, no duplicates, no clobbering."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest

from exportdigest.exporters.zotero.keys import item_key, note_key

pytest_plugins = ("zotero_standin",)  # fixtures: clock, standin, push, big_digest

TITLE = "Learning to Achieve Goals with Belief State Transformers"


def items_by_title(server) -> dict[str, dict]:
    """Regular items of the library by title (fails on a duplicate title)."""
    titles = Counter(d["title"] for d in server.top_items())
    assert max(titles.values(), default=1) == 1, f"duplicates: {titles.most_common(3)}"
    return {d["title"]: d for d in server.top_items()}


def note_of(server, item: dict) -> dict:
    (note,) = server.children(item["key"])
    return note


def edit_digest(path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def test_first_push_files_each_paper_with_its_note(push, standin, seed_path):
    result = push(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "zotero: 10 created" in result.output
    items = items_by_title(standin)
    assert len(items) == 10
    (collection,) = standin.collections.values()
    assert collection["name"] == "Paper digests" and collection["parentCollection"] is False
    item = items[TITLE]
    assert item["itemType"] == "preprint"
    assert item["creators"][0] == {
        "creatorType": "author",
        "firstName": "Edward S.",
        "lastName": "Hu",
    }
    assert item["abstractNote"].startswith('We introduce the "Belief State Transformer"')
    assert item["tags"] == [{"tag": "transformer", "type": 1}]
    assert item["collections"] == [collection["key"]]
    assert "exportdigest-id: 7dc7237e107aa167" in item["extra"].splitlines()
    note = note_of(standin, item)
    assert "<h2>한국어</h2>" in note["note"] and "<h2>English</h2>" in note["note"]
    assert "Prefix와 Suffix의 조합에 대해" in note["note"]
    # a paper and its note travel together: one write request for all 20 objects
    (write,) = [w for w in standin.writes if w.resource == "items"]
    assert write.objects == 20


def test_second_run_reads_once_and_writes_nothing(push, standin, seed_path):
    push(str(seed_path))
    standin.reset_log()
    result = push(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 10 unchanged" in result.output
    assert standin.writes == []
    assert len(standin.requests) == 1  # items?format=versions&since=<last library version>
    assert standin.requests[0].query["since"].isdigit()


def test_reruns_stay_at_one_request_for_a_large_library(push, standin, big_digest):
    digest = big_digest(130)
    assert push(str(digest)).exit_code == 0
    assert all(w.objects <= 50 for w in standin.writes)
    standin.reset_log()
    result = push(str(digest))
    assert "130 unchanged" in result.output
    assert len(standin.requests) == 1 and standin.writes == []


def test_changed_digest_updates_item_and_note(push, standin, seed_path):
    push(str(seed_path))
    edit_digest(seed_path, "from a single sequence.", "from a single sequence. Updated.")
    edit_digest(seed_path, "Our code and data are available", "Our code and data are online")
    standin.reset_log()
    result = push(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "0 created, 2 updated, 8 unchanged" in result.output
    items = items_by_title(standin)
    assert "Updated." in note_of(standin, items[TITLE])["note"]
    memorization = items["On Memorization of Large Language Models in Logical Reasoning"]
    assert "Our code and data are online" in memorization["abstractNote"]
    (write,) = standin.writes
    assert write.objects == 3  # the changed note, its item (new fingerprint), the changed item
    assert "0 updated, 10 unchanged" in push(str(seed_path)).output


def test_user_edit_is_a_conflict_unless_forced(push, standin, seed_path):
    push(str(seed_path))
    key = item_key("7dc7237e107aa167")
    standin.user_edit(key, title="My own title")
    edit_digest(seed_path, "from a single sequence.", "from one sequence.")
    result = push(str(seed_path))
    assert result.exit_code == 0
    assert f"zotero: conflict: {TITLE}: changed in Zotero" in result.output
    assert "1 conflict" in result.output
    assert standin.items[key]["title"] == "My own title"
    assert "from a single sequence." in standin.items[note_key("7dc7237e107aa167")]["note"]
    again = push(str(seed_path))  # reported again, still without writing
    assert "1 conflict" in again.output and standin.items[key]["title"] == "My own title"
    forced = push("--force", str(seed_path))
    assert "1 updated" in forced.output, forced.output
    assert standin.items[key]["title"] == TITLE
    assert "from one sequence." in standin.items[note_key("7dc7237e107aa167")]["note"]


def test_user_edit_alone_is_kept_quietly_and_force_restores(push, standin, seed_path):
    push(str(seed_path))
    key = item_key("7dc7237e107aa167")
    standin.user_edit(key, title="My own title")
    result = push("-v", str(seed_path))  # the digest did not change: nothing to fight over
    assert result.exit_code == 0
    assert "conflict" not in result.output and "1 skipped" in result.output
    assert f"skipped: {TITLE} (changed in Zotero)" in result.output
    assert standin.items[key]["title"] == "My own title"
    assert "1 skipped" in push(str(seed_path)).output
    assert "1 updated" in push("--force", str(seed_path)).output
    assert standin.items[key]["title"] == TITLE


def test_user_edit_of_the_note_is_a_conflict(push, standin, seed_path):
    push(str(seed_path))
    note = note_key("7dc7237e107aa167")
    standin.user_edit(note, note=standin.items[note]["note"] + "<p>my thoughts</p>")
    edit_digest(seed_path, "from a single sequence.", "from one sequence.")
    result = push(str(seed_path))
    assert "its note was changed in Zotero" in result.output
    assert "my thoughts" in standin.items[note]["note"]


def test_what_the_user_adds_is_kept_and_is_no_conflict(push, standin, seed_path):
    push(str(seed_path))
    key = item_key("7dc7237e107aa167")
    reading = standin.user_create_collection("To read")
    item = standin.items[key]
    standin.user_edit(
        key,
        tags=item["tags"] + [{"tag": "to-read"}],
        collections=item["collections"] + [reading],
        extra="Citation Key: hu2024\n" + item["extra"],
        language="en",
    )
    edit_digest(
        seed_path, "(Edward S. Hu, Kwangjun Ahn,", "(Edward S. Hu, Kwangjun Ahn, New Author,"
    )
    result = push(str(seed_path))
    assert "1 updated" in result.output and "conflict" not in result.output
    item = standin.items[key]
    assert {"tag": "to-read"} in item["tags"] and {"tag": "transformer", "type": 1} in item["tags"]
    assert reading in item["collections"]
    assert item["extra"].startswith("Citation Key: hu2024\n")
    assert item["language"] == "en"
    assert {"creatorType": "author", "firstName": "New", "lastName": "Author"} in item["creators"]


def test_new_machine_without_state_creates_no_duplicates(push, standin, seed_path, tmp_path):
    push(str(seed_path))
    shutil.rmtree(tmp_path / "state")
    edit_digest(seed_path, "from a single sequence.", "from one sequence.")
    standin.reset_log()
    result = push(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated, 9 unchanged" in result.output
    assert len(items_by_title(standin)) == 10 and len(standin.items) == 20
    reads = [r for r in standin.requests if r.method == "GET"]
    assert len(reads) == 2  # all versions, then the 20 objects by key (50 a request)
    assert "since" not in reads[0].query and reads[1].query["itemKey"].count(",") == 19


def test_a_conflict_is_found_on_a_new_machine_too(push, standin, seed_path, tmp_path):
    push(str(seed_path))
    standin.user_edit(item_key("7dc7237e107aa167"), abstractNote="rewritten by me")
    edit_digest(seed_path, "from a single sequence.", "from one sequence.")
    shutil.rmtree(tmp_path / "state")
    result = push(str(seed_path))
    assert "1 conflict" in result.output and "changed in Zotero" in result.output
    assert standin.items[item_key("7dc7237e107aa167")]["abstractNote"] == "rewritten by me"


def test_item_deleted_in_zotero_is_not_brought_back(push, standin, seed_path, tmp_path):
    push(str(seed_path))
    standin.user_delete(item_key("7dc7237e107aa167"))
    edit_digest(seed_path, "from a single sequence.", "from one sequence.")
    result = push(str(seed_path))
    assert "deleted in Zotero" in result.output and "1 conflict" in result.output
    assert TITLE not in items_by_title(standin)
    shutil.rmtree(tmp_path / "state")  # a new machine learns it from the deletion log
    result = push("-v", str(seed_path))
    assert f"skipped: {TITLE} (deleted in Zotero)" in result.output
    assert TITLE not in items_by_title(standin)
    forced = push("--force", str(seed_path))
    assert "1 created" in forced.output
    assert TITLE in items_by_title(standin)


def test_trashed_item_is_left_in_the_trash(push, standin, seed_path):
    push(str(seed_path))
    key = item_key("7dc7237e107aa167")
    standin.user_trash(key)
    result = push("-v", str(seed_path))
    assert f"skipped: {TITLE} (in the Zotero trash)" in result.output
    assert "1 skipped" in push(str(seed_path)).output  # remembered without reading it again
    assert standin.items[key]["deleted"] == 1
    push("--force", str(seed_path))
    assert not standin.items[key].get("deleted")


def test_server_rewriting_note_html_is_not_taken_for_a_user_edit(push, standin, seed_path):
    standin.note_filter = lambda html: (
        '<div data-schema-version="9">' + html.replace("\n", "").replace("&gt;", ">") + "</div>"
    )
    push(str(seed_path))
    result = push(str(seed_path))
    assert "10 unchanged" in result.output and "conflict" not in result.output


def test_commentary_added_later_creates_the_note(push, standin, tmp_path, seed_entries):
    from dataclasses import replace

    from exportdigest.digest_text import render
    from exportdigest.model import Commentary

    bare = replace(seed_entries[0], commentary=Commentary("", ""))
    digest = tmp_path / "2024-11-04.txt"
    digest.write_text(render([bare]), "utf-8")
    push(str(digest))
    assert standin.children(item_key(bare.id)) == []
    digest.write_text(render([seed_entries[0]]), "utf-8")
    result = push(str(digest))
    assert "1 updated" in result.output
    assert len(standin.children(item_key(bare.id))) == 1


def test_per_day_sub_collections(push, standin, big_digest):
    digest = big_digest(20)
    existing = standin.user_create_collection("Paper digests")
    result = push("--zotero-collection-per-day", str(digest))
    assert result.exit_code == 0, result.output
    names = sorted((c["name"], c["parentCollection"]) for c in standin.collections.values())
    assert names == [("2024-11-04", existing), ("2024-11-05", existing), ("Paper digests", False)]
    day = {c["name"]: c["key"] for c in standin.collections.values()}
    for item in standin.top_items():
        assert item["collections"] == [day[_day_of(item)]]
    standin.reset_log()
    assert "20 unchanged" in push("--zotero-collection-per-day", str(digest)).output
    assert standin.writes == []


def _day_of(item: dict) -> str:
    variant = int(item["title"].rsplit("variant ", 1)[1].rstrip(")"))
    return "2024-11-04" if variant < 10 else "2024-11-05"


def test_dry_run_shows_the_plan_and_sends_no_write(push, standin, seed_path, tmp_path):
    push(str(seed_path))
    state = next((tmp_path / "state").rglob("*.json"))
    saved = state.read_bytes()
    standin.user_edit(item_key("7dc7237e107aa167"), title="Mine")
    edit_digest(seed_path, "from a single sequence.", "from one sequence.")
    standin.user_edit(item_key("1264a3eaed202b52"), title="Mine too")
    edit_digest(seed_path, "(Chulin Xie,", "(Chulin Q. Xie,")
    extra = seed_path.parent / "2024-11-05.txt"
    extra.write_text(
        "2024년 11월 5일\nA Brand New Paper\n(Ann Author)\nAbstract.\n새 논평.\n#new\n", "utf-8"
    )
    standin.reset_log()
    result = push("--dry-run", str(seed_path.parent))
    assert result.exit_code == 0, result.output
    assert "would create: A Brand New Paper" in result.output
    assert "would update: On Memorization of Large Language Models" in result.output
    assert f"would stop at conflict: {TITLE} (changed in Zotero)" in result.output
    assert "would skip: TokenFormer: Rethinking" in result.output
    assert "would leave unchanged: Weight decay induces" in result.output
    assert "1 created, 1 updated, 7 unchanged, 1 skipped, 1 conflict" in result.output
    assert "dry run: nothing written" in result.output
    assert standin.writes == [] and state.read_bytes() == saved
    assert standin.items[item_key("7dc7237e107aa167")]["title"] == "Mine"


def test_dry_run_on_an_empty_library_names_the_collection_it_would_make(push, standin, seed_path):
    result = push("-n", str(seed_path))
    assert "would create collection: Paper digests" in result.output
    assert "10 created" in result.output and standin.writes == [] and standin.items == {}


@pytest.mark.parametrize("library_id", [None, "999999"])
def test_wrong_key_or_library_is_one_clear_error(push, standin, seed_path, tmp_path, library_id):
    key = "WrongKey0000000000000000" if library_id is None else None
    result = push(str(seed_path), key=key, library_id=library_id)
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and "refused access" in errors[0], result.output
    assert standin.writes == [] and standin.items == {}
    assert not (tmp_path / "state").exists()


def test_a_wrong_key_says_only_zotero_was_not_written(run_cli, standin, seed_path, tmp_path):
    out = tmp_path / "papers.jsonl"
    result = run_cli(
        *("-t", "jsonl", "--jsonl-out", str(out), "-t", "zotero"),
        *("--zotero-library-id", standin.library_id, "--zotero-api-url", standin.url),
        str(seed_path),
        env={"ZOTERO_API_KEY": "WrongKey0000000000000000"},
    )
    assert result.exit_code == 2
    assert len(out.read_text("utf-8").splitlines()) == 10  # jsonl was written
    (error,) = [line for line in result.output.splitlines() if "error" in line.lower()]
    assert "refused access" in error and error.endswith("nothing was written to Zotero")
    assert standin.items == {}


def test_key_without_write_access_fails_cleanly(push, standin, seed_path):
    standin.write_access = False
    result = push(str(seed_path))
    assert result.exit_code == 1
    assert "may not write to this library" in result.output
    assert standin.items == {}


@pytest.mark.parametrize(
    ("act", "reason"),
    [
        (lambda lib, key: lib.user_trash(key), "its note is in the Zotero trash"),
        (lambda lib, key: lib.user_delete(key), "its note was deleted in Zotero"),
        (
            lambda lib, key: lib.user_edit(key, note=lib.items[key]["note"] + "<p>mine</p>"),
            "its note was changed in Zotero",
        ),
    ],
    ids=["trashed", "deleted", "edited"],
)
def test_a_held_note_gives_the_same_reason_on_every_run(push, standin, seed_path, act, reason):
    push(str(seed_path))
    act(standin, note_key("7dc7237e107aa167"))
    edit_digest(seed_path, "from a single sequence.", "from one sequence.")
    standin.reset_log()
    first = push(str(seed_path))  # decided on the library's copies
    again = push(str(seed_path))  # decided on what the first run recorded
    for result in (first, again):
        assert f"zotero: conflict: {TITLE}: {reason}; left as it is" in result.output
        assert "0 updated, 9 unchanged, 0 skipped, 1 conflict" in result.output, result.output
    assert standin.writes == []


@pytest.mark.parametrize("force", [False, True])
def test_an_item_naming_another_paper_is_a_conflict_force_cannot_resolve(
    push, standin, seed_path, force
):
    push(str(seed_path))
    key = item_key("7dc7237e107aa167")
    extra = standin.items[key]["extra"].replace("7dc7237e107aa167", "0123456789abcdef")
    standin.user_edit(key, extra=extra)
    standin.reset_log()
    result = push(*(["--force"] if force else []), str(seed_path))
    (line,) = [line for line in result.output.splitlines() if "zotero: conflict:" in line]
    assert f"{TITLE}: key {key} is taken by another Zotero item; left as it is" in line
    assert "--force" not in line  # it would not overwrite it
    assert "exportdigest-id line in that item's Extra" in line
    assert "1 conflict" in result.output and standin.writes == []
    assert standin.items[key]["extra"] == extra
