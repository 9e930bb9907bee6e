"""The identifiers arXiv gives a paper, from its arXiv id (`model.arxiv_id`, or a lookup)."""

from __future__ import annotations

import re

DEFAULT_URL = "https://export.arxiv.org/api/query"
DEFAULT_DELAY = 3.0  # arXiv's terms: at most one request every three seconds


def abs_url(identifier: str) -> str:
    """The paper's arXiv abstract page: `https://arxiv.org/abs/2410.23506`."""
    return f"https://arxiv.org/abs/{identifier}"


def pdf_url(identifier: str) -> str:
    """The paper's newest PDF: `https://arxiv.org/pdf/2410.23506`."""
    return f"https://arxiv.org/pdf/{identifier}"


def doi(identifier: str) -> str:
    """arXiv's DataCite DOI for the paper: `10.48550/arXiv.2410.23506`."""
    return f"10.48550/arXiv.{identifier}"


def archive_id(identifier: str) -> str:
    """The archive ID Zotero's arXiv translator records: `arXiv:2410.23506`."""
    return f"arXiv:{identifier}"


NEW_STYLE = re.compile(r"\d{4}\.\d{4,5}")
OLD_STYLE = re.compile(r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}")
_VERSIONED = re.compile(r"^(.*?)(?:v(\d+))?$")


def split_version(text: str) -> tuple[str, int | None] | None:
    """`2404.14396v2` -> (`2404.14396`, 2); None when `text` is not an arXiv id."""
    match = _VERSIONED.match(text.strip())
    if not match:
        return None
    identifier, version = match.group(1), match.group(2)
    if not (NEW_STYLE.fullmatch(identifier) or OLD_STYLE.fullmatch(identifier)):
        return None
    return identifier, int(version) if version else None
