"""Scan rule sets are shared by the scans of every collection: any signed-in user reads them;
writing needs ``manage_datasources`` held platform-wide (or superuser), never a role on one
collection. Deleting one in use or a system one is a clear 409, never a server error."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from governance.rbac import services as rbac
from governance.rbac.models import Role
from governance.scanrules import services
from governance.scanrules.models import ScanRuleSet
from pursight import permissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def dsadmin_a(make_user: Any, make_collection: Any) -> Any:
    """A Data Source Admin of collection A only."""
    user = make_user("dsadmin-a")
    rbac.assign_role(
        actor=None,
        role=Role.objects.get(slug="data-source-admin"),
        collection=make_collection("A"),
        user=user,
    )
    return user


@pytest.fixture
def platform_dsadmin(make_user: Any, grant_platform: Any) -> Any:
    return grant_platform(make_user("platform-dsadmin"), "manage_datasources")


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _custom(actor: Any = None) -> ScanRuleSet:
    return ScanRuleSet.objects.create(name="Sales only", include_schemas=["sales"])


def test_registered_as_a_global_model():
    assert permissions.is_global(ScanRuleSet)
    actions = permissions.securable(ScanRuleSet).actions
    assert actions["view"] == permissions.SIGNED_IN
    assert actions["add"] == actions["change"] == actions["delete"] == "manage_datasources"


def test_role_on_one_collection_never_writes_rule_sets(dsadmin_a):
    rule_set = _custom()
    client = _api(dsadmin_a)
    assert client.get("/api/v1/scan-rule-sets/").status_code == 200
    url = f"/api/v1/scan-rule-sets/{rule_set.pk}/"
    assert client.get(url).status_code == 200
    assert client.patch(url, {"sample_size": 5}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    r = client.post("/api/v1/scan-rule-sets/", {"name": "Mine"}, format="json")
    assert r.status_code == 403
    assert ScanRuleSet.objects.get(pk=rule_set.pk).sample_size == 100
    rule_set.sample_size = 5
    with pytest.raises(permissions.PermissionDenied):
        services.save_rule_set(actor=dsadmin_a, rule_set=rule_set)
    with pytest.raises(permissions.PermissionDenied):
        services.delete_rule_set(actor=dsadmin_a, rule_set=rule_set)


def test_platform_data_source_admin_writes_rule_sets(platform_dsadmin):
    rule_set = _custom()
    client = _api(platform_dsadmin)
    url = f"/api/v1/scan-rule-sets/{rule_set.pk}/"
    r = client.patch(url, {"sample_size": 5}, format="json")
    assert r.status_code == 200, r.content
    r = client.post("/api/v1/scan-rule-sets/", {"name": "Mine"}, format="json")
    assert r.status_code == 201, r.content
    assert client.delete(url).status_code == 204
    assert not ScanRuleSet.objects.filter(pk=rule_set.pk).exists()


def test_deleting_a_rule_set_in_use_or_a_system_one_is_a_409(
    platform_dsadmin, make_source, shop_db
):
    from governance.scans.models import Scan

    rule_set = _custom()
    source = make_source(shop_db)
    Scan.objects.create(name="custom", datasource=source, rule_set=rule_set)
    client = _api(platform_dsadmin)
    r = client.delete(f"/api/v1/scan-rule-sets/{rule_set.pk}/")
    assert r.status_code == 409, r.content
    assert "used by scans" in r.json()["detail"] and source.name not in str(r.json())
    system = services.default_rule_set("sqlite")
    assert client.delete(f"/api/v1/scan-rule-sets/{system.pk}/").status_code == 409
    assert ScanRuleSet.objects.filter(pk__in=[rule_set.pk, system.pk]).count() == 2


def test_admin_reads_for_all_writes_for_platform(dsadmin_a, platform_dsadmin, client):
    rule_set = _custom()
    client.force_login(dsadmin_a)
    page = client.get("/admin/scanrules/scanruleset/")
    assert page.status_code == 200 and not page.context["has_add_permission"]
    change = client.get(f"/admin/scanrules/scanruleset/{rule_set.pk}/change/")
    assert change.status_code == 200 and not change.context["has_change_permission"]
    assert client.post(f"/admin/scanrules/scanruleset/{rule_set.pk}/delete/", {"post": "yes"})
    assert ScanRuleSet.objects.filter(pk=rule_set.pk).exists()
    client.force_login(platform_dsadmin)
    change = client.get(f"/admin/scanrules/scanruleset/{rule_set.pk}/change/")
    assert change.context["has_change_permission"]
