"""Time parsing side by side with a previous version of the package, in one run.

The papers come from the real corpus (../shared/corpus/2023) when it is there, else from the
sample digest (tests/data): its digests copied until there are about PAPERS papers, each copy
in its own folder with " [copy N]" added to its titles, so every paper is distinct and the
text keeps the corpus's own layout. The previous version's package is taken from git (a
commit, default the one before the single-parser change) into a temporary folder.

Each round runs, in fresh processes and in rotating order: a read baseline (read every file
and split it into entries at hashtag lines, the floor of any parser), this version and the
previous one, each reading all the papers into entries (`Digests`, then one iteration).
Printed: medians of wall and CPU time, the ratio new/previous (goal: at most 1.10), each
against the baseline, papers/s and peak RSS. On a shared machine the CPU time, which leaves
out the time a process waits for a core, is the steadier of the two; both are indicative.
The package is imported before the clock starts: compiling its modules is not parsing.
With --instructions, each kind also runs once under valgrind's callgrind, which counts the
instructions it executes: a figure that does not move with the machine's load. The count of
an idle child (started and imported the same way, then stopped) is taken off each.
Usage: python bench/bench_parse.py [--papers N] [--rounds R] [--previous COMMIT] [--corpus DIR]
       [--instructions]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from peak_rss import peak_rss_kib  # beside this script

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "2024-11-04.txt"
CORPUS = ROOT.parent / "shared" / "corpus" / "2023"
PREVIOUS = "9d28ce4"  # main before the fast path went: one line-by-line parser since


def make_papers(source: Path, folder: Path, papers: int) -> tuple[int, int]:
    """Copy the source's digests into `folder` until about `papers` papers; (papers, files)."""
    from exportdigest.headers import date_from_filename
    from exportdigest.inputs import collect, read_lines
    from exportdigest.parser import DigestParser, Record

    digests = []  # (file name, lines, indexes of title lines)
    for digest in collect([str(source)]):
        lines = list(read_lines(digest))
        parser = DigestParser(digest.name, date_from_filename(digest.file_name))
        titles = [r.line - 1 for r in parser.parse(lines) if isinstance(r, Record)]
        digests.append((digest.file_name, lines, titles))
    per_copy = sum(len(titles) for _, _, titles in digests)
    copies = max(1, round(papers / per_copy))
    for copy in range(copies):
        sub = folder / f"copy-{copy:03d}"
        sub.mkdir()
        for name, lines, titles in digests:
            varied = list(lines)
            for i in titles:
                varied[i] = f"{varied[i]} [copy {copy}]"
            (sub / name).write_text("\n".join(varied) + "\n", encoding="utf-8")
    return copies * per_copy, copies * len(digests)


def previous_package(commit: str, into: Path) -> str | None:
    """Extract the commit's `exportdigest` package into `into`; None, or why it cannot."""
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit, "exportdigest"],
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        return f"git is not available ({exc.strerror or exc})"
    if done.returncode != 0:
        return f"git archive {commit} failed: {done.stderr.decode(errors='replace').strip()}"
    with tarfile.open(fileobj=io.BytesIO(done.stdout), mode="r:") as tar:
        tar.extractall(into, filter="data")
    return None


def read_baseline(folder: Path) -> int:
    """Read every file and split it into entries at hashtag lines: the floor of any parser."""
    entries = 0
    for path in sorted(folder.rglob("*.txt")):
        with open(path, encoding="utf-8") as stream:
            chunk = []
            for line in stream:
                chunk.append(line)
                if line.startswith("#"):
                    entries += 1
                    chunk = []
    return entries


def parse_all(folder: Path) -> tuple[int, int, str]:
    """Read all papers into entries with whichever `exportdigest` is on the path."""
    import exportdigest
    from exportdigest.inputs import collect
    from exportdigest.reader import Digests

    digests = Digests(collect([str(folder)]))
    papers = sum(1 for _ in digests)
    return papers, len(digests.diagnostics), exportdigest.__file__


def import_package() -> None:
    """Import the reader before the clock starts: compiling modules is not parsing (with
    PYTHONDONTWRITEBYTECODE set, as here, every child would compile them again)."""
    import exportdigest.inputs
    import exportdigest.reader  # noqa: F401


def child(kind: str, folder: Path, idle: bool = False) -> None:
    """One timed run in this fresh process; prints its figures as JSON. An idle child starts
    and imports as the others do, then stops: what each child costs before its work."""
    if kind in ("new", "previous"):
        import_package()
    before = peak_rss_kib()
    start, start_cpu = time.perf_counter(), time.process_time()
    if idle:
        papers, diagnostics, module = 0, 0, ""
    elif kind == "read":
        papers, diagnostics, module = read_baseline(folder), 0, ""
    else:
        papers, diagnostics, module = parse_all(folder)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    figures = {"seconds": seconds, "cpu": cpu, "papers": papers, "diagnostics": diagnostics}
    figures |= {"module": module, "rss_before": before, "rss_peak": peak_rss_kib()}
    print(json.dumps(figures))


def run_child(kind: str, folder: Path, package_root: Path | None) -> dict:
    env = dict(os.environ)
    if package_root is not None:  # ahead of the editable install of this worktree
        env["PYTHONPATH"] = str(package_root)
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(folder)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(done.stdout)


def count_instructions(kind: str, folder: Path, package_root: Path | None, idle: bool) -> int:
    """Instructions one child executes, counted by valgrind's callgrind."""
    env = dict(os.environ)
    if package_root is not None:
        env["PYTHONPATH"] = str(package_root)
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        + [sys.executable, __file__, "--child", kind, str(folder)]
        + (["--idle"] if idle else []),
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    assert found, done.stderr[-500:]
    return int(found.group(1))


def print_instructions(kinds: dict[str, Path | None], folder: Path, previous: str) -> None:
    """The instruction count of each kind, less its idle child's, and the ratio new/previous."""
    if shutil.which("valgrind") is None:
        print("bench_parse: no instruction counts: valgrind is not installed")
        return
    counts = {
        kind: count_instructions(kind, folder, root, idle=False)
        - count_instructions(kind, folder, root, idle=True)
        for kind, root in kinds.items()
    }
    print("instructions (callgrind, one run each, less an idle child's start and import):")
    for kind, label in (("read", "read baseline"), ("new", "this version"), ("previous", "")):
        if kind in counts:
            print(f"  {label or f'previous ({previous})':22} {counts[kind] / 1e6:8.0f} M")
    if "previous" in counts:
        ratio = counts["new"] / counts["previous"]
        print(f"  new / previous: {ratio:.3f}x instructions  (goal <= 1.10)")


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--papers", type=int, default=10_000)
    options.add_argument("--rounds", type=int, default=7)
    options.add_argument("--previous", default=PREVIOUS, help="commit of the previous version")
    options.add_argument("--corpus", type=Path, default=CORPUS)
    options.add_argument("--instructions", action="store_true", help="count them (valgrind)")
    args = options.parse_args()
    sys.path.insert(0, str(ROOT))  # this version, to make the papers
    source = args.corpus if (args.corpus / "truth.jsonl").exists() else SAMPLE
    with tempfile.TemporaryDirectory() as tmp:
        papers_dir, old_root = Path(tmp, "papers"), Path(tmp, "previous")
        papers_dir.mkdir()
        papers, files = make_papers(source, papers_dir, args.papers)
        size = sum(p.stat().st_size for p in papers_dir.rglob("*.txt"))
        print(f"{papers} papers from {source} ({size / 1e6:.1f} MB in {files} files)")
        kinds = {"read": None, "new": ROOT}
        why = previous_package(args.previous, old_root)
        if why is None:
            kinds["previous"] = old_root
        else:
            print(f"bench_parse: NO COMPARISON with the previous version: {why}")
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        cpu_times: dict[str, list[float]] = {kind: [] for kind in kinds}
        peaks: dict[str, int] = dict.fromkeys(kinds, 0)
        for round_ in range(args.rounds + 1):  # round 0 warms the caches and is not counted
            order = list(kinds)
            order = order[round_ % len(order) :] + order[: round_ % len(order)]
            for kind in order:
                got = run_child(kind, papers_dir, kinds[kind])
                if kind != "read":
                    want = str(kinds[kind] / "exportdigest")
                    assert got["module"].startswith(want), (kind, got["module"])
                    assert got["papers"] == papers, (kind, got["papers"], papers)
                    if round_ == 0:
                        print(f"  {kind}: {got['papers']} papers, {got['diagnostics']} diagnostics")
                if round_:
                    times[kind].append(got["seconds"])
                    cpu_times[kind].append(got["cpu"])
                    peaks[kind] = max(peaks[kind], got["rss_peak"])
        if args.instructions:
            print_instructions(kinds, papers_dir, args.previous)
        shutil.rmtree(old_root, ignore_errors=True)
    median = {kind: statistics.median(t) for kind, t in times.items()}
    cpu = {kind: statistics.median(t) for kind, t in cpu_times.items()}
    print(f"medians of {args.rounds} rounds (parse: Digests over all files, then iterated):")
    print(f"  {'':22} {'wall':>8}  {'papers/s':>8}  {'CPU':>8}  {'vs baseline':>11}  peak RSS")
    for kind, label in (("read", "read baseline"), ("new", "this version"), ("previous", "")):
        if kind not in median:
            continue
        label = label or f"previous ({args.previous})"
        against = "" if kind == "read" else f"{median[kind] / median['read']:10.2f}x"
        print(
            f"  {label:22} {median[kind]:6.3f} s  {papers / median[kind]:8.0f}  {cpu[kind]:6.3f} s"
            f"  {against:>11}  {peaks[kind] / 1024:5.1f} MiB"
        )
    if "previous" in median:
        ratio, cpu_ratio = median["new"] / median["previous"], cpu["new"] / cpu["previous"]
        print(f"  new / previous: {ratio:.3f}x wall, {cpu_ratio:.3f}x CPU  (goal <= 1.10)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), idle=sys.argv[4:] == ["--idle"])
    else:
        sys.exit(main())
