"""Templates: Jinja2 over the user's template folder, then the built-in `vault_template/`."""

from __future__ import annotations

import hashlib
import importlib.resources
import re
from collections.abc import Mapping
from pathlib import Path

import jinja2

PAPER, TAG, DIGEST, INDEX, FILENAME, BASE = (
    "paper.md.j2",
    "tag.md.j2",
    "digest.md.j2",
    "index.md.j2",
    "filename.j2",
    "papers.base.j2",
)
TEMPLATES = (PAPER, TAG, DIGEST, INDEX, FILENAME, BASE)
TEMPLATE_SUBDIR = "templates"
# Bumped when the code changes what notes look like, so every note is brought up to date.
FORMAT_VERSION = "1"


class TemplateProblem(Exception):
    """A template that cannot be read, compiled or rendered; names the file and line."""


def builtin_dir() -> Path:
    """The installed `vault_template/` folder (a data package shipped in the wheel)."""
    return Path(str(importlib.resources.files("exportdigest.vault_template")))


class Templates:
    """The note templates of one run, compiled once."""

    def __init__(self, user_dir: Path | None = None) -> None:
        self.builtin = builtin_dir()
        search = []
        if user_dir is not None:
            search += [user_dir / TEMPLATE_SUBDIR, user_dir]
        search.append(self.builtin / TEMPLATE_SUBDIR)
        self.search = [str(p) for p in search if p.is_dir()]
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.search, encoding="utf-8"),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(md=markdown_text, callout=callout_lines)
        self._compiled: dict[str, jinja2.Template] = {}
        digest = hashlib.sha256(FORMAT_VERSION.encode())
        for name in TEMPLATES:
            template = self._load(name)
            self._compiled[name] = template
            digest.update(Path(self.path(name)).read_bytes() + b"\0")
        self.fingerprint = digest.hexdigest()[:16]

    def _load(self, name: str) -> jinja2.Template:
        try:
            template = self.env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(
                f"{exc.filename or name}, line {exc.lineno}: {exc.message}"
            ) from None
        except jinja2.TemplateNotFound:
            raise TemplateProblem(
                f"template {name} not found in {', '.join(self.search)}"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateProblem(f"template {name}: cannot be read: {exc}") from None
        return template

    def path(self, name: str) -> str:
        """The file a template was loaded from."""
        return self._compiled[name].filename or name

    def render(self, name: str, context: Mapping[str, object]) -> str:
        """The template's text for `context`; TemplateProblem names file and line on errors."""
        template = self._compiled[name]
        try:
            return template.render(context)
        except Exception as exc:  # any error inside a template is the template's problem
            raise TemplateProblem(f"{_where(exc, template)}: {type(exc).__name__}: {exc}") from None


def _where(exc: BaseException, template: jinja2.Template) -> str:
    """`file, line N` of the innermost template frame in the traceback (Jinja rewrites them)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.filename}, line {exc.lineno}"
    found = template.filename or template.name
    line = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found, line = filename, tb.tb_lineno
        tb = tb.tb_next
    return f"{found}, line {line}" if line else str(found)


_URL = re.compile(r"(https?://\S+)")
_RUN = re.compile(r"%%+|\[\[+")
_LINE_HASH = re.compile(r"^([ \t]*)#", re.MULTILINE)
_TAG_LIKE = re.compile(r"(?<![\w&\\])#(?=[^\s#])")
_BLOCK_ID = re.compile(r"(\s)\^([\w-]+[ \t]*)$", re.MULTILINE)


def markdown_text(text: object) -> str:
    """Plain text made safe to drop into Markdown: no stray tags, headings, links or comments.

    `#word` would tag the note, `[[x]]` link it, `%%` hide the rest of it as a comment and a
    final ` ^id` make a block id; a backslash keeps each literal. URLs are left whole.
    """
    text = str(text)
    hashes, runs = "#" in text, "%%" in text or "[[" in text
    if hashes or runs:
        pieces = _URL.split(text)
        for index in range(0, len(pieces), 2):  # even pieces are the text between URLs
            value = _RUN.sub(_escape_run, pieces[index]) if runs else pieces[index]
            if hashes:
                value = _TAG_LIKE.sub(r"\\#", _LINE_HASH.sub(r"\1\\#", value))
            pieces[index] = value
        text = "".join(pieces)
    return _BLOCK_ID.sub(r"\1\\^\2", text) if "^" in text else text


def _escape_run(match: re.Match) -> str:
    """`%%` or `[[` runs with every character after the first escaped: `%\\%\\%`, `[\\[`."""
    run = match.group()
    return run[0] + "".join("\\" + c for c in run[1:])


def callout_lines(text: object) -> str:
    """Every line prefixed with `> ` so it stays inside a callout or quote."""
    return "\n".join(f"> {line}" if line else ">" for line in str(text).split("\n"))
