"""The admin: the activity list through the gate, "My notifications" with POST-only mark-read
buttons, the preferences form, and the header's unread badge."""

from __future__ import annotations

import pytest
from django.urls import reverse

from racine.activity import services
from racine.activity.models import Notification

pytestmark = pytest.mark.django_db

EVENTS = "/admin/activity/activityevent/"
INBOX = "/admin/activity/notification/"


def test_the_activity_list_never_shows_an_event_about_a_hidden_pinned_asset(
    world, record, client
) -> None:
    (seen,) = record("description.edited", world.src_a, actor=world.owner)
    (hidden,) = record("description.edited", world.src_b, actor=world.owner)
    client.force_login(world.member)
    response = client.get(EVENTS)
    assert response.status_code == 200
    assert [e.pk for e in response.context["cl"].result_list] == [seen.pk]
    assert "src-b" not in response.content.decode()
    assert "owner edited the description of src-a" in response.content.decode()
    # Filters: by workspace (visible ones only offered) and by kind.
    response = client.get(EVENTS, {"workspace__id__exact": world.ws.pk, "kind": "notes.edited"})
    assert response.status_code == 200 and list(response.context["cl"].result_list) == []
    # The hidden event's page answers like a missing one.
    hidden_page = client.get(f"{EVENTS}{hidden.pk}/change/")
    missing_page = client.get(f"{EVENTS}{10**9}/change/")
    assert hidden_page.status_code == missing_page.status_code
    assert client.get(f"{EVENTS}{seen.pk}/change/").status_code == 200
    client.force_login(world.owner)
    shown = {e.pk for e in client.get(EVENTS).context["cl"].result_list}
    assert shown == {seen.pk, hidden.pk}


def test_the_activity_list_is_read_only(world, record, client) -> None:
    (event,) = record("description.edited", world.src_a, actor=world.owner)
    client.force_login(world.root)
    assert client.get(f"{EVENTS}add/").status_code == 403
    assert client.post(f"{EVENTS}{event.pk}/delete/", {"post": "yes"}).status_code == 403


def _mention(world, record, user) -> Notification:
    record("comment.created", world.src_a, actor=world.owner, mentions=[user.pk])
    return Notification.objects.filter(recipient=user).latest("id")


def test_my_notifications_lists_ones_own_with_post_only_buttons(world, record, client) -> None:
    mine = _mention(world, record, world.member)
    theirs = _mention(world, record, world.outsider)
    client.force_login(world.member)
    page = client.get(INBOX)
    assert page.status_code == 200
    text = page.content.decode()
    assert "owner mentioned you on src-a" in text and "1 unread" in text
    assert [n.pk for n in page.context["notifications"]] == [mine.pk]
    read = reverse("admin:activity_notification_read", args=[mine.pk])
    assert f'action="{read}"' in text and 'method="post"' in text
    assert client.get(read).status_code == 405  # a state change is never a GET
    assert (
        client.post(reverse("admin:activity_notification_read", args=[theirs.pk])).status_code
        == 404
    )
    response = client.post(read, {"next": INBOX})
    assert response.status_code == 302 and response["Location"] == INBOX
    mine.refresh_from_db()
    assert mine.read_at is not None and Notification.objects.get(pk=theirs.pk).read_at is None
    _mention(world, record, world.member)
    assert client.get(reverse("admin:activity_notification_read_all")).status_code == 405
    client.post(reverse("admin:activity_notification_read_all"))
    assert services.unread_count(world.member) == 0
    assert services.unread_count(world.outsider) == 1
    # Open-redirects are refused: back to the inbox.
    response = client.post(read, {"next": "https://elsewhere.example/"})
    assert response["Location"] == INBOX


def test_the_preferences_form_mutes_kinds_and_turns_email_on(world, client) -> None:
    url = reverse("admin:activity_notification_preferences")
    client.force_login(world.member)
    page = client.get(url)
    assert page.status_code == 200 and "Notify me about" in page.content.decode()
    assert set(page.context["form"].initial["notify"]) == set(services.NOTIFICATION_KINDS)
    kept = ["mention", "assignment", "scan_failed"]
    muted = sorted(set(services.NOTIFICATION_KINDS) - set(kept))
    assert {"finding", "reply", "approval", "workflow_failed"} <= set(muted)
    response = client.post(url, {"notify": kept, "email": "on"})
    assert response.status_code == 302
    pref = services.preferences_of(world.member)
    assert pref.muted_kinds == muted and pref.email is True
    bad = client.post(url, {"notify": ["everything"]})
    assert bad.status_code == 200 and bad.context["form"].errors
    assert services.preferences_of(world.member).muted_kinds == muted


def test_every_admin_page_has_the_live_unread_badge_without_an_inline_script(world, client) -> None:
    client.force_login(world.member)
    for url in ("/admin/", EVENTS, INBOX, "/admin/datasources/datasource/"):
        text = client.get(url).content.decode()
        assert 'id="pursight-inbox-badge"' in text, url
        assert f'data-user="{world.member.pk}"' in text
        assert 'href="/admin/activity/notification/"' in text
        assert '<script src="/static/activity/inbox.js" defer></script>' in text
    client.logout()
    assert 'id="pursight-inbox-badge"' not in client.get("/admin/login/").content.decode()
