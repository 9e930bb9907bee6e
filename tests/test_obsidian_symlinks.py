"""Notes with broken properties or made symbolic links, and vault folders that are links (also
swapped for one mid-run): found, never duplicated, nothing written through a link or outside."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import test_obsidian_sync
from obsidian_support import entry, papers, unresolved_links, with_commentary

import exportdigest.exporters.obsidian.vault as vault_module

vault, sync = test_obsidian_sync.vault, test_obsidian_sync.sync  # the same fixtures
PAPERS = [entry(f"Paper number {n}", tags=()) for n in range(6)]
FIRST = PAPERS[0]


def note_files(vault: Path) -> list[str]:
    return sorted(p.name for p in (vault / "Papers").iterdir() if not p.name.startswith("."))


@pytest.mark.parametrize(
    "break_it",
    [
        lambda t: t.split("\n", 1)[1],  # the first `---` deleted
        lambda t: t.replace("\n---\n", "\n", 1),  # the closing one
        lambda t: t.replace("title:", "title: [unclosed", 1),  # YAML made invalid
        lambda t: t.replace("title:", "reviewed: 2024-13-45\ntitle:", 1),  # no such date
    ],
    ids=["first-fence", "closing-fence", "invalid-yaml", "impossible-date"],
)
@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_a_note_with_broken_properties_is_a_conflict_never_a_duplicate(
    sync, vault, break_it, cache
):
    sync([FIRST])
    path = vault / "Papers" / f"{FIRST.title}.md"
    broken = break_it(path.read_text("utf-8"))
    path.write_text(broken, "utf-8")
    if not cache:
        shutil.rmtree(vault / ".exportdigest")
    names = note_files(vault)
    for force in ((), ("--force",)):
        result = sync([with_commentary(FIRST, "새 해설.")], *force, code=0)
        assert "conflict" in result.output and path.name in result.output
        assert note_files(vault) == names and path.read_text("utf-8") == broken
    assert "--force rewrites" not in result.output  # said with --force: not suggested again
    assert "even with --force" in result.output


def test_a_note_whose_paper_id_was_removed_is_still_the_papers(sync, vault):
    sync([FIRST])
    path = vault / "Papers" / f"{FIRST.title}.md"
    path.write_text(path.read_text("utf-8").replace("paper_id:", "paper id:", 1), "utf-8")
    shutil.rmtree(vault / ".exportdigest")
    assert "0 created, 0 updated, 1 unchanged" in sync([FIRST]).output  # found by its marker
    for _ in range(2):
        assert "0 created" in sync([with_commentary(FIRST, "새 해설.")]).output
        assert note_files(vault) == [path.name]


def test_an_old_note_with_no_id_in_its_marker_is_found_through_the_cache(sync, vault):
    sync([FIRST])
    path = vault / "Papers" / f"{FIRST.title}.md"
    text = path.read_text("utf-8").replace(f" id={FIRST.id}", "")  # as 0.1 wrote it
    path.write_text(text.split("\n", 1)[1], "utf-8")
    result = sync([with_commentary(FIRST, "새 해설.")])
    assert "conflict" in result.output and note_files(vault) == [path.name]


def test_a_note_replaced_by_a_link_out_of_the_vault_is_never_written_through(sync, vault, tmp_path):
    sync([FIRST])
    path = vault / "Papers" / f"{FIRST.title}.md"
    outside = tmp_path / "elsewhere.md"
    shutil.move(path, outside)
    path.symlink_to(outside)
    before = outside.read_bytes()
    shutil.rmtree(vault / ".exportdigest")
    result = sync([with_commentary(FIRST, "새 해설.")])
    assert "conflict" in result.output and "symbolic link" in result.output
    assert outside.read_bytes() == before and path.is_symlink()
    assert note_files(vault) == [path.name]  # no `Title (id).md` beside it
    assert "0 created, 0 updated, 1 unchanged" in sync([FIRST]).output


def test_a_note_linked_to_another_note_of_the_vault_is_the_link_target(sync, vault):
    sync([FIRST])
    path = vault / "Papers" / f"{FIRST.title}.md"
    (vault / "Archive").mkdir()
    moved = vault / "Archive" / path.name
    shutil.move(path, moved)
    path.symlink_to(moved)
    result = sync([with_commentary(FIRST, "새 해설.")])
    assert "1 updated" in result.output and "conflict" not in result.output
    assert "새 해설." in moved.read_text("utf-8") and path.is_symlink()
    assert note_files(vault) == [path.name]


def test_shared_settings_through_a_link_are_never_written_and_the_run_goes_on(
    sync, vault, tmp_path
):
    sync([FIRST])
    shared = tmp_path / "shared-settings"
    shutil.move(vault / ".obsidian", shared)
    (shared / "types.json").unlink()
    (vault / ".obsidian").symlink_to(shared)
    result = sync(PAPERS)
    assert "5 created" in result.output
    assert "creating .obsidian/types.json skipped: .obsidian/ is a symbolic link" in result.output
    assert not (shared / "types.json").exists()
    assert not [p for p in shared.iterdir() if p.name.endswith(".tmp")]
    (shared / "types.json").write_text('{"types": {"rating": "number"}}', "utf-8")
    result = sync(PAPERS)  # an existing file through the link: not changed either
    assert "updating .obsidian/types.json (property types added) skipped" in result.output
    assert (shared / "types.json").read_text("utf-8") == '{"types": {"rating": "number"}}'


def test_a_dangling_base_link_is_left_as_the_users(sync, vault):
    vault.mkdir()
    (vault / "Papers.base").symlink_to("/nonexistent/Papers.base")
    result = sync([FIRST])
    assert "1 created" in result.output and "base created" not in result.output
    assert os.readlink(vault / "Papers.base") == "/nonexistent/Papers.base"


def test_a_cache_folder_linked_away_is_not_written_and_the_notes_are(sync, vault, tmp_path):
    vault.mkdir()
    away = tmp_path / "away"
    away.mkdir()
    (vault / ".exportdigest").symlink_to(away)
    result = sync([FIRST])
    assert "1 created" in result.output and "cache is not saved" in result.output
    assert list(away.iterdir()) == []
    assert "0 created, 0 updated, 1 unchanged" in sync([FIRST]).output


def test_a_notes_folder_that_is_a_link_gets_no_note_and_is_said_once(sync, vault, tmp_path):
    vault.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (vault / "Papers").symlink_to(outside)
    result = sync(PAPERS, code=1)
    assert result.output.count("Papers/ is a symbolic link") == 1
    assert "0 created" in result.output and f"{len(PAPERS)} failed" in result.output
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_a_folder_swapped_for_a_link_mid_run_gets_nothing_outside(
    sync, vault, tmp_path, monkeypatch, where
):
    """`Papers/` moved away and replaced by a link after the 2nd note: nothing lands there."""
    outside = tmp_path / "outside"
    outside.mkdir()
    real_write = vault_module.write_atomic
    calls = []

    def swap_after_two(*args, **kwargs):
        stat = real_write(*args, **kwargs)
        if str(args[0]).startswith("Paper number"):
            calls.append(args[0])
        if len(calls) == 2 and (vault / "Papers").is_dir() and not (vault / "Papers").is_symlink():
            away = vault / "Moved" if where == "inside" else tmp_path / "moved"
            (vault / "Papers").rename(away)
            (vault / "Papers").symlink_to(outside)
        return stat

    vault.mkdir()
    (vault / ".obsidian").mkdir()
    monkeypatch.setattr(vault_module, "write_atomic", swap_after_two)
    result = sync(PAPERS, code=1)
    monkeypatch.undo()
    assert list(outside.iterdir()) == []
    assert "2 created" in result.output and f"{len(PAPERS) - 2} failed" in result.output
    assert "Papers/" in result.output and "symbolic link" in result.output


def test_created_and_failed_count_what_happened_when_the_disk_fills(sync, vault, monkeypatch):
    import errno

    sync([entry("Already there", tags=())])  # the settings, base and day note exist
    real_link = os.link
    links = []

    def full_after(temp, path, **folders):
        links.append(path)
        if len(links) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_link(temp, path, **folders)

    monkeypatch.setattr(os, "link", full_after)
    result = sync([entry("Already there", tags=()), *PAPERS], code=1)
    monkeypatch.undo()
    assert "obsidian: 3 created, 0 updated, 1 unchanged" in result.output
    assert f"{len(PAPERS) - 3} failed" in result.output
    assert len(papers(vault)) == 4
    assert unresolved_links(vault) == []


def test_the_dry_run_says_a_notes_folder_that_is_a_link_refuses_the_notes(sync, vault, tmp_path):
    vault.mkdir()
    (tmp_path / "outside").mkdir()
    (vault / "Papers").symlink_to(tmp_path / "outside")
    dry = sync(PAPERS, "--dry-run", code=1)
    real = sync(PAPERS, code=1)
    for result in (dry, real):
        assert result.output.count("Papers/ is a symbolic link") == 1
        assert f"{len(PAPERS)} failed" in result.output
    assert list((tmp_path / "outside").iterdir()) == []


@pytest.mark.parametrize("how", ["first-fence", "link"])
def test_a_tag_note_whose_properties_broke_is_still_the_tags(sync, vault, tmp_path, how):
    sync([entry("A paper", tags=("mamba",))])
    tag_note = vault / "Tags" / "mamba.md"
    if how == "link":
        shutil.move(tag_note, tmp_path / "mine.md")
        tag_note.symlink_to(tmp_path / "mine.md")
    else:
        tag_note.write_text(tag_note.read_text("utf-8").split("\n", 1)[1], "utf-8")
    shutil.rmtree(vault / ".exportdigest")
    result = sync([entry("A paper", tags=("mamba",)), entry("Another", tags=("mamba",))])
    assert "tag notes created" not in result.output
    assert sorted(p.name for p in (vault / "Tags").iterdir()) == ["mamba.md"]
    assert unresolved_links(vault) == []
