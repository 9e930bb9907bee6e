"""The docs stay true to the code: option tables match `--help`, every setting is listed."""

from __future__ import annotations

import re
from pathlib import Path

from exportdigest.cli import CORE_PARAMS
from exportdigest.registry import discover

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CONFIGURATION = ROOT / "docs" / "configuration.md"
# An option name: `-t`, `--zotero-library-type`, not the `-context` inside `long-context`.
OPTION = re.compile(r"(?<![\w-])--?[A-Za-z0-9][\w-]*")
# Core parameters that have no config setting: an eager flag, the file's own name, the inputs.
NOT_SETTINGS = {"list_targets", "config", "paths"}


def _cells(line: str) -> list[str]:
    """A Markdown table row's cells (`\\|` inside a cell is not a separator)."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


def _tables(path: Path) -> list[tuple[list[str], list[tuple[int, list[str]]]]]:
    """Each table in the page: its header cells, and its body rows with their line numbers."""
    tables: list[tuple[list[str], list[tuple[int, list[str]]]]] = []
    rows: list[tuple[int, list[str]]] = []
    in_code = False
    lines = path.read_text("utf-8").splitlines()
    for number, line in enumerate([*lines, ""], start=1):
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("|"):
            rows.append((number, _cells(line)))
            continue
        if len(rows) >= 2:  # header, separator, body
            tables.append((rows[0][1], rows[2:]))
        rows = []
    return tables


def _spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def documented_options() -> dict[str, list[str]]:
    """Every option named in the first column of an option table, with where it is."""
    found: dict[str, list[str]] = {}
    for page in PAGES:
        for _header, body in _tables(page):
            first = [(n, [s for s in _spans(cells[0]) if s.startswith("-")]) for n, cells in body]
            if not any(spans for _, spans in first):
                continue  # not an option table
            for number, spans in first:
                for option in OPTION.findall(" ".join(spans)):
                    found.setdefault(option, []).append(f"{page.relative_to(ROOT)}:{number}")
    return found


def help_options(run_cli) -> set[str]:
    """Every option `exportdigest --help` lists, short and long names."""
    result = run_cli("--help")
    assert result.exit_code == 0, result.output
    options: set[str] = set()
    for line in result.stdout.splitlines():
        match = re.match(r"  (-\S.*?)(?:\s{2,}|$)", line)
        if match:
            options.update(OPTION.findall(match.group(1)))
    return options


def test_every_option_in_help_is_in_exactly_one_docs_table(run_cli):
    shown = help_options(run_cli)
    documented = documented_options()
    assert {"--target", "-t", "--vault", "--zotero-api-key", "--out", "-o"} <= shown
    assert sorted(shown - documented.keys()) == [], "options in --help missing from the docs"
    twice = {option: where for option, where in documented.items() if len(where) > 1}
    assert twice == {}, "options documented in more than one table"


def test_every_option_in_a_docs_table_is_in_help(run_cli):
    shown = help_options(run_cli)
    stale = {o: where for o, where in documented_options().items() if o not in shown}
    assert stale == {}, "documented options that --help does not know"


def documented_settings() -> set[tuple[str, str]]:
    """(table, key) pairs of the configuration page's settings tables."""
    found: set[tuple[str, str]] = set()
    for header, body in _tables(CONFIGURATION):
        if [h.lower() for h in header[:2]] != ["table", "key"]:
            continue
        for _number, cells in body:
            tables = re.findall(r"`\[([\w-]+)\]`", cells[0])
            found.update((table, key) for table in tables for key in _spans(cells[1]))
    return found


def test_configuration_page_lists_every_setting_the_code_reads():
    known = {("defaults", name) for name in CORE_PARAMS - NOT_SETTINGS}
    for name, target in discover().items():
        if target.origin == "exportdigest":  # the built-in targets, not a plugin installed here
            known.update((name, option.name) for option in target.exporter.options)
    documented = documented_settings()
    assert ("obsidian", "vault") in known and ("zotero", "force") in known
    assert sorted(known - documented) == [], "settings missing from docs/configuration.md"
    assert sorted(documented - known) == [], "settings in docs/configuration.md the code lacks"


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors for the page's headings."""
    anchors = set()
    in_code = False
    for line in page.read_text("utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            title = line.lstrip("#").strip().lower().replace("`", "")
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


def test_links_between_pages_reach_a_file_and_heading():
    broken = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text("utf-8")):
            if "://" in target:
                continue
            file, _, anchor = target.partition("#")
            linked = (page.parent / file).resolve() if file else page
            if not linked.exists() or (anchor and anchor not in _anchors(linked)):
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert broken == []
