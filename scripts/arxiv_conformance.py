"""Identify a corpus's papers against the arXiv stand-in seeded with them and every hazard.

Usage: python scripts/arxiv_conformance.py [CORPUS_DIR]   (default ../shared/corpus/2023)

The stand-in (tests/arxiv_standin.py) holds each paper of truth.jsonl whose link is arXiv's,
one in five spelled differently (case, punctuation, spacing, TeX), with decoys (longer titles
containing the title, the same title by other authors, other spellings by other authors).
Checks: every seeded paper found with its id, no wrong id ever, a re-run sends no request,
and a run through faults (503 + Retry-After, an empty page, a dropped connection) gives the
same ids. Prints the result and the papers left unidentified; exits 1 on any failure.
Skips (exit 0) when the corpus is not there, as on a user's fresh clone.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "corpus" / "2023"
sys.path.insert(0, str(ROOT / "tests"))
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1"  # the stand-in, not a proxy


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else DEFAULT
    if not (corpus / "truth.jsonl").exists():
        print(f"arxiv conformance: skipped, no corpus at {corpus}")
        return 0
    from arxiv_standin import ArxivStandIn, from_truth, seeded

    from exportdigest import enrich
    from exportdigest.arxiv_match import fold

    papers = from_truth(corpus)
    stand_in, expected = seeded(papers)
    failures = 0
    with tempfile.TemporaryDirectory() as state, ArxivStandIn(stand_in) as server:
        os.environ["XDG_STATE_HOME"] = state
        enrich.CLIENT_OPTIONS.update(timeout=5.0)
        got = _run(server, corpus, "first lookup")
        on_arxiv = {t for t, i in expected.items() if i}
        spelled = {t: server.papers[i].title for t, i in expected.items() if i}
        beyond = {t for t in on_arxiv if fold(spelled[t]) != fold(t)}
        wrong = {t: (got.get(t), i) for t, i in expected.items() if got.get(t) not in (None, i)}
        missed = sorted(t for t in on_arxiv - beyond if got.get(t) is None)
        print(
            f"  {len(on_arxiv)} of {len(expected)} papers on the stand-in's arXiv, {len(beyond)}"
            f" of them titled there beyond folding: {len(on_arxiv - beyond) - len(missed)} of"
            f" the other {len(on_arxiv - beyond)} found, {len(missed)} not; {len(wrong)} wrong ids"
        )
        for title in sorted(beyond):
            print(f"    unidentified, as it should be: {title!r}; arXiv: {spelled[title]!r}")
        for title in missed:
            print(f"    not identified: {title}")
        for title, (given, right) in wrong.items():
            print(f"    WRONG: {title}: {given} (right: {right})")
        failures += len(wrong) + len(missed) + sum(1 for t in beyond if got.get(t))
        before = len(server.requests)
        again = _run(server, corpus, "re-run")
        sent = len(server.requests) - before
        print(f"  re-run: {sent} request(s)")
        failures += sent + (again != got)
        for name in Path(state).rglob("*.json"):
            name.unlink()  # the cache deleted: ask again, through faults
        server.inject("status", status=503, headers={"Retry-After": "0.05"}, times=2)
        server.inject("empty", skip=1)
        server.inject("drop", skip=3)
        server.inject("slow", seconds=0.2, skip=5)
        faulty = _run(server, corpus, "through faults")
        changed = sum(1 for t in got if faulty.get(t) != got[t])
        print(f"  through faults: {changed} id(s) differ")
        failures += changed
        if server.violations:
            print(f"  stand-in saw: {server.violations[:5]}")
            failures += len(server.violations)
    print("arxiv conformance:", "ok" if not failures else f"{failures} failure(s)")
    return 1 if failures else 0


def _run(server, corpus: Path, what: str) -> dict[str, str | None]:
    from exportdigest import enrich
    from exportdigest.exporter import Run
    from exportdigest.inputs import collect
    from exportdigest.reader import Digests

    digests = Digests(collect([str(corpus)]))
    lines: list[str] = []
    settings = enrich.Settings(lookup=True, url=server.url, delay=0.0)
    before = len(server.requests)
    entries, summary = enrich.enrich(digests, settings, Run(verbosity=1, echo=lines.append))
    print(f"{what}: {summary} ({len(server.requests) - before} requests)")
    return {e.title: (e.arxiv.id if e.arxiv else None) for e in entries}


if __name__ == "__main__":
    sys.exit(main(sys.argv))
