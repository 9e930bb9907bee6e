"""The rules the citation-file targets share: paper link, citation keys, escaping."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys

import pytest
from pybtex.database import parse_string

from exportdigest.exporters import citation
from exportdigest.exporters.citation import assign_keys, base_key, keyed, paper_url
from exportdigest.exporters.citation.bibtex import bib_name
from exportdigest.exporters.citation.latex import protect_case, safe_math, to_latex
from exportdigest.model import Commentary, Entry, Source, paper_id
from exportdigest.names import split_name

DAY = dt.date(2024, 11, 4)


def paper(title: str, authors=("Edward S. Hu",), day=DAY, abstract="", urls=()) -> Entry:
    """An entry with just the fields a test cares about."""
    return Entry(
        id=paper_id(title),
        title=title,
        authors=tuple(authors),
        abstract=abstract,
        commentary=Commentary(),
        tags=(),
        date=day,
        sources=(Source("d.txt", 1, day),),
        urls=tuple(urls),
    )


def test_the_papers_own_link_is_arxiv_else_the_first_link_of_its_abstract():
    link = "https://arxiv.org/abs/2410.23506v2"
    on_arxiv = paper("A", abstract=f"See {link}.", urls=(link,))
    assert paper_url(on_arxiv, "2410.23506") == "https://arxiv.org/abs/2410.23506"
    code = paper("B", abstract="Code: https://github.com/a/b", urls=("https://github.com/a/b",))
    assert paper_url(code, None) == "https://github.com/a/b"
    cited = paper("C", abstract="No link.", urls=("https://arxiv.org/abs/1907.01470",))
    assert paper_url(cited, None) is None  # a link from the commentary is another paper's


@pytest.mark.parametrize(
    ("title", "authors", "key"),
    [
        ("Learning to Achieve Goals", ["Edward S. Hu"], "hu2024learning"),
        ("What is Wrong with Perplexity?", ["Lizhe Fang"], "fang2024wrong"),
        ("(Almost) Free Modality Stitching", ["Jan van der Berg"], "vanderberg2024almost"),
        ("Über Łukasz's Modèle", ["Łukasz Kaiser-Müller"], "kaisermuller2024uber"),
        ("한국어 제목", ["김철수"], "anon2024"),
        ("The A", [], "anon2024"),
    ],
)
def test_base_key_is_author_year_word_in_ascii(title, authors, key):
    assert base_key(paper(title, authors)) == key


def test_keys_are_unique_and_the_earliest_posted_keeps_the_bare_key():
    rows = [
        (dt.date(2024, 3, 1), "ff", "li2024large"),
        (dt.date(2024, 1, 1), "cc", "li2024large"),
        (dt.date(2024, 1, 1), "aa", "li2024large"),
        (dt.date(2024, 5, 1), "bb", "li2024largea"),  # a base that one suffixed key also forms
    ]
    assert assign_keys(rows) == ["li2024largeb", "li2024largea", "li2024large", "li2024largeaa"]
    for _ in range(5):  # the same papers in any input order get the same keys
        shuffled = random.sample(rows, len(rows))
        keys = dict(zip(shuffled, assign_keys(shuffled), strict=True))
        assert [keys[row] for row in rows] == assign_keys(rows)


def test_a_paper_posted_later_leaves_existing_keys_alone():
    old = [(dt.date(2024, 1, d), f"id{d}", "li2024large") for d in range(1, 4)]
    new = (dt.date(2024, 2, 1), "00", "li2024large")  # sorts first by id, but came later
    assert assign_keys([*old, new])[:3] == assign_keys(old)
    assert citation.key_suffix(27) == "aa" and len(set(assign_keys(old * 30))) == 90


def test_keyed_reads_entries_once_and_keeps_their_order_past_the_memory_spool(monkeypatch):
    monkeypatch.setattr(citation, "SPOOL_BYTES", 1000)  # a few papers, then the disk
    entries = [paper(f"Large model {n} 한국어", ["Ming Li"]) for n in range(40)]
    reads = []

    def once():
        for entry in entries:
            reads.append(entry.id)
            yield entry

    got = list(keyed(once(), lambda entry: entry.title * 10))
    assert [text for _, text in got] == [e.title * 10 for e in entries] and len(reads) == 40
    first = dict(zip(sorted(e.id for e in entries), ["", "a", "b"], strict=False))
    keys = {e.id: key for e, (key, _) in zip(entries, got, strict=True)}
    assert {keys[i] for i in first} == {f"li2024large{s}" for s in first.values()}
    assert len(set(keys.values())) == 40


@pytest.mark.parametrize(
    ("math", "safe"),
    [
        ("\\alpha", True),
        ("5 \\times 5", True),
        ("\\frac{1}{2} + x^{2}_i", True),
        ("\\mathcal{O}(n \\log n)", True),
        ("\\input{/etc/passwd}", False),  # no command outside the list reaches LaTeX
        ("\\write18", False),
        ("x % y", False),
        ("a & b", False),
        ("x^", False),
        ("\\frac{1}", False),
        ("{unbalanced", False),
        ("\\i", False),
        ("α", False),
    ],
)
def test_only_plain_math_passes_through_to_latex(math, safe):
    assert safe_math(math) is safe
    assert (to_latex(f"${math}$") == f"${math}$") is safe


def test_a_title_opening_with_a_command_is_still_case_protected():
    assert protect_case(to_latex("& more")) == "{{}\\& more}"
    assert protect_case(to_latex("$\\alpha$-Entmax")) == "{$\\alpha$-Entmax}"


def test_the_word_and_in_a_name_cannot_split_it():
    text = bib_name(split_name("Sandy And Bull")) + " and " + bib_name(split_name("Anand Rao"))
    persons = parse_string(f"@misc{{k, author = {{{text}}}}}", "bibtex").entries["k"]
    assert [str(p) for p in persons.persons["author"]] == ["Bull, Sandy {And}", "Rao, Anand"]


def test_exporter_modules_import_neither_the_format_code_nor_any_parser():
    # The format code (exportdigest.exporters.citation) waits until a file is written: --help imports
    # every exporter module, so those stay as light as the FileExporter base.
    late = (
        "exportdigest.exporters.citation",
        "rispy",
        "pybtex",
        "pylatexenc",
        "jsonschema",
        "bibtexparser",
    )
    code = (
        "import sys\n"
        "from exportdigest.exporters.ris import RisExporter\n"
        "from exportdigest.exporters.bibtex import BibtexExporter\n"
        "from exportdigest.exporters.csljson import CslJsonExporter\n"
        f"print(sorted(m for m in {late!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
