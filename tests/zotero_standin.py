"""A strict, stateful stand-in for the Zotero Web API v3 on 127.0.0.1 (test helper, not a test).

Clients (pyzotero, or the exporter) talk to it over real HTTP at `server.url`; the API sits
at the server's root path, as on api.zotero.org. It keeps one library and enforces the rules
the real service enforces (see /work/shared/docs/zotero.md, copied here as they apply):

- authentication: `Authorization: Bearer KEY` or `Zotero-API-Key`; a wrong key or another
  library -> 403 (a group that does not exist -> 404);
- writes: a JSON array of at most 50 objects (413 beyond); `Zotero-Write-Token` already used
  successfully -> 412; `If-Unmodified-Since-Version` not the library version -> 412;
- object keys: 8 characters of `23456789ABCDEFGHIJKLMNPQRSTUVWXYZ`; an object with a key must
  carry `version` (0 = create, must not exist: 412 if it does; otherwise the current version,
  412 when stale) unless the request has `If-Unmodified-Since-Version` (428 without either);
- items: `itemType` and every field checked against the official schema for that type
  (`tests/data/zotero/schema.json`, zotero-schema v41): a field of another type is refused;
  creators must use the type's creator types, two-field or one-field, not both; tags are
  `{"tag": ..., "type": 0|1}` of at most 255 characters; a note's `parentItem` must be a
  regular item that exists or was created earlier in the same request; child items take no
  collections; collections must exist;
- attachments: `linkMode` one of the four modes, and only `linked_url` kept (the stand-in
  holds no files); `title`, `url`, `accessDate` (the schema's attachment fields),
  `contentType`, `charset`, `note` as text; `filename`/`md5`/`mtime`/`path` refused on a
  linked URL; `parentItem` a regular item; no collections on a child; no change of
  `linkMode` or of item type to or from attachment; `refused_schemes` makes URLs of those
  schemes refused (whether zotero.org takes `obsidian://` is not documented);
- a POST updating an existing object replaces it (fields not sent are cleared), the strict
  reading: a client that does not send back what it read loses data here, visibly;
- versions: each write request that changes anything takes one new library version, given to
  every object it saved; `since=`, `format=versions` (no page limit), `itemKey=` (at most 50),
  `includeTrashed=`, `Last-Modified-Version`, `If-Modified-Since-Version` (304), `/deleted`;
- a 200 for a write lists each object under `successful`, `unchanged` or `failed`.

Faults can be injected per request (see `inject`), and single objects of a write refused
with a code of the test's choice (`refuse`): an error status with headers (429 or 503
with `Retry-After`, 500), a `Backoff` header on a normal answer, a dropped connection before
the request is handled, and "commit then drop/hang/garble": the write is saved, then the
answer is lost, comes too late, or comes mangled. The server also checks the client honours `Backoff`/`Retry-After`: a request that comes
too early is answered 429 and listed in `violations`. Give the server and the client the same
`FakeClock` to make those waits instant in tests.

`ZoteroStandIn(local=True)` is the Zotero desktop app's local API instead (zotero-docs
`web_api/v3/local_api.md`, Zotero 10+), with the same library rules under its own:

- the `/api` prefix (`server.url` ends with it); the user's library is `/api/users/0` (the
  real user id also works, another one is 400); `GET /api/` answers "Nothing to see here.";
- every answer carries `Zotero-Server-ID` (`server_id=None`: an older Zotero, whose local API
  is read-only: no header, writes refused); `enabled=False`: every request 403 with the
  text body `Local API is not enabled`;
- reads need no key; a `Zotero-Server-ID` sent that is not this server's -> 412; a write
  without one -> 428;
- `POST /api/local/authorize` (`{"appName": ...}`, Server-ID required) shows a "dialog"
  answered from `answers` (`allow`, `always`, `deny`; `always` when empty): 200
  `{"key", "remember"}` or 403 `{"denied": true}`; more than five dialogs within a minute of
  the server's clock -> 429 with `Retry-After`; `dialogs` records each appName shown, and
  `dialog_delay` is how long the user takes to answer;
- a write needs a granted key (`Zotero-API-Key` or `Authorization: Bearer`): none or unknown
  -> 401 with `WWW-Authenticate`; keys are not scoped to a library; an "Allow" key is
  consumed by the first write that validates it; `revoke_keys()` is Settings' "Clear Write
  Authorizations"; `restart()` forgets the write tokens (they live in memory only);
- no `/items/new` (no templates) and no rate limits (faults are still injected on demand);
- `load(other)` copies another stand-in's items and collections with local versions of its
  own, as Zotero's sync brings a Web API library down to the desktop.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from loopback import Loopback

ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
KEY_RE = re.compile(f"^[{ALPHABET}]{{8}}$")
SCHEMA_PATH = Path(__file__).parent / "data" / "zotero" / "schema.json"
MAX_WRITE = 50
CHILD_TYPES = ("note", "attachment")  # item types that are not regular items
MAX_KEYS = 50
MAX_TAG = 255
MAX_NAME = 255
SERVER_ID = "sPMHtLD6HHBd"
DIALOGS_PER_MINUTE = 5
# Zotero's attachment link modes (the Web API's `items/new?itemType=attachment&linkMode=...`).
SHARED_PROPERTIES = ("tags", "collections", "relations", "deleted")
LINK_MODES = {"imported_file", "imported_url", "linked_file", "linked_url", "embedded_image"}
ITEM_PARAMS = {"format", "since", "itemKey", "includeTrashed", "limit", "start", "locale", "v"}
COLLECTION_PARAMS = {"format", "since", "limit", "start", "locale", "v"}


class FakeClock:
    """A clock both sides share: `sleep` moves time on at once and remembers each wait."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        """The current fake time in seconds."""
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` (instantly)."""
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@dataclass
class Fault:
    """One injected misbehaviour, applied to the next `times` matching requests."""

    kind: str  # status | drop | commit_then_drop | commit_then_hang | garble | header
    method: str | None = None
    resource: str | None = None  # "items", "collections", "deleted"
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 1.0
    times: int = 1
    skip: int = 0  # let this many matching requests through first
    body: str = "Injected failure"  # the text a `status` fault answers with
    after: Callable[[], None] | None = None  # run once the fault is applied (e.g. a restart)

    def matches(self, method: str, resource: str) -> bool:
        """Whether this fault applies to a request (counting down `skip` first)."""
        if self.times <= 0 or self.method not in (None, method):
            return False
        if self.resource not in (None, resource):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        return True


@dataclass
class Seen:
    """A request as the server saw it."""

    method: str
    resource: str
    query: dict[str, str]
    status: int | None
    objects: int = 0
    token: str | None = None
    body: Any = None  # the parsed JSON of a write
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case


class Reject(Exception):
    """An object of a write is refused with this HTTP code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, dict[str, Any]]:
    """itemType -> {"fields": [...], "creatorTypes": [...]} from the official schema."""
    data = json.loads(path.read_text("utf-8"))
    return {
        t["itemType"]: {
            "fields": [f["field"] for f in t["fields"]],
            "creatorTypes": [c["creatorType"] for c in t["creatorTypes"]],
        }
        for t in data["itemTypes"]
    }


class ZoteroStandIn(Loopback):
    """One Zotero library behind a local HTTP server. Use as a context manager."""

    def __init__(
        self,
        api_key: str = "StandInKey0123456789abcd",
        library_id: str = "475425",
        library_type: str = "user",
        *,
        clock: FakeClock | None = None,
        write_access: bool = True,
        note_filter: Callable[[str], str] | None = None,
        local: bool = False,
        server_id: str | None = SERVER_ID,
    ) -> None:
        self.api_key, self.library_id, self.library_type = api_key, library_id, library_type
        self.local = local
        self.server_id = server_id if local else None
        self.enabled = True  # Settings → Advanced: "Allow other applications ..."
        self.answers: list[str] = []  # how the next dialogs are answered (then "always")
        self.dialogs: list[str] = []  # the appName of each dialog shown
        self.dialog_delay = 0.0  # seconds the user takes to answer (the request waits)
        self.dialog_times: list[float] = []
        self.local_keys: dict[str, bool] = {}  # granted key -> remembered ("Always Allow")
        self.granted: list[str] = []  # every key ever granted (revoked ones too)
        self.clock = clock
        self.write_access = write_access
        self.note_filter = note_filter
        self.schema = load_schema()
        self.all_fields = {f for t in self.schema.values() for f in t["fields"]}
        self.version = 0
        self.items: dict[str, dict[str, Any]] = {}
        self.collections: dict[str, dict[str, Any]] = {}
        self.deleted: dict[str, dict[str, int]] = {"items": {}, "collections": {}}
        self.tokens: set[str] = set()
        self.faults: list[Fault] = []
        self.refuse: dict[str, tuple[int, str]] = {}  # object key -> (code, message) to fail it
        # URL schemes a linked-URL attachment may not carry (whether zotero.org takes any
        # scheme but http(s) is not documented: a test chooses).
        self.refused_schemes: set[str] = set()
        self.requests: list[Seen] = []
        self.violations: list[str] = []
        self.not_before = 0.0
        self.lock = threading.RLock()

    # ---- life cycle -------------------------------------------------------------------------

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        """Serves the requests (see `Loopback`)."""
        return _Handler

    @property
    def url(self) -> str:
        """The API's base URL: the root (Web API), or root + /api (local API)."""
        return f"{self.root}/api" if self.local else self.root

    @property
    def prefix(self) -> str:
        """The library's path prefix, e.g. /users/475425 (local: /api/users/0)."""
        if self.local:
            return (
                "/api/users/0" if self.library_type == "user" else f"/api/groups/{self.library_id}"
            )
        return f"/{self.library_type}s/{self.library_id}"

    def now(self) -> float:
        """The server's clock (the shared fake one in tests)."""
        return self.clock.time() if self.clock else time.monotonic()

    # ---- test controls ----------------------------------------------------------------------

    def restart(self) -> None:
        """Quit and start Zotero again: the library stays, the write tokens are forgotten."""
        with self.lock:
            self.tokens.clear()

    def revoke_keys(self) -> None:
        """Settings → Advanced → "Clear Write Authorizations"."""
        with self.lock:
            self.local_keys.clear()

    def load(self, other: ZoteroStandIn) -> None:
        """Hold `other`'s items and collections (same keys), with versions of this library's
        own, as a sync from zotero.org down to the desktop leaves them."""
        with self.lock:
            for kind in ("collections", "items"):
                store = getattr(self, kind)
                for data in sorted(getattr(other, kind).values(), key=lambda d: d["version"]):
                    self.version += 1
                    store[data["key"]] = {**json.loads(json.dumps(data)), "version": self.version}

    def inject(self, kind: str, **options: Any) -> Fault:
        """Queue a fault (see `Fault`) for the next matching request(s)."""
        fault = Fault(kind, **options)
        with self.lock:
            self.faults.append(fault)
        return fault

    @property
    def writes(self) -> list[Seen]:
        """The write requests received (faulted ones included)."""
        return [r for r in self.requests if r.method != "GET"]

    def reset_log(self) -> None:
        """Forget the request log (not the library)."""
        with self.lock:
            self.requests.clear()

    def top_items(self) -> list[dict[str, Any]]:
        """Regular items (not notes or attachments), trash included."""
        return [d for d in self.items.values() if d["itemType"] not in CHILD_TYPES]

    def children(self, key: str) -> list[dict[str, Any]]:
        """Child items of `key`."""
        return [d for d in self.items.values() if d.get("parentItem") == key]

    def user_edit(self, key: str, **changes: Any) -> None:
        """Change an item as the user would in Zotero (new library version)."""
        with self.lock:
            data = self.items[key]
            data.update(changes)
            self._bump(data)

    def user_trash(self, key: str) -> None:
        """Move an item to the trash, as the user would."""
        self.user_edit(key, deleted=1)

    def user_delete(self, key: str) -> None:
        """Delete an item and its children for good, as emptying the trash would."""
        with self.lock:
            self.version += 1
            for child in [d["key"] for d in self.children(key)]:
                del self.items[child]
                self.deleted["items"][child] = self.version
            del self.items[key]
            self.deleted["items"][key] = self.version

    def user_create_collection(self, name: str, parent: str | None = None) -> str:
        """Make a collection as the user would; returns its key."""
        with self.lock:
            self.version += 1
            key = self._new_key()
            self.collections[key] = {
                "key": key,
                "version": self.version,
                "name": name,
                "parentCollection": parent or False,
                "relations": {},
            }
            return key

    def _bump(self, data: dict[str, Any]) -> None:
        self.version += 1
        data["version"] = self.version
        data["dateModified"] = _stamp()

    def _new_key(self) -> str:
        while True:
            key = "".join(secrets.choice(ALPHABET) for _ in range(8))
            if key not in self.items and key not in self.collections:
                return key

    # ---- reads ------------------------------------------------------------------------------

    def wrap(self, data: dict[str, Any], kind: str) -> dict[str, Any]:
        """The full JSON object the API returns for an item or collection."""
        meta: dict[str, Any] = {}
        if kind == "items" and data["itemType"] not in CHILD_TYPES:
            meta["numChildren"] = len(self.children(data["key"]))
        if kind == "collections":
            meta["numItems"] = sum(
                1 for d in self.items.values() if data["key"] in d.get("collections", ())
            )
        return {
            "key": data["key"],
            "version": data["version"],
            "library": {"type": self.library_type, "id": int(self.library_id), "name": "lib"},
            "links": {"self": {"href": f"{self.root}{self.prefix}/{kind}/{data['key']}"}},
            "meta": meta,
            "data": json.loads(json.dumps(data)),
        }

    def list_objects(self, kind: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        """GET items / collections with the supported parameters."""
        allowed = ITEM_PARAMS if kind == "items" else COLLECTION_PARAMS
        unknown = set(query) - allowed
        if unknown:
            return 400, f"Unsupported parameter(s) {sorted(unknown)} in the stand-in", {}
        fmt = query.get("format", "json")
        if fmt not in ("json", "versions", "keys"):
            return 400, f"Invalid 'format' value '{fmt}'", {}
        try:
            since = int(query["since"]) if "since" in query else None
            start = int(query.get("start", 0))
            limit = int(query["limit"]) if "limit" in query else None
        except ValueError:
            return 400, "since, start and limit must be integers", {}
        if limit is not None and not 1 <= limit <= 100 and fmt == "json":
            return 400, "'limit' must be between 1 and 100", {}
        store = self.items if kind == "items" else self.collections
        chosen = list(store.values())
        if "itemKey" in query:
            keys = [k for k in query["itemKey"].split(",") if k]
            if len(keys) > MAX_KEYS:
                return 400, f"itemKey takes at most {MAX_KEYS} keys", {}
            wanted = set(keys)
            chosen = [d for d in chosen if d["key"] in wanted]
        if kind == "items" and query.get("includeTrashed", "0") not in ("1", "true"):
            chosen = [d for d in chosen if not d.get("deleted")]
        if since is not None:
            chosen = [d for d in chosen if d["version"] > since]
        total = len(chosen)
        if fmt == "json" and limit is None:
            limit = 25
        page = chosen[start : start + limit] if limit is not None else chosen[start:]
        headers = {"Total-Results": str(total)}
        if limit is not None and start + limit < total:
            following = dict(query, start=str(start + limit))
            headers["Link"] = (
                f'<{self.root}{self.prefix}/{kind}?{urlencode(following)}>; rel="next"'
            )
        if fmt == "versions":
            return 200, {d["key"]: d["version"] for d in page}, headers
        if fmt == "keys":
            return 200, "\n".join(d["key"] for d in page), headers
        return 200, [self.wrap(d, kind) for d in page], headers

    def deleted_since(self, query: dict[str, str]) -> tuple[int, Any]:
        """GET deleted?since=N."""
        if "since" not in query or not query["since"].isdigit():
            return 400, "'since' must be provided"
        since = int(query["since"])
        return 200, {
            "collections": [k for k, v in self.deleted["collections"].items() if v > since],
            "items": [k for k, v in self.deleted["items"].items() if v > since],
            "searches": [],
            "tags": [],
            "settings": [],
        }

    # ---- writes -----------------------------------------------------------------------------

    def write(self, kind: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        """POST items / collections: the whole request, as the API processes it."""
        if not isinstance(body, list):
            return 400, "Uploaded data must be a JSON array"
        if len(body) > MAX_WRITE:
            return 413, f"Only {MAX_WRITE} objects can be saved in a single request"
        token = headers.get("zotero-write-token")
        if token is not None and not re.fullmatch(r"[0-9A-Za-z]{32}", token):
            return 400, "Invalid Zotero-Write-Token"
        if token is not None and token in self.tokens:
            return 412, "Write token already used"
        precondition = headers.get("if-unmodified-since-version")
        if precondition is not None:
            if not precondition.isdigit():
                return 400, "Invalid If-Unmodified-Since-Version"
            if int(precondition) != self.version:
                return 412, f"Library has been modified since specified version ({self.version})"
        new_version = self.version + 1
        result: dict[str, dict[str, Any]] = {
            "successful": {},
            "success": {},
            "unchanged": {},
            "failed": {},
        }
        changed = False
        for index, obj in enumerate(body):
            slot = str(index)
            try:
                refused = self.refuse.get(obj.get("key")) if isinstance(obj, dict) else None
                if refused:
                    raise Reject(*refused)
                key, data = self._save(kind, obj, precondition is not None, new_version)
            except Reject as reject:
                key = obj.get("key") if isinstance(obj, dict) else None
                result["failed"][slot] = {"key": key, "code": reject.code, "message": str(reject)}
                continue
            if data is None:
                result["unchanged"][slot] = key
            else:
                changed = True
                result["successful"][slot] = self.wrap(data, kind)
                result["success"][slot] = key
        if changed:
            self.version = new_version
        if token is not None:
            self.tokens.add(token)
        return 200, result

    def _save(
        self, kind: str, obj: Any, has_precondition: bool, new_version: int
    ) -> tuple[str, dict[str, Any] | None]:
        """Validate and store one object; (key, data) or (key, None) when unchanged."""
        if not isinstance(obj, dict):
            raise Reject(400, "Object must be a JSON object")
        store = self.items if kind == "items" else self.collections
        key = obj.get("key")
        if key is not None and (not isinstance(key, str) or not KEY_RE.match(key)):
            raise Reject(400, f"Invalid key '{key}'")
        existing = store.get(key) if key else None
        if "version" in obj and (not isinstance(obj["version"], int) or obj["version"] < 0):
            raise Reject(400, "Invalid version")
        if key is not None:
            if "version" not in obj and not has_precondition:
                raise Reject(
                    428,
                    "Either If-Unmodified-Since-Version or object version property must be "
                    "provided for key-based writes",
                )
            if existing is not None and "version" in obj and obj["version"] != existing["version"]:
                if obj["version"] == 0:
                    raise Reject(412, f"{kind[:-1].title()} {key} already exists")
                raise Reject(
                    412,
                    f"{kind[:-1].title()} has been modified since specified version "
                    f"(expected {obj['version']}, found {existing['version']})",
                )
            if existing is None and obj.get("version", 0) != 0:
                raise Reject(404, f"{kind[:-1].title()} {key} doesn't exist")
        data = self._item(obj, existing) if kind == "items" else self._collection(obj)
        key = key or self._new_key()
        data["key"] = key
        if existing is not None and _same(existing, data):
            return key, None
        data["version"] = new_version
        if kind == "items":
            data["dateAdded"] = existing["dateAdded"] if existing else _stamp()
            data["dateModified"] = _stamp()
        store[key] = data
        self.deleted[kind].pop(key, None)
        return key, data

    def _item(self, obj: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
        item_type = obj.get("itemType")
        if item_type is None:
            raise Reject(400, "'itemType' property not provided")
        if item_type not in self.schema:
            raise Reject(400, f"'{item_type}' is not a valid itemType")
        if existing and (existing["itemType"] == "note") != (item_type == "note"):
            raise Reject(400, "Cannot change item type between note and regular item")
        if existing and (existing["itemType"] == "attachment") != (item_type == "attachment"):
            raise Reject(400, "Cannot change item type to or from attachment")
        if item_type == "attachment":
            return self._attachment(obj, existing)
        spec = self.schema[item_type]
        note = item_type == "note"
        for name, value in obj.items():
            if name in ("key", "version", "itemType", "dateAdded", "dateModified"):
                continue
            if name in spec["fields"]:
                if not isinstance(value, str):
                    raise Reject(400, f"'{name}' must be a string")
            elif name == "creators" and not note:
                self._check_creators(value, spec["creatorTypes"])
            elif name in SHARED_PROPERTIES:
                self._check_shared(name, value, obj)
            elif name == "parentItem" and note:
                self._check_parent(value)
            elif name == "note" and note:
                if not isinstance(value, str):
                    raise Reject(400, "'note' must be a string")
            elif name in self.all_fields:
                raise Reject(400, f"'{name}' is not a valid field for type '{item_type}'")
            else:
                raise Reject(400, f"Invalid property '{name}'")
        data: dict[str, Any] = {"itemType": item_type}
        if note:
            text = obj.get("note", "")
            data["note"] = self.note_filter(text) if self.note_filter else text
            if obj.get("parentItem"):
                data["parentItem"] = obj["parentItem"]
        else:
            for name in spec["fields"]:
                data[name] = obj.get(name, "")
            data["creators"] = [dict(c) for c in obj.get("creators", [])]
        return self._with_shared(obj, data)

    def _attachment(self, obj: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
        """A linked-URL attachment, as the Web API takes it (files are not stood in for)."""
        mode = obj.get("linkMode")
        if mode not in LINK_MODES:
            raise Reject(400, f"'{mode}' is not a valid linkMode")
        if mode != "linked_url":
            raise Reject(400, f"the stand-in keeps no files: linkMode '{mode}' is not supported")
        if existing and existing["linkMode"] != mode:
            raise Reject(400, "Cannot change attachment linkMode")
        spec = self.schema["attachment"]
        for name, value in obj.items():
            if name in ("key", "version", "itemType", "dateAdded", "dateModified", "linkMode"):
                continue
            if name in spec["fields"] or name in ("contentType", "charset", "note"):
                if not isinstance(value, str):
                    raise Reject(400, f"'{name}' must be a string")
            elif name in ("filename", "md5", "mtime", "path"):
                raise Reject(400, f"'{name}' is not valid for linked_url attachments")
            elif name == "parentItem":
                self._check_parent(value)
            elif name in SHARED_PROPERTIES:
                self._check_shared(name, value, obj)
            elif name in self.all_fields:
                raise Reject(400, f"'{name}' is not a valid field for type 'attachment'")
            else:
                raise Reject(400, f"Invalid property '{name}'")
        scheme = str(obj.get("url", "")).partition(":")[0].lower()
        if scheme in self.refused_schemes:
            raise Reject(400, f"Invalid URL scheme '{scheme}'")
        data: dict[str, Any] = {"itemType": "attachment", "linkMode": mode}
        if obj.get("parentItem"):
            data["parentItem"] = obj["parentItem"]
        for name in (*spec["fields"], "note", "contentType", "charset"):
            data[name] = obj.get(name, "")
        return self._with_shared(obj, data)

    def _check_shared(self, name: str, value: Any, obj: dict[str, Any]) -> None:
        """The properties every item type takes: tags, collections, relations, deleted."""
        if name == "tags":
            _check_tags(value)
        elif name == "collections":
            self._check_collections(value, obj)
        elif name == "relations" and not isinstance(value, dict):
            raise Reject(400, "'relations' must be an object")
        elif name == "deleted" and value not in (0, 1, True, False):
            raise Reject(400, "'deleted' must be 0 or 1")

    @staticmethod
    def _with_shared(obj: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        """`data` with the shared properties as the server stores them (no collections on a
        child)."""
        data["tags"] = [
            {"tag": t["tag"], **({"type": 1} if int(t.get("type", 0)) == 1 else {})}
            for t in _unique_tags(obj.get("tags", []))
        ]
        if not data.get("parentItem"):
            data["collections"] = list(dict.fromkeys(obj.get("collections", [])))
        data["relations"] = obj.get("relations", {})
        if obj.get("deleted"):
            data["deleted"] = 1
        return data

    def _check_creators(self, value: Any, allowed: list[str]) -> None:
        if not isinstance(value, list):
            raise Reject(400, "'creators' must be an array")
        for person in value:
            if not isinstance(person, dict):
                raise Reject(400, "creator must be an object")
            if person.get("creatorType") not in allowed:
                raise Reject(400, f"'{person.get('creatorType')}' is not a valid creator type")
            names = set(person) - {"creatorType"}
            if names == {"name"}:
                parts = [person["name"]]
            elif names == {"firstName", "lastName"}:
                parts = [person["firstName"], person["lastName"]]
            else:
                raise Reject(400, f"creator must have 'name' or 'firstName'+'lastName': {names}")
            if not all(isinstance(p, str) for p in parts) or not "".join(parts).strip():
                raise Reject(400, "creator name must be non-empty text")
            if any(len(p) > MAX_NAME for p in parts):
                raise Reject(400, "creator name too long")

    def _check_collections(self, value: Any, obj: dict[str, Any]) -> None:
        if not isinstance(value, list):
            raise Reject(400, "'collections' must be an array")
        if value and obj.get("parentItem"):
            raise Reject(400, "Child items cannot be assigned to collections")
        for key in value:
            if key not in self.collections:
                raise Reject(409, f"Collection {key} doesn't exist")

    def _check_parent(self, value: Any) -> None:
        if value is False:
            return
        parent = self.items.get(value) if isinstance(value, str) else None
        if parent is None:
            raise Reject(400, f"Parent item {value} doesn't exist")
        if parent["itemType"] in CHILD_TYPES or parent.get("parentItem"):
            raise Reject(400, "Parent item must be a regular item")

    def _collection(self, obj: dict[str, Any]) -> dict[str, Any]:
        for name in obj:
            if name not in ("key", "version", "name", "parentCollection", "relations"):
                raise Reject(400, f"Invalid property '{name}'")
        name = obj.get("name")
        if not isinstance(name, str) or not name.strip():
            raise Reject(400, "Collection name cannot be empty")
        parent = obj.get("parentCollection", False)
        if parent not in (False, None, "") and parent not in self.collections:
            raise Reject(409, f"Parent collection {parent} doesn't exist")
        return {
            "name": name,
            "parentCollection": parent or False,
            "relations": obj.get("relations", {}),
        }


def _check_tags(value: Any) -> None:
    if not isinstance(value, list):
        raise Reject(400, "'tags' must be an array")
    for tag in value:
        if not isinstance(tag, dict) or set(tag) - {"tag", "type"}:
            raise Reject(400, "tag must be an object with 'tag' and optional 'type'")
        name = tag.get("tag")
        if not isinstance(name, str) or not name.strip():
            raise Reject(400, "Tag cannot be empty")
        if len(name) > MAX_TAG:
            raise Reject(400, f"Tag '{name[:20]}…' is too long")
        if tag.get("type", 0) not in (0, 1, "0", "1"):
            raise Reject(400, "Invalid tag type")


def _unique_tags(tags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for tag in tags:
        seen.setdefault(tag["tag"], tag)
    return list(seen.values())


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    skip = {"version", "dateAdded", "dateModified"}
    return {k: v for k, v in old.items() if k not in skip} == {
        k: v for k, v in new.items() if k not in skip
    }


def _key_in(headers: dict[str, str]) -> str:
    """The API key a request carries (`Zotero-API-Key` or `Authorization: Bearer`)."""
    return headers.get("zotero-api-key") or headers.get("authorization", "").removeprefix("Bearer ")


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the stand-in; one instance per connection."""

    standin: ZoteroStandIn
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        s = self.standin
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = parts.path.rstrip("/")
        if s.local:  # the logged-in user's own id means the same library as 0
            path = path.replace(f"/api/users/{s.library_id}/", "/api/users/0/", 1)
        resource = path[len(s.prefix) + 1 :] if path.startswith(s.prefix + "/") else path
        seen = Seen(method, resource, query, None, token=headers.get("zotero-write-token"))
        seen.headers = headers
        with s.lock:
            s.requests.append(seen)
            early = s.not_before - s.now()
            if early > 0:
                s.violations.append(f"{method} {resource} came {early:.2f}s before the wait ended")
                return self._reply(seen, 429, "Too early", {"Retry-After": f"{early:.3f}"})
            fault = next((f for f in s.faults if f.matches(method, resource)), None)
            if fault:
                fault.times -= 1
        if fault and fault.kind == "drop":
            self.close_connection = True
            return
        if fault and fault.kind == "status":
            self._pace(fault.headers)
            return self._reply(seen, fault.status, fault.body, fault.headers)
        status, body, extra = self._serve(method, path, resource, query, headers, raw, seen)
        if fault and fault.kind in ("commit_then_drop", "commit_then_hang"):
            if fault.kind == "commit_then_hang":
                time.sleep(fault.hang)
            if fault.after:
                fault.after()
            self.close_connection = True
            return
        if fault and fault.kind == "garble":  # committed, then a proxy mangles the answer
            return self._reply(seen, 200, "<html>Bad gateway</html>", {})
        if fault and fault.kind == "header":
            extra.update(fault.headers)
            self._pace(fault.headers)
        self._reply(seen, status, body, extra)

    def _pace(self, headers: dict[str, str]) -> None:
        """Remember the wait a Backoff / Retry-After header asks of the client."""
        s = self.standin
        for name in ("Backoff", "Retry-After"):
            if name in headers:
                with s.lock:
                    s.not_before = max(s.not_before, s.now() + float(headers[name]))

    def _serve(self, method, path, resource, query, headers, raw, seen):
        s = self.standin
        if s.local and path == "/api/local/authorize" and s.dialog_delay:
            time.sleep(s.dialog_delay)  # the dialog is open; other requests are still served
        with s.lock:
            gate = self._local_gate if s.local else self._web_gate
            answer = gate(method, path, resource, headers, raw)
        if answer is not None:
            return answer
        with s.lock:
            extra = {"Last-Modified-Version": str(s.version)}
            if method == "GET":
                since = headers.get("if-modified-since-version")
                if since is not None and since.isdigit() and s.version <= int(since):
                    return 304, "", extra
                if resource in ("items", "collections"):
                    status, body, more = s.list_objects(resource, query)
                    extra.update(more)
                    return status, body, extra
                if resource == "deleted":
                    status, body = s.deleted_since(query)
                    return status, body, extra
                kind, _, key = resource.partition("/")
                store = {"items": s.items, "collections": s.collections}.get(kind)
                if store is not None and key in store:
                    return 200, s.wrap(store[key], kind), extra
                return 404, "Not found", extra
            if method != "POST" or resource not in ("items", "collections"):
                return 405, "Method not supported by the stand-in", extra
            if not s.write_access:
                return 403, "Write access denied", extra
            if "application/json" not in headers.get("content-type", ""):
                return 400, "Content-Type must be application/json", extra
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                return 400, "Invalid JSON", extra
            seen.objects = len(body) if isinstance(body, list) else 1
            seen.body = body
            status, result = s.write(resource, body, headers)
            extra["Last-Modified-Version"] = str(s.version)
            return status, result, extra

    def _web_gate(self, method, path, resource, headers, raw):
        """The Web API's key check: None when the request may go on to the library."""
        s = self.standin
        given = _key_in(headers)
        if given != s.api_key:
            return 403, "Invalid key" if given else "Forbidden", {}
        if not path.startswith(s.prefix + "/"):
            if path.startswith("/groups/") and s.library_type == "user":
                return 404, "Group not found", {}
            return 403, "Forbidden", {}
        return None

    def _local_gate(self, method, path, resource, headers, raw):
        """The local API's rules before the library: None when the request may go on."""
        s = self.standin
        if not s.enabled:
            return 403, "Local API is not enabled", {}
        raw_path = urlsplit(self.path).path
        if raw_path == "/api/" and method == "GET":
            return 200, "Nothing to see here.", {}
        writing = method != "GET"
        if s.server_id is None:  # an older Zotero: its local API only reads
            if path == "/api/local/authorize":
                return 404, "No endpoint found", {}
            if writing:
                return 400, "Endpoint does not support method", {}
        else:
            given = headers.get("zotero-server-id")
            if given is not None and given != s.server_id:
                return 412, "Zotero-Server-ID does not match", {}
            if writing and given is None:
                return 428, "Zotero-Server-ID not provided", {}
        if path == "/api/local/authorize":
            return self._authorize(raw) if method == "POST" else (400, "POST only", {})
        if path.startswith("/api/users/") and not path.startswith(s.prefix + "/"):
            return 400, "Only data for the logged-in user is available locally -- use userID 0", {}
        if not path.startswith(s.prefix + "/") or resource == "items/new":  # no templates
            return 404, "Not found", {}
        if writing:
            key = _key_in(headers)
            challenge = {"WWW-Authenticate": 'Zotero-API-Key realm="Zotero Local API"'}
            if not key:
                return 401, "API key required -- POST /api/local/authorize to obtain one", challenge
            if key not in s.local_keys:
                return 401, "Invalid or expired API key", challenge
            if not s.local_keys[key]:  # "Allow": good for the one write that validates it
                del s.local_keys[key]
        return None

    def _authorize(self, raw: bytes):
        """POST /api/local/authorize: a dialog, answered as the test set (at most 5 a minute)."""
        s = self.standin
        try:
            app = json.loads(raw.decode("utf-8")).get("appName")
        except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            app = None
        if not isinstance(app, str) or not app.strip():
            return 400, "appName not provided", {}
        now = s.now()
        recent = [t for t in s.dialog_times if now - t < 60]
        if len(recent) >= DIALOGS_PER_MINUTE:
            wait = max(1, int(60 - (now - recent[0]) + 0.999))
            return 429, "Too many authorization requests", {"Retry-After": str(wait)}
        s.dialog_times.append(now)
        s.dialogs.append(app)
        answer = s.answers.pop(0) if s.answers else "always"
        if answer == "deny":
            return 403, {"denied": True}, {}
        key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        s.local_keys[key] = answer == "always"
        s.granted.append(key)
        return 200, {"key": key, "remember": answer == "always"}, {}

    def _reply(self, seen: Seen, status: int, body: Any, headers: dict[str, str]) -> None:
        seen.status = status
        if isinstance(body, str):
            data, kind = body.encode("utf-8"), "text/plain; charset=utf-8"
        else:
            data, kind = json.dumps(body).encode("utf-8"), "application/json"
        self.send_response(status)
        self.send_header("Zotero-API-Version", "3")
        if self.standin.server_id:
            self.send_header("Zotero-Server-ID", self.standin.server_id)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if status != 304:
            self.wfile.write(data)


# ---- helpers shared by the Zotero tests and the benchmark ------------------------------------


def many_entries(seed: list, count: int, start: dt.date = dt.date(2024, 11, 4)) -> list:
    """`count` distinct papers made from the seed entries: unique titles, ten per day."""
    from dataclasses import replace

    from exportdigest.model import paper_id

    made = []
    for i in range(count):
        base = seed[i % len(seed)]
        title = f"{base.title} (variant {i})"
        day = start + dt.timedelta(days=i // 10)
        made.append(replace(base, id=paper_id(title), title=title, date=day))
    return made


def write_digest(path: Path, entries: list) -> Path:
    """Write entries as digest text (one header per day) at `path`; returns the path."""
    from exportdigest.digest_text import render

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(entries), "utf-8")
    return path


@pytest.fixture
def clock() -> FakeClock:
    """The fake clock the stand-in and the exporter share (waits take no time)."""
    return FakeClock()


def _point_exporter(clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The exporter as a user would not notice: the shared clock, short HTTP timeouts, a
    private state directory, no proxy, no local key from the developer's environment."""
    from exportdigest.exporters.zotero import ZoteroExporter

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for name in ("ZOTERO_LOCAL_API_KEY", "ZOTERO_LOCAL_URL"):
        monkeypatch.delenv(name, raising=False)
    options = {"sleep": clock.sleep, "clock": clock.time, "timeout": 1.0, "write_timeout": 1.0}
    monkeypatch.setattr(ZoteroExporter, "api_options", options)


@pytest.fixture
def standin(clock, tmp_path, monkeypatch):
    """A running stand-in library (Web API), with the exporter pointed at it."""
    _point_exporter(clock, tmp_path, monkeypatch)
    with ZoteroStandIn(clock=clock) as server:
        yield server


@pytest.fixture
def desktop(clock, tmp_path, monkeypatch):
    """A running stand-in of the Zotero desktop app's local API, the exporter pointed at it."""
    _point_exporter(clock, tmp_path, monkeypatch)
    with ZoteroStandIn(clock=clock, local=True) as server:
        yield server


@pytest.fixture
def push_local(run_cli, desktop):
    """Run `exportdigest -t zotero --zotero-local ARGS...` against the desktop stand-in."""

    def run(*args: str, env: dict | None = None):
        return run_cli(
            "-t", "zotero", "--zotero-local", "--zotero-local-url", desktop.url, *args, env=env
        )

    return run


@pytest.fixture
def push(run_cli, standin):
    """Run `exportdigest -t zotero ARGS...` against the stand-in (key from ZOTERO_API_KEY)."""

    def run(*args: str, key: str | None = None, library_id: str | None = None):
        return run_cli(
            "-t",
            "zotero",
            "--zotero-library-id",
            library_id or standin.library_id,
            "--zotero-api-url",
            standin.url,
            *args,
            env={"ZOTERO_API_KEY": key or standin.api_key},
        )

    return run


@pytest.fixture
def big_digest(seed_entries, tmp_path):
    """A function: the path of a digest of `n` distinct papers made from the seed (10 a day)."""

    def make(n: int) -> Path:
        return write_digest(tmp_path / "generated" / f"{n}.txt", many_entries(seed_entries, n))

    return make
