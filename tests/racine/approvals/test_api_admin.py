"""The approvals API and console pages: hidden equals missing, decisions by POST only, a
constant number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.catalog import classifying
from governance.catalog.models import ColumnClassification
from governance.rbac.models import Role
from pursight import changes
from racine.approvals.models import ApprovalRequest, Status

pytestmark = pytest.mark.django_db
API = "/api/v1/approvals/"
ACCESS = "/api/v1/access-requests/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def held(world, policy):
    policy()
    row = ColumnClassification.objects.get(pk=world.row.pk)
    result = classifying.accept_classification(actor=world.fresh(world.curator), classification=row)
    return changes.pending_of(result).request


def test_list_and_detail_hide_what_one_may_not_see(world, held):
    for name, listed in (("curator", 1), ("steward", 1), ("admin", 1), ("hr_admin", 0)):
        client = api(world.fresh(getattr(world, name)))
        body = client.get(API).json()
        assert body["count"] == listed, name
        detail = client.get(f"{API}{held.pk}/")
        missing = client.get(f"{API}999999/")
        assert detail.status_code == (200 if listed else 404), name
        if not listed:
            assert detail.json() == missing.json()  # the same answer as a missing one
    assert APIClient().get(API).status_code in (401, 403)


def test_api_decisions(world, held):
    url = f"{API}{held.pk}/"
    # Not a reviewer (HR admin): hidden → 404, like a missing one.
    assert api(world.fresh(world.hr_admin)).post(f"{url}approve/").status_code == 404
    # The requester: visible, may not approve their own → 403.
    response = api(world.fresh(world.curator)).post(f"{url}approve/")
    assert response.status_code == 403 and "own request" in response.json()["detail"]
    # A reject without a reason: 400 with the field.
    response = api(world.fresh(world.steward)).post(f"{url}reject/", {}, format="json")
    assert response.status_code == 400 and "comment" in response.json()
    # A GET never decides.
    assert api(world.fresh(world.steward)).get(f"{url}approve/").status_code == 405
    response = api(world.fresh(world.steward)).post(
        f"{url}approve/", {"comment": "Fine"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved" and body["approvals"] == 1
    assert body["decisions"][0]["comment"] == "Fine"
    assert ColumnClassification.objects.get(pk=world.row.pk).status == "accepted"
    # Decided already: 409.
    assert api(world.fresh(world.curator2)).post(f"{url}approve/").status_code == 409
    # waiting_for_me filter.
    assert (
        api(world.fresh(world.curator2)).get(API, {"waiting_for_me": "true"}).json()["count"] == 0
    )


def test_list_queries_are_constant(world, policy):
    policy()
    client = api(world.fresh(world.admin))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(API).status_code == 200
        return len(ctx.captured_queries)

    row = ColumnClassification.objects.get(pk=world.row.pk)
    classifying.accept_classification(actor=world.fresh(world.curator), classification=row)
    count()  # the gate's scopes are resolved once per user object (force_authenticate keeps it)
    one = count()
    for user in (world.curator2, world.steward):
        row.status = "suggested"
        row.save()
        classifying.reject_classification(actor=world.fresh(user), classification=row)
    assert ApprovalRequest.objects.count() == 3
    assert count() == one


def test_access_request_api(world):
    curator = Role.objects.get(slug="data-curator")
    client = api(world.fresh(world.outsider))
    assert client.post(ACCESS, {}, format="json").status_code == 400
    # A hidden collection: the same answer as a missing one.
    hidden = client.post(
        ACCESS,
        {"collection": world.finance.pk, "role": curator.pk, "justification": "x"},
        format="json",
    )
    missing = client.post(
        ACCESS, {"collection": 999999, "role": curator.pk, "justification": "x"}, format="json"
    )
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["collection"][0].replace(str(world.finance.pk), "N") == missing.json()[
        "collection"
    ][0].replace("999999", "N")
    response = client.post(
        ACCESS,
        {"collection": world.hr.pk, "role": curator.pk, "justification": "Audit"},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert client.post(f"{ACCESS}{pk}/approve/").status_code == 403  # own request
    assert api(world.fresh(world.admin)).get(f"{ACCESS}{pk}/").status_code == 404
    response = api(world.fresh(world.hr_admin)).post(f"{ACCESS}{pk}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "granted"
    assert client.post(f"{ACCESS}{pk}/withdraw/").status_code == 409


def test_review_page_and_post_buttons(world, held, client):
    url = f"/admin/approvals/approvalrequest/{held.pk}/review/"
    client.force_login(world.fresh(world.steward))
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="approval-decide"' in html and "Approve" in html and "Reject" in html
    decide = f"/admin/approvals/approvalrequest/{held.pk}/decide/approve/"
    assert client.get(decide).status_code == 302  # a GET only goes back to the page
    assert ApprovalRequest.objects.get(pk=held.pk).status == Status.PENDING
    response = client.post(decide, {"comment": "ok"})
    assert response.status_code == 302
    assert ApprovalRequest.objects.get(pk=held.pk).status == Status.APPROVED
    assert ColumnClassification.objects.get(pk=world.row.pk).status == "accepted"
    # The change page is the review page; hidden answers like missing.
    client.force_login(world.fresh(world.hr_admin))
    hidden = client.get(url)
    missing = client.get("/admin/approvals/approvalrequest/999999/review/")
    assert hidden.status_code == missing.status_code == 404


def test_requester_sees_no_buttons_and_why(world, held, client):
    client.force_login(world.fresh(world.curator))
    html = client.get(f"/admin/approvals/approvalrequest/{held.pk}/change/").content.decode()
    assert 'id="approval-decide"' not in html and "Nobody approves their own request" in html
    assert 'id="approval-withdraw"' in html


def test_changelist_queries_are_constant(world, policy, client):
    policy()
    client.force_login(world.fresh(world.admin))
    url = "/admin/approvals/approvalrequest/"
    row = ColumnClassification.objects.get(pk=world.row.pk)
    classifying.accept_classification(actor=world.fresh(world.curator), classification=row)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            assert response.status_code == 200
        return len(ctx.captured_queries)

    client.get(url)
    one = count()
    for user in (world.curator2, world.steward):
        classifying.reject_classification(actor=world.fresh(user), classification=row)
    assert count() == one
    # The waiting filter and the outsider's empty list.
    assert client.get(url, {"waiting": "me"}).status_code == 200
    client.force_login(world.fresh(world.outsider))
    response = client.get(url)
    assert response.status_code == 200 and not response.context["cl"].result_list


def test_access_request_admin_flow(world, client):
    curator = Role.objects.get(slug="data-curator")
    client.force_login(world.fresh(world.outsider))
    form = client.get("/admin/approvals/accessrequest/add/")
    choices = {c.pk for c in form.context["adminform"].form.fields["collection"].queryset}
    assert choices == {world.hr.pk}
    response = client.post(
        "/admin/approvals/accessrequest/add/",
        {
            "collection": world.hr.pk,
            "role": curator.pk,
            "justification": "Close",
            "expires_at_0": "",
            "expires_at_1": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    request = ApprovalRequest.objects.get(kind="access.grant")
    assert response["Location"] == f"/admin/approvals/approvalrequest/{request.pk}/review/"


def test_access_request_admin_form_errors_keep_the_input(world, client):
    curator = Role.objects.get(slug="data-curator")
    client.force_login(world.fresh(world.outsider))
    data = {
        "collection": world.hr.pk,
        "role": curator.pk,
        "justification": "Close",
        "expires_at_0": "",
        "expires_at_1": "",
    }
    assert client.post("/admin/approvals/accessrequest/add/", data).status_code == 302
    again = client.post("/admin/approvals/accessrequest/add/", data)
    assert again.status_code == 200
    form = again.context["adminform"].form
    assert "already asked" in str(form.errors["role"]) and form.data["justification"] == "Close"


def test_an_api_change_held_for_approval_answers_202_naming_the_request(world, policy) -> None:
    from rest_framework.test import APIClient

    from racine.approvals.models import ApprovalRequest

    client = APIClient()
    client.force_authenticate(world.fresh(world.curator))
    url = f"/api/v1/catalog/classifications/{world.row.pk}/"
    first = client.post(f"{url}reject/", {"reason": "Test data"})  # no policy yet: applied
    assert first.status_code == 200 and "X-PurSight-Approval" not in first
    policy()
    response = client.post(f"{url}accept/")
    held = ApprovalRequest.objects.get()
    assert response.status_code == 202
    assert response["X-PurSight-Approval"] == str(held.pk)
    world.row.refresh_from_db()
    assert world.row.status == "rejected"  # nothing applied until it is approved
