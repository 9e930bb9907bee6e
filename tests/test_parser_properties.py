"""Property tests: digest text round-trips, and no input makes the reader raise."""

from __future__ import annotations

import datetime as dt
import io
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import entries, entry_lists

from exportdigest import digest_text
from exportdigest.diagnostics import Diagnostic
from exportdigest.inputs import collect
from exportdigest.parser import DigestParser, Record, clean_line, is_authors_line, split_authors
from exportdigest.reader import Digests

FIELDS = ("id", "title", "authors", "abstract", "commentary", "tags", "date")


def reread(text: str | bytes) -> Digests:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return Digests(collect(["-"], stdin=io.BytesIO(data)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry_lists())
def test_entries_rendered_as_a_digest_parse_back_to_the_same_entries(entries):
    digests = reread(digest_text.render(entries))
    parsed = list(digests)
    assert [[getattr(e, f) for f in FIELDS] for e in parsed] == [
        [getattr(e, f) for f in FIELDS] for e in entries
    ]
    # Only entries without a hashtag line may be reported (they end at the next title).
    assert len(digests.diagnostics) == sum(1 for e in entries if not e.tags)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_arbitrary_text_never_raises_only_diagnostics(text):
    digests = reread(text)
    for entry in digests:
        assert entry.title and entry.authors
    assert all(isinstance(d, Diagnostic) and d.line >= 0 for d in digests.diagnostics)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data):
    digests = reread(b"2024-11-04\n" + data)
    list(digests)
    assert all(str(d).startswith("<stdin>") for d in digests.diagnostics)


# Lines a digest may hold, well-formed or not, to edit rendered digests with.
_LINES = st.sampled_from(
    [
        "",
        "  ",
        "Belief State Transformers",
        "A title",
        "#InsTag: Instruction Tagging",
        "(Almost) Free Lunch",
        "(Edward S. Hu, Kwangjun Ahn)",
        "(김철수, 이영희)",
        "(A, B) ",
        "\t(A, B)",
        "(A,\tB)",
        "(E\u0301douard Lucas, B)",
        "(A,\u00a0B)",
        "( , )",
        "()",
        "(see https://example.org/x)",
        "(괄호 안의 한국어 설명입니다.)",
        "An abstract with a link https://arxiv.org/abs/1907.01470.",
        "Prefix와 Suffix의 조합에 대해 예측.",
        "Pre\u0301fix와 NFD",
        "Odd\u00a0space and\u3000more",
        "#transformer",
        "#a #B #b",
        "#a\t#b",
        "#x ",
        "#1 is not a tag line",
        "#",
        "2024-11-04",
        "2024년 11월 5일 (2)",
        "May 3, 2024",
        "2024-13-40",
        "\ufeffBOM title",
    ]
)
_ANY_LINE = st.text(st.characters(codec="utf-8", exclude_characters="\n\r"), max_size=30)


@st.composite
def digest_lines(draw) -> list[str]:
    """A rendered digest's lines with some lines replaced, inserted or dropped."""
    papers = draw(st.lists(entries(), min_size=2, max_size=8, unique_by=lambda e: e.id))
    lines = digest_text.render(papers).split("\n")[:-1]
    if draw(st.booleans()):
        lines = lines[1:]  # no header: the file name's date, or none
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(lines)))
        edit = draw(st.integers(0, 2))
        line = draw(_ANY_LINE if draw(st.integers(0, 4)) == 0 else _LINES)
        if edit == 0:
            lines.insert(at, line)
        elif at < len(lines):
            lines[at : at + 1] = [line] if edit == 1 else []
    return lines


def _records_and_problems(lines: list[str], fallback: dt.date | None):
    items = list(DigestParser("d.txt", fallback).parse(lines))
    return [i for i in items if isinstance(i, Record)], [
        i for i in items if isinstance(i, Diagnostic)
    ]


_EDITED = st.one_of(digest_lines(), digest_lines(), st.lists(_LINES | _ANY_LINE, max_size=40))
_FALLBACK = st.sampled_from([None, dt.date(2024, 11, 4)])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_EDITED, _FALLBACK)
def test_every_paper_and_problem_points_at_its_own_lines(lines, fallback):
    records, problems = _records_and_problems(lines, fallback)
    for record in records:
        assert clean_line(lines[record.line - 1]) == record.title
        after = [clean_line(line) for line in lines[record.line :]]
        authors_line = next(text for text in after if text)
        assert is_authors_line(authors_line) and split_authors(authors_line) == record.authors
    assert all(1 <= p.line <= len(lines) for p in problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_EDITED, _FALLBACK, st.lists(st.integers(1, 60), max_size=6), st.sampled_from(["", " \t "]))
def test_blank_lines_anywhere_change_nothing_but_line_numbers(lines, fallback, at, blank):
    # Blank lines inside an entry, between entries or before a header are all skipped.
    spaced, moved = [], {}
    for number, line in enumerate(lines, start=1):
        spaced.extend([blank] * at.count(number))
        spaced.append(line)
        moved[number] = len(spaced)
    records, problems = _records_and_problems(lines, fallback)
    got_records, got_problems = _records_and_problems(spaced, fallback)
    assert got_records == [r._replace(line=moved[r.line]) for r in records]

    def renumbered(problem: Diagnostic) -> tuple[int, str, str]:
        message = re.sub(
            r"up to line (\d+)$", lambda m: f"up to line {moved[int(m[1])]}", problem.message
        )
        return moved[problem.line], message, problem.severity

    assert [(p.line, p.message, p.severity) for p in got_problems] == [
        renumbered(p) for p in problems
    ]
