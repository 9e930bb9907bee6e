"""Refusing a run whose output would overwrite one of its own inputs, by any spelling."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping

import click

from .inputs import DigestFile


class OutputIsInput(click.UsageError):
    """An output file is one of the digests being read (exit 2, nothing read or written)."""


def _identity(st: os.stat_result) -> tuple[int, int] | None:
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def _of_path(path: str) -> tuple[int, int] | None:
    try:
        return _identity(os.stat(path))  # follows links: a link to a digest is that digest
    except (OSError, ValueError):
        return None


def refuse_stdin_output(outputs: Mapping[str, str], reads_stdin: bool) -> None:
    """Refuse an output that is the file standard input is read from (`-o x.ris - < x.ris`)."""
    if not reads_stdin:
        return
    try:
        stdin = _identity(os.fstat(0))
    except OSError:
        return
    for output, target in outputs.items():
        if stdin is not None and output != "-" and _of_path(output) == stdin:
            raise OutputIsInput(f"{target} would write {output}, which is standard input")


def refuse_input_outputs(outputs: Mapping[str, str], inputs: Iterable[DigestFile]) -> None:
    """Refuse an output file that is one of the inputs (same file: links and spellings too)."""
    written = {}
    for output, target in outputs.items():
        identity = _of_path(output) if output != "-" else None
        if identity is not None:
            written[identity] = (output, target)
    if not written:
        return
    for digest in inputs:
        if digest.path is None:
            continue
        hit = written.get(_of_path(str(digest.path)))  # type: ignore[arg-type]
        if hit is not None:
            output, target = hit
            raise OutputIsInput(
                f"{target} would write {output}, which is the input {digest.name};"
                " name another output file"
            )
