"""Finding digest files from the paths a user names, and reading their lines safely."""

from __future__ import annotations

import codecs
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
            spool = tempfile.TemporaryFile()  # noqa: SIM115 - may be read again (bad bytes)
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


BLOCK_SIZE = 1 << 20  # bytes decoded and split at a time: streaming, yet C-speed splitting


def read_lines(digest: DigestFile, block_size: int = BLOCK_SIZE) -> Iterator[str]:
    """The file's lines as text, one at a time, without line ends; CRLF, CR and a BOM are taken.

    Raises InputError (with the line) for a file that is not UTF-8 text or holds a NUL byte.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    carry, after_cr, number = "", False, 0
    with digest.open() as stream:
        while True:
            raw = stream.read(block_size)
            final = not raw
            try:
                text = decoder.decode(raw, final)
            except UnicodeDecodeError:
                raise InputError(_undecodable(digest)) from None
            if after_cr and text:
                after_cr = False
                if text[0] == "\n":
                    text = text[1:]  # the LF of a CRLF that the block boundary cut in two
            text = carry + text
            if final:
                body, carry = text, ""
            else:
                end = max(text.rfind("\n"), text.rfind("\r"))
                if end < 0:
                    carry = text
                    continue
                body, carry = text[:end], text[end + 1 :]
                if text[end] == "\n" and end and text[end - 1] == "\r":
                    body = text[: end - 1]
                after_cr = text[end] == "\r" and not carry
            if "\r" in body:  # CRLF or CR line ends
                body = body.replace("\r\n", "\n").replace("\r", "\n")
            if "\x00" in body:
                raise InputError(
                    _binary(digest, number + 1 + body.count("\n", 0, body.index("\x00")))
                )
            lines = body.split("\n")
            if final and lines[-1] == "":
                lines.pop()  # the file ended with a line end (or was empty)
            number += len(lines)
            yield from lines
            if final:
                return


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
