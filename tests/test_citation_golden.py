"""Golden files: the seed digest's ris, bibtex and csljson output, compared byte for byte.

After an intended change of output, regenerate them and review the diff:
    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_citation_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exportdigest.exporter import Run
from exportdigest.exporters.bibtex import BibtexExporter
from exportdigest.exporters.csljson import CslJsonExporter
from exportdigest.exporters.ris import RisExporter

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
