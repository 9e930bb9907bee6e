"""Creating new notes, on a second process where the platform allows it.

Creating a file costs kernel time: on ext4 it can cost as much as rendering the note. A
forked writer process (Linux) creates the notes while this one renders the next, so both
cores work. A thread would not do: after each of its system calls it waits for the GIL,
which the rendering holds. The writer also builds each note's text (hash and YAML) unless
it lags behind, in which case this process builds it while it waits. Each create is still
atomic and never replaces a file (`Vault.write` with `create=True`). Elsewhere, for a few
notes, or beside other threads, notes are written in turn.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import pickle
import select
import signal
import sys
import threading
from typing import NamedTuple

from .sync import Desired, new_note
from .vault import NameTaken, UnsafePath, Vault

BACKGROUND_FROM = 200  # notes in a run before a writer process pays for its start
_FRAME = 4  # bytes of the length before each job sent to the writer process
_PIPE_BYTES = 1 << 20  # in the pipe to the writer at most (about 300 notes)
_WAITING = 1 << 18  # and waiting on this side of it


class Job(NamedTuple):
    """A note to create: names to try in order, what it holds, its facts, whose it is."""

    names: tuple[str, ...]  # vault-relative; a name taken meanwhile falls to the next
    desired: Desired | None  # its text is built by whichever process has the time
    facts: tuple
    owner: str


class Done(NamedTuple):
    """Where a job's note landed (`rel`), or why it could not be written (`error`)."""

    job: Job
    rel: str | None
    error: str = ""


def note_bytes(desired: Desired) -> bytes:
    """The full text of a new note, encoded (the hash and the YAML emitter: the costly part)."""
    return new_note(desired).encode("utf-8")


def create_note(vault: Vault, names: tuple[str, ...], data: bytes) -> tuple:
    """(rel, stat facts, "") for the first free name, or (None, None, why) on failure."""
    why = ""
    for rel in names:
        try:
            return rel, vault.write(rel, data, create=True), ""
        except NameTaken as exc:
            why = str(exc)
        except (OSError, UnsafePath) as exc:
            return None, None, str(exc)
    return None, None, why


class NoteWriter:
    """Creates notes in turn, or on a writer process; every outcome comes back at `finish`."""

    def __init__(self, vault: Vault, background: bool) -> None:
        self.vault = vault
        # Forking is safe only while this process runs no other thread (a lock it holds
        # would stay held in the child); a program that embeds the exporter may.
        self.background = (
            background
            and sys.platform.startswith("linux")
            and hasattr(os, "fork")
            and threading.active_count() == 1
        )
        self._sent: list[Job] = []  # jobs sent to the writer (text dropped), in order
        self._done: list[Done] = []
        self._child: int | None = None
        self._jobs = None
        self._results = -1

    def submit(self, job: Job) -> None:
        """Create the note now, or hand it to the writer process (which may still be busy)."""
        if self.background and self._child is None:
            self._start()
        if self._jobs is None:
            self._done.append(Done(job, *self._create(job)))
            return
        desired = job.desired
        try:
            if self._jobs.drain():  # the writer keeps up: it builds the note's text too
                parts = (job.names, desired.properties, desired.inner, desired.h_in)
            else:  # it lags (the disk is slow): build the text here meanwhile
                parts = (job.names, note_bytes(desired))
            self._jobs.send(pickle.dumps(parts, pickle.HIGHEST_PROTOCOL))
        except BrokenPipeError:  # the writer process is gone: write the rest here
            self._jobs = None
            self._done.append(Done(job, *self._create(job)))
            return
        self._sent.append(job._replace(desired=None))

    def finish(self) -> list[Done]:
        """Wait for every note to be written; each job with its outcome, in order."""
        if self._child is not None:
            self._collect()
        done, self._done = self._done, []
        return done

    def _create(self, job: Job) -> tuple:
        rel, stat, why = create_note(self.vault, job.names, note_bytes(job.desired))
        if rel is not None:
            self.vault.facts[rel] = [*stat, *job.facts]
        return rel, why

    def _start(self) -> None:
        import fcntl  # Linux only, as is the writer process

        jobs_in, jobs_out = os.pipe()
        results_in, results_out = os.pipe()
        child = os.fork()
        if child == 0:
            try:
                os.close(jobs_out)
                os.close(results_in)
                _serve(self.vault, jobs_in, results_out)
            finally:
                os._exit(1)  # the child must never return into the parent's code
        os.close(jobs_in)
        os.close(results_out)
        with contextlib.suppress(AttributeError, OSError):  # fewer wake-ups with a larger pipe
            fcntl.fcntl(jobs_out, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        self._child, self._results = child, results_in
        self._jobs = _Pipe(jobs_out)

    def _collect(self) -> None:
        if self._jobs is not None:
            self._jobs.close()
            self._jobs = None
        with open(self._results, "rb") as stream:
            raw = stream.read()
        _pid, status = os.waitpid(self._child, 0)
        self._child = None
        try:
            results = marshal.loads(raw) if status == 0 else []
        except (EOFError, ValueError, TypeError):
            results = []
        # The writer reports everything or nothing; without its report a note may or may not
        # be there, so it is not retried (that could make a second note): the next run sees.
        sent, self._sent = self._sent, []
        done = []
        for index, job in enumerate(sent):
            if index < len(results):
                rel, stat, why = results[index]
                if rel is not None:
                    self.vault.facts[rel] = [*stat, *job.facts]
                done.append(Done(job, rel, why))
            else:
                done.append(Done(job, None, "the writer process stopped before reporting"))
        self._done[:0] = done  # sent jobs came before any written here after a broken pipe


class _Pipe:
    """The jobs pipe's writing end, non-blocking, so the parent sees when the writer lags."""

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fd = fd
        self.pending = bytearray()
        self._poll = select.poll()  # not select(): it fails for descriptors above 1023
        self._poll.register(fd, select.POLLOUT)

    def drain(self) -> bool:
        """Write what the pipe takes now; whether nothing is left waiting."""
        while self.pending:
            try:
                written = os.write(self.fd, self.pending)
            except BlockingIOError:
                return False
            del self.pending[:written]
        return True

    def send(self, frame: bytes) -> None:
        """Queue a job; wait only while more than _WAITING bytes are queued here."""
        self.pending += len(frame).to_bytes(_FRAME, "little") + frame
        while not self.drain() and len(self.pending) > _WAITING:
            self._poll.poll()

    def close(self) -> None:
        """Send what is left, then the end of the jobs."""
        with contextlib.suppress(BrokenPipeError):
            os.set_blocking(self.fd, True)
            while self.pending:
                del self.pending[: os.write(self.fd, self.pending)]
        os.close(self.fd)


def _serve(vault: Vault, jobs_in: int, results_out: int) -> None:
    """The writer process: create each note sent, then report all outcomes and exit."""
    code = 1
    try:
        # Ctrl-C reaches the whole process group: the parent stops sending, this one finishes.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        results = []
        with open(jobs_in, "rb", buffering=1 << 16) as stream:
            while header := stream.read(_FRAME):
                names, *job = pickle.loads(stream.read(int.from_bytes(header, "little")))
                data = job[0] if len(job) == 1 else note_bytes(Desired(*job))
                results.append(create_note(vault, names, data))
        with open(results_out, "wb") as out:
            out.write(marshal.dumps(results))
        code = 0
    finally:
        os._exit(code)  # never run the parent's cleanups (temp folders, buffers) twice
