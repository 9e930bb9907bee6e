"""An output that is one of the inputs, by any spelling of its path, is refused (exit 2)
before anything is read or written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FILE_TARGETS = ("ris", "bibtex", "csljson", "jsonl")


def spellings(digest: Path, tmp_path: Path) -> dict[str, str]:
    """Other paths that name the digest file itself."""
    link = tmp_path / "link.txt"
    link.symlink_to(digest)
    hard = tmp_path / "hard.txt"
    os.link(digest, hard)
    return {
        "as given": str(digest),
        "relative": os.path.relpath(digest),
        "with ..": str(digest.parent / ".." / digest.parent.name / digest.name),
        "dot": str(digest.parent / "." / digest.name),
        "symlink": str(link),
        "hard link": str(hard),
    }


@pytest.mark.parametrize("target", FILE_TARGETS)
@pytest.mark.parametrize("flag", ["-o", "own"])
@pytest.mark.parametrize(
    "spelling", ["as given", "relative", "with ..", "dot", "symlink", "hard link"]
)
def test_an_output_onto_an_input_is_refused(run_cli, seed_path, tmp_path, target, flag, spelling):
    before = seed_path.read_bytes()
    out = spellings(seed_path, tmp_path)[spelling]
    option = "-o" if flag == "-o" else f"--{target}-out"
    other = tmp_path / "other.ris"
    extra = ["-t", "ris", "--ris-out", str(other)] if target != "ris" else []
    result = run_cli("-t", target, option, out, *extra, str(seed_path.parent))
    assert result.exit_code == 2, result.output
    assert "which is the input" in result.stderr and "name another output file" in result.stderr
    assert seed_path.read_bytes() == before
    assert not other.exists()  # nothing was written for any target


def test_an_input_found_inside_a_folder_is_recognised(run_cli, seed_path, tmp_path):
    before = seed_path.read_bytes()
    result = run_cli("-t", "bibtex", "-o", str(seed_path), str(tmp_path))
    assert result.exit_code == 2 and seed_path.read_bytes() == before


def test_standard_input_read_from_the_output_file_is_refused(seed_path, tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable), "exportdigest")
    env = {**os.environ, "EXPORTDIGEST_CONFIG": str(tmp_path / "none.toml")}
    before = seed_path.read_bytes()
    with open(seed_path, "rb") as stdin:
        done = subprocess.run(
            [exe, "-t", "ris", "-o", str(seed_path), "-"],
            stdin=stdin,
            capture_output=True,
            text=True,
            env=env,
        )
    assert done.returncode == 2 and "which is standard input" in done.stderr
    assert seed_path.read_bytes() == before


def test_an_output_beside_the_inputs_is_written(run_cli, seed_path, tmp_path):
    out = seed_path.parent / "papers.ris"
    result = run_cli("-t", "ris", "-o", str(out), str(seed_path))
    assert result.exit_code == 0 and out.read_text("utf-8").count("TY  - ") == 10
