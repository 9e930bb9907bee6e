"""Finding digest files from the paths a user names, and reading their lines safely."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .diagnostics import Diagnostic

DIGEST_SUFFIXES = (".txt",)  # not .md: a folder may hold notes, even an Obsidian vault
STDIN_NAME = "<stdin>"


class InputError(Exception):
    """A file that cannot be read as digest text; other files are still exported."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


@dataclass(frozen=True)
class DigestFile:
    """A digest to read: its display name and how to open its bytes."""

    name: str
    path: Path | None = None
    spool: BinaryIO | None = None

    def open(self) -> BinaryIO:
        """A fresh binary stream positioned at the start."""
        if self.spool is not None:
            # A duplicate descriptor, so each pass can close its stream and the copy remains.
            stream = os.fdopen(os.dup(self.spool.fileno()), "rb")
            stream.seek(0)
            return stream
        assert self.path is not None
        return open(self.path, "rb")

    @property
    def file_name(self) -> str:
        """The base name, where a date may be found."""
        return self.path.name if self.path is not None else ""


def collect(paths: list[str], stdin: BinaryIO | None = None) -> list[DigestFile]:
    """The digest files behind the given paths: files as named, directories walked in order.

    Raises FileNotFoundError naming the first path that does not exist.
    """
    found: list[DigestFile] = []
    for raw in paths:
        if raw == "-":
            source = stdin if stdin is not None else sys.stdin.buffer
            spool = tempfile.TemporaryFile()  # noqa: SIM115 - read again by the second pass
            while block := source.read(1 << 20):
                spool.write(block)
            spool.flush()
            found.append(DigestFile(STDIN_NAME, spool=spool))
            continue
        path = Path(raw)
        if path.is_dir():
            found.extend(DigestFile(_display(p), p) for p in _walk(path))
        elif path.exists():
            found.append(DigestFile(_display(path), path))
        else:
            raise FileNotFoundError(raw)
    return found


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(DIGEST_SUFFIXES):
                yield Path(folder, name)


def _display(path: Path) -> str:
    return path.as_posix()


def read_lines(digest: DigestFile) -> Iterator[str]:
    """The file's lines as text, one at a time, without line ends; CRLF, CR and a BOM are taken.

    Raises InputError (with the line) for a file that is not UTF-8 text or holds a NUL byte.
    """
    number = 0
    with digest.open() as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            for number, line in enumerate(text, start=1):  # noqa: B007 - read after the loop
                if "\x00" in line:
                    raise InputError(_binary(digest, number))
                yield line.rstrip("\r\n")
        except UnicodeDecodeError:
            raise InputError(_undecodable(digest)) from None
        finally:
            text.detach()


def _binary(digest: DigestFile, line: int) -> Diagnostic:
    return Diagnostic(
        digest.name, line, "binary data (NUL byte), not a text digest; file skipped", "error"
    )


def _undecodable(digest: DigestFile) -> Diagnostic:
    """The diagnostic for the first line that is not UTF-8 (found by a slow re-read)."""
    with digest.open() as stream:
        head = stream.read(8192)
    if b"\x00" in head:
        return _binary(digest, 1 + head.count(b"\n", 0, head.index(b"\x00")))
    with digest.open() as stream:
        for number, raw in enumerate(stream, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return Diagnostic(
                    digest.name,
                    number,
                    f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1});"
                    " file skipped - save it as UTF-8",
                    "error",
                )
    return Diagnostic(digest.name, 0, "not UTF-8 text; file skipped - save it as UTF-8", "error")
