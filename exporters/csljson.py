"""The `csljson` target: a CSL-JSON array of `article` items (Zotero reads them as preprints)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from exportdigest.filetarget import FileExporter

if TYPE_CHECKING:
    from exportdigest.model import Entry


class CslJsonExporter(FileExporter):
    """A JSON array of CSL items, for Zotero, Pandoc/citeproc and other CSL processors."""

    summary = "CSL-JSON file (--out FILE) for Zotero, Pandoc and other CSL processors."

    def render(self, entries: Iterable[Entry]) -> Iterator[str]:
        """The array, an item at a time (the format lives in `citation.csljson`)."""
        from .citation.csljson import items

        yield from items(entries)
