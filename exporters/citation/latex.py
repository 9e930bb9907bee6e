"""Text to BibTeX field content that LaTeX, BibTeX/biber and pybtex read back as the text.

Every character with a meaning in TeX or in BibTeX's brace counting is replaced by a
command that prints it (`&` -> `\\&`, `\\` -> `{\\textbackslash}`, `{x}` -> `\\{x\\}`; a brace
with no counterpart -> one balanced for BibTeX with `\\vphantom`, as Zotero's own exporter
writes it). Inline math written the LaTeX way (`$\\alpha$`, `$5 \\times 5$`) is kept as
math when it is made only of plain symbols and standard LaTeX math commands; any other `$`
is escaped as a dollar.
"""

from __future__ import annotations

import re

# Backslash and braces first, all at once (their escapes hold braces and backslashes); then
# the rest, whose escapes hold none of the characters replaced after them. BibTeX counts
# `\\{` as a brace too: a pair is balanced as it is, but a brace with no counterpart gets a
# `\\vphantom` holding the other one, which prints nothing (and which Zotero's BibTeX import
# keeps as text, so the trick is kept for the braces that need it).
BRACE_ESCAPES = {"\\": "{\\textbackslash}", "{": "\\{", "}": "\\}"}
LONE_BRACE_ESCAPES = {"{": "\\{\\vphantom{\\}}", "}": "\\vphantom{\\{}\\}"}
OTHER_ESCAPES = {
    "$": "\\$",
    "&": "\\&",
    "%": "\\%",
    "#": "\\#",
    "_": "\\_",
    "~": "{\\textasciitilde}",
    "^": "{\\textasciicircum}",
    "<": "{\\textless}",
    ">": "{\\textgreater}",
    "|": "{\\textbar}",
}
_BRACES = re.compile(r"[\\{}]")
_BRACE = re.compile(r"[{}]")
_SPECIAL = re.compile(r"[\\{}$&%#_~^<>|]")
# TeX ligatures that would turn two characters into another one (--, ``, '', ?`, !`, ,,).
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[?!])(?=`)|(?<=,)(?=,)")
_LIGATURE_PAIR = re.compile(r"--|``|''|[?!]`|,,")
_NEEDS_WORK = re.compile(r"[\\{}$&%#_~^<>|]|--|``|''|[?!]`|,,")

# Inline math, as Pandoc finds it: no space inside either dollar, no digit after the closer.
_MATH = re.compile(r"\$(?=[^\s$])([^$\n]*?[^\s$\\])\$(?!\d)|\$([^\s$\\])\$(?!\d)")

_PLAIN_MATH = set(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +-*/=<>()[],.;:!'|"
)
_SYMBOLS = frozenset((
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "varpi", "rho", "varrho",
    "sigma", "varsigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma",
    "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega", "times",
    "cdot", "cdots", "ldots", "dots", "div", "pm", "mp", "ast", "star", "circ", "bullet", "leq",
    "le", "geq", "ge", "neq", "ne", "ll", "gg", "approx", "sim", "simeq", "cong", "equiv",
    "propto", "in", "notin", "ni", "subset", "subseteq", "supset", "supseteq", "cup", "cap",
    "setminus", "emptyset", "forall", "exists", "neg", "lnot", "wedge", "vee", "land", "lor",
    "top", "bot", "perp", "parallel", "mid", "infty", "partial", "nabla", "sum", "prod", "int",
    "oint", "log", "ln", "exp", "lim", "sup", "inf", "max", "min", "arg", "det", "sin", "cos",
    "tan", "tanh", "to", "rightarrow", "leftarrow", "Rightarrow", "Leftarrow", "leftrightarrow",
    "mapsto", "uparrow", "downarrow", "ell", "hbar", "prime", "langle", "rangle", "lfloor",
    "rfloor", "lceil", "rceil", "quad", "qquad"
))  # fmt: skip
_ONE_ARG = frozenset((
    "sqrt", "hat", "tilde", "bar", "vec", "dot", "ddot", "widehat", "widetilde", "overline",
    "underline", "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathcal"
))  # fmt: skip
_COMMAND = re.compile(r"\\([A-Za-z]+|[,;:! ])")


def _group_end(body: str, start: int) -> int:
    """Index just past the `{...}` group opening at start, or -1."""
    if start >= len(body) or body[start] != "{":
        return -1
    depth = 0
    for i in range(start, len(body)):
        depth += {"{": 1, "}": -1}.get(body[i], 0)
        if depth == 0:
            return i + 1
    return -1


def safe_math(body: str) -> bool:
    """Whether math content uses only plain symbols, balanced groups and known commands."""
    i = 0
    while i < len(body):
        ch = body[i]
        if ch in _PLAIN_MATH:
            i += 1
        elif ch == "{":
            end = _group_end(body, i)
            if end < 0 or not safe_math(body[i + 1 : end - 1]):
                return False
            i = end
        elif ch in "^_":
            i += 1
            if i >= len(body) or body[i] in " ^_}":
                return False
        elif ch == "\\":
            match = _COMMAND.match(body, i)
            if not match:
                return False
            name, i = match.group(1), match.end()
            arguments = 2 if name == "frac" else 1 if name in _ONE_ARG else 0
            if name.isalpha() and not arguments and name not in _SYMBOLS:
                return False
            for _ in range(arguments):
                end = _group_end(body, i)
                if end < 0 or not safe_math(body[i + 1 : end - 1]):
                    return False
                i = end
        else:
            return False
    return True


def lone_braces(text: str) -> frozenset[int]:
    """Offsets of the braces in text that have no counterpart (each `}` closes the last `{`)."""
    opened: list[int] = []
    lone: set[int] = set()
    for match in _BRACE.finditer(text):
        if match.group() == "{":
            opened.append(match.start())
        elif opened:
            opened.pop()
        else:
            lone.add(match.start())
    return frozenset(lone.union(opened))


def escape_text(text: str, lone: frozenset[int] | None = None) -> str:
    """Plain text as LaTeX text: specials and ligature pairs escaped, nothing else touched.

    `lone` holds the offsets of braces without a counterpart (found in text when not given).
    """
    if not _NEEDS_WORK.search(text):
        return text
    if _SPECIAL.search(text):
        unpaired = lone_braces(text) if lone is None else lone

        def brace(match: re.Match[str]) -> str:
            char = match.group()
            return LONE_BRACE_ESCAPES[char] if match.start() in unpaired else BRACE_ESCAPES[char]

        text = _BRACES.sub(brace, text)
        for char, escape in OTHER_ESCAPES.items():
            if char in text:
                text = text.replace(char, escape)
    if _LIGATURE_PAIR.search(text):
        text = _LIGATURE.sub("{}", text)
    return text


def to_latex(text: str) -> str:
    """Text as BibTeX field content: safe inline math kept, everything else escaped.

    Braces pair up across the whole text: math kept as it is holds only balanced groups,
    which pair among themselves.
    """
    if "$" not in text:
        return escape_text(text)
    lone = lone_braces(text)
    pieces, done = [], 0

    def escaped(start: int, end: int) -> str:
        return escape_text(text[start:end], frozenset(i - start for i in lone if start <= i < end))

    for match in _MATH.finditer(text):
        body = match.group(1) or match.group(2)
        if safe_math(body):
            pieces += [escaped(done, match.start()), match.group()]
            done = match.end()
    pieces.append(escaped(done, len(text)))
    return "".join(pieces)


def protect_case(latex: str) -> str:
    """A title wrapped in braces so that styles keep its capitals.

    A group opening with a backslash is a BibTeX "special character" whose letters styles
    still recase, so such a title starts with an empty group.
    """
    return "{" + ("{}" if latex.startswith("\\") else "") + latex + "}"
