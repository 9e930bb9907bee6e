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
        """A line of JSON per entry."""
        import json

        encode = json.JSONEncoder(ensure_ascii=False).encode
        for entry in entries:
            yield encode(entry.as_dict()) + "\n"
