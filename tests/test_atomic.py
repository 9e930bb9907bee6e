"""Atomic writes: old or new bytes only, no file replaced by a create, modes and mtimes kept."""

from __future__ import annotations

import errno
import os

import pytest

from exportdigest.atomic import is_temp, replace_if_changed, write_atomic


def leftovers(folder) -> list[str]:
    return [p.name for p in folder.iterdir() if is_temp(p.name)]


def test_create_never_replaces_a_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "note.md"
    stat = write_atomic(path, b"first", create=True, durable=False)
    assert path.read_bytes() == b"first"
    assert (stat.st_size, stat.st_ino) == (5, path.stat().st_ino)
    with pytest.raises(FileExistsError):
        write_atomic(path, b"second", create=True, durable=False)
    assert path.read_bytes() == b"first" and leftovers(tmp_path) == []


def test_create_works_where_the_file_system_has_no_hard_links(tmp_path, monkeypatch):
    def no_links(*_args, **_kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "note.md"
    write_atomic(path, b"first", create=True, durable=False)
    with pytest.raises(FileExistsError):
        write_atomic(path, b"second", create=True, durable=False)
    assert path.read_bytes() == b"first" and leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_replaced_file_keeps_its_mode_and_a_new_one_gets_the_umasks(tmp_path):
    umask = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new", b"x")
        assert (tmp_path / "new").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)
    private = tmp_path / "private"
    private.write_bytes(b"old")
    private.chmod(0o600)
    write_atomic(private, b"new")
    assert private.read_bytes() == b"new" and private.stat().st_mode & 0o777 == 0o600


def test_an_unchanged_file_keeps_its_bytes_and_mtime(tmp_path):
    path = tmp_path / "out.ris"
    assert replace_if_changed(path, [b"TY  - ", b"JOUR\n"])
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert not replace_if_changed(path, [b"TY  - JOUR\n"])
    assert path.stat().st_mtime_ns == 1_000_000_000 and leftovers(tmp_path) == []
    assert replace_if_changed(path, [b"TY  - BOOK\n"])
    assert path.read_bytes() == b"TY  - BOOK\n"


def test_a_write_that_breaks_off_leaves_the_old_file_and_its_temp_was_recognisable(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_bytes(b"old\n")
    seen = []

    def chunks():
        yield b"new\n"
        seen.extend(p.name for p in tmp_path.iterdir() if p != path)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replace_if_changed(path, chunks())
    assert len(seen) == 1 and is_temp(seen[0])  # what a killed run leaves, found by name
    assert path.read_bytes() == b"old\n" and leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_private_file_is_owner_only_from_its_first_byte_whatever_it_replaces(
    tmp_path, monkeypatch
):
    path = tmp_path / "key.json"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o644)
    seen = []
    real_fsync = os.fsync

    def watch(fd):  # the temp file, with its bytes in it, just before the rename
        seen.append(os.fstat(fd).st_mode & 0o777)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", watch)
    write_atomic(path, b"secret", private=True)
    assert seen == [0o600]
    assert path.stat().st_mode & 0o777 == 0o600 and path.read_bytes() == b"secret"
    write_atomic(tmp_path / "new.json", b"secret", private=True)
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == 0o600
