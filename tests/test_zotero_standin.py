"""The stand-in enforces the Web API's rules, seen through pyzotero 1.16 and raw HTTP."""

from __future__ import annotations

import httpx2
import pytest
from pyzotero import zotero
from pyzotero.errors import TooManyItemsError
from zotero_standin import FakeClock, ZoteroStandIn

KEY = "StandInKey0123456789abcd"


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with ZoteroStandIn(api_key=KEY, clock=FakeClock()) as running:
        yield running


@pytest.fixture
def zot(server):
    client = zotero.Zotero(server.library_id, "user", KEY)
    client.endpoint = server.url
    return client


@pytest.fixture
def post(server):
    """POST JSON to a library path with raw HTTP; returns (status, parsed body)."""

    def send(path: str, body, **headers: str):
        reply = httpx2.post(
            f"{server.url}{server.prefix}/{path}",
            json=body,
            headers={"Authorization": f"Bearer {KEY}", **headers},
        )
        kind = reply.headers.get("content-type", "")
        return reply.status_code, reply.json() if "json" in kind else reply.text

    return send


def preprint(**fields):
    return {"itemType": "preprint", "title": "T", **fields}


def test_pyzotero_creates_reads_and_lists_versions(zot, server):
    made = zot.create_items([preprint(creators=[{"creatorType": "author", "name": "Plato"}])])
    key = made["success"]["0"]
    assert made["failed"] == {}
    assert zot.item_versions() == {key: 1}
    assert zot.item_versions(since=1) == {}
    (item,) = zot.items(itemKey=key)
    assert item["data"]["title"] == "T" and item["data"]["abstractNote"] == ""


def test_more_than_50_objects_are_refused(post, zot):
    with pytest.raises(TooManyItemsError):
        zot.create_items([preprint() for _ in range(51)])
    status, _ = post("items", [preprint() for _ in range(51)])
    assert status == 413


def test_a_field_of_another_item_type_fails_the_object_not_the_request(zot, server):
    reply = zot.create_items([preprint(publicationTitle="Nature"), preprint(title="ok")])
    assert reply["failed"]["0"]["code"] == 400
    assert "not a valid field for type 'preprint'" in reply["failed"]["0"]["message"]
    assert list(reply["success"]) == ["1"] and len(server.items) == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"creators": [{"creatorType": "director", "name": "X"}]},
        {"creators": [{"creatorType": "author", "name": "X", "lastName": "Y"}]},
        {"tags": [{"tag": "x" * 256}]},
        {"tags": [{"tag": ""}]},
        {"collections": ["ABCD2345"]},
        {"note": "<p>x</p>"},
        {"itemType": "notAType"},
        {"key": "abcd2345", "version": 0},
        {"key": "ABCD2340", "version": 0},
    ],
)
def test_invalid_objects_are_refused(post, bad):
    status, body = post("items", [preprint(**bad)], **{"Zotero-Write-Token": "a" * 32})
    assert status == 200 and body["successful"] == {}
    assert body["failed"]["0"]["code"] in (400, 409)


def test_keys_need_versions_and_versions_must_be_current(post, server):
    status, body = post("items", [preprint(key="ABCD2345")])
    assert body["failed"]["0"]["code"] == 428
    _, body = post("items", [preprint(key="ABCD2345", version=0)])
    assert body["success"] == {"0": "ABCD2345"}
    _, body = post("items", [preprint(key="ABCD2345", version=0)])
    assert body["failed"]["0"]["code"] == 412  # version 0: must not exist yet
    _, body = post("items", [preprint(key="ABCD2345", version=1, title="New")])
    assert body["success"] == {"0": "ABCD2345"} and server.items["ABCD2345"]["version"] == 2
    _, body = post("items", [preprint(key="ABCD2345", version=1, title="Stale")])
    assert body["failed"]["0"]["code"] == 412
    _, body = post("items", [preprint(key="ABCD2345", version=2, title="New")])
    assert body["unchanged"] == {"0": "ABCD2345"} and server.version == 2
    status, _ = post("items", [preprint()], **{"If-Unmodified-Since-Version": "1"})
    assert status == 412


def test_a_used_write_token_is_refused(post, server):
    token = {"Zotero-Write-Token": "f" * 32}
    assert post("items", [preprint()], **token)[0] == 200
    assert post("items", [preprint()], **token)[0] == 412
    assert len(server.items) == 1


def test_a_note_may_name_a_parent_made_earlier_in_the_same_request(post):
    parent = preprint(key="PARENT22", version=0)
    note = {"itemType": "note", "note": "<p>n</p>", "parentItem": "PARENT22", "key": "CHILD222"}
    _, body = post("items", [note | {"version": 0}, parent])
    assert body["failed"]["0"]["code"] == 400  # the parent came after it
    assert body["success"] == {"1": "PARENT22"}
    _, body = post("items", [{**note, "key": "CHILD444", "version": 0}])
    assert body["success"] == {"0": "CHILD444"}
    _, body = post(
        "items", [{**note, "key": "CHILD555", "version": 0, "collections": ["ABCD2345"]}]
    )
    assert "collections" in body["failed"]["0"]["message"]


def test_child_and_parent_in_one_request(post, server):
    parent = preprint(key="PARENT22", version=0)
    note = {"itemType": "note", "note": "<p>n</p>", "parentItem": "PARENT22"}
    _, body = post("items", [parent, note | {"key": "CHILD222", "version": 0}])
    assert set(body["success"]) == {"0", "1"}
    assert server.children("PARENT22")[0]["key"] == "CHILD222"


def test_reads_since_itemkey_and_deleted(zot, server, post):
    post("items", [preprint(key=k, version=0) for k in ("AAAA2222", "BBBB2222", "CCCC2222")])
    assert server.version == 1
    server.user_edit("BBBB2222", title="changed")
    server.user_delete("CCCC2222")
    assert zot.item_versions(since=1) == {"BBBB2222": 2}
    assert {i["key"] for i in zot.items(itemKey="AAAA2222,CCCC2222")} == {"AAAA2222"}
    assert zot.deleted(since=2)["items"] == ["CCCC2222"]
    reply = httpx2.get(
        f"{server.url}{server.prefix}/items",
        params={"itemKey": ",".join(["AAAA2222"] * 51)},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert reply.status_code == 400


def test_trashed_items_are_hidden_unless_asked_for(zot, server, post):
    post("items", [preprint(key="AAAA2222", version=0)])
    server.user_trash("AAAA2222")
    assert zot.item_versions() == {}
    assert zot.item_versions(includeTrashed=1) == {"AAAA2222": 2}


def test_wrong_key_or_library_is_forbidden(server):
    wrong = zotero.Zotero(server.library_id, "user", "NotTheKey")
    wrong.endpoint = server.url
    other = zotero.Zotero("1", "user", KEY)
    other.endpoint = server.url
    for client in (wrong, other):
        with pytest.raises(Exception, match="403|Forbidden|Invalid key"):
            client.item_versions()


def test_injected_rate_limit_is_enforced_on_the_next_request(server, zot):
    server.inject("status", method="GET", status=429, headers={"Retry-After": "30"})
    first = httpx2.get(
        f"{server.url}{server.prefix}/items", headers={"Authorization": f"Bearer {KEY}"}
    )
    assert first.status_code == 429 and first.headers["Retry-After"] == "30"
    too_early = httpx2.get(
        f"{server.url}{server.prefix}/items", headers={"Authorization": f"Bearer {KEY}"}
    )
    assert too_early.status_code == 429 and len(server.violations) == 1
    server.clock.sleep(30)
    assert zot.item_versions() == {}


def test_pyzotero_create_items_does_not_retry_a_429(server, zot):
    """Why the exporter has its own retry: pyzotero surfaces the 429 as a JSON error."""
    server.inject("status", method="POST", status=429, headers={"Retry-After": "1"})
    with pytest.raises(ValueError):  # json.JSONDecodeError on the text/plain error body
        zot.create_items([preprint()])
    assert server.items == {}
