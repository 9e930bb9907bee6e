"""Benchmark of the Obsidian target: 10,000 papers into an empty vault, then a re-run.

Usage: python bench/bench_obsidian.py [--papers N] [--rounds R] [--keep DIR]

Prints each time as a ratio to a plain-Python baseline measured in the same process over the
same files: writing (for the first export) and reading (for the re-run) exactly as many files
of exactly the same bytes, with open().write() and open().read(). Also prints how many files
the re-run wrote (must be 0) and the peak RSS. Goal: first export <= 2x the write baseline,
re-run <= 1.5x the read baseline. The papers are the repo's sample digest repeated with unique
titles, ten a day; the digest parsing (the core's work) is done before the clock starts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from exportdigest.exporter import Run
from exportdigest.inputs import collect
from exportdigest.model import Source, paper_id
from exportdigest.reader import Digests
from exporters.obsidian import ObsidianExporter

SEED = Path(__file__).resolve().parent.parent / "digests" / "2024-11-04.txt"


def papers(count: int) -> list:
    """`count` distinct papers: the seed digest's, with numbered titles, ten per day."""
    seed = list(Digests(collect([str(SEED)])))
    start = dt.date(2020, 1, 1)
    out = []
    for n in range(count):
        base = seed[n % len(seed)]
        day = start + dt.timedelta(days=n // 10)
        title = f"{base.title} (variant {n})"
        source = Source(f"{day.isoformat()}.txt", 1 + 7 * (n % 10), day, 1)
        out.append(replace(base, id=paper_id(title), title=title, date=day, sources=(source,)))
    return out


def files_of(root: Path) -> dict[str, os.stat_result]:
    """Every file under root (dot-folders included) with its stat."""
    found = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root)] = os.stat(path)
    return found


def settle() -> None:
    """Flush dirty pages first, so no phase pays for the previous one's write-back."""
    if hasattr(os, "sync"):
        os.sync()
    time.sleep(0.2)


def export(vault: Path, entries: list) -> float:
    exporter = ObsidianExporter({"vault": vault}, Run(verbosity=-1))
    settle()
    start = time.perf_counter()
    outcome = exporter.export(entries, len(entries))
    elapsed = time.perf_counter() - start
    assert outcome.failed == 0, outcome.summary()
    return elapsed


def baseline(source: Path, target: Path) -> tuple[float, float]:
    """Plain Python writing, then reading, the same files with the same bytes as `source`."""
    blobs = [(rel.replace(os.sep, "_"), (source / rel).read_bytes()) for rel in files_of(source)]
    target.mkdir()
    settle()
    start = time.perf_counter()
    for name, data in blobs:
        with open(target / name, "wb") as stream:
            stream.write(data)
    write = time.perf_counter() - start
    settle()
    start = time.perf_counter()
    for name, _data in blobs:
        with open(target / name, "rb") as stream:
            stream.read()
    read = time.perf_counter() - start
    return write, read


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="also leave one exported vault here")
    args = parser.parse_args()
    entries = papers(args.papers)
    firsts, reruns, writes, reads, written = [], [], [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-obsidian-") as scratch:
        for round_ in range(args.rounds):
            vault = Path(scratch, f"vault{round_}")
            firsts.append(export(vault, entries))
            before = files_of(vault)
            reruns.append(export(vault, entries))
            after = files_of(vault)
            written.append(
                sum(
                    1
                    for rel, st in after.items()
                    if rel not in before
                    or (st.st_mtime_ns, st.st_size, st.st_ino)
                    != (before[rel].st_mtime_ns, before[rel].st_size, before[rel].st_ino)
                )
            )
            write, read = baseline(vault, Path(scratch, f"baseline{round_}"))
            writes.append(write)
            reads.append(read)
            if args.keep and round_ == 0:
                shutil.copytree(vault, args.keep, dirs_exist_ok=True)
            shutil.rmtree(Path(scratch, f"baseline{round_}"))
        files = len(before)
        size = sum(st.st_size for st in before.values())
    first, rerun = statistics.median(firsts), statistics.median(reruns)
    write, read = statistics.median(writes), statistics.median(reads)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak / (1 << 20) if sys.platform == "darwin" else peak / 1024
    print(
        f"papers: {len(entries)}; vault: {files} files, {size / 1e6:.1f} MB; "
        f"median of {args.rounds} rounds"
    )
    print(
        f"first export: {first:.2f} s = {first / write:.2f}x the write baseline "
        f"({write:.2f} s) [goal <= 2x]"
    )
    print(
        f"re-run:       {rerun:.2f} s = {rerun / read:.2f}x the read baseline "
        f"({read:.2f} s) [goal <= 1.5x]"
    )
    rounds = zip(firsts, writes, reruns, reads, strict=True)
    spread = ", ".join(f"{f / w:.2f}x/{r / b:.2f}x" for f, w, r, b in rounds)
    print(f"per round (first/re-run): {spread}")
    print(f"files written by the re-run: {max(written)} [must be 0]")
    print(f"peak RSS: {peak_mb:.0f} MB")
    return 0 if max(written) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
