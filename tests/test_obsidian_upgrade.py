"""A vault exportdigest 0.1 wrote re-syncs with nothing created, updated, rewritten or in conflict.

The vault in tests/data/vault_v0_1 was written by 0.1 (commit 9d28ce4), whose notes carry
another `in` fingerprint than this version computes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import frontmatter
import jinja2
import pytest
from obsidian_support import papers, properties_of, snapshot, unresolved_links

DATA = Path(__file__).parent / "data"
OLD = DATA / "vault_v0_1"
CLEAN = "obsidian: 0 created, 0 updated, 12 unchanged, 0 skipped;"  # nothing else counted


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


def test_an_old_vault_re_syncs_with_no_file_rewritten_with_or_without_the_cache(old_vault, run_cli):
    vault, digests = old_vault
    before = user_files(vault)
    assert len([rel for rel in before if rel.endswith(".md")]) == 28

    output = sync(run_cli, vault, digests)  # no cache: every note is read and rendered
    assert CLEAN in output and "conflict" not in output
    assert user_files(vault) == before

    output = sync(run_cli, vault, digests)  # the cache now vouches for every note
    assert CLEAN in output and user_files(vault) == before

    shutil.rmtree(vault / ".exportdigest")
    output = sync(run_cli, vault, digests)
    assert CLEAN in output and "conflict" not in output
    assert user_files(vault) == before
    assert unresolved_links(vault) == []


def test_a_rerun_of_an_old_vault_renders_no_more_than_a_rerun_of_a_new_one(
    old_vault, run_cli, renders, tmp_path
):
    vault, digests = old_vault
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
    edited = user_files(vault)

    output = sync(run_cli, vault, digests)
    assert CLEAN in output and "conflict" not in output
    assert user_files(vault) == edited

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
