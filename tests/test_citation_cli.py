"""The ris, bibtex and csljson targets through the real command: files, re-runs, dry runs."""

from __future__ import annotations

import json
import os

import pytest
from pybtex.database import parse_file


@pytest.mark.parametrize(
    ("target", "name", "first_bytes"),
    [
        ("ris", "papers.ris", b"TY  - UNPB\r\nTI  - Learning to Achieve Goals"),
        ("bibtex", "papers.bib", b"% Encoding: UTF-8\n\n@misc{hu2024learning,\n"),
        ("csljson", "papers.json", b'[\n{"id": "hu2024learning", "type": "article", '),
    ],
)
def test_out_file_is_written_then_left_untouched_when_nothing_changed(
    run_cli, seed_path, tmp_path, target, name, first_bytes
):
    out = tmp_path / "refs" / name
    first = run_cli("-t", target, "-o", str(out), str(seed_path))
    assert first.exit_code == 0 and f"{target}: 10 created" in first.stderr
    assert out.read_bytes().startswith(first_bytes)
    os.utime(out, (1_000_000_000, 1_000_000_000))
    again = run_cli("-t", target, "-o", str(out), str(seed_path))
    assert f"{target}: 0 created, 0 updated, 10 unchanged" in again.stderr
    assert out.stat().st_mtime == 1_000_000_000
    seed_path.write_text(seed_path.read_text("utf-8").replace("#search", "#search #new"), "utf-8")
    changed = run_cli("-t", target, "-o", str(out), str(seed_path))
    assert f"{target}: 0 created, 10 updated" in changed.stderr
    assert "new" in out.read_text("utf-8").rsplit("Scaling LLM Inference", 1)[1]


@pytest.mark.parametrize("target", ["ris", "bibtex", "csljson"])
def test_dry_run_writes_nothing(run_cli, seed_path, tmp_path, target):
    out = tmp_path / "papers.out"
    result = run_cli("-t", target, "-o", str(out), "--dry-run", str(seed_path))
    assert result.exit_code == 0 and f"would create: {out} (10 papers)" in result.stderr
    assert not out.exists()


def test_bibtex_and_csljson_give_each_paper_the_same_key(run_cli, seed_path, tmp_path):
    bib, csl = tmp_path / "papers.bib", tmp_path / "papers.json"
    assert run_cli("-t", "bibtex", "-o", str(bib), str(seed_path)).exit_code == 0
    assert run_cli("-t", "csljson", "-o", str(csl), str(seed_path)).exit_code == 0
    keys = list(parse_file(str(bib), "bibtex").entries)
    assert [item["id"] for item in json.loads(csl.read_text("utf-8"))] == keys
    assert len(set(keys)) == 10 and "kobayashi2024weight" in keys


def test_keys_do_not_depend_on_the_order_digests_are_given(run_cli, seed_path, tmp_path):
    lines = seed_path.read_text("utf-8").splitlines()
    header, body = lines[0], lines[1:]
    # Two digests of the same day, each holding a paper whose key clashes with the other's.
    a = [header, "Learning to Achieve Goals A", "(Edward S. Hu)", "Abstract.", "한국어.", "#x"]
    b = [header, "Learning Faster Goals B", "(Edward Hu)", "Abstract.", "한국어.", "#y"]
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("\n".join(a + body) + "\n", "utf-8")
    second.write_text("\n".join(b) + "\n", "utf-8")
    keys = []
    for order in ((first, second), (second, first)):
        out = tmp_path / "o.bib"
        assert run_cli("-t", "bibtex", "-o", str(out), *map(str, order)).exit_code == 0
        entries = parse_file(str(out), "bibtex").entries
        keys.append({entries[k].fields["title"]: k for k in entries})
    assert keys[0] == keys[1]
    assert sorted(v for v in keys[0].values() if v.startswith("hu2024learning")) == [
        "hu2024learning",
        "hu2024learninga",
        "hu2024learningb",
    ]
