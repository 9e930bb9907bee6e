"""The Zotero target's settings, checked before anything is read or written."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from exportdigest.exporter import TargetUsageError

DEFAULT_API_URL = "https://api.zotero.org"
DEFAULT_COLLECTION = "Paper digests"
_WHERE = "(command line, environment or the [zotero] section of the config file)"


class ZoteroSettings(NamedTuple):  # a NamedTuple: cheaper to define than a dataclass at start-up
    """Where to push and how."""

    library_id: str
    library_type: str
    api_key: str
    api_url: str
    collection: str
    per_day: bool
    force: bool

    @property
    def library(self) -> str:
        """`user 123456` / `group 42`, for messages."""
        return f"{self.library_type} library {self.library_id}"


def read(settings: Mapping[str, Any]) -> ZoteroSettings:
    """Settings from the CLI's option values; TargetUsageError (exit 2) when unusable.

    Messages name the option, never the key's value.
    """
    library_id = str(settings.get("zotero_library_id") or "").strip()
    if not library_id:
        raise TargetUsageError(
            f"zotero needs a library id: --zotero-library-id or ZOTERO_LIBRARY_ID {_WHERE}"
        )
    if not library_id.isdigit():
        raise TargetUsageError(
            "--zotero-library-id must be the library's number (see docs/zotero.md)"
        )
    api_key = str(settings.get("zotero_api_key") or "").strip()
    if not api_key:
        raise TargetUsageError(
            f"zotero needs an API key with write access: ZOTERO_API_KEY {_WHERE}"
        )
    if not re.fullmatch(r"[A-Za-z0-9]+", api_key):
        raise TargetUsageError("the Zotero API key must be letters and digits only")
    api_url = str(settings.get("zotero_api_url") or DEFAULT_API_URL).strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", api_url):
        raise TargetUsageError("--zotero-api-url must be an http(s) URL")
    library_type = str(settings.get("zotero_library_type") or "user")
    if library_type not in ("user", "group"):
        raise TargetUsageError("--zotero-library-type must be user or group")
    collection = " ".join(str(settings.get("zotero_collection") or DEFAULT_COLLECTION).split())
    if not collection:
        raise TargetUsageError("--zotero-collection must not be empty")
    return ZoteroSettings(
        library_id=library_id,
        library_type=library_type,
        api_key=api_key,
        api_url=api_url,
        collection=collection,
        per_day=bool(settings.get("zotero_collection_per_day")),
        force=bool(settings.get("force")),
    )
