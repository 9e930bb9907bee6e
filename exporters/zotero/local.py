"""The Zotero desktop app's local API: its server id, and the key it grants for writes.

Reads need no key. Writes need the `Zotero-Server-ID` the app announces and a key the user
grants in a dialog (`POST /api/local/authorize`: Allow, Always Allow, Deny). Only an
"Always Allow" key is kept, with the server id, in a 0600 file in the state directory;
ZOTERO_LOCAL_API_KEY wins over it. Every refusal is one `LocalRefused` line (exit 2), raised
before anything is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import httpx2

from exportdigest.exporter import TargetUsageError
from exportdigest.http import header_seconds

from .api import ZoteroApi
from .settings import LOCAL_KEY_VARIABLE
from .state import default_dir, write_private

APP_NAME = "exportdigest"
AUTHORIZE_TIMEOUT = 600.0  # the request waits while the dialog is open: give the user time
ENABLE = (
    "enable it in Zotero's Settings → Advanced: \"Allow other applications on this computer "
    'to communicate with Zotero"'
)
NOTHING = "nothing was written"


class LocalRefused(TargetUsageError):
    """The local API cannot be written to; the message is the one line the user sees (exit 2)."""


class Grant(NamedTuple):
    """A kept authorization: the server it is for, and its key."""

    server_id: str
    key: str


class KeyFile:
    """The kept "Always Allow" key of one local API address, readable by the user only."""

    def __init__(self, url: str, folder: Path | None = None) -> None:
        self.url = url.rstrip("/")
        tag = hashlib.sha256(self.url.encode()).hexdigest()[:12]
        self.path = (folder or default_dir()) / f"local-key-{tag}.json"

    def load(self) -> Grant | None:
        """The kept grant, or None (missing or unreadable: asked for again)."""
        try:
            data = json.loads(self.path.read_text("utf-8"))
            if data.get("url") == self.url and data.get("server_id") and data.get("key"):
                return Grant(str(data["server_id"]), str(data["key"]))
        except (OSError, ValueError, AttributeError):
            pass
        return None

    def save(self, grant: Grant) -> None:
        """Keep the grant (mode 0600, atomically)."""
        data = {"url": self.url, "server_id": grant.server_id, "key": grant.key}
        write_private(self.path, json.dumps(data).encode("utf-8"))

    def drop(self) -> None:
        """Forget the kept grant."""
        self.path.unlink(missing_ok=True)


class LocalAccess:
    """Connects to the local API and supplies write keys (the `api.WriteKeys` of a push)."""

    def __init__(
        self,
        api: ZoteroApi,
        key_file: KeyFile,
        env_key: str,
        tell: Callable[[str], None],
        hide: Callable[[str], None],
    ) -> None:
        self.api, self.key_file, self.env_key = api, key_file, env_key
        self.tell, self.hide = tell, hide  # a line on the terminal; a secret to mask
        self.host = api.host
        self._grant: Grant | None = None
        self._key = ""
        self._asked = False

    def connect(self) -> str:
        """Check the app answers with a server id, the one the kept key is for; return it."""
        try:
            reply = self.api.probe()
        except httpx2.ConnectError:
            raise LocalRefused(
                f"Zotero is not running (nothing answers at {self.host}): start Zotero, "
                f"or use the Web API (see docs/zotero.md); {NOTHING}"
            ) from None
        except httpx2.HTTPError as exc:
            raise LocalRefused(
                f"Zotero's local API at {self.host} did not answer ({type(exc).__name__}); "
                f"{NOTHING}"
            ) from None
        if reply.status == 403:
            raise LocalRefused(f"Zotero's local API is off: {ENABLE}; {NOTHING}")
        if reply.status >= 400:
            raise LocalRefused(
                f"Zotero's local API at {self.host} answered HTTP {reply.status} "
                f"{reply.brief}; {NOTHING}"
            )
        server_id = reply.headers.get("zotero-server-id", "").strip()
        if not server_id:
            raise LocalRefused(
                f"this Zotero's local API is read-only (no Zotero-Server-ID): writing needs "
                f"Zotero 10 or newer, or use the Web API (see docs/zotero.md); {NOTHING}"
            )
        grant = self.key_file.load()
        if grant is not None:
            self.hide(grant.key)
            if grant.server_id != server_id and not self.env_key:  # the variable's key wins
                raise LocalRefused(
                    f"Zotero at {self.host} is another Zotero database than the one this "
                    f"machine pushed to (its server id changed): not written into it; if it is "
                    f"the one you mean, delete {self.key_file.path} and run again; {NOTHING}"
                )
        self.api.server_id = server_id
        self._grant = grant
        return server_id

    def key(self) -> str:
        """The key to write with: ZOTERO_LOCAL_API_KEY, the kept one, or one asked for."""
        if not self._key:
            if self.env_key:
                self._key = self.env_key
            elif self._grant is not None:
                self._key = self._grant.key
            else:
                self._key = self._authorize()
        return self._key

    def refused(self) -> None:
        """Zotero refused the key (401): a kept one is dropped and asked for once more."""
        if self.env_key:
            raise LocalRefused(
                f"Zotero refused the key in {LOCAL_KEY_VARIABLE} (revoked?): unset it to be "
                f"asked for a new one; {NOTHING}"
            )
        if self._asked:
            raise LocalRefused(f"Zotero refused the key it granted (HTTP 401); {NOTHING}")
        self.key_file.drop()
        self._grant = None
        self.tell("zotero: Zotero no longer accepts the kept key (revoked); asking again")
        self._key = self._authorize()

    def _authorize(self) -> str:
        self._asked = True
        waiting = _duration(AUTHORIZE_TIMEOUT)
        self.tell(
            f'zotero: Zotero is showing a dialog: choose "Always Allow" to let {APP_NAME} '
            f"write to your library (waiting up to {waiting})"
        )
        try:
            reply = self.api.authorize(APP_NAME, AUTHORIZE_TIMEOUT)
        except httpx2.TimeoutException:
            raise LocalRefused(
                f"Zotero's dialog was not answered in {waiting}; {NOTHING}"
            ) from None
        except httpx2.HTTPError as exc:
            raise LocalRefused(
                f"Zotero's local API at {self.host} stopped answering ({type(exc).__name__}); "
                f"{NOTHING}"
            ) from None
        body = reply.body if isinstance(reply.body, dict) else {}
        if reply.status == 403:
            if body.get("denied"):
                raise LocalRefused(
                    f'Zotero\'s dialog was answered "Deny"; {NOTHING} (run again and choose '
                    f'"Always Allow")'
                )
            raise LocalRefused(f"Zotero's local API is off: {ENABLE}; {NOTHING}")
        if reply.status == 429:
            wait = header_seconds(reply.headers.get("retry-after"))
            later = f"in {wait:.0f} s" if wait is not None else "in a minute"
            raise LocalRefused(
                f"Zotero shows at most five permission dialogs a minute: try again {later}; "
                f"{NOTHING}"
            )
        key = str(body.get("key") or "")
        if reply.status != 200 or not key:
            raise LocalRefused(
                f"Zotero's local API answered the authorization request with HTTP "
                f"{reply.status} {_brief(body) if body else reply.brief}; {NOTHING}"
            )
        self.hide(key)
        if body.get("remember") is not True:
            raise LocalRefused(
                f'"Allow" lets {APP_NAME} make one write and a push makes many: run again and '
                f'choose "Always Allow"; {NOTHING}, the key was not kept'
            )
        self.key_file.save(Grant(self.api.server_id or "", key))
        return key


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def _brief(body: dict[str, Any]) -> str:
    """An answer's JSON without its key, for a message."""
    return json.dumps({k: v for k, v in body.items() if k != "key"})[:200]
