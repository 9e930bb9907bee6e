"""The Zotero target's settings, checked before anything is read or written."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from exportdigest.exporter import TargetUsageError

DEFAULT_API_URL = "https://api.zotero.org"
DEFAULT_LOCAL_URL = "http://127.0.0.1:23119/api"
LOCAL_KEY_VARIABLE = "ZOTERO_LOCAL_API_KEY"  # wins over the key kept in the state directory
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
    local: bool = False  # push to the Zotero desktop app through its local API
    local_url: str = DEFAULT_LOCAL_URL
    local_key: str = ""  # from ZOTERO_LOCAL_API_KEY; else the kept one, else asked for

    @property
    def library(self) -> str:
        """`user 123456` / `group 42`, for messages."""
        if self.local:
            where = "your library" if self.library_type == "user" else f"group {self.library_id}"
            return f"{where} in Zotero desktop"
        return f"{self.library_type} library {self.library_id}"

    @property
    def endpoint(self) -> str:
        """The API's base URL: the Web API server, or the desktop app's local API."""
        return self.local_url if self.local else self.api_url


def read(settings: Mapping[str, Any]) -> ZoteroSettings:
    """Settings from the CLI's option values; TargetUsageError (exit 2) when unusable.

    Messages name the option, never the key's value.
    """
    if settings.get("zotero_local"):
        return _read_local(settings)
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
    return ZoteroSettings(
        library_id=library_id,
        library_type=_library_type(settings),
        api_key=api_key,
        api_url=_url(settings, "zotero_api_url", DEFAULT_API_URL),
        **_filing(settings),
    )


def _read_local(settings: Mapping[str, Any]) -> ZoteroSettings:
    """--zotero-local: no Web API key; the user's own library is `users/0` on the local API."""
    library_type = _library_type(settings)
    library_id = "0"
    if library_type == "group":
        library_id = str(settings.get("zotero_library_id") or "").strip()
        if not library_id.isdigit():
            raise TargetUsageError(
                "--zotero-local with --zotero-library-type group needs the group's number: "
                f"--zotero-library-id or ZOTERO_LIBRARY_ID {_WHERE}"
            )
    local_key = os.environ.get(LOCAL_KEY_VARIABLE, "").strip()
    if local_key and not re.fullmatch(r"[A-Za-z0-9]+", local_key):
        raise TargetUsageError(f"{LOCAL_KEY_VARIABLE} must be letters and digits only")
    return ZoteroSettings(
        library_id=library_id,
        library_type=library_type,
        api_key="",
        api_url=DEFAULT_API_URL,  # not used: the desktop has its own --zotero-local-url
        local=True,
        local_url=_url(settings, "zotero_local_url", DEFAULT_LOCAL_URL),
        local_key=local_key,
        **_filing(settings),
    )


def _url(settings: Mapping[str, Any], name: str, default: str) -> str:
    url = str(settings.get(name) or default).strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", url):
        raise TargetUsageError(f"--{name.replace('_', '-')} must be an http(s) URL")
    return url


def _library_type(settings: Mapping[str, Any]) -> str:
    library_type = str(settings.get("zotero_library_type") or "user")
    if library_type not in ("user", "group"):
        raise TargetUsageError("--zotero-library-type must be user or group")
    return library_type


def _filing(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Where new papers are filed, and --force: the same for both APIs."""
    collection = " ".join(str(settings.get("zotero_collection") or DEFAULT_COLLECTION).split())
    if not collection:
        raise TargetUsageError("--zotero-collection must not be empty")
    return {
        "collection": collection,
        "per_day": bool(settings.get("zotero_collection_per_day")),
        "force": bool(settings.get("force")),
    }
