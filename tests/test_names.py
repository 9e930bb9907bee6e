"""The author-name split rule (`exportdigest.names`) and what each target writes from it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportdigest.exporters.citation.bibtex import bib_name
from exportdigest.exporters.citation.csljson import csl_name
from exportdigest.exporters.citation.ris import ris_name
from exportdigest.exporters.zotero.names import creator
from exportdigest.names import CJK, MAX_PART, PARTICLES, SUFFIXES, Name, split_name


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Edward S. Hu", Name(given="Edward S.", family="Hu")),
        ("Md  Rifat Arefin", Name(given="Md Rifat", family="Arefin")),
        ("  William   T.  Freeman ", Name(given="William T.", family="Freeman")),
        ("Harm de Vries", Name(given="Harm", family="de Vries")),
        ("Leandro von Werra", Name(given="Leandro", family="von Werra")),
        ("Jan van der Berg", Name(given="Jan", family="van der Berg")),
        ("Ludwig van Beethoven", Name(given="Ludwig", family="van Beethoven")),
        ("Maria dei Rossi", Name(given="Maria", family="dei Rossi")),
        ("Johannes Von Oswald", Name(given="Johannes Von", family="Oswald")),  # capitalised
        ("Hans vom Brocke", Name(given="Hans vom", family="Brocke")),  # `vom`: not a particle
        ("Robert L. Logan IV", Name(given="Robert L.", family="Logan", suffix="IV")),
        ("Martin Luther King Jr.", Name(given="Martin Luther", family="King", suffix="Jr.")),
        ("Ann Lee JR.", Name(given="Ann", family="Lee", suffix="JR.")),
        ("Logan IV", Name(given="Logan", family="IV")),  # two words: no room for a suffix
        ("Plato", Name(literal="Plato")),
        ("OpenAI", Name(literal="OpenAI")),
        ("van Gogh", Name(literal="van Gogh")),  # no given name would be left
        ("de la Cruz", Name(literal="de la Cruz")),
        ("Team 42", Name(literal="Team 42")),  # the family name has no letter
        ("김철수", Name(literal="김철수")),
        ("Kim 철수", Name(literal="Kim 철수")),
        ("Wei Zhang 张伟", Name(literal="Wei Zhang 张伟")),
        ("山田 太郎", Name(literal="山田 太郎")),
    ],
)
def test_a_name_splits_by_the_documented_rule(written, name):
    assert split_name(written) == name


def test_a_blank_name_is_no_name_and_gives_no_creator():
    assert split_name("  \t ") is None
    assert creator("  \t ") is None


# What each target writes for a name: Zotero creator, RIS AU, BibTeX author, CSL-JSON name.
WRITTEN = {
    "Edward S. Hu": (
        {"firstName": "Edward S.", "lastName": "Hu"},
        "Hu, Edward S.",
        "Hu, Edward S.",
        {"family": "Hu", "given": "Edward S."},
    ),
    "Maria dei Rossi": (
        {"firstName": "Maria", "lastName": "dei Rossi"},
        "dei Rossi, Maria",
        "dei Rossi, Maria",
        {"family": "dei Rossi", "given": "Maria"},
    ),
    "Martin Luther King Jr.": (
        {"firstName": "Martin Luther", "lastName": "King Jr."},
        "King, Martin Luther, Jr.",
        "King, Jr., Martin Luther",
        {"family": "King", "given": "Martin Luther, Jr."},  # Zotero's form of a suffix
    ),
    "Sandy And Bull": (
        {"firstName": "Sandy And", "lastName": "Bull"},
        "Bull, Sandy And",
        "Bull, Sandy {And}",  # BibTeX would split the name at a bare `and`
        {"family": "Bull", "given": "Sandy And"},
    ),
    "Ann $5 \\times 5$ Lee": (
        {"firstName": "Ann $5 \\times 5$", "lastName": "Lee"},
        "Lee, Ann $5 \\times 5$",
        "Lee, {Ann $5 \\times 5$}",  # braced: BibTeX would split the math at its spaces
        {"family": "Lee", "given": "Ann $5 \\times 5$"},
    ),
    "Team 42": ({"name": "Team 42"}, "Team 42", "{Team 42}", {"literal": "Team 42"}),
}


@pytest.mark.parametrize("written", WRITTEN)
def test_every_target_writes_the_same_split(written):
    zotero, ris, bibtex, csl = WRITTEN[written]
    name = split_name(written)
    assert creator(written) == {"creatorType": "author", **zotero}
    assert (ris_name(name), bib_name(name), csl_name(name)) == (ris, bibtex, csl)


names = st.lists(
    st.one_of(
        st.sampled_from(sorted(PARTICLES | SUFFIXES | {"Jr.", "IV", "Von", "42", "김", "山"})),
        st.text("abcXYZ.'-é", min_size=1, max_size=8),
        st.text(min_size=1, max_size=6),
        st.just("x" * 300),
    ),
    max_size=6,
).map(lambda words: " ".join(words))


@settings(max_examples=400, deadline=None)
@given(st.one_of(names, st.text()))
def test_any_name_splits_losslessly_by_the_rule(written):
    name = split_name(written)
    words = written.split()
    if not words:
        assert name is None
        return
    whole = " ".join(words)
    if name.literal:
        assert name == Name(literal=whole)
        assert creator(written) == {"creatorType": "author", "name": whole[:MAX_PART]}
        return
    assert " ".join(p for p in (name.given, name.family, name.suffix) if p) == whole
    assert name.given and name.family and not CJK.search(whole)
    assert max(len(name.given), len(name.last)) <= MAX_PART
    assert any(c.isalpha() for c in name.last)
    assert not name.suffix or (len(words) >= 3 and name.suffix.casefold() in SUFFIXES)
    *particles, _ = name.family.split(" ")
    assert all(p in PARTICLES for p in particles)
    assert name.given.split(" ")[-1] not in PARTICLES  # particles all went to the family
    two_fields = {"creatorType": "author", "firstName": name.given, "lastName": name.last}
    assert creator(written) == two_fields
