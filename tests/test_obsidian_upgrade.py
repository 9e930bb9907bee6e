"""A vault exportdigest 0.1 wrote re-syncs with nothing created or in conflict, its links made
folder-qualified once (an update of the managed blocks only), then nothing rewritten.

The vault in tests/data/vault_v0_1 was written by 0.1 (commit 9d28ce4), whose notes carry
another `in` fingerprint than this version computes, links by name alone (`[[rl]]`, which a
paper titled "RL" would take) and no `id` in their block markers.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import frontmatter
import jinja2
import pytest
from obsidian_support import papers, properties_of, snapshot, unresolved_links

DATA = Path(__file__).parent / "data"
OLD = DATA / "vault_v0_1"
CLEAN = "obsidian: 0 created, 0 updated, 12 unchanged, 0 skipped;"  # nothing else counted
# The one upgrade: every note with links (all papers, both days, the index), nothing else.
UPGRADE = (
    "obsidian: 0 created, 12 updated, 0 unchanged, 0 skipped,"
    " 2 digest notes updated, 1 index updated;"
)
_LINK = re.compile(r"\[\[([^\[\]|]*)(?:\|((?:[^\[\]]|\[(?!\[)|\](?!\]))*))?\]\]")
_MARKER = re.compile(r"^(%% exportdigest:begin) in=\S+ out=\S+(?: id=\S+)?", re.MULTILINE)


@pytest.fixture
def old_vault(tmp_path) -> tuple[Path, Path]:
    """(vault, digests): a copy of the 0.1 vault and the two digests it was made from."""
    vault, digests = tmp_path / "vault", tmp_path / "digests"
    shutil.copytree(OLD / "vault", vault)
    digests.mkdir()
    shutil.copy(DATA / "2024-11-04.txt", digests)
    shutil.copy(OLD / "2024-11-05.txt", digests)
    return vault, digests


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The name of every template rendered from now on."""
    seen: list[str] = []
    real = jinja2.Template.render

    def counting(self, *args, **kwargs):
        seen.append(self.name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "render", counting)
    return seen


def sync(run_cli, vault: Path, digests: Path) -> str:
    result = run_cli("-t", "obsidian", "--vault", str(vault), str(digests))
    assert result.exit_code == 0, result.output
    return result.output


def user_files(vault: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every file but the tool's own cache folder."""
    return {rel: v for rel, v in snapshot(vault).items() if not rel.startswith(".exportdigest/")}


def shown(text: str) -> str:
    """A note as Obsidian shows it: links as their text, the marker without its hashes and id
    (the `out` hash of a new marker leaves a link's shown text out, as 0.1's did not)."""
    text = _LINK.sub(lambda m: m.group(2) or m.group(1).rsplit("/", 1)[-1], text)
    return _MARKER.sub(r"\1", text)


def test_an_old_vault_gets_folder_links_once_then_is_never_rewritten_cache_or_not(
    old_vault, run_cli
):
    vault, digests = old_vault
    before = user_files(vault)
    assert len([rel for rel in before if rel.endswith(".md")]) == 28

    output = sync(run_cli, vault, digests)  # no cache: every note is read and rendered
    assert UPGRADE in output and "conflict" not in output
    after = user_files(vault)
    changed = {rel for rel in before if after[rel] != before[rel]}
    assert set(after) == set(before)
    notes_with_links = {rel for rel in before if rel.startswith(("Papers/", "Digests/", "Paper "))}
    assert changed == notes_with_links  # not the tag notes, base or settings: no links there
    for rel in changed:
        old, new = before[rel][0].decode(), after[rel][0].decode()
        assert shown(new) == shown(old)  # the same note to read, only the link form is new
        assert "]]" in old and re.search(r"\[\[(Papers|Tags|Digests)/[^|\]]+\|", new)
        assert re.search(r" id=\S+ - edit outside", new)  # found by its marker from now on
    assert unresolved_links(vault) == []

    output = sync(run_cli, vault, digests)  # the cache now vouches for every note
    assert CLEAN in output and user_files(vault) == after

    shutil.rmtree(vault / ".exportdigest")
    output = sync(run_cli, vault, digests)
    assert CLEAN in output and "conflict" not in output
    assert user_files(vault) == after


def test_a_rerun_of_an_old_vault_renders_no_more_than_a_rerun_of_a_new_one(
    old_vault, run_cli, renders, tmp_path
):
    vault, digests = old_vault
    sync(run_cli, vault, digests)  # the upgrade
    sync(run_cli, vault, digests)
    renders.clear()
    sync(run_cli, vault, digests)
    old_rerun = list(renders)
    sync(run_cli, tmp_path / "new", digests)
    renders.clear()
    sync(run_cli, tmp_path / "new", digests)
    assert old_rerun == renders  # only the up-front template check: no note is rendered


def test_a_users_edits_in_an_old_vault_survive_the_upgrade_and_a_later_update(old_vault, run_cli):
    vault, digests = old_vault
    null = vault / "Papers" / "Null.md"  # own text and property added
    text = null.read_text("utf-8")
    mine = "\n## My notes\n\nTrue or not?\n"
    null.write_text(text.replace("\n---\n", "\nstatus: reading\n---\n", 1) + mine, "utf-8")
    weight = vault / "Papers" / "Weight decay induces low-rank attention layers.md"
    weight.write_text(
        weight.read_text("utf-8").replace("## Commentary", "## My commentary"), "utf-8"
    )
    token = next((vault / "Papers").glob("TokenFormer*.md"))  # restyled by Obsidian's editor
    post = frontmatter.loads(token.read_text("utf-8"))
    post["rating"] = 5
    token.write_text(frontmatter.dumps(post) + "\n", "utf-8")
    edited_weight = weight.read_bytes()

    output = sync(run_cli, vault, digests)  # the links' upgrade: the user's edits stay
    assert "obsidian: 0 created, 11 updated, 1 unchanged" in output
    assert "conflict" not in output
    assert weight.read_bytes() == edited_weight  # edited by the user: left, links and all
    assert null.read_text("utf-8").endswith(mine)
    assert properties_of(null.read_text("utf-8"))["status"] == "reading"
    assert properties_of(token.read_text("utf-8"))["rating"] == 5
    upgraded = user_files(vault)
    assert CLEAN in sync(run_cli, vault, digests) and user_files(vault) == upgraded

    day = digests / "2024-11-05.txt"
    day.write_text(day.read_text("utf-8").replace("짧은 해설.", "고친 해설."), "utf-8")
    output = sync(run_cli, vault, digests)
    assert "obsidian: 0 created, 1 updated, 11 unchanged" in output
    assert "conflict" not in output
    text = null.read_text("utf-8")
    assert "고친 해설." in text and "짧은 해설." not in text and text.endswith(mine)
    assert properties_of(text)["status"] == "reading"
    assert "## My commentary" in weight.read_text("utf-8")
    assert properties_of(token.read_text("utf-8"))["rating"] == 5
    assert len(papers(vault)) == 12
