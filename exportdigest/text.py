"""Text rules the package shares: how a value is put on one line, or shortened for a message."""

from __future__ import annotations

import re

# What str.splitlines() breaks a line at. Digests are split at LF and CR only, so the others
# (a form feed, U+2028, ...) can sit inside a field.
_LINE_BREAKS = re.compile("[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """Text with each run of line breaks folded into one space; other spacing as written."""
    return text if text.isprintable() else _LINE_BREAKS.sub(" ", text)


def shorten(text: str, width: int = 60) -> str:
    """Text cut to `width` characters with an ellipsis, for naming a title in a message."""
    return text if len(text) <= width else text[: width - 1] + "…"
