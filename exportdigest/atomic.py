"""Atomic file writes: a temp file beside the target, then a rename, so readers never see half."""

from __future__ import annotations

import contextlib
import filecmp
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_writer(path: Path, keep_mode_of: Path | None = None) -> Iterator[BinaryIO]:
    """A binary stream whose bytes replace `path` in one rename when the block ends cleanly.

    On an exception the temp file is removed and `path` is left as it was.
    """
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        _give_mode(temp, keep_mode_of or path)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def _give_mode(temp: str, like: Path) -> None:
    """The replaced file's permissions, or for a new file the umask's (mkstemp makes 0600)."""
    try:
        mode = os.stat(like).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temp, mode)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically."""
    with atomic_writer(path) as stream:
        stream.write(data)


def replace_if_changed(path: Path, chunks: Iterable[bytes]) -> bool:
    """Stream chunks into a temp file; rename it over `path` unless the bytes are the same.

    Returns True when `path` was written; an unchanged file keeps its bytes and mtime.
    """
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
        if path.exists() and filecmp.cmp(temp, path, shallow=False):
            return False
        _give_mode(temp, path)
        os.replace(temp, path)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


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
