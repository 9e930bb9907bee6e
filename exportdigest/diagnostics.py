"""Problems found in the input, each tied to a file and line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem in a digest: where it is, how bad, and what the reader should do."""

    path: str
    line: int
    message: str
    severity: str = "warning"  # "warning": entry kept; "error": something was left out

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"
