"""Comments: sanitised Markdown, mentions that reveal nothing, threads, author-only edits and
soft deletes, resolve/reopen, hidden objects answering like missing ones (API and admin),
archived workspaces read-only, live and domain events, constant query counts."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from pursight import permissions
from pursight.markdown import plain_text
from racine.collaboration import services
from racine.collaboration.markdown import render
from racine.collaboration.models import Comment
from racine.workspaces.choices import WorkspaceStatus

from .conftest import fresh

pytestmark = pytest.mark.django_db

LIST = "/api/v1/comments/"


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(fresh(user))
    return client


def label(obj: Any) -> str:
    return obj._meta.label_lower


def body_for(obj: Any, text: str, **extra: Any) -> dict[str, Any]:
    return {"target_type": label(obj), "target_id": obj.pk, "body": text, **extra}


def comment(user: Any, target: Any, text: str = "Looks fine", **kw: Any) -> Comment:
    return services.create_comment(actor=fresh(user), target=target, body=text, **kw)


# --- Markdown and sanitising --------------------------------------------------------------------


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(markup)
    return parser.tags


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "![x](javascript:alert(1))",
        '<iframe src="https://example.com"></iframe>',
        "[data](data:text/html;base64,PHNjcmlwdD4=)",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_no_script_handler_or_dangerous_link_survives(body: str) -> None:
    html = render(f"Hello {body} world").html
    for tag, attrs in elements(html):
        assert tag not in {"script", "img", "iframe", "div", "style"}, html
        assert not [a for a in attrs if a.startswith("on") or a == "style"], html
        href = attrs.get("href")
        assert href is None or href.startswith(("http://", "https://", "mailto:")), html
    assert "<script" not in html


def test_markdown_is_rendered_links_are_nofollow_and_images_become_links() -> None:
    rendered = render("**Bold** and [docs](https://example.com/x) ![chart](https://e.com/c.png)")
    found = elements(rendered.html)
    assert ("strong", {}) in found
    links = [attrs for tag, attrs in found if tag == "a"]
    assert {a["href"] for a in links} == {"https://example.com/x", "https://e.com/c.png"}
    assert all(a["rel"] == "noopener nofollow" for a in links)
    assert "img" not in {tag for tag, _ in found}


def test_mentions_are_found_outside_code_only() -> None:
    rendered = render("Hi @bob and @carol. Mail x@dave.org, not `@eve`:\n\n```\n@frank\n```")
    assert rendered.mentions == ["bob", "carol"]
    assert '<span class="mention">@bob</span>' in rendered.html
    assert plain_text(render("a " * 200).html).endswith("…")
    assert len(plain_text(render("a " * 200).html)) == 140


# --- Threads and events -------------------------------------------------------------------------


def test_a_reply_to_a_reply_joins_the_thread_and_events_are_sent(
    world, published, emitted, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        root = comment(world.alice, world.table_a, "Who owns this? @bob")
        reply = comment(world.bob, world.table_a, "Me", parent=root)
        again = comment(world.alice, world.table_a, "Thanks", parent=reply)
    assert reply.parent_id == root.pk and again.parent_id == root.pk
    assert list(root.mentions.all()) == [world.bob]
    kinds = [(k, obj, data) for k, obj, _actor, data in emitted if k.startswith("comment.")]
    assert [k for k, _, _ in kinds] == ["comment.created"] * 3
    first, second, third = (data for _, _, data in kinds)
    assert all(obj == world.table_a for _, obj, _ in kinds)
    assert first["mentions"] == [world.bob.pk] and first["reply_to_author"] is None
    assert first["excerpt"] == "Who owns this? @bob" and first["thread"] == root.pk
    assert second["reply_to_author"] == world.alice.pk and second["thread"] == root.pk
    assert third["reply_to_author"] == world.bob.pk  # the comment replied to
    # Live: on the table's page and in the workspace pinning it, for those who see the table.
    pages = {(kind, pk) for kind, pk, event, _, _ in published if event == "comment"}
    assert pages == {("catalog.catalogtable", world.table_a.pk), ("workspace", world.ws.pk)}
    _, _, _, payload, requires = next(p for p in published if p[2] == "comment")
    assert payload["action"] == "created" and payload["comment"]["id"] == root.pk
    assert json.loads(json.dumps(payload)) == payload  # sent as JSON as it is
    assert requires == permissions.requirement(world.table_a)
    item = api(world.alice).get(f"{LIST}{root.pk}/").json()
    assert item["reply_count"] == 2
    assert set(item) == set(payload["comment"])


def test_the_api_creates_lists_by_target_and_by_thread(world) -> None:
    client = api(world.alice)
    created = client.post(LIST, body_for(world.table_a, "First"), format="json")
    assert created.status_code == 201, created.content
    root = created.json()
    assert root["target"]["type"] == "catalog.catalogtable"
    assert root["target"]["id"] == world.table_a.pk
    assert root["target"]["url"].endswith(f"/{world.table_a.pk}/change/")
    assert root["author"] == {"id": world.alice.pk, "name": "alice"}
    reply = client.post(LIST, body_for(world.table_a, "Second", parent=root["id"]), format="json")
    assert reply.json()["parent"] == root["id"]
    comment(world.alice, world.table_b, "elsewhere")
    listed = client.get(LIST, {"target_type": label(world.table_a), "target_id": world.table_a.pk})
    assert [c["id"] for c in listed.json()["results"]] == [root["id"], reply.json()["id"]]
    thread = client.get(LIST, {"thread": root["id"]})
    assert [c["id"] for c in thread.json()["results"]] == [root["id"], reply.json()["id"]]
    # A parent on another object is refused.
    other = comment(world.alice, world.table_b, "on B")
    wrong = client.post(LIST, body_for(world.table_a, "x", parent=other.pk), format="json")
    assert wrong.status_code == 400 and wrong.json() == {"parent": ["Comment not found."]}


def test_bad_filters_and_bodies_answer_400_with_a_clear_message(world) -> None:
    client = api(world.alice)
    only_type = client.get(LIST, {"target_type": "catalog.catalogtable"})
    assert only_type.status_code == 400
    assert only_type.json() == {"target_type": ["Give target_type and target_id together."]}
    assert client.get(LIST, {"thread": "abc"}).status_code == 400
    empty = client.post(LIST, body_for(world.table_a, "   "), format="json")
    assert empty.status_code == 400 and "body" in empty.json()


# --- Hidden == missing --------------------------------------------------------------------------


def test_a_hidden_or_unknown_target_is_refused_exactly_like_a_missing_one(world) -> None:
    client = api(world.bob)  # reads A only
    answers = [
        client.post(LIST, body_for(world.table_b, "hi"), format="json"),  # hidden
        client.post(
            LIST, {**body_for(world.table_a, "hi"), "target_id": 10**9}, format="json"
        ),  # missing
        client.post(LIST, {**body_for(world.table_a, "hi"), "target_type": "auth.user"}),
        client.post(LIST, {**body_for(world.table_a, "hi"), "target_type": "nope"}),
    ]
    assert {a.status_code for a in answers} == {400}
    assert {a.content for a in answers} == {b'{"target_id":["Object not found."]}'}
    hidden = {"target_type": label(world.table_b), "target_id": world.table_b.pk}
    missing = {"target_type": label(world.table_b), "target_id": 10**9}
    for url in (LIST, f"{LIST}mentionable/"):
        a, b = client.get(url, hidden), client.get(url, missing)
        assert (
            (a.status_code, a.content)
            == (b.status_code, b.content)
            == (
                400,
                b'{"target_id":["Object not found."]}',
            )
        )
    with pytest.raises(ValidationError) as exc:
        services.create_comment(actor=fresh(world.bob), target=world.table_b, body="x")
    assert exc.value.message_dict == {"target_id": ["Object not found."]}


def test_a_member_never_reads_comments_of_a_pinned_asset_hidden_from_them(world, client) -> None:
    secret = comment(world.alice, world.table_b, "Salaries leak into the export")
    shared = comment(world.alice, world.table_a, "Customers look fine")
    on_ws = comment(world.alice, world.ws, "Welcome")
    bob = api(world.bob)
    assert {c["id"] for c in bob.get(LIST).json()["results"]} == {shared.pk, on_ws.pk}
    hidden, missing = bob.get(f"{LIST}{secret.pk}/"), bob.get(f"{LIST}{10**9}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    for action in ("resolve", "reopen"):
        assert bob.post(f"{LIST}{secret.pk}/{action}/").status_code == 404
    assert bob.patch(f"{LIST}{secret.pk}/", {"body": "x"}, format="json").status_code == 404
    assert bob.delete(f"{LIST}{secret.pk}/").status_code == 404
    # Thread filters do not leak it either.
    assert bob.get(LIST, {"thread": secret.pk}).json()["results"] == []
    # The admin: not listed, and its page answers like a missing id.
    client.force_login(world.bob)
    changelist = client.get(reverse("admin:collaboration_comment_changelist"))
    assert changelist.status_code == 200
    assert {c.pk for c in changelist.context["cl"].result_list} == {shared.pk, on_ws.pk}
    page = client.get(reverse("admin:collaboration_comment_change", args=[secret.pk]))
    gone = client.get(reverse("admin:collaboration_comment_change", args=[10**9]))
    assert page.status_code == gone.status_code == 302
    assert page["Location"] == gone["Location"]
    resolve = reverse("admin:collaboration_comment_resolve_detail", args=[secret.pk])
    assert client.post(resolve).status_code == 404
    # Live: the event about it does not meet bob's requirement.
    assert not permissions.meets(fresh(world.bob), permissions.requirement(world.table_b))
    # Alice (who reads B) sees it in the admin, rendered.
    client.force_login(world.alice)
    page = client.get(reverse("admin:collaboration_comment_change", args=[secret.pk]))
    assert page.status_code == 200 and b"Salaries leak into the export" in page.content


# --- Mentions -----------------------------------------------------------------------------------


def test_mentioning_someone_who_cannot_see_the_object_says_nothing_about_it(world) -> None:
    client = api(world.alice)
    ok = client.post(LIST, body_for(world.table_b, "@dave please check"), format="json")
    assert ok.status_code == 201
    assert list(Comment.objects.get(pk=ok.json()["id"]).mentions.all()) == [world.dave]
    # bob is alice's colleague (A, and the workspace) but may not see B's table; "ghost" does
    # not exist: the same answer, word for word, but for the name.
    hidden = client.post(LIST, body_for(world.table_b, "@bob look"), format="json")
    unknown = client.post(LIST, body_for(world.table_b, "@ghost look"), format="json")
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json() == {"body": [services.MENTION_REFUSED.format(name="bob")]}
    assert unknown.json() == {"body": [services.MENTION_REFUSED.format(name="ghost")]}
    assert hidden.content.replace(b"bob", b"ghost") == unknown.content
    assert not Comment.objects.filter(body__contains="look").exists()


def test_only_people_the_author_may_name_can_be_mentioned(world, make_user) -> None:
    # A superuser sees everything, but bob has no way to know them: refused alike.
    make_user("root", superuser=True)
    with pytest.raises(ValidationError) as exc:
        comment(world.bob, world.table_a, "@root help")
    assert exc.value.message_dict == {"body": [services.MENTION_REFUSED.format(name="root")]}
    # Workspace co-members are nameable on the workspace, whatever their collections.
    created = comment(world.bob, world.ws, "@carol @alice see the notes")
    assert set(created.mentions.all()) == {world.carol, world.alice}
    with pytest.raises(ValidationError):
        comment(world.bob, world.ws, "@dave you too")  # not a member: cannot see the workspace


def test_mentionable_lists_only_who_may_see_the_object_at_constant_cost(
    world, make_user, reader
) -> None:
    url = f"{LIST}mentionable/"
    client = api(world.alice)
    on_b = {"target_type": label(world.table_b), "target_id": world.table_b.pk}
    names = [u["username"] for u in client.get(url, on_b).json()]
    assert names == ["alice", "dave"]  # bob and carol read only A; eve nothing
    on_a = {"target_type": label(world.table_a), "target_id": world.table_a.pk}
    assert [u["username"] for u in client.get(url, {**on_a, "q": "c"}).json()] == ["carol"]
    assert client.get(url, {**on_a, "q": "@ca"}).json()[0]["username"] == "carol"
    on_ws = {"target_type": "workspaces.workspace", "target_id": world.ws.pk}
    assert [u["username"] for u in client.get(url, on_ws).json()] == ["alice", "bob", "carol"]

    def measure() -> tuple[int, Any]:
        api(world.alice).get(url, on_a)  # process-wide caches (content types) warm
        fresh_client = api(world.alice)  # a new request: the user's scopes not cached yet
        with CaptureQueriesContext(connection) as queries:
            response = fresh_client.get(url, on_a)
        return len(queries), response.json()

    few, _ = measure()
    for i in range(15):
        reader(make_user(f"reader{i:02}"), world.a)
    many, listed = measure()
    assert len(listed) == 10
    assert many == few
    assert api(world.alice).get(url, {"target_type": "x"}).status_code == 400


# --- Edit, delete, resolve ----------------------------------------------------------------------


def test_only_the_author_edits_and_the_comment_is_marked_edited(
    world, emitted, django_capture_on_commit_callbacks
) -> None:
    root = comment(world.alice, world.table_a, "Frist")
    url = f"{LIST}{root.pk}/"
    refused = api(world.bob).patch(url, {"body": "hijacked"}, format="json")
    assert refused.status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        edited = api(world.alice).patch(url, {"body": "**First** @bob"}, format="json")
    assert edited.status_code == 200
    data = edited.json()
    assert data["edited_at"] is not None and data["body"] == "**First** @bob"
    assert "<strong>First</strong>" in data["body_html"]
    event = next(d for k, _, _, d in emitted if k == "comment.edited")
    assert event["mentions"] == [world.bob.pk]
    assert api(world.alice).put(url, {"body": "x"}, format="json").status_code == 405


def test_soft_delete_by_the_author_keeps_the_place_without_the_text(world) -> None:
    root = comment(world.alice, world.table_a, "Secret plan")
    reply = comment(world.bob, world.table_a, "Agreed", parent=root)
    assert api(world.bob).delete(f"{LIST}{root.pk}/").status_code == 403
    assert api(world.alice).delete(f"{LIST}{root.pk}/").status_code == 204
    item = api(world.bob).get(f"{LIST}{root.pk}/").json()
    assert item["deleted"] is True
    assert item["body"] == services.DELETED_TEXT and "Secret" not in item["body_html"]
    assert item["reply_count"] == 1
    assert api(world.bob).get(f"{LIST}{reply.pk}/").json()["deleted"] is False
    # Deleted: neither edited nor deleted again (409, the state refuses).
    alice = api(world.alice)
    assert alice.patch(f"{LIST}{root.pk}/", {"body": "x"}, format="json").status_code == 409
    assert alice.delete(f"{LIST}{root.pk}/").status_code == 409


def test_workspace_managers_may_delete_comments_on_the_workspace(world) -> None:
    by_bob = comment(world.bob, world.ws, "Meeting at 10")
    assert api(world.carol).delete(f"{LIST}{by_bob.pk}/").status_code == 403
    assert api(world.alice).delete(f"{LIST}{by_bob.pk}/").status_code == 204  # the owner
    # ... but not someone's comment on an asset.
    on_asset = comment(world.bob, world.table_a, "Mine")
    assert api(world.alice).delete(f"{LIST}{on_asset.pk}/").status_code == 403


def test_resolve_and_reopen_a_thread(world, emitted, django_capture_on_commit_callbacks) -> None:
    root = comment(world.alice, world.table_a, "Is this PII?")
    reply = comment(world.bob, world.table_a, "Yes", parent=root)
    bob = api(world.bob)
    with django_capture_on_commit_callbacks(execute=True):
        resolved = bob.post(f"{LIST}{reply.pk}/resolve/")
    assert resolved.status_code == 200
    assert resolved.json()["id"] == root.pk
    assert resolved.json()["resolved_by"] == {"id": world.bob.pk, "name": "bob"}
    assert bob.post(f"{LIST}{root.pk}/resolve/").status_code == 409
    assert bob.post(f"{LIST}{root.pk}/reopen/").json()["resolved_at"] is None
    assert bob.post(f"{LIST}{root.pk}/reopen/").status_code == 409
    assert [k for k, *_ in emitted if k.startswith("comment.")] == ["comment.resolved"]
    # On the workspace, a viewer may read but not write.
    on_ws = comment(world.alice, world.ws, "Plan")
    carol = api(world.carol)
    assert carol.get(f"{LIST}{on_ws.pk}/").status_code == 200
    assert carol.post(f"{LIST}{on_ws.pk}/resolve/").status_code == 403
    assert carol.post(LIST, body_for(world.ws, "me too"), format="json").status_code == 403


def test_an_archived_workspace_is_read_only(world) -> None:
    on_ws = comment(world.alice, world.ws, "Before the archive")
    world.ws.status = WorkspaceStatus.ARCHIVED
    world.ws.save()
    alice = api(world.alice)
    refused = alice.post(LIST, body_for(world.ws, "after"), format="json")
    assert refused.status_code == 409
    assert "archived" in refused.json()["detail"]
    assert alice.patch(f"{LIST}{on_ws.pk}/", {"body": "x"}, format="json").status_code == 409
    assert alice.post(f"{LIST}{on_ws.pk}/resolve/").status_code == 409
    assert alice.delete(f"{LIST}{on_ws.pk}/").status_code == 409
    assert alice.get(f"{LIST}{on_ws.pk}/").status_code == 200
    # Assets pinned in it keep their own conversation.
    assert alice.post(LIST, body_for(world.table_a, "fine"), format="json").status_code == 201


# --- Query counts -------------------------------------------------------------------------------


def test_the_list_costs_the_same_for_one_comment_or_ten(world) -> None:
    comment(world.alice, world.table_a, "one")

    def count() -> int:
        client = api(world.bob)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(queries)

    comment(world.alice, world.column_a, "on a column")
    comment(world.alice, world.ws, "on the workspace")
    count()  # warm-up: a process's first request fills its content type cache (one query each)
    one_of_each = count()
    for i in range(10):
        target = [world.table_a, world.column_a, world.ws][i % 3]
        root = comment(world.alice, target, f"more {i}")
        comment(world.bob, target, f"reply {i}", parent=root)
    assert count() == one_of_each


def test_the_admin_changelists_cost_the_same_for_one_row_or_ten(world, client) -> None:
    from racine.collaboration.models import Task

    def count(url: str) -> int:
        client.force_login(world.bob)
        client.get(url)  # process-wide caches warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    comments = reverse("admin:collaboration_comment_changelist")
    tasks = reverse("admin:collaboration_task_changelist")
    kinds = [world.table_a, world.column_a, world.ws]
    for target in kinds:  # one row of each kind of target (one prefetch query per kind)
        comment(world.alice, target, "one")
        services.create_task(
            actor=fresh(world.alice),
            workspace=world.ws,
            title="t",
            target=None if target is world.ws else target,
            assignee=world.bob,
        )
    few = (count(comments), count(tasks))
    for i in range(10):
        target = kinds[i % 3]
        root = comment(world.alice, target, f"more {i}")
        comment(world.bob, target, f"reply {i}", parent=root)
        services.resolve_thread(actor=fresh(world.alice), comment=root)
        services.create_task(
            actor=fresh(world.alice),
            workspace=world.ws,
            title=f"t{i}",
            target=None if target is world.ws else target,
            assignee=world.carol,
        )
    assert Task.objects.count() == 13
    assert (count(comments), count(tasks)) == few


def test_content_types_of_targets_are_labels(world) -> None:
    ct = ContentType.objects.get_for_model(world.table_a)
    assert f"{ct.app_label}.{ct.model}" == label(world.table_a)
    assert services.target_model("catalog.catalogtable") is type(world.table_a)
    assert services.target_model("collaboration.comment") is None  # not a governed object


# --- The admin's thread page --------------------------------------------------------------------


def test_replying_from_the_admin_goes_through_the_service(world, client) -> None:
    root = comment(world.alice, world.ws, "Agenda?")
    page_url = reverse("admin:collaboration_comment_change", args=[root.pk])
    reply_url = reverse("admin:collaboration_comment_reply", args=[root.pk])
    client.force_login(world.bob)
    page = client.get(page_url)
    assert page.status_code == 200
    assert b'data-mention-target-type="workspaces.workspace"' in page.content
    assert b"collaboration/comments.js" in page.content
    assert client.get(reply_url).status_code == 302  # a GET changes nothing
    response = client.post(reply_url, {"body": "Pins first, @carol"})
    reply = Comment.objects.get(parent=root)
    assert response["Location"] == reverse("admin:collaboration_comment_change", args=[reply.pk])
    assert list(reply.mentions.all()) == [world.carol]
    refused = client.post(reply_url, {"body": "@dave too"}, follow=True)
    assert services.MENTION_REFUSED.format(name="dave").encode() in refused.content
    assert Comment.objects.filter(parent=root).count() == 1
    # A viewer reads the thread but is offered no reply form, and a POST is refused.
    client.force_login(world.carol)
    page = client.get(page_url)
    assert b"may read this conversation but not write" in page.content
    client.post(reply_url, {"body": "me too"})
    assert Comment.objects.filter(parent=root).count() == 1


def test_the_admin_offers_only_the_buttons_the_state_and_user_allow(world, client) -> None:
    root = comment(world.bob, world.table_a, "Ready?")
    url = reverse("admin:collaboration_comment_change", args=[root.pk])

    def buttons(user: Any) -> set[str]:
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200
        return {
            name
            for name in ("resolve", "reopen", "delete-comment")
            if f"/{root.pk}/{name}/".encode() in page.content
        }

    assert buttons(world.bob) == {"resolve", "delete-comment"}
    assert buttons(world.alice) == {"resolve"}
    services.resolve_thread(actor=fresh(world.alice), comment=root)
    assert buttons(world.alice) == {"reopen"}
    page = client.get(url)
    assert b"Resolved by alice" in page.content


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_mention_autocomplete_in_a_real_browser(browser, live_server, world) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    world.bob.set_password("a-Long-pass-phrase-42")
    world.bob.save()
    root = comment(world.alice, world.table_a, "Who owns customers?")
    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("bob")
    browser.find_element(By.NAME, "password").send_keys("a-Long-pass-phrase-42")
    browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    # Signed in (the login's POST answered) before the next page is asked for.
    WebDriverWait(browser, 10).until(lambda b: "/login/" not in b.current_url)
    browser.get(live_server.url + reverse("admin:collaboration_comment_change", args=[root.pk]))
    boxes = browser.find_elements(By.CSS_SELECTOR, "#comment-reply textarea")
    assert boxes, browser.find_element(By.TAG_NAME, "body").text[:600]
    box = boxes[0]
    box.send_keys("Ask @ca")
    option = WebDriverWait(browser, 10).until(
        expected_conditions.visibility_of_element_located(
            (By.CSS_SELECTOR, ".mention-menu [data-username]")
        )
    )
    # Only people who may see the table: carol reads A; no one else starts with "ca".
    options = browser.find_elements(By.CSS_SELECTOR, ".mention-menu [data-username]")
    assert [o.get_attribute("data-username") for o in options] == ["carol"]
    assert option.text.startswith("@carol")
    box.send_keys(Keys.ENTER)
    assert box.get_attribute("value") == "Ask @carol "
    box.send_keys("please")
    browser.find_element(By.CSS_SELECTOR, "#comment-reply [type=submit]").click()
    WebDriverWait(browser, 10).until(
        expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "body"), "Reply posted")
    )
    reply = Comment.objects.get(parent=root)
    assert reply.body == "Ask @carol please"
    assert list(reply.mentions.all()) == [world.carol]
