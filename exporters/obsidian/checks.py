"""Templates are tried on a sample paper before the run, so a broken one stops it up front."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from exportdigest.exporter import TargetUsageError
from exportdigest.model import ArxivRecord, Commentary, Entry, Source, paper_id

from .context import digest_context, digest_days, index_context, listed, paper_context
from .render import BASE, DIGEST, FILENAME, INDEX, PAPER, TAG, TemplateProblem, Templates

_TITLE = 'Sample: A Paper #1 [v2] | "Quoted"'
SAMPLE = Entry(
    id=paper_id(_TITLE),
    title=_TITLE,
    authors=("Ada Lovelace", "Alan Turing"),
    abstract="An abstract with $\\alpha$ and https://example.org/code.",
    commentary=Commentary(ko="한국어 해설.", en="English commentary."),
    tags=("sample", "nested/tag"),
    date=dt.date(2024, 11, 4),
    sources=(Source("2024-11-04.txt", 2, dt.date(2024, 11, 4), 1),),
    urls=("https://example.org/code",),
    # Every optional part present, so a template's use of any of them is tried up front.
    arxiv=ArxivRecord("2410.23506", 2, "cs.LG", "2024-10-30", "10.1000/sample"),
)


def sample_contexts() -> dict[str, dict]:
    """A context for every template, made from the sample paper."""
    days = digest_days(SAMPLE)
    paper = paper_context(
        SAMPLE,
        list(SAMPLE.tags),
        ["[[sample]]", "[[nested-tag]]"],
        days,
        {day: f"[[Digest {day}]]" for day, _parts in days},
    )
    paper["zotero"] = "zotero://select/library/items/SAMPLE12"  # as when zotero links it
    papers = [(listed(SAMPLE), "[[Sample - A Paper 1 (v2)]]")]
    return {
        PAPER: paper,
        FILENAME: paper,
        TAG: {"tag": "nested/tag", "name": "nested-tag"},
        DIGEST: digest_context("2024-11-04", papers, ["2024-11-04.txt"]),
        INDEX: index_context(papers),
        BASE: {},
    }


def checked_templates(user_dir: Path | None) -> Templates:
    """The run's templates, each rendered once; TargetUsageError names a broken file and line."""
    try:
        templates = Templates(user_dir)
        for name, context in sample_contexts().items():
            templates.render(name, context)
    except TemplateProblem as exc:
        raise TargetUsageError(f"template error: {exc}") from None
    return templates
