"""Text rules the targets share: how a value is put on one line."""

from __future__ import annotations

import re

# What str.splitlines() breaks a line at: digests, and so every field, are read that way.
_LINE_BREAKS = re.compile("[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """Text with each run of line breaks folded into one space; other spacing as written."""
    return text if text.isprintable() else _LINE_BREAKS.sub(" ", text)
