"""What the vault holds: notes read back with python-frontmatter and PyYAML, links resolved."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import unicodedata
from pathlib import Path

import frontmatter
import pytest
from hypothesis import HealthCheck, given, settings
from obsidian_support import (
    entry,
    notes,
    papers,
    properties_of,
    snapshot,
    unresolved_links,
    write_digest,
)
from strategies import entry_lists
from test_obsidian_names import assert_safe

from exportdigest.exporter import Run
from exportdigest.exporters.obsidian import ObsidianExporter
from exportdigest.exporters.obsidian.tags import obsidian_tags
from exportdigest.model import Source


def export(vault: Path, entries, **settings) -> None:
    """Run the target itself over entries (no digest text in between)."""
    exporter = ObsidianExporter({"vault": vault, **settings}, Run(verbosity=-1))
    outcome = exporter.export(entries, len(entries))
    assert outcome.failed == 0


@pytest.fixture
def seed_vault(tmp_path, seed_path, run_cli) -> Path:
    vault = tmp_path / "vault"
    result = run_cli("-t", "obsidian", "--vault", str(vault), str(seed_path))
    assert result.exit_code == 0, result.output
    return vault


def test_seed_papers_read_back_with_python_frontmatter_and_pyyaml(seed_vault, seed_entries):
    found = papers(seed_vault)
    assert set(found) == {e.id for e in seed_entries}
    for item in seed_entries:
        rel, post = found[item.id]
        text = (seed_vault / rel).read_text("utf-8")
        props = properties_of(text)
        assert props == post.metadata
        assert props["title"] == item.title
        assert props["authors"] == list(item.authors)
        assert props["tags"] == list(item.tags) and not any("#" in t for t in props["tags"])
        assert props["date"] == item.date and isinstance(props["date"], dt.date)
        assert props["paper_id"] == item.id
        assert props["digests"] == ["[[Digests/Digest 2024-11-04|Digest 2024-11-04]]"]
        body = post.content
        assert f"# {item.title}" in body
        assert ", ".join(item.authors) in body
        assert "> [!abstract]" in body
        assert all(f"> {line}" in body for line in item.abstract.split("\n"))
        assert "## Commentary (한국어)" in body and item.commentary.ko in body
        if item.commentary.en:
            assert "## Commentary (English)" in body and item.commentary.en in body
        for tag in item.tags:
            assert f"[[Tags/{tag}|{tag}]]" in body
        assert "[[Digests/Digest 2024-11-04|Digest 2024-11-04]]" in body


def test_aliases_hold_the_short_name_before_the_colon(seed_vault):
    by_title = {post["title"]: post for _rel, post in papers(seed_vault).values()}
    assert by_title["TokenFormer: Rethinking Transformer Scaling with Tokenized Model Parameters"][
        "aliases"
    ] == ["TokenFormer"]
    assert by_title["Weight decay induces low-rank attention layers"]["aliases"] == []


def test_every_link_in_the_vault_resolves(seed_vault):
    assert unresolved_links(seed_vault) == []


def test_tag_digest_index_and_base_files(seed_vault, seed_entries):
    tags = {t for e in seed_entries for t in e.tags}
    tag_notes = {
        properties_of(text)["exportdigest"]: rel
        for rel, text in notes(seed_vault).items()
        if rel.startswith("Tags/")
    }
    assert tag_notes == {f"tag/{t}": f"Tags/{t}.md" for t in tags}
    day = (seed_vault / "Digests" / "Digest 2024-11-04.md").read_text("utf-8")
    index = (seed_vault / "Paper index.md").read_text("utf-8")
    for text in (day, index):
        for item in seed_entries:
            assert item.title in text  # the title itself, or as the link's shown text
    order = [day.index(item.title) for item in seed_entries]
    assert order == sorted(order)  # in digest order
    assert properties_of(index) == {"exportdigest": "index", "papers": 10}
    import yaml

    base = yaml.safe_load((seed_vault / "Papers.base").read_text("utf-8"))
    assert base["filters"] == {"and": ['file.hasProperty("paper_id")']}
    assert base["views"][0]["type"] == "table"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry_lists(max_size=5))
def test_any_papers_make_notes_that_read_back_exactly(entries):
    with tempfile.TemporaryDirectory() as folder:
        vault = Path(folder) / "vault"
        export(vault, entries)
        found = papers(vault)
        assert set(found) == {e.id for e in entries}
        for item in entries:
            rel, post = found[item.id]
            assert_safe(rel.rsplit("/", 1)[-1].removesuffix(".md"))
            assert rel.startswith("Papers/")
            assert post["title"] == item.title
            assert post["authors"] == list(item.authors)
            assert post["tags"] == list(obsidian_tags(item.tags))
            assert post["date"] == item.date
        assert unresolved_links(vault) == []
        before = snapshot(vault)
        export(vault, entries)
        assert snapshot(vault) == before


HOSTILE_TITLES = [
    "../../x",
    "CON",
    "aux.txt",
    "..",
    ".hidden paper",
    "한국어논문제목" * 58,  # 406 syllables, 1218 bytes
    'Colons: "Quotes" #hash [brackets] | pipes: %% and ^carets',
    "$\\alpha$-VAE: LaTeX \\textbf{Bold} / slashes \\ backslashes",
]


def test_hostile_titles_and_tags_stay_inside_the_vault_and_resolve(tmp_path, run_cli):
    entries = [
        entry(title, tags=("../../etc", "CON", "2024", "a/b", "C++")) for title in HOSTILE_TITLES
    ]
    digests = write_digest(tmp_path / "digests", entries).parent
    vault = tmp_path / "nest" / "vault"
    result = run_cli("-t", "obsidian", "--vault", str(vault), str(digests))
    assert result.exit_code == 0, result.output
    outside = [
        p
        for p in tmp_path.rglob("*")
        if p.is_file() and vault not in p.parents and digests not in p.parents
    ]
    assert outside == []
    found = papers(vault)
    assert {post["title"] for _rel, post in found.values()} == set(HOSTILE_TITLES)
    for rel in notes(vault):
        for part in rel.removesuffix(".md").split("/"):
            assert_safe(part)
        assert len(rel.rsplit("/", 1)[-1].encode()) <= 240
    for _rel, post in found.values():
        assert post["tags"] == ["__/__/etc", "CON", "_2024", "a/b", "C__"]
    assert unresolved_links(vault) == []
    before = snapshot(vault)
    assert run_cli("-t", "obsidian", "--vault", str(vault), str(digests)).exit_code == 0
    assert snapshot(vault) == before


def names_after_export(vault: Path, entries, **settings) -> dict[str, str]:
    export(vault, entries, **settings)
    return {pid: rel for pid, (rel, _post) in papers(vault).items()}


def test_colliding_names_are_resolved_the_same_way_on_every_run(tmp_path):
    prefix = "긴제목" * 80  # beyond 240 bytes: the names are cut to the same text
    entries = [
        entry(prefix + " 첫째"),
        entry(prefix + " 둘째"),
        entry("Transformer", tags=("transformer",)),  # same name as its tag, other case
        entry("Mamba"),
    ]
    (tmp_path / "a" / "Elsewhere").mkdir(parents=True)
    (tmp_path / "a" / "Elsewhere" / "MAMBA.md").write_text("the user's own note\n", "utf-8")
    first = names_after_export(tmp_path / "a", entries)
    assert len(set(first.values())) == 4
    long_names = sorted(first[e.id] for e in entries[:2])
    assert long_names[0] != long_names[1]
    assert {n.casefold() for n in first.values()}.isdisjoint({"tags/transformer.md"})
    assert first[entries[3].id] == f"Papers/Mamba ({entries[3].id[:8]}).md"
    assert (tmp_path / "a" / "Elsewhere" / "MAMBA.md").read_text("utf-8") == "the user's own note\n"
    assert unresolved_links(tmp_path / "a") == []
    again = names_after_export(tmp_path / "a", entries)
    assert again == first  # a re-run never adds "Title 2"
    (tmp_path / "b" / "Elsewhere").mkdir(parents=True)
    (tmp_path / "b" / "Elsewhere" / "MAMBA.md").write_text("the user's own note\n", "utf-8")
    assert names_after_export(tmp_path / "b", entries) == first  # a fresh vault: same names


def test_folded_names_collide_as_on_macos_and_windows(tmp_path):
    entries = [entry("Attention Is All You Need"), entry("attention is all you need?!")]
    assert entries[0].id == entries[1].id  # the same paper: one note
    export(tmp_path / "v", entries[:1])
    (tmp_path / "v" / "ATTENTION IS ALL YOU NEED 2.md").write_text("mine\n", "utf-8")
    export(tmp_path / "v", [entry("Attention Is All You Need 2")])
    names = {p.name for p in (tmp_path / "v" / "Papers").iterdir()}
    assert names == {
        "Attention Is All You Need.md",
        f"Attention Is All You Need 2 ({entry('Attention Is All You Need 2').id[:8]}).md",
    }


def test_a_title_never_takes_the_name_of_an_attachment_or_the_base(tmp_path):
    # `[[figure.png]]` and `[[Papers.base]]` reach those files, not a note of that name.
    vault = tmp_path / "v"
    (vault / "Attachments").mkdir(parents=True)
    (vault / "Attachments" / "Figure.PNG").write_bytes(b"\x89PNG")
    entries = [entry("figure.png"), entry("PAPERS.BASE")]
    names = names_after_export(vault, entries)
    assert names == {e.id: f"Papers/{e.title} ({e.id[:8]}).md" for e in entries}
    assert unresolved_links(vault) == []
    assert names_after_export(vault, entries) == names


def test_the_file_name_follows_the_users_template(tmp_path):
    templates = tmp_path / "my-templates"
    templates.mkdir()
    (templates / "filename.j2").write_text("{{ date }} {{ short_title or title }}\n", "utf-8")
    entries = [entry("TokenFormer: Rethinking Scaling"), entry("Plain Title")]
    names = names_after_export(tmp_path / "v", entries, template_dir=templates)
    assert sorted(names.values()) == [
        "Papers/2024-11-04 Plain Title.md",
        "Papers/2024-11-04 TokenFormer.md",
    ]


def test_notes_do_not_depend_on_the_folder_the_command_runs_from(tmp_path, run_cli, chdir):
    write_digest(tmp_path / "in" / "digests", [entry("A Paper"), entry("B Paper")])
    assert run_cli("-t", "obsidian", "--vault", "v", "in/digests").exit_code == 0
    before = snapshot(tmp_path / "v")
    os.chdir(tmp_path / "in")
    result = run_cli("-t", "obsidian", "--vault", "../v", "digests")
    assert result.exit_code == 0 and "2 unchanged" in result.output
    assert snapshot(tmp_path / "v") == before
    day = (tmp_path / "v" / "Digests" / "Digest 2024-11-04.md").read_text("utf-8")
    assert "from 2024-11-04.txt." in day and "digests/" not in day


def test_a_paper_in_two_digests_links_both_days(tmp_path):
    day1, day2 = dt.date(2024, 11, 4), dt.date(2024, 11, 5)
    twice = entry(
        "Posted Twice",
        sources=(Source("a/2024-11-04.txt", 3, day1, 1), Source("b/x.txt", 9, day2, 2)),
    )
    export(tmp_path / "v", [twice, entry("Only Once")])
    props = properties_of((tmp_path / "v" / "Papers" / "Posted Twice.md").read_text("utf-8"))
    assert props["digests"] == [
        "[[Digests/Digest 2024-11-04|Digest 2024-11-04]]",
        "[[Digests/Digest 2024-11-05|Digest 2024-11-05]]",
    ]
    second = (tmp_path / "v" / "Digests" / "Digest 2024-11-05.md").read_text("utf-8")
    assert "[[Papers/Posted Twice|Posted Twice]]" in second and "Only Once" not in second
    assert frontmatter.loads(second)["date"] == day2
    assert unresolved_links(tmp_path / "v") == []


def test_types_json_declares_every_property_the_tool_writes(seed_vault):
    types = json.loads((seed_vault / ".obsidian" / "types.json").read_text("utf-8"))["types"]
    written = set()
    for text in notes(seed_vault).values():
        written |= set(properties_of(text))
    assert written <= set(types)
    assert unicodedata.is_normalized("NFC", json.dumps(types, ensure_ascii=False))
