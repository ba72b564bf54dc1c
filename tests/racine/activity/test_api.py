"""/api/v1/activity/, /api/v1/notifications/ and /api/v1/notification-preferences/me/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from racine.activity import services
from racine.activity.models import ActivityEvent, Notification

from .conftest import fresh

pytestmark = pytest.mark.django_db

FEED = "/api/v1/activity/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(fresh(user))
    return client


def test_the_feed_lists_items_in_the_contract_shape(world, record) -> None:
    (event,) = record("description.edited", world.src_a, actor=world.owner, excerpt="x")
    body = client_for(world.member).get(FEED).json()
    assert body["next"] is None and body["previous"] is None
    (item,) = body["results"]
    assert item == {
        "id": event.pk,
        "kind": "description.edited",
        "created_at": item["created_at"],
        "actor": {"id": world.owner.pk, "name": "owner"},
        "target": {
            "type": "datasources.datasource",
            "id": world.src_a.pk,
            "name": "src-a",
            "url": f"/admin/datasources/datasource/{world.src_a.pk}/change/",
        },
        "summary": "owner edited the description of src-a",
        "data": {"excerpt": "x"},
        "workspace": None,
    }
    assert item["created_at"].endswith("Z")


def test_a_member_never_sees_an_event_about_a_hidden_pinned_asset(world, record) -> None:
    (seen,) = record("description.edited", world.src_a, actor=world.owner)
    (hidden,) = record("description.edited", world.src_b, actor=world.owner)
    member = client_for(world.member)
    for params in ({}, {"workspace": world.ws.pk}):
        ids = [i["id"] for i in member.get(FEED, params).json()["results"]]
        assert ids == [seen.pk]
    assert member.get(f"{FEED}{hidden.pk}/").status_code == 404
    assert member.get(f"{FEED}{10**9}/").status_code == 404
    assert member.get(f"{FEED}{seen.pk}/").status_code == 200
    owner_ids = [i["id"] for i in client_for(world.owner).get(FEED).json()["results"]]
    assert owner_ids == [hidden.pk, seen.pk]


def test_cursor_pagination_walks_every_event_once_newest_first(world, record) -> None:
    # Not an edit of a text: those fold into one event per person and session.
    created = [record("workspace.updated", world.ws, actor=world.owner)[0] for _ in range(7)]
    # Several share a timestamp: the cursor still neither skips nor repeats one.
    stamp = timezone.now()
    ActivityEvent.objects.filter(pk__in=[e.pk for e in created[2:5]]).update(created_at=stamp)
    client = client_for(world.member)
    seen, url, pages = [], f"{FEED}?page_size=3", 0
    while url:
        body = client.get(url).json()
        seen += [i["id"] for i in body["results"]]
        url, pages = body["next"], pages + 1
    expected = list(
        ActivityEvent.objects.order_by("-created_at", "-id").values_list("pk", flat=True)
    )
    assert seen == expected and len(seen) == 7 and pages == 3
    bad = client.get(FEED, {"cursor": "garbage"})
    assert bad.status_code == 400 and "next/previous links" in str(bad.json()["cursor"])


def test_filters_by_kind_actor_dates_workspace_and_target(world, record, make_source) -> None:
    (a,) = record("description.edited", world.src_a, actor=world.owner)
    (b,) = record("notes.edited", world.ws, actor=world.member)
    (c,) = record("scan.cancelled", world.src_a, actor=world.member)
    old = timezone.now() - timedelta(days=3)
    ActivityEvent.objects.filter(pk=a.pk).update(created_at=old)
    client = client_for(world.owner)

    def ids(**params) -> set[int]:
        response = client.get(FEED, params)
        assert response.status_code == 200, response.json()
        return {i["id"] for i in response.json()["results"]}

    assert ids(kind="notes.edited") == {b.pk}
    assert ids(kind="notes.edited,scan.cancelled") == {b.pk, c.pk}
    assert client.get(f"{FEED}?kind=notes.edited&kind=description.edited").json()["results"]
    assert {
        i["id"]
        for i in client.get(f"{FEED}?kind=notes.edited&kind=description.edited").json()["results"]
    } == {a.pk, b.pk}
    assert ids(actor=world.member.pk) == {b.pk, c.pk}
    assert ids(actor="me") == {a.pk}
    since = (old + timedelta(days=1)).isoformat()
    assert ids(since=since) == {b.pk, c.pk}
    assert ids(until=since) == {a.pk}
    assert ids(workspace=world.ws.pk) == {a.pk, b.pk, c.pk}
    assert ids(target_type="datasources.datasource", target_id=world.src_a.pk) == {a.pk, c.pk}
    assert ids(target_type="workspaces.workspace", target_id=world.ws.pk) == {a.pk, b.pk, c.pk}


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"kind": "DROP TABLE"}, "kind", "scan.failed"),
        ({"kind": "scan"}, "kind", "scan.failed"),
        ({"since": "yesterday"}, "since", "date"),
        ({"until": "2026-13-40"}, "until", "date"),
        ({"since": "2026-02-01T00:00Z", "until": "2026-01-01T00:00Z"}, "until", "later"),
        ({"actor": "someone"}, "actor", "user id"),
        ({"workspace": "x"}, "workspace", "number"),
        ({"workspace": "0"}, "workspace", "greater"),
        ({"target_type": "catalog.catalogtable"}, "target_type", "together"),
        ({"target_id": "5"}, "target_type", "together"),
        ({"target_type": "auth.user", "target_id": "1"}, "target", "Object not found."),
        ({"target_type": "nothing", "target_id": "1"}, "target", "Object not found."),
        ({"target_type": "catalog.catalogtable", "target_id": "x"}, "target_id", "number"),
    ],
)
def test_bad_filter_values_answer_400_with_a_clear_message(world, params, field, words) -> None:
    response = client_for(world.member).get(FEED, params)
    assert response.status_code == 400, response.content
    messages = response.json()[field]
    assert any(words.lower() in m.lower() for m in messages), messages


def test_a_hidden_workspace_or_target_is_refused_like_a_missing_one(world) -> None:
    from racine.workspaces.models import Workspace

    other = Workspace.objects.create(name="Other")
    member = client_for(world.member)
    hidden = member.get(FEED, {"workspace": other.pk})
    missing = member.get(FEED, {"workspace": 10**9})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json() == {"workspace": ["Object not found."]}
    hidden = member.get(
        FEED, {"target_type": "datasources.datasource", "target_id": world.src_b.pk}
    )
    missing = member.get(FEED, {"target_type": "datasources.datasource", "target_id": 10**9})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json() == {"target": ["Object not found."]}


def test_the_feed_needs_a_signed_in_user_and_is_read_only(world) -> None:
    assert APIClient().get(FEED).status_code == 401
    client = client_for(world.owner)
    assert client.post(FEED, {}).status_code == 405


# --- notifications ----------------------------------------------------------------------------

INBOX = "/api/v1/notifications/"


def _notify(world, record, user, n: int = 1) -> list[Notification]:
    for _ in range(n):
        record("comment.created", world.src_a, actor=world.owner, mentions=[user.pk], excerpt="hi")
    return list(Notification.objects.filter(recipient=user).order_by("-id"))


def test_notifications_are_ones_own_only(world, record) -> None:
    mine = _notify(world, record, world.member, 2)
    theirs = _notify(world, record, world.outsider, 1)
    client = client_for(world.member)
    body = client.get(INBOX).json()
    assert [n["id"] for n in body["results"]] == [n.pk for n in mine]
    item = body["results"][0]
    assert item["kind"] == "mention" and item["read"] is False and item["read_at"] is None
    assert item["title"] == "owner mentioned you on src-a"
    assert item["url"] == f"/admin/datasources/datasource/{world.src_a.pk}/change/"
    assert client.get(f"{INBOX}{theirs[0].pk}/").status_code == 404
    assert client.post(f"{INBOX}{theirs[0].pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None


def test_mark_read_read_all_and_the_unread_count(world, record) -> None:
    first, second, third = _notify(world, record, world.member, 3)
    client = client_for(world.member)
    assert client.get(f"{INBOX}unread-count/").json() == {"unread": 3}
    response = client.post(f"{INBOX}{second.pk}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    assert client.get(f"{INBOX}unread-count/").json() == {"unread": 2}
    unread = client.get(INBOX, {"unread": "true"}).json()["results"]
    assert [n["id"] for n in unread] == [first.pk, third.pk]
    read = client.get(INBOX, {"unread": "false"}).json()["results"]
    assert [n["id"] for n in read] == [second.pk]
    assert client.get(INBOX, {"unread": "maybe"}).status_code == 400
    assert client.get(f"{INBOX}{second.pk}/read/").status_code == 405  # never a GET
    assert client.post(f"{INBOX}read-all/").json() == {"marked": 2, "unread": 0}
    assert client.get(f"{INBOX}unread-count/").json() == {"unread": 0}


def test_preferences_are_ones_own_and_validated(world) -> None:
    url = "/api/v1/notification-preferences/me/"
    client = client_for(world.member)
    body = client.get(url).json()
    assert body["muted_kinds"] == [] and body["email"] is False
    assert set(body["kinds"]) == set(services.NOTIFICATION_KINDS)
    assert {"mention", "reply", "finding", "approval"} <= set(body["kinds"])
    response = client.patch(url, {"muted_kinds": ["finding", "reply"]}, format="json")
    assert response.status_code == 200 and response.json()["muted_kinds"] == ["finding", "reply"]
    response = client.patch(url, {"email": True}, format="json")
    assert response.json()["email"] is True and response.json()["muted_kinds"] == [
        "finding",
        "reply",
    ]
    bad = client.patch(url, {"muted_kinds": ["everything"]}, format="json")
    assert bad.status_code == 400 and "muted_kinds" in bad.json()
    response = client.put(url, {"muted_kinds": [], "email": False}, format="json")
    assert response.json()["muted_kinds"] == [] and response.json()["email"] is False
    # Someone else's are untouched.
    other = client_for(world.owner).get(url).json()
    assert other["muted_kinds"] == [] and other["email"] is False


def test_the_endpoints_are_in_the_openapi_schema(world) -> None:
    response = client_for(world.owner).get("/api/schema/", {"format": "json"})
    paths = response.json()["paths"]
    for path in (
        "/api/v1/activity/",
        "/api/v1/activity/{id}/",
        "/api/v1/notifications/",
        "/api/v1/notifications/{id}/read/",
        "/api/v1/notifications/read-all/",
        "/api/v1/notifications/unread-count/",
        "/api/v1/notification-preferences/me/",
    ):
        assert path in paths, path
    params = {p["name"] for p in paths["/api/v1/activity/"]["get"]["parameters"]}
    assert {"kind", "workspace", "target_type", "target_id", "actor", "since", "until"} <= params
    assert "cursor" in params
