"""Shared base for targets that write one file (`--out FILE`, stdout by default)."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import click

from .exporter import CREATED, UNCHANGED, UPDATED, Exporter, Outcome, TargetUsageError

if TYPE_CHECKING:
    from .model import Entry


def out_option() -> click.Option:
    """The `--out FILE` option every file target declares (merged into one on the CLI)."""
    return click.Option(
        ["--out", "-o"],
        metavar="FILE",
        default="-",
        show_default=True,
        help="File to write, replaced atomically and only when its content changes"
        " ('-' for standard output).",
    )


def own_out_option(name: str) -> click.Option:
    """`--NAME-out FILE`: this target's file when several file targets run at once."""
    return click.Option(
        [f"--{name}-out"],
        metavar="FILE",
        default=None,
        help=f"File for the {name} target; wins over --out.",
    )


class FileExporter(Exporter):
    """A target that renders every entry into one file; subclasses implement `render`.

    Its options are `--out` (shared by every file target) and `--<format_name>-out`, with
    `format_name` taken from the class name (`RisExporter` -> `ris`) unless set.
    """

    format_name = ""
    options: ClassVar[Sequence[click.Option]] = (out_option(),)
    encoding = "utf-8"

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "format_name" not in cls.__dict__:
            cls.format_name = cls.__name__.removesuffix("Exporter").lower()
        if "options" not in cls.__dict__:
            cls.options = (FileExporter.options[0], own_out_option(cls.format_name))

    def __init__(self, settings, run) -> None:
        super().__init__(settings, run)
        out = self.out
        if out != "-" and Path(out).expanduser().is_dir():
            raise TargetUsageError(f"--out {out} is a directory; name a file")

    def render(self, entries: Iterable[Entry]) -> Iterator[str]:
        """The file's text, in pieces, for the entries in order."""
        raise NotImplementedError

    def chunks(self, entries: Iterable[Entry]) -> Iterator[bytes]:
        """The file's bytes, in pieces: `render` encoded (a target may make bytes directly)."""
        encoding = self.encoding
        for piece in self.render(entries):
            yield piece.encode(encoding)

    @property
    def out(self) -> str:
        """The output path as given, or '-' for stdout."""
        own = self.settings.get(f"{self.format_name}_out")
        return str(own or self.settings.get("out") or "-")

    def outputs(self) -> tuple[str, ...]:
        """The one file this target writes ('-' for standard output)."""
        return (self.out if self.out == "-" else str(Path(self.out).expanduser().resolve()),)

    def export(self, entries: Iterable[Entry], count: int) -> Outcome:
        """Write the file; an identical existing file is left untouched (bytes and mtime)."""
        outcome = Outcome()
        label = self.format_name
        chunks = self.chunks(self.run.progress(entries, count, label))
        if self.out == "-":
            if self.run.dry_run:
                for _ in chunks:
                    pass
                self.run.plan(CREATED, f"{count} papers on standard output")
            else:
                stream = sys.stdout.buffer
                for chunk in chunks:
                    stream.write(chunk)
                stream.flush()
            outcome.add(CREATED, count)
            return outcome
        from .atomic import remove_stale_temps, replace_if_changed, same_content

        given = Path(self.out).expanduser()
        if _is_stream(given):
            return self._stream_into(given, chunks, count)
        # A symlink is followed, as the shell's `>` follows it: the link stays, and the file
        # it points to (existing or not) is replaced atomically.
        path = Path(os.path.realpath(given)) if given.is_symlink() else given
        existed = path.exists()
        if self.run.dry_run:
            changed = not same_content(path, chunks)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            removed = remove_stale_temps(path)
            if removed:
                self.run.detail(f"{label}: removed {removed} temp file(s) a killed run left")
            changed = replace_if_changed(path, chunks)
        action = (UPDATED if existed else CREATED) if changed else UNCHANGED
        outcome.add(action, count)
        self.run.plan(action, f"{given} ({_papers(count)})")
        return outcome

    def _stream_into(self, path: Path, chunks: Iterable[bytes], count: int) -> Outcome:
        """Write into a FIFO, a device or `/dev/fd/N` as a stream (there is nothing to replace)."""
        outcome = Outcome()
        if self.run.dry_run:
            for _ in chunks:
                pass
        else:
            with open(path, "wb") as stream:
                for chunk in chunks:
                    stream.write(chunk)
        outcome.add(CREATED, count)
        self.run.plan(CREATED, f"{path} ({_papers(count)}, written as a stream)")
        return outcome


def _is_stream(path: Path) -> bool:
    """Whether `path` (its links followed) is a FIFO, a device or a socket, not a file."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _papers(count: int) -> str:
    return f"{count} paper{'' if count == 1 else 's'}"
