"""The step between the reader and the targets: each paper's arXiv record, from the config's
`[arxiv]` table, else a lookup (`--arxiv`), else the paper's own abstract links."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import click

from . import arxiv
from .model import ArxivRecord, Entry, arxiv_id, normalise_title

# Injected by the tests: the client's sleep, clock and timeout, and the cache's wall clock.
CLIENT_OPTIONS: dict[str, Any] = {}
_PAPER_ID = frozenset("0123456789abcdef")


@dataclass
class Settings:
    """The run's arXiv settings: look up or not, where, how slowly, and the ids set by hand."""

    lookup: bool = False
    url: str = arxiv.DEFAULT_URL
    delay: float = arxiv.DEFAULT_DELAY
    manual: dict[str, ArxivRecord | None] = field(default_factory=dict)


def manual_ids(table: Mapping[str, Any]) -> dict[str, ArxivRecord | None]:
    """The config's `[arxiv]` table: title (or paper id) -> the id set by hand, or None for
    `""`/`false` (the paper has no arXiv id). A value of another kind is a usage error."""
    ids: dict[str, ArxivRecord | None] = {}
    for key, value in table.items():
        where = f"config [arxiv] {key!r}"
        if value is False or value == "":
            record = None
        elif isinstance(value, str) and (parts := arxiv.split_version(value.strip())):
            record = ArxivRecord(parts[0], parts[1])
        else:
            raise click.UsageError(
                f"{where}: expected an arXiv id ('2404.14396'), or \"\" or false to clear it,"
                f" got {value!r}"
            )
        ids[_manual_key(key)] = record
    return ids


def _manual_key(key: str) -> str:
    if len(key) == 16 and set(key) <= _PAPER_ID:
        return key
    return normalise_title(key)


class Enriched:
    """The reader's entries, each with its arXiv record; re-iterable like the reader."""

    def __init__(self, entries: Any, records: dict[str, ArxivRecord | None], manual: dict):
        self._entries, self._records, self._manual = entries, records, manual

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, entry: Entry) -> ArxivRecord | None:
        """The entry's record: set by hand, else looked up, else from its abstract links."""
        if self._manual:
            by_hand, manual = manual_for(entry, self._manual)
            if by_hand:  # the lookup may have fetched the details of the id set by hand
                looked = self._records.get(entry.id)
                return looked if manual and looked and looked.id == manual.id else manual
        if entry.id in self._records:
            return self._records[entry.id]
        return from_links(entry)

    def __iter__(self) -> Iterator[Entry]:
        for entry in self._entries:
            record = self.record(entry)
            yield replace(entry, arxiv=record) if record is not None else entry


def from_links(entry: Entry) -> ArxivRecord | None:
    """The record the paper's own abstract links give: the id, and what follows from it."""
    found = arxiv_id(entry)
    return ArxivRecord(found) if found else None


def linked(entry: Entry) -> Entry:
    """The entry as a run without `--arxiv` gives it to the targets (its links' record)."""
    record = from_links(entry)
    return replace(entry, arxiv=record) if record else entry


def manual_for(entry: Entry, manual: Mapping[str, ArxivRecord | None]) -> tuple[bool, Any]:
    """(set by hand, the record) for an entry and the `[arxiv]` table."""
    for key in (entry.id, normalise_title(entry.title)):
        if key in manual:
            return True, manual[key]
    return False, None


def enrich(entries: Any, settings: Settings, run: Any) -> tuple[Enriched, str | None]:
    """The entries with their records, and the summary of the lookup (None without one)."""
    if not settings.lookup:
        return Enriched(entries, {}, settings.manual), None
    from .arxiv_cache import Cache, cache_path
    from .arxiv_lookup import Lookup, Wanted
    from .streams import echo_err

    wanted = []
    for entry in entries:
        by_hand, record = manual_for(entry, settings.manual)
        if by_hand and record is None:
            continue
        known = record.id if by_hand and record else arxiv_id(entry)
        wanted.append(Wanted(entry.id, entry.title, entry.authors, known))
    now = CLIENT_OPTIONS.get("now", time.time)
    cache = Cache(cache_path(settings.url), now())
    if cache.warning:
        echo_err(f"exportdigest: {cache.warning}")
    client = None
    if not run.dry_run:
        from .arxiv_client import Client

        options = {k: v for k, v in CLIENT_OPTIONS.items() if k != "now"}
        client = Client(settings.url, settings.delay, on_retry=run.status, **options)
    lookup = Lookup(
        client,
        cache,
        run.detail,
        lambda items, label: run.progress(items, len(items), label),
    )
    try:
        result = lookup.run(wanted)
    finally:
        if client is not None:
            client.close()
    if not run.dry_run:
        try:
            cache.save()
        except OSError as exc:
            echo_err(f"exportdigest: arxiv: cannot save the cache {cache.path}: {exc}")
    for warning in result.warnings:
        echo_err(f"exportdigest: {warning}")
    enriched = Enriched(entries, result.records, settings.manual)
    return enriched, _summary(enriched, entries, result, run.dry_run)


def _summary(enriched: Enriched, entries: Iterable[Entry], result: Any, dry_run: bool) -> str:
    found = missing = later = 0
    for entry in entries:
        if enriched.record(entry) is not None:
            found += 1
        elif entry.id in result.later:
            later += 1
        else:
            missing += 1
    text = f"arxiv: {found} identified, {missing} not found, {later} left for later"
    return text + (" (dry run: arXiv not asked)" if dry_run and later else "")
