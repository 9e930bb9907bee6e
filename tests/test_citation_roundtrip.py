"""ris, bibtex and csljson files read back by independent parsers recover every field.

Readers: rispy (plus Zotero's documented HTML handling of RIS values), pybtex with pylatexenc
for the LaTeX, and the official CSL-JSON schema with jsonschema. Entries are drawn with
hostile text: TeX and BibTeX specials, math, HTML, RIS tags, Korean, several paragraphs.
"""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
import rispy
from hypothesis import given, settings
from hypothesis import strategies as st
from pybtex.database import parse_string
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from strategies import english_line, korean_line, tag

from exportdigest.enrich import linked
from exportdigest.exporter import Run
from exportdigest.exporters.bibtex import BibtexExporter
from exportdigest.exporters.citation import paper_url
from exportdigest.exporters.citation.latex import to_latex
from exportdigest.exporters.csljson import CslJsonExporter
from exportdigest.exporters.ris import RisExporter
from exportdigest.inputs import collect
from exportdigest.model import ArxivRecord, Commentary, Entry, Source, paper_id
from exportdigest.parser import find_urls, has_hangul
from exportdigest.reader import Digests

CSL_SCHEMA = json.loads((Path(__file__).parent / "data" / "csl-data.json").read_text("utf-8"))

HOSTILE = [
    "$\\alpha$", "$5 \\times 5$", "$x % y$", "$20,000 and $30,000", "&", "%", "_", "{", "}",
    "#", "~", "^", "\\", "<b>bold</b>", "&amp;", "&copy=1", "a < b > c", "ER  - ", "TY  - JOUR",
    "Notes: x", "--", "``quoted''", "@misc{x,", "\\textbf{SimVQ}", "Δw_t = η_t u_t", "a  b",
    "K&K", "|", "?`", "\"q\"", "and", "AND",
]  # fmt: skip
NAMES = [
    "Jan van der Berg", "Robert L. Logan IV", "김철수", "Sandy And Bull", "Johannes Von Oswald",
    "van Gogh", "OpenAI", "Łukasz Kaiser", "Md Rifat Arefin", "A {B} C\\D", "x <i>y</i>",
]  # fmt: skip


def hostile(base: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Lines of the base alphabet with hostile snippets mixed in."""
    piece = st.one_of(base, st.sampled_from(HOSTILE))
    return st.lists(piece, min_size=1, max_size=4).map(" ".join).map(str.strip).filter(bool)


@st.composite
def papers(draw) -> Entry:
    """An entry as the parser makes one (Korean lines hold Hangul, English ones do not)."""
    title = draw(hostile(english_line | korean_line))
    english = hostile(english_line).filter(lambda s: not has_hangul(s))
    korean = hostile(korean_line).filter(has_hangul)
    abstract = draw(st.lists(english, max_size=2))
    record = None
    if draw(st.booleans()):
        number = draw(st.integers(10000, 99999))
        abstract.append(f"Code at https://arxiv.org/abs/2410.{number} and more.")
        record = ArxivRecord(f"2410.{number}")
    if draw(st.booleans()):  # what a lookup (--arxiv) adds
        record = ArxivRecord(
            f"{draw(st.integers(701, 2512)):04d}.{draw(st.integers(10000, 99999))}",
            version=draw(st.integers(1, 9)),
            primary_category=draw(st.sampled_from(["cs.CL", "cs.LG", "stat.ML", "hep-th"])),
            published=draw(st.dates()).isoformat(),
            journal_doi=draw(st.sampled_from([None, "10.1038/s41586-023-06924-6"])),
        )
    ko, en = draw(st.lists(korean, max_size=2)), draw(st.lists(english, max_size=2))
    names = st.one_of(st.sampled_from(NAMES), hostile(english_line).filter(lambda s: "," not in s))
    day = draw(st.dates(dt.date(1990, 1, 1), dt.date(2099, 12, 31)))
    abstract_text, ko_text, en_text = "\n".join(abstract), "\n".join(ko), "\n".join(en)
    return Entry(
        id=paper_id(title),
        title=title,
        authors=tuple(draw(st.lists(names, max_size=4))),
        abstract=abstract_text,
        commentary=Commentary(ko=ko_text, en=en_text),
        tags=tuple(draw(st.lists(tag, max_size=3, unique_by=str.casefold))),
        date=day,
        sources=(Source("d.txt", 1, day),),
        urls=find_urls(abstract_text, ko_text, en_text),
        arxiv=record,
    )


paper_lists = st.lists(papers(), min_size=1, max_size=5, unique_by=lambda e: e.id)


def rendered(exporter_class, entries) -> str:
    """The file text a target writes for the entries."""
    return "".join(exporter_class({}, Run()).render(entries))


def spaced(text: str) -> str:
    """White space runs as one space (TeX, and so every BibTeX reader, reads text so)."""
    return " ".join(text.split())


def name_of(family: str, given: str, suffix: str) -> str:
    """A name as written in a digest, from its parts."""
    return " ".join(part for part in (given, family, suffix) if part)


# RIS --------------------------------------------------------------------------------------


class _Text(HTMLParser):
    """Text content of an HTML fragment, per block element (an HTML parser, as Zotero's)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.blocks.append([tag])

    def handle_data(self, data) -> None:
        if not self.blocks:
            self.blocks.append(["#text"])
        self.blocks[-1].append(data)


def html_blocks(fragment: str) -> list[tuple[str, str]]:
    """(tag, text) per block of an HTML fragment."""
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return [(block[0], "".join(block[1:])) for block in parser.blocks]


def zotero_reads(value: str) -> str:
    """What Zotero's RIS import keeps of a TI/AU/KW/UR/M2 value: its HTML text content."""
    if "<" not in value and "&" not in value:
        return value
    return "".join(text for _, text in html_blocks(value))


def read_ris(text: str) -> list[dict]:
    """Records via rispy, CRLF lines, with Zotero's M2 (Extra) kept and no `;` URL splitting."""
    mapping = {**rispy.TAG_KEY_MAPPING, "M2": "extra"}
    return rispy.loads(
        text,
        newline="\r\n",
        mapping=mapping,
        list_tags=[*rispy.LIST_TYPE_TAGS, "M2"],
        delimiter_tags_mapping={},
    )


def ris_fields(record: dict) -> dict:
    """A RIS record's fields in the entry's terms."""
    names = []
    for author in record.get("authors", []):
        family, _, rest = zotero_reads(author).partition(", ")
        given, _, suffix = rest.partition(", ")
        names.append(name_of(family, given, suffix))
    notes = {}
    for note in record.get("notes", []):
        (head, heading), *paragraphs = html_blocks(note)
        assert head == "h1" and all(tag == "p" for tag, _ in paragraphs)
        notes[heading] = "\n".join(text for _, text in paragraphs)
    return {
        "id": record["id"],
        "title": zotero_reads(record["title"]),
        "authors": names,
        "abstract": record.get("abstract", ""),
        "date": dt.datetime.strptime(record["date"], "%Y/%m/%d/").date(),
        "year": record["year"],
        "tags": [zotero_reads(k) for k in record.get("keywords", [])],
        "ko": notes.get("Commentary: Korean", ""),
        "en": notes.get("Commentary: English", ""),
        "extra": [zotero_reads(x) for x in record["extra"]],
        "url": zotero_reads(record["urls"][0]) if "urls" in record else None,
        "doi": record.get("doi"),
        "type": record["type_of_reference"],
    }


def assert_ris_recovers(entries: list[Entry], text: str) -> None:
    assert text.endswith("ER  - \r\n\r\n") and "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")
    records = read_ris(text)
    assert len(records) == len(entries)
    for entry, record in zip(entries, records, strict=True):
        got = ris_fields(record)
        aid = entry.arxiv.id if entry.arxiv else None
        assert got["type"] == "UNPB"
        assert got["id"] == entry.id
        assert got["title"] == entry.title
        assert [spaced(a) for a in got["authors"]] == [spaced(a) for a in entry.authors]
        assert got["abstract"] == entry.abstract.replace("\n", " ")  # RIS: one line per value
        assert (got["date"], got["year"]) == (entry.date, f"{entry.date.year:04d}")
        assert got["tags"] == list(entry.tags)
        assert (got["ko"], got["en"]) == (entry.commentary.ko, entry.commentary.en)
        published = entry.arxiv.journal_doi if entry.arxiv else None
        assert got["extra"] == (
            ([f"arXiv: {aid}"] if aid else [])
            + ([f"Published version DOI: {published}"] if published else [])
            + [f"exportdigest-id: {entry.id}"]
        )
        assert got["url"] == paper_url(entry, aid)
        assert got["doi"] == (f"10.48550/arXiv.{aid}" if aid else None)


@settings(max_examples=60, deadline=None)
@given(paper_lists)
def test_ris_round_trips_through_rispy_and_zoteros_html_reading(entries):
    assert_ris_recovers(entries, rendered(RisExporter, entries))


def test_ris_seed_digest_round_trips(seed_entries):
    assert_ris_recovers(seed_entries, rendered(RisExporter, seed_entries))


def test_ris_text_that_looks_like_a_tag_cannot_end_a_record():
    day = dt.date(2024, 11, 4)
    sneaky = Entry(
        id="x",
        title="ER  - TY  - JOUR",
        authors=("ER  - Ann",),
        abstract="first\nER  - \nTY  - BOOK\nlast",
        commentary=Commentary(ko="한국어\nER  - ", en="ER  - \r\nTI  - fake"),
        tags=(),
        date=day,
        sources=(Source("d.txt", 1, day),),
    )
    text = rendered(RisExporter, [sneaky, sneaky])
    lines = text.split("\r\n")
    assert [line for line in lines if line.startswith(("TY ", "ER "))] == [
        "TY  - UNPB",
        "ER  - ",
    ] * 2
    assert len(read_ris(text)) == 2


# BibTeX -----------------------------------------------------------------------------------

_CONTEXT = get_default_latex_context_db()
# Standard LaTeX text commands pylatexenc's table lacks or maps to a look-alike (ˆ, not ^).
_CONTEXT.add_context_category(
    "latex-text-symbols",
    prepend=True,
    macros=[
        MacroTextSpec("textless", "<"),
        MacroTextSpec("textgreater", ">"),
        MacroTextSpec("textbar", "|"),
        MacroTextSpec("textasciicircum", "^"),
    ],
)
LATEX = LatexNodes2Text(latex_context=_CONTEXT, math_mode="verbatim")
MONTH_NAMES = [dt.date(2000, m, 1).strftime("%B") for m in range(1, 13)]


def read_bib(text: str) -> dict[str, dict]:
    """Entries via pybtex, fields decoded from LaTeX by pylatexenc, keyed by citation key."""
    found = {}
    for key, entry in parse_string(text, "bibtex").entries.items():
        fields = {name.lower(): LATEX.latex_to_text(value) for name, value in entry.fields.items()}
        raw = {name.lower(): value for name, value in entry.fields.items()}
        names = []
        for person in entry.persons.get("author", []):

            def part(words):
                return LATEX.latex_to_text(" ".join(words))

            names.append(
                name_of(
                    part(person.prelast_names + person.last_names),
                    part(person.first_names + person.middle_names),
                    part(person.lineage_names),
                )
            )
        found[key] = {"type": entry.type, "fields": fields, "raw": raw, "authors": names}
    return found


def assert_bibtex_recovers(entries: list[Entry], text: str) -> list[str]:
    entries_read = read_bib(text)
    keys = list(entries_read)
    assert len(keys) == len(entries) == len(set(keys))
    for entry, key in zip(entries, keys, strict=True):
        got = entries_read[key]
        fields, raw = got["fields"], got["raw"]
        aid = entry.arxiv.id if entry.arxiv else None
        assert got["type"] == "misc"
        assert raw["title"].startswith("{") and raw["title"].endswith("}")  # case protected
        assert fields["title"] == spaced(entry.title)
        assert got["authors"] == [spaced(a) for a in entry.authors]
        assert fields.get("abstract", "") == spaced(entry.abstract)
        # each commentary in a field of its own (pybtex refuses a repeated field)
        assert fields.get("comment", "") == spaced(entry.commentary.ko)
        assert fields.get("annote", "") == spaced(entry.commentary.en)
        assert fields.get("keywords", "") == ", ".join(entry.tags)
        assert fields["year"] == str(entry.date.year)
        assert MONTH_NAMES.index(fields["month"]) + 1 == entry.date.month
        assert raw.get("url") == paper_url(entry, aid)
        assert raw.get("eprint") == aid
        assert raw.get("eprinttype") == ("arxiv" if aid else None)
        assert raw.get("archiveprefix") == ("arXiv" if aid else None)
        assert raw.get("doi") == (f"10.48550/arXiv.{aid}" if aid else None)
        assert raw.get("primaryclass") == (entry.arxiv.primary_category if aid else None)
    return keys


@settings(max_examples=60, deadline=None)
@given(paper_lists)
def test_bibtex_round_trips_through_pybtex_and_latex_decoding(entries):
    assert_bibtex_recovers(entries, rendered(BibtexExporter, entries))


def test_bibtex_seed_digest_round_trips_also_through_bibtexparser(seed_entries):
    import bibtexparser

    text = rendered(BibtexExporter, seed_entries)
    keys = assert_bibtex_recovers(seed_entries, text)
    assert keys[:3] == ["hu2024learning", "xie2024memorization", "wang2024tokenformer"]
    database = bibtexparser.loads(text)
    assert [e["ID"] for e in database.entries] == keys
    assert [e["title"] for e in database.entries][3] == (
        "{Analyzing \\& Reducing the Need for Learning Rate Warmup in GPT Training}"
    )


# The fields Zotero's BibTeX.js import makes a child note of, one note per field.
ZOTERO_NOTE_FIELDS = {"annote", "comment", "review", "notes", "note"}


def test_bibtex_gives_each_commentary_a_zotero_note_field_of_its_own(seed_entries):
    read = read_bib(rendered(BibtexExporter, seed_entries))
    assert all(e.commentary.ko and e.commentary.en for e in seed_entries)
    for got in read.values():
        notes = {name: text for name, text in got["fields"].items() if name in ZOTERO_NOTE_FIELDS}
        assert set(notes) == {"comment", "annote"}
        assert has_hangul(notes["comment"]) and not has_hangul(notes["annote"])


def balanced(text: str) -> bool:
    """Whether every brace of text has its counterpart, in order."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


braced_text = st.lists(
    st.sampled_from(["{", "}", "{x}", "a", "b c", "\\", "$\\mathcal{O}(n)$", "%", "&", "_", "~"]),
    min_size=1,
    max_size=12,
).map("".join)
balanced_text = st.recursive(
    st.sampled_from(["", "x", "a b", "\\", "$\\alpha$", "%"]),
    lambda inner: st.lists(inner, min_size=1, max_size=3).map("".join) | inner.map("{{{}}}".format),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(braced_text | balanced_text)
def test_braces_read_back_and_only_a_lone_brace_takes_the_vphantom_trick(text):
    value = to_latex(text)
    (entry,) = parse_string(f"@misc{{k, title = {{{value}}}}}", "bibtex").entries.values()
    assert LATEX.latex_to_text(entry.fields["title"]) == spaced(text)
    # Zotero's BibTeX import keeps `\\vphantom` as text: the trick only where it is needed
    assert ("\\vphantom" in value) is not balanced(text)


# CSL-JSON ---------------------------------------------------------------------------------


def assert_csl_recovers(entries: list[Entry], text: str) -> list[str]:
    items = json.loads(text)
    jsonschema.validate(items, CSL_SCHEMA)
    assert len(items) == len(entries)
    for entry, item in zip(entries, items, strict=True):
        aid = entry.arxiv.id if entry.arxiv else None
        assert item["type"] == "article"
        assert item["title"] == entry.title
        assert not any("suffix" in a for a in item.get("author", []))  # it is in `given`
        names = [
            a.get("literal") or name_of(a["family"], *a.get("given", "").partition(", ")[::2])
            for a in item.get("author", [])
        ]
        assert [spaced(a) for a in names] == [spaced(a) for a in entry.authors]
        assert item.get("abstract", "") == entry.abstract
        assert item["issued"] == {
            "date-parts": [[entry.date.year, entry.date.month, entry.date.day]]
        }
        assert item.get("URL") == paper_url(entry, aid)
        keywords = item.get("keyword", "")
        assert (keywords.split(", ") if keywords else []) == list(entry.tags)
        id_line, *commentary = item["note"].split("\n\n")
        assert id_line == f"exportdigest-id: {entry.id}"
        doi = entry.arxiv.journal_doi if entry.arxiv else None
        if doi:  # the published version's DOI: a line of Zotero's Extra
            assert commentary.pop(0) == f"Published version DOI: {doi}"
        ko = [part for part in commentary if has_hangul(part)]
        en = [part for part in commentary if not has_hangul(part)]
        assert ("\n".join(ko), "\n".join(en)) == (entry.commentary.ko, entry.commentary.en)
        if aid:
            assert (item["publisher"], item["number"]) == ("arXiv", f"arXiv:{aid}")
            assert item["DOI"] == f"10.48550/arXiv.{aid}"
        else:
            assert not {"publisher", "number", "DOI"} & set(item)
    return [item["id"] for item in items]


@settings(max_examples=60, deadline=None)
@given(paper_lists)
def test_csljson_is_valid_csl_and_round_trips(entries):
    ids = assert_csl_recovers(entries, rendered(CslJsonExporter, entries))
    assert ids == list(read_bib(rendered(BibtexExporter, entries)))  # one key per paper


def test_csljson_seed_digest_round_trips(seed_entries):
    ids = assert_csl_recovers(seed_entries, rendered(CslJsonExporter, seed_entries))
    assert len(set(ids)) == 10


def test_csljson_with_no_papers_is_an_empty_array():
    assert json.loads(rendered(CslJsonExporter, [])) == []


# A hostile digest, through the real command ------------------------------------------------

HOSTILE_DIGEST = Path(__file__).parent / "data" / "citation" / "hostile.txt"


@pytest.mark.parametrize(
    ("target", "check"),
    [
        ("ris", assert_ris_recovers),
        ("bibtex", assert_bibtex_recovers),
        ("csljson", assert_csl_recovers),
    ],
)
def test_hostile_fixture_digest_round_trips_through_the_command(run_cli, tmp_path, target, check):
    entries = [linked(e) for e in Digests(collect([str(HOSTILE_DIGEST)]))]
    assert len(entries) == 2 and entries[0].arxiv.id == "2410.23506"
    out = tmp_path / "papers"
    result = run_cli("-t", target, "-o", str(out), str(HOSTILE_DIGEST))
    assert result.exit_code == 0, result.output
    check(entries, out.read_bytes().decode("utf-8"))
