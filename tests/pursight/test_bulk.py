"""``pursight.bulk.insert_select``: rows computed by a query, inserted in one statement."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Concat, Upper
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pursight.bulk import insert_select

pytestmark = pytest.mark.django_db


def test_inserts_one_row_per_source_row_in_one_statement():
    for name in ("alpha", "beta", "gamma"):
        Group.objects.create(name=name)
    User = get_user_model()
    source = Group.objects.filter(name__in=["alpha", "beta"])
    with CaptureQueriesContext(connection) as ctx:
        count = insert_select(
            User,
            source,
            {"username": Concat(Value("user-"), F("name")), "last_name": Upper("name")},
        )
    assert count == 2
    assert len(ctx.captured_queries) == 1
    assert ctx.captured_queries[0]["sql"].startswith("INSERT INTO")
    assert "SELECT" in ctx.captured_queries[0]["sql"]
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {"user-alpha", "user-beta"}
    assert users["user-alpha"].last_name == "ALPHA"


def test_fields_left_out_take_their_defaults_or_null():
    Group.objects.create(name="g")
    User = get_user_model()
    before = timezone.now()
    insert_select(User, Group.objects.all(), {"username": F("name")})
    user = User.objects.get(username="g")
    assert user.is_active is True and user.is_staff is False  # declared defaults
    assert user.password == "" and user.email == ""  # text fields: empty
    assert user.last_login is None  # nullable without a default
    assert user.date_joined >= before  # callable default, called once


def test_constants_and_an_empty_source():
    User = get_user_model()
    assert insert_select(User, Group.objects.none(), {"username": Value("x")}) == 0
    assert insert_select(User, Group.objects.all(), {"username": Value("x")}) == 0
    Group.objects.create(name="one")
    assert insert_select(User, Group.objects.all(), {"username": Value("constant")}) == 1
    assert User.objects.filter(username="constant").exists()


def test_a_required_field_without_value_or_default_is_refused():
    Group.objects.create(name="g")
    with pytest.raises(ValueError, match="content_type_id"):
        insert_select(Permission, Group.objects.all(), {"codename": F("name")})
    with pytest.raises(ValueError, match="no field"):
        insert_select(Group, Group.objects.all(), {"name": F("name"), "colour": Value(1)})
    assert Group.objects.count() == 1
