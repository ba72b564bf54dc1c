"""File-based sources (SQLite) are confined to PURSIGHT_FILE_SOURCE_ROOTS and never reach
PurSight's own files: on save (API, admin, command) and again at connect time."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from governance.datasources import files, services
from governance.datasources.connectors import ConnectionParams, ConnectorError, get_connector
from governance.datasources.connectors.files import FileAccess
from governance.datasources.models import DataSource
from governance.scans.models import ScanRun

SHOP = "CREATE TABLE t (a TEXT); INSERT INTO t VALUES ('x');"


def make_db(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(SHOP)
    con.close()
    return path


def refused(func, *words: str) -> ConnectorError:
    with pytest.raises(ConnectorError) as info:
        func()
    assert info.value.code == "invalid_config", info.value
    for word in words:
        assert word in str(info.value)
    return info.value


def lite(path: str | Path, access: FileAccess | None, **options: str):
    params = ConnectionParams("sqlite", database=str(path), options=options)
    return get_connector(params, file_access=access)


# --- the connector (no Django) -----------------------------------------------------------------
def test_connector_without_roots_opens_no_file(tmp_path: Path) -> None:
    db = make_db(tmp_path / "a.sqlite")
    refused(lambda: lite(db, None), "disabled", "PURSIGHT_FILE_SOURCE_ROOTS")
    refused(lambda: lite(db, FileAccess()), "PURSIGHT_FILE_SOURCE_ROOTS")


def test_connector_confines_paths_to_the_roots(tmp_path: Path) -> None:
    root = tmp_path / "root"
    inside = make_db(root / "sub" / "a.sqlite")
    outside = make_db(tmp_path / "outside.sqlite")
    access = FileAccess(roots=(os.path.realpath(root),))
    with lite(inside, access) as ok:
        assert ok.test_connection().ok
    for path in (
        outside,
        "/etc/passwd",
        f"{root}/sub/../../outside.sqlite",  # .. leaves the root
        f"{root}/../root/../outside.sqlite",
    ):
        err = refused(lambda p=path: lite(p, access), "not inside a directory allowed")
        assert "outside.sqlite' does not exist" not in str(err)
    link = root / "link.sqlite"
    link.symlink_to(outside)  # a link inside the root to a file outside it
    refused(lambda: lite(link, access), "not inside")
    dir_link = root / "dirlink"
    dir_link.symlink_to(tmp_path)
    refused(lambda: lite(dir_link / "outside.sqlite", access), "not inside")


def test_connector_refuses_sqlite_uris_options_and_relative_paths(tmp_path: Path) -> None:
    db = make_db(tmp_path / "a.sqlite")
    access = FileAccess(roots=(os.path.realpath(tmp_path),))
    for path in (
        f"file:{db}",
        f"FILE:{db}?mode=rwc",
        f"{db}?mode=rwc",
        f"{db}#x",
        f"{db}?vfs=unix",
    ):
        refused(lambda p=path: lite(p, access), "SQLite URIs")
    refused(lambda: lite("a.sqlite", access), "absolute path")
    refused(lambda: lite("~/a.sqlite", access), "absolute path")
    for option in ("mode", "uri", "vfs", "cache", "nolock"):
        refused(lambda o=option: lite(db, access, **{o: "rwc"}), "unsupported option")


def test_connector_never_opens_protected_files_even_inside_a_root(tmp_path: Path) -> None:
    var = tmp_path / "var"
    own_db = make_db(var / "pursight.sqlite3")
    demo = make_db(var / "demo" / "shop.sqlite")
    elsewhere = make_db(tmp_path / "data" / "ok.sqlite")
    access = FileAccess(
        roots=(os.path.realpath(tmp_path),),
        protected_files=(os.path.realpath(own_db),),
        protected_dirs=(os.path.realpath(var),),
        exempt_dirs=(os.path.realpath(var / "demo"),),
    )
    refused(lambda: lite(own_db, access), "not inside")
    refused(lambda: lite(make_db(var / "other.sqlite"), access), "not inside")
    with lite(demo, access) as ok:  # the exempt demo directory
        assert ok.test_connection().ok
    with lite(elsewhere, access) as ok:
        assert ok.test_connection().ok
    # A hard link to the protected database under another name, in an allowed directory.
    hard = tmp_path / "data" / "innocent.sqlite"
    os.link(own_db, hard)
    connector = lite(hard, access)
    refused(connector.test_connection, "not inside")


def test_connector_checks_again_at_connect_time(tmp_path: Path) -> None:
    """A file swapped for a link after the connector (or the row) was checked is refused."""
    root = tmp_path / "root"
    db = make_db(root / "a.sqlite")
    secret = make_db(tmp_path / "secret.sqlite")
    connector = lite(db, FileAccess(roots=(os.path.realpath(root),)))
    db.unlink()
    db.symlink_to(secret)
    refused(connector.test_connection, "not inside")


# --- the server's policy (settings) ------------------------------------------------------------
def test_policy_protects_database_files_var_and_code(monkeypatch, tmp_path: Path) -> None:
    var, demo, code = tmp_path / "var", tmp_path / "var" / "demo", tmp_path / "code"
    fake = SimpleNamespace(
        DATABASES={
            "default": {"NAME": str(var / "pursight.sqlite3")},
            "other": {
                "NAME": "file:memorydb?mode=memory",
                "TEST": {"NAME": str(tmp_path / "t.db")},
            },
        },
        VAR_DIR=var,
        BASE_DIR=code,
        PURSIGHT_DEMO_DIR=demo,
        PURSIGHT_FILE_SOURCE_ROOTS=["/", "relative/ignored", ""],
    )
    monkeypatch.setattr(files, "settings", fake)
    access = files.file_access()
    own = os.path.realpath(var / "pursight.sqlite3")
    assert {own, own + "-wal", own + "-shm", own + "-journal"} <= set(access.protected_files)
    assert os.path.realpath(tmp_path / "t.db") in access.protected_files
    assert access.roots == ("/",)
    allowed = {
        p: access.allows(os.path.realpath(p))
        for p in (own, str(var / "x.db"), str(code / "x.db"), str(demo / "x.db"), "/srv/x.db")
    }
    assert allowed == {
        own: False,
        str(var / "x.db"): False,
        str(code / "x.db"): False,
        str(demo / "x.db"): True,
        "/srv/x.db": True,
    }
    # The demo directory is exempt only strictly inside, and never when it holds PurSight's own.
    for bad_demo in (var, tmp_path, code / ".."):
        fake.PURSIGHT_DEMO_DIR = bad_demo
        assert files.file_access().exempt_dirs == ()
    fake.PURSIGHT_DEMO_DIR = demo
    fake.DATABASES["default"]["NAME"] = str(demo / "pursight.sqlite3")
    assert files.file_access().exempt_dirs == ()


# --- registration and connection through the services --------------------------------------------
@pytest.fixture
def admin_on(make_user, make_collection, grant):
    collection = make_collection("Sales")
    user = make_user("dsa")
    grant(user, "manage_datasources", collection)
    grant(user, "view_catalog", collection)
    return user, collection


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_sqlite(user, collection, database: str):
    return api(user).post(
        "/api/v1/datasources/",
        {"name": "f", "kind": "sqlite", "database": database, "collection": collection.pk},
        format="json",
    )


@pytest.mark.django_db
def test_api_refuses_paths_outside_the_roots(admin_on, settings, tmp_path) -> None:
    user, collection = admin_on
    settings.PURSIGHT_FILE_SOURCE_ROOTS = [str(tmp_path / "root")]
    make_db(tmp_path / "root" / "ok.sqlite")
    make_db(tmp_path / "outside.sqlite")
    for database in (
        "/etc/passwd",
        str(tmp_path / "outside.sqlite"),
        f"{tmp_path}/root/../outside.sqlite",
    ):
        response = post_sqlite(user, collection, database)
        assert response.status_code == 400, response.content
        assert "not inside a directory allowed" in response.json()["database"][0]
    for database in (f"{tmp_path}/root/ok.sqlite?mode=rwc", f"file:{tmp_path}/root/ok.sqlite"):
        response = post_sqlite(user, collection, database)
        assert response.status_code == 400 and "SQLite URIs" in str(response.json())
    response = api(user).post(
        "/api/v1/datasources/",
        {
            "name": "f",
            "kind": "sqlite",
            "database": str(tmp_path / "root" / "ok.sqlite"),
            "options": {"mode": "rwc"},
            "collection": collection.pk,
        },
        format="json",
    )
    assert response.status_code == 400 and "unsupported option" in str(response.json()).lower()
    assert not DataSource.objects.exists()
    response = post_sqlite(user, collection, str(tmp_path / "root" / "ok.sqlite"))
    assert response.status_code == 201, response.content
    test = api(user).post(f"/api/v1/datasources/{response.json()['id']}/test/").json()
    assert test["ok"] is True


@pytest.mark.django_db
def test_no_roots_means_no_file_source(admin_on, settings, tmp_path) -> None:
    user, collection = admin_on
    settings.PURSIGHT_FILE_SOURCE_ROOTS = []
    response = post_sqlite(user, collection, str(make_db(tmp_path / "a.sqlite")))
    assert response.status_code == 400
    message = response.json()["database"][0]
    assert "disabled" in message and "PURSIGHT_FILE_SOURCE_ROOTS" in message


@pytest.mark.django_db
def test_pursight_own_files_are_refused_even_inside_a_root(admin_on, settings, tmp_path) -> None:
    user, collection = admin_on
    settings.PURSIGHT_FILE_SOURCE_ROOTS = ["/"]
    link = tmp_path / "looks-fine.sqlite"
    link.symlink_to(Path(settings.VAR_DIR) / "pursight.sqlite3")
    for database in (
        str(Path(settings.VAR_DIR) / "pursight.sqlite3"),
        str(Path(settings.VAR_DIR) / "dev-credentials-key"),
        str(Path(settings.BASE_DIR) / "manage.py"),
        str(link),
    ):
        response = post_sqlite(user, collection, database)
        assert response.status_code == 400, database
        assert "not inside a directory allowed" in response.json()["database"][0]
    assert not DataSource.objects.exists()


@pytest.mark.django_db
def test_an_old_row_cannot_bypass_the_check(admin_on, make_source, scan_source, shop_db) -> None:
    """A row saved before the rule (or written behind the services) is refused on connect."""
    user, collection = admin_on
    source = make_source(shop_db, collection=collection)
    DataSource.objects.filter(pk=source.pk).update(database="/etc/passwd")
    body = api(user).post(f"/api/v1/datasources/{source.pk}/test/").json()
    assert body["ok"] is False and body["code"] == "invalid_config"
    assert "not inside a directory allowed" in body["message"]
    source.refresh_from_db()
    run = scan_source(source)
    assert run.state == "failed" and "not inside a directory allowed" in run.error
    assert ScanRun.objects.get().tables_seen == 0


@pytest.mark.django_db
def test_admin_form_refuses_a_path_outside_the_roots(client, admin_on, settings) -> None:
    user, collection = admin_on
    settings.PURSIGHT_FILE_SOURCE_ROOTS = []
    client.force_login(user)
    response = client.post(
        "/admin/datasources/datasource/add/",
        {
            "name": "passwd",
            "kind": "sqlite",
            "database": "/etc/passwd",
            "options": "{}",
            "collection": collection.pk,
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "PURSIGHT_FILE_SOURCE_ROOTS" in response.content.decode()
    assert not DataSource.objects.exists()


@pytest.mark.django_db
def test_add_datasource_command_refuses_paths_outside_the_roots(settings, tmp_path) -> None:
    settings.PURSIGHT_FILE_SOURCE_ROOTS = [str(tmp_path)]
    db = make_db(tmp_path / "ok.sqlite")
    for url, words in (
        ("sqlite:////etc/passwd", "not inside"),
        (f"sqlite:///{db}?mode=rwc", "(?i)unsupported option"),
        ("sqlite:///relative.db", "absolute path"),
    ):
        with pytest.raises(CommandError, match=words):
            call_command("add_datasource", "--name", "x", "--url", url)
    assert not DataSource.objects.exists()
    call_command("add_datasource", "--name", "x", "--url", f"sqlite:///{db}")
    assert services.test_connection(actor=None, source=DataSource.objects.get()).ok


@pytest.mark.django_db
def test_demo_refuses_to_run_when_its_directory_is_not_a_root(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    settings.PURSIGHT_DEMO_DIR = tmp_path / "demo"
    settings.PURSIGHT_FILE_SOURCE_ROOTS = []
    with pytest.raises(CommandError, match="PURSIGHT_FILE_SOURCE_ROOTS"):
        call_command("demo")
    assert not DataSource.objects.exists()
    shutil.rmtree(tmp_path / "demo", ignore_errors=True)
