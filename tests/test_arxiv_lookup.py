"""`--arxiv` against the arXiv stand-in: the right ids, few requests, the cache, the faults."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest
from arxiv_standin import ArxivStandIn, Paper, point_client, seeded

from exportdigest.config import state_dir

DAY = 24 * 3600


pytest_plugins = ("zotero_standin",)  # fixtures: clock (the fake one both sides share)


def many_entries(*args):
    from zotero_standin import many_entries  # imported once registered as a plugin

    return many_entries(*args)


def write_digest(*args):
    from zotero_standin import write_digest

    return write_digest(*args)


@pytest.fixture
def arxiv(tmp_path, monkeypatch, seed_entries, clock):
    """The stand-in holding the seed's papers (made-up ids) and their decoys; the client
    pointed at it, on the fake clock."""
    papers = [
        (e.title, list(e.authors), f"2411.{10001 + i:05d}") for i, e in enumerate(seed_entries)
    ]
    papers[9] = (papers[9][0], papers[9][1], None)  # not on arXiv: only a same-title decoy is
    stand_in, expected = seeded(papers)
    with ArxivStandIn(stand_in, clock=clock) as server:
        point_client(monkeypatch, clock, tmp_path / "state", server.url)
        server.min_gap = 3.0
        server.expected = expected
        yield server


def ids(result) -> dict[str, str | None]:
    """title -> the arXiv id jsonl wrote."""
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    return {r["title"]: (r["arxiv"] or {}).get("id") for r in rows}


def test_every_paper_on_arxiv_is_found_and_no_decoy_ever_wins(arxiv, run_cli, seed_path):
    result = run_cli("--arxiv", "-v", "-t", "jsonl", str(seed_path))
    assert ids(result) == arxiv.expected
    assert len(arxiv.requests) == 1  # ten titles, one request
    assert "arxiv: 9 identified, 1 not found, 0 left for later" in result.stderr
    assert "not identified (the same title on arXiv is by other authors)" in result.stderr
    assert arxiv.violations == []
    row = json.loads(result.stdout.splitlines()[0])
    assert row["arxiv"] == {
        "id": "2411.10001",
        "version": 1,
        "url": "https://arxiv.org/abs/2411.10001",
        "pdf": "https://arxiv.org/pdf/2411.10001",
        "doi": "10.48550/arXiv.2411.10001",
        "primary_category": "cs.CL",
        "published": "2023-01-10",
        "journal_doi": None,
    }
    assert row["date"] == "2024-11-04"  # the paper's date stays the digest's


def test_a_re_run_sends_no_request_and_a_paper_not_found_is_asked_again_after_a_day(
    arxiv, run_cli, seed_path, clock
):
    first = ids(run_cli("--arxiv", "-t", "jsonl", str(seed_path)))
    asked = len(arxiv.requests)
    assert ids(run_cli("--arxiv", "-t", "jsonl", str(seed_path))) == first
    assert len(arxiv.requests) == asked
    clock.now += DAY
    assert ids(run_cli("--arxiv", "-t", "jsonl", str(seed_path))) == first
    assert len(arxiv.requests) == asked + 1
    query = arxiv.requests[-1].params["search_query"]
    assert query.count("ti:") == 1 and "fast vs slow thinking" not in query.lower()


def test_requests_are_paced_by_the_delay_on_one_connection_and_stay_short(
    arxiv, run_cli, tmp_path, seed_entries, clock
):
    entries = many_entries(seed_entries, 300)
    for i, entry in enumerate(entries):
        arxiv.add(Paper(f"2412.{20001 + i}", entry.title, list(entry.authors)))
    digest = write_digest(tmp_path / "many.txt", entries)
    result = run_cli("--arxiv", "-t", "jsonl", str(digest))
    assert set(ids(result).values()) == {f"2412.{20001 + i}" for i in range(300)}
    times = [r.at for r in arxiv.requests]
    assert 6 <= len(times) <= 20  # many titles a request, not one each
    assert all(b - a >= 3.0 for a, b in zip(times, times[1:], strict=False))
    assert all(r.length < 2000 for r in arxiv.requests)
    assert arxiv.violations == []
    assert sum(clock.sleeps) >= 3.0 * (len(times) - 1)  # waited on the fake clock only


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503, "headers": {"Retry-After": "17"}, "times": 2},
        {"kind": "empty", "times": 2},
        {"kind": "drop"},
        {"kind": "slow", "seconds": 1.5},  # beyond the client's timeout: asked again
        {"kind": "status", "status": 500},
    ],
    ids=lambda f: f["kind"] + str(f.get("status", "")),
)
def test_a_fault_is_retried_and_changes_no_id(arxiv, run_cli, seed_path, fault):
    arxiv.inject(**fault)
    result = run_cli("--arxiv", "-t", "jsonl", str(seed_path))
    assert ids(result) == arxiv.expected
    assert len(arxiv.requests) == 1 + fault.get("times", 1)
    assert arxiv.violations == []  # Retry-After honoured, paced, one connection
    if "Retry-After" in fault.get("headers", {}):
        gaps = [b.at - a.at for a, b in zip(arxiv.requests, arxiv.requests[1:], strict=False)]
        assert min(gaps) >= 17


def test_arxiv_unreachable_is_one_warning_and_the_next_run_fills_the_ids_in(
    arxiv, run_cli, seed_path
):
    arxiv.inject("status", status=503, times=100)
    result = run_cli("--arxiv", "-t", "jsonl", str(seed_path))
    assert result.exit_code == 0
    assert set(ids(result).values()) == {None}
    warnings = [line for line in result.stderr.splitlines() if "arxiv:" in line and "503" in line]
    assert len(warnings) == 1 and "left for the next run" in warnings[0]
    assert "arxiv: 0 identified, 0 not found, 10 left for later" in result.stderr
    arxiv.faults.clear()
    assert ids(run_cli("--arxiv", "-t", "jsonl", str(seed_path))) == arxiv.expected


def test_under_verbose_each_retry_says_how_long_it_waits(arxiv, run_cli, seed_path):
    arxiv.inject("status", status=503, headers={"Retry-After": "17"}, times=2)
    quiet = run_cli("--arxiv", "-t", "jsonl", str(seed_path))
    assert ids(quiet) == arxiv.expected and "trying again" not in quiet.stderr
    shutil.rmtree(state_dir() / "arxiv")  # forget the answers: the next run asks again
    arxiv.inject("status", status=503, headers={"Retry-After": "17"}, times=2)
    result = run_cli("-v", "--arxiv", "-t", "jsonl", str(seed_path))
    assert ids(result) == arxiv.expected
    retries = [line for line in result.stderr.splitlines() if "trying again in" in line]
    host = arxiv.url.removeprefix("http://").split("/")[0]
    assert retries == [f"  arxiv: {host} answered HTTP 503; trying again in 17 s"] * 2


def test_an_abstract_link_gives_the_id_and_id_list_the_rest(arxiv, run_cli, tmp_path, seed_entries):
    link = "https://arxiv.org/abs/2411.10001v1"
    linked = replace(seed_entries[0], title="A Renamed Title", abstract=f"See {link} here.")
    digest = write_digest(tmp_path / "linked.txt", [linked])
    without = json.loads(run_cli("-t", "jsonl", str(digest)).stdout)
    assert without["arxiv"]["id"] == "2411.10001" and without["arxiv"]["primary_category"] is None
    assert arxiv.requests == []  # without --arxiv nothing is asked
    looked = json.loads(run_cli("--arxiv", "-t", "jsonl", str(digest)).stdout)
    assert looked["arxiv"]["primary_category"] == "cs.CL"
    assert [r.params.get("id_list") for r in arxiv.requests] == ["2411.10001"]
    assert "search_query" not in arxiv.requests[0].params


def test_ids_set_by_hand_win_over_the_lookup_and_a_wrong_value_is_exit_2(
    arxiv, run_cli, seed_path, seed_entries, tmp_path
):
    config = tmp_path / "config.toml"
    first, second = seed_entries[0], seed_entries[1]
    config.write_text(
        f'[arxiv]\n"{first.title.upper()}" = "2301.03728v2"\n"{second.id}" = ""\n', "utf-8"
    )
    arxiv.add(Paper("2301.03728", "Another paper", ["X Y"], version=2))
    got = ids(run_cli("--config", str(config), "--arxiv", "-t", "jsonl", str(seed_path)))
    assert got[first.title] == "2301.03728" and got[second.title] is None
    plain = ids(run_cli("--config", str(config), "-t", "jsonl", str(seed_path)))
    assert plain[first.title] == "2301.03728" and plain[second.title] is None
    config.write_text('[arxiv]\n"Some Title" = "not an id"\n', "utf-8")
    bad = run_cli("--config", str(config), "-t", "jsonl", str(seed_path))
    assert bad.exit_code == 2 and "config [arxiv] 'Some Title'" in bad.stderr


def test_a_dry_run_sends_no_request_and_writes_no_cache(arxiv, run_cli, seed_path, tmp_path):
    result = run_cli(
        "--arxiv", "-n", "-t", "jsonl", "-o", str(tmp_path / "o.jsonl"), str(seed_path)
    )
    assert result.exit_code == 0, result.output
    assert arxiv.requests == [] and not (tmp_path / "state").exists()
    assert "10 left for later (dry run: arXiv not asked)" in result.stderr


def test_arxiv_is_on_by_the_config_and_the_delay_option_is_checked(
    arxiv, run_cli, seed_path, tmp_path
):
    config = tmp_path / "config.toml"
    config.write_text("[defaults]\narxiv = true\narxiv_delay = 3\n", "utf-8")
    assert ids(run_cli("--config", str(config), "-t", "jsonl", str(seed_path))) == arxiv.expected
    bad = run_cli("--arxiv-delay", "-1", "-t", "jsonl", str(seed_path))
    assert bad.exit_code == 2


def test_a_titles_not_on_the_first_page_are_asked_again_with_their_first_author(
    tmp_path, monkeypatch, clock, run_cli, seed_entries
):
    paper = seed_entries[2]
    many = [
        Paper(f"2399.{30000 + i}", f"{paper.title} part {i}", ["Other Person"]) for i in range(40)
    ]
    real = Paper("2301.10003", paper.title, list(paper.authors))  # ranked last of 41
    digest = write_digest(tmp_path / "one.txt", [paper])
    with ArxivStandIn([*many, real], clock=clock) as server:
        server.rank_titles = False
        point_client(monkeypatch, clock, tmp_path / "state", server.url)
        got = ids(run_cli("--arxiv", "-t", "jsonl", str(digest)))
    assert got == {paper.title: "2301.10003"}
    assert len(server.requests) == 2
    assert " AND au:" in server.requests[-1].params["search_query"]


def test_a_query_arxiv_refuses_is_one_warning_and_its_papers_wait(arxiv, run_cli, seed_path):
    arxiv.inject("status", status=400)  # HTTP 400: arXiv's answer to a query it cannot take
    result = run_cli("--arxiv", "-t", "jsonl", str(seed_path))
    assert set(ids(result).values()) == {None}
    assert "arxiv: query refused" in result.stderr
    assert "10 left for later" in result.stderr and len(arxiv.requests) == 1  # not retried
    assert ids(run_cli("--arxiv", "-t", "jsonl", str(seed_path))) == arxiv.expected


@pytest.mark.parametrize(
    "text", ['arxiv = "2404.14396"\n', '[arxiv.nested]\nkey = "2404.14396"\n', "[arxiv]\nx = 5\n"]
)
def test_an_arxiv_table_that_is_not_titles_and_ids_is_exit_2(run_cli, seed_path, tmp_path, text):
    config = tmp_path / "config.toml"
    config.write_text(text, "utf-8")
    result = run_cli("--config", str(config), "-t", "jsonl", str(seed_path))
    assert result.exit_code == 2 and "arxiv" in result.stderr and result.stdout == ""


def test_without_arxiv_no_http_or_feed_library_is_imported(seed_path):
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from exportdigest.cli import main\n"
        f"sys.argv = ['exportdigest', '-q', '-t', 'jsonl', '-o', '/dev/null', {str(seed_path)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('feedparser', 'httpx2') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://arxiv.org/abs/2410.23506v2", "2410.23506"),
        ("https://ArXiv.org/pdf/2410.23506v2.pdf", "2410.23506"),
        ("http://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs/math.AG/0101001", "math.AG/0101001"),
        ("https://arxiv.org/abs/HEP-TH/9901001", None),  # not an id arXiv gives
        ("https://arxiv.org/abs/2410.235067", None),
    ],
)
def test_an_abstract_link_is_read_by_the_one_id_grammar(seed_entries, link, expected):
    from exportdigest.arxiv import split_version
    from exportdigest.model import arxiv_id
    from exportdigest.parser import find_urls

    abstract = f"Code and paper: {link}"
    entry = replace(seed_entries[0], abstract=abstract, urls=find_urls(abstract))
    assert arxiv_id(entry) == expected
    if expected:  # what the link rule takes, the config and the feed take too
        assert split_version(expected) == (expected, None)
