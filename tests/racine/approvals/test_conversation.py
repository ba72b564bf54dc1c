"""A request's conversation: the requester and the reviewers talk on its review page (the team
panel, ``/api/v1/comments/``); the gate decides who takes part, exactly as for the request
itself; the others are told of a new comment once each; a decided request's conversation is
read-only; the page's queries do not grow with the conversation."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.catalog import classifying
from governance.catalog.models import ColumnClassification
from pursight import changes, permissions
from racine.activity.models import Notification
from racine.approvals import services
from racine.approvals.models import ApprovalRequest, Status
from racine.collaboration import services as collab
from racine.collaboration.models import Comment

pytestmark = pytest.mark.django_db
COMMENTS = "/api/v1/comments/"
LABEL = "approvals.approvalrequest"


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body_for(request: ApprovalRequest, text: str, **extra: Any) -> dict[str, Any]:
    return {"target_type": LABEL, "target_id": request.pk, "body": text, **extra}


def review_url(request: ApprovalRequest) -> str:
    return f"/admin/approvals/approvalrequest/{request.pk}/review/"


@pytest.fixture
def held(world, policy) -> ApprovalRequest:
    """curator asks to accept a classification in Ledger; curator2 and steward review."""
    policy()
    row = ColumnClassification.objects.get(pk=world.row.pk)
    result = classifying.accept_classification(actor=world.fresh(world.curator), classification=row)
    request = changes.pending_of(result).request
    assert set(request.reviewers.values_list("username", flat=True)) == {"curator2", "steward"}
    return request


@pytest.fixture
def reader(world, make_user, assign) -> Any:
    """A Data Reader on Finance: a colleague everyone may name, who may not see the request."""
    user = make_user("reader")
    assign(user, "data-reader", world.finance)
    return user


def comments_told(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).exclude(title__contains="approve"))


# --- Who takes part -------------------------------------------------------------------------


def test_the_gate_sees_a_request_as_its_services_do(world, held, reader) -> None:
    # Requester, reviewers and the collection's admin; not the admin of another collection,
    # not a reader of the same collection, not an outsider.
    expected = {"curator", "curator2", "steward", "admin"}
    for name in ("curator", "curator2", "steward", "admin", "hr_admin", "outsider"):
        user = world.fresh(getattr(world, name))
        sees = services.visible_requests(user).filter(pk=held.pk).exists()
        assert sees == (name in expected), name
        assert permissions.can(user, "view", held) == sees, name
    assert not permissions.can(world.fresh(reader), "view", held)
    who = set(permissions.users_who_can("view", held).values_list("username", flat=True))
    assert who == expected
    # Live events about the request (a comment) reach exactly the same sockets.
    requirement = permissions.requirement(held)
    for name in ("curator", "steward", "admin", "hr_admin", "outsider"):
        user = world.fresh(getattr(world, name))
        assert permissions.meets(user, requirement) == (name in expected), name


def test_requester_and_approver_talk_and_read_each_other(world, held) -> None:
    steward, curator = api(world.fresh(world.steward)), api(world.fresh(world.curator))
    asked = steward.post(COMMENTS, body_for(held, "Why EMAIL_ADDRESS here?"), format="json")
    assert asked.status_code == 201, asked.content
    thread = asked.json()["id"]
    answered = curator.post(
        COMMENTS,
        body_for(held, "The column holds contact addresses.", parent=thread),
        format="json",
    )
    assert answered.status_code == 201, answered.content
    for client in (steward, curator):
        listed = client.get(COMMENTS, {"target_type": LABEL, "target_id": held.pk}).json()
        rows = listed["results"] if isinstance(listed, dict) else listed
        bodies = {r["body"] for r in rows}
        assert bodies == {"Why EMAIL_ADDRESS here?", "The column holds contact addresses."}
        assert {r["target"]["type"] for r in rows} == {LABEL}
    # The collection's admin reads it too (the gate lets them see the request).
    admin = api(world.fresh(world.admin)).get(
        COMMENTS, {"target_type": LABEL, "target_id": held.pk}
    )
    assert admin.status_code == 200 and len(admin.json()["results"]) == 2


def test_an_outsider_gets_the_answer_of_a_missing_request(world, held, client) -> None:
    collab.create_comment(actor=world.fresh(world.steward), target=held, body="Secret question")
    secret = Comment.objects.get()
    for name in ("outsider", "hr_admin"):
        who = world.fresh(getattr(world, name))
        outsider = api(who)
        hidden = outsider.post(COMMENTS, body_for(held, "let me in"), format="json")
        missing = outsider.post(
            COMMENTS, {"target_type": LABEL, "target_id": 10**9, "body": "let me in"}, format="json"
        )
        assert hidden.status_code == missing.status_code == 400
        assert hidden.json() == missing.json() == {"target_id": ["Object not found."]}
        listed_h = outsider.get(COMMENTS, {"target_type": LABEL, "target_id": held.pk})
        listed_m = outsider.get(COMMENTS, {"target_type": LABEL, "target_id": 10**9})
        assert listed_h.status_code == listed_m.status_code
        assert listed_h.content == listed_m.content
        assert outsider.get(f"{COMMENTS}{secret.pk}/").status_code == 404
        assert outsider.get(COMMENTS).json()["results"] == []
        # The console: the review page and the comment's page, as for missing ones.
        client.force_login(who)
        page, gone = (
            client.get(review_url(held)),
            client.get(review_url(held).replace(str(held.pk), str(10**9))),
        )
        assert page.status_code == gone.status_code == 404
        c_page = client.get(f"/admin/collaboration/comment/{secret.pk}/change/")
        c_gone = client.get(f"/admin/collaboration/comment/{10**9}/change/")
        assert c_page.status_code == c_gone.status_code
        assert c_page.get("Location") == c_gone.get("Location")
        assert b"Secret question" not in c_page.content
        started = client.post(
            "/admin/collaboration/comment/start/",
            {"target_type": LABEL, "target_id": held.pk, "body": "in", "next": "/admin/"},
        )
        assert started.status_code == 302
    assert Comment.objects.count() == 1


def test_mentioning_someone_who_cannot_see_the_request_reveals_nothing(world, held, reader) -> None:
    client = api(world.fresh(world.steward))
    # curator2 reviews it: may be mentioned.
    ok = client.post(COMMENTS, body_for(held, "@curator2 do you agree?"), format="json")
    assert ok.status_code == 201, ok.content
    # reader is a colleague in Finance who may not see the request; "ghost" does not exist;
    # the same answer but for the name, and nothing is written.
    hidden = client.post(COMMENTS, body_for(held, "@reader look"), format="json")
    unknown = client.post(COMMENTS, body_for(held, "@ghost look"), format="json")
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json() == {"body": [collab.MENTION_REFUSED.format(name="reader")]}
    assert hidden.content.replace(b"reader", b"ghost") == unknown.content
    assert not Comment.objects.filter(body__contains="look").exists()
    assert not Notification.objects.filter(recipient=reader).exists()
    # The autocomplete offers only people who may see the request.
    names = {
        u.username
        for u in collab.mentionable_users(actor=world.fresh(world.steward), target=held, limit=50)
    }
    assert names == {"curator", "curator2", "steward", "admin"}


# --- Notifications ---------------------------------------------------------------------------


def test_each_other_participant_is_told_once(world, held, django_capture_on_commit_callbacks):
    Notification.objects.all().delete()  # the review requests
    with django_capture_on_commit_callbacks(execute=True):
        collab.create_comment(actor=world.fresh(world.steward), target=held, body="Why this one?")
    for user in (world.curator, world.curator2):
        told = comments_told(user)
        assert len(told) == 1, [n.title for n in told]
        assert told[0].kind == "approval"
        assert told[0].title.startswith(f"steward commented on request #{held.pk}")
        assert told[0].url == services.review_url(held)
        assert "Why this one?" in told[0].body
    assert comments_told(world.steward) == []  # not its author
    assert comments_told(world.admin) == []  # sees it, but takes no part in it
    assert comments_told(world.outsider) == []
    # A mention: the mentioned person is told once (as a mention), the others once each.
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        collab.create_comment(
            actor=world.fresh(world.curator2), target=held, body="@curator can you explain?"
        )
    mine = comments_told(world.curator)
    assert [n.kind for n in mine] == ["mention"]
    assert [n.kind for n in comments_told(world.steward)] == ["approval"]
    assert comments_told(world.curator2) == []


def test_muted_approvals_are_not_told(world, held, django_capture_on_commit_callbacks):
    from racine.activity import services as activity

    activity.update_preferences(actor=world.fresh(world.curator), muted_kinds=["approval"])
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        collab.create_comment(actor=world.fresh(world.steward), target=held, body="Hm?")
    assert comments_told(world.curator) == []
    assert len(comments_told(world.curator2)) == 1


# --- Read-only once decided ---------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["approve", "reject", "withdraw"])
def test_a_decided_request_keeps_its_conversation_read_only(
    world, held, client, outcome, django_capture_on_commit_callbacks
) -> None:
    first = collab.create_comment(actor=world.fresh(world.steward), target=held, body="Before")
    if outcome == "withdraw":
        services.withdraw(actor=world.fresh(world.curator), request=held)
    else:
        services.decide(
            actor=world.fresh(world.steward), request=held, decision=outcome, comment="no"
        )
    held.refresh_from_db()
    assert held.status != Status.PENDING
    Notification.objects.all().delete()
    with pytest.raises(ValidationError) as exc:
        collab.create_comment(actor=world.fresh(world.curator), target=held, body="After")
    assert isinstance(exc.value, collab.StateRefusal)
    assert "conversation is closed" in exc.value.messages[0]
    refused = api(world.fresh(world.curator)).post(
        COMMENTS, body_for(held, "After", parent=first.pk), format="json"
    )
    assert refused.status_code == 409
    assert "conversation is closed" in str(refused.json())
    assert api(world.fresh(world.steward)).post(f"{COMMENTS}{first.pk}/resolve/").status_code == 409
    assert list(Comment.objects.values_list("body", flat=True)) == ["Before"]
    assert not Notification.objects.exists()
    # Still readable; the panel says why there is no comment box.
    client.force_login(world.fresh(world.curator))
    html = client.get(review_url(held)).content.decode()
    assert "Before" in html and "conversation is closed" in html
    assert 'name="body"' not in html


# --- The review page --------------------------------------------------------------------------


def test_review_page_shows_the_conversation_in_constant_queries(world, held, client) -> None:
    client.force_login(world.fresh(world.steward))
    url = review_url(held)

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    collab.create_comment(actor=world.fresh(world.curator), target=held, body="First note")
    client.get(url)
    one, html = count()
    assert "First note" in html and 'id="team"' in html and 'name="body"' in html
    authors = [world.curator, world.curator2, world.steward, world.admin]
    for i in range(12):
        thread = collab.create_comment(
            actor=world.fresh(authors[i % 4]), target=held, body=f"Note {i}"
        )
        collab.create_comment(
            actor=world.fresh(authors[(i + 1) % 4]), target=held, body="Reply", parent=thread
        )
    many, html = count()
    assert "Note 11" in html
    assert many == one
