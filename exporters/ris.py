"""The `ris` target: one RIS record per paper, mapped to what Zotero's RIS import reads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from exportdigest.filetarget import FileExporter

if TYPE_CHECKING:
    from exportdigest.model import Entry


class RisExporter(FileExporter):
    """RIS records (CRLF, UTF-8), the lossless way into Zotero and most reference managers."""

    summary = "RIS file (--out FILE) for Zotero, EndNote and other reference managers."

    def render(self, entries: Iterable[Entry]) -> Iterator[str]:
        """A record per entry (the format lives in `citation.ris`)."""
        from .citation.ris import records

        yield from records(entries)
