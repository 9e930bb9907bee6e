"""Note properties (YAML frontmatter): written by PyYAML's dumper, parsed with key positions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# YAML 1.2 core-schema scalars that are not strings (PyYAML resolves by YAML 1.1 rules).
_YAML12_TYPED = re.compile(
    r"(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE"
    r"|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)\Z"
)


class PropertiesError(ValueError):
    """The properties block is not a YAML mapping (Obsidian shows it as invalid)."""


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """PyYAML's safe dumper, except that strings Obsidian (a YAML 1.2 reader) would take for
    a number, bool or null are quoted too, and a list shared by two keys is written twice
    (Obsidian does not follow YAML anchors)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


# A string is written plain only where resolving it gives back a string; these patterns
# resolve to a non-string tag (which one does not matter), so such strings are quoted.
for _first in "~nNtTfF-+0123456789.":
    _Dumper.add_implicit_resolver("tag:yaml.org,2002:int", _YAML12_TYPED, [_first])


def emit(values: Mapping[str, object]) -> str:
    """Block-style YAML for a flat mapping of str, int, date and lists of str, keys in order.

    Lists are block lists (an empty one `[]`); strings are plain unless they need quotes.
    """
    return yaml.dump(
        dict(values),
        Dumper=_Dumper,
        allow_unicode=True,
        default_flow_style=False,
        sort_keys=False,
        width=1 << 30,
    )


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
    except ValueError as exc:  # PyYAML builds dates itself: `2024-13-45` is a ValueError
        raise PropertiesError(f"a value YAML cannot read ({exc})") from None
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
