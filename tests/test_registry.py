"""Targets are found through entry points only: third-party plugins, broken ones, and ours."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import SEED

from exportdigest.registry import GROUP, discover, entry_points

EXE = os.path.join(os.path.dirname(sys.executable), "exportdigest")
PLUGIN = '''
"""A third-party exporter, installed outside the exportdigest project."""
import click
from exportdigest.exporter import Exporter, Outcome


class ShoutExporter(Exporter):
    summary = "Prints titles in capitals."
    options = (click.Option(["--shout-prefix"], default=">>", help="Prefix of each line."),)

    def export(self, entries, count):
        outcome = Outcome()
        for entry in entries:
            click.echo(self.settings["shout_prefix"] + " " + entry.title.upper())
            outcome.add("created")
        return outcome
'''


def install_plugin(site: Path, name: str, module: str, source: str, value: str) -> None:
    """Lay out a distribution the way pip installs one: the module plus its .dist-info."""
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{name} = {value}\n", encoding="utf-8")


def run(site: Path, *args: str, tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site), "EXPORTDIGEST_CONFIG": str(tmp / "none.toml")}
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=env)


def test_third_party_exporter_is_listed_and_selectable_with_its_own_option(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    install_plugin(site, "shout", "shout_plugin", PLUGIN, "shout_plugin:ShoutExporter")
    listed = run(site, "--list-targets", tmp=tmp_path)
    assert "shout     Prints titles in capitals." in listed.stdout.replace("  ", "  ")
    assert "--shout-prefix" in run(site, "--help", tmp=tmp_path).stdout
    done = run(site, "--target", "shout", "--shout-prefix", "!!", str(SEED), tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.splitlines()[0] == "!! LEARNING TO ACHIEVE GOALS WITH BELIEF STATE TRANSFORMERS"
    )
    assert "shout: 10 created" in done.stderr


def test_a_broken_plugin_is_reported_and_does_not_break_the_others(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    install_plugin(site, "broken", "broken_plugin", "import no_such_module\n", "broken_plugin:X")
    install_plugin(site, "notexporter", "plain_plugin", "X = 1\n", "plain_plugin:X")
    listed = run(site, "--list-targets", tmp=tmp_path)
    assert listed.returncode == 0
    assert "broken" in listed.stdout and "No module named 'no_such_module'" in listed.stdout
    assert "not an Exporter subclass" in listed.stdout
    assert "jsonl" in listed.stdout
    used = run(site, "-t", "broken", str(SEED), tmp=tmp_path)
    assert used.returncode == 2 and "cannot be loaded" in used.stderr
    assert run(site, "-t", "jsonl", str(SEED), tmp=tmp_path).returncode == 0


def test_built_in_targets_register_through_the_same_entry_points():
    points = {p.name: p for p in entry_points()}
    for name in ("jsonl", "obsidian", "zotero", "ris", "bibtex", "csljson"):
        assert points[name].distribution == "exportdigest"
        assert points[name].value.startswith("exportdigest.exporters.")
    assert discover()["jsonl"].exporter is not None


def test_every_registered_exporter_has_tests():
    """A target counts as tested when a test module is named after it or uses its class."""
    tests = Path(__file__).parent
    sources = {p.name: p.read_text("utf-8") for p in tests.glob("test_*.py")}
    for name, target in discover().items():
        assert target.exporter is not None, f"target '{name}' does not load: {target.error}"
        cls = target.exporter.__name__
        named = [f for f in sources if f.startswith(f"test_{name}")]
        using = [f for f, text in sources.items() if cls in text and "def test_" in text]
        assert named or using, f"target '{name}' ({cls}) has no tests"


FAILING = """
from exportdigest.exporter import Exporter, ExportFailed


class FailingExporter(Exporter):
    summary = "Always fails."

    def export(self, entries, count):
        raise ExportFailed("the service said no")
"""


def test_the_installed_script_exits_1_when_a_target_fails_and_2_on_unreadable_input(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    install_plugin(site, "failing", "failing_plugin", FAILING, "failing_plugin:FailingExporter")
    failed = run(site, "-t", "failing", "-t", "jsonl", str(SEED), tmp=tmp_path)
    assert failed.returncode == 1
    assert "failing: the service said no" in failed.stderr
    assert failed.stdout.count("\n") == 10  # the other target still ran
    bad = tmp_path / "2024-11-05.txt"
    bad.write_bytes("2024-11-05\n한국어".encode("cp949"))
    unreadable = run(site, "-t", "jsonl", str(SEED), str(bad), tmp=tmp_path)
    assert unreadable.returncode == 2 and "not UTF-8" in unreadable.stderr
    assert unreadable.stdout.count("\n") == 10
