"""Every link the tool writes opens the note it means, whatever the other notes are called."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from obsidian_support import (
    entry,
    link_targets,
    notes,
    properties_of,
    resolve,
    vault_files,
    write_digest,
)

from exportdigest.model import paper_id

# Names drawn to collide: with a tag (any case), with a tag note's fallback name, with the
# index and a day note, with the tool's folders and the base.
_SUFFIX = hashlib.sha256(b"mamba").hexdigest()[:8]
TITLES = [
    "Mamba",
    "MAMBA",
    f"mamba ({_SUFFIX})",
    "RL",
    "Paper index",
    "paper INDEX",
    "Digest 2024-11-04",
    "digest 2024-11-04",
    "Tags",
    "Papers",
    "Papers.base",
    "Transformer",
]
TAGS = ["mamba", "Mamba", "rl", "transformer", "Paper_index", "Digest", "Papers"]


def run(run_cli, vault: Path, digests: Path, *extra: str):
    result = run_cli("-t", "obsidian", "--vault", str(vault), *extra, str(digests))
    assert "internal error" not in result.output and "Traceback" not in result.output
    return result


def plan(output: str) -> list[str]:
    """The per-note lines of a run, in the dry run's words."""
    words = {"created": "would create", "updated": "would update"}
    words["unchanged"] = "would leave unchanged"
    lines = []
    for line in output.splitlines():
        if line.startswith("  "):
            action, _, what = line.strip().partition(": ")
            lines.append(f"{words.get(action, action)}: {what}")
    return lines


def what_each_note_is(vault: Path) -> dict[str, str]:
    """vault path -> `paper/<id>`, `tag/<tag>`, `digest/<day>` or `index`."""
    kinds = {}
    for rel, text in notes(vault).items():
        props = properties_of(text) if text.startswith("---\n") else {}
        if "paper_id" in props:
            kinds[rel] = f"paper/{props['paper_id']}"
        elif "exportdigest" in props:
            kinds[rel] = str(props["exportdigest"]).casefold()
    return kinds


papers_drawn = st.lists(
    st.tuples(st.sampled_from(TITLES), st.lists(st.sampled_from(TAGS), max_size=3)),
    min_size=1,
    max_size=5,
    unique_by=lambda pair: paper_id(pair[0]),
)


# The user's own notes, named like the tool's, in a folder of theirs.
own_notes = st.lists(st.sampled_from(TITLES + TAGS), max_size=3, unique_by=str.casefold)


def write_own(vault: Path, names: list[str], folder: str) -> None:
    (vault / folder).mkdir(parents=True, exist_ok=True)
    for name in names:
        (vault / folder / f"{name}.md").write_text("My own note.\n", "utf-8")


@given(papers_drawn, own_notes, own_notes)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_links_open_the_note_they_mean_and_the_dry_run_says_what_the_run_does(
    run_cli, drawn, before, after
):
    entries = [entry(title, tags=tuple(tags)) for title, tags in drawn]
    folder = Path(tempfile.mkdtemp())
    try:
        vault, digests = folder / "vault", folder / "digests"
        write_digest(digests, entries)
        write_own(vault, before, "Mine")
        (vault / ".obsidian").mkdir()  # an existing vault, not a new one
        dry = run(run_cli, vault, digests, "--dry-run")
        assert dry.exit_code == 0, dry.output
        real = run(run_cli, vault, digests, "-v")
        assert real.exit_code == 0, real.output
        assert "failed" not in real.output and "conflict" not in real.output
        assert plan(real.output) == plan(dry.output)
        write_own(vault, after, "Later")  # notes the user makes after the run

        kinds = what_each_note_is(vault)
        files = vault_files(vault)
        note_of = {kind: rel for rel, kind in kinds.items()}
        assert len(note_of) == len(kinds)  # one note per paper, tag, day
        days = {"digest/2024-11-04"}
        all_papers = {f"paper/{e.id}" for e in entries}
        for item in entries:
            text = (vault / note_of[f"paper/{item.id}"]).read_text("utf-8")
            opened = {kinds.get(resolve(files, t)) for t in link_targets(text)}
            tags = {f"tag/{t.casefold()}" for t in item.tags}
            assert opened == days | tags, text
        for kind in ("digest/2024-11-04", "index"):
            text = (vault / note_of[kind]).read_text("utf-8")
            assert {kinds.get(resolve(files, t)) for t in link_targets(text)} == all_papers

        again = run(run_cli, vault, digests)
        assert f"0 created, 0 updated, {len(entries)} unchanged" in again.output
    finally:
        shutil.rmtree(folder)


def test_a_paper_named_like_a_tag_leaves_the_tag_its_note_and_its_links(run_cli, tmp_path):
    """The issue's case: a paper "Mamba" and a hashtag #mamba in one digest."""
    vault, digests = tmp_path / "vault", tmp_path / "digests"
    write_digest(digests, [entry("Mamba", tags=("ssm",)), entry("Other paper", tags=("mamba",))])
    result = run(run_cli, vault, digests)
    assert result.exit_code == 0, result.output
    other = next((vault / "Papers").glob("Other paper*.md")).read_text("utf-8")
    tag_note = next(p for p in (vault / "Tags").iterdir() if p.name.casefold().startswith("mamba"))
    assert f"[[Tags/{tag_note.stem}|{tag_note.stem}]]" in other
    assert resolve(vault_files(vault), f"Tags/{tag_note.stem}") == f"Tags/{tag_note.name}"
