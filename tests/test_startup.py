"""`--help` and `--list-targets` must not import any exporter's heavy libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pyzotero", "httpx2", "jinja2", "yaml", "frontmatter", "feedparser", "bibtexparser")
PROBE = """
import sys
from exportdigest.cli import main
sys.argv = ["exportdigest", {flag!r}]
try:
    main()
except SystemExit:
    pass
loaded = sorted(m for m in {heavy!r} if m in sys.modules)
print("LOADED:" + ",".join(loaded), file=sys.stderr)
"""


def loaded_after(flag: str) -> str:
    code = PROBE.format(flag=flag, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stderr.rsplit("LOADED:", 1)[1].strip()


def test_help_imports_no_heavy_library():
    assert loaded_after("--help") == ""


def test_list_targets_imports_no_heavy_library():
    assert loaded_after("--list-targets") == ""
