"""Safe note names: what a title may become as a file name in a vault on any OS."""

from __future__ import annotations

import re
import unicodedata

NAME_LIMIT = (
    240  # bytes for the whole file name, as the official Importer keeps (255 is the OS cap)
)
NOTE_SUFFIX = ".md"

_COLON = re.compile(r"\s*:\s*")
_SPACES = re.compile(r"\s+")
_REPLACE = str.maketrans(
    {
        "/": "-",
        "\\": "-",
        "|": "-",
        '"': "'",
        "<": "(",
        ">": ")",
        "[": "(",
        "]": ")",
        "*": None,
        "?": None,
        "#": None,
        "^": None,
    }
)
# Bidirectional overrides can make a name display as something else; drop them.
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"))
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"{p}{n}" for p in ("COM", "LPT") for n in "123456789\u00b9\u00b2\u00b3"),
}


def safe_name(text: str, limit: int = NAME_LIMIT - len(NOTE_SUFFIX)) -> str:
    """`text` as a file name (no extension) Obsidian, Linux, macOS and Windows all accept.

    NFC, no character that is forbidden in names or breaks `[[links]]`, no control
    characters, no leading dot, no trailing dot or space, not a Windows device name, and at
    most `limit` bytes of UTF-8. May return "" when nothing usable is left.
    """
    if text.isascii() and text.isprintable():  # the common case: nothing to normalise
        name = text
    else:
        name = unicodedata.normalize("NFC", text).translate(_BIDI)
        name = "".join(_plain(c) for c in name)
    name = _COLON.sub(" - ", name.translate(_REPLACE))
    while "%%" in name:
        name = name.replace("%%", "%")
    name = _SPACES.sub(" ", name)
    name = _trim(name)
    first, dot, rest = name.partition(".")
    if first.rstrip(" ").upper() in _RESERVED:
        name = f"{first.rstrip(' ')}_{dot}{rest}"
    return truncate(name, limit)


def truncate(name: str, limit: int) -> str:
    """`name` cut to at most `limit` UTF-8 bytes on a character boundary, ends trimmed."""
    data = name.encode("utf-8")
    if len(data) <= limit:
        return name
    cut = data[:limit].decode("utf-8", errors="ignore")
    while cut and unicodedata.combining(cut[-1]):  # a mark cut from its letter
        cut = cut[:-1]
    return _trim(cut)


def with_suffix(name: str, suffix: str, limit: int = NAME_LIMIT - len(NOTE_SUFFIX)) -> str:
    """`name` shortened as needed so that `name + suffix` fits in `limit` bytes."""
    return truncate(name, limit - len(suffix.encode("utf-8"))) + suffix


def fold(name: str) -> str:
    """The key two names collide under: macOS and Windows ignore case, macOS folds NFD."""
    if name.isascii():
        return name.lower()
    return unicodedata.normalize("NFC", name).casefold()


def _plain(char: str) -> str:
    kind = unicodedata.category(char)
    if kind == "Cs":  # a lone surrogate cannot be encoded as a file name
        return ""
    return " " if kind == "Cc" or kind[0] == "Z" else char


def _trim(name: str) -> str:
    return name.strip(" .")
