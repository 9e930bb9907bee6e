"""BibTeX entries: the field table, LaTeX encoding of values, and the entry writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from exportdigest.names import Name

from . import Citation, citation, keyed
from .latex import protect_case, to_latex

if TYPE_CHECKING:
    from exportdigest.model import Entry

# `@misc` is what arXiv's own BibTeX export uses for a preprint, needs no journal (plain
# `@article` styles warn without one) and Zotero imports it (as a document); Zotero drops
# `@preprint` entries altogether.
ENTRY_TYPE = "misc"
HEADER = "% Encoding: UTF-8\n\n"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def bib_name(name: Name) -> str:
    """`Family, Given` (`Family, Suffix, Given`), or a braced single-field name.

    Lower-case particles lead the family part (`van der Berg, Jan`), where BibTeX takes them
    for its "von" part. Each part is encoded on its own, so math never spans a comma.
    """
    if name.literal:
        return "{" + to_latex(name.literal) + "}"
    return ", ".join(_name_part(p) for p in (name.family, name.suffix, name.given) if p)


def _name_part(text: str) -> str:
    """One part of a name in LaTeX, braced where BibTeX would split it at a space.

    BibTeX splits a name at a word `and` and a part at every space, math included (a style
    abbreviating `$5 \\times 5$` would print `$. \\. 5.`): such a word or part is braced.
    """
    latex = to_latex(text)
    if "$" in text:
        return "{" + latex + "}"
    if "and" in latex.lower():
        latex = " ".join("{" + w + "}" if w.lower() == "and" else w for w in latex.split(" "))
    return latex


# How a value is written: escaped text, case-protected title, names, verbatim, or a macro.
Encoding = str
TEXT, TITLE, NAMES, VERBATIM, MACRO = "text", "title", "names", "verbatim", "macro"

# The field table: BibTeX field -> (value for a paper, how it is written). `month` is a
# standard macro; the day of posting has no BibTeX field every style reads, so it is left
# out (`date` beside `year` makes biber warn). Zotero reads `eprint` with `eprinttype` into
# Extra; `archiveprefix` is what natbib styles and arXiv's own export use.
# Each commentary has a field of its own, which Zotero's BibTeX import makes a child note
# (it does so for `annote`, `comment`, `review`, `notes`, and for `note`, which styles
# print): the Korean in `comment`, which no style prints (JabRef shows it as comments), the
# English in `annote`, which annotated-bibliography styles print (pdfLaTeX can typeset it).
# A field name is never repeated: BibTeX readers such as pybtex refuse a duplicate field.
FIELDS: tuple[tuple[str, Callable[[Citation], object], Encoding], ...] = (
    ("title", lambda c: c.title, TITLE),
    ("author", lambda c: c.names, NAMES),
    ("year", lambda c: f"{c.date.year:04d}", VERBATIM),
    ("month", lambda c: MONTHS[c.date.month - 1], MACRO),
    ("abstract", lambda c: c.abstract, TEXT),
    ("keywords", lambda c: ", ".join(c.tags), TEXT),
    ("comment", lambda c: c.ko, TEXT),
    ("annote", lambda c: c.en, TEXT),
    ("url", lambda c: c.url, VERBATIM),
    ("doi", lambda c: c.doi, VERBATIM),
    ("eprint", lambda c: c.arxiv, VERBATIM),
    ("eprinttype", lambda c: "arxiv" if c.arxiv else None, VERBATIM),
    ("archiveprefix", lambda c: "arXiv" if c.arxiv else None, VERBATIM),
    ("primaryclass", lambda c: c.primary_category, VERBATIM),
)


def encode(value, how: Encoding) -> str:
    """A field's content as written between its braces (or bare, for a macro)."""
    if how == NAMES:
        return "{" + " and ".join(bib_name(n) for n in value) + "}"
    if how == MACRO:
        return value
    if how == VERBATIM and not any(ch in value for ch in "{}\\"):
        return "{" + value + "}"
    latex = to_latex(value)
    return "{" + (protect_case(latex) if how == TITLE else latex) + "}"


def entry_fields(c: Citation) -> str:
    """An entry's fields, a line each, and its closing brace: all but `@misc{key,`."""
    fields = []
    for name, value_of, how in FIELDS:
        value = value_of(c)
        if value:
            fields.append(f"  {name} = {encode(value, how)}")
    return ",\n".join(fields) + "\n}\n\n"


def bibliography(entries: Iterable[Entry]) -> Iterator[str]:
    """The header, then an entry per paper, each with its stable unique key."""
    yield HEADER
    for key, fields in keyed(entries, lambda entry: entry_fields(citation(entry))):
        yield f"@{ENTRY_TYPE}{{{key},\n{fields}"
