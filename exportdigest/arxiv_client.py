"""The one connection to arXiv's API: paced as its terms ask, retried through its faults."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from . import __version__
from .arxiv import DEFAULT_DELAY, DEFAULT_URL
from .arxiv_feed import FeedError, Page, parse
from .http import header_seconds

MAX_URL = 2000  # arXiv's front end refuses much longer query strings
ATTEMPTS = 5
MAX_BACKOFF = 120.0


class Unavailable(Exception):
    """arXiv could not be reached, or kept failing after every retry."""


class Client:
    """GET requests to arXiv's API, never two closer than `delay`, over one connection.

    `sleep` and `clock` are injectable so that tests wait on a fake clock.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        delay: float = DEFAULT_DELAY,
        *,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        attempts: int = ATTEMPTS,
        on_retry: Callable[[str], None] = lambda _line: None,
    ) -> None:
        import httpx2  # here: only a run with --arxiv pays for it

        self.url, self.delay, self.attempts = url, max(0.0, delay), attempts
        self.host = urlsplit(url).netloc or url
        self._sleep, self._clock, self._on_retry = sleep, clock, on_retry
        self._last: float | None = None
        self._not_before = 0.0
        self._retryable = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)
        self._http = httpx2.Client(
            timeout=timeout,
            limits=httpx2.Limits(max_connections=1, max_keepalive_connections=1),
            headers={"User-Agent": f"exportdigest/{__version__}"},
        )

    def close(self) -> None:
        """Close the connection."""
        self._http.close()

    def fits(self, **params: str | int) -> bool:
        """Whether a query with these parameters stays within arXiv's URL length."""
        return len(self.address(**params)) <= MAX_URL

    def address(self, **params: str | int) -> str:
        """The request URL for these parameters."""
        return f"{self.url}?{urlencode(params)}"

    def query(self, **params: str | int) -> Page:
        """One page of results; Unavailable when every attempt failed, FeedError when arXiv
        refused the query itself (HTTP 400 and its error feed)."""
        address = self.address(**params)
        problem = ""
        for attempt in range(self.attempts):
            self._pace()
            self._last = self._clock()
            try:
                response = self._http.get(address)
            except self._retryable as exc:
                problem = f"no answer from {self.host} ({type(exc).__name__})"
                self._back_off(attempt, None, problem)
                continue
            except Exception as exc:  # an unusable URL or proxy: retrying cannot help
                raise Unavailable(f"cannot talk to {self.host} ({type(exc).__name__})") from None
            status = response.status_code
            if status == 400:
                raise FeedError(_error_text(response.content))
            if status != 200:
                problem = f"{self.host} answered HTTP {status}"
                self._back_off(
                    attempt, header_seconds(response.headers.get("retry-after")), problem
                )
                continue
            try:
                page = parse(response.content)
            except FeedError as exc:  # a proxy's page or a cut answer: ask again
                problem = f"{self.host} answered something else than its feed ({exc})"
                self._back_off(attempt, None, problem)
                continue
            if not page.entries and page.total > page.start:
                problem = f"{self.host} answered an empty page of {page.total} results"
                self._back_off(attempt, None, problem)
                continue
            return page
        raise Unavailable(f"{problem}; gave up after {self.attempts} attempts")

    def _pace(self) -> None:
        due = self._not_before
        if self._last is not None:
            due = max(due, self._last + self.delay)
        wait = due - self._clock()
        if wait > 0:
            self._sleep(wait)

    def _back_off(self, attempt: int, retry_after: float | None, problem: str) -> None:
        pause = retry_after if retry_after is not None else max(self.delay, 1.0) * 2**attempt
        pause = min(pause, MAX_BACKOFF)
        self._not_before = self._clock() + pause
        if attempt + 1 < self.attempts:  # said on a terminal and under -v: not a hang
            self._on_retry(f"  arxiv: {problem}; trying again in {pause:.0f} s")


def _error_text(body: bytes) -> str:
    try:
        parse(body)
    except FeedError as exc:
        return str(exc)
    return "HTTP 400"
