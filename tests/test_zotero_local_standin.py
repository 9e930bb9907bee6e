"""The desktop stand-in keeps the local API's own rules (checked over HTTP, and with pyzotero)."""

from __future__ import annotations

import httpx2
import pytest
from pyzotero import zotero
from pyzotero.errors import LocalAPIDeniedError
from zotero_standin import ZoteroStandIn

NOTE = [{"itemType": "note", "note": "<p>x</p>", "tags": [], "relations": {}}]


@pytest.fixture
def desk(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with ZoteroStandIn(local=True) as server:
        yield server


def grant(desk, remember: bool = True) -> str:
    reply = httpx2.post(
        f"{desk.url}/local/authorize",
        json={"appName": "t"},
        headers={"Zotero-Server-ID": desk.server_id},
    )
    assert reply.status_code == 200 and reply.json()["remember"] is remember
    return reply.json()["key"]


def write(desk, key: str | None, server_id: str | None = "same", token: str | None = None):
    headers = {"Zotero-API-Key": key} if key else {}
    if server_id:
        headers["Zotero-Server-ID"] = desk.server_id if server_id == "same" else server_id
    if token:
        headers["Zotero-Write-Token"] = token
    return httpx2.post(f"{desk.url}/users/0/items", json=NOTE, headers=headers)


def test_the_root_names_the_server_and_reads_need_no_key(desk):
    root = httpx2.get(f"{desk.url}/")
    assert root.status_code == 200 and root.headers["Zotero-Server-ID"] == desk.server_id
    assert httpx2.get(f"{desk.url}/users/0/items").status_code == 200
    assert httpx2.get(f"{desk.url}/users/{desk.library_id}/items").status_code == 200
    assert httpx2.get(f"{desk.url}/users/99/items").status_code == 400
    assert httpx2.get(f"{desk.url}/users/0/items/new?itemType=note").status_code == 404


def test_writes_need_the_server_id_and_a_granted_key(desk):
    key = grant(desk)
    assert write(desk, key, server_id=None).status_code == 428
    assert write(desk, key, server_id="OtherServer1").status_code == 412
    missing = write(desk, None)
    assert missing.status_code == 401 and "WWW-Authenticate" in missing.headers
    assert write(desk, "x" * 32).status_code == 401
    assert desk.items == {}
    assert write(desk, key).status_code == 200 and write(desk, key).status_code == 200
    desk.revoke_keys()
    assert write(desk, key).status_code == 401


def test_an_allow_key_is_good_for_one_write(desk):
    desk.answers = ["allow"]
    key = grant(desk, remember=False)
    assert write(desk, key).status_code == 200
    assert write(desk, key).status_code == 401


def test_deny_and_the_dialog_limit(desk):
    desk.answers = ["deny"]
    denied = httpx2.post(
        f"{desk.url}/local/authorize", json={"appName": "t"}, headers={"Zotero-Server-ID": "x"}
    )
    assert denied.status_code == 412  # another server's id
    ask = {"json": {"appName": "t"}, "headers": {"Zotero-Server-ID": desk.server_id}}
    assert httpx2.post(f"{desk.url}/local/authorize", json={"appName": "t"}).status_code == 428
    first = httpx2.post(f"{desk.url}/local/authorize", **ask)
    assert first.status_code == 403 and first.json() == {"denied": True}
    for _ in range(4):
        assert httpx2.post(f"{desk.url}/local/authorize", **ask).status_code == 200
    limited = httpx2.post(f"{desk.url}/local/authorize", **ask)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert len(desk.dialogs) == 5


def test_a_restart_forgets_write_tokens(desk):
    key = grant(desk)
    token = "a" * 32
    assert write(desk, key, token=token).status_code == 200
    assert write(desk, key, token=token).status_code == 412
    desk.restart()
    assert write(desk, key, token=token).status_code == 200
    assert len(desk.items) == 2


def test_disabled_and_older_zotero(desk):
    desk.enabled = False
    off = httpx2.get(f"{desk.url}/")
    assert off.status_code == 403 and off.text == "Local API is not enabled"
    desk.enabled, desk.server_id = True, None
    old = httpx2.get(f"{desk.url}/")
    assert old.status_code == 200 and "Zotero-Server-ID" not in old.headers
    assert write(desk, "k" * 32, server_id=None).status_code == 400


def test_pyzotero_local_mode_speaks_to_it(desk):
    zot = zotero.Zotero(0, "user", local=True)
    zot.endpoint = desk.url
    assert zot.items() == []
    assert zot.authorize_local("pyzotero test")["remember"] is True
    made = zot.create_items(NOTE)
    assert len(made["success"]) == 1 and zot.server_id == desk.server_id
    assert [w.headers["zotero-server-id"] for w in desk.writes] == [desk.server_id] * 2
    desk.answers = ["deny"]
    with pytest.raises(LocalAPIDeniedError):
        zot.authorize_local("pyzotero test")
