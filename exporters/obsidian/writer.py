"""New notes written on a second thread, so the disk works while the next note is rendered.

Creating a file costs kernel time (on some disks more than rendering the note does), and the
kernel releases the GIL meanwhile: one worker thread doing the writes lets both run at once.
Each write is still atomic and never replaces a file (`Vault.write` with `create=True`).
"""

from __future__ import annotations

import queue
import threading
from typing import NamedTuple

from .vault import NameTaken, UnsafePath, Vault

_QUEUED = 256  # notes waiting at most: bounds memory whatever the disk's speed


class Job(NamedTuple):
    """A note to create: where, its bytes, its facts for the cache, and who it is for."""

    rel: str
    data: bytes
    facts: tuple
    owner: object  # handed back with a failure, so the caller can retry or count it


class Failure(NamedTuple):
    """A job the worker could not do, and why."""

    job: Job
    error: OSError | UnsafePath | NameTaken


class BackgroundWriter:
    """Creates notes on one worker thread; failures come back to the caller at `finish`."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._queue: queue.Queue[Job | None] = queue.Queue(_QUEUED)
        self._failures: list[Failure] = []
        self._crash: BaseException | None = None
        self._thread: threading.Thread | None = None

    def submit(self, job: Job) -> None:
        """Queue a note for creation (waits while the queue is full)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="exportdigest-writer")
            self._thread.daemon = True
            self._thread.start()
        self._queue.put(job)

    def finish(self) -> list[Failure]:
        """Wait until every queued note is written; the jobs that failed, in order."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._crash is not None:
            crash, self._crash = self._crash, None
            raise crash
        failures, self._failures = self._failures, []
        return failures

    def _work(self) -> None:
        facts = self.vault.facts
        while (job := self._queue.get()) is not None:
            if self._crash is not None:
                continue  # keep draining so `submit` never blocks; `finish` raises it
            try:
                stat = self.vault.write(job.rel, job.data, create=True)
            except (OSError, UnsafePath, NameTaken) as exc:
                self._failures.append(Failure(job, exc))
            except BaseException as exc:  # a bug: re-raised on the caller's thread
                self._crash = exc
            else:
                facts[job.rel] = [*stat, *job.facts]
