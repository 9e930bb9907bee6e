"""Identify 1,000 papers on the arXiv stand-in: requests and wall time, first lookup and re-run.

The server is the stand-in the tests use (tests/arxiv_standin.py), on 127.0.0.1 with real
HTTP, seeded with the papers and their hazards (other spellings, longer titles, the same
title by other authors). The papers are the seed digest's ten, repeated with unique titles.
The delay between requests is set small (--arxiv-delay 0.05 s) so the run is short; what the
real 3 s delay implies is the request count times 3 s, printed too.
Usage: python bench/bench_arxiv.py [PAPERS] [DELAY]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1"

from arxiv_standin import ArxivStandIn, seeded  # noqa: E402
from zotero_standin import many_entries  # noqa: E402

from exportdigest import enrich  # noqa: E402
from exportdigest.exporter import Run  # noqa: E402
from exportdigest.inputs import collect  # noqa: E402
from exportdigest.reader import Digests  # noqa: E402

SEED = ROOT / "tests" / "data" / "2024-11-04.txt"


def lookup(server: ArxivStandIn, entries: list, delay: float) -> tuple[int, float, str]:
    """(requests, seconds, summary) of one lookup of every entry."""
    before = len(server.requests)
    settings = enrich.Settings(lookup=True, url=server.url, delay=delay)
    start = time.perf_counter()
    _entries, summary = enrich.enrich(entries, settings, Run(verbosity=-1))
    return len(server.requests) - before, time.perf_counter() - start, summary or ""


def main(argv: list[str]) -> int:
    count = int(argv[1]) if len(argv) > 1 else 1000
    delay = float(argv[2]) if len(argv) > 2 else 0.05
    entries = many_entries(list(Digests(collect([str(SEED)]))), count)
    papers = [(e.title, list(e.authors), f"2412.{10001 + i:05d}") for i, e in enumerate(entries)]
    stand_in, _expected = seeded(papers)
    with tempfile.TemporaryDirectory() as state, ArxivStandIn(stand_in) as server:
        os.environ["XDG_STATE_HOME"] = state
        print(f"{count} papers, {len(stand_in)} on the stand-in, delay {delay} s")
        for name in ("first lookup", "re-run"):
            requests, seconds, summary = lookup(server, entries, delay)
            per = 1000 / count
            print(
                f"{name:>12}: {requests} requests ({requests * per:.0f} per 1,000 papers),"
                f" {seconds:.2f} s wall ({seconds * per:.2f} s per 1,000);"
                f" at arXiv's 3 s: {requests * 3 * per / 60:.1f} min per 1,000; {summary}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
