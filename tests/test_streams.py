"""What reaches the user's terminal: digest text with control characters is shown escaped."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import SEED
from hypothesis import given
from hypothesis import strategies as st

from exportdigest.streams import printable

EXE = os.path.join(os.path.dirname(sys.executable), "exportdigest")
CONTROLS = [chr(c) for c in [*range(0, 9), *range(11, 32), *range(127, 160)]]


@given(st.text())
def test_printable_text_holds_no_control_but_tab_and_newline(text):
    shown = printable(text)
    assert not any(c in CONTROLS for c in shown)
    assert shown.count("\n") == text.count("\n") and shown.count("\t") == text.count("\t")


@given(st.text(alphabet=st.characters(blacklist_characters=CONTROLS)))
def test_text_without_controls_is_shown_as_it_is(text):
    assert printable(text) == text


def test_what_any_target_says_reaches_the_terminal_escaped(tmp_path):
    # Every line a target prints goes through its Run: say, detail, plan, progress.
    code = (
        "from exportdigest.exporter import Run\n"
        "run = Run(verbosity=1)\n"
        "run.say('say \\x1b]0;pwned\\x07')\n"
        "run.detail('detail \\x1b[2J')\n"
        "run.plan('created', 'plan \\x9b31m')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    assert b"\x1b" not in done.stderr and b"\x07" not in done.stderr
    assert b"\xc2\x9b" not in done.stderr  # U+009B, the one-character CSI
    shown = done.stderr.decode()
    assert "say \\x1b]0;pwned\\x07" in shown and "detail \\x1b[2J" in shown
    assert "created: plan \\x9b31m" in shown


def test_escape_and_bell_in_a_diagnostic_are_escaped(tmp_path):
    digest = tmp_path / "2024-11-04.txt"
    digest.write_text("\x1b]0;pwned\x07 stray\n" + SEED.read_text("utf-8"), encoding="utf-8")
    env = {**os.environ, "EXPORTDIGEST_CONFIG": str(tmp_path / "none.toml")}
    done = subprocess.run(
        [EXE, "-t", "ris", "-o", str(tmp_path / "x.ris"), str(digest)], capture_output=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert b"\x1b" not in done.stderr and b"\x07" not in done.stderr
    assert b"pwned" in done.stderr
