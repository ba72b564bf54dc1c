"""File sources read with DuckDB: layout (files, pattern groups, Hive partitions), bad files,
rescans, confinement to the file roots, and the whole scan (catalog, classification, contains
results) on generated trees."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from django.core.exceptions import ValidationError

from governance.datasources.connectors import (
    ConnectionParams,
    ConnectorError,
    KnownSchema,
    duckdb_files,
    get_connector,
)
from governance.datasources.connectors.files import FileAccess, not_allowed

NAMES = ["Ann Smith", "Bob Jones", "Chloé Martin", "Dieter Müller", "Eve Brown"]


def copy_to(sql: str, path: Path, fmt: str = "csv") -> Path:
    """Write ``sql``'s rows to ``path`` with DuckDB (CSV with a header, or Parquet/JSON)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"csv": "FORMAT csv, HEADER", "tsv": "FORMAT csv, HEADER, DELIMITER '\t'"}.get(
        fmt, f"FORMAT {'json' if fmt == 'jsonl' else fmt}"
    )
    con = duckdb.connect()
    con.execute(f"COPY ({sql}) TO '{path}' ({options})")
    con.close()
    return path


def people_sql(n: int = 40, offset: int = 0) -> str:
    return (
        f"SELECT i + {offset} AS id, 'person' || (i + {offset}) || '@example.com' AS email, "
        "'order ' || i || ' for customer, call +44 20 7946 0' || lpad((i % 1000)::VARCHAR, 3, '0')"
        f" || ' if late' AS notes FROM range({n}) t(i)"
    )


def lake(root: Path) -> Path:
    """A tree with every layout: Hive partitions, a pattern group, single files of each format."""
    for year in (2023, 2024):
        for month in ("01", "02"):
            copy_to(
                f"SELECT i AS event_id, '10.0.{month[-1]}.' || i AS client_ip FROM range(25) t(i)",
                root / "events" / f"year={year}" / f"month={month}" / "part-0.parquet",
                "parquet",
            )
    for k in range(1, 4):
        copy_to(people_sql(30, 100 * k), root / "sales" / f"sales_2024_{k:02d}.csv")
    copy_to("SELECT 'FR' AS country, 3 AS qty FROM range(5)", root / "sales" / "stock.tsv", "tsv")
    copy_to(people_sql(20), root / "people.jsonl", "jsonl")
    (root / "_SUCCESS").write_text("")  # hidden: skipped
    (root / ".cache").mkdir()
    (root / ".cache" / "x.csv").write_text("a\n1\n")
    (root / "README.txt").write_text("not a data file")
    return root


def access_for(*roots: Path, **kw) -> FileAccess:
    return FileAccess(roots=tuple(os.path.realpath(r) for r in roots), **kw)


def files_connector(path: Path | str, access: FileAccess | None, **options):
    params = ConnectionParams("files", database=str(path), options=options)
    return get_connector(params, file_access=access)


def tables_of(connector) -> dict[tuple[str, str], object]:
    return {(t.schema, t.name): t for t in connector.discover()}


@pytest.fixture(autouse=True)
def fresh_cache():
    duckdb_files._schema_cache.clear()
    yield
    duckdb_files._schema_cache.clear()


# --- layout ---------------------------------------------------------------------------------------
def test_files_partitions_and_pattern_groups_are_tables(tmp_path: Path) -> None:
    root = lake(tmp_path / "lake")
    with files_connector(root, access_for(tmp_path)) as c:
        assert c.test_connection().server_version.startswith("DuckDB")
        assert c.list_schemas() == ["lake", "lake/sales"]
        tables = tables_of(c)
        assert sorted(tables) == [
            ("lake", "events"),
            ("lake", "people.jsonl"),
            ("lake/sales", "sales_{N}_{N}.csv"),
            ("lake/sales", "stock.tsv"),
        ]
        events = tables[("lake", "events")]
        assert [(col.name, col.ordinal) for col in events.columns][:2] == [
            ("event_id", 1),
            ("client_ip", 2),
        ]
        assert {col.name for col in events.columns} >= {"year", "month"}  # partition columns
        assert events.row_estimate == 100  # from the Parquet footers
        assert "Resource set: 4 Parquet files (Hive partitions events/month=*/year=*" in (
            events.comment or ""
        ) or "Resource set: 4 Parquet files" in (events.comment or "")
        sales = tables[("lake/sales", "sales_{N}_{N}.csv")]
        assert [col.name for col in sales.columns] == ["id", "email", "notes"]
        assert "3 CSV files" in sales.comment
        assert 60 <= sales.row_estimate <= 120  # estimated from bytes per line
        assert [col.name for col in tables[("lake/sales", "stock.tsv")].columns] == [
            "country",
            "qty",
        ]
        assert c.problems == []
        # every member of the set is read: the sample spans the files
        sample = c.sample("lake/sales", "sales_{N}_{N}.csv", ["id", "email"], 1000)
        ids = {int(v) for v in sample["id"]}
        assert len(sample["id"]) == 90 and min(ids) == 100 and max(ids) == 329
        partitioned = c.sample("lake", "events", ["year", "month", "client_ip"], 500)
        assert set(partitioned["year"]) == {"2023", "2024"}
        assert len(partitioned["client_ip"]) == 100


def test_sample_is_bounded_and_random_sampling_differs_from_top(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    copy_to("SELECT i AS n FROM range(5000) t(i)", root / "big.parquet", "parquet")
    with files_connector(root, access_for(tmp_path)) as c:
        list(c.discover())
        top = c.sample("lake", "big.parquet", ["n"], 10)["n"]
        assert top == [str(i) for i in range(10)]
        rand = c.sample("lake", "big.parquet", ["n"], 10, method="random")["n"]
        assert len(rand) == 10 and rand != top
        assert c.sample("lake", "big.parquet", ["n"], 0) == {"n": []}
        with pytest.raises(ConnectorError) as info:
            c.sample("lake", "big.parquet", ["nope"], 5)
        assert info.value.code == "object_missing"
        with pytest.raises(ConnectorError) as info:
            c.sample("lake", "gone.parquet", ["n"], 5)
        assert info.value.code == "object_missing"


def test_sample_files_option_bounds_the_files_read(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    for k in range(20):
        copy_to(f"SELECT {k} AS part, i FROM range(3) t(i)", root / f"p_{k:03d}.csv")
    with files_connector(root, access_for(tmp_path), sample_files=2) as c:
        assert list(tables_of(c)) == [("lake", "p_{N}.csv")]
        parts = set(c.sample("lake", "p_{N}.csv", ["part"], 1000)["part"])
        assert parts == {"0", "19"}  # the first and the last of twenty


def test_a_pattern_group_of_different_shapes_is_split_into_its_files(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    copy_to("SELECT 1 AS a, 2 AS b", root / "report_1.csv")
    copy_to("SELECT 'x' AS city, 'y' AS zip, 3 AS n", root / "report_2.csv")
    with files_connector(root, access_for(tmp_path)) as c:
        tables = tables_of(c)
        assert sorted(tables) == [("lake", "report_1.csv"), ("lake", "report_2.csv")]
        assert [col.name for col in tables[("lake", "report_2.csv")].columns] == [
            "city",
            "zip",
            "n",
        ]


def test_grouping_can_be_turned_off_and_options_are_checked(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    for k in (1, 2):
        copy_to("SELECT 1 AS a", root / f"day_{k}.csv")
    with files_connector(root, access_for(tmp_path), group_files="false") as c:
        assert sorted(n for _, n in tables_of(c)) == ["day_1.csv", "day_2.csv"]
    for options, words in (
        ({"sample_files": 0}, "sample_files must be a whole number from 1 to 64"),
        ({"sample_files": "many"}, "sample_files"),
        ({"group_files": "maybe"}, "group_files must be true or false"),
        ({"delimiter": ";"}, "unsupported option"),
    ):
        with pytest.raises(ConnectorError) as info:
            files_connector(root, access_for(tmp_path), **options)
        assert info.value.code == "invalid_config"
        assert words in str(info.value)


def test_a_single_file_is_a_source_too(tmp_path: Path) -> None:
    path = copy_to(people_sql(5), tmp_path / "data" / "people.csv")
    with files_connector(path, access_for(tmp_path)) as c:
        assert sorted(tables_of(c)) == [("data", "people.csv")]
        assert c.sample("data", "people.csv", ["id"], 2) == {"id": ["0", "1"]}
    (tmp_path / "data" / "notes.txt").write_text("x")
    with pytest.raises(ConnectorError, match="not CSV, TSV, JSON lines or Parquet"):
        files_connector(tmp_path / "data" / "notes.txt", access_for(tmp_path)).list_schemas()


# --- bad files ------------------------------------------------------------------------------------
def test_every_kind_of_bad_file_is_reported_and_skipped(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    good = copy_to(people_sql(10), root / "good.csv")
    pq = copy_to("SELECT i FROM range(100) t(i)", root / "whole.parquet", "parquet")
    (root / "truncated.parquet").write_bytes(pq.read_bytes()[:-40])
    (root / "broken_quote.csv").write_text('id,name\n1,"Ann\n2,Bob\n3,Cy\n')
    (root / "junk.csv").write_bytes(bytes(range(256)) * 8)
    (root / "junk.parquet").write_bytes(b"PAR1" + os.urandom(500))
    (root / "bad.jsonl").write_text('{"a": 1}\n{"a": \n')
    (root / "latin1.csv").write_bytes("name\nJos\xe9\nRen\xe9\n".encode("latin-1"))
    (root / "empty.csv").write_bytes(b"")
    with files_connector(root, access_for(tmp_path)) as c:
        tables = tables_of(c)
        assert sorted(n for _, n in tables) == ["good.csv", "whole.parquet"]
        problems = {line.split(":", 1)[0]: line for line in c.problems}
        assert set(problems) == {
            "truncated.parquet",
            "broken_quote.csv",
            "junk.csv",
            "junk.parquet",
            "bad.jsonl",
            "latin1.csv",
            "empty.csv",
        }
        assert "holds binary data" in problems["junk.csv"]
        assert "unterminated quote" in problems["broken_quote.csv"]
        assert "is empty" in problems["empty.csv"]
        assert all("skipped" in line and str(tmp_path) not in line for line in c.problems)
        assert c.sample("lake", "good.csv", ["id"], 3) == {"id": ["0", "1", "2"]}
    assert good.exists()


def test_a_bad_member_of_a_resource_set_is_skipped_when_sampling(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    for k in range(5):
        copy_to(people_sql(4, 10 * k), root / f"part_{k}.csv")
    # not among the members whose shape is read (the first, middle and last): met when sampling
    (root / "part_1.csv").write_bytes(bytes(range(256)) * 4)
    with files_connector(root, access_for(tmp_path)) as c:
        assert list(tables_of(c)) == [("lake", "part_{N}.csv")]
        assert c.problems == []
        ids = c.sample("lake", "part_{N}.csv", ["id"], 100)["id"]
        assert sorted(int(i) for i in ids) == [
            *range(0, 4),
            *range(20, 24),
            *range(30, 34),
            *range(40, 44),
        ]
        assert len(c.problems) == 1 and c.problems[0].startswith("part_1.csv: skipped")


# --- rescans --------------------------------------------------------------------------------------
def test_data_version_tracks_size_and_mtime_and_unchanged_files_are_not_reopened(
    tmp_path: Path,
) -> None:
    root = lake(tmp_path / "lake")
    access = access_for(tmp_path)
    with files_connector(root, access) as c:
        first = {k: t.data_version for k, t in tables_of(c).items()}
        assert c.files_opened > 0
    with files_connector(root, access) as c:
        again = {k: t.data_version for k, t in tables_of(c).items()}
        assert c.files_opened == 0  # every schema came from the cache: no file opened
    assert again == first
    target = root / "sales" / "sales_2024_02.csv"
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    copy_to(people_sql(2), root / "events" / "year=2025" / "month=01" / "part-0.parquet", "csv")
    os.rename(
        root / "events" / "year=2025" / "month=01" / "part-0.parquet",
        root / "events" / "year=2025" / "month=01" / "part-0.csv",
    )
    with files_connector(root, access) as c:
        changed = {k: t.data_version for k, t in tables_of(c).items()}
    assert (
        changed[("lake/sales", "sales_{N}_{N}.csv")] != first[("lake/sales", "sales_{N}_{N}.csv")]
    )
    assert changed[("lake", "people.jsonl")] == first[("lake", "people.jsonl")]
    assert changed[("lake", "events.parquet")] == first[("lake", "events")]  # split by format
    assert ("lake", "events.csv") in changed


# --- confinement ----------------------------------------------------------------------------------
def test_paths_outside_the_roots_are_refused_like_sqlite(tmp_path: Path) -> None:
    root = tmp_path / "root"
    inside = lake(root / "lake")
    outside = lake(tmp_path / "outside")
    access = access_for(root)
    with files_connector(inside, access) as ok:
        assert ok.list_schemas()
    for path in (outside, f"{root}/../outside", "/etc"):
        with pytest.raises(ConnectorError) as files_err:
            files_connector(path, access)
        with pytest.raises(ConnectorError) as sqlite_err:
            get_connector(ConnectionParams("sqlite", database=str(path)), file_access=access)
        assert str(files_err.value) == str(sqlite_err.value) == not_allowed(str(path))
    link = root / "link"
    link.symlink_to(outside)  # a link in the root to a directory outside it
    with pytest.raises(ConnectorError, match="not inside a directory allowed"):
        files_connector(link, access)
    with pytest.raises(ConnectorError, match="PURSIGHT_FILE_SOURCE_ROOTS"):
        files_connector(inside, None)
    with pytest.raises(ConnectorError, match="SQLite URIs"):
        files_connector(f"{inside}?x=1", access)


def test_links_inside_the_tree_cannot_escape_and_own_files_are_skipped(tmp_path: Path) -> None:
    root = tmp_path / "root"
    data = lake(root / "lake")
    secret = copy_to("SELECT 'top secret' AS s", tmp_path / "secret" / "s.csv")
    own = copy_to("SELECT 1 AS x", data / "own" / "pursight.csv")
    (data / "escape.csv").symlink_to(secret)
    (data / "escape_dir").symlink_to(secret.parent, target_is_directory=True)
    (data / "inside.csv").symlink_to(data / "sales" / "stock.tsv")
    os.link(own, data / "hardlink.csv")
    access = access_for(root, protected_files=(os.path.realpath(own),))
    with files_connector(data, access) as c:
        tables = tables_of(c)
        names = {n for _, n in tables}
        assert "escape.csv" not in names and "pursight.csv" not in names
        assert "hardlink.csv" not in names
        assert "inside.csv" in names  # a link that stays inside the root is followed
        escaped = [p for p in c.problems if p.startswith("escape.csv")]
        assert escaped == [f"escape.csv: skipped, {not_allowed(str(data / 'escape.csv'))}"]
        # DuckDB itself may read nothing outside the source's directory
        with pytest.raises(duckdb.Error, match=r"disabled by configuration|Permission"):
            c.connection().execute(f"SELECT * FROM read_csv('{secret}')").fetchall()
        with pytest.raises(duckdb.Error):
            c.connection().execute("SET enable_external_access = true")


def test_reading_writes_nothing_into_the_directory(tmp_path: Path) -> None:
    root = lake(tmp_path / "lake")

    def snapshot() -> dict[str, tuple[int, int]]:
        return {
            str(p): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    before = snapshot()
    with files_connector(root, access_for(tmp_path)) as c:
        for t in c.discover():
            c.sample(t.schema, t.name, [col.name for col in t.columns], 50, method="random")
    assert snapshot() == before


# --- with Django: registration, scans, catalog ----------------------------------------------------
@pytest.mark.django_db
def test_registration_is_confined_to_the_roots(make_source, tmp_path: Path, settings) -> None:
    root = lake(tmp_path / "lake")
    source = make_source(root, kind="files")
    assert source.location == str(root)
    settings.PURSIGHT_FILE_SOURCE_ROOTS = [str(tmp_path / "elsewhere")]
    with pytest.raises(ValidationError) as info:
        make_source(root, kind="files")
    assert not_allowed(str(root)) in str(info.value)


@pytest.mark.django_db
def test_scan_of_a_file_source_fills_the_catalog_and_skips_unchanged_files(
    make_source, scan_source, tmp_path: Path
) -> None:
    from governance.catalog.models import (
        CatalogColumn,
        CatalogTable,
        ColumnClassification,
        ColumnContainment,
    )

    root = lake(tmp_path / "lake")
    (root / "sales" / "sales_2024_09.csv").write_bytes(bytes(range(256)) * 4)  # sampled: bad
    (root / "broken.parquet").write_bytes(b"not parquet at all")
    source = make_source(root, kind="files")
    run = scan_source(source)
    assert run.state == "succeeded", run.error
    tables = set(CatalogTable.objects.filter(datasource=source).values_list("schema__name", "name"))
    assert tables == {
        ("lake", "events"),
        ("lake", "people.jsonl"),
        ("lake/sales", "sales_{N}_{N}.csv"),
        ("lake/sales", "stock.tsv"),
    }
    assert run.tables_sampled == 4
    warned = {w.split(":", 1)[0] for w in run.warnings}
    assert {"broken.parquet", "sales/sales_2024_09.csv"} <= warned
    email = CatalogColumn.objects.get(datasource=source, table__name="people.jsonl", name="email")
    assert ColumnClassification.objects.filter(
        column=email, classification__code="EMAIL_ADDRESS"
    ).exists()
    notes = CatalogColumn.objects.get(datasource=source, table__name="people.jsonl", name="notes")
    contains = {r.classification.code: r for r in ColumnContainment.objects.filter(column=notes)}
    assert "PHONE_NUMBER" in contains
    assert contains["PHONE_NUMBER"].share == 1.0
    assert contains["PHONE_NUMBER"].scan_run_id == run.pk
    assert all("7946" not in e for e in contains["PHONE_NUMBER"].evidence)  # masked

    duckdb_files._schema_cache.clear()  # another worker: no cached schema, same tokens
    again = scan_source(source)
    assert again.state == "succeeded" and again.tables_sampled == 0
    assert ColumnContainment.objects.filter(column=notes).count() == len(contains)

    people = root / "people.jsonl"
    copy_to(people_sql(25), people, "jsonl")
    third = scan_source(source)
    assert third.tables_sampled == 1


@pytest.mark.django_db
def test_the_api_registers_and_tests_a_file_source(
    make_user, make_collection, grant, settings, tmp_path: Path
) -> None:
    from rest_framework.test import APIClient

    collection = make_collection("Lake")
    user = make_user("dsa")
    for perm in ("manage_datasources", "view_catalog"):
        grant(user, perm, collection)
    client = APIClient()
    client.force_authenticate(user)
    root = lake(tmp_path / "lake")
    settings.PURSIGHT_FILE_SOURCE_ROOTS = [str(tmp_path)]

    def post(database: str, **options):
        body = {"name": "lake", "kind": "files", "database": database, "collection": collection.pk}
        return client.post("/api/v1/datasources/", {**body, "options": options}, format="json")

    refused = post(str(tmp_path.parent))
    assert refused.status_code == 400
    assert not_allowed(str(tmp_path.parent)) in str(refused.json())
    assert post(str(root), sample_files=0).status_code == 400
    created = post(str(root), sample_files=4)
    assert created.status_code == 201, created.json()
    tested = client.post(f"/api/v1/datasources/{created.json()['id']}/test/")
    assert tested.status_code == 200 and tested.json()["ok"], tested.json()


# --- rescans in a new process: the catalog's schemas instead of the files -----------------------
def test_known_schemas_vouch_for_unchanged_tables_only(tmp_path: Path) -> None:
    root = lake(tmp_path / "lake")
    access = access_for(tmp_path)
    with files_connector(root, access) as c:
        first = tables_of(c)
    duckdb_files._schema_cache.clear()  # a new process
    asked: list[tuple[str, str, str]] = []

    def known(schema: str, name: str, version: str) -> KnownSchema | None:
        asked.append((schema, name, version))
        info = first.get((schema, name))
        if info is None or info.data_version != version or name == "stock.tsv":
            return None
        cols = [
            duckdb_files.ColumnInfo("stored_" + c.name, "VARCHAR", True, c.ordinal)
            for c in info.columns
        ]
        return KnownSchema(columns=cols, row_estimate=7, comment="stored")

    with files_connector(root, access) as c:
        c.known_schemas = known
        again = tables_of(c)
        # stock.tsv (not vouched for) is read: one DESCRIBE, its head for the delimiter and
        # the row estimate; the three others open nothing
        assert c.schemas_reused == 3 and c.files_opened == 1
    assert len(asked) == 4
    people = again[("lake", "people.jsonl")]
    assert [col.name for col in people.columns] == ["stored_id", "stored_email", "stored_notes"]
    assert (people.row_estimate, people.comment) == (7, "stored")
    assert [col.name for col in again[("lake/sales", "stock.tsv")].columns] == ["country", "qty"]
    # a reused schema is not cached for the process: another connector without the lookup
    # reads the files again rather than trusting what a caller said
    with files_connector(root, access) as c:
        assert [col.name for col in tables_of(c)[("lake", "people.jsonl")].columns] == [
            "id",
            "email",
            "notes",
        ]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """What the scans' connectors did: files opened (DESCRIBE or sample), raw reads of a file's
    head, DuckDB statements, schemas taken from the catalog."""
    counts = {"opened": 0, "heads": 0, "statements": 0, "reused": 0}
    cls = duckdb_files.DuckDBFilesConnector
    close, head, run = cls.close, cls._head, cls._run

    def counting_close(self) -> None:
        counts["opened"] += self.files_opened
        counts["reused"] += self.schemas_reused
        self.files_opened = self.schemas_reused = 0
        close(self)

    def counting_head(path: str) -> bytes:
        counts["heads"] += 1
        return head(path)

    def counting_run(self, sql: str, params: dict) -> list:
        counts["statements"] += 1
        return run(self, sql, params)

    monkeypatch.setattr(cls, "close", counting_close)
    monkeypatch.setattr(cls, "_head", staticmethod(counting_head))
    monkeypatch.setattr(cls, "_run", counting_run)
    return counts


@pytest.mark.django_db
def test_a_rescan_in_a_new_process_opens_no_unchanged_file(
    make_source, scan_source, tmp_path: Path, reads: dict[str, int]
) -> None:
    from governance.catalog.models import CatalogColumn, CatalogTable

    root = lake(tmp_path / "lake")
    source = make_source(root, kind="files")
    first = scan_source(source)
    assert first.state == "succeeded", first.error
    assert reads["opened"] > 0 and reads["reused"] == 0
    stored = {
        t.name: (t.row_estimate, t.comment, t.scan_token)
        for t in CatalogTable.objects.filter(datasource=source)
    }

    duckdb_files._schema_cache.clear()  # a new worker process
    reads.update(opened=0, heads=0, statements=0, reused=0)
    again = scan_source(source)
    assert again.state == "succeeded" and again.tables_sampled == 0
    assert reads == {"opened": 0, "heads": 0, "statements": 0, "reused": 4}
    assert {
        t.name: (t.row_estimate, t.comment, t.scan_token)
        for t in CatalogTable.objects.filter(datasource=source)
    } == stored  # nothing changed in the catalog either

    # One changed file: its table is read again (a new column shows), the others are not.
    copy_to(
        people_sql(25).replace(" AS notes", " AS notes, 'x' AS extra"),
        root / "people.jsonl",
        "jsonl",
    )
    duckdb_files._schema_cache.clear()
    reads.update(opened=0, heads=0, statements=0, reused=0)
    third = scan_source(source)
    assert third.state == "succeeded" and third.tables_sampled == 1
    assert reads["reused"] == 3 and reads["opened"] == 2  # its DESCRIBE and its sample
    assert set(
        CatalogColumn.objects.live()
        .filter(datasource=source, table__name="people.jsonl")
        .values_list("name", flat=True)
    ) == {"id", "email", "notes", "extra"}


# --- manage.py add_datasource --url files://… ----------------------------------------------------
@pytest.mark.django_db
def test_add_datasource_registers_a_files_url(settings, tmp_path: Path) -> None:
    from django.core.management import call_command

    from governance.datasources import services
    from governance.datasources.models import DataSource

    root = lake(tmp_path / "my lake")
    settings.PURSIGHT_FILE_SOURCE_ROOTS = [str(tmp_path)]
    call_command(
        "add_datasource",
        "--name",
        "lake",
        "--url",
        f"files://{str(root).replace(' ', '%20')}?sample_files=4&group_files=false",
        "--collection",
        "Data/Lake",
    )
    source = DataSource.objects.get(name="lake")
    assert (source.kind, source.database) == ("files", str(root))
    assert source.options == {"sample_files": 4, "group_files": False}
    assert source.collection.name == "Lake" and source.collection.parent.name == "Data"
    assert services.test_connection(actor=None, source=source).ok
    with services.open_connector(source) as c:  # the options reach the connector
        assert (c.sample_files, c.group_files) == (4, False)
    # one file, no options (the connector's defaults), host "localhost" as in file: URLs
    call_command(
        "add_datasource", "--name", "people", "--url", f"files://localhost{root}/people.jsonl"
    )
    people = DataSource.objects.get(name="people")
    assert (people.database, people.options) == (f"{root}/people.jsonl", {})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("files://{outside}", "is not inside a directory allowed for file-based data sources"),
        ("files://{root}/../../etc", "is not inside a directory allowed"),
        ("files://{root}/missing", "Directory or file '{root}/missing' does not exist."),
        ("files://{root}?sample_files=0", "sample_files must be a whole number from 1 to 64"),
        ("files://{root}?sample_files=many", "sample_files must be a whole number from 1 to 64"),
        ("files://{root}?group_files=maybe", "group_files must be true or false"),
        ("files://{root}?mode=rwc", "unsupported option(s) 'mode' for files; supported"),
        ("files://{root}?sample_files=2&sample_files=3", "given more than once: 'sample_files'"),
        ("files://{root}/README.txt", "not CSV, TSV, JSON lines or Parquet"),
        ("files://lake/sales", "'lake' would be a host; give an absolute path"),
        ("files://", "a directory or file path is required"),
        ("files://{root}#x", "unexpected '#'"),
        ("file://{root}", "Unknown URL scheme 'file'; for a directory (or one file) of CSV"),
    ],
)
def test_add_datasource_refuses_a_bad_files_url(settings, tmp_path: Path, url, message) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from governance.datasources.models import DataSource
    from governance.rbac.models import Collection

    root = lake(tmp_path / "roots" / "lake")
    outside = lake(tmp_path / "outside")
    settings.PURSIGHT_FILE_SOURCE_ROOTS = [str(tmp_path / "roots")]
    collections = Collection.objects.count()
    with pytest.raises(CommandError) as info:
        call_command(
            "add_datasource",
            "--name",
            "x",
            "--url",
            url.format(root=root, outside=outside),
            "--collection",
            "New",
        )
    assert message.format(root=root) in str(info.value)
    assert not DataSource.objects.exists()
    assert Collection.objects.count() == collections  # nothing created on the way


def test_add_datasource_help_names_files_urls() -> None:
    from governance.datasources.management.commands.add_datasource import Command

    parser = Command().create_parser("manage.py", "add_datasource")
    text = parser.format_help()
    assert "files:///" in text and "sample_files" in text and "group_files" in text
