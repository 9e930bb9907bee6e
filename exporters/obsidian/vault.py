"""The vault folder: notes found by id, names that never collide, writes that stay inside it.

Obsidian ignores dot-folders (`.obsidian`, `.trash`, `.git`...), and so does the scan. A note
belongs to the tool when its properties hold `paper_id` (a paper) or `exportdigest` (`tag/..`,
`digest/<day>` or `index`); where it lies and what it is called do not matter.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import yaml

from exportdigest.atomic import is_temp, write_atomic

from .cache import Cache
from .names import fold

PAPERS, TAGS, DIGESTS = "Papers", "Tags", "Digests"
INDEX_STEM, BASE_FILE = "Paper index", "Papers.base"
STATE_DIR = ".exportdigest"
TOOL_DOT_FOLDERS = (STATE_DIR, ".obsidian")  # hidden folders the tool writes files in
HEAD_BYTES = 1 << 16

_FENCE = re.compile(rb"^---[ \t]*\r?$", re.MULTILINE)
_PAPER_ID = re.compile(rb"^paper_id:[ \t]*['\"]?([0-9a-f]{16})['\"]?[ \t]*\r?$", re.MULTILINE)
_KIND = re.compile(rb"^exportdigest:[ \t]*(.*?)[ \t]*\r?$", re.MULTILINE)
_H_IN = re.compile(rb"^%% exportdigest:begin in=([0-9a-f]{16}) ", re.MULTILINE)


class UnsafePath(Exception):
    """A path that would leave the vault (never written)."""


class NameTaken(Exception):
    """A file appeared under a name the run had claimed (never overwritten)."""


class Found(NamedTuple):
    """A note of the tool's, wherever the user keeps it."""

    path: str  # relative to the vault, with `/`
    kind: str  # paper, tag, digest or index
    key: str  # paper id, folded tag, ISO day, or ""
    h_in: str | None  # the `in` fingerprint of its block


class Vault:
    """One vault on disk, scanned once per run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real = os.path.realpath(root)
        self.notes: dict[tuple[str, str], Found] = {}
        self.duplicates: dict[tuple[str, str], list[str]] = {}
        self.stems: Counter[str] = Counter()
        self.stale_temps: list[str] = []
        self.misses = 0  # notes read because the cache could not vouch for them
        self.facts: dict[str, list] = {}
        self._shared: dict[tuple[str, str], list[Found]] = {}  # keys with several notes
        self._checked_dirs: set[str] = set()

    def scan(self, cache: Cache) -> None:
        """Index every note by name and every tool note by id (unchanged files from the cache)."""
        if not self.root.is_dir():
            return
        stack = [("", str(self.root))]
        while stack:
            rel_dir, folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            self._scan_folder(rel_dir, entries, cache, stack)
        for key, found in self._shared.items():
            found.sort(key=lambda f: (f.path.count("/"), f.path))  # same choice on every run
            self.duplicates[key] = [f.path for f in found]
            self.notes[key] = found[0]
        for hidden in TOOL_DOT_FOLDERS:  # the scan skips dot-folders, but the tool writes here
            with contextlib.suppress(OSError):
                for entry in os.scandir(self.root / hidden):
                    if is_temp(entry.name):
                        self.stale_temps.append(f"{hidden}/{entry.name}")

    def _scan_folder(self, rel_dir: str, entries: list, cache: Cache, stack: list) -> None:
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                if is_temp(name):
                    self.stale_temps.append(rel_dir + name)
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append((f"{rel_dir}{name}/", entry.path))
                continue
            if not name.endswith(".md"):
                # `[[Papers.base]]` or `[[figure.png]]` reach this file: no note may take it.
                self.stems[fold(name)] += 1
                continue
            self.stems[fold(name[:-3])] += 1
            if entry.is_symlink():
                continue  # not a note the tool would ever replace
            rel = rel_dir + name
            stat = entry.stat(follow_symlinks=False)
            facts = cache.lookup(rel, stat)
            if facts is None:
                self.misses += 1
                facts = [stat.st_mtime_ns, stat.st_size, stat.st_ino, *read_facts(entry.path)]
            self.facts[rel] = facts
            if facts[3]:
                found = Found(rel, facts[3], facts[4], facts[5])
                key = (found.kind, found.key)
                first = self.notes.setdefault(key, found)
                if first is not found:  # two notes claim one paper (or tag, day): `scan` picks
                    self._shared.setdefault(key, [first]).append(found)

    def get(self, kind: str, key: str) -> Found | None:
        """The tool's note of this kind and key, if the vault has one."""
        return self.notes.get((kind, key))

    def claim(self, folder: str, stems: Iterable[str]) -> str:
        """A free note path in `folder`: the first stem no note in the vault has (any case)."""
        stem = ""
        for stem in stems:
            rel = f"{folder}/{stem}.md" if folder else f"{stem}.md"
            key = fold(stem)
            if stem and key not in self.stems:  # a file the scan missed: `write` will refuse
                self.stems[key] += 1
                return rel
        raise NameTaken(f"no free name in {folder or 'the vault'}/ for {stem!r}")

    def reserve(self, name: str) -> None:
        """Keep a file's name (with its extension) from every new note, if it is not there yet."""
        if not (self.root / name).exists():
            self.stems[fold(name)] += 1

    def link(self, rel: str, text: str | None = None) -> str:
        """A `[[link]]` Obsidian resolves to `rel`: by name, or by path if the name is shared."""
        stem = rel.rsplit("/", 1)[-1].removesuffix(".md")
        target = stem if self.stems[fold(stem)] <= 1 else rel.removesuffix(".md")
        if text and text != stem:
            shown = text.replace("|", "-").replace("[[", "[").replace("]]", "]")
            shown = shown.replace("%%", "%").replace("\n", " ")
            return f"[[{target}|{shown}]]"
        return f"[[{target}]]"

    def path(self, rel: str) -> Path:
        """The absolute path of `rel`; UnsafePath unless it lies inside the vault."""
        parts = rel.split("/")
        if any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in parts) or ":" in parts[0]:
            raise UnsafePath(f"refusing to write outside the vault: {rel!r}")
        return self.root.joinpath(*parts)

    def _inside(self, folder: Path) -> None:
        key = str(folder)
        if key in self._checked_dirs:
            return
        real = os.path.realpath(folder)
        if real != self.real and not real.startswith(self.real.rstrip(os.sep) + os.sep):
            raise UnsafePath(f"refusing to write outside the vault: {folder} leads to {real}")
        self._checked_dirs.add(key)

    def read(self, rel: str) -> bytes:
        """The bytes of a note."""
        return self.path(rel).read_bytes()

    def write(self, rel: str, data: bytes, create: bool) -> list:
        """Write a file of the vault atomically; return its facts' stat part.

        `create` never replaces an existing file (NameTaken); otherwise the file is replaced
        and keeps its permissions. Not fsynced (see exportdigest.atomic for why).
        """
        path = self.path(rel)
        folder = path.parent
        if str(folder) not in self._checked_dirs:
            if not folder.is_dir():
                self._inside(folder.parent)
                folder.mkdir(parents=True, exist_ok=True)
            self._inside(folder)
        try:
            stat = write_atomic(path, data, create=create, durable=False)
        except FileExistsError:
            raise NameTaken(f"{path.name} appeared during the run; left alone") from None
        return [stat.st_mtime_ns, stat.st_size, stat.st_ino]

    def remove_stale_temps(self) -> int:
        """Delete temp files a killed run left behind; how many."""
        removed = 0
        for rel in self.stale_temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path(rel))
                removed += 1
        return removed


def read_facts(path: str) -> list:
    """[kind, key, in-fingerprint] of a note, from its head ("" kind when not the tool's)."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(HEAD_BYTES)
            if not head.startswith(b"---"):
                return ["", "", None]
            close = _FENCE.search(head, head.find(b"\n") + 1)
            if close is None and len(head) == HEAD_BYTES:
                head += stream.read()
                close = _FENCE.search(head, head.find(b"\n") + 1)
    except OSError:
        return ["", "", None]
    if close is None or head.find(b"\n") < 0:
        return ["", "", None]
    props = head[: close.start()]
    marker = _H_IN.search(head, close.end())
    h_in = marker.group(1).decode() if marker else None
    paper = _PAPER_ID.search(props)
    if paper:
        return ["paper", paper.group(1).decode(), h_in]
    kind = _KIND.search(props)
    if kind:
        return [*_kind_key(kind.group(1)), h_in]
    if b"paper_id" in props or b"exportdigest" in props:  # another YAML layout: parse it all
        return [*_parsed_kind_key(props[props.find(b"\n") + 1 :]), h_in]
    return ["", "", None]


def _parsed_kind_key(props: bytes) -> tuple[str, str]:
    try:
        values = yaml.safe_load(props)
    except yaml.YAMLError:
        return "", ""
    if not isinstance(values, dict):
        return "", ""
    pid = values.get("paper_id")
    if isinstance(pid, str) and re.fullmatch(r"[0-9a-f]{16}", pid):
        return "paper", pid
    if isinstance(values.get("exportdigest"), str):
        return _kind_key(values["exportdigest"])
    return "", ""


def _kind_key(raw: bytes | str) -> tuple[str, str]:
    """`tag/x`, `digest/2024-11-04` or `index`, as written by any YAML writer."""
    try:
        value = raw if isinstance(raw, str) else yaml.safe_load(b"v: " + raw)["v"]
    except (yaml.YAMLError, TypeError, KeyError):
        return "", ""
    kind, _, key = str(value).partition("/")
    if kind == "tag" and key:
        return "tag", key.casefold()
    if kind == "digest" and key:
        return "digest", key
    if kind == "index":
        return "index", ""
    return "", ""
