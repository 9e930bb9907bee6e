"""The csljson file through a real CSL processor: Pandoc's citeproc (from pypandoc-binary).

citeproc-py is no such witness: it reads no suffix out of `given` and would print
`Ronald, Jr.` as the initials `R.J.`; citeproc-js and Pandoc's citeproc read it as Zotero
writes it.
"""

from __future__ import annotations

import json
import subprocess

import pypandoc
from test_citation import paper

from exportdigest.exporter import Run
from exportdigest.exporters.csljson import CslJsonExporter


def bibliography(csl_json: str, tmp_path) -> list[str]:
    """The lines Pandoc's citeproc prints for a CSL-JSON file (its Chicago author-date)."""
    csl = tmp_path / "papers.json"
    csl.write_text(csl_json, "utf-8")
    done = subprocess.run(
        [pypandoc.get_pandoc_path(), "--citeproc", f"--bibliography={csl}", "--wrap=none"]
        + ["--to", "plain"],
        input="---\nnocite: '@*'\n---\n",
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return [line for line in done.stdout.splitlines() if line.strip()]


def test_a_name_suffix_arrives_in_zoteros_form_and_is_printed_once(tmp_path):
    entries = [
        paper("Belief States", ["Ronald McClelland Jr."]),
        paper("Tokens as Parameters", ["Ada Lovelace", "Robert L. Logan IV"]),
    ]
    text = "".join(CslJsonExporter({}, Run()).render(entries))
    (first, second) = json.loads(text)
    # what Zotero's CSL import reads (`family`, `given`) holds the suffix, as Zotero keeps it
    assert first["author"] == [{"family": "McClelland", "given": "Ronald, Jr."}]
    assert second["author"][1] == {"family": "Logan", "given": "Robert L., IV"}
    lines = bibliography(text, tmp_path)
    (mcclelland,) = [line for line in lines if "Belief States" in line]
    (logan,) = [line for line in lines if "Tokens as Parameters" in line]
    assert mcclelland.startswith("McClelland, Ronald, Jr. 2024.") and mcclelland.count("Jr") == 1
    assert "Robert L. Logan IV. 2024." in logan and logan.count("IV") == 1
