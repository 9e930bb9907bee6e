"""Templates: the user's folder over the built-in one, errors that name file and line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import frontmatter
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from obsidian_support import entry, papers, unresolved_links, write_digest

from exportdigest.exporters.obsidian.render import builtin_dir, callout_lines, markdown_text


@pytest.fixture
def digests(tmp_path) -> Path:
    return write_digest(
        tmp_path / "digests", [entry("A Paper: Its Subtitle"), entry("Boom")]
    ).parent


def run(run_cli, vault, digests, *extra):
    return run_cli("-t", "obsidian", "--vault", str(vault), *extra, str(digests))


def test_a_template_syntax_error_names_file_and_line_and_writes_nothing(tmp_path, run_cli, digests):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "paper.md.j2").write_text("# {{ title }}\n\n{% if abstract %}\nno end\n", "utf-8")
    result = run(run_cli, tmp_path / "v", digests, "--template-dir", str(mine))
    assert result.exit_code == 2
    assert f"{mine / 'paper.md.j2'}, line 4" in result.output
    assert not (tmp_path / "v").exists()


def test_an_unknown_variable_names_file_and_line_before_anything_is_written(
    tmp_path, run_cli, digests
):
    mine = tmp_path / "mine"
    (mine / "templates").mkdir(parents=True)
    (mine / "templates" / "digest.md.j2").write_text("# {{ date }}\n{{ no_such_thing }}\n", "utf-8")
    result = run(run_cli, tmp_path / "v", digests, "--template-dir", str(mine))
    assert result.exit_code == 2
    assert f"{mine / 'templates' / 'digest.md.j2'}, line 2" in result.output
    assert "no_such_thing" in result.output
    assert not (tmp_path / "v").exists()


@pytest.mark.parametrize("use", ["arxiv_record.pfd", "zotero.nope"])
def test_a_mistake_in_an_optional_part_is_found_before_anything_is_written(
    tmp_path, run_cli, digests, use
):
    # The sample digest has no arXiv record or Zotero item: the up-front check must try them.
    mine = tmp_path / "mine"
    mine.mkdir()
    name = use.split(".")[0]
    (mine / "paper.md.j2").write_text(
        f"# {{{{ title }}}}\n{{% if {name} %}}{{{{ {use} }}}}{{% endif %}}\n"
    )
    result = run(run_cli, tmp_path / "v", digests, "--template-dir", str(mine))
    assert result.exit_code == 2, result.output
    assert f"{mine / 'paper.md.j2'}, line 2" in result.output
    assert not (tmp_path / "v").exists()


def test_an_error_only_some_paper_triggers_names_file_and_line(tmp_path, run_cli, digests):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "paper.md.j2").write_text(
        "# {{ title }}\n{% if title == 'Boom' %}\n{{ authors[7] }}\n{% endif %}\n", "utf-8"
    )
    result = run(run_cli, tmp_path / "v", digests, "--template-dir", str(mine))
    assert result.exit_code == 1
    assert f"{mine / 'paper.md.j2'}, line 3" in result.output


def test_the_users_templates_win_and_the_rest_fall_back_to_the_built_in_ones(
    tmp_path, run_cli, digests
):
    mine = tmp_path / "mine"
    (mine / ".obsidian").mkdir(parents=True)
    (mine / ".obsidian" / "app.json").write_text('{"mine": 1}', "utf-8")
    (mine / "Welcome.md").write_text("Hello vault\n", "utf-8")
    (mine / "paper.md.j2").write_text("## {{ title | md }}\nBy {{ authors | first }}\n", "utf-8")
    vault = tmp_path / "v"
    assert run(run_cli, vault, digests, "--template-dir", str(mine)).exit_code == 0
    rel, post = papers(vault)[entry("Boom").id]
    assert post.content.splitlines()[1:3] == ["## Boom", "By Ada Lovelace"]
    assert (vault / ".obsidian" / "app.json").read_text("utf-8") == '{"mine": 1}'
    assert (vault / "Welcome.md").read_text("utf-8") == "Hello vault\n"
    assert "# Digest 2024-11-04" in (vault / "Digests" / "Digest 2024-11-04.md").read_text()
    assert not (vault / "paper.md.j2").exists()
    assert unresolved_links(vault) == []


def test_changing_a_template_updates_every_note_once(tmp_path, run_cli, digests):
    vault = tmp_path / "v"
    assert run(run_cli, vault, digests).exit_code == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    paper = (builtin_dir() / "templates" / "paper.md.j2").read_text("utf-8")
    (mine / "paper.md.j2").write_text(paper + "\nRead it again.\n", "utf-8")
    result = run(run_cli, vault, digests, "--template-dir", str(mine))
    assert "2 updated" in result.output
    for _rel, post in papers(vault).values():
        assert post.content.rstrip().endswith("Read it again.\n%% exportdigest:end %%".rstrip())
    assert "2 unchanged" in run(run_cli, vault, digests, "--template-dir", str(mine)).output


def test_the_built_in_templates_ship_with_the_package():
    folder = builtin_dir()
    names = {p.name for p in (folder / "templates").iterdir()}
    assert {"paper.md.j2", "tag.md.j2", "digest.md.j2", "index.md.j2", "filename.j2"} <= names
    assert (folder / ".obsidian" / "types.json").is_file()


_RAW_TAG = re.compile(r"(?:^|[\s(])#[^\s#\\]")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"ab #%[]^\n-:()", "[[", "%%"]), max_size=40).map("".join))
def test_markdown_text_cannot_tag_link_hide_or_head_the_note(text):
    safe = markdown_text(text)
    assert safe.replace("\\", "") == text.replace("\\", "")  # only escapes were added
    unescaped = re.sub(r"\\.", "_", safe)  # an escaped character breaks any run
    assert "%%" not in unescaped
    assert "[[" not in unescaped
    assert not _RAW_TAG.search(safe)
    assert not any(line.lstrip().startswith("#") for line in safe.split("\n"))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_callout_lines_keep_every_line_inside_the_callout(text):
    lines = callout_lines(text).split("\n")
    assert all(line == ">" or line.startswith("> ") for line in lines)
    assert "\n".join(line[2:] for line in lines) == text


def test_urls_are_left_whole():
    text = "Code at https://github.com/x/y#readme and #tag"
    assert markdown_text(text) == "Code at https://github.com/x/y#readme and \\#tag"


def test_the_exporter_module_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from exportdigest.exporters.obsidian import ObsidianExporter\n"
        "heavy = {'jinja2', 'yaml', 'frontmatter'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_note_body_is_valid_markdown_for_python_frontmatter(tmp_path, run_cli, digests):
    vault = tmp_path / "v"
    assert run(run_cli, vault, digests).exit_code == 0
    for rel, _post in papers(vault).values():
        post = frontmatter.load(vault / rel)
        assert post.content.startswith("%% exportdigest:begin in=")
