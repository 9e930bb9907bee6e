"""How an author as written in a digest becomes a Zotero creator (the split rule).

The rule, in order:
1. Runs of white space become one space; an empty name gives no creator.
2. A name with a CJK character (Han, kana, Hangul) or with a single word is kept whole as a
   one-field creator `{"name": ...}`: there is no reliable first/last order to split on.
3. Otherwise the last word is the last name and the words before it the first name, except:
   - a generational suffix (`Jr.`, `Sr.`, `II`, `III`, `IV`) stays with the word before it
     (`Martin Luther King Jr.` -> `Martin Luther` / `King Jr.`);
   - lower-case particles right before the last name join it (`Harm de Vries` -> `Harm` /
     `de Vries`, `Ludwig van der Berg` -> `Ludwig` / `van der Berg`); a capitalised particle
     is taken as written, as a given name (`Johannes Von Oswald` -> `Johannes Von` / `Oswald`).
4. When that leaves no first name, or the last name has no letter, or a part is longer than
   Zotero takes (255 characters), the name is kept whole as a one-field creator.
Joining first and last name with one space always gives back the (space-normalised) name.
"""

from __future__ import annotations

import re

MAX_PART = 255  # the longest first or last name the Zotero server stores
PARTICLES = frozenset(
    {"von", "van", "de", "der", "den", "del", "della", "dello", "dei", "degli", "da", "das"}
    | {"dos", "do", "di", "du", "la", "le", "lo", "ter", "ten", "zu", "zur", "af", "av"}
    | {"bin", "ibn", "al", "el"}
)
SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]"
)


def creator(name: str) -> dict[str, str] | None:
    """The Zotero `author` creator for one author name, or None for an empty name."""
    words = name.split()
    if not words:
        return None
    whole = " ".join(words)
    split = _split(words)
    if split is None or _CJK.search(whole):
        return {"creatorType": "author", "name": whole[:MAX_PART]}
    first, last = split
    return {"creatorType": "author", "firstName": first, "lastName": last}


def _split(words: list[str]) -> tuple[str, str] | None:
    """(first, last) by the rule above, or None when the name cannot be split."""
    cut = len(words) - 1
    if cut >= 2 and words[cut].casefold() in SUFFIXES:
        cut -= 1
    while cut > 0 and words[cut - 1] in PARTICLES:
        cut -= 1
    first, last = " ".join(words[:cut]), " ".join(words[cut:])
    if not first or not any(c.isalpha() for c in last):
        return None
    if len(first) > MAX_PART or len(last) > MAX_PART:
        return None
    return first, last


def display(creator_data: dict[str, str]) -> str:
    """The name a creator stands for: its one field, or first and last name joined."""
    if "name" in creator_data:
        return creator_data["name"]
    return f"{creator_data.get('firstName', '')} {creator_data.get('lastName', '')}".strip()
