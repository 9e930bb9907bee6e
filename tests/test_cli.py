"""The `exportdigest` command as a user meets it: options, exit codes, summary, config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import click
from click.testing import CliRunner
from conftest import SEED

from exportdigest import digest_text
from exportdigest.cli import build_command
from exportdigest.exporter import Exporter, Outcome
from exportdigest.exporters.jsonl import JsonlExporter
from exportdigest.inputs import collect
from exportdigest.reader import Digests
from exportdigest.registry import Target

BROKEN = """2024-11-05
Good Paper
(A B)
좋다.
#x
Broken Title
저자 줄이 없다.
#y
"""


def test_jsonl_to_stdout_with_summary_on_stderr(run_cli, seed_path):
    result = run_cli("--target", "jsonl", str(seed_path))
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 10
    assert "10 papers read from 1 file(s); jsonl: 10 created" in result.stderr


def test_default_input_is_the_digests_folder(run_cli, seed_path, chdir):
    result = run_cli("-t", "jsonl")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 10


def test_no_target_and_unknown_target_are_usage_errors_listing_the_known_ones(run_cli, seed_path):
    result = run_cli(str(seed_path))
    assert result.exit_code == 2 and "jsonl" in result.stderr
    result = run_cli("-t", "nosuch", str(seed_path))
    assert result.exit_code == 2
    assert "unknown target 'nosuch'" in result.stderr and "jsonl" in result.stderr


def test_list_targets_shows_one_line_per_target(run_cli):
    result = run_cli("--list-targets")
    assert result.exit_code == 0
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert lines["jsonl"].startswith("One JSON object per paper")


def test_help_shows_every_option_with_examples_and_exit_codes(run_cli):
    result = run_cli("--help")
    assert result.exit_code == 0
    for option in (
        "--target",
        "--dry-run",
        "--since",
        "--until",
        "--tag",
        "--strict",
        "--quiet",
        "--verbose",
        "--config",
        "--out",
        "--list-targets",
    ):
        assert option in result.stdout
    assert "Examples:" in result.stdout and "Exit codes:" in result.stdout


def test_missing_path_is_exit_2(run_cli, tmp_path):
    result = run_cli("-t", "jsonl", str(tmp_path / "nope.txt"))
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_broken_entry_is_reported_with_file_and_line_and_the_rest_exported(run_cli, tmp_path):
    digest = tmp_path / "2024-11-05.txt"
    digest.write_text(BROKEN, encoding="utf-8")
    result = run_cli("-t", "jsonl", str(digest))
    assert result.exit_code == 0
    assert f"{digest.as_posix()}:6: error: no authors line" in result.stderr
    assert [json.loads(x)["title"] for x in result.stdout.splitlines()] == ["Good Paper"]


def test_strict_turns_a_diagnostic_into_exit_2_and_exports_nothing(run_cli, tmp_path):
    digest = tmp_path / "2024-11-05.txt"
    digest.write_text(BROKEN, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run_cli("-t", "jsonl", "--strict", "-o", str(out), str(digest))
    assert result.exit_code == 2
    assert "--strict" in result.stderr and not out.exists()


def test_unreadable_file_is_exit_2_but_good_files_are_exported(run_cli, tmp_path, seed_path):
    (seed_path.parent / "2024-11-06.txt").write_bytes("2024-11-06\n한국어".encode("cp949"))
    out = tmp_path / "out.jsonl"
    result = run_cli("-t", "jsonl", "-o", str(out), str(seed_path.parent))
    assert result.exit_code == 2
    assert "2024-11-06.txt:2: error: not UTF-8" in result.stderr
    assert len(out.read_text("utf-8").splitlines()) == 10


def test_since_until_and_tag_select_papers(run_cli, seed_path):
    result = run_cli("-t", "jsonl", "--tag", "reasoning", str(seed_path))
    titles = [json.loads(x)["title"] for x in result.stdout.splitlines()]
    assert len(titles) == 2 and all("reason" in t.lower() or "Thinking" in t for t in titles)
    assert "10 papers read from 1 file(s), 2 selected" in result.stderr
    result = run_cli("-t", "jsonl", "--since", "2024-11-05", str(seed_path))
    assert result.stdout == ""
    result = run_cli("-t", "jsonl", "--until", "2024-11-04", str(seed_path))
    assert len(result.stdout.splitlines()) == 10
    result = run_cli("-t", "jsonl", "--since", "yesterday", str(seed_path))
    assert result.exit_code == 2


def test_dry_run_writes_nothing_and_shows_the_plan(run_cli, seed_path, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_cli("-t", "jsonl", "--dry-run", "-o", str(out), str(seed_path))
    assert result.exit_code == 0
    assert not out.exists()
    assert "would create" in result.stderr and "dry run: nothing written" in result.stderr


def test_quiet_prints_no_summary_and_verbose_prints_each_action(run_cli, seed_path, tmp_path):
    out = tmp_path / "out.jsonl"
    assert run_cli("-t", "jsonl", "-q", "-o", str(out), str(seed_path)).stderr == ""
    result = run_cli("-t", "jsonl", "-v", "-o", str(out), str(seed_path))
    assert "unchanged" in result.stderr


def test_target_repeatable_each_gets_the_same_entries(seed_path, tmp_path):
    seen: dict[str, list[str]] = {}

    class Recorder(Exporter):
        summary = "records titles"
        options = (click.Option(["--label"], default="x"),)

        def export(self, entries, count):
            seen[self.settings["label"] + str(len(seen))] = [e.title for e in entries]
            outcome = Outcome()
            outcome.add("created", count)
            return outcome

    targets = {
        "jsonl": Target("jsonl", JsonlExporter),
        "one": Target("one", Recorder),
        "two": Target("two", type("Recorder2", (Recorder,), {})),
    }
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(
        build_command(targets),
        ["-t", "one", "-t", "jsonl", "-t", "two", "-o", str(out), str(seed_path)],
    )
    assert result.exit_code == 0, result.output
    assert list(seen) == ["x0", "x1"] and seen["x0"] == seen["x1"] and len(seen["x0"]) == 10
    assert [json.loads(x)["title"] for x in out.read_text("utf-8").splitlines()] == seen["x0"]
    assert "one: 10 created" in result.stderr and "two: 10 created" in result.stderr


def test_config_section_applies_to_its_target(run_cli, seed_path, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[jsonl]\nout = "{tmp_path / "from-config.jsonl"}"\n', encoding="utf-8")
    result = run_cli("-t", "jsonl", "--config", str(config), str(seed_path))
    assert result.exit_code == 0
    assert len((tmp_path / "from-config.jsonl").read_text("utf-8").splitlines()) == 10


def test_config_file_gives_per_target_defaults_and_the_command_line_wins(
    run_cli, seed_path, tmp_path
):
    config = tmp_path / "config.toml"
    config.write_text(
        f'[defaults]\ntarget = ["jsonl"]\ntag = ["optimizer"]\n\n[jsonl]\nout = "{tmp_path / "a.jsonl"}"\n',
        encoding="utf-8",
    )
    env = {"EXPORTDIGEST_CONFIG": str(config)}
    result = run_cli(str(seed_path), env=env)
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "a.jsonl").read_text("utf-8").splitlines()) == 1
    result = run_cli("-o", str(tmp_path / "b.jsonl"), str(seed_path), env=env)
    assert result.exit_code == 0 and (tmp_path / "b.jsonl").exists()


def test_bad_config_file_is_a_clear_usage_error(run_cli, seed_path, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[jsonl\nout=", encoding="utf-8")
    result = run_cli("-t", "jsonl", "--config", str(config), str(seed_path))
    assert result.exit_code == 2 and "not valid TOML" in result.stderr


def test_stdin_input(run_cli):
    result = run_cli("-t", "jsonl", "-", input=SEED.read_bytes())
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 10
    assert json.loads(result.stdout.splitlines()[0])["sources"][0]["path"] == "<stdin>"


def test_installed_script_exit_codes_and_closed_pipe(tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable), "exportdigest")
    env = {**os.environ, "EXPORTDIGEST_CONFIG": str(tmp_path / "none.toml")}
    done = subprocess.run([exe, "-t", "jsonl", str(SEED)], capture_output=True, env=env)
    assert done.returncode == 0 and done.stdout.count(b"\n") == 10
    bad = subprocess.run([exe, "-t", "nosuch", str(SEED)], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "exportdigest: error: unknown target" in bad.stderr
    assert "Traceback" not in bad.stderr
    head = subprocess.run(
        f"'{exe}' -t jsonl '{SEED}' | head -c 10", shell=True, capture_output=True, env=env
    )
    assert head.returncode == 0 and b"Traceback" not in head.stderr
    # Output far beyond a pipe's buffer, its reader gone after one line: a quiet exit 0.
    many = tmp_path / "many.txt"
    seed = list(Digests(collect([str(SEED)])))
    copies = [replace(e, title=f"{e.title} {n}") for n in range(300) for e in seed]
    many.write_text(digest_text.render(copies), encoding="utf-8")
    reader = subprocess.Popen(
        [exe, "-t", "jsonl", str(many)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    reader.stdout.readline()
    reader.stdout.close()
    assert reader.wait() == 0
    said = reader.stderr.read().decode()
    assert "jsonl: 0 created" in said and "stopped: standard output was closed" in said
    assert "error" not in said and "Traceback" not in said


def test_shell_completion_offers_target_names(tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable), "exportdigest")
    env = {
        **os.environ,
        "_EXPORTDIGEST_COMPLETE": "bash_complete",
        "COMP_WORDS": "exportdigest --target j",
        "COMP_CWORD": "2",
        "EXPORTDIGEST_CONFIG": str(tmp_path / "none.toml"),
    }
    done = subprocess.run([exe], capture_output=True, text=True, env=env)
    assert "jsonl" in done.stdout


def test_a_failing_target_is_reported_and_the_others_still_run(seed_path, tmp_path):
    class Failing(Exporter):
        summary = "always fails"

        def export(self, entries, count):
            raise OSError(28, "No space left on device")

    targets = {"bad": Target("bad", Failing), "jsonl": Target("jsonl", JsonlExporter)}
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(
        build_command(targets), ["-t", "bad", "-t", "jsonl", "-o", str(out), str(seed_path)]
    )
    assert result.exit_code == 1
    assert "bad: [Errno 28] No space left on device" in result.stderr
    assert "bad: 0 created, 0 updated, 0 unchanged, 0 skipped, 1 failed" in result.stderr
    assert len(out.read_text("utf-8").splitlines()) == 10


def test_two_file_targets_cannot_share_one_out_but_each_can_have_its_own(
    run_cli, seed_path, tmp_path
):
    shared = run_cli("-t", "jsonl", "-t", "ris", "-o", str(tmp_path / "x"), str(seed_path))
    assert shared.exit_code == 2 and "would both write" in shared.stderr
    assert not (tmp_path / "x").exists()
    assert run_cli("-t", "jsonl", "-t", "ris", str(seed_path)).exit_code == 2  # both stdout
    own = run_cli(
        "-t",
        "jsonl",
        "--jsonl-out",
        str(tmp_path / "p.jsonl"),
        "-t",
        "ris",
        "--ris-out",
        str(tmp_path / "p.ris"),
        str(seed_path),
    )
    assert own.exit_code == 0, own.output
    assert (tmp_path / "p.jsonl").read_text("utf-8").count("\n") == 10
    assert (tmp_path / "p.ris").read_text("utf-8").count("ER  - ") == 10


def test_an_unknown_config_key_is_named_not_silently_ignored(run_cli, seed_path, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[jsonl]\nuot = "typo.jsonl"\n', encoding="utf-8")
    result = run_cli("-t", "jsonl", "--config", str(config), str(seed_path))
    assert result.exit_code == 0
    assert "config [jsonl]: unknown key 'uot' ignored" in result.stderr
    assert "jsonl_out" in result.stderr and len(result.stdout.splitlines()) == 10


def test_a_full_temporary_disk_is_a_clear_failure_not_an_internal_error(
    run_cli, seed_path, tmp_path, monkeypatch
):
    import errno
    import tempfile

    real_temporary_file = tempfile.TemporaryFile

    class FullDisk:
        """A real temporary file on which every write fails as on a full disk."""

        def __init__(self, *args, **kwargs):
            self._file = real_temporary_file(*args, **kwargs)

        def write(self, _data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self._file, name)

    monkeypatch.setattr(tempfile, "TemporaryFile", FullDisk)
    result = run_cli("-t", "jsonl", "--out", str(tmp_path / "out.jsonl"), str(seed_path))
    assert result.exit_code == 1
    assert "cannot write the reader's temporary file" in result.output
    assert "No space left on device" in result.output and "TMPDIR" in result.output
    assert "internal error" not in result.output
    assert not (tmp_path / "out.jsonl").exists()
