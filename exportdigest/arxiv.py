"""The identifiers arXiv gives a paper, from its arXiv id (which `model.arxiv_id` finds)."""

from __future__ import annotations


def abs_url(identifier: str) -> str:
    """The paper's arXiv abstract page: `https://arxiv.org/abs/2410.23506`."""
    return f"https://arxiv.org/abs/{identifier}"


def doi(identifier: str) -> str:
    """arXiv's DataCite DOI for the paper: `10.48550/arXiv.2410.23506`."""
    return f"10.48550/arXiv.{identifier}"


def archive_id(identifier: str) -> str:
    """The archive ID Zotero's arXiv translator records: `arXiv:2410.23506`."""
    return f"arXiv:{identifier}"
