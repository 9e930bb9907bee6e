"""Recognising digest day headers and dates in file names."""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

_LONGEST = 40  # "September 30, 2024 (12)" and the Korean form fit well within this
_PART = r"(?:\s*\(\s*(?P<part>\d{1,3})\s*\))?"
_KOREAN = re.compile(
    r"^(?P<y>\d{4})\s*년\s*(?P<m>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일" + _PART + r"$"
)
_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _PART + r"$")
_ENGLISH = re.compile(
    r"^(?P<month>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})" + _PART + r"$"
)
_NAME_ISO = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
_NAME_SHORT = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})(?!\d)")


def parse_header(line: str) -> tuple[dt.date, int] | None:
    """The (date, part) a header line announces, or None when the line is not a header."""
    # Headers are short and start with a digit or a letter: most lines fail before any regex.
    if not line or len(line) > _LONGEST or not line[0].isalnum():
        return None
    match = _KOREAN.match(line) or _ISO.match(line)
    month = None
    if match:
        month = int(match["m"])
    else:
        match = _ENGLISH.match(line)
        if match:
            month = _MONTHS.get(match["month"].lower())
    if not match or month is None:
        return None
    try:
        day = dt.date(int(match["y"]), month, int(match["d"]))
    except ValueError:
        return None
    return day, int(match["part"] or 1)


def date_from_filename(name: str) -> dt.date | None:
    """The date a digest's file name carries (`2024-11-04.txt`, `20241104.txt`, `241104.txt`)."""
    for pattern, century in ((_NAME_ISO, 0), (_NAME_SHORT, 2000)):
        for match in pattern.finditer(name):
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year + century, month, day)
            except ValueError:
                continue
    return None
