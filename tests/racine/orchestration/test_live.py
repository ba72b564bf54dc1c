"""The run page's live feed: a subscription through the gate (a hidden run is "not found"),
then a ``progress`` event per state change of the run's steps."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from pursight.asgi import application
from racine.orchestration import services

from .conftest import noop

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_subscribe_follows_a_run_and_hidden_runs_are_not_found(
    make_user, grant, collection, make_collection, make_workflow, monkeypatch
):
    watcher = make_user("watcher")
    grant(watcher, "view_catalog", collection)
    monkeypatch.setattr(services, "kick", lambda run_id: None)  # moved on by the test below
    visible = services.start_run(actor=None, workflow=make_workflow([noop("a"), noop("b", "a")]))
    hidden = services.start_run(
        actor=None,
        workflow=make_workflow([noop("x")], collection=make_collection("Hidden").pk),
    )
    async_to_sync(_follow)(watcher, visible, hidden)


async def _follow(user, run, hidden):
    comm = WebsocketCommunicator(
        application, "/ws/live/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    comm.scope["user"] = user
    connected, _ = await comm.connect()
    assert connected
    await comm.receive_json_from()  # hello
    await comm.send_json_to({"action": "subscribe", "page": "workflowrun", "id": hidden.pk})
    assert (await comm.receive_json_from()) == {
        "error": "Not found.",
        "page": "workflowrun",
        "id": hidden.pk,
    }
    await comm.send_json_to({"action": "subscribe", "page": "workflowrun", "id": run.pk})
    reply = await comm.receive_json_from()
    assert reply["data"]["state"] == "running"
    assert [s["state"] for s in reply["data"]["steps"]] == ["pending", "pending"]
    await sync_to_async(services.advance)(run.pk)  # what the commit of start_run does
    seen = []
    while True:
        event = await comm.receive_json_from(timeout=10)
        assert event["page"] == "workflowrun" and event["event"] == "progress"
        seen.append(tuple(s["state"] for s in event["data"]["steps"]))
        if event["data"]["state"] == "succeeded":
            break
    assert ("running", "pending") in seen and seen[-1] == ("succeeded", "succeeded")
    await comm.disconnect()
