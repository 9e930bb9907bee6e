"""Push 1,000 papers to the Zotero stand-in: requests and time, against a naive pyzotero loop.

The server is the strict stand-in the tests use (tests/zotero_standin.py, imported from the
tests folder; it needs pytest, from the test extra), on 127.0.0.1 with real HTTP. The papers
are the seed digest's ten, repeated with unique titles. The exporter's push is compared with
the obvious pyzotero loop on a fresh library in the same process: one `create_items` per
paper, then one per note (`parentid=`). Then the exporter runs again (the daily re-run, goal:
at most 2 requests and no write) and once more without its local state (a new machine).
Last, the same papers go to the desktop app's stand-in (its local API: `--zotero-local`):
a first push (one permission dialog), a re-run, and a switch from the Web API (the desktop
library synced down from the Web API stand-in, local versions, nothing to create).
Usage: python bench/bench_zotero.py [PAPERS]
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1"

from pyzotero import zotero  # noqa: E402
from zotero_standin import ZoteroStandIn, many_entries  # noqa: E402

from exportdigest.exporter import Run  # noqa: E402
from exportdigest.exporters.zotero import ZoteroExporter  # noqa: E402
from exportdigest.exporters.zotero.render import paper  # noqa: E402
from exportdigest.inputs import collect  # noqa: E402
from exportdigest.reader import Digests  # noqa: E402

SEED = ROOT / "tests" / "data" / "2024-11-04.txt"


def push(server: ZoteroStandIn, entries: list) -> tuple[float, str]:
    """One exporter run; returns (seconds, outcome summary)."""
    settings = {
        "zotero_library_id": server.library_id,
        "zotero_library_type": "user",
        "zotero_api_key": server.api_key,
        "zotero_api_url": server.url,
        "zotero_collection": "Paper digests",
    }
    if server.local:
        settings = {"zotero_local": True, "zotero_local_url": server.url}
    exporter = ZoteroExporter(settings, Run(verbosity=-1))
    start = time.perf_counter()
    outcome = exporter.export(entries, len(entries))
    return time.perf_counter() - start, outcome.summary()


def naive(server: ZoteroStandIn, entries: list) -> float:
    """The straightforward pyzotero loop: an item, then its note, one request each."""
    zot = zotero.Zotero(server.library_id, "user", server.api_key)
    zot.endpoint = server.url
    start = time.perf_counter()
    made = zot.create_collections([{"name": "Paper digests"}])
    collection = made["success"]["0"]
    for entry in entries:
        p = paper(entry)
        item = {k: v for k, v in p.item.items()} | {"collections": [collection]}
        key = zot.create_items([item])["success"]["0"]
        if p.note is not None:
            zot.create_items([{"itemType": "note", "note": p.note}], parentid=key)
    return time.perf_counter() - start


def counts(server: ZoteroStandIn) -> tuple[int, int]:
    """(requests, write requests) since the last reset, then reset."""
    result = len(server.requests), len(server.writes)
    server.reset_log()
    return result


def main(argv: list[str]) -> int:
    papers = int(argv[1]) if len(argv) > 1 else 1000
    seed = list(Digests(collect([str(SEED)])))
    entries = many_entries(seed, papers)
    with tempfile.TemporaryDirectory() as state:
        os.environ["XDG_STATE_HOME"] = state
        with ZoteroStandIn() as ours, ZoteroStandIn() as loop, ZoteroStandIn() as traced:
            took, summary = push(ours, entries)
            requests, writes = counts(ours)
            objects = len(ours.items)
            baseline = naive(loop, entries)
            base_requests, base_writes = counts(loop)
            assert len(loop.items) == objects, "the baseline must make the same objects"
            again, again_summary = push(ours, entries)
            re_requests, re_writes = counts(ours)
            for file in Path(state).rglob("*.json"):
                file.unlink()
            fresh, fresh_summary = push(ours, entries)
            new_requests, new_writes = counts(ours)
            tracemalloc.start()  # a separate run: tracing slows Python down
            push(traced, entries)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            with ZoteroStandIn(local=True) as desk, ZoteroStandIn(local=True) as synced:
                local = [(*push(desk, entries), *counts(desk)) for _ in range(2)]
                synced.load(ours)
                local.append((*push(synced, entries), *counts(synced)))
    print(f"zotero push of {papers} papers ({objects} objects) to the stand-in on 127.0.0.1")
    print(f"  exporter:     {requests:5d} requests ({writes} writes) {took:6.2f} s  [{summary}]")
    print(
        f"  naive loop:   {base_requests:5d} requests ({base_writes} writes) {baseline:6.2f} s"
        "  (pyzotero create_items per paper and per note)"
    )
    print(
        f"  ratio:        {base_requests / requests:5.1f}x fewer requests, "
        f"{baseline / took:4.1f}x faster"
    )
    print(
        f"  re-run:       {re_requests:5d} requests ({re_writes} writes) {again:6.2f} s"
        f"  [{again_summary}]  goal: <= 2 requests, 0 writes"
    )
    print(
        f"  new machine:  {new_requests:5d} requests ({new_writes} writes) {fresh:6.2f} s"
        f"  [{fresh_summary}]  (no local state: versions + items 50 a request)"
    )
    for label, (seconds, outcome, n, w) in zip(
        ("desktop app:", "  re-run:", "  from Web:"), local, strict=True
    ):
        print(f"  {label:13} {n:5d} requests ({w} writes) {seconds:6.2f} s  [{outcome}]")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"  memory:       {peak / 2**20:.1f} MiB traced peak of a push (stand-in included),"
        f" {rss / 1024:.0f} MiB peak RSS of the process"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
