"""The workspace board (a custom admin view): hidden == missing, buttons only for what the user
may do, archived read-only, pins and findings filtered by the gate, a constant number of
queries whatever the number of pins."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from pursight import permissions
from racine.workspaces import board
from racine.workspaces import services as ws_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user, make_collection, grant, make_source, shop_db) -> dict[str, Any]:
    a, x = make_collection("A"), make_collection("X")
    owner, editor, viewer, outsider = (make_user(n) for n in ("owner", "editor", "viewer", "out"))
    for user in (owner, editor, viewer, outsider):
        grant(user, "view_catalog", a)
    grant(owner, "view_catalog", x)
    grant(owner, "manage_datasources", a)
    source_a = make_source(shop_db, collection=a, name="shop-a")
    source_x = make_source(shop_db, collection=x, name="shop-x")
    ws = ws_services.create_workspace(actor=None, name="Customer data", description="PII review")
    for user, role in ((owner, "owner"), (editor, "editor"), (viewer, "viewer")):
        ws_services.invite_member(actor=None, workspace=ws, user=user, role=role)
    for source in (source_a, source_x):
        ws_services.pin(actor=None, workspace=ws, target=source)
    for user in (owner, editor, viewer, outsider):
        permissions.forget(user)
    return {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "outsider": outsider,
        "ws": ws,
        "a": a,
        "source_a": source_a,
        "source_x": source_x,
    }


def url(ws_or_pk: Any) -> str:
    pk = getattr(ws_or_pk, "pk", ws_or_pk)
    return reverse("admin:workspaces_workspace_board", args=[pk])


def page_state(response: Any) -> dict[str, Any]:
    found = re.search(
        r'<script id="wb-state" type="application/json">(.*?)</script>', response.text, re.S
    )
    assert found, "the board's state is not in the page"
    return json.loads(found.group(1))


def test_a_member_sees_the_board_with_what_the_gate_shows(client, world) -> None:
    client.force_login(world["editor"])
    response = client.get(url(world["ws"]))
    assert response.status_code == 200
    state = page_state(response)
    assert state["workspace"]["name"] == "Customer data" and state["my_role"] == "editor"
    # The browser tab names the workspace first.
    assert re.search(r"<title>\s*Customer data \|", response.text)
    # The pin of X's source is not in the page: the editor cannot see X.
    assert [p["target"]["name"] for p in state["pins"]] == ["shop-a"]
    assert "shop-x" not in response.text
    assert [s["name"] for s in state["sources"]] == ["shop-a"]
    # Scripts and styles are files (CSP: no inline script).
    assert "workspaces/board.js" in response.text and "workspaces/live.js" in response.text
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))[^>]*>", response.text)


def test_a_non_member_and_a_missing_workspace_get_the_same_404(client, world) -> None:
    client.force_login(world["outsider"])
    hidden = client.get(url(world["ws"]))
    missing = client.get(url(world["ws"].pk + 999))
    malformed = client.get(url("abc"))
    assert hidden.status_code == missing.status_code == malformed.status_code == 404
    assert hidden.content == missing.content == malformed.content


def test_anonymous_visitors_are_sent_to_the_login(client, world) -> None:
    response = client.get(url(world["ws"]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_buttons_only_for_what_the_user_may_do(client, world) -> None:
    client.force_login(world["viewer"])
    viewer = client.get(url(world["ws"])).text
    assert 'id="wb-comment-form"' not in viewer and 'id="wb-task-form"' not in viewer
    assert re.search(r'<textarea id="wb-notes"[^>]*readonly', viewer)
    assert "You are a viewer here" in viewer
    client.force_login(world["editor"])
    editor = client.get(url(world["ws"])).text
    assert 'id="wb-comment-form"' in editor and 'id="wb-task-form"' in editor
    assert not re.search(r'<textarea id="wb-notes"[^>]*readonly', editor)
    assert page_state(client.get(url(world["ws"])))["can"] == {
        "edit": True,
        "manage": False,
        "restore": False,
    }


def test_an_archived_workspace_is_read_only(client, world) -> None:
    ws_services.archive_workspace(actor=None, workspace=world["ws"])
    client.force_login(world["owner"])
    response = client.get(url(world["ws"]))
    assert response.status_code == 200
    assert "This workspace is archived." in response.text
    assert 'id="wb-comment-form"' not in response.text
    assert page_state(response)["can"] == {"edit": False, "manage": False, "restore": True}


def test_scans_and_findings_of_pinned_sources(world) -> None:
    from governance.scans import services as scans

    owner, editor = world["owner"], world["editor"]

    def queue(source: Any) -> Any:
        scan = scans.default_scan(actor=None, source=source)
        return scans.start_scan(actor=None, scan=scan, enqueue=False)

    run_x, run_a = queue(world["source_x"]), queue(world["source_a"])
    state = board.state(owner, world["ws"])
    assert {r["run"] for r in state["scans"]} == {run_a.pk, run_x.pk}
    item = next(r for r in state["scans"] if r["run"] == run_a.pk)
    assert item["state"] == "queued" and item["datasource"]["name"] == "shop-a"
    # The owner may start the scan of A's source (manage_datasources there), not of X's.
    assert {s["name"]: s["scan"] is not None for s in state["sources"]} == {
        "shop-a": True,
        "shop-x": False,
    }
    # The editor sees neither the run of X's source nor a scan button (no manage right).
    editor_state = board.state(editor, world["ws"])
    assert [r["run"] for r in editor_state["scans"]] == [run_a.pk]
    assert [(s["name"], s["scan"]) for s in editor_state["sources"]] == [("shop-a", None)]
    assert set(state["findings"]["by_severity"]) == set(board.SEVERITIES)


def test_the_board_costs_a_constant_number_of_queries(
    client, world, make_source, shop_db, django_assert_max_num_queries
) -> None:
    client.force_login(world["owner"])
    client.get(url(world["ws"]))  # warm the caches (content types, sessions)
    with django_assert_max_num_queries(60) as few:
        client.get(url(world["ws"]))
    for n in range(6):
        source = make_source(shop_db, collection=world["a"], name=f"more-{n}")
        ws_services.pin(actor=None, workspace=world["ws"], target=source)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url(world["ws"]))
    assert len(page_state(response)["pins"]) == 8


def test_higher_apps_add_sections_and_a_failing_one_is_left_out(world) -> None:
    board.sections.register("test.ok", lambda user, ws: {"extra": ws.pk})

    def broken(user: Any, ws: Any) -> dict:
        raise RuntimeError("boom")

    board.sections.register("test.broken", broken)
    try:
        state = board.state(world["owner"], world["ws"])
    finally:
        board.sections.unregister("test.ok")
        board.sections.unregister("test.broken")
    assert state["extra"] == world["ws"].pk and state["workspace"]["name"] == "Customer data"
