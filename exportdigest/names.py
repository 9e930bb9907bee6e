"""How an author's name as written in a digest splits into parts: one rule for every target.

The rule, in order:
1. Runs of white space become one space; a blank name is no name.
2. A name of one word, or with a CJK character (Han, kana, Hangul, Bopomofo), stays whole, as
   one literal: there is no reliable given/family order to split on.
3. Otherwise the last word is the family name and the words before it the given name, except:
   - a generational suffix (`Jr.`, `Sr.`, `II`, `III`, `IV`, in any case) after two or more
     words is the suffix (`Martin Luther King Jr.` -> `Martin Luther` / `King` / `Jr.`);
   - lower-case particles right before the family name join it (`Harm de Vries` -> `Harm` /
     `de Vries`, `Maria dei Rossi` -> `Maria` / `dei Rossi`); a capitalised particle is taken
     as written, as a given name (`Johannes Von Oswald` -> `Johannes Von` / `Oswald`).
4. When that leaves no given name (`de la Cruz`), or the family name and suffix hold no
   letter (`Team 42`), or a part is longer than Zotero stores (255 characters), the name
   stays whole, as one literal.
Given name, family name and suffix joined by single spaces give back the name.

This is the rule the Zotero target has split creators by since its first release: Zotero items
are the user's data, so it stays; the citation files, regenerated on each run, follow it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_PART = 255  # the longest first or last name the Zotero server stores
PARTICLES = frozenset(
    {"von", "van", "de", "der", "den", "del", "della", "dello", "dei", "degli", "da", "das"}
    | {"dos", "do", "di", "du", "la", "le", "lo", "ter", "ten", "zu", "zur", "af", "av"}
    | {"bin", "ibn", "al", "el"}
)
SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})  # compared case-folded
CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]"
)


@dataclass(frozen=True, slots=True)
class Name:
    """An author: given, family name and suffix, or one `literal` when it cannot be split."""

    given: str = ""
    family: str = ""
    suffix: str = ""
    literal: str = ""

    @property
    def last(self) -> str:
        """Family name and suffix as one field (`King Jr.`), for formats without a suffix."""
        return f"{self.family} {self.suffix}" if self.suffix else self.family


def split_name(text: str) -> Name | None:
    """The parts of an author's name by the rule above; None for a blank name."""
    words = text.split()
    if not words:
        return None
    whole = " ".join(words)
    if len(words) < 2 or (not whole.isascii() and CJK.search(whole)):
        return Name(literal=whole)
    end = len(words) - 1 if len(words) >= 3 and words[-1].casefold() in SUFFIXES else len(words)
    cut = end - 1
    while cut > 0 and words[cut - 1] in PARTICLES:
        cut -= 1
    name = Name(" ".join(words[:cut]), " ".join(words[cut:end]), " ".join(words[end:]))
    last = name.last
    if not name.given or not any(c.isalpha() for c in last):
        return Name(literal=whole)
    if len(name.given) > MAX_PART or len(last) > MAX_PART:
        return Name(literal=whole)
    return name


def family_key(text: str) -> str:
    """An author's family name (or whole literal name), folded, for telling whether two
    author lists share a person: `A. Lamb`, `Alex Lamb` give `lamb`, `J. Wübben` `wubben`."""
    name = split_name(text)
    if name is None:
        return ""
    return plain_word(name.literal or name.family)


def plain_word(word: str) -> str:
    """Letters and digits of a name word without accents or case (`Wübben` -> `wubben`)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if c.isalnum())
