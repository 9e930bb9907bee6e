"""Reading digest files into merged entries: duplicates, bad files, folders, stdin, filters."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportdigest.inputs import collect, read_lines
from exportdigest.model import normalise_title, paper_id
from exportdigest.reader import Digests, Selection

PAPER = """{title}
(Edward S. Hu, Kwangjun Ahn)
{abstract}
{ko}
#transformer {tag}
"""


def paper(
    title="Belief State Transformers", abstract="An abstract.", ko="한국어 코멘트.", tag="#x"
):
    return PAPER.format(title=title, abstract=abstract, ko=ko, tag=tag)


def write(folder, name, text, encoding="utf-8"):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def read(*paths, selection=None):
    return Digests(collect([str(p) for p in paths]), selection)


def test_same_paper_in_two_digests_is_one_entry_with_all_sources_and_united_tags(tmp_path):
    write(tmp_path, "2024-11-05.txt", "2024-11-05 (2)\n" + paper(tag="#late #x", abstract=""))
    write(
        tmp_path, "2024-11-04.txt", "2024년 11월 4일\n" + paper(title="Belief state  TRANSFORMERS!")
    )
    digests = read(tmp_path)
    (entry,) = list(digests)
    assert entry.title == "Belief state  TRANSFORMERS!"  # first posting, in file order
    assert entry.date == dt.date(2024, 11, 4)
    assert entry.tags == ("transformer", "x", "late")
    assert [(s.path.rsplit("/", 1)[-1], s.date.day, s.part, s.line) for s in entry.sources] == [
        ("2024-11-04.txt", 4, 1, 2),
        ("2024-11-05.txt", 5, 2, 2),
    ]
    assert entry.id == paper_id("Belief State Transformers")


def test_later_posting_fills_only_what_the_first_lacked(tmp_path):
    write(tmp_path, "a/2024-11-04.txt", paper(abstract="", ko="첫 번째."))
    write(tmp_path, "b/2024-11-05.txt", paper(abstract="Filled abstract.", ko="두 번째."))
    (entry,) = read(tmp_path)
    assert entry.abstract == "Filled abstract."
    assert entry.commentary.ko == "첫 번째."


def test_id_is_stable_across_runs_and_machines():
    # A fixed value: a change here would duplicate every user's notes and Zotero items.
    assert (
        paper_id("Learning to Achieve Goals with Belief State Transformers") == "7dc7237e107aa167"
    )
    assert (
        paper_id("Learning to achieve goals with Belief-State Transformers.") == "7dc7237e107aa167"
    )
    assert paper_id("A different paper") != "7dc7237e107aa167"


@pytest.mark.parametrize(
    ("title", "expected"),
    [  # ids made by earlier versions: users' notes and Zotero items are keyed by them
        ("#InsTag: Instruction_Tagging", "6284071eafeca13a"),
        ("(Almost) Free Lunch", "2905c58f3a969deb"),
        ("Ｆｕｌｌ－ｗｉｄｔｈ ＬＬＭｓ", "c72d97a69eccc5be"),
        ("한국어 제목: 모델", "6353534b7e645ea6"),
        ("Straße  über—alles", "0a31330d14e1d445"),
        ("ΣΥΣΤΗΜΑ Ⅸ", "8b206c62906a5e63"),
    ],
)
def test_ids_stay_what_earlier_versions_made(title, expected):
    assert paper_id(title) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text("abcXYZ019", min_size=1), min_size=1), st.sampled_from([" ", "-", "_", ": "])
)
def test_ids_ignore_case_punctuation_and_spacing(words, glue):
    title = " ".join(words)
    assert paper_id(title) == paper_id(f" {glue.join(words).swapcase()}!? ")
    assert normalise_title(title) == title.lower()


def test_non_utf8_and_binary_files_are_named_and_the_others_still_exported(tmp_path):
    write(tmp_path, "2024-11-04.txt", paper())
    write(tmp_path, "2024-11-05.txt", ("2024-11-05\n" + paper(title="Other")), encoding="cp949")
    write(tmp_path, "2024-11-06.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    digests = read(tmp_path)
    assert [e.title for e in digests] == ["Belief State Transformers"]
    errors = {d.path.rsplit("/", 1)[-1]: d for d in digests.diagnostics}
    assert "not UTF-8" in errors["2024-11-05.txt"].message
    assert errors["2024-11-05.txt"].line == 5  # the first line with Korean text
    assert "binary" in errors["2024-11-06.txt"].message
    assert len(digests.unreadable) == 2


def test_a_nul_byte_is_reported_at_its_line_whatever_the_line_ends(tmp_path):
    write(tmp_path, "2024-11-04.txt", b"2024-11-04\r" + paper().encode() + b"\r\n\r\x00\n")
    (problem,) = read(tmp_path).diagnostics
    assert "binary" in problem.message and problem.line == 9


def test_a_file_found_unreadable_late_leaves_none_of_its_papers(tmp_path):
    # Over 1 MiB of good papers (several spill batches) before the NUL byte is reached.
    many = "".join(paper(title=f"Paper {i}", abstract="x" * 4000) for i in range(300))
    write(tmp_path, "a/2024-11-04.txt", many + "\x00\n")
    write(tmp_path, "b/2024-11-05.txt", paper(title="Paper 0") + paper(title="Other"))
    digests = read(tmp_path)
    assert [(e.title, len(e.sources), e.date.day) for e in digests] == [
        ("Paper 0", 1, 5),
        ("Other", 1, 5),
    ]
    assert digests.total == 2 and len(digests.unreadable) == 1


def test_papers_read_before_a_long_unreadable_file_are_kept_in_reading_order(tmp_path):
    # Small files are spilled together; the long file spills while it is read, then fails.
    for day in (1, 2, 3):
        write(tmp_path, f"a/2024-11-0{day}.txt", paper(title=f"Small {day}"))
    long = "".join(paper(title=f"Long {i}") for i in range(600))
    write(tmp_path, "b/2024-11-04.txt", long + "\x00\n")
    write(tmp_path, "c/2024-11-05.txt", paper(title="Long 7") + paper(title="After"))
    write(tmp_path, "d/2024-11-06.txt", long)
    digests = read(tmp_path)
    titles = [e.title for e in digests]
    assert titles[:5] == ["Small 1", "Small 2", "Small 3", "Long 7", "After"]
    assert titles[5:] == [f"Long {i}" for i in range(600) if i != 7]
    assert digests.total == 604 and len(digests.unreadable) == 1
    assert [len(e.sources) for e in digests if e.title == "Long 7"] == [2]


def test_iterations_may_interleave(tmp_path):
    write(tmp_path, "2024-11-04.txt", "".join(paper(title=f"Paper {i}") for i in range(600)))
    digests = read(tmp_path)
    pairs = list(zip(digests, digests, strict=True))
    assert len(pairs) == 600 and all(a == b for a, b in pairs)
    assert [e.title for e in digests] == [f"Paper {i}" for i in range(600)]


def test_folders_are_walked_recursively_in_order_skipping_hidden_and_other_files(tmp_path):
    write(tmp_path, "2024/11/2024-11-05.txt", paper(title="B"))
    write(tmp_path, "2024/10/2024-10-01.txt", paper(title="A"))
    write(tmp_path, ".obsidian/2024-11-06.txt", paper(title="Hidden"))
    write(tmp_path, "2024/notes.json", "{}")
    write(tmp_path, "vault/Papers/A note.md", paper(title="A note"))
    assert [e.title for e in read(tmp_path)] == ["A", "B"]


def test_stdin_is_read_and_can_be_iterated_twice():
    text = ("2024-11-04\n" + paper()).encode()
    digests = Digests(collect(["-"], stdin=io.BytesIO(text)))
    assert [e.title for e in digests] == [e.title for e in digests] == ["Belief State Transformers"]
    assert digests.files[0].name == "<stdin>"


def test_missing_path_is_an_error():
    with pytest.raises(FileNotFoundError):
        collect(["/nonexistent/digest.txt"])


def test_selection_by_date_range_and_tags(tmp_path):
    write(tmp_path, "2024-11-04.txt", paper(title="Early", tag="#alpha"))
    write(tmp_path, "2024-11-06.txt", paper(title="Late", tag="#Beta"))
    files = collect([str(tmp_path)])
    since = Digests(files, Selection(since=dt.date(2024, 11, 5)))
    assert [e.title for e in since] == ["Late"] and len(since) == 1
    until = Digests(files, Selection(until=dt.date(2024, 11, 4)))
    assert [e.title for e in until] == ["Early"]
    tagged = Digests(files, Selection(tags=("#beta",)))
    assert [e.title for e in tagged] == ["Late"] and tagged.total == 2


def test_urls_are_collected_from_the_text(tmp_path):
    write(
        tmp_path,
        "2024-11-04.txt",
        paper(
            abstract="Code at https://github.com/x/y.",
            ko="관련 연구 (https://arxiv.org/abs/1907.01470) 참고.",
        ),
    )
    (entry,) = read(tmp_path)
    assert entry.urls == ("https://github.com/x/y", "https://arxiv.org/abs/1907.01470")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_a_50_mb_digest_streams_in_flat_memory(tmp_path):
    big = tmp_path / "2024-11-04.txt"
    with big.open("w", encoding="utf-8") as out:
        for i in range(20_000):  # 20,000 distinct papers of ~2.6 KB: over 50 MB
            out.write(paper(title=f"Paper number {i}", abstract="x" * 2500))
    assert big.stat().st_size > 50_000_000
    # VmHWM is this process's own peak; ru_maxrss would inherit the forking pytest's size.
    script = (
        "import sys\n"
        "from exportdigest.inputs import collect\n"
        "from exportdigest.reader import Digests\n"
        "d = Digests(collect([sys.argv[1]]))\n"
        "n = sum(1 for _ in d)\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
        "print(n, hwm[0].split()[1])\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(big)], capture_output=True, text=True)
    count, peak_kib = map(int, out.stdout.split())
    assert count == 20_000
    assert peak_kib < 120 * 1024, f"peak RSS {peak_kib / 1024:.0f} MiB for a 50 MB digest"


def reference_lines(text: str) -> list[str]:
    """Lines as Python's universal newlines read them (CRLF, CR, LF), without ends."""
    return io.StringIO(text, newline=None).read().splitlines() if text else []


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="ab\r\n가\ufeff ", max_size=60),
    st.integers(min_value=1, max_value=9),
)
def test_lines_are_the_same_whatever_the_block_boundaries(text, block_size):
    (digest,) = collect(["-"], stdin=io.BytesIO(text.encode("utf-8")))
    expected = reference_lines(text.removeprefix("\ufeff"))
    assert list(read_lines(digest, block_size=block_size)) == expected


# -- which postings are one paper -------------------------------------------------------------

WITH_AUTHORS = """{title}
({authors})
{abstract}
한국어 코멘트.
#x
"""


def posting(title, authors="Edward S. Hu, Kwangjun Ahn", abstract="An abstract."):
    return WITH_AUTHORS.format(title=title, authors=authors, abstract=abstract)


def test_titles_that_fold_to_nothing_stay_distinct_papers(tmp_path):
    text = "2024-11-04\n" + "".join(
        posting(t, authors=a) for t, a in [("~", "Ann Lee"), ("???", "Bo Chen"), ("!!!", "Cy Li")]
    )
    digests = read(write(tmp_path, "2024-11-04.txt", text))
    entries = list(digests)
    assert [e.title for e in entries] == ["~", "???", "!!!"]
    assert len({e.id for e in entries}) == 3
    assert entries[0].id == paper_id("~") == paper_id("")  # the first keeps the title's id


def test_the_same_title_by_other_authors_is_another_paper_and_the_first_keeps_the_id(tmp_path):
    write(tmp_path, "2024-11-04.txt", "2024-11-04\n" + posting("Attention Is All You Need"))
    later = posting("Attention is all you need.", authors="Jane Roe, John Doe", abstract="Other.")
    write(tmp_path, "2024-11-05.txt", "2024-11-05\n" + later)
    first, second = read(tmp_path)
    assert first.id == paper_id("Attention Is All You Need")
    assert second.id != first.id and second.abstract == "Other."
    assert second.authors == ("Jane Roe", "John Doe")
    again = list(read(tmp_path))  # the same ids on every run
    assert [e.id for e in again] == [first.id, second.id]


@pytest.mark.parametrize(
    "authors", ["Kwangjun Ahn, Someone Else", "E. Hu", "edward s. HU", "Edward S. Hu"]
)
def test_postings_sharing_an_author_are_one_paper(tmp_path, authors):
    write(tmp_path, "2024-11-04.txt", "2024-11-04\n" + posting("Belief State Transformers"))
    write(
        tmp_path,
        "2024-11-05.txt",
        "2024-11-05\n" + posting("Belief State Transformers", authors=authors),
    )
    (entry,) = read(tmp_path)
    assert len(entry.sources) == 2


def test_a_merge_that_drops_text_is_reported_with_both_places(tmp_path):
    write(tmp_path, "2024-11-04.txt", "2024-11-04\n" + posting("Belief State Transformers"))
    changed = posting("Belief State Transformers", abstract="A revised abstract.")
    write(tmp_path, "2024-11-05.txt", "2024-11-05\n" + changed)
    digests = read(tmp_path)
    (entry,) = digests
    assert entry.abstract == "An abstract."
    (problem,) = digests.diagnostics
    assert problem.severity == "warning" and problem.path.endswith("2024-11-05.txt")
    assert problem.line == 2 and "2024-11-04.txt:2" in problem.message
    assert "other abstract; the earlier text is kept" in problem.message


def test_a_repost_with_the_same_text_reports_nothing(tmp_path):
    write(tmp_path, "2024-11-04.txt", "2024-11-04\n" + posting("Belief State Transformers"))
    write(tmp_path, "2024-11-05.txt", "2024-11-05\n" + posting("Belief State Transformers"))
    digests = read(tmp_path)
    assert len(list(digests)) == 1 and digests.diagnostics == []


def test_an_unreadable_file_leaves_no_namesake_and_no_posting_behind(tmp_path):
    write(tmp_path, "2024-11-04.txt", "2024-11-04\n" + posting("Belief State Transformers"))
    bad = "2024-11-05\n" + posting("Belief State Transformers", authors="Jane Roe")
    bad += posting("Belief State Transformers") + "\x00"  # a NUL: the whole file is refused
    write(tmp_path, "2024-11-05.txt", bad)
    digests = read(tmp_path)
    (entry,) = digests
    assert len(entry.sources) == 1 and digests.total == 1
    assert [d.file_name for d in digests.unreadable] == ["2024-11-05.txt"]


NAMES = ["Ann Lee", "Bo Chen", "Cy Li", "Di Wu"]
TITLES = ["Mamba", "mamba!", "~", "???", "Belief State"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(TITLES), st.lists(st.sampled_from(NAMES), min_size=1, max_size=3)
        ),
        min_size=1,
        max_size=12,
    )
)
def test_no_posting_is_lost_and_papers_group_by_the_documented_rule(tmp_path_factory, postings):
    folder = tmp_path_factory.mktemp("digests")
    text = "2024-11-04\n"
    for title, authors in postings:
        text += f"{title}\n({', '.join(authors)})\nText.\n#x\n"
    digests = read(write(folder, "2024-11-04.txt", text))
    entries = list(digests)
    assert sum(len(e.sources) for e in entries) == len(postings)  # every posting is somewhere
    # The rule, independently: a posting joins the first paper of its title that shares an
    # author with it; titles folding to nothing must also be the same text.
    groups: list[tuple[str, str, set[str]]] = []
    for title, authors in postings:
        fold = normalise_title(title)
        same = fold if fold else f"\0{title}"
        for key, _, people in groups:
            if key == same and people & set(authors):
                break
        else:
            groups.append((same, title, set(authors)))
    assert len(entries) == len(groups)
    assert [e.title for e in entries] == [title for _, title, _ in groups]
    assert len({e.id for e in entries}) == len(entries)
