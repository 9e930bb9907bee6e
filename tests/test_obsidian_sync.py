"""The Obsidian sync rules, each over real files in a temporary vault through the real command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import frontmatter
import pytest
from obsidian_support import (
    entry,
    notes,
    papers,
    properties_of,
    snapshot,
    unresolved_links,
    with_commentary,
    write_digest,
)

FIRST = entry("Belief State Transformers: Learning to Achieve Goals", tags=("transformer", "rl"))
SECOND = entry("On Memorization of Large Language Models", tags=("reasoning",))


@pytest.fixture
def vault(tmp_path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def sync(run_cli, tmp_path, vault):
    """Export the given entries into the vault; returns the command's result."""

    def run(entries, *extra, code=0):
        digests = tmp_path / "digests"
        shutil.rmtree(digests, ignore_errors=True)
        write_digest(digests, entries)
        result = run_cli("--target", "obsidian", "--vault", str(vault), *extra, str(digests))
        assert result.exit_code == code, result.output
        assert "internal error" not in result.output and "Traceback" not in result.output
        return result

    return run


def note_of(vault: Path, item) -> Path:
    rel, _post = papers(vault)[item.id]
    return vault / rel


def test_rerun_with_nothing_changed_touches_no_file(sync, vault):
    sync([FIRST, SECOND])
    before = snapshot(vault)
    result = sync([FIRST, SECOND])
    assert snapshot(vault) == before  # same bytes, same modification times, no new file
    assert "0 created, 0 updated, 2 unchanged" in result.output


def test_text_the_user_adds_outside_the_block_survives(sync, vault):
    sync([FIRST])
    path = note_of(vault, FIRST)
    mine = "\n## My notes\n\nRead with [[Some Other Note]] in mind.\r\nWindows line.\n"
    path.write_text(path.read_text("utf-8") + mine, encoding="utf-8", newline="")
    sync([with_commentary(FIRST, "새 해설.")])
    text = path.read_bytes().decode("utf-8")
    assert text.endswith(mine)
    assert "새 해설." in text


def test_text_the_user_writes_above_the_block_survives(sync, vault):
    sync([FIRST])
    path = note_of(vault, FIRST)
    post = path.read_text("utf-8")
    head, sep, rest = post.partition("---\n%% exportdigest:begin")
    path.write_text(head + "---\nMy summary on top.\n\n%% exportdigest:begin" + rest, "utf-8")
    sync([with_commentary(FIRST, "새 해설.")])
    text = path.read_text("utf-8")
    assert "---\nMy summary on top.\n\n%% exportdigest:begin" in text
    assert "새 해설." in text


def test_properties_the_user_adds_survive_byte_for_byte(sync, vault):
    sync([FIRST])
    path = note_of(vault, FIRST)
    text = path.read_text("utf-8")
    added = "status: reading   # my own comment\nrating: 5\nseen:\n    - '2024-11-05'\n"
    path.write_text(text.replace("\n---\n", "\n" + added + "---\n", 1), encoding="utf-8")
    sync([with_commentary(FIRST, "새 해설.")])
    text = path.read_text("utf-8")
    assert added in text
    props = properties_of(text)
    assert props["status"] == "reading" and props["rating"] == 5
    assert frontmatter.loads(text)["paper_id"] == FIRST.id
    assert "새 해설." in text


def test_tags_and_aliases_the_user_appends_are_kept_and_are_no_conflict(sync, vault):
    sync([FIRST])
    path = note_of(vault, FIRST)
    post = frontmatter.loads(path.read_text("utf-8"))
    post["tags"] = [*post["tags"], "to-read"]
    post["aliases"] = [*post["aliases"], "BST"]
    path.write_text(frontmatter.dumps(post) + "\n", encoding="utf-8")
    result = sync([replace_tags(FIRST, ("transformer", "rl", "planning"))])
    assert "conflict" not in result.output
    props = properties_of(path.read_text("utf-8"))
    assert props["tags"] == ["transformer", "rl", "planning", "to-read"]
    assert props["aliases"] == ["Belief State Transformers", "BST"]


def replace_tags(item, tags):
    from dataclasses import replace

    return replace(item, tags=tags)


@pytest.mark.parametrize("flow", [False, True], ids=["block", "flow"])
def test_properties_rewritten_in_another_yaml_style_are_no_conflict(sync, vault, flow):
    """Obsidian rewrites the whole block when the user adds a property in its editor."""
    sync([FIRST])
    path = note_of(vault, FIRST)
    post = frontmatter.loads(path.read_text("utf-8"))
    post["status"] = "reading"
    # python-frontmatter re-emits every key in its own style (sorted, other quoting)
    path.write_text(frontmatter.dumps(post, default_flow_style=flow) + "\n", encoding="utf-8")
    result = sync([with_commentary(FIRST, "새 해설.")])
    assert "conflict" not in result.output and "1 updated" in result.output
    text = path.read_text("utf-8")
    assert "새 해설." in text and properties_of(text)["status"] == "reading"
    assert len(papers(vault)) == 1


def test_an_empty_list_dropped_from_the_properties_is_no_edit(sync, vault):
    sync([SECOND])
    path = note_of(vault, SECOND)
    text = path.read_text("utf-8")
    assert "\naliases: []\n" in text
    path.write_text(text.replace("\naliases: []\n", "\n"), encoding="utf-8")
    result = sync([with_commentary(SECOND, "새 해설.")])
    assert "conflict" not in result.output and "1 updated" in result.output
    assert "새 해설." in path.read_text("utf-8")


def test_an_edit_of_the_tools_text_is_a_conflict_and_the_note_is_left(sync, vault):
    sync([FIRST])
    path = note_of(vault, FIRST)
    edited = path.read_text("utf-8").replace("한국어 해설.", "내가 고친 해설.")
    path.write_text(edited, encoding="utf-8")
    before = snapshot(vault)[path.relative_to(vault).as_posix()]
    result = sync([with_commentary(FIRST, "새 해설.")])
    assert "conflict" in result.output and path.name in result.output
    assert "1 conflict" in result.output
    assert snapshot(vault)[path.relative_to(vault).as_posix()] == before


def test_an_edit_of_a_tool_property_is_a_conflict(sync, vault):
    sync([FIRST])
    path = note_of(vault, FIRST)
    text = path.read_text("utf-8")
    path.write_text(text.replace("- Alan Turing\n", "- A. M. Turing\n"), encoding="utf-8")
    result = sync([with_commentary(FIRST, "새 해설.")])
    assert "conflict" in result.output and "properties" in result.output
    assert "A. M. Turing" in path.read_text("utf-8")


def test_an_edit_of_the_tools_text_is_kept_while_the_paper_is_unchanged(sync, vault):
    sync([FIRST])
    path = note_of(vault, FIRST)
    path.write_text(path.read_text("utf-8").replace("We study", "They study"), "utf-8")
    result = sync([FIRST])
    assert "They study" in path.read_text("utf-8")
    assert "conflict" not in result.output


def test_force_rewrites_the_tools_part_and_keeps_the_users(sync, vault):
    sync([FIRST])
    path = note_of(vault, FIRST)
    text = path.read_text("utf-8").replace("한국어 해설.", "내가 고친 해설.")
    text = text.replace("\n---\n", "\nmine: yes\n---\n", 1) + "\nMy own paragraph.\n"
    path.write_text(text, encoding="utf-8")
    result = sync([with_commentary(FIRST, "새 해설.")], "--force")
    assert "conflict" not in result.output
    text = path.read_text("utf-8")
    assert "새 해설." in text and "내가 고친 해설." not in text
    assert text.endswith("\nMy own paragraph.\n")
    assert properties_of(text)["mine"] is True
    assert "0 updated" in sync([with_commentary(FIRST, "새 해설.")]).output  # clean again


def test_force_restores_a_block_whose_markers_were_removed(sync, vault):
    sync([FIRST])
    path = note_of(vault, FIRST)
    text = path.read_text("utf-8")
    body = text.split("%% exportdigest:end %%\n", 1)[1]
    props_end = text.index("\n---\n") + 5
    path.write_text(text[:props_end] + "only my words\n" + body, encoding="utf-8")
    assert "conflict" in sync([FIRST]).output
    sync([FIRST], "--force")
    text = path.read_text("utf-8")
    assert "only my words" in text and "%% exportdigest:begin" in text


def test_a_begin_marker_left_open_is_a_conflict_not_an_unchanged_note(sync, vault):
    # The scan and the merge read the marker by one rule: what the merge cannot find, the
    # scan does not count as the tool's block.
    sync([FIRST])
    path = note_of(vault, FIRST)
    broken = path.read_text("utf-8").replace("this block %%", "this block", 1)
    path.write_text(broken, encoding="utf-8")
    output = sync([FIRST]).output
    assert "conflict" in output and "0 unchanged" in output
    assert path.read_text("utf-8") == broken


def test_a_changed_paper_updates_its_note(sync, vault):
    sync([FIRST])
    path = note_of(vault, FIRST)
    changed = replace_tags(with_commentary(FIRST, "새 해설."), ("transformer", "planning"))
    result = sync([changed])
    assert "1 updated" in result.output
    text = path.read_text("utf-8")
    assert "새 해설." in text and "한국어 해설." not in text
    assert properties_of(text)["tags"] == ["transformer", "planning"]
    assert "[[Tags/planning|planning]]" in text and (vault / "Tags" / "planning.md").exists()


def test_a_new_digest_day_adds_its_link(sync, vault, tmp_path, run_cli):
    import datetime as dt

    from exportdigest.model import Source

    sync([FIRST])
    later = dt.date(2024, 11, 5)
    again = entry(FIRST.title, tags=FIRST.tags, date=later, sources=(Source("x", 1, later, 1),))
    digests = tmp_path / "digests"
    write_digest(digests, [again], name="2024-11-05.txt")
    result = run_cli("-t", "obsidian", "--vault", str(vault), str(digests))
    assert result.exit_code == 0, result.output
    props = properties_of(note_of(vault, FIRST).read_text("utf-8"))
    assert props["digests"] == [
        "[[Digests/Digest 2024-11-04|Digest 2024-11-04]]",
        "[[Digests/Digest 2024-11-05|Digest 2024-11-05]]",
    ]
    assert (vault / "Digests" / "Digest 2024-11-05.md").exists()
    assert unresolved_links(vault) == []


def test_a_renamed_or_moved_note_is_updated_where_it_is(sync, vault):
    sync([FIRST, SECOND])
    first, second = note_of(vault, FIRST), note_of(vault, SECOND)
    renamed = first.with_name("BST (my name).md")
    first.rename(renamed)
    (vault / "Reading" / "Deep").mkdir(parents=True)
    moved = vault / "Reading" / "Deep" / second.name
    second.rename(moved)
    sync([with_commentary(FIRST, "새 해설."), with_commentary(SECOND, "새 해설 2.")])
    assert "새 해설." in renamed.read_text("utf-8")
    assert "새 해설 2." in moved.read_text("utf-8")
    assert not first.exists() and not second.exists()
    assert len(papers(vault)) == 2  # raises on a duplicate
    index = (vault / "Paper index.md").read_text("utf-8")
    assert "[[Papers/BST (my name)|" in index and "[[Reading/Deep/On Memorization" in index
    assert unresolved_links(vault) == []


def test_dry_run_prints_the_plan_and_writes_nothing(sync, vault, tmp_path):
    result = sync([FIRST, SECOND], "--dry-run")
    assert not vault.exists()
    assert "would create: Papers/" in result.output and "dry run: nothing written" in result.output
    sync([FIRST, SECOND])
    path = note_of(vault, SECOND)
    path.write_text(path.read_text("utf-8").replace("We study", "I study"), "utf-8")
    before = snapshot(vault)
    third = entry("A Third Paper")
    result = sync(
        [with_commentary(FIRST, "새 해설."), with_commentary(SECOND, "바뀜"), third], "-n"
    )
    assert snapshot(vault) == before
    out = result.output
    assert "would update: Papers/Belief State Transformers" in out
    assert "would stop at conflict: Papers/On Memorization" in out
    assert "would create: Papers/A Third Paper.md" in out
    assert "would create: Tags/transformer.md" not in out  # exists already


def test_an_existing_vaults_settings_are_never_overwritten(sync, vault):
    settings = vault / ".obsidian"
    settings.mkdir(parents=True)
    (settings / "app.json").write_text('{"mine": true}', "utf-8")
    (settings / "types.json").write_text('{"types": {"date": "text"}}', "utf-8")
    sync([FIRST])
    assert (settings / "app.json").read_text("utf-8") == '{"mine": true}'
    import json

    types = json.loads((settings / "types.json").read_text("utf-8"))["types"]
    assert types["date"] == "text"  # the user's choice stays
    assert types["authors"] == "multitext"  # ours is added where the vault has none
    before = snapshot(vault)
    sync([FIRST])
    assert snapshot(vault) == before


def test_a_new_vault_starts_from_the_template(sync, vault):
    import json

    sync([FIRST])
    types = json.loads((vault / ".obsidian" / "types.json").read_text("utf-8"))["types"]
    assert types == {
        "aliases": "aliases",
        "tags": "tags",
        "title": "text",
        "authors": "multitext",
        "date": "date",
        "paper_id": "text",
        "digests": "multitext",
        "arxiv": "text",
        "arxiv_url": "text",
        "arxiv_pdf": "text",
        "doi": "text",
        "exportdigest": "text",
        "papers": "number",
    }
    assert json.loads((vault / ".obsidian" / "app.json").read_text("utf-8"))["alwaysUpdateLinks"]
    assert not (vault / "templates").exists() and not (vault / "__init__.py").exists()


def test_tag_notes_are_written_once_and_then_belong_to_the_user(sync, vault):
    sync([FIRST])
    tag = vault / "Tags" / "transformer.md"
    tag.write_text(tag.read_text("utf-8") + "My thoughts on transformers.\n", "utf-8")
    mine = tag.read_bytes()
    sync([FIRST, entry("Another Transformer Paper")])
    assert tag.read_bytes() == mine
    tag.unlink()
    sync([FIRST])
    assert tag.exists()  # a deleted tag note comes back, so links never dangle


def test_the_index_and_digest_notes_keep_papers_a_partial_run_did_not_bring(sync, vault):
    sync([FIRST, SECOND])
    shutil.rmtree(vault / ".exportdigest")  # listings must come from the notes themselves too
    result = sync([FIRST, SECOND], "--tag", "reasoning")
    assert "1 unchanged" in result.output
    index = (vault / "Paper index.md").read_text("utf-8")
    day = (vault / "Digests" / "Digest 2024-11-04.md").read_text("utf-8")
    for text in (index, day):
        assert "Belief State Transformers" in text and "On Memorization" in text
    assert properties_of(index)["papers"] == 2


def test_a_user_edit_in_the_index_block_is_a_conflict_but_text_below_is_kept(sync, vault):
    sync([FIRST])
    index = vault / "Paper index.md"
    index.write_text(index.read_text("utf-8") + "My reading plan.\n", "utf-8")
    sync([FIRST, SECOND])
    text = index.read_text("utf-8")
    assert text.endswith("My reading plan.\n") and "On Memorization" in text


def test_a_note_renamed_in_obsidian_with_links_updated_is_no_conflict(sync, vault):
    """Obsidian rewrites links to a renamed note everywhere, our blocks included."""
    sync([FIRST, SECOND])
    first = note_of(vault, FIRST)
    new = first.with_name("BST.md")
    first.rename(new)
    old_target = first.name.removesuffix(".md")
    for rel, text in notes(vault).items():
        if f"[[{old_target}" in text:
            (vault / rel).write_text(text.replace(f"[[{old_target}", "[[BST"), "utf-8")
    result = sync([FIRST, SECOND, entry("A Third Paper")])
    assert "conflict" not in result.output
    assert unresolved_links(vault) == []


def test_two_runs_never_share_a_vault(sync, vault):
    import fcntl

    sync([FIRST])
    handle = os.open(vault, os.O_RDONLY)  # a run locks the vault's folder itself
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        result = sync([FIRST], code=1)
    finally:
        os.close(handle)
    assert "another exportdigest run" in result.output


OUT = {"capture_output": True, "text": True, "check": True}


def test_stale_temp_files_of_a_killed_run_are_removed(sync, vault):
    sync([FIRST])
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **OUT)
    dead = int(gone.stdout)  # a process that has ended
    stale = [
        vault / "Papers" / f".exportdigest-{dead}-0.tmp",
        vault / ".exportdigest" / f".exportdigest-{dead}-1.tmp",
    ]
    for path in stale:
        path.write_text("half a note", "utf-8")
    mine = vault / "Papers" / ".my-draft.tmp"
    mine.write_text("not the tool's", "utf-8")
    # A run that is still going (here: this test's parent process) keeps its temp files.
    live = vault / "Papers" / f".exportdigest-{os.getppid()}-0.tmp"
    live.write_text("a note being written", "utf-8")
    sync([FIRST])
    assert not any(path.exists() for path in stale) and mine.exists() and live.exists()


def test_a_write_that_fails_midway_leaves_the_old_note(sync, vault, monkeypatch):
    import errno

    sync([FIRST])
    path = note_of(vault, FIRST)
    old = path.read_bytes()

    def disk_full(*_args, **_kw):
        raise OSError(errno.ENOSPC, "No space left on device")  # right before the rename

    monkeypatch.setattr(os, "replace", disk_full)
    result = sync([with_commentary(FIRST, "새 해설.")], code=1)
    monkeypatch.undo()
    assert f"cannot write {path.relative_to(vault).as_posix()}" in result.output
    assert "No space left on device" in result.output and "1 failed" in result.output
    assert path.read_bytes() == old
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert "1 updated" in sync([with_commentary(FIRST, "새 해설.")]).output


def test_a_file_that_appears_under_a_claimed_name_is_left_and_the_note_takes_the_next(
    sync, vault, monkeypatch
):
    real_link = os.link
    theirs = vault / "Papers" / f"{FIRST.title.replace(':', ' -')}.md"

    def someone_was_faster(temp, path, **folders):
        if Path(path).name == theirs.name and not theirs.exists():
            theirs.write_text("the user's note, saved a moment ago\n", "utf-8")
        return real_link(temp, path, **folders)

    monkeypatch.setattr(os, "link", someone_was_faster)
    result = sync([FIRST, SECOND])
    monkeypatch.undo()
    assert "2 created" in result.output
    assert theirs.read_text("utf-8") == "the user's note, saved a moment ago\n"
    assert note_of(vault, FIRST) == theirs.with_name(theirs.stem + f" ({FIRST.id[:8]}).md")
    assert unresolved_links(vault) == []
    assert "0 created, 0 updated, 2 unchanged" in sync([FIRST, SECOND]).output


def disk_full_for(monkeypatch, prefix: str) -> None:
    """Creating a note whose name starts with `prefix` fails as on a full disk."""
    import errno

    real_link = os.link

    def disk_full(temp, path, **folders):
        if Path(path).name.startswith(prefix):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_link(temp, path, **folders)

    monkeypatch.setattr(os, "link", disk_full)


def test_a_new_note_that_cannot_be_written_is_counted_failed_and_the_others_land(
    sync, vault, monkeypatch
):
    disk_full_for(monkeypatch, "Belief State")
    result = sync([FIRST, SECOND], code=1)
    monkeypatch.undo()
    assert "cannot write Papers/Belief State" in result.output
    assert "No space left on device" in result.output
    assert "1 created" in result.output and "1 failed" in result.output
    assert set(papers(vault)) == {SECOND.id}
    assert unresolved_links(vault) == []  # the digest note and index list only what landed
    assert not [p for p in (vault / "Papers").iterdir() if p.name.endswith(".tmp")]
    assert "1 created, 0 updated, 1 unchanged" in sync([FIRST, SECOND]).output


def test_a_digest_note_that_cannot_be_written_is_counted_failed(sync, vault, monkeypatch):
    disk_full_for(monkeypatch, "Digest ")
    result = sync([FIRST, SECOND], code=1)
    monkeypatch.undo()
    assert "cannot write Digests/Digest 2024-11-04.md" in result.output
    assert "2 created" in result.output and "1 failed" in result.output
    assert not (vault / "Digests" / "Digest 2024-11-04.md").exists()
    result = sync([FIRST, SECOND])
    assert (vault / "Digests" / "Digest 2024-11-04.md").exists()
    assert unresolved_links(vault) == []


def test_a_copied_note_is_reported_and_only_one_of_the_two_is_kept_up_to_date(sync, vault):
    sync([FIRST, SECOND])
    original = note_of(vault, FIRST)
    (vault / "Archive" / "Old").mkdir(parents=True)
    copy = vault / "Archive" / "Old" / original.name
    shutil.copy2(original, copy)
    copied = copy.read_bytes()
    result = sync([with_commentary(FIRST, "새 해설."), SECOND])
    assert f"2 notes are the paper {FIRST.id}" in result.output
    assert "1 updated" in result.output
    assert "새 해설." in original.read_text("utf-8")  # the one nearer the top is the tool's
    assert copy.read_bytes() == copied
    again = sync([with_commentary(FIRST, "새 해설."), SECOND])
    assert "0 updated" in again.output and copy.read_bytes() == copied
