"""HTTP to the Zotero Web API through pyzotero's client, with the safety pyzotero 1.16 lacks.

pyzotero supplies the configured HTTP client, the auth and API-version headers and the
library's URL. This module adds what its write calls do not do: a write token chosen by the
caller and reused on every retry of the same batch (so a retry after a lost answer cannot
write twice), `Backoff` and `Retry-After` honoured before the next request, exponential
backoff on 5xx and connection errors, and error messages that never carry the API key.

With `local=True` it speaks to the Zotero desktop app's local API (pyzotero's local mode): the
`Zotero-Server-ID` header goes with every request once known, as pyzotero sends it, and a
write carries the local key that `writer` supplies (asked of Zotero when needed).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx2
from pyzotero.zotero import Zotero

from exportdigest.http import header_seconds

RETRY_STATUS = frozenset({409, 429, 500, 502, 503, 504})  # 409: the library is locked
SERVER_MISMATCH = (
    "Zotero-Server-ID does not match"  # the local API's 412 text (as pyzotero reads it)
)
# Transport errors after which a request may be sent again (the write token keeps it safe).
RETRYABLE = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)


class ApiError(Exception):
    """The server answered a request with an error status that retrying will not fix."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ApiUnavailable(Exception):
    """The server could not be reached, or kept failing, after every retry."""


class ServerChanged(Exception):
    """The local API answers for another Zotero database than the one this run began with."""


class WriteKeys(Protocol):
    """Where local-API writes get their key (see `local.LocalAccess`)."""

    def key(self) -> str:
        """The key to write with (may ask Zotero for one)."""

    def refused(self) -> None:
        """Zotero refused the key (HTTP 401): get another once, or raise."""


@dataclass
class Reply:
    """A server answer: status, headers, parsed body, and how many attempts it took."""

    status: int
    headers: dict[str, str]
    body: Any
    attempts: int = 1

    @property
    def brief(self) -> str:
        """The body on one short line, for messages."""
        return " ".join(str(self.body).split())[:200] if self.body else ""

    @property
    def version(self) -> int | None:
        """The `Last-Modified-Version` header (the library version), if sent."""
        value = self.headers.get("last-modified-version")
        return int(value) if value and value.isdigit() else None


@dataclass
class Counters:
    """How many requests went out, for reports and benchmarks."""

    requests: int = 0
    writes: int = 0
    waited: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)


def new_token() -> str:
    """A fresh 32-character write token for one logical batch."""
    return uuid.uuid4().hex


class ZoteroApi:
    """One library on one Zotero server; every request retried and paced as the API asks."""

    def __init__(
        self,
        library_type: str,
        library_id: str,
        api_key: str,
        api_url: str,
        *,
        timeout: float = 30.0,
        write_timeout: float = 120.0,
        attempts: int = 6,
        max_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_wait: Callable[[str], None] | None = None,
        local: bool = False,
    ) -> None:
        self._zot = Zotero(library_id, library_type, api_key or None, local=local)
        self._zot.endpoint = api_url.rstrip("/")
        client = self._zot.client
        assert client is not None  # pyzotero makes one when none is given
        self._client = client
        self.local = local
        self.writer: WriteKeys | None = None  # local API: the source of write keys
        self.base = f"{self._zot.endpoint}/{self._zot.library_type}/{self._zot.library_id}"
        self.host = urlsplit(self._zot.endpoint).netloc or self._zot.endpoint
        self.timeout, self.write_timeout = timeout, write_timeout
        self.attempts, self.max_wait = attempts, max_wait
        self._sleep, self._clock, self._on_wait = sleep, clock, on_wait
        self._not_before = 0.0
        self.counters = Counters()

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def get(self, path: str, **params: Any) -> Reply:
        """GET `path` under the library, with query parameters."""
        return self._send("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, payload: list[dict[str, Any]], token: str) -> Reply:
        """POST objects to `path` with the caller's write token (reused on every retry)."""
        headers = {"Zotero-Write-Token": token}
        if self.writer is None:
            return self._send("POST", path, json=payload, headers=headers)
        while True:
            key = {"Zotero-API-Key": self.writer.key()}
            reply = self._send("POST", path, json=payload, headers={**headers, **key})
            if reply.status != 401:  # 401: no key, or a revoked one; nothing was written
                return reply
            self.writer.refused()

    @property
    def server_id(self) -> str | None:
        """The local API's `Zotero-Server-ID` this run talks to (None for the Web API)."""
        return self._zot.server_id

    @server_id.setter
    def server_id(self, value: str) -> None:
        self._zot.server_id = value

    def probe(self) -> Reply:
        """GET the local API's root (`/api/`), once: it answers with the server id."""
        return self._once("GET", f"{self._zot.endpoint}/", self.timeout)

    def authorize(self, app_name: str, timeout: float) -> Reply:
        """POST /api/local/authorize, once (never retried: each try is a dialog in Zotero)."""
        return self._once(
            "POST", f"{self._zot.endpoint}/local/authorize", timeout, json={"appName": app_name}
        )

    def _once(self, method: str, url: str, timeout: float, **kwargs: Any) -> Reply:
        """One request outside the library's paths; transport errors raised as they come."""
        self._pause_until(self._not_before, "the server asked to back off")
        self.counters.requests += 1
        response = self._client.request(
            method, url, headers=self._headers(), timeout=timeout, **kwargs
        )
        return self._checked(_reply(response, 1), f"{method} {url}")

    def _checked(self, reply: Reply, what: str) -> Reply:
        """The reply, unless it says the local API is now another Zotero database (412)."""
        if self.local and reply.status == 412 and SERVER_MISMATCH in reply.brief:
            raise ServerChanged(f"{what}: {reply.brief}")
        return reply

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = self._zot.default_headers()
        if self.local and self._zot.server_id:  # pyzotero sends it on every local request
            headers["Zotero-Server-ID"] = self._zot.server_id
        return {**headers, **(extra or {})}

    def _send(self, method: str, path: str, **kwargs: Any) -> Reply:
        url = f"{self.base}/{path}"
        what = f"{method} {path.split('?')[0]}"
        headers = self._headers(kwargs.pop("headers", {}))
        timeout = self.write_timeout if method != "GET" else self.timeout
        problem = ""
        for attempt in range(1, self.attempts + 1):
            self._pause_until(self._not_before, "the server asked to back off")
            self.counters.requests += 1
            if method != "GET":
                self.counters.writes += 1
            try:
                response = self._client.request(
                    method, url, headers=headers, timeout=timeout, **kwargs
                )
            except RETRYABLE as exc:
                problem = f"{what}: no answer from {self.host} ({type(exc).__name__})"
                self._retry_pause(attempt, None, problem)
                continue
            except httpx2.HTTPError as exc:
                raise ApiUnavailable(
                    f"{what}: cannot talk to {self.host} ({type(exc).__name__})"
                ) from None
            reply = self._checked(_reply(response, attempt), what)
            backoff = header_seconds(reply.headers.get("backoff"))
            if backoff:
                self._not_before = max(self._not_before, self._clock() + backoff)
            if reply.status in RETRY_STATUS:
                problem = f"{what}: {self.host} answered HTTP {reply.status}"
                retry_after = header_seconds(reply.headers.get("retry-after"))
                if reply.status in (429, 503) and retry_after is None:
                    retry_after = backoff
                self._retry_pause(attempt, retry_after, problem)
                continue
            return reply
        raise ApiUnavailable(f"{problem}; gave up after {self.attempts} attempts")

    def _retry_pause(self, attempt: int, retry_after: float | None, problem: str) -> None:
        if attempt >= self.attempts:
            return
        delay = retry_after if retry_after is not None else min(2.0 ** (attempt - 1), 60.0)
        self._pause_until(self._clock() + delay, problem)

    def _pause_until(self, deadline: float, why: str) -> None:
        delay = deadline - self._clock()
        if delay <= 0:
            return
        if delay > self.max_wait:
            raise ApiUnavailable(f"{why}: asked to wait {delay:.0f} s; try again later")
        if self._on_wait and delay >= 1:
            self._on_wait(f"zotero: waiting {delay:.0f} s ({why})")
        self.counters.waited += delay
        self._sleep(delay)


def _reply(response: Any, attempt: int) -> Reply:
    return Reply(
        response.status_code,
        {k.lower(): v for k, v in response.headers.items()},
        _body(response),
        attempt,
    )


def _body(response: Any) -> Any:
    if "json" in response.headers.get("content-type", ""):
        try:
            return response.json()
        except ValueError:
            return response.text
    return response.text
