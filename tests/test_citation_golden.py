"""Golden files: the seed digest's ris, bibtex and csljson output, compared byte for byte.

After an intended change of output, regenerate them and review the diff:
    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_citation_golden.py
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from exportdigest.exporter import Run
from exportdigest.exporters.bibtex import BibtexExporter
from exportdigest.exporters.csljson import CslJsonExporter
from exportdigest.exporters.ris import RisExporter
from exportdigest.model import ArxivRecord

GOLDEN = Path(__file__).parent / "data" / "golden"


@pytest.mark.parametrize(
    ("exporter_class", "name"),
    [(RisExporter, "seed.ris"), (BibtexExporter, "seed.bib"), (CslJsonExporter, "seed.csl.json")],
)
def test_seed_digest_output_matches_its_golden_file(seed_entries, exporter_class, name):
    output = "".join(exporter_class({}, Run()).render(seed_entries)).encode("utf-8")
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(output)
    assert output == golden.read_bytes(), f"{name} changed; see the module docstring"


# Two seed papers with what a lookup (--arxiv) gives: one with a published version's DOI.
LOOKED_UP = {
    0: ArxivRecord("2410.23506", 2, "cs.LG", "2024-10-30"),
    1: ArxivRecord("2410.23123", 1, "cs.CL", "2024-10-30", "10.18653/v1/2025.acl-long.1"),
}


@pytest.mark.parametrize(
    ("exporter_class", "name"),
    [
        (RisExporter, "arxiv.ris"),
        (BibtexExporter, "arxiv.bib"),
        (CslJsonExporter, "arxiv.csl.json"),
    ],
)
def test_arxiv_records_output_matches_its_golden_file(seed_entries, exporter_class, name):
    entries = [replace(seed_entries[i], arxiv=record) for i, record in LOOKED_UP.items()]
    output = "".join(exporter_class({}, Run()).render(entries)).encode("utf-8")
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(output)
    assert output == golden.read_bytes(), f"{name} changed; see the module docstring"
