"""Benchmark of the Obsidian target: 10,000 papers into an empty vault, then a re-run.

Usage: python bench/bench_obsidian.py [--papers N] [--rounds R] [--keep DIR]

Prints each time as a ratio to a plain-Python baseline measured in the same process over the
same files: writing (for the first export) and reading (for the re-run) exactly as many files
of exactly the same bytes, with open().write() and open().read(), run just before and just
after the timed export (the disk's speed drifts), the ratio taken to their mean. Also prints
how many files the re-run wrote (must be 0) and the peak RSS. Goal: first export <= 2x the
write baseline, re-run <= 1.5x the read baseline. The papers are the repo's sample digest
repeated with unique titles, ten a day; the digest parsing (the core's work) is done before
the clock starts.
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
from exportdigest.exporters.obsidian import ObsidianExporter
from exportdigest.inputs import collect
from exportdigest.model import Source, paper_id
from exportdigest.reader import Digests

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


def blobs_of(vault: Path) -> list[tuple[str, bytes]]:
    """Every file of a vault as (flat name, bytes): what the baselines write and read."""
    return [(rel.replace(os.sep, "_"), (vault / rel).read_bytes()) for rel in files_of(vault)]


def write_baseline(blobs: list[tuple[str, bytes]], target: Path) -> float:
    """Plain Python writing the same number of files with the same bytes."""
    target.mkdir()
    settle()
    start = time.perf_counter()
    for name, data in blobs:
        with open(target / name, "wb") as stream:
            stream.write(data)
    return time.perf_counter() - start


def read_baseline(blobs: list[tuple[str, bytes]], target: Path) -> float:
    """Plain Python reading those files back."""
    settle()
    start = time.perf_counter()
    for name, _data in blobs:
        with open(target / name, "rb") as stream:
            stream.read()
    return time.perf_counter() - start


def changed_files(before: dict, after: dict) -> int:
    """Files added or rewritten between two `files_of` snapshots."""
    return sum(
        1
        for rel, st in after.items()
        if rel not in before
        or (st.st_mtime_ns, st.st_size, st.st_ino)
        != (before[rel].st_mtime_ns, before[rel].st_size, before[rel].st_ino)
    )


def one_round(scratch: Path, entries: list, blobs: list) -> tuple[float, float, int]:
    """First-export and re-run ratios, each against baselines run just before and after it.

    The disk's speed drifts within seconds here, so each timing is bracketed by its
    baseline rather than compared with one taken at another moment.
    """
    vault, before_dir, after_dir = scratch / "vault", scratch / "before", scratch / "after"
    write_before = write_baseline(blobs, before_dir)
    first = export(vault, entries)
    write_after = write_baseline(blobs, after_dir)
    read_before = read_baseline(blobs, before_dir)
    snapshot = files_of(vault)
    rerun = export(vault, entries)
    written = changed_files(snapshot, files_of(vault))
    read_after = read_baseline(blobs, after_dir)
    for folder in (vault, before_dir, after_dir):
        shutil.rmtree(folder)
    return (
        first / ((write_before + write_after) / 2),
        rerun / ((read_before + read_after) / 2),
        written,
        first,
        rerun,
        (write_before + write_after) / 2,
        (read_before + read_after) / 2,
    )


def peak_mb(who: int) -> float:
    """Peak RSS in MB of this process (RUSAGE_SELF) or of its writer processes (CHILDREN)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="also leave one exported vault here")
    args = parser.parse_args()
    entries = papers(args.papers)
    with tempfile.TemporaryDirectory(prefix="bench-obsidian-") as tmp:
        scratch = Path(tmp)
        export(scratch / "reference", entries)  # the files the baselines write, and a warm-up
        blobs = blobs_of(scratch / "reference")
        if args.keep:
            shutil.copytree(scratch / "reference", args.keep, dirs_exist_ok=True)
        shutil.rmtree(scratch / "reference")
        rounds = [one_round(scratch, entries, blobs) for _ in range(args.rounds)]
    size = sum(len(data) for _name, data in blobs)
    firsts = [r[0] for r in rounds]
    reruns = [r[1] for r in rounds]
    print(
        f"papers: {len(entries)}; vault: {len(blobs)} files, {size / 1e6:.1f} MB; "
        f"median of {args.rounds} rounds, each bracketed by its baselines"
    )
    first_s, write_s = (
        statistics.median(r[3] for r in rounds),
        statistics.median(r[5] for r in rounds),
    )
    rerun_s, read_s = (
        statistics.median(r[4] for r in rounds),
        statistics.median(r[6] for r in rounds),
    )
    print(
        f"first export: {statistics.median(firsts):.2f}x the write baseline "
        f"(median {first_s:.2f} s vs {write_s:.2f} s) [goal <= 2x]"
    )
    print(
        f"re-run:       {statistics.median(reruns):.2f}x the read baseline "
        f"(median {rerun_s:.2f} s vs {read_s:.2f} s) [goal <= 1.5x]"
    )
    spread = ", ".join(f"{f:.2f}x/{r:.2f}x" for f, r in zip(firsts, reruns, strict=True))
    print(f"per round (first/re-run): {spread}")
    written = max(r[2] for r in rounds)
    print(f"files written by the re-run: {written} [must be 0]")
    print(
        f"peak RSS: {peak_mb(resource.RUSAGE_SELF):.0f} MB "
        f"(writer process: {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB)"
    )
    return 0 if written == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
