"""Finding digest files from the paths a user names, and reading their lines safely."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .diagnostics import Diagnostic

DIGEST_SUFFIXES = (".txt", ".md")
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
            self.spool.seek(0)
            return _Unclosable(self.spool)  # type: ignore[return-value]
        assert self.path is not None
        return open(self.path, "rb")

    @property
    def file_name(self) -> str:
        """The base name, where a date may be found."""
        return self.path.name if self.path is not None else ""


class _Unclosable:
    """Lets the spooled stdin copy be read more than once."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def __iter__(self):
        return iter(self._stream)

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


def collect(paths: list[str], stdin: BinaryIO | None = None) -> list[DigestFile]:
    """The digest files behind the given paths: files as named, directories walked in order.

    Raises FileNotFoundError naming the first path that does not exist.
    """
    found: list[DigestFile] = []
    for raw in paths:
        if raw == "-":
            source = stdin if stdin is not None else sys.stdin.buffer
            spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - kept for pass 2
            while block := source.read(1 << 20):
                spool.write(block)
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
    """The file's lines as text, one at a time; CRLF, CR and a BOM are taken.

    Raises InputError at the first line that is not UTF-8 text or holds a NUL byte.
    """
    with digest.open() as stream:
        head = stream.read(8192)
    if b"\x00" in head:
        raise InputError(
            Diagnostic(
                digest.name,
                1 + head.count(b"\n", 0, head.index(b"\x00")),
                "binary data (NUL byte), not a text digest; file skipped",
                "error",
            )
        )
    with digest.open() as stream:
        number = 0
        for raw in stream:
            if b"\x00" in raw:
                raise InputError(
                    Diagnostic(
                        digest.name,
                        number + 1,
                        "binary data (NUL byte), not a text digest; file skipped",
                        "error",
                    )
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    Diagnostic(
                        digest.name,
                        number + 1,
                        f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1});"
                        " file skipped - save it as UTF-8",
                        "error",
                    )
                ) from None
            if number == 0 and text.startswith("\ufeff"):
                text = text[1:]
            text = text.removesuffix("\n").removesuffix("\r")
            if "\r" in text:
                for piece in text.split("\r"):
                    number += 1
                    yield piece
            else:
                number += 1
                yield text
