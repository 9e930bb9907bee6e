"""The Obsidian note and the Zotero item open each other, over the real vault and stand-in."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from obsidian_support import papers, snapshot

pytest_plugins = ("zotero_standin",)  # fixtures: clock, standin

ZOTERO_LINK = re.compile(r"^zotero://select/library/items/([23456789A-Z]{8})$")


@pytest.fixture
def sync(run_cli, standin, tmp_path):
    """Run exportdigest with the given targets against the stand-in and a vault."""
    vault = tmp_path / "vault"

    def run(*targets: str, digests: Path, extra: tuple[str, ...] = ()):
        args = [a for t in targets for a in ("-t", t)]
        result = run_cli(
            *args,
            *("--vault", str(vault), "--zotero-library-id", standin.library_id),
            *("--zotero-api-url", standin.url, *extra, str(digests)),
            env={"ZOTERO_API_KEY": standin.api_key},
        )
        assert result.exit_code == 0, result.output
        return result.output

    run.vault = vault  # type: ignore[attr-defined]
    return run


def paper_files(vault: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every paper note."""
    wanted = {rel for rel, _post in papers(vault).values()}
    return {rel: v for rel, v in snapshot(vault).items() if rel in wanted}


def note_links(standin) -> dict[str, dict]:
    """The tool's "Obsidian note" attachments, by parent item key."""
    found: dict[str, dict] = {}
    for data in standin.items.values():
        if data["itemType"] == "attachment" and data["title"] == "Obsidian note":
            assert data["parentItem"] not in found, "two Obsidian note links on one item"
            found[data["parentItem"]] = data
    return found


def opened(url: str, vault: Path) -> str:
    """The note (vault-relative, with .md) an obsidian:// link opens in `vault`."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (parts.scheme, parts.netloc) == ("obsidian", "open")
    assert query["vault"] == [vault.name]
    return query["file"][0] + ".md"


def assert_linked_both_ways(standin, vault: Path) -> None:
    notes = papers(vault)
    links = note_links(standin)
    assert len(notes) == len(standin.top_items()) == len(links) == 10
    for paper_id, (rel, post) in notes.items():
        key = ZOTERO_LINK.match(post["zotero"]).group(1)
        item = standin.items[key]  # names an item the stand-in holds: this paper's
        assert item["itemType"] == "preprint" and paper_id in item["extra"]
        assert f"[Open in Zotero]({post['zotero']})" in post.content
        link = links[key]
        assert link["linkMode"] == "linked_url" and "collections" not in link
        assert opened(link["url"], vault) == rel  # where the note is now


@pytest.mark.parametrize("order", [("zotero", "obsidian"), ("obsidian", "zotero")])
def test_one_run_links_both_ways_whatever_the_order_and_a_rerun_writes_nothing(
    sync, standin, seed_path, order
):
    sync(*order, digests=seed_path)
    assert_linked_both_ways(standin, sync.vault)

    before = snapshot(sync.vault)
    standin.reset_log()
    output = sync(*order, digests=seed_path)
    assert standin.writes == [] and snapshot(sync.vault) == before
    assert "links" not in output


def test_a_moved_note_gets_its_link_updated_in_one_request_and_nothing_else(
    sync, standin, seed_path
):
    sync("zotero", "obsidian", digests=seed_path)
    rel, _post = next(iter(papers(sync.vault).values()))
    moved = sync.vault / "Reading" / "Moved here.md"
    moved.parent.mkdir()
    (sync.vault / rel).rename(moved)
    others = {k: v for k, v in note_links(standin).items()}
    before = paper_files(sync.vault)
    standin.reset_log()

    output = sync("zotero", "obsidian", digests=seed_path)
    assert len(standin.writes) == 1 and "1 links updated" in output
    # Every paper note stays as it was, the moved one where the user put it (the index and
    # the digest note follow it, as they always did).
    assert paper_files(sync.vault) == before
    after = note_links(standin)
    changed = [k for k in after if after[k] != others[k]]
    assert len(changed) == 1 and opened(after[changed[0]]["url"], sync.vault) == (
        "Reading/Moved here.md"
    )
    assert_linked_both_ways(standin, sync.vault)


def test_one_target_at_a_time_links_to_what_the_other_published_before(sync, standin, seed_path):
    sync("zotero", digests=seed_path)
    assert note_links(standin) == {}  # no vault known yet
    sync("obsidian", digests=seed_path)  # yesterday's items, from the state directory
    assert all(post.get("zotero") for _rel, post in papers(sync.vault).values())
    sync("zotero", digests=seed_path)
    assert_linked_both_ways(standin, sync.vault)


def test_a_vault_without_zotero_has_no_zotero_property_or_link(sync, seed_path):
    sync("obsidian", digests=seed_path)
    for _rel, post in papers(sync.vault).values():
        assert "zotero" not in post.metadata and "Open in Zotero" not in post.content


def test_a_deleted_link_is_not_recreated_without_force(sync, standin, seed_path, tmp_path):
    sync("zotero", "obsidian", digests=seed_path)
    key, link = next(iter(note_links(standin).items()))
    standin.user_delete(link["key"])
    standin.reset_log()
    sync("zotero", "obsidian", digests=seed_path)
    assert standin.writes == [] and key not in note_links(standin)
    shutil.rmtree(tmp_path / "state")  # a new machine: the deletion log tells
    output = sync("zotero", "obsidian", digests=seed_path)
    assert key not in note_links(standin) and "1 links skipped" in output
    sync("zotero", "obsidian", digests=seed_path, extra=("--force",))
    assert key in note_links(standin)


def move_note_of(item_key: str, vault: Path) -> None:
    """Move the note whose `zotero` property names the item, as the user would."""
    (rel,) = [r for r, p in papers(vault).values() if p["zotero"].endswith(item_key)]
    (vault / rel).rename(vault / "Papers" / "Moved here.md")


def test_a_link_the_user_tagged_keeps_its_tags_when_the_note_moves(sync, standin, seed_path):
    sync("zotero", "obsidian", digests=seed_path)
    parent, link = next(iter(note_links(standin).items()))
    standin.user_edit(link["key"], tags=[{"tag": "to read"}], relations={"dc:relation": []})
    sync("zotero", "obsidian", digests=seed_path)  # reads the edit: nothing of ours changed
    move_note_of(parent, sync.vault)
    output = sync("zotero", "obsidian", digests=seed_path)
    after = note_links(standin)[parent]
    assert "1 links updated" in output
    assert opened(after["url"], sync.vault) == "Papers/Moved here.md"
    assert after["tags"] == [{"tag": "to read"}]  # the user's tag, kept


def test_a_link_the_user_trashed_stays_in_the_trash_when_the_note_moves(sync, standin, seed_path):
    sync("zotero", "obsidian", digests=seed_path)
    parent, link = next(iter(note_links(standin).items()))
    standin.user_trash(link["key"])
    assert "1 links skipped" in sync("zotero", "obsidian", digests=seed_path)
    move_note_of(parent, sync.vault)
    standin.reset_log()
    output = sync("zotero", "obsidian", digests=seed_path)
    assert standin.items[link["key"]]["deleted"] == 1 and "1 links skipped" in output
    assert standin.writes == []


def test_a_users_own_attachment_is_left_alone(sync, standin, seed_path):
    sync("zotero", "obsidian", digests=seed_path)
    parent = next(iter(note_links(standin)))
    mine = {"itemType": "attachment", "linkMode": "linked_url", "parentItem": parent}
    mine.update(title="My page", url="https://example.org/", contentType="")
    code, body = standin.write("items", [mine], {})
    assert code == 200 and body["successful"], body
    (move,) = [r for r, _p in papers(sync.vault).values()][:1]
    (sync.vault / move).rename(sync.vault / "Papers" / "Renamed.md")
    sync("zotero", "obsidian", digests=seed_path)
    own = [d for d in standin.items.values() if d.get("title") == "My page"]
    assert len(own) == 1 and own[0]["url"] == "https://example.org/"


def test_a_refused_obsidian_link_leaves_items_and_notes_and_is_said_once(sync, standin, seed_path):
    standin.refused_schemes = {"obsidian"}
    output = sync("zotero", "obsidian", digests=seed_path)
    assert len(standin.top_items()) == 10 and note_links(standin) == {}
    assert sum(1 for d in standin.items.values() if d["itemType"] == "note") == 10
    assert output.count("refused 10 link attachment(s)") == 1 and "links are not" in output
    assert all(post.get("zotero") for _rel, post in papers(sync.vault).values())


def test_the_standin_refuses_what_the_api_refuses_of_a_linked_url_attachment(
    standin, sync, seed_path
):
    sync("zotero", digests=seed_path)
    parent = standin.top_items()[0]["key"]
    base = {"itemType": "attachment", "linkMode": "linked_url", "parentItem": parent, "url": "x:"}
    for bad in (
        {"linkMode": "no_such_mode"},
        {"collections": [next(iter(standin.collections))]},
        {"filename": "a.pdf"},
        {"abstractNote": "not an attachment field"},
        {"parentItem": "ZZZZZZZZ"},
    ):
        code, body = standin.write("items", [{**base, **bad}], {})
        assert code == 200 and body["failed"]["0"]["code"] in (400, 409), (bad, body)


def test_a_folder_of_a_larger_vault_is_linked_inside_that_vault(run_cli, tmp_path, seed_path):
    outer = tmp_path / "My Notes"
    (outer / ".obsidian").mkdir(parents=True)
    inner = outer / "Research digests"
    result = run_cli("-t", "obsidian", "--vault", str(inner), str(seed_path))
    assert result.exit_code == 0, result.output
    assert not (inner / ".obsidian").exists()  # no second vault made inside the first
    from exportdigest.locations import Locations

    uris = Locations().read("obsidian")
    notes = papers(inner)
    assert set(uris) == set(notes)
    for paper_id, (rel, _post) in notes.items():
        assert opened(uris[paper_id], outer) == f"Research digests/{rel}"
        assert "vault=My%20Notes&file=Research%20digests%2FPapers%2F" in uris[paper_id]


def test_a_group_library_is_linked_with_its_group_id(run_cli, standin, clock, tmp_path, seed_path):
    from zotero_standin import ZoteroStandIn

    with ZoteroStandIn(clock=clock, library_type="group", library_id="98765") as group:
        result = run_cli(
            *("-t", "obsidian", "-t", "zotero", "--vault", str(tmp_path / "v")),
            *("--zotero-library-type", "group", "--zotero-library-id", "98765"),
            *("--zotero-api-url", group.url, str(seed_path)),
            env={"ZOTERO_API_KEY": group.api_key},
        )
        assert result.exit_code == 0, result.output
        for _rel, post in papers(tmp_path / "v").values():
            prefix = "zotero://select/groups/98765/items/"
            assert post["zotero"].startswith(prefix)
            assert post["zotero"].removeprefix(prefix) in group.items
        assert len(note_links(group)) == 10


def test_an_item_deleted_in_zotero_takes_its_link_out_of_the_note(sync, standin, seed_path):
    sync("zotero", "obsidian", digests=seed_path)
    paper_id, (rel, post) = next(iter(papers(sync.vault).items()))
    key = ZOTERO_LINK.match(post["zotero"]).group(1)
    standin.user_delete(key)
    output = sync("zotero", "obsidian", digests=seed_path)
    assert "conflict" not in output and key not in standin.items
    _rel, post = papers(sync.vault)[paper_id]
    assert "zotero" not in post.metadata and "Open in Zotero" not in post.content
    others = [p for pid, (_r, p) in papers(sync.vault).items() if pid != paper_id]
    assert all(ZOTERO_LINK.match(p["zotero"]).group(1) in standin.items for p in others)


def test_notes_made_before_zotero_gain_their_link_as_one_update_never_a_conflict(
    sync, standin, seed_path
):
    sync("obsidian", digests=seed_path)
    before = {pid: post.content for pid, (_rel, post) in papers(sync.vault).items()}
    output = sync("obsidian", "zotero", digests=seed_path)
    assert "obsidian: 0 created, 10 updated, 0 unchanged" in output and "conflict" not in output
    marker = re.compile(r"^%% exportdigest:begin .*$", re.MULTILINE)
    for pid, (_rel, post) in papers(sync.vault).items():
        link = f"**Zotero:** [Open in Zotero]({post['zotero']})\n\n"
        assert marker.sub("", post.content.replace(link, "")) == marker.sub("", before[pid])
    assert_linked_both_ways(standin, sync.vault)


def test_a_dry_run_of_both_writes_nothing_not_even_the_locations(
    sync, standin, seed_path, tmp_path
):
    output = sync("zotero", "obsidian", digests=seed_path, extra=("--dry-run",))
    assert standin.writes == [] and not sync.vault.exists()
    assert not (tmp_path / "state" / "exportdigest" / "locations.json").exists()
    assert "would create: Obsidian note link of" in output


@pytest.mark.parametrize("saved", ["[1]", '"x"', "null", '{"format": 1, "targets": [1]}', "{"])
def test_a_damaged_locations_file_is_a_cache_that_is_rebuilt(run_cli, tmp_path, seed_path, saved):
    from exportdigest.config import state_dir

    path = state_dir() / "locations.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(saved, "utf-8")
    result = run_cli("-t", "obsidian", "--vault", str(tmp_path / "v"), str(seed_path))
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    assert len(json.loads(path.read_text("utf-8"))["targets"]["obsidian"]) == 10
