"""Note properties (YAML frontmatter): emitted by a real YAML emitter, parsed with key positions."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

import yaml
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.resolver import Resolver

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_resolver = Resolver()
_SCALARS: dict[tuple[type, object], ScalarEvent] = {}
# YAML 1.2 core-schema scalars that are not strings (PyYAML resolves by YAML 1.1 rules).
_YAML12_TYPED = re.compile(
    r"(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE"
    r"|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)"
)


class PropertiesError(ValueError):
    """The properties block is not a YAML mapping (Obsidian shows it as invalid)."""


def emit(values: Mapping[str, object]) -> str:
    """Block-style YAML for a flat mapping of str, int, date and lists of str, keys in order.

    Events go straight to the emitter (the libyaml one when present): the bytes of
    `yaml.safe_dump(..., sort_keys=False)` at half the cost, which matters at 10,000 notes,
    except that strings a YAML 1.2 reader (Obsidian) would take for a number are quoted too.
    """
    return yaml.emit(_events(values), Dumper=_DUMPER, allow_unicode=True, width=1 << 30)


# Events are immutable to the emitter, so the structural ones are made once.
_HEAD = (
    StreamStartEvent(),
    DocumentStartEvent(explicit=False),
    MappingStartEvent(None, None, True, flow_style=False),
)
_TAIL = (MappingEndEvent(), DocumentEndEvent(explicit=False), StreamEndEvent())
_LIST_START = SequenceStartEvent(None, None, True, flow_style=False)
_EMPTY_LIST = (SequenceStartEvent(None, None, True, flow_style=True), SequenceEndEvent())
_LIST_END = SequenceEndEvent()


def _events(values: Mapping[str, object]) -> list[object]:
    events = list(_HEAD)
    for key, value in values.items():
        events.append(_scalar(key))
        if isinstance(value, list | tuple):
            if value:
                events.append(_LIST_START)
                events += map(_scalar, value)
                events.append(_LIST_END)
            else:
                events += _EMPTY_LIST
        else:
            events.append(_scalar(value))
    events += _TAIL
    return events


def _scalar(value: object) -> ScalarEvent:
    # Names, tags and links recur across thousands of notes: resolve each value's style once.
    key = (type(value), value)
    event = _SCALARS.get(key)
    if event is None:
        if len(_SCALARS) > 100_000:
            _SCALARS.clear()
        event = _SCALARS[key] = _new_scalar(value)
    return event


def _new_scalar(value: object) -> ScalarEvent:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"unsupported property value {value!r}")
    if isinstance(value, dt.date | int):
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        return ScalarEvent(None, None, (True, False), text)
    text = str(value)
    # Plain style only where a reader gets the string back (not a date, number, bool...).
    plain = (
        _resolver.resolve(yaml.ScalarNode, text, (True, False)) == _STR
        and _YAML12_TYPED.fullmatch(text) is None
    )
    return ScalarEvent(None, None, (plain, True), text)


@dataclass(frozen=True)
class Properties:
    """A parsed properties block: its values and where each top-level key's text sits."""

    values: dict
    lines: list[str]  # the raw block, split after each newline
    spans: dict[str, tuple[int, int]]  # key -> (first line, line after its last)
    first_key_line: int
    positional: bool  # every key starts a line at column 0, so spans are exact

    def raw(self, key: str) -> str:
        """The key's own text, byte for byte (comments after it included)."""
        start, end = self.spans[key]
        return "".join(self.lines[start:end])

    def preamble(self) -> str:
        """Comment or blank lines before the first key."""
        return "".join(self.lines[: self.first_key_line])


def parse(raw: str) -> Properties:
    """Parse a properties block; raise PropertiesError unless it is a YAML mapping."""
    loader = _LOADER(raw)
    try:
        node = loader.get_single_node()
        values = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as exc:
        raise PropertiesError(_short(exc)) from None
    finally:
        loader.dispose()
    if values is None:
        values = {}
    if not isinstance(values, dict) or (
        node is not None and not isinstance(node, yaml.MappingNode)
    ):
        raise PropertiesError("the properties are not a list of `key: value` lines")
    lines = raw.splitlines(keepends=True)
    pairs = node.value if node is not None else []
    starts = [k.start_mark.line for k, _ in pairs]
    positional = not (node is not None and node.flow_style) and all(
        isinstance(k, yaml.ScalarNode) and k.start_mark.column == 0 for k, _ in pairs
    )
    spans = {}
    for index, (key, _value) in enumerate(pairs):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        spans[str(key.value)] = (starts[index], end)
    first = starts[0] if starts else len(lines)
    return Properties(values, lines, spans, first, positional)


def _short(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem} (line {mark.line + 2})" if mark is not None else str(problem)
