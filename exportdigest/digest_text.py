"""Writing entries back out as digest text (for tests, benchmarks and sample files)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from .model import Entry


def header(day: dt.date, part: int = 1) -> str:
    """The Korean day header, e.g. `2024년 11월 4일 (1)`."""
    return f"{day.year}년 {day.month}월 {day.day}일 ({part})"


def entry_lines(entry: Entry) -> Iterator[str]:
    """The lines of one entry as a digest writes them (tags line only when it has tags)."""
    yield entry.title
    yield "(" + ", ".join(entry.authors) + ")"
    for block in (entry.abstract, entry.commentary.ko, entry.commentary.en):
        if block:
            yield from block.split("\n")
    if entry.tags:
        yield " ".join("#" + tag for tag in entry.tags)


def render(entries: Iterable[Entry]) -> str:
    """A digest holding the entries, a header before each new day."""
    lines: list[str] = []
    current: dt.date | None = None
    for entry in entries:
        if entry.date != current:
            current = entry.date
            lines.append(header(entry.date))
        lines.extend(entry_lines(entry))
    return "\n".join(lines) + "\n"
