"""Domain events become activity events after the commit, summarised where governance works in
bulk, with their anchors, a sentence read at read time, and no event for a rolled-back change."""

from __future__ import annotations

import pytest
from django.db import transaction

from pursight import events
from racine.activity import services
from racine.activity.models import ActivityEvent

pytestmark = pytest.mark.django_db


def test_an_emitted_event_is_recorded_only_when_its_transaction_commits(
    world, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        events.emit("description.edited", world.src_a, actor=world.owner, excerpt="Orders")
        # Nothing before the commit.
        assert not ActivityEvent.objects.exists()
    assert len(callbacks) >= 1
    event = ActivityEvent.objects.get()
    assert event.kind == "description.edited" and event.target == world.src_a
    assert event.actor == world.owner and event.datasource_id == world.src_a.pk
    assert event.collection_id == world.a.pk and event.workspace is None
    assert services.summary(event) == "owner edited the description of src-a"


def test_one_person_s_saves_of_a_text_are_one_event_per_editing_session(
    world, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    def edit(actor: object, excerpt: str, obj: object = None) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            events.emit("description.edited", obj or world.src_a, actor=actor, excerpt=excerpt)

    published: list[int] = []
    monkeypatch.setattr(services, "_publish", lambda event, target: published.append(event.pk))
    edit(world.owner, "Ord")
    edit(world.owner, "Orders")
    edit(world.owner, "Orders of the shop")
    (event,) = ActivityEvent.objects.filter(kind="description.edited")
    assert event.data == {"excerpt": "Orders of the shop", "saves": 3}
    assert published == [event.pk]  # the folded saves are not announced again
    # Another text, or another person in between, starts a new event.
    edit(world.owner, "B's text", world.src_b)
    edit(world.member, "Orders of the shop, by region")
    edit(world.owner, "Orders of the shop, by region and day")
    assert ActivityEvent.objects.filter(kind="description.edited").count() == 4
    # An edit after the session's window is a new event too.
    ActivityEvent.objects.update(created_at=timezone.now() - timedelta(hours=1))
    edit(world.owner, "Later")
    assert ActivityEvent.objects.filter(kind="description.edited").count() == 5
    # Other kinds are never folded.
    edit_kind = "owner.changed"
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.record_domain_event(kind=edit_kind, obj=world.src_a, actor=world.owner)
    assert ActivityEvent.objects.filter(kind=edit_kind).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_records_nothing(world) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit("description.edited", world.src_a, actor=world.owner)
        raise RuntimeError("the change fails")
    assert not ActivityEvent.objects.exists()
    # And a committed one is recorded, by the receiver, after the commit.
    with transaction.atomic():
        events.emit("description.edited", world.src_a, actor=world.owner)
    assert ActivityEvent.objects.filter(kind="description.edited").count() == 1


def test_a_failing_receiver_never_breaks_the_change(world, monkeypatch, caplog) -> None:
    def boom(**_: object) -> None:
        raise RuntimeError("receiver down")

    monkeypatch.setattr(services, "record_domain_event", boom)
    with transaction.atomic():
        events.emit("description.edited", world.src_a)
    # (The test transaction never commits: run the callback the way a commit would.)
    for _, callback, _ in transaction.get_connection().run_on_commit:
        callback()
    assert "receiver_failed" in caplog.text


def test_a_scan_records_its_start_end_and_summaries_not_one_event_per_row(scanned) -> None:
    source = scanned.src_a
    kinds = list(
        ActivityEvent.objects.filter(datasource_id=source.pk)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "scan.started",
        "scan.finished",
        "schema.changed",
        "classification.suggested",
    ]
    changed = ActivityEvent.objects.get(datasource_id=source.pk, kind="schema.changed")
    # The first scan catalogues the source: one summary, counted by kind of change.
    assert changed.data["initial"] is True and changed.data["changes"] == {"added": 4}
    assert changed.target_repr.startswith("scan #") and "src-a" in changed.target_repr
    assert services.summary(changed).endswith("catalogued 4 added")
    suggested = ActivityEvent.objects.get(datasource_id=source.pk, kind="classification.suggested")
    assert suggested.data["count"] >= 1 and suggested.data["tables"] >= 1
    assert "suggested" in services.summary(suggested)
    finished = ActivityEvent.objects.get(datasource_id=source.pk, kind="scan.finished")
    assert finished.data["state"] == "succeeded" and finished.data["tables_done"] == 3


def test_a_rescan_that_changes_nothing_records_no_summary(
    scanned, scan_source, django_capture_on_commit_callbacks
) -> None:
    before = ActivityEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        scan_source(scanned.src_a)
    new = list(ActivityEvent.objects.order_by("id")[before:].values_list("kind", flat=True))
    assert new == ["scan.started", "scan.finished"]


def test_a_failed_scan_says_why(
    world, scan_source, django_capture_on_commit_callbacks, settings
) -> None:
    from governance.datasources.models import DataSource

    # (A failed connection is answered no sooner than the connect timeout: none here.)
    settings.PURSIGHT_SCAN = {**settings.PURSIGHT_SCAN, "CONNECT_TIMEOUT": 0}

    DataSource.objects.filter(pk=world.src_a.pk).update(database="/nonexistent/x.sqlite")
    world.src_a.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        scan_source(world.src_a)
    failed = ActivityEvent.objects.get(kind="scan.failed")
    assert failed.data["state"] == "failed" and failed.data["error"]
    assert "failed" in services.summary(failed)


def test_steward_decisions_are_one_event_per_row_or_one_per_table(
    scanned, grant, django_capture_on_commit_callbacks
) -> None:
    from governance.catalog import classifying
    from governance.catalog.models import CatalogTable, ColumnClassification

    grant(scanned.owner, "curate_catalog", scanned.a)

    table = CatalogTable.objects.get(datasource=scanned.src_a, name="customers")
    with django_capture_on_commit_callbacks(execute=True):
        n = classifying.accept_table_suggestions(actor=scanned.owner, table=table)
        classifying.accept_table_suggestions(actor=scanned.owner, table=table)  # nothing left
    accepted = ActivityEvent.objects.filter(kind="classification.accepted")
    assert n >= 1 and accepted.count() == 1  # one per table, none for an empty bulk decision
    assert accepted.get().target == table and accepted.get().data == {"count": n}
    assert services.summary(accepted.get()) == (
        f"owner accepted {n} suggestion{'s' if n != 1 else ''} on main.customers"
    )

    row = ColumnClassification.objects.filter(column__table=table).select_related("column").first()
    with django_capture_on_commit_callbacks(execute=True):
        classifying.reject_classification(actor=scanned.owner, classification=row)
    rejected = ActivityEvent.objects.get(kind="classification.rejected")
    assert rejected.target == row and rejected.column_id == row.column_id
    assert rejected.table_id == table.pk and rejected.data["code"]
    assert services.summary(rejected).startswith("owner rejected customers.")


def test_description_edits_are_recorded_and_owner_changes_are_not(
    scanned, grant, django_capture_on_commit_callbacks
) -> None:
    grant(scanned.owner, "curate_catalog", scanned.a)
    from governance.catalog import services as catalog
    from governance.catalog.models import CatalogColumn

    column = CatalogColumn.objects.get(datasource=scanned.src_a, name="email")
    with django_capture_on_commit_callbacks(execute=True):
        catalog.update_asset(actor=scanned.owner, asset=column, description="Where we write")
        catalog.update_asset(actor=scanned.owner, asset=column, owner=scanned.owner)
    edited = ActivityEvent.objects.get(kind="description.edited")
    assert edited.target_repr == "main.customers.email"
    assert edited.column_id == column.pk and edited.table_id == column.table_id
    assert edited.schema_id is not None and edited.data == {"excerpt": "Where we write"}


@pytest.fixture
def evaluated(scanned, django_capture_on_commit_callbacks, settings):
    """A rule that flags every email column as critical, evaluated over both sources."""
    from governance.compliance import services as compliance
    from governance.compliance.models import Control, Framework, Rule

    framework = Framework.objects.create(code="t", name="Test framework")
    control = Control.objects.create(framework=framework, code="1", title="Emails")
    for rule in (
        Rule(
            code="no-email",
            name="No plain e-mail",
            asset_type="column",
            scope={"name_pattern": "^email$"},
            condition={"type": "has_description"},
            severity="critical",
        ),
        Rule(
            code="owned",
            name="Tables have an owner",
            asset_type="table",
            condition={"type": "has_owner"},
            severity="low",
        ),
    ):
        rule.framework, rule.control = framework, control
        compliance.save_rule(actor=None, rule=rule)
    with django_capture_on_commit_callbacks(execute=True):
        compliance.evaluate(actor=None, framework=framework)
    return scanned


def test_an_evaluation_is_summarised_per_source_with_severe_findings_one_by_one(
    evaluated,
) -> None:
    from governance.compliance.models import Finding

    summaries = ActivityEvent.objects.filter(
        kind="finding.opened", target_type__model="datasource"
    ).order_by("target_id")
    assert [e.target_id for e in summaries] == [evaluated.src_a.pk, evaluated.src_b.pk]
    counts = summaries[0].data["counts"]
    assert counts == {"critical": 1, "low": 3}
    assert summaries[0].data["severe"] == 1 == summaries[0].data["listed"]
    assert services.summary(summaries[0]) == (
        "4 new findings on src-a (3 low, 1 critical) in Test framework"
    )
    severe = ActivityEvent.objects.filter(kind="finding.opened", target_type__model="finding")
    assert severe.count() == Finding.stored.filter(severity="critical").count() == 2
    one = severe.get(datasource_id=evaluated.src_a.pk)
    assert one.column_id is not None and one.table_id is not None  # anchored to its asset
    assert services.summary(one).startswith("New critical finding: No plain e-mail on")


def test_a_transition_by_a_user_is_one_event(
    evaluated, make_user, grant, django_capture_on_commit_callbacks
) -> None:
    from governance.compliance import services as compliance
    from governance.compliance.models import Finding

    officer = make_user("officer")
    grant(officer, "view_catalog", evaluated.a)
    grant(officer, "manage_compliance", evaluated.a)
    finding = Finding.objects.filter(datasource=evaluated.src_a, severity="critical").get()
    with django_capture_on_commit_callbacks(execute=True):
        compliance.transition_finding(actor=officer, finding=finding, to="acknowledged")
        compliance.transition_finding(actor=officer, finding=finding, to="in_remediation")
        compliance.transition_finding(actor=officer, finding=finding, to="resolved")
    moved = ActivityEvent.objects.filter(
        kind__in=["finding.transitioned", "finding.closed"]
    ).order_by("id")
    assert [e.kind for e in moved] == [
        "finding.transitioned",
        "finding.transitioned",
        "finding.closed",
    ]
    assert moved[0].data == {"from": "open", "to": "acknowledged"}
    assert services.summary(moved[1]).startswith("officer moved No plain e-mail on")
    assert services.summary(moved[1]).endswith("to in remediation")


def test_unknown_kinds_and_bad_data_still_read(world, record) -> None:
    (event,) = record("audit.weird_thing", world.src_a, actor=world.owner, odd=object())
    assert services.summary(event) == "owner: audit weird thing — src-a"
    assert isinstance(event.data["odd"], str)  # stored as JSON
