"""The `bibtex` target: a `@misc` entry per paper for LaTeX, biber and reference managers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from exportdigest.filetarget import FileExporter

if TYPE_CHECKING:
    from exportdigest.model import Entry


class BibtexExporter(FileExporter):
    """BibTeX entries with stable, unique citation keys; UTF-8, every special escaped."""

    summary = "BibTeX file (--out FILE) for LaTeX/biber and reference managers."

    def render(self, entries: Iterable[Entry]) -> Iterator[str]:
        """The file, an entry at a time (the format lives in `citation.bibtex`)."""
        from .citation.bibtex import bibliography

        yield from bibliography(entries)
