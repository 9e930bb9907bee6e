"""CSL-JSON items: the field table (CSL variables Zotero and citeproc read) and the writer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from exportdigest.extra import published_line
from exportdigest.names import Name

from . import Citation, citation, keyed

if TYPE_CHECKING:
    from exportdigest.model import Entry

ITEM_TYPE = "article"  # CSL's type for a preprint; Zotero maps it to its `preprint` type


def csl_name(name: Name) -> dict:
    """`{"family", "given"}`, a suffix after a comma in `given`; `{"literal"}` for one field.

    Zotero's CSL import reads only `family` and `given`, and its own creators hold a suffix
    as `Ronald, Jr.` in the first name; citeproc-js and Pandoc's citeproc read a `given`
    with a comma and no `suffix` as given name and suffix. A `suffix` beside it would be
    printed twice (`Ronald, Jr., Jr.`), so the suffix travels in `given` alone.
    """
    if name.literal:
        return {"literal": name.literal}
    given = f"{name.given}, {name.suffix}" if name.suffix else name.given
    return {field: text for field, text in (("family", name.family), ("given", given)) if text}


def csl_note(c: Citation) -> str:
    """The id line, the published version's DOI (when arXiv lists one), then the Korean and
    the English commentary, a blank line between each.

    Zotero puts `note` into Extra, where `exportdigest-id: <id>` marks the paper as in RIS.
    """
    published = published_line(c.journal_doi)
    return "\n\n".join(part for part in (c.id_line, published, c.ko, c.en) if part)


# The field table: CSL variable -> its value for a paper (left out when empty). For arXiv
# papers, publisher/number/DOI are Zotero's own arXiv convention (repository, archive ID).
FIELDS: tuple[tuple[str, Callable[[Citation], object]], ...] = (
    ("type", lambda c: ITEM_TYPE),
    ("title", lambda c: c.title),
    ("author", lambda c: [csl_name(n) for n in c.names]),
    ("abstract", lambda c: c.abstract),
    ("issued", lambda c: {"date-parts": [[c.date.year, c.date.month, c.date.day]]}),
    ("URL", lambda c: c.url),
    ("DOI", lambda c: c.doi),
    ("publisher", lambda c: "arXiv" if c.arxiv else None),
    ("number", lambda c: c.archive_id),
    ("keyword", lambda c: ", ".join(c.tags)),
    ("note", csl_note),
)


def item(c: Citation) -> dict:
    """One CSL item, but for its `id` (the citation key, set once all papers are known)."""
    found = {}
    for variable, value_of in FIELDS:
        value = value_of(c)
        if value:
            found[variable] = value
    return found


def items(entries: Iterable[Entry]) -> Iterator[str]:
    """`[`, an item a line, `]`; each item's `id` is the key bibtex gives the paper."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    separator = "[\n"
    for key, rest in keyed(entries, lambda entry: encode(item(citation(entry)))):
        yield f'{separator}{{"id": {encode(key)}, {rest[1:]}'
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"
