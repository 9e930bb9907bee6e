"""When an arXiv record is the digest's paper: titles folded as the paper id folds them, TeX
first, and authors that agree; and the search phrases that find the candidates."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from .model import normalise_title
from .names import family_key, plain_word

# TeX accent commands and the combining character each one puts on its letter.
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "aa": "å",
    "AA": "Å",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
}
_GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "pi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
]
_SYMBOLS = {name: chr(0x3B1 + i + (1 if i >= 17 else 0)) for i, name in enumerate(_GREEK)}
_SYMBOLS |= {
    name.capitalize(): chr(0x391 + i + (1 if i >= 17 else 0)) for i, name in enumerate(_GREEK)
}
_SYMBOLS |= {"varepsilon": "ε", "vartheta": "θ", "varphi": "φ", "varrho": "ρ", "varsigma": "ς"}
_SYMBOLS |= {"infty": "∞", "times": "×", "cdot": "·", "pm": "±", "to": "→", "rightarrow": "→"}
_ACCENT = re.compile(
    r"\\([" + re.escape("'`^\"~=.") + r"]|[uvHckr](?![a-zA-Z]))\s*(\{?)\s*(\\?[a-zA-Z])\}?"
)
_COMMAND = re.compile(r"\\([a-zA-Z]+)\s*")
_ESCAPED = re.compile(r"\\([&%$#_{}])")
_MATH_SCRIPT = re.compile(r"[\^_]")
_TEX_MARK = re.compile(r"[\\${}^_~]")


def fold_tex(text: str) -> str:
    """Text with its TeX spelled as Unicode (`$\\alpha$` -> `α`, `\\"o` -> `ö`), braces and
    math shifts dropped; text without any of TeX's marks (`\\ $ { } ^ _ ~`) comes back as it is."""
    if not _TEX_MARK.search(text):
        return text  # braces count too: TeX groups with them, so arXiv's spelling drops them

    def accent(match: re.Match[str]) -> str:
        letter = match.group(3).lstrip("\\")
        letter = "ı" if letter == "i" and match.group(3).startswith("\\") else letter
        return unicodedata.normalize("NFC", letter + _ACCENTS[match.group(1)])

    def command(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name in _LETTERS:
            return _LETTERS[name]
        return ""  # \textbf, \mathcal, \emph ...: the argument stays, the command goes

    text = _ESCAPED.sub(lambda m: "\0" + m.group(1), text)  # keep \$ and \& as characters
    text = _ACCENT.sub(accent, text)
    text = _COMMAND.sub(command, text)
    parts = text.split("$")
    for i in range(1, len(parts), 2):  # inside math: ^ and _ only shift
        parts[i] = _MATH_SCRIPT.sub("", parts[i])
    text = "".join(parts).replace("{", "").replace("}", "").replace("~", " ")
    return text.replace("\0", "")


def fold(title: str) -> str:
    """A title as two spellings of one paper share it: TeX spelled out, then the paper id's
    folding (case, punctuation, spacing)."""
    return normalise_title(fold_tex(title))


def _plain(word: str) -> str:
    """A name word as `plain_word` folds it, arXiv's TeX accents (`W\\"ubben`) first."""
    return plain_word(fold_tex(word))


def family(author: str) -> str:
    """The folded family name of an author as written (the whole name when it cannot split),
    by the one name rule, arXiv's TeX accents first."""
    return family_key(fold_tex(author))


def authors_agree(digest: Sequence[str], arxiv: Sequence[str]) -> bool:
    """Whether arXiv's author list is the digest's: the same first author's family name, and
    most of the digest's family names among arXiv's (a digest may cut the list short)."""
    if not digest or not arxiv:
        return False
    theirs = [family(a) for a in arxiv]
    words = {w for a in arxiv for w in (_plain(p) for p in a.split()) if w}
    first = family(digest[0])
    if not first or (first != theirs[0] and first not in _words(arxiv[0])):
        return False
    known = set(theirs) | words
    mine = [f for f in (family(a) for a in digest) if f]
    return sum(1 for f in mine if f in known) * 2 > len(mine)


def _words(author: str) -> set[str]:
    return {w for w in (_plain(p) for p in author.split()) if w}


MAX_PHRASE = 200  # characters: a phrase longer than this is cut (between words)


def phrase(title: str) -> str:
    """The words to search arXiv's titles for: the folded words of the title's longest run of
    plain chunks (ASCII, no TeX: arXiv indexes TeX and accents in its own way, and we compare
    whole titles ourselves), so every word is one arXiv takes; cut at `MAX_PHRASE` characters."""
    runs: list[list[str]] = [[]]
    for chunk in title.split():
        if chunk.isascii() and not _TEX_MARK.search(chunk):
            runs[-1].extend(normalise_title(chunk).split())
        elif runs[-1]:
            runs.append([])
    best = max(runs, key=len)
    if not best:
        best = fold(title).split()  # no plain chunk at all: the folded words as they are
    text = " ".join(best)
    return text if len(text) <= MAX_PHRASE else text[:MAX_PHRASE].rsplit(" ", 1)[0]
