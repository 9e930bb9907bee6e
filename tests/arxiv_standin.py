"""A stand-in for arXiv's API (`/api/query`) on 127.0.0.1 (test helper, not a test).

It answers Atom feeds shaped like the real ones (tests/data/arxiv/ holds recorded answers
of the real service, which tests parse too) and follows arXiv's API user manual:

- `search_query` with field prefixes `ti`, `au`, `abs`, `co`, `jr`, `cat`, `rn`, `id`, `all`;
  a term is a word or a phrase in double quotes (the words in order, anywhere in the field:
  a longer title containing the phrase matches, as on arXiv); Boolean `AND`, `OR`, `ANDNOT`
  (left to right) and parentheses; a query it cannot parse (a stray quote, colon or
  parenthesis) is answered with the error feed and HTTP 400;
- `id_list` (comma-separated, versions allowed; a malformed id -> the error feed, HTTP 400;
  with a `search_query` too, only the listed papers that match it);
- `start`, `max_results` (at most 2000 a page), `sortBy` (relevance, lastUpdatedDate,
  submittedDate), `sortOrder` (ascending, descending); a bad value -> the error feed.

Fields are indexed as arXiv spells them, TeX and all: `Schr\\"odinger` is the words `schr`
and `odinger`, so a client must search words it shares with arXiv and compare titles itself.

Faults on demand (`inject`): `status` (e.g. 503 with `Retry-After`), `empty` (a page with no
entries though `totalResults` counts them), `drop` (the connection closes unanswered),
`slow` (the answer waits `seconds`). `requests` records each request's time on the server's
clock (a `FakeClock` shared with the client makes waits instant) and its parameters, and
`violations` lists requests that came closer than `min_gap` seconds, ignored a `Retry-After`,
or opened a second connection while one was open.

Run as a script to serve a corpus (`--corpus DIR`, its truth.jsonl) or digest files
(`--seed FILE ...`, each paper given a made-up id), with the seeding's hazards; it prints
its URL: `EXPORTDIGEST_ARXIV_URL=$(...)`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from loopback import Loopback

FIELDS = {"ti", "au", "abs", "co", "jr", "cat", "rn", "id", "all"}
SORT_BY = {"relevance", "lastUpdatedDate", "submittedDate"}
SORT_ORDER = {"ascending", "descending"}
MAX_PAGE = 2000
ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?$")
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The index's words of a field: letters and digits, lower-cased, as arXiv spells it."""
    return _WORD.findall(text.lower())


@dataclass
class Paper:
    """One arXiv paper as the stand-in serves it."""

    id: str
    title: str
    authors: list[str]
    summary: str = "An abstract."
    version: int = 1
    published: str = "2023-01-10T18:59:59Z"
    updated: str = ""
    primary_category: str = "cs.LG"
    categories: list[str] = field(default_factory=lambda: ["cs.LG"])
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None

    def field_words(self, prefix: str) -> list[list[str]]:
        """The word runs a prefix searches (each author apart, so a phrase stays in one)."""
        if prefix == "ti":
            return [words(self.title)]
        if prefix == "au":
            return [words(a) for a in self.authors]
        if prefix == "abs":
            return [words(self.summary)]
        if prefix == "cat":
            return [words(c) for c in self.categories]
        if prefix == "id":
            return [words(self.id)]
        if prefix == "co":
            return [words(self.comment or "")]
        if prefix == "jr":
            return [words(self.journal_ref or "")]
        if prefix == "rn":
            return [[]]
        return [r for p in ("ti", "au", "abs", "cat", "co", "jr") for r in self.field_words(p)]


class QueryError(Exception):
    """The query cannot be parsed: the error feed."""


# ---- the query language --------------------------------------------------------------------

_TOKEN = re.compile(r'\s*(\(|\)|ANDNOT\b|AND\b|OR\b|(\w+):("[^"]*"|[^\s()"]+)|("[^"]*"|[^\s()"]+))')


def _tokens(query: str) -> list[tuple[str, Any]]:
    tokens, at = [], 0
    query = query.strip()
    while at < len(query):
        match = _TOKEN.match(query, at)
        if not match or match.end() == at:
            raise QueryError(f"malformed query near {query[at : at + 20]!r}")
        at = match.end()
        text = match.group(1)
        if text in ("(", ")"):
            tokens.append((text, None))
        elif text in ("AND", "OR", "ANDNOT"):
            tokens.append(("op", text))
        else:
            prefix, value = (match.group(2), match.group(3)) if match.group(2) else ("all", text)
            if not match.group(2) and ":" in text:
                raise QueryError(f"malformed term {text!r}")
            if prefix not in FIELDS or ":" in value or value.count('"') % 2:
                raise QueryError(f"malformed term {text!r}")
            phrase = words(value.strip('"'))
            if not phrase:
                raise QueryError(f"empty term {text!r}")
            tokens.append(("term", (prefix, phrase)))
        query_rest = query[at:]
        glued = query_rest and not query_rest[0].isspace() and query_rest[0] not in "()"
        if glued and tokens[-1][0] == "term":
            raise QueryError(f"malformed query near {query_rest[:20]!r}")
    return tokens


def parse_query(query: str) -> Any:
    """The query as a tree: ("term", prefix, words) or (op, left, right)."""
    tokens = _tokens(query)
    at = 0

    def primary() -> Any:
        nonlocal at
        if at >= len(tokens):
            raise QueryError("query ends too early")
        kind, value = tokens[at]
        at += 1
        if kind == "(":
            node = expression()
            if at >= len(tokens) or tokens[at][0] != ")":
                raise QueryError("unbalanced parenthesis")
            at += 1
            return node
        if kind == "term":
            return ("term", *value)
        raise QueryError(f"unexpected {value or kind!r}")

    def expression() -> Any:
        nonlocal at
        node = primary()
        while at < len(tokens) and tokens[at][0] != ")":
            kind, value = tokens[at]
            if kind == "op":
                at += 1
                node = (value, node, primary())
            else:  # two terms side by side: both must match
                node = ("AND", node, primary())
        return node

    tree = expression()
    if at != len(tokens):
        raise QueryError("unbalanced parenthesis")
    return tree


def _contains(run: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(run[i : i + n] == phrase for i in range(len(run) - n + 1))


def matches(tree: Any, paper: Paper) -> bool:
    """Whether the paper satisfies the query tree."""
    if tree[0] == "term":
        return any(_contains(run, tree[2]) for run in paper.field_words(tree[1]))
    left, right = matches(tree[1], paper), tree[2]
    if tree[0] == "AND":
        return left and matches(right, paper)
    if tree[0] == "OR":
        return left or matches(right, paper)
    return left and not matches(right, paper)


def _score(tree: Any, paper: Paper) -> float:
    """Relevance: matched phrase words over title length, so an exact title ranks first."""
    if tree[0] == "term":
        if tree[1] == "ti" and _contains(words(paper.title), tree[2]):
            return len(tree[2]) / max(len(words(paper.title)), 1)
        return 0.0
    return max(_score(tree[1], paper), _score(tree[2], paper))


# ---- the server ----------------------------------------------------------------------------


@dataclass
class Fault:
    """One injected misbehaviour for the next `times` requests (after `skip` of them)."""

    kind: str  # status | empty | drop | slow
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    times: int = 1
    skip: int = 0


@dataclass
class Seen:
    """One request as the stand-in received it."""

    at: float
    params: dict[str, str]
    status: int = 0
    length: int = 0  # of the request target (path and query)


class ArxivStandIn(Loopback):
    """arXiv's API on a local port. Use as a context manager; `url` is the query endpoint."""

    def __init__(self, papers: list[Paper] | None = None, *, clock: Any = None) -> None:
        self.papers: dict[str, Paper] = {}
        self.clock = clock
        self.faults: list[Fault] = []
        self.requests: list[Seen] = []
        self.violations: list[str] = []
        self.min_gap = 0.0
        self.rank_titles = True  # False: "relevance" is by id, an exact title gets no lift
        self.not_before = 0.0
        self.open_connections = 0
        self.lock = threading.RLock()
        for paper in papers or ():
            self.add(paper)

    def add(self, paper: Paper) -> None:
        """Put a paper on the stand-in's arXiv."""
        self.papers[paper.id] = paper

    def inject(self, kind: str, **kwargs: Any) -> Fault:
        """Make the next request(s) misbehave (see `Fault`)."""
        fault = Fault(kind, **kwargs)
        self.faults.append(fault)
        return fault

    def now(self) -> float:
        """The server's clock (the shared fake one in tests)."""
        return self.clock.time() if self.clock else time.monotonic()

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        """Serves the requests (see `Loopback`)."""
        return _Handler

    @property
    def url(self) -> str:
        """The API endpoint, like https://export.arxiv.org/api/query."""
        return f"{self.root}/api/query"

    def answer(self, params: dict[str, str]) -> tuple[int, str]:
        """(status, feed) for a query's parameters."""
        try:
            found, start, size = self._select(params)
        except QueryError as exc:
            return 400, error_feed(str(exc))
        return 200, feed(params, found[start : start + size], len(found), start, size)

    def _select(self, params: dict[str, str]) -> tuple[list[Paper], int, int]:
        start = _number(params.get("start", "0"), "start")
        size = _number(params.get("max_results", "10"), "max_results")
        if size > 30000:
            raise QueryError("max_results must not exceed 30000")
        size = min(size, MAX_PAGE)
        sort_by = params.get("sortBy", "relevance")
        order = params.get("sortOrder", "descending")
        if sort_by not in SORT_BY or order not in SORT_ORDER:
            raise QueryError(f"unknown sortBy or sortOrder: {sort_by} {order}")
        query = params.get("search_query", "").strip()
        tree = parse_query(query) if query else None
        listed = [i.strip() for i in params.get("id_list", "").split(",") if i.strip()]
        if listed:
            chosen = []
            for identifier in listed:
                match = ID.match(identifier)
                if not match:
                    raise QueryError(f"incorrect id format for {identifier}")
                paper = self.papers.get(match.group(1))
                if paper is not None and paper not in chosen:
                    chosen.append(paper)
        elif tree is None:
            return [], start, size
        else:
            chosen = list(self.papers.values())
        if tree is not None:
            chosen = [p for p in chosen if matches(tree, p)]
        reverse = order == "descending"
        if sort_by == "relevance" and tree is not None and not listed:
            score = _score if self.rank_titles else lambda _tree, _paper: 0.0
            chosen.sort(key=lambda p: (score(tree, p), p.id), reverse=reverse)
        elif sort_by != "relevance":
            key = "published" if sort_by == "submittedDate" else "updated"
            chosen.sort(key=lambda p: getattr(p, key) or p.published, reverse=reverse)
        return chosen, start, size


def _number(text: str, name: str) -> int:
    if not text.isdigit():
        raise QueryError(f"{name} must be a non-negative integer")
    return int(text)


def _entry(p: Paper) -> str:
    authors = "".join(
        f"\n    <author>\n      <name>{escape(a)}</name>\n    </author>" for a in p.authors
    )
    cats = "".join(
        f'\n    <category term="{escape(c)}" scheme="http://arxiv.org/schemas/atom"/>'
        for c in p.categories
    )
    extra = ""
    if p.doi:
        extra += f"\n    <arxiv:doi>{escape(p.doi)}</arxiv:doi>"
    if p.journal_ref:
        extra += f"\n    <arxiv:journal_ref>{escape(p.journal_ref)}</arxiv:journal_ref>"
    if p.comment:
        extra += f"\n    <arxiv:comment>{escape(p.comment)}</arxiv:comment>"
    v = f"{p.id}v{p.version}"
    return f"""
  <entry>
    <id>http://arxiv.org/abs/{v}</id>
    <title>{escape(p.title)}</title>
    <updated>{p.updated or p.published}</updated>
    <link href="https://arxiv.org/abs/{v}" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{v}" rel="related" type="application/pdf" title="pdf"/>
    <summary>{escape(p.summary)}</summary>{cats}
    <published>{p.published}</published>{extra}
    <arxiv:primary_category term="{escape(p.primary_category)}"/>{authors}
  </entry>"""


_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" \
xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">"""


def feed(params: dict[str, str], papers: list[Paper], total: int, start: int, size: int) -> str:
    """A result page as arXiv writes it."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    query = "&amp;".join(f"{k}={escape(v)}" for k, v in params.items())
    return f"""{_HEAD}
  <id>https://arxiv.org/api/standin</id>
  <title>arXiv Query: {query}</title>
  <updated>{stamp}</updated>
  <opensearch:itemsPerPage>{size}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>{"".join(_entry(p) for p in papers)}
</feed>
"""


def error_feed(message: str) -> str:
    """arXiv's error answer: a feed of one entry titled Error."""
    anchor = re.sub(r"\W+", "_", message.lower()).strip("_")
    return f"""{_HEAD}
  <id>https://arxiv.org/</id>
  <title>arXiv Search Results</title>
  <updated>2026-04-12T22:59:06Z</updated>
  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>
  <opensearch:totalResults>1</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <entry>
    <id>https://arxiv.org/api/errors#{anchor}</id>
    <title>Error</title>
    <updated>2026-04-12T22:59:06Z</updated>
    <link href="https://arxiv.org/api/errors#{anchor}" rel="alternate" type="text/html"/>
    <summary>{escape(message)}</summary>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>
"""


class _Handler(BaseHTTPRequestHandler):
    """Serves GET /api/query; one instance per connection."""

    standin: ArxivStandIn
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    def setup(self) -> None:
        super().setup()
        s = self.standin
        with s.lock:
            s.open_connections += 1
            if s.open_connections > 1:
                s.violations.append("a second connection opened while one was open")

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.standin.lock:
                if not getattr(self, "_uncounted", False):
                    self.standin.open_connections -= 1

    def do_GET(self) -> None:
        s = self.standin
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with s.lock:
            now = s.now()
            seen = Seen(now, params, length=len(self.path))
            if s.requests and now - s.requests[-1].at < s.min_gap - 1e-9:
                s.violations.append(
                    f"request {len(s.requests)} came {now - s.requests[-1].at:.3f}s after the last"
                )
            if now < s.not_before - 1e-9:
                s.violations.append(f"request {len(s.requests)} ignored Retry-After")
            s.requests.append(seen)
            fault = None
            for candidate in s.faults:
                if candidate.times > 0:
                    if candidate.skip:
                        candidate.skip -= 1
                        continue
                    candidate.times -= 1
                    fault = candidate
                    break
        if parts.path.rstrip("/") != "/api/query":
            return self._reply(seen, 404, "Not found", "text/plain")
        if len(self.path) > 2100:  # beyond arXiv's limit: its front end refuses
            s.violations.append(
                f"request {len(s.requests) - 1} is {len(self.path)} characters long"
            )
            return self._reply(seen, 414, "URI too long", "text/plain")
        if fault and fault.kind == "drop":
            self.close_connection = True
            return
        if fault and fault.kind == "slow":
            with s.lock:  # the client may give up and connect again: not a second connection
                s.open_connections -= 1
                self._uncounted = True
            time.sleep(fault.seconds)
        if fault and fault.kind == "status":
            if "Retry-After" in fault.headers:
                with s.lock:
                    s.not_before = s.now() + float(fault.headers["Retry-After"])
            return self._reply(
                seen, fault.status, "Service unavailable", "text/plain", fault.headers
            )
        status, body = s.answer(params)
        if fault and fault.kind == "empty" and status == 200:
            body = re.sub(r"\s*<entry>.*</entry>", "", body, flags=re.S)
        self._reply(seen, status, body, "application/atom+xml; charset=utf-8")

    def _reply(
        self, seen: Seen, status: int, body: str, kind: str, headers: dict | None = None
    ) -> None:
        seen.status = status
        data = body.encode("utf-8")
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
            self.close_connection = True


# ---- seeding: papers with the hazards of the real service ----------------------------------

_TEX_LETTERS = {
    "ö": '\\"o',
    "ü": '\\"u',
    "ä": '\\"a',
    "é": "\\'e",
    "á": "\\'a",
    "í": "\\'i",
    "è": "\\`e",
    "ç": "\\c{c}",
    "ñ": "\\~n",
    "α": "$\\alpha$",
    "β": "$\\beta$",
}


def tex_spelling(title: str) -> str:
    """The title as arXiv's TeX might spell it (accents, Greek), or a TeX-marked word."""
    spelled = "".join(_TEX_LETTERS.get(c, c) for c in title)
    if spelled != title:
        return spelled
    first, _, rest = title.partition(" ")
    return f"{{\\em {first}}} {rest}" if rest else title


def variant(title: str, kind: int) -> str:
    """The title as arXiv spells it for the `kind`th kind of difference (0: the same)."""
    if kind == 1:  # case
        return title.upper() if len(title) < 40 else title.lower()
    if kind == 2:  # punctuation
        return title.replace(": ", " - ").replace("-", "--", 1) + "."
    if kind == 3:  # spacing, as arXiv wraps long titles
        return title.replace(" ", "\n  ", 1).replace(" ", "  ", 1)
    if kind == 4:
        return tex_spelling(title)
    return title


def beyond_folding(title: str) -> str:
    """The title as arXiv might hold another version of it: the subtitle, or a word, gone."""
    head, colon, _rest = title.partition(": ")
    if colon and len(head.split()) >= 2:
        return head
    return title.rsplit(" ", 1)[0] if " " in title else f"{title} Revisited"


def decoy_id(serial: int) -> str:
    """A valid arXiv id that no paper has: month 99 (2399.10000, ..., then 2499.10000, ...)."""
    return f"{2399 + 100 * (serial // 90000)}.{10000 + serial % 90000:05d}"


def seeded(
    papers: list[tuple[str, list[str], str | None]],
) -> tuple[list[Paper], dict[str, str | None]]:
    """Stand-in papers for (title, authors, arXiv id or None) with every hazard, and what a
    correct lookup finds for each title.

    Papers with an id are on arXiv, one in five spelled differently (case, punctuation,
    spacing, TeX), and one in fifty (the 50th, 100th, ...) titled differently beyond any
    folding (`beyond_folding`): a correct lookup leaves those without an id. Around them: a longer title containing the title by the same authors, the
    same title by other authors (for papers not on arXiv as well), and another spelling of the
    title by other authors. Papers without an id are not on arXiv.
    """
    made: list[Paper] = []
    expected: dict[str, str | None] = {}
    serial = 0
    for n, (title, authors, identifier) in enumerate(papers):
        expected[title] = identifier
        others = [f"Decoy{n} Author", "Somebody Else"]
        if identifier:
            spelled = beyond_folding(title) if n % 50 == 49 else variant(title, n % 5)
            made.append(Paper(identifier, spelled, list(authors), primary_category="cs.CL"))
        kinds = n % 4
        if kinds in (0, 3):
            serial += 1
            made.append(Paper(decoy_id(serial), f"{title}: Extended Version", list(authors)))
        if kinds in (1, 3) or not identifier:
            serial += 1
            made.append(Paper(decoy_id(serial), title, others))
        if kinds == 2:
            serial += 1
            made.append(Paper(decoy_id(serial), variant(title, 1), others))
    return made, expected


def from_truth(corpus: Path) -> list[tuple[str, list[str], str | None]]:
    """(title, authors, arXiv id or None) of a corpus's truth.jsonl."""
    import json

    out = []
    for line in (corpus / "truth.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            paper = json.loads(line)
            match = re.search(r"arxiv\.org/abs/([\w./-]+?)(?:v\d+)?$", paper.get("url") or "")
            out.append((paper["title"], paper["authors"], match.group(1) if match else None))
    return out


def from_digests(paths: list[str]) -> list[tuple[str, list[str], str | None]]:
    """(title, authors, a made-up arXiv id) of every paper of some digest files."""
    from exportdigest.inputs import collect
    from exportdigest.reader import Digests

    return [
        (e.title, list(e.authors), f"2411.{10001 + n:05d}")
        for n, e in enumerate(Digests(collect(paths)))
    ]


def point_client(monkeypatch: Any, clock: Any, state: Path, url: str) -> None:
    """The lookup as a user would not notice: the shared fake clock (waits are instant, and
    a day can pass), short timeouts, a private state directory, the stand-in's URL."""
    from exportdigest import enrich

    options = {"sleep": clock.sleep, "clock": clock.time, "timeout": 1.0, "now": clock.time}
    monkeypatch.setattr(enrich, "CLIENT_OPTIONS", options)
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("EXPORTDIGEST_ARXIV_URL", url)


def main(argv: list[str] | None = None) -> int:
    """Serve a seeded stand-in until interrupted, printing its URL first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--corpus", type=Path, help="a corpus folder with truth.jsonl")
    group.add_argument("--seed", nargs="+", help="digest files or folders")
    args = parser.parse_args(argv)
    papers = from_truth(args.corpus) if args.corpus else from_digests(args.seed)
    with ArxivStandIn(seeded(papers)[0]) as server:
        print(server.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
