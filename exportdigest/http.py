"""What every HTTP client of the tool (Zotero, arXiv) reads the same way from a response."""

from __future__ import annotations


def header_seconds(value: str | None) -> float | None:
    """A `Retry-After` or `Backoff` header's seconds; None when absent or not a number (an
    HTTP date: the client's own backoff applies then)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
