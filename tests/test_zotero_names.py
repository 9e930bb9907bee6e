"""The creator split rule: digest author names -> Zotero first/last or one-field names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportdigest.exporters.zotero.names import MAX_PART, creator, display


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("Edward S. Hu", "Edward S.", "Hu"),
        ("Md Rifat Arefin", "Md Rifat", "Arefin"),
        ("Harm de Vries", "Harm", "de Vries"),
        ("Leandro von Werra", "Leandro", "von Werra"),
        ("Ludwig van der Berg", "Ludwig", "van der Berg"),
        ("Johannes Von Oswald", "Johannes Von", "Oswald"),  # capitalised: a given name
        ("Martin Luther King Jr.", "Martin Luther", "King Jr."),
        ("  William   T.  Freeman ", "William T.", "Freeman"),
    ],
)
def test_two_field_names(name, first, last):
    assert creator(name) == {"creatorType": "author", "firstName": first, "lastName": last}


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("Plato", "Plato"),
        ("김철수", "김철수"),
        ("Wei Zhang 张伟", "Wei Zhang 张伟"),
        ("山田 太郎", "山田 太郎"),
        ("de Vries", "de Vries"),  # no first name would be left
        ("Team 42", "Team 42"),  # the "last name" has no letter
    ],
)
def test_one_field_names(name, kept):
    assert creator(name) == {"creatorType": "author", "name": kept}


def test_blank_name_gives_no_creator():
    assert creator("  \t ") is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_name_gives_a_lossless_valid_creator(name):
    result = creator(name)
    words = " ".join(name.split())
    if not words:
        assert result is None
        return
    assert result["creatorType"] == "author"
    if "name" in result:
        assert set(result) == {"creatorType", "name"} and result["name"].strip()
        assert result["name"] == words[:MAX_PART]
    else:
        assert set(result) == {"creatorType", "firstName", "lastName"}
        assert result["firstName"] and result["lastName"]
        assert max(len(result["firstName"]), len(result["lastName"])) <= MAX_PART
        assert display(result) == words
