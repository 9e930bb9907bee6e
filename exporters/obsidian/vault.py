"""The vault folder: notes found by id, names that never collide, writes that stay inside it.

Obsidian ignores dot-folders (`.obsidian`, `.trash`, `.git`...), and so does the scan. A note
belongs to the tool when its properties hold `paper_id` (a paper) or `exportdigest` (`tag/..`,
`digest/<day>` or `index`), or when its block's begin marker carries that `id` (so a note
whose properties were broken is still the paper's); where it lies and what it is called do
not matter.

Nothing is written through a symbolic link: the vault's folders are opened once, one
component at a time without following links, and every file is created relative to those
handles (see exportdigest.atomic), after checking that each folder is still the one opened.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import yaml

from exportdigest.atomic import is_stale_temp, write_atomic

from .cache import Cache
from .names import fold
from .note import BEGIN_PATTERN

PAPERS, TAGS, DIGESTS = "Papers", "Tags", "Digests"
INDEX_STEM, BASE_FILE = "Paper index", "Papers.base"
STATE_DIR = ".exportdigest"
TOOL_DOT_FOLDERS = (STATE_DIR, ".obsidian")  # hidden folders the tool writes files in
HEAD_BYTES = 1 << 16

_FENCE = re.compile(rb"^---[ \t]*\r?$", re.MULTILINE)
_PAPER_ID = re.compile(rb"^paper_id:[ \t]*['\"]?([0-9a-f]{16})['\"]?[ \t]*\r?$", re.MULTILINE)
_KIND = re.compile(rb"^exportdigest:[ \t]*(.*?)[ \t]*\r?$", re.MULTILINE)
_MARKER = re.compile(BEGIN_PATTERN.encode("ascii"), re.MULTILINE)  # the merge's own rule
_HEX16 = re.compile(r"[0-9a-f]{16}")
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
# Folder handles where the platform has them (not Windows): see the module's docstring.
HANDLES = (
    hasattr(os, "O_DIRECTORY")
    and hasattr(os, "O_NOFOLLOW")
    and {
        os.open,
        os.mkdir,
        os.stat,
        os.link,
        os.rename,
        os.unlink,
        os.readlink,
    }
    <= os.supports_dir_fd
)


class UnsafePath(Exception):
    """A path that would leave the vault or go through a symbolic link (never written)."""


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
        self.links: dict[str, str] = {}  # notes that are symbolic links: path -> where to
        self._shared: dict[tuple[str, str], list[Found]] = {}  # keys with several notes
        self._folders: dict[str, tuple[int, int, int]] = {}  # folder -> (handle, dev, inode)
        self._links_on_the_way: dict[str, str | None] = {}

    def open(self) -> int | None:
        """Make the vault's folder if new and hold it open; the handle (None on Windows)."""
        self.root.mkdir(parents=True, exist_ok=True)
        if not HANDLES:
            return None
        fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        stat = os.fstat(fd)
        self._folders[""] = (fd, stat.st_dev, stat.st_ino)
        return fd

    def close(self) -> None:
        """Let go of every folder handle."""
        for fd, _dev, _ino in self._folders.values():
            os.close(fd)
        self._folders.clear()

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
            if os.path.islink(self.root / hidden):
                continue  # shared with other vaults, whose runs may be live: not ours
            with contextlib.suppress(OSError):
                for entry in os.scandir(self.root / hidden):
                    if is_stale_temp(entry.name):
                        self.stale_temps.append(f"{hidden}/{entry.name}")

    def _scan_folder(self, rel_dir: str, entries: list, cache: Cache, stack: list) -> None:
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                if is_stale_temp(name):
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
            rel = rel_dir + name
            if entry.is_symlink():
                self._linked_note(rel, entry.path, cache)
                continue
            stat = entry.stat(follow_symlinks=False)
            facts = cache.lookup(rel, stat)
            if facts is None:
                self.misses += 1
                facts = [stat.st_mtime_ns, stat.st_size, stat.st_ino, *read_facts(entry.path)]
                if not facts[3] and facts[5]:  # a block, but neither properties nor id say whose
                    facts[3:5] = _cached_kind_key(cache, rel)
            self.facts[rel] = facts
            if facts[3]:
                self._add(Found(rel, facts[3], facts[4], facts[5]))

    def _add(self, found: Found) -> None:
        key = (found.kind, found.key)
        first = self.notes.setdefault(key, found)
        if first is not found:  # two notes claim one paper (or tag, day): `scan` picks
            self._shared.setdefault(key, [first]).append(found)

    def _linked_note(self, rel: str, path: str, cache: Cache) -> None:
        """A note that is a symbolic link: the paper's note if it leads where the scan does
        not read (out of the vault, a dot-folder, nowhere), never written through."""
        target = os.path.realpath(path)
        inside = os.path.relpath(target, self.real).replace(os.sep, "/")
        if target.endswith(".md") and not any(p.startswith(".") for p in inside.split("/")):
            return  # inside the vault (no `..`), out of dot-folders: the scan reads it itself
        kind, key, h_in = read_facts(path)
        if not kind:
            kind, key = _cached_kind_key(cache, rel)
        if kind:
            self.links[rel] = target
            self._add(Found(rel, kind, key, h_in))

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
        """`[[Folder/Name|text]]`: with its folder, the link opens `rel` whatever other notes
        are called (a paper named like a tag, say), and shows `text` or the note's name."""
        target = rel.removesuffix(".md")
        shown = text or target.rsplit("/", 1)[-1]
        shown = shown.replace("|", "-").replace("[[", "[").replace("]]", "]")
        shown = shown.replace("%%", "%").replace("\n", " ")
        return f"[[{target}|{shown}]]"

    def path(self, rel: str) -> Path:
        """The absolute path of `rel`; UnsafePath unless it lies inside the vault."""
        parts = rel.split("/")
        if any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in parts) or ":" in parts[0]:
            raise UnsafePath(f"refusing to write outside the vault: {rel!r}")
        return self.root.joinpath(*parts)

    def read(self, rel: str) -> bytes:
        """The bytes of a note."""
        return self.path(rel).read_bytes()

    def write(self, rel: str, data: bytes, create: bool) -> list:
        """Write a file of the vault atomically; return its facts' stat part.

        `create` never replaces an existing file (NameTaken); otherwise the file is replaced
        and keeps its permissions. UnsafePath when the file or a folder on its way is a
        symbolic link. Not fsynced (see exportdigest.atomic for why).
        """
        path = self.path(rel)
        folder, _, name = rel.rpartition("/")
        fd = self._folder(folder) if self._folders else None
        if fd is None:  # no folder handles here: check the real path right before the write
            path.parent.mkdir(parents=True, exist_ok=True)
            self._check_inside(path.parent)
            target = path
        else:
            target = Path(name)
        if not create and _is_link(target, fd):
            raise UnsafePath(f"{rel} is a symbolic link; never written through")
        try:
            stat = write_atomic(target, data, create=create, durable=False, dir_fd=fd)
        except FileExistsError:
            raise NameTaken(f"{path.name} appeared during the run; left alone") from None
        return [stat.st_mtime_ns, stat.st_size, stat.st_ino]

    def _folder(self, rel_dir: str) -> int:
        """The handle of a vault folder (made if missing), opened without following links.

        A folder held already is checked to still be there: one swapped for a link during
        the run is refused (UnsafePath); one replaced by a real folder is opened anew.
        """
        if not rel_dir:
            return self._folders[""][0]
        held = self._folders.get(rel_dir)
        parent_rel, _, name = rel_dir.rpartition("/")
        parent = self._folder(parent_rel)
        if held is not None:
            try:
                now = os.stat(name, dir_fd=parent, follow_symlinks=False)
                if (now.st_dev, now.st_ino) == held[1:]:
                    return held[0]
            except FileNotFoundError:
                pass
            os.close(held[0])
            del self._folders[rel_dir]
        try:
            fd = _open_folder(name, parent)
        except FileNotFoundError:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, dir_fd=parent)
            fd = _open_folder(name, parent)
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                raise
            try:
                where = f"a symbolic link to {os.readlink(name, dir_fd=parent)}"
            except OSError:
                where = "not a folder"
            raise UnsafePath(f"{rel_dir}/ is {where}; nothing is written there") from None
        stat = os.fstat(fd)
        self._folders[rel_dir] = (fd, stat.st_dev, stat.st_ino)
        return fd

    def _check_inside(self, folder: Path) -> None:
        real = os.path.realpath(folder)
        if real != self.real and not real.startswith(self.real.rstrip(os.sep) + os.sep):
            raise UnsafePath(f"refusing to write outside the vault: {folder} leads to {real}")

    def symlink_on_the_way(self, rel: str) -> str | None:
        """What makes `rel` a path through a symbolic link (a folder or the file), if any."""
        if rel in self._links_on_the_way:
            return self._links_on_the_way[rel]
        parts, found = rel.split("/") if rel else [], None
        for n in range(1, len(parts) + 1):
            path = self.root.joinpath(*parts[:n])
            if path.is_symlink():
                what = "/".join(parts[:n]) + ("/" if n < len(parts) or path.is_dir() else "")
                found = f"{what} is a symbolic link to {os.readlink(path)}"
                break
        self._links_on_the_way[rel] = found
        return found

    def remove_stale_temps(self) -> int:
        """Delete temp files a killed run left behind (never a live run's); how many."""
        removed = 0
        for rel in self.stale_temps:
            folder, _, name = rel.rpartition("/")
            with contextlib.suppress(OSError, UnsafePath):
                if self._folders:
                    os.unlink(name, dir_fd=self._folder(folder))
                else:
                    os.unlink(self.path(rel))
                removed += 1
        return removed


def _open_folder(name: str, parent: int) -> int:
    return os.open(name, _DIR_FLAGS, dir_fd=parent)


def _is_link(target: str | Path, fd: int | None) -> bool:
    try:
        stat = os.stat(target, follow_symlinks=False, **({} if fd is None else {"dir_fd": fd}))
    except FileNotFoundError:
        return False
    return (stat.st_mode & 0o170000) == 0o120000


def _cached_kind_key(cache: Cache, rel: str) -> list:
    """[kind, key] the last run's cache gave a path (a 0.1 note has no id in its marker)."""
    entry = cache.files.get(rel)
    if entry and len(entry) > 4 and entry[3]:
        return [entry[3], entry[4]]
    return ["", ""]


def read_facts(path: str) -> list:
    """[kind, key, in-fingerprint] of a note, from its head ("" kind when not the tool's).

    The properties say whose note it is; when they cannot (removed, broken, no id in them),
    the block's begin marker does. A block whose marker says nothing gives ["", "", in].
    """
    try:
        with open(path, "rb") as stream:
            head = stream.read(HEAD_BYTES)
            close = None
            if head.startswith(b"---"):
                close = _FENCE.search(head, head.find(b"\n") + 1)
                if close is None and len(head) == HEAD_BYTES:
                    head += stream.read()
                    close = _FENCE.search(head, head.find(b"\n") + 1)
    except OSError:
        return ["", "", None]
    kind, key = "", ""
    if close is not None and head.find(b"\n") >= 0:
        kind, key = _properties_kind_key(head[: close.start()])
    marker = _MARKER.search(head, close.end() if close is not None else 0)
    if marker is None:
        return [kind, key, None] if kind else ["", "", None]
    if not kind and marker["id"]:
        kind, key = _id_kind_key(marker["id"].decode("ascii", "replace"))
    return [kind, key, marker["h_in"].decode()]


def _properties_kind_key(props: bytes) -> tuple[str, str]:
    paper = _PAPER_ID.search(props)
    if paper:
        return "paper", paper.group(1).decode()
    kind = _KIND.search(props)
    if kind:
        return _kind_key(kind.group(1))
    if b"paper_id" in props or b"exportdigest" in props:  # another YAML layout: parse it all
        return _parsed_kind_key(props[props.find(b"\n") + 1 :])
    return "", ""


def note_id(kind: str, key: str) -> str:
    """The id a note's begin marker carries: the paper id, `digest/<day>` or `index`."""
    if kind == "paper":
        return key
    return f"{kind}/{key}" if key else kind


def _id_kind_key(value: str) -> tuple[str, str]:
    if _HEX16.fullmatch(value):
        return "paper", value
    return _kind_key(value)


def _parsed_kind_key(props: bytes) -> tuple[str, str]:
    try:
        values = yaml.safe_load(props)
    except yaml.YAMLError:
        return "", ""
    if not isinstance(values, dict):
        return "", ""
    pid = values.get("paper_id")
    if isinstance(pid, str) and _HEX16.fullmatch(pid):
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
