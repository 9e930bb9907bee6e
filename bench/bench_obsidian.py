"""Benchmark of the Obsidian target: 10,000 papers into an empty vault, then a no-op re-run.

Usage: python bench/bench_obsidian.py [--papers N] [--files F] [--rounds R] [--keep DIR]

The digests come from the real corpus (`../shared/corpus/2023` beside the checkout: digest
files and truth.jsonl) when it is there, else from the repo's sample digest: its papers are
repeated with varied titles to N papers over F digest files, a day each, written once.

Each export runs in a fresh process, so its peak memory is its own. Each is bracketed by a
baseline run just before and one just after it (the disk's speed drifts), its ratio taken
to their mean, and the median over the rounds printed:
- the first export, from parsed digests to the last file written, vs writing the same files
  (same bytes, same folders) the way the shared atomic writer does: each into a temp file
  beside it, then renamed, no fsync;
- the no-op re-run, from reading the digests to the end, vs reading every digest file. A
  re-run is bound by parsing the digests: the part that takes is printed too.
Goal: first export <= 3x. The files the re-run wrote must be 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus" / "2023"
SAMPLE = HERE.parent / "digests" / "2024-11-04.txt"


def seed_papers() -> tuple[list, str]:
    """The papers to repeat, and where they come from."""
    from exportdigest.inputs import collect
    from exportdigest.reader import Digests

    source = CORPUS if (CORPUS / "truth.jsonl").is_file() else SAMPLE
    return list(Digests(collect([str(source)]))), str(source)


def write_digests(folder: Path, count: int, files: int) -> str:
    """`count` distinct papers in `files` digest files (YYMMDD.txt, one day each)."""
    from exportdigest.digest_text import render
    from exportdigest.model import paper_id

    seed, source = seed_papers()
    folder.mkdir(parents=True)
    first_day = dt.date(2010, 1, 1)
    for index in range(files):
        day = first_day + dt.timedelta(days=index)
        papers = []
        for n in range(index * count // files, (index + 1) * count // files):
            base, round_ = seed[n % len(seed)], n // len(seed)
            title = base.title if round_ == 0 else f"{base.title} (take {round_})"
            papers.append(replace(base, id=paper_id(title), title=title, date=day))
        (folder / f"{day:%y%m%d}.txt").write_text(render(papers), encoding="utf-8")
    return source


def child(vault: str, digests: str) -> None:
    """In a fresh process: read the digests, then export them, each timed; prints JSON."""
    sys.path.insert(0, str(HERE))
    from peak_rss import peak_rss_kib

    from exportdigest.exporter import Run
    from exportdigest.exporters.obsidian import ObsidianExporter
    from exportdigest.exporters.obsidian import export as _loaded_before_the_clock  # noqa: F401
    from exportdigest.inputs import collect
    from exportdigest.reader import Digests

    start = time.perf_counter()
    papers = Digests(collect([digests]))  # every file is parsed here
    parsed = time.perf_counter()
    exporter = ObsidianExporter({"vault": Path(vault)}, Run(verbosity=-1))
    outcome = exporter.export(papers, len(papers))
    done = time.perf_counter()
    result = {"parse_s": parsed - start, "export_s": done - parsed, "total_s": done - start}
    result |= {"peak_kib": peak_rss_kib(), "papers": len(papers), "failed": outcome.failed}
    print(json.dumps({**result, "summary": outcome.summary()}))


def timed(vault: Path, digests: Path) -> dict:
    """One export in a fresh process (see `child`)."""
    settle()
    command = [sys.executable, __file__, "--child", str(vault), str(digests)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    assert result["failed"] == 0, result["summary"]
    return result


def settle() -> None:
    """Flush dirty pages first, so no phase pays for the previous one's write-back."""
    if hasattr(os, "sync"):
        os.sync()
    time.sleep(0.2)


def files_of(root: Path) -> dict[str, os.stat_result]:
    """Every file under root (dot-folders included) with its stat."""
    found = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root)] = os.stat(path)
    return found


def write_baseline(blobs: list[tuple[str, bytes]], target: Path) -> float:
    """Write the files into `target` as the shared atomic writer does: temp file, rename."""
    settle()
    start = time.perf_counter()
    folders: set[Path] = set()
    for number, (rel, data) in enumerate(blobs):
        path = target / rel
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        temp = path.parent / f".bench-{number}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with open(fd, "wb") as stream:
            stream.write(data)
        os.rename(temp, path)
    return time.perf_counter() - start


def read_baseline(digests: Path) -> float:
    """Read every digest file's bytes."""
    settle()
    start = time.perf_counter()
    for path in sorted(digests.iterdir()):
        path.read_bytes()
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


def one_round(scratch: Path, digests: Path, blobs: list) -> dict:
    """Each timing with its baselines just before and just after it."""
    vault, before, after = scratch / "vault", scratch / "before", scratch / "after"
    write_1 = write_baseline(blobs, before)
    first = timed(vault, digests)
    write_2 = write_baseline(blobs, after)
    read_1 = read_baseline(digests)
    snapshot = files_of(vault)
    rerun = timed(vault, digests)
    written = changed_files(snapshot, files_of(vault))
    read_2 = read_baseline(digests)
    for folder in (vault, before, after):
        shutil.rmtree(folder)
    write, read = (write_1 + write_2) / 2, (read_1 + read_2) / 2
    return {
        "first": first["export_s"] / write,
        "rerun": rerun["total_s"] / read,
        "first_s": first["export_s"],
        "rerun_s": rerun["total_s"],
        "parse_s": rerun["parse_s"],
        "write_s": write,
        "read_s": read,
        "written": written,
        "first_mb": first["peak_kib"] / 1024,
        "rerun_mb": rerun["peak_kib"] / 1024,
        "rerun_summary": rerun["summary"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="also leave one exported vault here")
    parser.add_argument("--child", nargs=2, metavar=("VAULT", "DIGESTS"), help="(internal)")
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-obsidian-") as tmp:
        scratch = Path(tmp)
        digests = scratch / "digests"
        source = write_digests(digests, args.papers, args.files)
        reference = scratch / "reference"
        made = timed(reference, digests)  # the files the baseline writes; a warm-up
        assert made["papers"] == args.papers, made
        blobs = [(rel, (reference / rel).read_bytes()) for rel in files_of(reference)]
        if args.keep:
            shutil.copytree(reference, args.keep, dirs_exist_ok=True)
        shutil.rmtree(reference)
        rounds = [one_round(scratch, digests, blobs) for _ in range(args.rounds)]

    def median(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    size = sum(len(data) for _rel, data in blobs)
    print(
        f"papers: {args.papers} in {args.files} digest files (from {source}); vault: "
        f"{len(blobs)} files, {size / 1e6:.1f} MB; median of {args.rounds} rounds"
    )
    print(
        f"first export: {median('first'):.2f}x the atomic write baseline "
        f"({median('first_s'):.2f} s vs {median('write_s'):.2f} s; the digests are parsed "
        "before its clock starts) [goal <= 3x]"
    )
    print(
        f"no-op re-run: {median('rerun'):.1f}x the digest read baseline "
        f"({median('rerun_s'):.2f} s vs {median('read_s'):.3f} s), of which parsing the "
        f"digests {median('parse_s'):.2f} s"
    )
    spread = ", ".join(f"{r['first']:.2f}x/{r['rerun']:.1f}x" for r in rounds)
    print(f"per round (first/re-run): {spread}")
    print(f"re-run: {rounds[-1]['rerun_summary']}")
    written = max(r["written"] for r in rounds)
    print(f"files written by the re-run: {written} [must be 0]")
    print(
        f"peak RSS: first export {max(r['first_mb'] for r in rounds):.0f} MB, re-run "
        f"{max(r['rerun_mb'] for r in rounds):.0f} MB (each its own process)"
    )
    return 0 if written == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
