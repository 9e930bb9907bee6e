"""Finding exporters through the `exportdigest.exporters` entry-point group.

A small stdlib reader of installed distributions' `entry_points.txt` files, instead of
importlib.metadata, because importing that module alone costs more than click does and
`exportdigest --help` must start fast (for the same reason: NamedTuples, not dataclasses).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from typing import NamedTuple

from .exporter import Exporter

GROUP = "exportdigest.exporters"
_METADATA_SUFFIXES = (".dist-info", ".egg-info")


class EntryPoint(NamedTuple):
    """One `name = module:attribute` line of an entry-point group, and who declared it."""

    name: str
    value: str
    distribution: str


class Target(NamedTuple):
    """An installed target: its exporter class, or why it could not be loaded."""

    name: str
    exporter: type[Exporter] | None
    error: str = ""
    origin: str = ""


def entry_points(group: str = GROUP, path: list[str] | None = None) -> Iterator[EntryPoint]:
    """Entry points of `group` declared by distributions on `path` (default sys.path), in order."""
    seen_distributions: set[str] = set()
    for folder in sys.path if path is None else path:
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            continue
        for name in names:
            if not name.endswith(_METADATA_SUFFIXES):
                continue
            distribution = name.rsplit(".", 1)[0].split("-", 1)[0].lower().replace("_", "-")
            if distribution in seen_distributions:
                continue  # an earlier path entry shadows this copy, as for imports
            file = os.path.join(folder or ".", name, "entry_points.txt")
            try:
                with open(file, encoding="utf-8") as stream:
                    text = stream.read()
            except OSError:
                continue
            seen_distributions.add(distribution)
            yield from _parse(text, group, distribution)


def _parse(text: str, group: str, distribution: str) -> Iterator[EntryPoint]:
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == group and "=" in line:
            name, value = (part.strip() for part in line.split("=", 1))
            yield EntryPoint(name, value.split("[", 1)[0].strip(), distribution)


def discover(group: str = GROUP, path: list[str] | None = None) -> dict[str, Target]:
    """Every target installed under the entry-point group, by name, sorted.

    A plugin that fails to import is returned with its error, so one broken third-party
    package cannot take the others down. The first distribution to declare a name wins.
    """
    found: dict[str, Target] = {}
    for point in entry_points(group, path):
        if point.name not in found:
            found[point.name] = load(point)
    return dict(sorted(found.items()))


def load(point: EntryPoint) -> Target:
    """Import one entry point and check it is an Exporter."""
    module_name, _, attribute = point.value.partition(":")
    try:
        obj = importlib.import_module(module_name.strip())
        for part in attribute.strip().split(".") if attribute.strip() else ():
            obj = getattr(obj, part)
    except Exception as exc:  # a broken plugin must not break the command
        error = f"cannot be loaded: {type(exc).__name__}: {exc}"
        return Target(point.name, None, error, point.distribution)
    if not (isinstance(obj, type) and issubclass(obj, Exporter)):
        error = f"{point.value} is not an Exporter subclass"
        return Target(point.name, None, error, point.distribution)
    return Target(point.name, obj, "", point.distribution)
