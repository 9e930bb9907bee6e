"""The jsonl target: the entry model, one JSON object per paper."""

from __future__ import annotations

import json
import os

from hypothesis import given, settings
from strategies import entry_lists

from exportdigest.exporter import Run
from exportdigest.exporters.jsonl import JsonlExporter

KEYS = [
    "id",
    "title",
    "authors",
    "abstract",
    "commentary",
    "tags",
    "date",
    "sources",
    "urls",
    "arxiv",
]


def test_each_line_has_exactly_the_documented_keys_in_utf8(run_cli, seed_path):
    result = run_cli("-t", "jsonl", str(seed_path))
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 10
    for row in rows:
        assert list(row) == KEYS
        assert set(row["commentary"]) == {"ko", "en"}
        assert row["date"] == "2024-11-04"
        assert [set(s) for s in row["sources"]] == [{"path", "line", "date", "part"}]
    assert "Prefix와 Suffix의" in result.stdout  # not \\uXXXX-escaped
    assert rows[2]["urls"] == [
        "https://github.com/Haiyang-W/TokenFormer",
        "https://arxiv.org/abs/1907.01470",
    ]
    assert rows[4]["tags"] == ["alignment", "long-context"]
    assert rows[0]["sources"][0] == {
        "path": seed_path.as_posix(),
        "line": 2,
        "date": "2024-11-04",
        "part": 1,
    }


def test_out_file_is_written_once_and_left_untouched_when_unchanged(run_cli, seed_path, tmp_path):
    out = tmp_path / "papers.jsonl"
    first = run_cli("-t", "jsonl", "-o", str(out), str(seed_path))
    assert "jsonl: 10 created" in first.stderr
    os.utime(out, (1_000_000_000, 1_000_000_000))
    again = run_cli("-t", "jsonl", "-o", str(out), str(seed_path))
    assert "jsonl: 0 created, 0 updated, 10 unchanged" in again.stderr
    assert out.stat().st_mtime == 1_000_000_000
    seed_path.write_text(seed_path.read_text("utf-8").replace("#search", "#search #new"), "utf-8")
    changed = run_cli("-t", "jsonl", "-o", str(out), str(seed_path))
    assert "jsonl: 0 created, 10 updated" in changed.stderr
    assert '"new"' in out.read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digests", "papers.jsonl"]  # no temp left


def test_out_pointing_at_a_directory_is_a_usage_error(run_cli, seed_path, tmp_path):
    result = run_cli("-t", "jsonl", "-o", str(tmp_path), str(seed_path))
    assert result.exit_code == 2 and "is a directory" in result.stderr


@settings(max_examples=100, deadline=None)
@given(entry_lists())
def test_renderer_writes_each_entry_as_its_model_dict(entries):
    text = "".join(JsonlExporter({"out": "-"}, Run()).render(entries))
    lines = text.split("\n")
    assert lines[-1] == ""
    assert [json.loads(line) for line in lines[:-1]] == [e.as_dict() for e in entries]
    # Byte for byte the standard library's compact form, not ASCII-escaped.
    compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    assert lines[:-1] == [compact(e.as_dict()) for e in entries]


def test_a_new_file_gets_the_usual_permissions_and_a_replaced_one_keeps_its_own(
    run_cli, seed_path, tmp_path
):
    out = tmp_path / "papers.jsonl"
    umask = os.umask(0o022)
    try:
        run_cli("-t", "jsonl", "-o", str(out), str(seed_path))
        assert out.stat().st_mode & 0o777 == 0o644
        out.chmod(0o600)
        seed_path.write_text(seed_path.read_text("utf-8").replace("#search", "#other"), "utf-8")
        run_cli("-t", "jsonl", "-o", str(out), str(seed_path))
        assert '"other"' in out.read_text("utf-8") and out.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(umask)
