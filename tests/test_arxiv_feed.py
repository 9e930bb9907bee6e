"""arXiv's Atom answers read into records: real recorded answers, and the stand-in's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from arxiv_standin import ArxivStandIn, Paper

from exportdigest.arxiv_feed import FeedError, parse
from exportdigest.model import ArxivRecord

RECORDED = Path(__file__).parent / "data" / "arxiv"


def recorded(name: str) -> dict:
    return json.loads((RECORDED / name).read_text("utf-8"))


def test_a_real_id_list_answer_gives_each_papers_record():
    answer = recorded("id_list_two.json")  # asked for 0808.05394 (arXiv has none) and 1707.08567
    page = parse(answer["body"])
    assert answer["status_code"] == 200 and page.total == 1 and page.complete
    by_id = {f.record.id: f for f in page.entries}
    assert set(by_id) == {"1707.08567"}
    aew = by_id["1707.08567"]
    assert aew.record == ArxivRecord("1707.08567", 1, "cs.IT", "2017-07-27", None)
    assert (
        aew.title
        == "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"
    )
    assert aew.authors[0] == "Kees A. Schouhamer Immink" and len(aew.authors) == 34
    assert aew.record.pdf == "https://arxiv.org/pdf/1707.08567"
    assert aew.record.doi == "10.48550/arXiv.1707.08567"


def test_a_real_search_answer_gives_the_published_versions_doi_and_old_style_ids():
    page = parse(recorded("search_testing.json")["body"])
    assert page.total > len(page.entries) == 10 and not page.complete
    dois = {f.record.id: f.record.journal_doi for f in page.entries}
    assert "10.1109/ICSTW55395.2022.00035" in dois.values()
    assert all(f.record.published and len(f.record.published) == 10 for f in page.entries)
    old = parse(recorded("id_list_old_style.json")["body"]).entries
    assert [f.record.id for f in old] == ["astro-ph/0601001"]


def test_a_real_answer_without_results_and_the_real_error_feed():
    empty = parse(recorded("id_list_none.json")["body"])
    assert empty.entries == [] and empty.total == 0 and empty.complete
    error = recorded("error_400.json")
    assert error["status_code"] == 400
    with pytest.raises(FeedError, match="incorrect id format for abc"):
        parse(error["body"])


def test_something_else_than_a_feed_is_refused():
    with pytest.raises(FeedError):
        parse("<html><body>Bad gateway</body></html>")


def test_the_stand_ins_answers_read_like_the_real_ones():
    import httpx2

    paper = Paper(
        "2404.14396",
        "A $\\\\alpha$ Title",
        ["Ann Lee", "Bo Chen"],
        version=3,
        doi="10.1000/x",
        published="2024-04-22T17:59:59Z",
        primary_category="cs.CV",
    )
    with ArxivStandIn([paper]) as server:
        listed = httpx2.get(server.url, params={"id_list": "2404.14396v3"})
        refused = httpx2.get(server.url, params={"id_list": "abc"})
    found = parse(listed.text).entries
    assert [f.record for f in found] == [
        ArxivRecord("2404.14396", 3, "cs.CV", "2024-04-22", "10.1000/x")
    ]
    assert found[0].authors == ("Ann Lee", "Bo Chen")
    real = recorded("error_400.json")["body"]
    assert refused.status_code == 400
    with pytest.raises(FeedError, match="incorrect id format for abc"):
        parse(refused.text)
    assert refused.text.split("<entry>")[1].count("<") == real.split("<entry>")[1].count("<")
