"""What arXiv told us, kept in the platform's state directory: safe to delete (it costs
requests, never correctness). One JSON file per API address."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .atomic import write_atomic
from .config import state_dir
from .model import ArxivRecord

RETRY_MISSING = 24 * 3600.0  # a paper not found is asked again after a day
FORMAT = 1


def cache_path(url: str) -> Path:
    """The cache file for the API at `url`, in the user's state directory."""
    name = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
    return state_dir() / "arxiv" / f"{name}.json"


class Cache:
    """Per paper id, the title search's answer; per arXiv id, the record `id_list` gave.

    Each answer is `[record or None, when]`; None means "arXiv has no such paper", which
    is trusted for `RETRY_MISSING` seconds. A fault is never recorded.
    """

    def __init__(self, path: Path, now: float) -> None:
        self.path, self.now = path, now
        self.papers: dict[str, list] = {}
        self.ids: dict[str, list] = {}
        self.warning = ""
        self._changed = False
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("format") == FORMAT:
                self.papers, self.ids = dict(data["papers"]), dict(data["ids"])
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            self.warning = f"arxiv: ignoring unreadable cache {path} ({type(exc).__name__})"

    def paper(self, paper_id: str) -> tuple[bool, ArxivRecord | None]:
        """(known, record) of a paper's title search; unknown when never asked or stale."""
        return self._get(self.papers, paper_id)

    def identifier(self, arxiv_id: str) -> tuple[bool, ArxivRecord | None]:
        """(known, record) of an `id_list` answer for one arXiv id."""
        return self._get(self.ids, arxiv_id)

    def set_paper(self, paper_id: str, record: ArxivRecord | None) -> None:
        """Remember a title search's answer (None: not on arXiv)."""
        self._set(self.papers, paper_id, record)

    def set_identifier(self, arxiv_id: str, record: ArxivRecord | None) -> None:
        """Remember an `id_list` answer (None: arXiv has no such id)."""
        self._set(self.ids, arxiv_id, record)

    def save(self) -> None:
        """Write the cache atomically, when anything changed."""
        if not self._changed:
            return
        data = {"format": FORMAT, "papers": self.papers, "ids": self.ids}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        write_atomic(self.path, text.encode("utf-8"))
        self._changed = False

    def _get(self, table: dict[str, list], key: str) -> tuple[bool, ArxivRecord | None]:
        try:
            value, when = table[key]
            if value is None:
                return self.now - float(when) < RETRY_MISSING, None
            return True, ArxivRecord.from_dict(value)
        except (KeyError, TypeError, ValueError):  # never asked, or an entry we cannot read
            return False, None

    def _set(self, table: dict[str, list], key: str, record: ArxivRecord | None) -> None:
        table[key] = [record.as_dict() if record else None, self.now]
        self._changed = True
