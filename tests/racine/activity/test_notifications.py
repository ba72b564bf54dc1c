"""Notifications: who is told of what (only what they may see), preferences, e-mail."""

from __future__ import annotations

import pytest
from django.core import mail

from racine.activity import services
from racine.activity.models import Notification

from .conftest import fresh

pytestmark = pytest.mark.django_db


def _inbox(user) -> list[tuple[str, str]]:
    return [(n.kind, n.title) for n in Notification.objects.filter(recipient=user).order_by("id")]


def test_mentions_and_replies_reach_those_who_may_see_the_object(world, record, make_user) -> None:
    stranger = make_user("stranger")  # sees nothing
    record(
        "comment.created",
        world.src_b,
        actor=world.owner,
        comment=1,
        excerpt="Look at this",
        mentions=[world.member.pk, world.outsider.pk, stranger.pk, world.owner.pk],
        reply_to_author=world.outsider.pk,
    )
    # src-b is hidden from the member and the stranger; nobody is told of their own comment;
    # the outsider, mentioned and replied to, is told once (a mention first).
    assert _inbox(world.member) == [] and _inbox(stranger) == [] and _inbox(world.owner) == []
    assert _inbox(world.outsider) == [("mention", "owner mentioned you on src-b")]
    record("comment.created", world.src_a, actor=world.owner, reply_to_author=world.member.pk)
    assert _inbox(world.member) == [("reply", "owner replied to you on src-a")]
    note = Notification.objects.get(recipient=world.member)
    assert note.body == "owner replied on src-a" and note.event.kind == "comment.created"


def test_an_assignment_is_told_to_the_assignee(world, record) -> None:
    from racine.collaboration.models import Task

    task = Task.objects.create(workspace=world.ws, title="Describe the orders table")
    record("task.created", task, actor=world.owner, assignee={"id": world.member.pk})
    record("task.updated", task, actor=world.owner, assignee=world.member.pk)  # not an assignment
    assert _inbox(world.member) == [("assignment", "owner assigned you Describe the orders table")]
    # An assignment to someone who is not a member: they cannot see the task, so no notice.
    record("task.assigned", task, actor=world.owner, assignee=world.outsider.pk)
    assert _inbox(world.outsider) == []


def test_a_failed_scan_of_a_pinned_source_is_told_to_members_who_see_it(
    world, scan_source, django_capture_on_commit_callbacks, settings
) -> None:
    from governance.datasources.models import DataSource

    # (A failed connection is answered no sooner than the connect timeout: none here.)
    settings.PURSIGHT_SCAN = {**settings.PURSIGHT_SCAN, "CONNECT_TIMEOUT": 0}

    DataSource.objects.filter(pk__in=[world.src_a.pk, world.src_b.pk]).update(
        database="/nonexistent/x.sqlite"
    )
    with django_capture_on_commit_callbacks(execute=True):
        scan_source(DataSource.objects.get(pk=world.src_a.pk))
        scan_source(DataSource.objects.get(pk=world.src_b.pk))
    member, owner = _inbox(world.member), _inbox(world.owner)
    assert [k for k, _ in member] == ["scan_failed"]  # src-b's is hidden from the member
    assert [k for k, _ in owner] == ["scan_failed", "scan_failed"]
    assert member[0][1].startswith("Scan #") and "src-a failed" in member[0][1]
    assert _inbox(world.outsider) == []  # sees the source, but pins nothing


def test_a_new_critical_finding_in_a_workspace_is_told_to_members_who_see_it(
    world, scan_source, django_capture_on_commit_callbacks
) -> None:
    from governance.compliance import services as compliance
    from governance.compliance.models import Control, Framework, Rule

    with django_capture_on_commit_callbacks(execute=True):
        scan_source(world.src_a)
        scan_source(world.src_b)
    framework = Framework.objects.create(code="t", name="T")
    control = Control.objects.create(framework=framework, code="1", title="C")
    for severity, pattern in (("critical", "^email$"), ("low", "^id$")):
        compliance.save_rule(
            actor=None,
            rule=Rule(
                framework=framework,
                control=control,
                code=f"r-{severity}",
                name=f"Rule {severity}",
                asset_type="column",
                scope={"name_pattern": pattern},
                condition={"type": "has_description"},
                severity=severity,
            ),
        )
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        compliance.evaluate(actor=None, framework=framework)
    member, owner = _inbox(world.member), _inbox(world.owner)
    assert member == [("finding", "New critical finding: Rule critical on main.customers.email")]
    assert len(owner) == 2 and {k for k, _ in owner} == {"finding"}
    assert _inbox(world.outsider) == []


def test_a_muted_kind_creates_no_notification(world, record) -> None:
    services.update_preferences(actor=world.member, muted_kinds=["mention"])
    record("comment.created", world.src_a, actor=world.owner, mentions=[world.member.pk])
    assert _inbox(world.member) == []
    record("comment.created", world.src_a, actor=world.owner, reply_to_author=world.member.pk)
    assert [k for k, _ in _inbox(world.member)] == ["reply"]


def test_email_is_sent_only_when_asked_for_and_holds_no_data_values(
    world, record, django_capture_on_commit_callbacks
) -> None:
    mention = {"mentions": [world.member.pk], "excerpt": "person7@example.com is in there"}
    with django_capture_on_commit_callbacks(execute=True):
        record("comment.created", world.src_a, actor=world.owner, **mention)
    assert mail.outbox == []  # e-mail is off by default
    services.update_preferences(actor=world.member, email=True)
    with django_capture_on_commit_callbacks(execute=True):
        record("comment.created", world.src_a, actor=world.owner, **mention)
    (message,) = mail.outbox
    assert message.to == [world.member.email]
    assert message.subject == "[PurSight] owner mentioned you on src-a"
    assert f"/admin/datasources/datasource/{world.src_a.pk}/change/" in message.body
    assert "example.com is in there" not in message.body  # no comment text, no values
    sent = Notification.objects.filter(recipient=world.member, emailed_at__isnull=False)
    assert sent.count() == 1
    # Sent once: running the task again sends nothing.
    assert services.email_notifications([n.pk for n in sent]) == 0


def test_mark_read_publishes_and_only_for_ones_own(world, record) -> None:
    record("comment.created", world.src_a, actor=world.owner, mentions=[world.member.pk])
    note = Notification.objects.get(recipient=world.member)
    with pytest.raises(Notification.DoesNotExist):
        services.mark_read(actor=world.owner, notification=note)
    services.mark_read(actor=fresh(world.member), notification=note)
    assert services.unread_count(world.member) == 0
