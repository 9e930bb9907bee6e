"""Peak resident memory of this process, for the benchmarks."""

from __future__ import annotations

import resource


def peak_rss_kib() -> int:
    """This process's own peak RSS in KiB.

    Linux's VmHWM belongs to the process's own address space; ru_maxrss also counts the
    parent's size at fork time, so a child of a large process would look large.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
