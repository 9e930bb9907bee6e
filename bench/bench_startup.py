"""Start-up cost of `exportdigest --help` and `--list-targets`, as a ratio to `import click`.

Runs each command alternately many times in fresh interpreters (so machine noise hits all
alike) and prints medians, the ratios (goal: at most 1.5) and the peak RSS of each.
Usage: python bench/bench_startup.py [ROUNDS]
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

# The installed console script, as a user runs it (beside this interpreter).
EXE = shutil.which("exportdigest", path=os.path.dirname(sys.executable)) or "exportdigest"
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 25
COMMANDS = {
    "baseline: python -c 'import click'": [sys.executable, "-c", "import click"],
    "exportdigest --help": [EXE, "--help"],
    "exportdigest --list-targets": [EXE, "--list-targets"],
}


def timed(argv: list[str]) -> tuple[float, int]:
    """Wall time of one run and the peak RSS (KiB) of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env={**os.environ})
    elapsed = time.perf_counter() - start
    return elapsed, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def main() -> None:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    rss: dict[str, int] = {}
    for argv in COMMANDS.values():  # warm the file cache
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    for _ in range(ROUNDS):
        for name, argv in COMMANDS.items():
            elapsed, peak = timed(argv)
            times[name].append(elapsed)
            rss[name] = peak
    base = statistics.median(times[next(iter(COMMANDS))])
    print(f"start-up, median of {ROUNDS} runs each (interleaved):")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"  {name:38} {median * 1000:7.1f} ms  ratio {median / base:4.2f}x")
    print(f"  peak RSS of the children so far: {max(rss.values()) / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
