"""The note writer: notes made in turn or by the forked writer process, the same either way."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

import pytest

from exportdigest.exporters.obsidian import writer as writer_module
from exportdigest.exporters.obsidian.sync import Desired
from exportdigest.exporters.obsidian.vault import Vault
from exportdigest.exporters.obsidian.writer import Job, NoteWriter, note_bytes

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's writer")


def jobs(count: int, size: int) -> list[Job]:
    """`count` new paper notes with a block of about `size` characters each."""
    made = []
    for n in range(count):
        props = {"title": f"Paper {n}", "date": dt.date(2024, 11, 4), "paper_id": f"{n:016x}"}
        desired = Desired(props, f"# Paper {n}\n\n" + "본문 " * (size // 3) + "\n", f"{n:016x}")
        made.append(Job((f"Papers/Paper {n}.md", f"Papers/Paper {n} (x).md"), desired, (), str(n)))
    return made


@pytest.mark.parametrize("background", [False, True], ids=["in turn", "writer process"])
def test_every_note_lands_with_the_bytes_of_its_desired_text(tmp_path, background):
    if background and not sys.platform.startswith("linux"):
        pytest.skip("the writer process is Linux's")
    vault = Vault(tmp_path)
    writer = NoteWriter(vault, background)
    sent = jobs(50, 600)
    for job in sent:
        writer.submit(job)
    done = writer.finish()
    assert [d.rel for d in done] == [job.names[0] for job in sent]
    for job in sent:
        assert (tmp_path / job.names[0]).read_bytes() == note_bytes(job.desired)
        assert vault.facts[job.names[0]][:2] == [
            (tmp_path / job.names[0]).stat().st_mtime_ns,
            len(note_bytes(job.desired)),
        ]


@linux_only
def test_when_the_writer_lags_the_parent_builds_notes_and_they_still_land(tmp_path, monkeypatch):
    parent = os.getpid()
    built_here = []
    real_note_bytes, real_create = writer_module.note_bytes, writer_module.create_note

    def counting_note_bytes(desired):
        if os.getpid() == parent:
            built_here.append(desired.h_in)
        return real_note_bytes(desired)

    def slow_create(vault, names, data):
        time.sleep(0.002)  # a slow disk
        return real_create(vault, names, data)

    monkeypatch.setattr(writer_module, "note_bytes", counting_note_bytes)
    monkeypatch.setattr(writer_module, "create_note", slow_create)
    vault = Vault(tmp_path)
    writer = NoteWriter(vault, background=True)
    sent = jobs(400, 6000)  # about 2.4 MB: more than the pipe and the queue hold
    for job in sent:
        writer.submit(job)
    done = writer.finish()
    assert all(d.rel == d.job.names[0] for d in done) and len(done) == len(sent)
    assert 0 < len(built_here) < len(sent)  # some built here, the rest by the writer
    for job in sent:
        assert (tmp_path / job.names[0]).read_bytes() == real_note_bytes(job.desired)
