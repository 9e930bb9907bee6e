"""The lines the tool writes into a reference manager's Extra field (Zotero's `extra`).

The zotero target writes them and recognises them on the next run; the citation files (RIS,
CSL-JSON) write the same lines, so an item imported from a file is recognised too.
"""

from __future__ import annotations

ID_PREFIX = "exportdigest-id: "  # names the paper: `exportdigest-id: <paper id>`
CATEGORY_PREFIX = "arXiv category: "
PUBLISHED_PREFIX = "Published version DOI: "


def id_line(paper_id: str) -> str:
    """The line that names the paper."""
    return ID_PREFIX + paper_id


def published_line(journal_doi: str | None) -> str:
    """The line with the published version's DOI; empty when there is none."""
    return PUBLISHED_PREFIX + journal_doi if journal_doi else ""
