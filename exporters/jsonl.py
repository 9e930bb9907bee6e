"""The `jsonl` target: the entry model as one JSON object per line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from exportdigest.filetarget import FileExporter

if TYPE_CHECKING:
    from exportdigest.model import Entry


class JsonlExporter(FileExporter):
    """One JSON object per paper, UTF-8, keys as in the entry model."""

    summary = "One JSON object per paper (the entry model), for scripts and checks."

    def render(self, entries: Iterable[Entry]) -> Iterator[str]:
        """A line of compact JSON per entry: `Entry.as_dict()`, written by orjson."""
        for line in self.chunks(entries):
            yield line.decode("utf-8")

    def chunks(self, entries: Iterable[Entry]) -> Iterator[bytes]:
        """The same lines as UTF-8 bytes, as orjson makes them (no decoding and re-encoding)."""
        import orjson  # imported here: --help and --list-targets must start fast

        dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        for entry in entries:
            yield dumps(entry.as_dict(), option=newline)
