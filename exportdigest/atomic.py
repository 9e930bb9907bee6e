"""Atomic file writes: every file the tool writes goes through here (temp file, then rename).

The bytes go to a temp file beside the target (`.exportdigest-<pid>-<n>.tmp`, so a killed
run's leftovers are recognisable by `is_temp` and can be removed), which then takes the
target's name in one rename. A reader, or a run killed at any moment, sees the old file or
the new one, never a part. A replaced file keeps its permissions; a new one gets the umask's.
With `dir_fd` (an open folder), `path` is a name in that folder and every step is taken
relative to it, so a folder swapped for a symbolic link meanwhile cannot redirect the write.

When to fsync (`durable`):
- Vault notes, the vault's cache and settings files are not fsynced, one by one: a rename
  gives the old file or the new one to anything that reads it while the system runs. Only
  a power loss or an OS crash can lose what was written in the last seconds: a new note is
  then missing, and the next run writes it again; on file systems that do not flush a file
  before a rename that replaces another (ext4 and btrfs do), a note replaced just then
  may come back empty. Thousands of fsyncs would make a run many times slower.
- A single output file (a citation file, jsonl, the Zotero state) is fsynced once, before
  its rename, so after a power loss it is the old file or the whole new one.
"""

from __future__ import annotations

import contextlib
import errno
import filecmp
import hashlib
import itertools
import os
from collections.abc import Iterable
from pathlib import Path

TEMP_PREFIX, TEMP_SUFFIX = ".exportdigest-", ".tmp"
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_temp_numbers = itertools.count()
# What os.link raises where the file system has no hard links (FAT, some network shares).
_NO_LINKS = {errno.EPERM, errno.EACCES, errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.EMLINK}
_NO_LINKS |= {getattr(errno, name) for name in ("ENOTSUP", "EOPNOTSUPP") if hasattr(errno, name)}


def is_temp(name: str) -> bool:
    """Whether a file name is one of this module's temp files (left by a killed run)."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def is_stale_temp(name: str) -> bool:
    """Whether a file name is a temp file of a run that is gone (its process id is not
    running): a live concurrent run's temp file is never one."""
    if not is_temp(name):
        return False
    pid = name[len(TEMP_PREFIX) :].split("-", 1)[0]
    return pid.isdigit() and not _running(int(pid))


def write_atomic(
    path: Path,
    data: bytes,
    *,
    create: bool = False,
    durable: bool = True,
    dir_fd: int | None = None,
    private: bool = False,
) -> os.stat_result:
    """Write `data` to `path` atomically; the written file's stat (size, mtime, inode).

    `create` never replaces a file: FileExistsError if `path` exists, even when it appeared
    a moment ago. `durable` fsyncs the file before the rename (see the module's rule).
    `dir_fd`: `path` is a name inside that open folder (see the module's docstring).
    `private`: readable by its owner only (0600) from its first byte, whatever it replaces.
    """
    path = Path(path)
    temp, stat = _write_temp(path, (data,), durable, dir_fd, 0o600 if private else 0o666)
    _put(temp, path, create, stat, dir_fd, keep_mode=not private)
    return stat


def replace_if_changed(path: Path, chunks: Iterable[bytes], *, durable: bool = True) -> bool:
    """Stream chunks into a temp file; rename it over `path` unless the bytes are the same.

    Returns True when `path` was written; an unchanged file keeps its bytes and mtime.
    """
    path = Path(path)
    temp, stat = _write_temp(path, chunks, durable)
    try:
        if path.exists() and filecmp.cmp(temp, path, shallow=False):
            os.unlink(temp)
            return False
    except BaseException:
        _remove(temp)
        raise
    _put(temp, path, False, stat)
    return True


def same_content(path: Path, chunks: Iterable[bytes]) -> bool:
    """Whether `path` holds exactly the chunks' bytes (reads, writes nothing)."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    try:
        with open(path, "rb") as stream:
            return hashlib.file_digest(stream, "sha256").digest() == digest.digest()
    except FileNotFoundError:
        return False


def _write_temp(
    path: Path,
    chunks: Iterable[bytes],
    durable: bool,
    dir_fd: int | None = None,
    mode: int = 0o666,
) -> tuple[str, os.stat_result]:
    """A new temp file beside `path` holding the chunks; its name and stat."""
    while True:
        temp = os.path.join(
            "" if dir_fd is not None else path.parent,
            f"{TEMP_PREFIX}{os.getpid()}-{next(_temp_numbers)}{TEMP_SUFFIX}",
        )
        try:
            fd = os.open(temp, _OPEN_FLAGS, mode, **_at(dir_fd))
            break
        except FileExistsError:
            continue  # left by a killed run that had the same process id
    try:
        with open(fd, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
            stream.flush()
            if durable:
                os.fsync(fd)
            stat = os.fstat(fd)
    except BaseException:
        _remove(temp, dir_fd)
        raise
    return temp, stat


def _put(
    temp: str,
    path: Path,
    create: bool,
    stat: os.stat_result,
    dir_fd: int | None = None,
    keep_mode: bool = True,
) -> None:
    """Give `temp` the name `path` (replacing it unless `create`, with the replaced file's
    permissions when `keep_mode`); on failure remove `temp`."""
    try:
        if create:
            _link_new(temp, path, dir_fd)
            return
        if keep_mode:
            _keep_mode_of(path, temp, stat, dir_fd)
        os.replace(temp, path, **_at2(dir_fd))
    except BaseException:
        _remove(temp, dir_fd)
        raise


def _keep_mode_of(path: Path, temp: str, stat: os.stat_result, dir_fd: int | None) -> None:
    """Give `temp` the permissions of the file it replaces, if there is one."""
    try:
        mode = os.stat(path, **_at(dir_fd)).st_mode & 0o7777
    except FileNotFoundError:
        return
    if mode != stat.st_mode & 0o7777:
        os.chmod(temp, mode, **_at(dir_fd))


def _link_new(temp: str, path: Path, dir_fd: int | None = None) -> None:
    """Move `temp` to `path` unless `path` exists: a hard link fails rather than replaces."""
    try:
        os.link(temp, path, **_at2(dir_fd))
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "a file of that name exists", str(path)) from None
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        # No hard links here: check, then rename (a file appearing in between is replaced).
        if _lexists(path, dir_fd):
            raise FileExistsError(errno.EEXIST, "a file of that name exists", str(path)) from None
        os.rename(temp, path, **_at2(dir_fd))
        return
    os.unlink(temp, **_at(dir_fd))


def _remove(temp: str, dir_fd: int | None = None) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp, **_at(dir_fd))


def _at(dir_fd: int | None) -> dict:
    """The `dir_fd` keyword of an os call, only when there is a folder handle."""
    return {} if dir_fd is None else {"dir_fd": dir_fd}


def _at2(dir_fd: int | None) -> dict:
    """The folder keywords of a two-path os call (link, rename), only with a handle."""
    return {} if dir_fd is None else {"src_dir_fd": dir_fd, "dst_dir_fd": dir_fd}


def _lexists(path: Path, dir_fd: int | None) -> bool:
    try:
        os.stat(path, follow_symlinks=False, **_at(dir_fd))
    except FileNotFoundError:
        return False
    return True


def remove_stale_temps(path: Path) -> int:
    """Remove the temp files that killed runs left beside `path`; how many.

    Only those of runs that are gone: the process id in the name is not running (a live
    concurrent run's temp file is never touched). Version 0.1 named its temp files
    `.<name>.<8 characters>.tmp` without a process id; those of `path`'s name go too.
    """
    folder = Path(path).parent
    old_prefix = f".{Path(path).name[:40]}."
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if is_temp(name):
            if not is_stale_temp(name):
                continue
        elif not (
            name.startswith(old_prefix)
            and name.endswith(TEMP_SUFFIX)
            and len(name) == len(old_prefix) + 8 + len(TEMP_SUFFIX)
        ):
            continue
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, name))
            removed += 1
    return removed


def _running(pid: int) -> bool:
    """Whether a process of this id exists (this process's own temp files count as live)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or no way to tell: leave its file alone
    return True
