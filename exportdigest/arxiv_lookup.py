"""Find papers on arXiv: many titles per request, a record only when title and authors agree,
ids known from abstract links completed with `id_list`, all through the cache."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .arxiv_cache import Cache
from .arxiv_client import Client, Unavailable
from .arxiv_feed import FeedError, Found
from .arxiv_match import authors_agree, family, fold, phrase
from .model import ArxivRecord

MAX_TITLES = 40  # titles per search request (the URL length usually stops a batch first)
MAX_IDS = 100  # ids per id_list request
RESULTS_PER_TITLE = 10


@dataclass(frozen=True)
class Wanted:
    """A paper to identify: its id, title, authors and the arXiv id already known, if any."""

    id: str
    title: str
    authors: tuple[str, ...]
    known: str | None = None  # from an abstract link, or the config's [arxiv] table


@dataclass
class Result:
    """Per paper id, the record found (None: not on arXiv); what stayed unknown, and why."""

    records: dict[str, ArxivRecord | None] = field(default_factory=dict)
    later: set[str] = field(default_factory=set)  # a fault kept these from being looked up
    warnings: list[str] = field(default_factory=list)


class Lookup:
    """One run's lookup: the client, the cache, and where to say what happened."""

    def __init__(
        self,
        client: Client | None,  # None: the cache only (a dry run)
        cache: Cache,
        detail: Callable[[str], None],
        progress: Callable[[Sequence, str], Iterable] = lambda items, _label: items,
    ) -> None:
        self.client, self.cache, self.detail, self.progress = client, cache, detail, progress
        self._down = ""  # why arXiv is given up on for this run, once it failed

    def run(self, wanted: Sequence[Wanted]) -> Result:
        """Look every paper up (the cache first); never raises for arXiv's faults."""
        result = Result()
        self._ids(result, [w for w in wanted if w.known])
        search = []
        for paper in wanted:
            if paper.known:
                continue
            known, record = self.cache.paper(paper.id)
            if known:
                result.records[paper.id] = record
            else:
                search.append(paper)
        self._titles(result, search)
        if self._down:
            result.warnings.append(
                f"arxiv: {self._down}; {len(result.later)} paper(s) left for the next run"
            )
        return result

    # ---- ids known beforehand -------------------------------------------------------------

    def _ids(self, result: Result, papers: list[Wanted]) -> None:
        todo: dict[str, list[Wanted]] = {}
        for paper in papers:
            assert paper.known is not None
            known, record = self.cache.identifier(paper.known)
            if known:
                result.records[paper.id] = record or ArxivRecord(paper.known)
            else:
                todo.setdefault(paper.known, []).append(paper)
        ids = list(todo)
        if self.client is None:
            ids = []
            for identifier, waiting in todo.items():
                for paper in waiting:
                    result.records[paper.id] = ArxivRecord(identifier)
        for start in range(0, len(ids), MAX_IDS):
            chunk = ids[start : start + MAX_IDS]
            asked = [p for i in chunk for p in todo[i]]
            page = self._ask(
                asked, result, id_list=",".join(chunk), start=0, max_results=len(chunk)
            )
            got = {f.record.id: f.record for f in page.entries} if page is not None else {}
            for identifier in chunk:
                record = got.get(identifier)
                if page is not None:
                    self.cache.set_identifier(identifier, record)
                for paper in todo[identifier]:
                    # the id stands even when its details could not be fetched this time
                    result.records[paper.id] = record or ArxivRecord(identifier)

    # ---- title searches -------------------------------------------------------------------

    def _titles(self, result: Result, papers: list[Wanted]) -> None:
        if self.client is None:
            result.later.update(p.id for p in papers)
            return
        batches = list(self._batches(papers))
        retry: list[Wanted] = []
        for batch in self.progress(batches, "arxiv"):
            query = " OR ".join(f'ti:"{phrase(p.title)}"' for p in batch)
            page = self._ask(
                batch,
                result,
                search_query=query,
                start=0,
                max_results=min(2000, RESULTS_PER_TITLE * len(batch)),
            )
            if page is not None:
                retry += self._judge(result, batch, page.entries, page.complete)
        for paper in retry:  # too many results for a batch: the title and first author alone
            query = f'ti:"{phrase(paper.title)}"'
            name = family(paper.authors[0]) if paper.authors else ""
            if name.isascii() and name.isalpha():
                query = f"{query} AND au:{name}"
            page = self._ask([paper], result, search_query=query, start=0, max_results=100)
            if page is not None:
                for left in self._judge(result, [paper], page.entries, True):
                    self.detail(f"  arxiv: not identified (too many results): {left.title}")

    def _batches(self, papers: list[Wanted]) -> Iterable[list[Wanted]]:
        batch: list[Wanted] = []
        for paper in papers:
            trial = [*batch, paper]
            query = " OR ".join(f'ti:"{phrase(p.title)}"' for p in trial)
            params: dict[str, str | int] = {"search_query": query, "start": 0, "max_results": 2000}
            assert self.client is not None
            if batch and (len(trial) > MAX_TITLES or not self.client.fits(**params)):
                yield batch
                trial = [paper]
            batch = trial
        if batch:
            yield batch

    def _judge(
        self, result: Result, batch: list[Wanted], entries: list[Found], complete: bool
    ) -> list[Wanted]:
        """Decide each paper of a batch from the results; those the results may not hold."""
        by_title: dict[str, list[Found]] = {}
        for found in entries:
            by_title.setdefault(fold(found.title), []).append(found)
        undecided = []
        for paper in batch:
            same = by_title.get(fold(paper.title), [])
            agree = {f.record.id: f.record for f in same if authors_agree(paper.authors, f.authors)}
            if len(agree) == 1:
                record = next(iter(agree.values()))
                result.records[paper.id] = record
                self.cache.set_paper(paper.id, record)
                self.detail(f"  arxiv: {record.id}: {paper.title}")
            elif len(agree) > 1:
                self._missing(result, paper, f"several arXiv papers match ({', '.join(agree)})")
            elif same:
                self._missing(result, paper, "the same title on arXiv is by other authors")
            elif complete:
                self._missing(result, paper, "no arXiv paper has this title")
            else:
                undecided.append(paper)
        return undecided

    def _missing(self, result: Result, paper: Wanted, why: str) -> None:
        result.records[paper.id] = None
        self.cache.set_paper(paper.id, None)
        self.detail(f"  arxiv: not identified ({why}): {paper.title}")

    # ---- requests -------------------------------------------------------------------------

    def _ask(self, papers: list[Wanted], result: Result, **params):
        """One query's page, or None (the papers left for later) when arXiv failed."""
        if not self._down and self.client is not None:
            try:
                return self.client.query(**params)
            except Unavailable as exc:
                self._down = str(exc)
            except FeedError as exc:
                result.warnings.append(f"arxiv: query refused ({exc}); left for the next run")
        result.later.update(p.id for p in papers)
        return None
