"""When an arXiv record is the digest's paper: folded titles, TeX, authors, search phrases."""

from __future__ import annotations

from arxiv_standin import tex_spelling, variant, words
from hypothesis import given, settings
from hypothesis import strategies as st

from exportdigest.arxiv_match import authors_agree, fold, fold_tex, phrase
from exportdigest.model import normalise_title


def test_tex_is_spelled_as_the_digest_spells_it():
    assert fold_tex('Schr\\"odinger Bridge') == "Schrödinger Bridge"
    assert (
        fold_tex('Schr\\"{o}dinger, Sabi\\\'a, \\c{c}a, na\\"ive')
        == "Schrödinger, Sabiá, ça, naïve"
    )
    assert fold_tex("PixArt-$\\alpha$: Fast") == "PixArt-α: Fast"
    assert fold_tex("I$^2$SB and H$_2$O") == "I2SB and H2O"
    assert fold_tex("$\\mathcal{O}(n)$ \\textbf{Bold} \\& {\\em co}") == "O(n) Bold & co"
    assert fold_tex("No TeX: 100% sure") == "No TeX: 100% sure"


def test_a_title_equals_the_digests_after_folding_case_punctuation_spacing_and_tex():
    digest = "PixArt-α: Fast Training of Diffusion Transformer"
    for spelled in (
        "PIXART-α: FAST TRAINING OF DIFFUSION TRANSFORMER",
        "PixArt-$\\alpha$ -- Fast Training of Diffusion Transformer.",
        "PixArt-α:\n  Fast  Training of Diffusion Transformer",
    ):
        assert fold(spelled) == fold(digest)
    assert fold("PixArt-α: Fast Training of Diffusion Transformers") != fold(digest)
    assert fold(digest) == normalise_title(digest)  # the paper id's own folding


def test_authors_agree_on_the_first_family_name_and_most_of_the_list():
    digest = ("Armen Aghajanyan", "Lili Yu", "Alexis Conneau", "Wei-Ning Hsu")
    assert authors_agree(digest, ["Armen Aghajanyan", "Lili Yu", "Alexis Conneau", "Wei-Ning Hsu"])
    assert authors_agree(digest[:2], ["Armen Aghajanyan", "Lili Yu", "Alexis Conneau"])  # cut short
    assert authors_agree(("Dirk Wübben",), ['D. W\\"ubben'])  # TeX and initials
    assert authors_agree(("Dirk Wübben",), ["Dirk Wubben"])  # accents do not count
    assert not authors_agree(digest, ["Lili Yu", "Armen Aghajanyan"])  # another first author
    assert not authors_agree(digest, ["Armen Aghajanyan", "Somebody Else", "Third One"])
    assert not authors_agree((), ["Armen Aghajanyan"])  # no authors: unsure, never a match


def test_the_phrase_holds_only_plain_words_of_the_title():
    assert phrase("H$_2$O: Heavy-Hitter Oracle for Efficient Inference") == (
        "heavy hitter oracle for efficient inference"
    )
    assert phrase('Say "What?" (Again): A Study') == "say what again a study"
    assert phrase("Generalized Schrödinger Bridge Matching") == "bridge matching"
    assert len(phrase("word " * 200)) <= 200


_MARKS = set("\\${}^_~")  # TeX's marks: a chunk with one is not plain
titles = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), min_size=1, max_size=80
).filter(
    # letters whose upper or lower case folds elsewhere (dotless ı) differ beyond any folding
    lambda t: normalise_title(t) and normalise_title(t.upper()) == normalise_title(t.lower())
)


@settings(max_examples=200, deadline=None)
@given(titles, st.integers(0, 4))
def test_every_spelling_the_stand_in_makes_folds_to_the_digests_title(title, kind):
    assert fold(variant(title, kind)) == fold(title)


@settings(max_examples=200, deadline=None)
@given(titles)
def test_the_phrase_is_words_arxiv_indexes_in_the_title_in_order(title):
    said = phrase(title).split()
    assert '"' not in phrase(title) and ":" not in phrase(title)
    for spelling in (title, tex_spelling(title)):
        indexed = words(spelling)
        plain = any(
            c.isascii() and not _MARKS & set(c) and normalise_title(c) for c in title.split()
        )
        if plain:
            n = len(said)
            assert any(indexed[i : i + n] == said for i in range(len(indexed) - n + 1))
