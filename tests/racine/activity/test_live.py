"""Live: the ``inbox`` page (one's own only) and ``notification`` events; ``activity`` events on
a workspace's page only for members who may see the object (on the full ASGI application; the
in-memory channel layer is enough for one process)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from pursight.asgi import application
from racine.activity import services

from .conftest import fresh

pytestmark = [pytest.mark.django_db(transaction=True)]


def communicator(user) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(
        application, "/ws/live/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    comm.scope["user"] = user
    return comm


async def _connect(user) -> WebsocketCommunicator:
    comm = communicator(user)
    connected, _ = await comm.connect()
    assert connected
    assert "hello" in await comm.receive_json_from()
    return comm


async def _next(comm, event: str, timeout: float = 5) -> dict:
    """The next message of ``event`` (presence and the like may come first)."""
    while True:
        message = await comm.receive_json_from(timeout=timeout)
        if message.get("event") == event:
            return message


def test_the_inbox_page_is_ones_own_and_streams_notifications(world) -> None:
    async_to_sync(_inbox)(world)


async def _inbox(world) -> None:
    member = await sync_to_async(fresh)(world.member)
    comm = await _connect(member)
    # Someone else's inbox is "not found", like a page that does not exist.
    await comm.send_json_to({"action": "subscribe", "page": "inbox", "id": world.owner.pk})
    assert await comm.receive_json_from() == {
        "error": "Not found.",
        "page": "inbox",
        "id": world.owner.pk,
    }
    await comm.send_json_to({"action": "subscribe", "page": "inbox", "id": member.pk})
    reply = await comm.receive_json_from()
    assert reply == {"subscribed": {"page": "inbox", "id": member.pk}, "data": {"unread": 0}}

    await sync_to_async(services.record_domain_event)(
        kind="comment.created",
        obj=world.src_a,
        actor=world.owner,
        data={"mentions": [member.pk], "excerpt": "Have a look"},
    )
    message = await _next(comm, "notification")
    assert message["page"] == "inbox" and message["id"] == member.pk
    assert message["data"]["unread"] == 1
    note = message["data"]["notification"]
    assert note["kind"] == "mention" and note["title"] == "owner mentioned you on src-a"
    assert note["read"] is False

    # Marking it read (from another tab, say) updates the count everywhere.
    notification = await sync_to_async(
        lambda: services.notifications_of(member).get(pk=note["id"])
    )()
    await sync_to_async(services.mark_read)(actor=member, notification=notification)
    message = await _next(comm, "notification")
    assert message["data"] == {"unread": 0, "notification": None}
    await comm.disconnect()


def test_a_workspace_page_gets_activity_its_member_may_see_only(world) -> None:
    async_to_sync(_workspace)(world)


async def _workspace(world) -> None:
    member = await sync_to_async(fresh)(world.member)
    owner = await sync_to_async(fresh)(world.owner)
    socks = {}
    for name, user in (("member", member), ("owner", owner)):
        comm = await _connect(user)
        await comm.send_json_to({"action": "subscribe", "page": "workspace", "id": world.ws.pk})
        assert "subscribed" in await comm.receive_json_from(timeout=10)
        socks[name] = comm
    record = sync_to_async(services.record_domain_event)
    await record(kind="description.edited", obj=world.src_b, actor=world.owner, data={})
    await record(kind="description.edited", obj=world.src_a, actor=world.owner, data={})
    # The owner sees both, in order; the member only src-a's (src-b is hidden from them).
    first = await _next(socks["owner"], "activity")
    second = await _next(socks["owner"], "activity")
    assert [first["data"]["target"]["name"], second["data"]["target"]["name"]] == [
        "src-b",
        "src-a",
    ]
    seen = await _next(socks["member"], "activity")
    assert seen["data"]["target"]["name"] == "src-a"
    assert seen["data"]["summary"] == "owner edited the description of src-a"
    for comm in socks.values():
        await comm.disconnect()
