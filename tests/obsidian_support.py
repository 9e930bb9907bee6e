"""Helpers for the Obsidian tests (not a test): digests from entries, vault readers, a link resolver.

The resolver follows Obsidian's documented rule independently of the exporter's code: a
`[[target]]` names the note at that vault path, else a note by file name anywhere in the vault
(or by the end of its path when it holds a `/`), ignoring case, and must match exactly one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import frontmatter
import yaml

from exportdigest.digest_text import render
from exportdigest.model import Commentary, Entry, Source, paper_id

DAY = dt.date(2024, 11, 4)
_LINK = re.compile(
    r"(?<!\\)\[\[([^\[\]|#^]*)(?:[#^][^\[\]|]*)?(?:\|(?:[^\[\]]|\[(?!\[)|\](?!\]))*)?\]\]"
)


def entry(title: str, tags=("transformer",), ko="한국어 해설.", en="English note.", **kw) -> Entry:
    """A paper as a digest would carry it."""
    fields = {
        "id": paper_id(title),
        "title": title,
        "authors": ("Ada Lovelace", "Alan Turing"),
        "abstract": "We study things.",
        "commentary": Commentary(ko=ko, en=en),
        "tags": tuple(tags),
        "date": DAY,
        "sources": (Source("d.txt", 1, DAY, 1),),
    }
    fields.update(kw)
    return Entry(**fields)


def write_digest(folder: Path, entries, name: str = "2024-11-04.txt") -> Path:
    """A digest file holding the entries (one header per day); returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(render(entries), encoding="utf-8")
    return path


def with_commentary(item: Entry, ko: str) -> Entry:
    """The same paper with other Korean commentary."""
    return replace(item, commentary=Commentary(ko=ko, en=item.commentary.en))


def notes(vault: Path) -> dict[str, str]:
    """Every note Obsidian would show (dot-folders skipped): vault-relative path -> text."""
    found = {}
    for folder, dirs, files in os.walk(vault):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(".md") and not name.startswith("."):
                path = Path(folder, name)
                found[path.relative_to(vault).as_posix()] = path.read_text("utf-8")
    return found


def papers(vault: Path) -> dict[str, tuple[str, frontmatter.Post]]:
    """Paper notes by paper_id: (path, python-frontmatter post)."""
    out = {}
    for rel, text in notes(vault).items():
        post = frontmatter.loads(text)
        if "paper_id" in post.metadata:
            assert post["paper_id"] not in out, f"duplicate note for {post['paper_id']}"
            out[post["paper_id"]] = (rel, post)
    return out


def snapshot(vault: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and modification time of every file in the vault (dot-folders included)."""
    out = {}
    for folder, _dirs, files in os.walk(vault):
        for name in files:
            path = Path(folder, name)
            out[path.relative_to(vault).as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    return out


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def vault_files(vault: Path) -> list[str]:
    """Every file Obsidian sees (dot-folders skipped), vault-relative with `/`."""
    files = []
    for folder, dirs, names in os.walk(vault):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        files += [Path(folder, n).relative_to(vault).as_posix() for n in names]
    return files


def link_targets(text: str) -> list[str]:
    """The target of every `[[link]]` in a note's text, in order."""
    return [target.strip() for target in _LINK.findall(text)]


def resolve(files: list[str], target: str) -> str | None:
    """The file `[[target]]` opens: the one at that vault path (ignoring case), else the one
    file whose name (or path end, for `a/b`) it is; None when there is none or several."""
    exact = [f for f in files if _fold(_plain(f)) == _fold(target)]
    if len(exact) == 1:
        return exact[0]
    matches = [f for f in files if _matches(f, target)]
    return matches[0] if len(matches) == 1 else None


def unresolved_links(vault: Path) -> list[str]:
    """Links in any note that do not name exactly one file the way Obsidian resolves them."""
    files = vault_files(vault)
    bad = []
    for rel, text in notes(vault).items():
        for target in link_targets(text):
            if resolve(files, target) is None:
                matches = [f for f in files if _matches(f, target)]
                bad.append(f"{rel}: [[{target}]] -> {matches}")
    return bad


def _plain(rel: str) -> str:
    return rel.removesuffix(".md") if rel.endswith(".md") else rel


def _matches(rel: str, target: str) -> bool:
    plain = _plain(rel)
    if "/" in target:
        return _fold(plain) == _fold(target) or _fold(plain).endswith("/" + _fold(target))
    return _fold(plain.rsplit("/", 1)[-1]) == _fold(target)


def properties_of(text: str) -> dict:
    """The note's properties, parsed by PyYAML on its own (independently of python-frontmatter)."""
    assert text.startswith("---\n"), text[:40]
    head = text[4:].split("\n---\n", 1)[0]
    return yaml.safe_load(head) or {}
