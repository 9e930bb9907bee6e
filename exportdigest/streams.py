"""Standard output and error whose reader may leave (`| head`): only what writes there stops."""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO, cast

import click


def _silence(fd: int) -> None:
    """Point `fd` at /dev/null, so later writes and the final flush at exit go nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def stdout_gone() -> None:
    """The reader of standard output left: drop what is still buffered and write nothing more."""
    _silence(sys.stdout.fileno())


class Stderr:
    """Standard error as a stream that a reader's leaving turns into /dev/null, not an error."""

    closed_by_reader = False

    def write(self, text: str) -> int:
        """Write `text`, or drop it once the reader is gone."""
        if not Stderr.closed_by_reader:
            try:
                sys.stderr.write(text)
                sys.stderr.flush()
            except BrokenPipeError:
                Stderr.closed_by_reader = True
                _silence(sys.stderr.fileno())
        return len(text)

    def flush(self) -> None:
        """Nothing waits here: every write is flushed at once."""

    def isatty(self) -> bool:
        """Whether standard error is a terminal (and still open)."""
        return not Stderr.closed_by_reader and sys.stderr.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(sys.stderr, name)


STDERR = cast(TextIO, Stderr())  # duck-typed: what click.echo and progressbar call


# C0 and C1 controls but tab and newline: digest text with ESC or BEL must not reach a
# terminal as commands (colours, title changes, bells).
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])


def printable(text: str) -> str:
    """Text with control characters shown as escapes (`\\x1b`), tab and newline kept."""
    if text.isprintable() or not any(ord(c) in _CONTROLS for c in text):
        return text
    return "".join(f"\\x{ord(c):02x}" if ord(c) in _CONTROLS else c for c in text)


def echo_err(message: str) -> None:
    """A line on standard error (controls escaped); nothing, and no error, once its reader
    has left."""
    click.echo(printable(message), file=STDERR)
