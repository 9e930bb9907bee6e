"""The fingerprint that lets a re-run skip an unchanged paper sees every change, and only those."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from obsidian_support import entry
from strategies import entries

from exportdigest.exporters.obsidian.context import digest_days, fingerprint, paper_context
from exportdigest.exporters.obsidian.tags import obsidian_tags
from exportdigest.model import ArxivRecord, Commentary, Source


def both(paper, links=None):
    """(template context, fingerprint) of an entry, with links made from its tags and days."""
    tags = obsidian_tags(paper.tags)
    tag_links = links or [f"[[{t}]]" for t in tags]
    days = digest_days(paper)
    day_links = {day: f"[[Digest {day}]]" for day, _parts in days}
    context = paper_context(paper, tags, tag_links, days, day_links)
    return context, fingerprint(context, "salt")


@settings(max_examples=150, deadline=None)
@given(entries(), entries())
def test_the_fingerprint_changes_exactly_when_the_template_context_does(first, second):
    context_a, print_a = both(first)
    context_b, print_b = both(second)
    assert (context_a == context_b) == (print_a == print_b)


def test_each_field_a_note_shows_changes_the_fingerprint():
    base = entry("A Title", tags=("x",), authors=("A", "B"))
    day = dt.date(2024, 11, 5)
    variants = [
        replace(base, title="Another Title"),
        replace(base, authors=("A", "C")),
        replace(base, authors=("A", "B", "C")),
        replace(base, abstract=base.abstract + " more"),
        replace(base, commentary=Commentary(ko=base.commentary.ko + " 더", en=base.commentary.en)),
        replace(base, commentary=Commentary(ko=base.commentary.ko, en=base.commentary.en + " x")),
        replace(base, tags=("x", "y")),
        replace(base, date=day),
        replace(base, sources=(*base.sources, Source("b.txt", 9, day, 2))),
        replace(base, sources=(replace(base.sources[0], part=2),)),
        replace(base, urls=("https://arxiv.org/abs/2410.23506",)),
        replace(base, arxiv=ArxivRecord("2410.23506")),
        replace(base, arxiv=ArxivRecord("2410.23506", 2, "cs.CL", "2024-10-30")),
    ]
    prints = {both(v)[1] for v in variants} | {both(base)[1]}
    assert len(prints) == len(variants) + 1
    assert both(base, links=["[[x (1234abcd)]]"])[1] != both(base)[1]  # a tag note renamed


def test_where_a_digest_file_lies_does_not_change_the_fingerprint():
    base = entry("A Title")
    moved = replace(base, sources=(replace(base.sources[0], path="/elsewhere/d.txt", line=99),))
    assert both(moved) == both(base)


@settings(max_examples=50, deadline=None)
@given(entries(), st.text(max_size=5))
def test_a_template_change_changes_every_fingerprint(paper, salt):
    context = both(paper)[0]
    assert fingerprint(context, salt) != fingerprint(context, salt + "!")


def test_the_fingerprint_of_a_known_paper_never_changes():
    # Notes already in users' vaults carry it: a new value makes the next run render every
    # note once more to see that it is unchanged (tests/test_obsidian_upgrade.py). A paper
    # without an arXiv record (nearly all, without --arxiv) hashes as before records existed.
    from exportdigest.model import Entry

    paper = Entry(
        id="0123456789abcdef",
        title="Belief State Transformers: Goals",
        authors=("A B", "김철수"),
        abstract="Abs https://github.com/x/y",
        commentary=Commentary("한국어", "English"),
        tags=("transformer", "rl"),
        date=dt.date(2024, 11, 4),
        sources=(
            Source("a/2024-11-04.txt", 3, dt.date(2024, 11, 4), 1),
            Source("b.txt", 9, dt.date(2024, 11, 5), 2),
        ),
        urls=("https://github.com/x/y",),
    )
    assert both(paper)[1] == "6ec9d6d661a431a9"
    # a record changes it, once: the note gains its arXiv properties and links
    assert both(replace(paper, arxiv=ArxivRecord("2410.23506")))[1] != "6ec9d6d661a431a9"
