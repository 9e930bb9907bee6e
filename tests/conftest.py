"""Shared fixtures: the project's own copy of the seed digest, parsed entries, a CLI runner."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from exportdigest.cli import main
from exportdigest.inputs import collect
from exportdigest.reader import Digests

DATA = Path(__file__).parent / "data"
SEED = DATA / "2024-11-04.txt"


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory, monkeypatch):
    """No test reads the developer's own config file, state or Zotero credentials."""
    monkeypatch.setenv("EXPORTDIGEST_CONFIG", str(tmp_path_factory.mktemp("cfg") / "config.toml"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
    for name in ("ZOTERO_API_KEY", "ZOTERO_LIBRARY_ID", "ZOTERO_LIBRARY_TYPE", "ZOTERO_API_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("EXPORTDIGEST_ARXIV_URL", "EXPORTDIGEST_ARXIV_DELAY"):  # never the real arXiv
        monkeypatch.delenv(name, raising=False)
    for name in ("NO_PROXY", "no_proxy"):  # the stand-ins on 127.0.0.1, never through a proxy
        monkeypatch.setenv(name, "127.0.0.1")


@pytest.fixture
def seed_path(tmp_path) -> Path:
    """A private copy of the seed digest (2024-11-04, 10 papers)."""
    target = tmp_path / "digests" / SEED.name
    target.parent.mkdir()
    shutil.copy(SEED, target)
    return target


@pytest.fixture(scope="session")
def seed_entries():
    """The seed digest's 10 entries, parsed."""
    return list(Digests(collect([str(SEED)])))


@dataclass
class Result:
    """What a command run printed and returned."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def run_cli():
    """Run `exportdigest ARGS...` in-process through the script's own entry point (`main`,
    with its exit codes), against the installed targets; returns a Result."""

    def run(*args: str, input: str | bytes | None = None, env: dict | None = None) -> Result:
        runner = CliRunner()
        with runner.isolation(input=input, env=env) as (stdout, stderr, _):
            try:
                main(list(args))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            return Result(code, stdout.getvalue().decode(), stderr.getvalue().decode())

    return run


@pytest.fixture
def chdir(tmp_path):
    """Run the test inside tmp_path."""
    old = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(old)
