"""Feeds: permission-filtered per viewer (membership never widens governance access), per
workspace (its own events, its pins and what they hold) and per asset, in a constant number of
queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from racine.activity import services
from racine.activity.models import ActivityEvent

from .conftest import fresh, join, pin

pytestmark = pytest.mark.django_db


def _kinds(qs) -> list[str]:
    return [e.kind for e in qs]


def _ids(qs) -> set[int]:
    return {e.pk for e in qs}


def test_a_member_never_sees_events_about_a_pinned_asset_hidden_from_them(world, record) -> None:
    (seen,) = record("description.edited", world.src_a, actor=world.owner)
    (hidden,) = record("description.edited", world.src_b, actor=world.owner)
    member, owner = fresh(world.member), fresh(world.owner)
    # src_b is pinned in the member's workspace; the gate still hides it from them.
    assert _ids(services.feed(user=member, workspace=world.ws)) == {seen.pk}
    assert _ids(services.feed(user=member)) == {seen.pk}
    assert _ids(services.feed(user=owner, workspace=world.ws)) == {seen.pk, hidden.pk}
    assert _ids(services.feed(user=fresh(world.root))) == {seen.pk, hidden.pk}


def test_a_workspace_feed_shows_its_own_events_its_pins_and_what_they_hold(
    world, record, make_source, shop_db
) -> None:
    from governance.catalog.models import CatalogSchema, CatalogTable
    from governance.rbac.services import create_collection
    from racine.workspaces.models import Workspace

    schema = CatalogSchema.objects.create(
        datasource=world.src_a,
        name="main",
        qualified_name="x/main",
        first_seen="2026-01-01T00:00Z",
        last_seen="2026-01-01T00:00Z",
    )
    table = CatalogTable.objects.create(
        datasource=world.src_a,
        schema=schema,
        name="orders",
        qualified_name="x/main/orders",
        first_seen="2026-01-01T00:00Z",
        last_seen="2026-01-01T00:00Z",
    )
    (about_table,) = record("description.edited", table, actor=world.owner)
    (own,) = record("notes.edited", world.ws, actor=world.owner)
    # Not pinned: a source of A elsewhere; and another workspace's own event.
    (elsewhere,) = record("description.edited", make_source(shop_db, collection=world.a))
    other = Workspace.objects.create(name="Other")
    join(other, world.owner, "owner")
    (others_own,) = record("notes.edited", other, actor=world.owner)
    # A collection pinned stands for its subtree.
    child = create_collection(actor=None, name="A-child", parent=world.a)
    (in_child,) = record("description.edited", make_source(shop_db, collection=child))
    owner = fresh(world.owner)
    assert _ids(services.feed(user=owner, workspace=world.ws)) == {about_table.pk, own.pk}
    pin(world.ws, world.a)
    expected = {about_table.pk, own.pk, elsewhere.pk, in_child.pk}
    assert _ids(services.feed(user=fresh(world.owner), workspace=world.ws)) == expected
    assert others_own.pk not in _ids(services.feed(user=owner, workspace=world.ws))
    # The asset's own feed: its events and those of what it holds.
    assert _ids(services.feed(user=owner, target=world.src_a)) == {about_table.pk}
    assert _ids(services.feed(user=owner, target=table)) == {about_table.pk}


def test_a_workspace_a_user_cannot_see_gives_no_feed(world, record) -> None:
    record("description.edited", world.src_a, actor=world.owner)
    assert not services.feed(user=fresh(world.outsider), workspace=world.ws).exists()


def test_a_pin_is_news_to_members_who_may_see_the_pinned_object_only(world, record) -> None:
    ref = {"type": "datasources.datasource", "id": world.src_b.pk, "name": "src-b"}
    (event,) = record("pin.added", world.ws, actor=world.owner, target=ref)
    assert event.target == world.src_b and event.workspace == world.ws
    assert services.summary(event) == "owner pinned src-b in Team"
    assert _ids(services.feed(user=fresh(world.owner))) == {event.pk}
    # A member who cannot see src-b, and a non-member who can: neither learns of the pin.
    assert not services.feed(user=fresh(world.member)).exists()
    assert not services.feed(user=fresh(world.outsider)).exists()
    assert not services.feed(user=fresh(world.outsider), target=world.src_b).exists()


def test_task_events_are_seen_where_the_task_is(world, record) -> None:
    from django.contrib.contenttypes.models import ContentType

    from racine.collaboration.models import Task

    ct = ContentType.objects.get_for_model(world.src_b)
    hidden_task = Task.objects.create(
        workspace=world.ws, title="Review src-b", target_type=ct, target_id=world.src_b.pk
    )
    plain_task = Task.objects.create(workspace=world.ws, title="Write the charter")
    (on_hidden,) = record("task.created", hidden_task, actor=world.owner)
    (on_plain,) = record("task.created", plain_task, actor=world.owner)
    assert on_plain.workspace == world.ws
    assert _ids(services.feed(user=fresh(world.owner))) == {on_hidden.pk, on_plain.pk}
    assert _ids(services.feed(user=fresh(world.member))) == {on_plain.pk}
    assert not services.feed(user=fresh(world.outsider)).exists()


def _many(world, record, n: int) -> None:
    kinds = [
        ("description.edited", world.src_a),
        ("notes.edited", world.ws),
        ("scan.cancelled", None),
        ("member.added", world.ws),
    ]
    from governance.scans import services as scans
    from governance.scans.models import ScanRun

    scan = scans.default_scan(actor=None, source=world.src_a)
    run = ScanRun.objects.filter(scan=scan).first() or scans.start_scan(
        actor=None, scan=scan, enqueue=False
    )
    for i in range(n):
        kind, obj = kinds[i % len(kinds)]
        record(kind, obj or run, actor=world.owner if i % 2 else world.member, user={"id": 1})


def _cost(user, **kw) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        items = [services.activity_item(e) for e in services.feed(user=fresh(user), **kw)]
    return len(ctx.captured_queries), len(items)


@pytest.mark.parametrize("scope", ["all", "workspace", "target"])
def test_a_feed_costs_the_same_number_of_queries_for_1_or_20_events(world, record, scope) -> None:
    kw = {"all": {}, "workspace": {"workspace": world.ws}, "target": {"target": world.src_a}}[scope]
    _many(world, record, 1)
    small, n_small = _cost(world.member, **kw)
    _many(world, record, 20)
    large, n_large = _cost(world.member, **kw)
    assert n_large > n_small >= 1
    assert large == small, (small, large)
    assert small <= 14  # the gate resolves scopes once per user and permission


def test_an_event_survives_its_target(world, record) -> None:
    """The feed keeps the name at the time; the target gone, the event is hidden like any
    event about an object the gate does not show (not an error)."""
    (event,) = record("description.edited", world.src_a, actor=world.owner)
    assert event.target_repr == "src-a"
    ActivityEvent.objects.filter(pk=event.pk).update(target_id=10**9)
    assert not services.feed(user=fresh(world.owner)).exists()
    assert services.feed(user=fresh(world.root)).get().target_repr == "src-a"
