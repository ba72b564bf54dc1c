"""Co-editing over the live socket, on the full ASGI application (``WebsocketCommunicator``):
the editor's updates reach the viewer (not the sender), the viewer's are refused, late joiners
get the state, offline edits merge on reconnection, awareness carries server-side names, and
malformed, oversized or unauthorised messages are answered while the socket stays.

Every test runs on the in-memory channel layer and on the real Redis channel layer (skipped
without ``REDIS_URL``; CI sets it).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from pursight.core.models import AuditEvent
from racine.collaboration import coedit
from racine.collaboration.services import documents

from ..sockets import WAIT, connect, next_event, reply
from .coedit_helpers import Client, build_world

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def w(layer, make_user, make_collection, make_source, grant, settings):
    settings.PURSIGHT_COEDIT_SAVE_SECONDS = 600  # saves within a test are deferred
    return build_world(make_user, make_collection, make_source, grant)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def event(comm: WebsocketCommunicator, name: str) -> dict:
    return await next_event(comm, name, no_errors=True)


async def silent(comm: WebsocketCommunicator, seconds: float = 0.4) -> list[dict]:
    """The doc.* messages and errors arriving within ``seconds`` (presence is ignored)."""
    got = []
    while not await comm.receive_nothing(timeout=seconds):
        message = await comm.receive_json_from(timeout=WAIT)
        if message.get("event") != "presence":
            got.append(message)
    return got


def msg(action: str, pk: int, page: str = "workspace", field: str = "notes", **kw: Any) -> dict:
    return {"action": action, "page": page, "id": pk, "field": field, **kw}


async def open_notes(user: Any, ws: Any, client: Client | None = None, **kw: Any) -> Any:
    """Connect, subscribe to the workspace page and join its notes."""
    comm = await connect(user)
    await comm.send_json_to({"action": "subscribe", "page": "workspace", "id": ws.pk})
    assert "subscribed" in await reply(comm)
    await comm.send_json_to(msg("doc.join", ws.pk, **kw))
    sync = await event(comm, "doc.sync")
    if client is not None:
        client.receive(base64.b64decode(sync["data"]["update"]))
    return comm, sync["data"]


def stored_text(ws: Any) -> str:
    row = documents.document_of(ws, "notes")
    return documents.text_from_state(row.state) if row else ""


def test_the_editors_typing_reaches_the_viewer_live_and_not_the_sender(w) -> None:
    async def run() -> None:
        mine, theirs = Client(), Client()
        editor, data = await open_notes(w.editor, w.ws, mine)
        assert data["can_edit"] and data["read_only_reason"] is None
        assert data["max_chars"] == documents.max_chars() and mine.value == "Hello team."
        viewer, seen = await open_notes(w.viewer, w.ws, theirs)
        assert not seen["can_edit"] and seen["read_only_reason"] == documents.VIEW_ONLY
        await editor.send_json_to(msg("doc.update", w.ws.pk, update=b64(mine.insert(5, " dear"))))
        relayed = await event(viewer, "doc.update")
        assert relayed["page"] == "workspace" and relayed["id"] == w.ws.pk
        assert relayed["data"]["field"] == "notes"
        assert relayed["data"]["user"] == {"id": w.editor.pk, "name": "Edna Editor"}
        theirs.receive(base64.b64decode(relayed["data"]["update"]))
        assert theirs.value == mine.value == "Hello dear team."
        assert await silent(editor) == []  # not echoed
        assert await sync_to_async(stored_text)(w.ws) == "Hello dear team."
        await editor.disconnect()
        await viewer.disconnect()

    async_to_sync(run)()


def test_a_viewers_update_is_refused_and_the_socket_stays(w) -> None:
    async def run() -> None:
        copy, watcher = Client(), Client()
        viewer, _ = await open_notes(w.viewer, w.ws, copy)
        editor, _ = await open_notes(w.editor, w.ws, watcher)
        await viewer.send_json_to(msg("doc.update", w.ws.pk, update=b64(copy.insert(0, "Hi! "))))
        refused = await reply(viewer)
        assert refused == {
            "error": documents.VIEW_ONLY,
            "page": "workspace",
            "id": w.ws.pk,
            "field": "notes",
            "action": "doc.update",
            "reset": True,
        }
        assert await silent(editor) == []  # nothing relayed
        assert await sync_to_async(stored_text)(w.ws) == "Hello team."
        # The viewer still receives the editor's changes.
        await editor.send_json_to(msg("doc.update", w.ws.pk, update=b64(watcher.insert(0, "Yo "))))
        assert (await event(viewer, "doc.update"))["data"]["user"]["id"] == w.editor.pk
        await viewer.disconnect()
        await editor.disconnect()

    async_to_sync(run)()


def test_a_late_joiner_gets_the_current_state(w) -> None:
    async def run() -> None:
        first = Client()
        editor, _ = await open_notes(w.editor, w.ws, first)
        for text in ("One. ", "Two. "):
            await editor.send_json_to(msg("doc.update", w.ws.pk, update=b64(first.insert(0, text))))
        await editor.send_json_to(msg("doc.leave", w.ws.pk))  # ordered after both updates
        assert (await event(editor, "doc.left"))["data"] == {"field": "notes", "saved": True}
        late = Client()
        owner, data = await open_notes(w.owner, w.ws, late)
        assert late.value == "Two. One. Hello team." and data["length"] == len(late.value)
        await editor.disconnect()
        await owner.disconnect()

    async_to_sync(run)()


def test_who_cannot_see_the_object_gets_not_found(w) -> None:
    async def run() -> None:
        outsider = await connect(w.outsider)  # reads the catalog, member of nothing
        for pk in (w.ws.pk, w.ws.pk + 1000):
            await outsider.send_json_to({"action": "subscribe", "page": "workspace", "id": pk})
            assert await reply(outsider) == {"error": "Not found.", "page": "workspace", "id": pk}
        await outsider.send_json_to(msg("doc.join", w.ws.pk))
        assert (await reply(outsider))["error"] == "Not subscribed."
        curator = await connect(w.curator)
        hidden = w.hidden_table.pk
        await curator.send_json_to({"action": "subscribe", "page": "catalog.catalogtable",
                                     "id": hidden})  # fmt: skip
        assert (await reply(curator))["error"] == "Not found."
        await outsider.disconnect()
        await curator.disconnect()

    async_to_sync(run)()


def test_an_asset_description_is_co_edited_on_the_assets_page(w) -> None:
    page, pk = "catalog.catalogtable", w.table.pk

    async def run() -> None:
        comms, clients = [], []
        for user in (w.curator, w.outsider):
            comm = await connect(user)
            await comm.send_json_to({"action": "subscribe", "page": page, "id": pk})
            assert "subscribed" in await reply(comm)
            await comm.send_json_to(msg("doc.join", pk, page=page, field="description"))
            data = (await event(comm, "doc.sync"))["data"]
            client = Client()
            client.receive(base64.b64decode(data["update"]))
            comms.append(comm)
            clients.append((client, data["can_edit"]))
        (mine, can), (theirs, reader_can) = clients
        assert can and not reader_can and mine.value == "The customers table."
        update = mine.insert(0, "All ")
        await comms[0].send_json_to(msg("doc.update", pk, page=page, field="description",
                                         update=b64(update)))  # fmt: skip
        theirs.receive(base64.b64decode((await event(comms[1], "doc.update"))["data"]["update"]))
        assert theirs.value == "All The customers table."
        for comm in comms:
            await comm.disconnect()

    async_to_sync(run)()
    w.table.refresh_from_db()
    assert w.table.description == "All The customers table."  # the first change saves at once


def test_concurrent_updates_from_two_editors_converge(w) -> None:
    async def run() -> None:
        a, b = Client(), Client()
        owner, _ = await open_notes(w.owner, w.ws, a)
        editor, _ = await open_notes(w.editor, w.ws, b)
        # Both type at the same place before seeing each other's text.
        from_a, from_b = a.insert(6, "whole "), b.insert(6, "dear ")
        await owner.send_json_to(msg("doc.update", w.ws.pk, update=b64(from_a)))
        await editor.send_json_to(msg("doc.update", w.ws.pk, update=b64(from_b)))
        b.receive(base64.b64decode((await event(editor, "doc.update"))["data"]["update"]))
        a.receive(base64.b64decode((await event(owner, "doc.update"))["data"]["update"]))
        assert a.value == b.value
        assert "whole " in a.value and "dear " in a.value
        assert await sync_to_async(stored_text)(w.ws) == a.value
        await owner.disconnect()
        await editor.disconnect()

    async_to_sync(run)()


def test_offline_edits_merge_on_reconnection(w) -> None:
    async def run() -> None:
        away, here = Client(), Client()
        first, _ = await open_notes(w.owner, w.ws, away)
        await first.disconnect()  # offline: the browser keeps its Y.Doc
        editor, _ = await open_notes(w.editor, w.ws, here)
        await editor.send_json_to(
            msg("doc.update", w.ws.pk, update=b64(here.insert(0, "Online. ")))
        )
        away.insert(len(away.value), " Offline.")  # typed while disconnected
        back, data = await open_notes(w.owner, w.ws, away, state_vector=b64(away.state_vector))
        assert "Online. " in away.value  # what it missed
        missing = away.missing_for(base64.b64decode(data["state_vector"]))
        await back.send_json_to(msg("doc.update", w.ws.pk, update=b64(missing)))
        here.receive(base64.b64decode((await event(editor, "doc.update"))["data"]["update"]))
        assert here.value == away.value == "Online. Hello team. Offline."
        assert await sync_to_async(stored_text)(w.ws) == here.value
        await back.disconnect()
        await editor.disconnect()

    async_to_sync(run)()


def test_awareness_carries_the_servers_name_and_colour(w) -> None:
    async def run() -> None:
        editor, _ = await open_notes(w.editor, w.ws)
        viewer, _ = await open_notes(w.viewer, w.ws)
        cursor = {"anchor": b64(b"\x01\x02\x03"), "head": b64(b"\x01\x02\x04")}
        await editor.send_json_to(msg("doc.awareness", w.ws.pk, cursor=cursor, line=3,
                                      user={"id": 1, "name": "Someone else"}))  # fmt: skip
        seen = (await event(viewer, "doc.awareness"))["data"]
        assert seen["user"] == {
            "id": w.editor.pk,
            "name": "Edna Editor",
            "colour": coedit.colour_of(w.editor.pk),
        }
        assert seen["cursor"] == cursor and seen["line"] == 3 and seen["left"] is False
        assert seen["can_edit"] is True
        assert seen["field"] == "notes" and len(seen["client"]) == 16
        assert await silent(editor) == []
        for bad in ({"anchor": "not base64!"}, "here", {"anchor": "x" * 400, "head": "AA=="}):
            await editor.send_json_to(msg("doc.awareness", w.ws.pk, cursor=bad))
            assert (await reply(editor))["error"] == "A cursor is two relative positions."
        await editor.send_json_to(msg("doc.leave", w.ws.pk))
        gone = (await event(viewer, "doc.awareness"))["data"]
        assert gone["left"] is True and gone["cursor"] is None and gone["client"] == seen["client"]
        await editor.disconnect()
        await viewer.disconnect()

    async_to_sync(run)()


def test_leaving_saves_what_is_pending_once(w) -> None:
    async def run() -> None:
        client = Client()
        editor, _ = await open_notes(w.editor, w.ws, client)
        for text in ("A. ", "B. ", "C. "):
            await editor.send_json_to(
                msg("doc.update", w.ws.pk, update=b64(client.insert(0, text)))
            )
        await editor.send_json_to(msg("doc.leave", w.ws.pk))
        assert (await event(editor, "doc.left"))["data"]["saved"] is True
        await editor.send_json_to(msg("doc.update", w.ws.pk, update=b64(client.insert(0, "D. "))))
        assert (await reply(editor))["error"] == "Join the document first."
        await editor.disconnect()

    async_to_sync(run)()
    w.ws.refresh_from_db()
    assert w.ws.notes == "C. B. A. Hello team."
    assert AuditEvent.objects.filter(action="workspace.notes").count() == 2  # "A. " then the rest


def test_malformed_and_unauthorised_doc_messages_are_answered_and_the_socket_stays(w) -> None:
    async def run() -> None:
        client = Client()
        editor, _ = await open_notes(w.editor, w.ws, client)
        cases = [
            (msg("doc.update", w.ws.pk, update="%%% not base64"), "must be a base64", True),
            (msg("doc.update", w.ws.pk, update=b64(b"\x05garbage")), "could not be read", True),
            (msg("doc.update", w.ws.pk), "must be a base64", True),
            (msg("doc.update", w.ws.pk, update=["AA=="]), "must be a base64", True),
            (msg("doc.join", w.ws.pk, field="name"), "cannot be edited together", False),
            (msg("doc.join", w.ws.pk, field=["notes"]), "cannot be edited together", False),
            (msg("doc.join", w.ws.pk, state_vector="?"), "state vector must be base64", True),
            (msg("doc.join", w.ws.pk, state_vector=b64(b"\xff\xff")), "could not be read", True),
            (msg("doc.update", w.ws.pk, field="description"), "cannot be edited", False),
        ]
        for message, error, reset in cases:
            await editor.send_json_to(message)
            answer = await reply(editor)
            assert error in answer["error"], (message, answer)
            assert answer.get("reset", False) is reset
        # Still connected, still editing.
        await editor.send_json_to(msg("doc.update", w.ws.pk, update=b64(client.insert(0, "Ok "))))
        await editor.send_json_to(msg("doc.leave", w.ws.pk))
        # The first change was saved at once: nothing was left to save.
        assert (await event(editor, "doc.left"))["data"]["saved"] is False
        await editor.disconnect()

    async_to_sync(run)()
    w.ws.refresh_from_db()
    assert w.ws.notes == "Ok Hello team."


def test_oversized_updates_and_documents_are_refused(w, settings) -> None:
    settings.PURSIGHT_WS_MAX_MESSAGE_BYTES = 4096
    settings.PURSIGHT_COEDIT_MAX_CHARS = 1000

    async def run() -> None:
        client = Client()
        editor, _ = await open_notes(w.editor, w.ws, client)
        huge = client.insert(0, "x" * 5000)  # bigger than a frame may be
        await editor.send_json_to(msg("doc.update", w.ws.pk, update=b64(huge)))
        assert (await reply(editor))["error"].startswith("Message too large")
        fresh = Client()
        await editor.send_json_to(msg("doc.join", w.ws.pk))
        fresh.receive(base64.b64decode((await event(editor, "doc.sync"))["data"]["update"]))
        long = fresh.insert(0, "y" * 1500)  # fits a frame; the text would be too long
        await editor.send_json_to(msg("doc.update", w.ws.pk, update=b64(long)))
        answer = await reply(editor)
        assert "longer than 1,000 characters" in answer["error"] and answer["reset"] is True
        assert await sync_to_async(stored_text)(w.ws) == "Hello team."
        await editor.disconnect()

    async_to_sync(run)()


def test_an_editor_demoted_to_viewer_is_refused_within_the_recheck(w, monkeypatch) -> None:
    from guardian.shortcuts import remove_perm

    monkeypatch.setattr(coedit, "RIGHTS_SECONDS", 0.0)

    async def run() -> None:
        client = Client()
        editor, _ = await open_notes(w.editor, w.ws, client)
        await editor.send_json_to(msg("doc.update", w.ws.pk, update=b64(client.insert(0, "1 "))))
        await editor.send_json_to(msg("doc.join", w.ws.pk))  # answered once the update is in
        assert (await event(editor, "doc.sync"))["data"]["can_edit"] is True
        await sync_to_async(remove_perm)("workspaces.edit_workspace", w.editor, w.ws)
        await editor.send_json_to(msg("doc.update", w.ws.pk, update=b64(client.insert(0, "2 "))))
        assert (await reply(editor))["error"] == documents.VIEW_ONLY
        await editor.disconnect()

    async_to_sync(run)()
    assert stored_text(w.ws) == "1 Hello team."


@pytest.mark.parametrize("layer", ["memory"], indirect=True)
def test_concurrent_writers_lose_no_update(w) -> None:
    """Writers in parallel (threads with their own database connections, as web processes
    would be) apply updates to one document: the row lock serialises them, none is lost."""
    import random
    import threading

    from django.db import connection, connections

    from pursight.testing import require

    if connection.vendor != "postgresql":
        require("PostgreSQL in DATABASE_URL (SQLite has no row locks to contend on)")
    start = documents.join_document(actor=w.editor, page="workspace", pk=w.ws.pk, field="notes")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        client = Client()
        client.receive(start.update)
        rng = random.Random(n)
        try:
            for i in range(20):
                # At either end of what this writer sees: its own tokens stay whole.
                where = rng.choice((0, len(client.value)))
                update = client.insert(where, f"<{n}.{i}>")
                documents.apply_update(
                    actor=w.editor, page="workspace", pk=w.ws.pk, field="notes", update=update
                )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    text = stored_text(w.ws)
    missing = [f"<{n}.{i}>" for n in range(4) for i in range(20) if f"<{n}.{i}>" not in text]
    assert missing == [] and "Hello team." in text
    assert len(text) == len("Hello team.") + sum(
        len(f"<{n}.{i}>") for n in range(4) for i in range(20)
    )


@pytest.mark.parametrize("layer", ["memory"], indirect=True)
def test_a_text_noted_while_a_save_commits_waits_for_that_save(w, monkeypatch) -> None:
    """A save holds the object from its check (is its text still the one noted?) to its
    commit. Noting a newer text in between made the older save's value, once committed, look
    like an edit made elsewhere, and the next update replaced the document's text with it,
    losing what was typed since. Noting now waits for the object; editors' updates, which lock
    only the document row, go on meanwhile."""
    import threading

    from django.db import connection, connections

    from pursight.testing import require
    from racine.workspaces import services as workspace_services

    if connection.vendor != "postgresql":
        require("PostgreSQL in DATABASE_URL (SQLite has no row locks to contend on)")
    client = Client()
    client.receive(
        documents.join_document(actor=w.editor, page="workspace", pk=w.ws.pk, field="notes").update
    )

    def type_(text: str) -> None:
        update = client.insert(0, text)
        documents.apply_update(
            actor=w.editor, page="workspace", pk=w.ws.pk, field="notes", update=update
        )

    type_("One. ")  # saved at once (the first save of the window)
    type_("Two. ")  # deferred
    pk = documents.document_of(w.ws, "notes").pk
    older = documents._note_saving(pk, w.editor, force=True)
    assert older and older[2] == "Two. One. Hello team."
    checked, release = threading.Event(), threading.Event()
    original = workspace_services.update_notes

    def held_update_notes(**kwargs: Any) -> Any:
        checked.set()  # the older save holds the object and has checked its text
        assert release.wait(WAIT)
        return original(**kwargs)

    monkeypatch.setattr(workspace_services, "update_notes", held_update_notes)
    outcome: dict[str, Any] = {}

    def in_thread(name: str, fn: Any) -> threading.Thread:
        def run() -> None:
            try:
                outcome[name] = fn()
            except BaseException as exc:  # reported below
                outcome[name] = exc
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    saving = in_thread("older", lambda: documents._save_noted(pk, *older[:2], w.editor, older[2]))
    assert checked.wait(WAIT)
    type_("Three. ")  # the document row is free while the service saves
    noting = in_thread("newer", lambda: documents._note_saving(pk, w.editor, force=True))
    noting.join(0.5)
    waited = noting.is_alive()  # for the object
    monkeypatch.setattr(workspace_services, "update_notes", original)
    release.set()
    saving.join(WAIT)
    noting.join(WAIT)
    assert outcome["older"] is True
    type_("Four. ")  # reads the object the older save wrote: taken as saved, not as an edit
    assert stored_text(w.ws) == "Four. Three. Two. One. Hello team."
    newer = outcome["newer"]
    assert waited and newer and newer[2] == "Three. Two. One. Hello team."
    assert documents._save_noted(pk, *newer[:2], w.editor, newer[2])
    assert documents.leave_document(actor=w.editor, page="workspace", pk=w.ws.pk, field="notes")
    w.ws.refresh_from_db()
    assert w.ws.notes == "Four. Three. Two. One. Hello team." == stored_text(w.ws)
