"""Finding exporters through the `exportdigest.exporters` entry-point group."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from .exporter import Exporter

GROUP = "exportdigest.exporters"


@dataclass(frozen=True)
class Target:
    """An installed target: its exporter class, or why it could not be loaded."""

    name: str
    exporter: type[Exporter] | None
    error: str = ""
    origin: str = ""


def discover(group: str = GROUP) -> dict[str, Target]:
    """Every target installed under the entry-point group, by name, sorted.

    A plugin that fails to import is returned with its error, so one broken third-party
    package cannot take the others down.
    """
    found: dict[str, Target] = {}
    for point in sorted(entry_points(group=group), key=lambda p: p.name):
        if point.name in found:
            continue
        found[point.name] = load(point)
    return found


def load(point: EntryPoint) -> Target:
    """Import one entry point and check it is an Exporter."""
    origin = point.dist.name if point.dist is not None else point.value
    try:
        obj = point.load()
    except Exception as exc:  # a broken plugin must not break the command
        return Target(point.name, None, f"cannot be loaded: {type(exc).__name__}: {exc}", origin)
    if not (isinstance(obj, type) and issubclass(obj, Exporter)):
        return Target(point.name, None, f"{point.value} is not an Exporter subclass", origin)
    return Target(point.name, obj, "", origin)
