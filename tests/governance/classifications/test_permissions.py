"""The classification library acts on every collection at once: a role on one collection never
changes it. Info types, sensitivity labels, label policies and model versions are global models
of the gate: any signed-in user reads them; writing (and activating a model) needs
``curate_catalog`` held platform-wide, or superuser."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from governance.classifications import services
from governance.classifications.models import (
    Classification,
    ClassifierModel,
    LabelPolicy,
    SensitivityLabel,
)
from pursight import permissions

pytestmark = pytest.mark.django_db

GLOBAL_MODELS = (Classification, SensitivityLabel, LabelPolicy, ClassifierModel)


@pytest.fixture
def curator_a(make_user: Any, make_collection: Any, assign: Any) -> Any:
    """A Data Curator of collection A only."""
    user = make_user("curator-a")
    assign(user, "data-curator", make_collection("A"))
    return user


@pytest.fixture
def platform_curator(make_user: Any, grant_platform: Any) -> Any:
    return grant_platform(make_user("platform-curator"), "curate_catalog")


@pytest.fixture
def role(db: Any) -> Any:
    from governance.rbac.models import Role

    return lambda slug: Role.objects.get(slug=slug)


@pytest.fixture
def assign(role: Any) -> Any:
    from governance.rbac import services as rbac

    return lambda user, slug, collection: rbac.assign_role(
        actor=None, role=role(slug), collection=collection, user=user
    )


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("model", GLOBAL_MODELS, ids=lambda m: m.__name__)
def test_registered_as_global_models(model):
    assert permissions.is_global(model)
    actions = permissions.securable(model).actions
    assert actions["view"] == permissions.SIGNED_IN
    assert actions["add"] == actions["change"] == "curate_catalog"


def test_curator_of_one_collection_cannot_deactivate_a_system_info_type(curator_a):
    email = Classification.objects.get(code="EMAIL_ADDRESS")
    client = _api(curator_a)
    assert client.get(f"/api/v1/classifications/{email.pk}/").status_code == 200
    r = client.patch(f"/api/v1/classifications/{email.pk}/", {"is_active": False}, "json")
    assert r.status_code == 403
    assert Classification.objects.get(pk=email.pk).is_active
    payload = {"code": "BADGE_ID", "name": "Badge", "default_label": "Internal",
               "column_name_regex": r"\bbadge\b"}  # fmt: skip
    assert client.post("/api/v1/classifications/", payload, format="json").status_code == 403
    assert not Classification.objects.filter(code="BADGE_ID").exists()
    email.is_active = False
    with pytest.raises(permissions.PermissionDenied):
        services.save_classification(actor=curator_a, classification=email)
    assert Classification.objects.get(pk=email.pk).is_active


def test_platform_curator_changes_the_library(platform_curator, admin_user):
    email = Classification.objects.get(code="EMAIL_ADDRESS")
    for user in (platform_curator, admin_user):
        r = _api(user).patch(f"/api/v1/classifications/{email.pk}/", {"is_active": False}, "json")
        assert r.status_code == 200, r.content
        assert not Classification.objects.get(pk=email.pk).is_active
        email.is_active = True
        services.save_classification(actor=user, classification=email)


def test_label_policies_need_a_platform_grant(curator_a, platform_curator):
    email = Classification.objects.get(code="EMAIL_ADDRESS")
    high = SensitivityLabel.objects.get(name="Highly Confidential")
    with pytest.raises(permissions.PermissionDenied):
        services.set_label_policy(actor=curator_a, classification=email, label=high)
    assert not LabelPolicy.objects.exists()
    services.set_label_policy(actor=platform_curator, classification=email, label=high)
    assert LabelPolicy.objects.get().label == high
    with pytest.raises(permissions.PermissionDenied):
        services.set_label_policy(actor=curator_a, classification=email, label=None)
    assert LabelPolicy.objects.exists()


def _model_row(version: str) -> ClassifierModel:
    from django.utils import timezone

    return ClassifierModel.objects.create(
        version=version, data=b"", trained_at=timezone.now(), metadata={}
    )


def test_activating_a_model_needs_a_platform_grant(curator_a, platform_curator):
    row = _model_row("v-test")
    with pytest.raises(permissions.PermissionDenied):
        services.activate_model(row, actor=curator_a)
    assert not ClassifierModel.objects.get(pk=row.pk).is_active
    with pytest.raises(permissions.PermissionDenied):
        services.train_and_activate(actor=curator_a, small=True)
    services.activate_model(row, actor=platform_curator)
    assert ClassifierModel.objects.get(pk=row.pk).is_active


def test_admin_shows_curators_of_one_collection_a_read_only_library(curator_a, client):
    email = Classification.objects.get(code="EMAIL_ADDRESS")
    client.force_login(curator_a)
    page = client.get("/admin/classifications/classification/")
    assert page.status_code == 200 and not page.context["has_add_permission"]
    assert client.get("/admin/classifications/classification/add/").status_code == 403
    change = client.get(f"/admin/classifications/classification/{email.pk}/change/")
    assert change.status_code == 200 and not change.context["has_change_permission"]
    r = client.post(
        f"/admin/classifications/classification/{email.pk}/change/",
        {"description": "x", "default_label": email.default_label_id},
    )
    assert r.status_code == 403
    assert Classification.objects.get(pk=email.pk).is_active
    page = client.get("/admin/classifications/labelpolicy/")
    assert page.status_code == 200 and not page.context["has_add_permission"]
    assert client.get("/admin/classifications/labelpolicy/add/").status_code == 403


def test_admin_activate_button_only_for_those_who_may(curator_a, platform_curator, client):
    row = _model_row("v-admin")
    url = "/admin/classifications/classifiermodel/"
    client.force_login(curator_a)
    page = client.get(url)
    assert page.status_code == 200
    assert "activate" not in page.context["cl"].model_admin.get_actions(page.wsgi_request)
    client.post(url, {"action": "activate", "_selected_action": [row.pk]})
    assert not ClassifierModel.objects.get(pk=row.pk).is_active
    client.force_login(platform_curator)
    page = client.get(url)
    assert "activate" in page.context["cl"].model_admin.get_actions(page.wsgi_request)
    r = client.post(url, {"action": "activate", "_selected_action": [row.pk]})
    assert r.status_code == 302
    assert ClassifierModel.objects.get(pk=row.pk).is_active


def test_admin_platform_curator_edits_classifications(platform_curator, client):
    email = Classification.objects.get(code="EMAIL_ADDRESS")
    client.force_login(platform_curator)
    change = client.get(f"/admin/classifications/classification/{email.pk}/change/")
    assert change.status_code == 200 and change.context["has_change_permission"]
    assert client.get("/admin/classifications/classification/add/").status_code == 200
