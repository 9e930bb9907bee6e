"""With `--arxiv`, every target carries each paper's arXiv id, links and DOI; notes and items
made before the id was known are updated once, never duplicated."""

from __future__ import annotations

import json

import pytest
import yaml
from arxiv_standin import ArxivStandIn, point_client, seeded

pytest_plugins = ("zotero_standin",)  # fixtures: clock, standin, push


@pytest.fixture
def arxiv(tmp_path, monkeypatch, seed_entries, clock):
    """The stand-in with every seed paper on arXiv (ids 2411.10001...), with decoys."""
    papers = [
        (e.title, list(e.authors), f"2411.{10001 + i:05d}") for i, e in enumerate(seed_entries)
    ]
    stand_in, expected = seeded(papers)
    with ArxivStandIn(stand_in, clock=clock) as server:
        point_client(monkeypatch, clock, tmp_path / "state", server.url)
        server.expected = expected
        yield server


def test_the_ids_appear_in_every_file_target(arxiv, run_cli, seed_path, tmp_path, seed_entries):
    out = {name: tmp_path / f"papers.{name}" for name in ("ris", "bibtex", "csljson", "jsonl")}
    args = [a for name, path in out.items() for a in ("-t", name, f"--{name}-out", str(path))]
    result = run_cli("--arxiv", *args, str(seed_path))
    assert result.exit_code == 0, result.output
    first = seed_entries[0]  # 2411.10001, primary category cs.CL
    ris = out["ris"].read_bytes().decode("utf-8")
    assert "UR  - https://arxiv.org/abs/2411.10001\r\n" in ris
    assert "DO  - 10.48550/arXiv.2411.10001\r\n" in ris
    bib = out["bibtex"].read_text("utf-8")
    for line in (
        "eprint = {2411.10001}",
        "archiveprefix = {arXiv}",
        "primaryclass = {cs.CL}",
        "doi = {10.48550/arXiv.2411.10001}",
        "url = {https://arxiv.org/abs/2411.10001}",
    ):
        assert line in bib
    csl = {item["title"]: item for item in json.loads(out["csljson"].read_text("utf-8"))}
    item = csl[first.title]
    assert (item["URL"], item["DOI"]) == (
        "https://arxiv.org/abs/2411.10001",
        "10.48550/arXiv.2411.10001",
    )
    assert (item["number"], item["publisher"]) == ("arXiv:2411.10001", "arXiv")
    assert item["issued"]["date-parts"] == [[2024, 11, 4]]  # the digest's date, not arXiv's
    rows = [json.loads(line) for line in out["jsonl"].read_text("utf-8").splitlines()]
    assert {r["title"]: r["arxiv"]["id"] for r in rows} == arxiv.expected
    assert len(arxiv.requests) == 1  # one lookup serves every target


def note_properties(vault, title_start: str) -> tuple[dict, str]:
    note = next(p for p in (vault / "Papers").glob("*.md") if p.name.startswith(title_start))
    text = note.read_text("utf-8")
    return yaml.safe_load(text.split("---\n")[1]), text


def test_obsidian_notes_gain_the_arxiv_properties_and_links_once(
    arxiv, run_cli, seed_path, tmp_path
):
    vault = tmp_path / "vault"
    made = run_cli("-t", "obsidian", "--vault", str(vault), str(seed_path))
    assert "10 created" in made.stderr
    props, text = note_properties(vault, "Learning to Achieve Goals")
    assert "arxiv" not in props and "**arXiv:**" not in text
    looked = run_cli("--arxiv", "-t", "obsidian", "--vault", str(vault), str(seed_path))
    assert "obsidian: 0 created, 10 updated" in looked.stderr, looked.output
    props, text = note_properties(vault, "Learning to Achieve Goals")
    assert props["arxiv"] == "2411.10001"
    assert props["arxiv_url"] == "https://arxiv.org/abs/2411.10001"
    assert props["arxiv_pdf"] == "https://arxiv.org/pdf/2411.10001"
    assert props["doi"] == "10.48550/arXiv.2411.10001"
    assert str(props["date"]) == "2024-11-04"
    line = "**arXiv:** [2411.10001](https://arxiv.org/abs/2411.10001) · [PDF](https://arxiv.org/pdf/2411.10001)"
    assert line in text
    assert len(list((vault / "Papers").glob("*.md"))) == 10
    again = run_cli("--arxiv", "-t", "obsidian", "--vault", str(vault), str(seed_path))
    assert "obsidian: 0 created, 0 updated, 10 unchanged" in again.stderr
    assert len(arxiv.requests) == 1


def test_a_new_vault_has_the_arxiv_types_and_column(arxiv, run_cli, seed_path, tmp_path):
    vault = tmp_path / "vault"
    assert (
        run_cli("--arxiv", "-t", "obsidian", "--vault", str(vault), str(seed_path)).exit_code == 0
    )
    types = json.loads((vault / ".obsidian" / "types.json").read_text("utf-8"))["types"]
    assert {types[k] for k in ("arxiv", "arxiv_url", "arxiv_pdf", "doi")} == {"text"}
    assert "- arxiv_url" in (vault / "Papers.base").read_text("utf-8")


def test_zotero_items_pushed_before_the_id_was_known_are_completed_not_duplicated(
    arxiv, push, standin, seed_path
):
    assert "10 created" in push(str(seed_path)).stderr
    assert len(standin.items) == 20  # items and notes
    result = push("--arxiv", str(seed_path))
    assert "zotero: 0 created, 10 updated" in result.stderr, result.output
    items = {d["title"]: d for d in standin.items.values() if d["itemType"] == "preprint"}
    assert len(items) == 10
    pdfs = [d for d in standin.items.values() if d["itemType"] == "attachment"]
    assert len(pdfs) == 10
    first = next(d for t, d in items.items() if t.startswith("Learning to Achieve Goals"))
    assert (first["repository"], first["archiveID"]) == ("arXiv", "arXiv:2411.10001")
    assert (first["url"], first["DOI"]) == (
        "https://arxiv.org/abs/2411.10001",
        "10.48550/arXiv.2411.10001",
    )
    assert "arXiv category: cs.CL" in first["extra"].splitlines()
    pdf = next(d for d in pdfs if d["parentItem"] == first["key"])
    assert (pdf["linkMode"], pdf["url"]) == ("linked_url", "https://arxiv.org/pdf/2411.10001")
    again = push("--arxiv", str(seed_path))
    assert "zotero: 0 created, 0 updated, 10 unchanged" in again.stderr
    assert len(standin.items) == 30


def test_a_pdf_link_the_user_deleted_is_not_made_again(arxiv, push, standin, seed_path):
    push("--arxiv", str(seed_path))
    pdf = next(d for d in standin.items.values() if d["itemType"] == "attachment")
    parent = standin.items[pdf["parentItem"]]
    with standin.lock:  # deleted in Zotero
        standin.version += 1
        del standin.items[pdf["key"]]
        standin.deleted["items"][pdf["key"]] = standin.version
    text = seed_path.read_text("utf-8")
    seed_path.write_text(text.replace(parent["abstractNote"][:60], "A changed abstract. "), "utf-8")
    result = push("--arxiv", str(seed_path))
    assert "1 updated" in result.stderr, result.output  # the item was written again
    assert pdf["key"] not in standin.items
    assert sum(1 for d in standin.items.values() if d["itemType"] == "attachment") == 9


def test_the_pdf_and_the_obsidian_note_links_share_an_item_and_a_rerun_writes_nothing(
    arxiv, push, standin, seed_path, tmp_path
):
    args = ("-t", "obsidian", "--vault", str(tmp_path / "vault"), "--arxiv", str(seed_path))
    result = push(*args)
    assert result.exit_code == 0, result.output
    items = standin.top_items()
    assert len(items) == 10
    for item in items:
        links = sorted(
            (d["title"], d["url"].partition(":")[0])
            for d in standin.items.values()
            if d["itemType"] == "attachment" and d["parentItem"] == item["key"]
        )
        assert links == [("Full Text PDF", "https"), ("Obsidian note", "obsidian")]
    standin.reset_log()
    again = push(*args)
    assert again.exit_code == 0, again.output
    assert standin.writes == [] and "links" not in again.output
