"""The arXiv stand-in follows the API manual's query syntax (so the lookup's tests mean it)."""

from __future__ import annotations

import httpx2
import pytest
from arxiv_standin import ArxivStandIn, Paper, QueryError, parse_query

from exportdigest.arxiv_feed import FeedError, parse

PAPERS = [
    Paper("2301.00001", "Quantum Criticality in Metals", ["Ann Lee"], "Electrons.", categories=["cond-mat"], published="2023-01-01T00:00:00Z"),
    Paper("2301.00002", "Criticality, Quantum and Classical", ["Bo Chen"], "Spins.", categories=["quant-ph"], published="2023-01-03T00:00:00Z"),
    Paper("2301.00003", "Large Language Models", ["Ann Lee", "Cy Dee"], "Text.", categories=["cs.CL"], published="2023-01-02T00:00:00Z"),
    Paper("hep-th/9901001", "Strings on Quantum Criticality", ["Dan Old"], categories=["hep-th"], published="1999-01-01T00:00:00Z"),
]  # fmt: skip


@pytest.fixture(scope="module")
def server():
    with ArxivStandIn(PAPERS) as running:
        yield running


def found(server, **params) -> list[str]:
    answer = httpx2.get(server.url, params=params)
    assert answer.status_code == 200, answer.text
    return [f.record.id for f in parse(answer.text).entries]


def test_a_quoted_phrase_matches_its_words_in_order_anywhere_in_the_field(server):
    assert sorted(found(server, search_query='ti:"quantum criticality"')) == [
        "2301.00001",
        "hep-th/9901001",
    ]
    assert found(server, search_query="ti:criticality AND au:chen") == ["2301.00002"]


def test_boolean_operators_and_parentheses(server):
    query = '(ti:quantum OR ti:language) ANDNOT au:"ann lee"'
    assert sorted(found(server, search_query=query)) == ["2301.00002", "hep-th/9901001"]
    assert found(server, search_query="cat:cs.CL OR abs:spins", sortBy="submittedDate") == [
        "2301.00002",
        "2301.00003",
    ]
    assert found(server, search_query="all:electrons") == ["2301.00001"]


def test_paging_and_sorting(server):
    query = "ti:quantum OR ti:language OR ti:criticality"
    oldest_first = found(server, search_query=query, sortBy="submittedDate", sortOrder="ascending")
    assert oldest_first == ["hep-th/9901001", "2301.00001", "2301.00003", "2301.00002"]
    page = httpx2.get(
        server.url,
        params={
            "search_query": query,
            "start": 1,
            "max_results": 2,
            "sortBy": "submittedDate",
            "sortOrder": "ascending",
        },
    )
    read = parse(page.text)
    assert [f.record.id for f in read.entries] == oldest_first[1:3]
    assert (read.total, read.start, read.complete) == (4, 1, False)


def test_id_list_with_versions_and_old_style_ids(server):
    assert found(server, id_list="2301.00003v2,hep-th/9901001") == ["2301.00003", "hep-th/9901001"]
    assert found(server, id_list="2301.00003,2301.00001", search_query="au:lee") == [
        "2301.00003",
        "2301.00001",
    ]
    assert found(server, id_list="2301.99999") == []


@pytest.mark.parametrize(
    "params",
    [
        {"id_list": "abc"},
        {"search_query": 'ti:"unclosed'},
        {"search_query": "ti:a:b"},
        {"search_query": "(ti:quantum"},
        {"search_query": "ti:quantum AND"},
        {"search_query": "xx:quantum"},
        {"search_query": "ti:quantum", "sortBy": "stars"},
        {"search_query": "ti:quantum", "start": "-1"},
    ],
)
def test_what_arxiv_refuses_is_the_error_feed_with_http_400(server, params):
    answer = httpx2.get(server.url, params=params)
    assert answer.status_code == 400
    with pytest.raises(FeedError):
        parse(answer.text)


def test_the_parser_reads_left_to_right():
    assert parse_query("ti:a OR ti:b AND ti:c") == (
        "AND",
        ("OR", ("term", "ti", ["a"]), ("term", "ti", ["b"])),
        ("term", "ti", ["c"]),
    )
    with pytest.raises(QueryError):
        parse_query("ti:a )")
