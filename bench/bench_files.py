"""Write 10,000 papers as RIS, BibTeX and CSL-JSON; papers/s and peak memory vs jsonl.

The papers are the seed digest's (tests/data) repeated with unique titles, so 1,000 papers
share each citation-key base (the worst case for key disambiguation). Every target writes
the same in-memory papers through its real export path (`--out` to a temporary file).
Speed: best of 3 runs per target, in this process, as a ratio to jsonl's. Memory: the
tracemalloc peak of one export (what the target itself holds; jsonl holds next to nothing),
and the peak RSS of a fresh child process that builds the papers and runs one export, as a
ratio to jsonl's.
Usage: python bench/bench_files.py [PAPERS]
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from peak_rss import peak_rss_kib  # noqa: E402 (beside this script)

from exportdigest.exporter import Run  # noqa: E402
from exportdigest.exporters.bibtex import BibtexExporter  # noqa: E402
from exportdigest.exporters.csljson import CslJsonExporter  # noqa: E402
from exportdigest.exporters.jsonl import JsonlExporter  # noqa: E402
from exportdigest.exporters.ris import RisExporter  # noqa: E402
from exportdigest.inputs import collect  # noqa: E402
from exportdigest.model import paper_id  # noqa: E402
from exportdigest.reader import Digests  # noqa: E402

SEED = ROOT / "tests" / "data" / "2024-11-04.txt"
TARGETS = {
    "jsonl": JsonlExporter,
    "ris": RisExporter,
    "bibtex": BibtexExporter,
    "csljson": CslJsonExporter,
}


def make_papers(count: int) -> list:
    """`count` distinct papers: the seed's, each title numbered."""
    seed = list(Digests(collect([str(SEED)])))
    papers = []
    for n in range(count):
        title = f"{seed[n % len(seed)].title} (part {n})"
        papers.append(dataclasses.replace(seed[n % len(seed)], title=title, id=paper_id(title)))
    return papers


def export(target: str, papers: list, out: Path) -> int:
    """Run one target's real export into `out`; the bytes written."""
    out.unlink(missing_ok=True)
    TARGETS[target]({"out": str(out)}, Run()).export(papers, len(papers))
    return out.stat().st_size


def child_rss(target: str, count: int) -> int:
    """Peak RSS (KiB) of a fresh process that builds the papers and exports them once."""
    command = [sys.executable, __file__, "--child", target, str(count)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


def main(argv: list[str]) -> None:
    if argv[1:2] == ["--child"]:
        papers = make_papers(int(argv[3]))
        with tempfile.TemporaryDirectory() as folder:
            export(argv[2], papers, Path(folder) / "out")
        print(peak_rss_kib())
        return
    count = int(argv[1]) if len(argv) > 1 else 10_000
    papers = make_papers(count)
    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        for target in TARGETS:
            times = []
            for _ in range(3):
                start = time.perf_counter()
                size = export(target, papers, out)
                times.append(time.perf_counter() - start)
            tracemalloc.start()
            export(target, papers, out)
            heap = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            rows[target] = (count / min(times), heap, child_rss(target, count), size)
    base = rows["jsonl"]
    print(f"{count} papers per target; ratios are to jsonl in the same run")
    for target, (rate, heap, rss, size) in rows.items():
        print(
            f"{target:8} {rate:9,.0f} papers/s ({rate / base[0]:4.2f}x jsonl)"
            f"  peak heap {heap / 2**20:5.2f} MiB"
            f"  peak RSS {rss / 1024:6.1f} MiB ({rss / base[2]:4.2f}x)"
            f"  file {size / 2**20:5.1f} MiB"
        )


if __name__ == "__main__":
    main(sys.argv)
