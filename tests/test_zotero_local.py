"""`--target zotero --zotero-local` against the desktop app's stand-in: no Web API key."""

from __future__ import annotations

pytest_plugins = ("zotero_standin",)  # fixtures: clock, desktop, push_local, big_digest


def test_first_push_asks_once_and_files_every_paper(push_local, desktop, seed_path):
    result = push_local(str(seed_path))
    assert result.exit_code == 0, result.output
    assert "zotero: 10 created" in result.output
    assert desktop.dialogs == ["exportdigest"]
