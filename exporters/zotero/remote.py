"""Reading the library: versions of every item, deletions, items by key, collections."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .api import ApiError, Reply, ZoteroApi

MAX_KEYS = 50  # itemKey= takes at most 50 keys
PAGE = 100  # the API's largest page


class AccessDenied(Exception):
    """The server refused the key or does not know the library (HTTP 403/404)."""


class WriteDenied(Exception):
    """The key may read the library but not write to it (HTTP 403 on a write)."""


def check_write(reply: Reply, api: ZoteroApi) -> None:
    """Raise WriteDenied for an HTTP 403 answer to a write, worded for the API in use."""
    if reply.status == 403:
        who = "Zotero desktop refused the write" if api.local else "the API key may not write"
        raise WriteDenied(f"{who} to this library (HTTP 403)")


def _check(reply: Reply, what: str) -> Reply:
    if reply.status in (403, 404):
        raise AccessDenied(f"{what}: HTTP {reply.status}")
    if reply.status >= 300 and reply.status != 304:
        raise ApiError(reply.status, f"{what}: HTTP {reply.status} {reply.brief}")
    return reply


class Library:
    """The read side of the sync, each read a fixed small number of requests."""

    def __init__(self, api: ZoteroApi) -> None:
        self.api = api

    def versions(self, since: int | None) -> tuple[dict[str, int], int]:
        """{key: version} of every item (trash included) changed after `since`, and the
        library version: one request, whatever the size of the library."""
        reply = _check(
            self.api.get("items", format="versions", includeTrashed=1, since=since),
            "reading the library's item versions",
        )
        if not isinstance(reply.body, dict):
            raise ApiError(reply.status, "item versions: the server's answer is not a JSON object")
        return {k: int(v) for k, v in reply.body.items()}, reply.version or 0

    def deleted_items(self, since: int) -> set[str]:
        """Keys of items deleted from the library after version `since`."""
        reply = _check(self.api.get("deleted", since=since), "reading deleted items")
        body = reply.body if isinstance(reply.body, dict) else {}
        return set(body.get("items", ()))

    def items(self, keys: Iterable[str]) -> Iterator[dict[str, Any]]:
        """The data of the items with these keys that exist (trash included), 50 a request."""
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), MAX_KEYS):
            batch = keys[start : start + MAX_KEYS]
            reply = _check(
                self.api.get(
                    "items",
                    itemKey=",".join(batch),
                    includeTrashed=1,
                    format="json",
                    limit=MAX_KEYS,
                ),
                "reading items",
            )
            for obj in reply.body if isinstance(reply.body, list) else ():
                yield obj["data"]

    def collections(self) -> list[dict[str, Any]]:
        """Every collection's data, a page of 100 a request."""
        found: list[dict[str, Any]] = []
        start = 0
        while True:
            reply = _check(
                self.api.get("collections", format="json", limit=PAGE, start=start),
                "reading collections",
            )
            page = reply.body if isinstance(reply.body, list) else []
            found.extend(obj["data"] for obj in page)
            total = int(reply.headers.get("total-results", len(found)))
            start += len(page)
            if not page or start >= total:
                return found
