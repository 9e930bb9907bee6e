"""The digest parser on every variant digest-format.md lists."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from conftest import SEED

from exportdigest.diagnostics import Diagnostic
from exportdigest.parser import DigestParser, Record, is_authors_line, is_hashtag_line

PAPER = """Belief State Transformers
(Edward S. Hu, Kwangjun Ahn)
We introduce the Belief State Transformer.
Prefix와 Suffix의 조합에 대해 예측.
This approach predicts both tokens.
#transformer
"""


def parse(text: str, name: str = "digest.txt", fallback: dt.date | None = None):
    """Records and diagnostics of the text, split apart."""
    items = list(DigestParser(name, fallback).parse(text.splitlines(keepends=True)))
    records = [i for i in items if isinstance(i, Record)]
    problems = [i for i in items if isinstance(i, Diagnostic)]
    return records, problems


def test_seed_digest_parses_into_its_ten_papers_with_no_diagnostics():
    records, problems = parse(SEED.read_text("utf-8"), SEED.name)
    assert problems == []
    assert len(records) == 10
    first = records[0]
    assert first.title == "Learning to Achieve Goals with Belief State Transformers"
    assert first.authors[0] == "Edward S. Hu" and len(first.authors) == 9
    assert first.abstract.startswith('We introduce the "Belief State Transformer"')
    assert first.ko.startswith("Prefix와 Suffix의")
    assert first.en.startswith("This approach uses an objective")
    assert first.tags == ("transformer",)
    assert first.date == dt.date(2024, 11, 4) and first.part == 1 and first.line == 2
    assert records[4].tags == ("alignment", "long-context")
    assert records[-1].title == "Scaling LLM Inference with Optimized Sample Compute Allocation"


def test_fields_of_one_entry():
    (record,), problems = parse("2024년 11월 4일\n" + PAPER)
    assert problems == []
    assert record.title == "Belief State Transformers"
    assert record.authors == ("Edward S. Hu", "Kwangjun Ahn")
    assert record.abstract == "We introduce the Belief State Transformer."
    assert record.ko == "Prefix와 Suffix의 조합에 대해 예측."
    assert record.en == "This approach predicts both tokens."
    assert record.tags == ("transformer",)


def test_three_header_forms_with_parts():
    text = (
        "2024년 11월 4일 (2)\n"
        + PAPER.replace("Belief", "One")
        + "2024-11-05 (3)\n"
        + PAPER.replace("Belief", "Two")
        + "November 6, 2024\n"
        + PAPER.replace("Belief", "Three")
        + "Nov 7, 2024 (1)\n"
        + PAPER.replace("Belief", "Four")
    )
    records, problems = parse(text)
    assert problems == []
    assert [(r.date.day, r.part) for r in records] == [(4, 2), (5, 3), (6, 1), (7, 1)]


def test_crlf_cr_bom_nfd_tabs_nbsp_and_blank_lines_are_taken():
    nfd = unicodedata.normalize("NFD", PAPER)
    assert nfd != PAPER
    text = "\ufeff2024년 11월 4일 (1)  \r\n\r\n" + nfd.replace("\n", "\r\n\r\n\t ")
    text = text.replace("(Edward S. Hu", "(Edward\u00a0S. Hu")
    (record,), problems = parse(text)
    assert problems == []
    assert record.ko == "Prefix와 Suffix의 조합에 대해 예측."
    assert record.authors == ("Edward S. Hu", "Kwangjun Ahn")
    old_mac = ("2024년 11월 4일\n" + PAPER).replace("\n", "\r")
    (record,), problems = parse(old_mac)
    assert record.tags == ("transformer",) and problems == []


def test_titles_starting_with_parenthesis_or_hash():
    text = "2024-11-04\n" + PAPER.replace("Belief State Transformers", "(Almost) Free Lunch")
    text += PAPER.replace("Belief State Transformers", "#InsTag: Instruction Tagging")
    text += PAPER.replace("Belief State Transformers", "#OneToken")
    records, problems = parse(text)
    assert problems == []
    assert [r.title for r in records] == [
        "(Almost) Free Lunch",
        "#InsTag: Instruction Tagging",
        "#OneToken",
    ]


def test_missing_abstract_commentary_or_english():
    text = """2024-11-04
No Abstract
(A B)
한국어 코멘트만.
#a
Only Authors
(C D)
#b
No Korean
(E F)
An abstract line.
English commentary one.
English commentary two.
#c
"""
    (no_abstract, only_authors, no_korean), problems = parse(text)
    assert problems == []
    assert (
        no_abstract.abstract == "" and no_abstract.ko == "한국어 코멘트만." and no_abstract.en == ""
    )
    assert (only_authors.abstract, only_authors.ko, only_authors.en) == ("", "", "")
    assert only_authors.tags == ("b",)
    assert no_korean.abstract == "An abstract line." and no_korean.ko == ""
    assert no_korean.en == "English commentary one.\nEnglish commentary two."


def test_entry_without_hashtag_line_ends_before_the_next_title_header_or_eof():
    text = """2024-11-04
First
(A B)
Abstract one.
한국어.
Second
(C D)
Abstract two.
#x
Third
(E F)
세 번째.
2024-11-05
Fourth
(G H)
네 번째.
"""
    records, problems = parse(text)
    assert [r.title for r in records] == ["First", "Second", "Third", "Fourth"]
    assert [r.tags for r in records] == [(), ("x",), (), ()]
    assert records[0].ko == "한국어." and records[2].ko == "세 번째."
    assert records[3].date == dt.date(2024, 11, 5)
    assert [(p.line, p.severity) for p in problems] == [
        (2, "warning"),
        (10, "warning"),
        (14, "warning"),
    ]
    assert all("no hashtag line" in p.message for p in problems)


def test_entry_without_authors_is_reported_and_neighbours_kept():
    text = """2024-11-04
Good One
(A B)
좋다.
#a
Broken Title
이 줄은 저자 줄이 아니다.
#b
Good Two
(C D)
좋다 둘.
#c
"""
    records, problems = parse(text, "d.txt")
    assert [r.title for r in records] == ["Good One", "Good Two"]
    assert len(problems) == 1
    assert problems[0].severity == "error" and problems[0].line == 6
    assert str(problems[0]).startswith("d.txt:6: error: no authors line")


def test_truncated_file_reports_the_partial_entry():
    records, problems = parse("2024-11-04\n" + PAPER + "Cut Off Title\n")
    assert [r.title for r in records] == ["Belief State Transformers"]
    assert [(p.line, p.severity) for p in problems] == [(8, "error")]


def test_several_days_per_file_and_entries_belong_to_the_last_header():
    text = "2024년 11월 4일 (1)\n" + PAPER + "2024년 11월 4일 (2)\n" + PAPER.replace("Belief", "X")
    text += "2024년 11월 5일\n" + PAPER.replace("Belief", "Y")
    records, _ = parse(text)
    assert [(r.title.split()[0], r.date.day, r.part) for r in records] == [
        ("Belief", 4, 1),
        ("X", 4, 2),
        ("Y", 5, 1),
    ]


def test_date_from_file_name_when_there_is_no_header():
    (r,), problems = parse(PAPER, "2024-11-04.txt", dt.date(2024, 11, 4))
    assert r.date == dt.date(2024, 11, 4) and problems == []
    records, problems = parse(PAPER, "notes.txt", None)
    assert records == []
    assert problems[0].severity == "error" and "no date" in problems[0].message


def test_stray_hashtag_line_is_reported():
    records, problems = parse("2024-11-04\n#lonely #tags\n" + PAPER)
    assert [r.title for r in records] == ["Belief State Transformers"]
    assert problems[0].line == 2 and "hashtag line" in problems[0].message


def test_korean_commentary_lines_in_parentheses_are_not_authors():
    text = "2024-11-04\n" + PAPER.replace(
        "Prefix와 Suffix의 조합에 대해 예측.",
        "(이 논문과는 별개로) 흥미롭다.\n(https://arxiv.org/abs/1907.01470)\n계속.",
    )
    (record,), problems = parse(text)
    assert problems == []
    assert record.ko.splitlines() == [
        "(이 논문과는 별개로) 흥미롭다.",
        "(https://arxiv.org/abs/1907.01470)",
        "계속.",
    ]


def test_line_classifiers():
    assert is_hashtag_line("#alignment #long-context")
    assert is_hashtag_line("#한국어 #a/b #x_y")
    assert not is_hashtag_line("#InsTag: Instruction Tagging")
    assert not is_hashtag_line("# heading")
    assert is_authors_line("(William T. Freeman, Md Rifat Arefin)")
    assert not is_authors_line("(Almost) Free Lunch")
    assert not is_authors_line("(이 논문과는 별개로 흥미로운 점)")
    assert not is_authors_line("(참고: 관련 연구)")
    assert is_authors_line("(김철수, 이영희, Jan van der Berg)")


def test_authors_written_in_hangul_are_authors():
    text = "2024-11-04\n" + PAPER.replace(
        "(Edward S. Hu, Kwangjun Ahn)", "(김철수, 이 영희, Kwangjun Ahn)"
    )
    (record,), problems = parse(text)
    assert problems == []
    assert record.authors == ("김철수", "이 영희", "Kwangjun Ahn")
    assert record.abstract == "We introduce the Belief State Transformer."


AROUND = [
    "2024-11-04",
    "A title",
    "(A Author, B Author)",
    "An abstract.",
    None,  # the line under test, inside the first entry
    "한국어 해설.",
    "English commentary.",
    "#tag",
    "Next title",
    "(C Author)",
    "Its abstract.",
    "#other",
]


@pytest.mark.parametrize(
    ("header", "part"), [("2024-11-05", 1), ("2024년 11월 5일 (2)", 2), ("November 5, 2024", 1)]
)
def test_a_header_inside_an_entry_ends_it_and_dates_what_follows(header, part):
    lines = [header if line is None else line for line in AROUND]
    records, problems = parse("\n".join(lines))
    first, after = records
    assert (first.title, first.abstract, first.ko, first.tags) == (
        "A title",
        "An abstract.",
        "",
        (),
    )
    assert (after.title, after.date, after.part) == ("Next title", dt.date(2024, 11, 5), part)
    assert [(p.line, p.severity) for p in problems] == [(2, "warning"), (6, "error")]
    assert "no hashtag line" in problems[0].message
    assert "no authors line after title '한국어 해설.'" in problems[1].message


def test_a_second_authors_line_inside_an_entry_starts_another_entry_at_the_line_above():
    lines = ["(Other Author, Another)" if line is None else line for line in AROUND]
    records, problems = parse("\n".join(lines))
    assert [(r.title, r.authors, r.tags) for r in records] == [
        ("A title", ("A Author", "B Author"), ()),
        ("An abstract.", ("Other Author", "Another"), ("tag",)),
        ("Next title", ("C Author",), ("other",)),
    ]
    assert (records[1].ko, records[1].en) == ("한국어 해설.", "English commentary.")
    assert [(p.line, p.severity) for p in problems] == [(2, "warning")]


@pytest.mark.parametrize("blank", ["", "   ", "\t\u00a0"])
def test_a_blank_line_inside_an_entry_changes_nothing(blank):
    lines = [blank if line is None else line for line in AROUND]
    records, problems = parse("\n".join(lines))
    assert problems == []
    first, after = records
    assert (first.abstract, first.ko, first.en) == (
        "An abstract.",
        "한국어 해설.",
        "English commentary.",
    )
    assert first.tags == ("tag",) and after.title == "Next title" and after.line == 9
