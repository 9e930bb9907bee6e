"""The collection papers are filed into (created when missing), and its per-day sub-collections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from .api import ApiError, ZoteroApi, new_token
from .keys import collection_key
from .remote import Library, check_write


class Collections:
    """Finds, and unless dry-running creates, the collections to file new items into."""

    def __init__(
        self,
        api: ZoteroApi,
        library: Library,
        name: str,
        per_day: bool,
        dry_run: bool,
        tell: Callable[[str], None],
    ) -> None:
        self.api, self.library = api, library
        self.name, self.per_day, self.dry_run, self.tell = name, per_day, dry_run, tell
        self._keys: dict[tuple[str, str | None], str] = {}
        self._existing: list[dict[str, Any]] | None = None

    def resolve(self, days: Iterable[dt.date]) -> None:
        """Find or make the collections for papers of these days (in a dry run: say so)."""
        for day in sorted(set(days)):
            self.key_for(day)

    def key_for(self, day: dt.date) -> str:
        """Key of the collection a paper first posted on `day` goes into (made if missing)."""
        main = self._ensure(self.name, None)
        return self._ensure(day.isoformat(), main) if self.per_day else main

    def _ensure(self, name: str, parent: str | None) -> str:
        if (name, parent) in self._keys:
            return self._keys[(name, parent)]
        if self._existing is None:
            self._existing = self.library.collections()  # one listing for the whole run
        found = _find(self._existing, name, parent)
        if found is None:
            found = collection_key(name, parent)
            where = f" in {self.name}" if parent else ""
            if self.dry_run:
                self.tell(f"  would create collection: {name}{where}")
            else:
                self._create(found, name, parent)
            self._existing.append({"key": found, "name": name, "parentCollection": parent or False})
        self._keys[(name, parent)] = found
        return found

    def _create(self, key: str, name: str, parent: str | None) -> None:
        payload = [{"key": key, "version": 0, "name": name, "parentCollection": parent or False}]
        reply = self.api.post("collections", payload, new_token())
        if reply.status == 412:  # our earlier attempt, or another machine, made it already
            return
        check_write(reply, self.api)
        body = reply.body if isinstance(reply.body, dict) else {}
        failed = body.get("failed") or {}
        if reply.status != 200 or (failed and failed.get("0", {}).get("code") != 412):
            detail = failed.get("0", {}).get("message", "") if failed else reply.brief
            raise ApiError(reply.status, f"cannot create collection {name!r}: {detail}")


def _find(existing: list[dict[str, Any]], name: str, parent: str | None) -> str | None:
    """Key of a live collection called `name` under `parent`; ours first when there are twins."""
    matches = sorted(
        c["key"]
        for c in existing
        if c.get("name") == name
        and (c.get("parentCollection") or None) == parent
        and not c.get("deleted")
    )
    if not matches:
        return None
    ours = collection_key(name, parent)
    return ours if ours in matches else matches[0]
