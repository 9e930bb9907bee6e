"""Parse 10,000 papers to jsonl: papers/s, ratio to a read-and-split baseline, peak RSS.

The papers are the seed digest's (tests/data) repeated with unique titles, 100 per file.
The baseline reads and splits the same files in the same process; the ratio (goal: at most
3) is parse-to-jsonl time over baseline time. Peak RSS is measured in child processes at
two input sizes to show it stays flat as the input grows.
Usage: python bench/bench_parse.py [PAPERS]
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from peak_rss import peak_rss_kib  # noqa: E402 (beside this script)

from exportdigest import digest_text  # noqa: E402
from exportdigest.exporter import Run  # noqa: E402
from exportdigest.exporters.jsonl import JsonlExporter  # noqa: E402
from exportdigest.inputs import collect  # noqa: E402
from exportdigest.model import paper_id  # noqa: E402
from exportdigest.reader import Digests  # noqa: E402

SEED = ROOT / "tests" / "data" / "2024-11-04.txt"
PER_FILE = 100


def make_corpus(folder: Path, papers: int) -> None:
    """Write `papers` unique papers as digest files of PER_FILE papers each."""
    seed = list(Digests(collect([str(SEED)])))
    batch = []
    for n in range(papers):
        entry = seed[n % len(seed)]
        title = f"{entry.title} (copy {n})"
        batch.append(dataclasses.replace(entry, title=title, id=paper_id(title)))
        if len(batch) == PER_FILE or n == papers - 1:
            name = f"digest-{n // PER_FILE:05d}-2024-11-04.txt"
            (folder / name).write_text(digest_text.render(batch), encoding="utf-8")
            batch = []


def baseline(folder: Path) -> int:
    """Read every file and split it into entries at hashtag lines: the floor of any parser."""
    entries = 0
    for path in sorted(folder.iterdir()):
        with open(path, encoding="utf-8") as stream:
            chunk = []
            for line in stream:
                chunk.append(line)
                if line.startswith("#"):
                    entries += 1
                    chunk = []
    return entries


def read_and_split_lines(folder: Path) -> int:
    """Only read and split into lines, all in C: shown for scale."""
    return sum(len(p.read_text("utf-8").splitlines()) for p in sorted(folder.iterdir()))


def parse_to_jsonl(folder: Path, out) -> int:
    """The real work: parse, merge and write jsonl."""
    digests = Digests(collect([str(folder)]))
    exporter = JsonlExporter({"out": "-"}, Run())
    written = 0
    for piece in exporter.chunks(digests):  # the bytes the command writes
        out.write(piece)
        written += 1
    return written


def child(papers: int) -> None:
    """Parse a corpus of `papers` and print the peak RSS in KiB (run in a fresh process)."""
    with tempfile.TemporaryDirectory() as tmp:
        make_corpus(Path(tmp), papers)
        before = peak_rss_kib()
        with open(os.devnull, "wb") as sink:
            parse_to_jsonl(Path(tmp), sink)
        print(before, peak_rss_kib())


def main(papers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_corpus(folder, papers)
        size = sum(p.stat().st_size for p in folder.iterdir())
        baseline(folder)  # warm the page cache for both
        base_times, line_times, parse_times = [], [], []
        for _ in range(3):
            start = time.perf_counter()
            baseline(folder)
            base_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            read_and_split_lines(folder)
            line_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            with open(os.devnull, "wb") as sink:
                count = parse_to_jsonl(folder, sink)
            parse_times.append(time.perf_counter() - start)
        assert count == papers, count
        entries = list(Digests(collect([str(folder)])))
    base, lines, parse = min(base_times), min(line_times), min(parse_times)
    print(f"parse {papers} papers ({size / 1e6:.1f} MB in {papers // PER_FILE} files) to jsonl:")
    print(f"  parse+merge+jsonl            {parse:6.3f} s  {papers / parse:8.0f} papers/s")
    print(f"  baseline: read, split entries {base:6.3f} s  {papers / base:8.0f} papers/s")
    print(f"  ratio                        {parse / base:6.2f}x  (goal <= 3)")
    print(f"  (read+splitlines in C alone   {lines:6.3f} s; ratio to it {parse / lines:.1f}x)")
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        for piece in JsonlExporter({"out": "-"}, Run()).chunks(entries):
            sink.write(piece)
    encode = time.perf_counter() - start
    print(f"  (of which writing jsonl alone {encode:6.3f} s = {encode / base:.1f}x the baseline)")
    for n in (papers // 5, papers):
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        start_kib, peak_kib = map(int, done.stdout.split())
        print(
            f"  peak RSS at {n:6} papers: {peak_kib / 1024:6.1f} MiB "
            f"(before parsing {start_kib / 1024:.1f} MiB)"
        )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
