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
            yield dumps(_model_dict(entry), option=newline)


def _model_dict(entry: Entry) -> dict:
    """`entry.as_dict()` as orjson takes it (tuples and dates as they are): the same JSON, faster.

    Not orjson's own dataclass support: it is slower, and the key order is the model's contract.
    """
    commentary = entry.commentary
    return {
        "id": entry.id,
        "title": entry.title,
        "authors": entry.authors,
        "abstract": entry.abstract,
        "commentary": {"ko": commentary.ko, "en": commentary.en},
        "tags": entry.tags,
        "date": entry.date,
        "sources": [
            {"path": s.path, "line": s.line, "date": s.date, "part": s.part} for s in entry.sources
        ],
        "urls": entry.urls,
    }
