"""Co-edited documents (pycrdt on the server): convergence, the stored state, the debounced
save through the owning service (audit, domain event), compaction, limits and refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pycrdt import Doc, Text, merge_updates

from pursight import events
from pursight.core.models import AuditEvent
from racine.collaboration.models import SharedDocument
from racine.collaboration.services import documents

from .coedit_helpers import Client, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_user, make_collection, make_source, grant):
    return build_world(make_user, make_collection, make_source, grant)


@pytest.fixture
def window(settings) -> float:
    """A save window no test outlives: saves within it are deferred."""
    settings.PURSIGHT_COEDIT_SAVE_SECONDS = 600
    return 600


@pytest.fixture
def emitted() -> Any:
    """The domain events sent (after the commit) during the test: [(kind, obj, actor)]."""
    seen: list[tuple[str, Any, Any]] = []

    def receiver(sender: Any, kind: str, obj: Any, actor: Any, data: dict, **kw: Any) -> None:
        seen.append((kind, obj, actor))

    events.domain_event.connect(receiver, dispatch_uid="test-coedit-events")
    yield seen
    events.domain_event.disconnect(dispatch_uid="test-coedit-events")


@pytest.fixture
def commit(django_capture_on_commit_callbacks) -> Any:
    """Run a service and its after-commit work (relays, domain events, queued tasks)."""

    def run(fn: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


def join(actor: Any, ws: Any, client: Client | None = None, **kw: Any) -> documents.Sync:
    sync = documents.join_document(actor=actor, page="workspace", pk=ws.pk, field="notes", **kw)
    if client is not None:
        client.receive(sync.update)
    return sync


def send(actor: Any, ws: Any, update: bytes) -> documents.Applied:
    return documents.apply_update(
        actor=actor, page="workspace", pk=ws.pk, field="notes", update=update
    )


def stored(obj: Any, field: str = "notes") -> SharedDocument:
    row = documents.document_of(obj, field)
    assert row is not None
    return row


def test_two_replicas_typing_in_one_paragraph_both_keep_their_text() -> None:
    """The CRDT itself (pycrdt, as the server runs it): concurrent inserts at the same place
    and a concurrent deletion nearby converge, in either order of delivery."""
    base = Doc()
    base.get("text", type=Text).insert(0, "The fox jumps.")
    left, right = Client(), Client()
    for c in (left, right):
        c.receive(base.get_update())
    one = left.insert(4, "quick ")
    two = right.insert(4, "brown ")
    three = right.delete(0, 4)  # "The " removed on the right meanwhile
    left.receive(two)
    left.receive(three)
    right.receive(one)
    assert left.value == right.value
    assert "quick " in left.value and "brown " in left.value and "The" not in left.value


def test_first_join_creates_the_document_from_the_plain_value_once(w) -> None:
    first, second = Client(), Client()
    sync = join(w.editor, w.ws, first)
    join(w.viewer, w.ws, second)
    assert first.value == second.value == "Hello team."
    assert sync.can_edit and sync.refusal is None and sync.length == len("Hello team.")
    assert SharedDocument.objects.count() == 1
    row = stored(w.ws)
    assert documents.text_from_state(row.state) == "Hello team." and row.text == "Hello team."


def test_concurrent_updates_through_the_server_both_survive(w, commit, window) -> None:
    alice, bob = Client(), Client()
    join(w.owner, w.ws, alice)
    join(w.editor, w.ws, bob)
    from_alice = alice.insert(6, "dear ")
    from_bob = bob.insert(6, "whole ")
    commit(send, actor=w.owner, ws=w.ws, update=from_alice)
    commit(send, actor=w.editor, ws=w.ws, update=from_bob)
    alice.receive(from_bob)  # what the relay carries
    bob.receive(from_alice)
    server = documents.text_from_state(stored(w.ws).state)
    assert alice.value == bob.value == server
    assert "dear " in server and "whole " in server


def test_a_viewer_joins_but_their_updates_are_refused(w, commit) -> None:
    client = Client()
    sync = join(w.viewer, w.ws, client)
    assert not sync.can_edit and sync.refusal == documents.VIEW_ONLY
    before = bytes(stored(w.ws).state)
    with pytest.raises(documents.ReadOnly) as refused:
        commit(send, actor=w.viewer, ws=w.ws, update=client.insert(0, "Mine: "))
    assert refused.value.reset and refused.value.message == documents.VIEW_ONLY
    assert bytes(stored(w.ws).state) == before
    w.ws.refresh_from_db()
    assert w.ws.notes == "Hello team." and not AuditEvent.objects.filter(action="workspace.notes")


def test_archived_notes_are_read_only(w, commit) -> None:
    from racine.workspaces.choices import WorkspaceStatus

    client = Client()
    join(w.editor, w.ws, client)
    w.ws.status = WorkspaceStatus.ARCHIVED
    w.ws.save()
    sync = join(w.editor, w.ws)
    assert not sync.can_edit and "archived" in sync.refusal
    with pytest.raises(documents.ReadOnly, match="archived"):
        commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "Late: "))


def test_hidden_missing_and_unknown_answer_alike(w) -> None:
    for actor, page, pk, field in (
        (w.outsider, "workspace", w.ws.pk, "notes"),  # not a member
        (w.editor, "workspace", w.other_ws.pk, "notes"),  # another team's
        (w.editor, "workspace", 10**9, "notes"),  # missing
        (w.editor, "workspace", w.ws.pk, "name"),  # not co-editable
        (w.curator, "catalog.catalogtable", w.hidden_table.pk, "description"),  # gate hides it
        (w.curator, "catalog.nosuchmodel", 1, "description"),
    ):
        with pytest.raises(documents.DocumentNotFound) as refused:
            documents.join_document(actor=actor, page=page, pk=pk, field=field)
        assert refused.value.message == "Not found."
    assert not SharedDocument.objects.exists()


def test_saves_at_most_once_per_window_then_on_leave(w, commit, window, emitted) -> None:
    client = Client()
    join(w.editor, w.ws, client)
    first = commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "A. "))
    second = commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "B. "))
    third = commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "C. "))
    assert first.saved and not second.saved and not third.saved
    w.ws.refresh_from_db()
    assert w.ws.notes == "A. Hello team."  # the first save; the rest waits for the window
    saves = AuditEvent.objects.filter(action="workspace.notes")
    assert saves.count() == 1 and saves.get().actor == w.editor
    assert [kind for kind, *_ in emitted if kind == "notes.edited"] == ["notes.edited"]
    # The trailing save queued by the deferred updates ran (eagerly) inside the window: nothing.
    assert stored(w.ws).text == "A. Hello team."
    assert commit(documents.leave_document, actor=w.editor, page="workspace", pk=w.ws.pk,
                  field="notes")  # fmt: skip
    w.ws.refresh_from_db()
    assert w.ws.notes == "C. B. A. Hello team." == stored(w.ws).text
    assert saves.count() == 2
    assert [kind for kind, *_ in emitted].count("notes.edited") == 2
    # Nothing pending: leaving again saves nothing.
    assert not documents.leave_document(actor=w.editor, page="workspace", pk=w.ws.pk, field="notes")


def test_the_trailing_save_runs_once_the_window_has_passed(w, commit, window) -> None:
    client = Client()
    join(w.editor, w.ws, client)
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "One. "))
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "Two. "))
    row = stored(w.ws)
    assert not documents.flush_document(document_id=row.pk, actor_id=w.editor.pk)  # too soon
    SharedDocument.objects.filter(pk=row.pk).update(saved_at=timezone.now() - timedelta(hours=1))
    from racine.collaboration.tasks import flush_document

    assert flush_document(row.pk, w.editor.pk)  # the task body
    w.ws.refresh_from_db()
    assert w.ws.notes == "Two. One. Hello team."
    # A viewer's id (someone who may not edit) never saves.
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "Three. "))
    SharedDocument.objects.filter(pk=row.pk).update(saved_at=timezone.now() - timedelta(hours=1))
    assert not documents.flush_document(document_id=row.pk, actor_id=w.viewer.pk)
    # The next update after the window saves at once.
    assert commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "Four. ")).saved
    w.ws.refresh_from_db()
    assert w.ws.notes.startswith("Four. Three. ")


def test_a_deferred_update_queues_one_trailing_save_per_window(w, commit, window, monkeypatch):
    queued: list[tuple] = []

    class FakeTask:
        def apply_async_on_commit(self, args: list, countdown: float) -> None:
            queued.append((tuple(args), countdown))

    monkeypatch.setattr(documents, "celery_task", lambda name: FakeTask())
    client = Client()
    join(w.editor, w.ws, client)
    applied = [
        commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, word)) for word in "ab"
    ]
    row = stored(w.ws)
    # Never saved: the first update queues a save at once (countdown 0); the next one finds it
    # still waiting in the queue (it will save the text it finds) and queues nothing.
    assert queued == [((row.pk, w.editor.pk), 0)]
    assert [a.saved for a in applied] == [True, False]
    # Once a save has run, updates within the window queue one trailing save, after it.
    SharedDocument.objects.filter(pk=row.pk).update(saved_at=timezone.now())
    for word in ("c", "d", "e"):
        assert not commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, word)).saved
    assert queued[1:] == [((row.pk, w.editor.pk), window + 0.5)]
    # No save ran on the editors' path: the last saved text is still the one before them.
    assert SharedDocument.objects.get(pk=row.pk).text == "Hello team."


def test_the_stored_state_is_compacted(w, commit, settings) -> None:
    settings.PURSIGHT_COEDIT_SAVE_SECONDS = 0
    client = Client()
    join(w.editor, w.ws, client)
    sent = []
    for i in range(60):
        sent.append(client.insert(0, f"line {i} with some words\n"))
        commit(send, actor=w.editor, ws=w.ws, update=sent[-1])
        sent.append(client.delete(0, len(f"line {i} with some words\n")))
        commit(send, actor=w.editor, ws=w.ws, update=sent[-1])
    row = stored(w.ws)
    assert row.updates_since_compaction == 0
    assert documents.text_from_state(row.state) == client.value == "Hello team."
    history = merge_updates(*sent)  # what keeping every update would store
    assert len(row.state) < len(history) / 5
    w.ws.refresh_from_db()
    assert w.ws.notes == "Hello team."


def test_garbage_is_refused_and_the_document_stays_usable(w, commit) -> None:
    client = Client()
    join(w.editor, w.ws, client)
    before = bytes(stored(w.ws).state)
    for garbage in (b"\x01\x02\x03", b"not a yjs update at all", b"\xff" * 64):
        with pytest.raises(documents.InvalidUpdate) as refused:
            commit(send, actor=w.editor, ws=w.ws, update=garbage)
        assert refused.value.reset
    with pytest.raises(documents.InvalidUpdate):
        send(w.editor, w.ws, b"")
    assert bytes(stored(w.ws).state) == before
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "Still fine. "))
    assert documents.text_from_state(stored(w.ws).state) == "Still fine. Hello team."


def test_an_update_whose_past_the_server_lacks_asks_for_a_resync(w, commit) -> None:
    client = Client()
    join(w.editor, w.ws, client)
    lost = client.insert(0, "Lost? ")
    later = client.insert(0, "Later. ")
    with pytest.raises(documents.OutOfStep) as refused:
        commit(send, actor=w.editor, ws=w.ws, update=later)
    assert refused.value.resync and not refused.value.reset
    # The client joins again with its state vector and sends what the server lacks.
    sync = join(w.editor, w.ws, client, state_vector=client.state_vector)
    commit(send, actor=w.editor, ws=w.ws, update=client.missing_for(sync.state_vector))
    assert documents.text_from_state(stored(w.ws).state) == "Later. Lost? Hello team."
    assert lost  # sent late, inside the resync's update


def test_a_text_may_not_grow_beyond_the_limit(w, commit, settings) -> None:
    settings.PURSIGHT_COEDIT_MAX_CHARS = 20
    client = Client()
    join(w.editor, w.ws, client)
    with pytest.raises(documents.TooLong, match="longer than 20 characters") as refused:
        commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "x" * 15))
    assert refused.value.reset
    assert documents.text_from_state(stored(w.ws).state) == "Hello team."
    fresh = Client()
    join(w.editor, w.ws, fresh)
    commit(send, actor=w.editor, ws=w.ws, update=fresh.insert(0, "Hi. "))  # within the limit
    assert documents.text_from_state(stored(w.ws).state) == "Hi. Hello team."


def test_a_document_state_may_not_grow_beyond_its_byte_limit(w, commit, settings) -> None:
    settings.PURSIGHT_COEDIT_MAX_STATE_BYTES = 200
    client = Client()
    join(w.editor, w.ws, client)
    with pytest.raises(documents.TooLong, match="too large"):
        commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "y" * 400))


def test_a_value_changed_elsewhere_is_merged_into_the_document(w, commit, window) -> None:
    from racine.workspaces import services as workspaces

    client = Client()
    join(w.editor, w.ws, client)
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "Live: "))  # saved (first)
    workspaces.update_notes(actor=w.owner, workspace=w.ws, notes="Live: Hello team! PS: admin.")
    other = Client()
    join(w.viewer, w.ws, other)
    assert other.value == "Live: Hello team! PS: admin."
    # The first client's next edit merges with the change it had not seen.
    client.receive(documents.join_document(
        actor=w.editor, page="workspace", pk=w.ws.pk, field="notes",
        state_vector=client.state_vector).update)  # fmt: skip
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "Now "))
    assert documents.text_from_state(stored(w.ws).state) == "Now Live: Hello team! PS: admin."


def test_a_table_description_is_saved_through_the_catalog_service(w, commit, window, emitted):
    sync = documents.join_document(
        actor=w.outsider, page="catalog.catalogtable", pk=w.table.pk, field="description"
    )
    assert not sync.can_edit  # reads the catalog, does not curate it
    client = Client()
    client.receive(
        documents.join_document(
            actor=w.curator, page="catalog.catalogtable", pk=w.table.pk, field="description"
        ).update
    )
    assert client.value == "The customers table."
    update = client.insert(len("The customers table."), " One row per buyer.")
    with pytest.raises(documents.ReadOnly):
        documents.apply_update(
            actor=w.outsider, page="catalog.catalogtable", pk=w.table.pk, field="description",
            update=update,
        )  # fmt: skip
    applied = commit(
        documents.apply_update, actor=w.curator, page="catalog.catalogtable", pk=w.table.pk,
        field="description", update=update,
    )  # fmt: skip
    assert applied.saved
    w.table.refresh_from_db()
    assert w.table.description == "The customers table. One row per buyer."
    audit = AuditEvent.objects.get(action="catalogtable.update")
    assert audit.actor == w.curator and audit.changes["description"][1] == w.table.description
    assert [e for e in emitted if e[0] == "description.edited"] == [
        ("description.edited", w.table, w.curator)
    ]


def test_a_data_source_description_is_saved_through_its_service(w, commit, window, emitted):
    page, pk = "datasources.datasource", w.source.pk
    assert not documents.join_document(
        actor=w.curator, page=page, pk=pk, field="description"
    ).can_edit  # curating the catalog is not managing sources
    client = Client()
    client.receive(
        documents.join_document(actor=w.source_admin, page=page, pk=pk, field="description").update
    )
    update = client.insert(0, "Orders: ")
    assert commit(
        documents.apply_update, actor=w.source_admin, page=page, pk=pk, field="description",
        update=update,
    ).saved  # fmt: skip
    w.source.refresh_from_db()
    assert w.source.description == "Orders: The shop database."
    audit = AuditEvent.objects.filter(action="datasource.update").latest("at")
    assert audit.actor == w.source_admin and "description" in audit.changes
    assert [e for e in emitted if e[0] == "description.edited"] == [
        ("description.edited", w.source, w.source_admin)
    ]  # once: if update_datasource starts emitting it, drop the co-editing service's emit


def test_a_process_reuses_its_document_only_while_the_stored_state_matches(w, commit) -> None:
    client = Client()
    join(w.editor, w.ws, client)
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "Mine. "))
    row = stored(w.ws)
    # Another process wrote meanwhile: a state this process never saw.
    other = Doc()
    other.apply_update(bytes(row.state))
    other.get("text", type=Text).insert(0, "Theirs. ")
    SharedDocument.objects.filter(pk=row.pk).update(state=other.get_update())
    client.receive(other.get_update(client.state_vector))
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(len(client.value), " End."))
    assert documents.text_from_state(stored(w.ws).state) == "Theirs. Mine. Hello team. End."


def test_the_registry_covers_notes_and_asset_and_finding_descriptions() -> None:
    keys = {entry.key for entry in documents.fields}
    assert keys == {
        "workspaces.workspace.notes",
        "catalog.catalogschema.description",
        "catalog.catalogtable.description",
        "catalog.catalogcolumn.description",
        "datasources.datasource.description",
        "compliance.finding.description",
    }
    assert documents.field_for("workspace", "notes").model == "workspaces.workspace"
    assert documents.field_for("compliance.finding", "description").model == "compliance.finding"
    assert documents.field_for("compliance.finding", "justification") is None


def test_an_update_costs_a_constant_number_of_queries(w, window, django_assert_max_num_queries):
    client = Client()
    join(w.editor, w.ws, client)
    send(w.editor, w.ws, client.insert(0, "First. "))  # saved (the window was open)
    send(w.editor, w.ws, client.insert(0, "x"))  # the editor's scopes are resolved now
    for size in (1, 1000):  # read the workspace, lock the document, re-read, write; savepoint
        with django_assert_max_num_queries(6):
            send(w.editor, w.ws, client.insert(0, "y" * size))


def test_an_update_arriving_during_a_save_is_kept_and_saved_next(w, commit, window, monkeypatch):
    """The row is not locked while the owning service saves: an update applied meanwhile (here
    inside the service's save, on the same connection) sees the object holding the text being
    saved, takes it for that save (``saving``), not for an edit made elsewhere, and keeps its
    own change for the next save."""
    from racine.workspaces import services as workspace_services

    client, other = Client(), Client()
    join(w.editor, w.ws, client)
    join(w.owner, w.ws, other)
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "One. "))  # saved at once
    late = client.insert(0, "Two. ")
    commit(send, actor=w.editor, ws=w.ws, update=late)  # deferred: the window is open
    other.receive(late)
    original = workspace_services.update_notes
    seen: list[str] = []

    def update_notes(**kwargs: Any) -> Any:
        saved = original(**kwargs)
        seen.append(stored(w.ws).saving)
        commit(send, actor=w.owner, ws=w.ws, update=other.insert(len(other.value), " Three."))
        return saved

    monkeypatch.setattr(workspace_services, "update_notes", update_notes)
    assert documents.flush_document(document_id=stored(w.ws).pk, actor_id=w.editor.pk, force=True)
    assert seen == ["Two. One. Hello team."]  # the text in flight, noted on the row
    w.ws.refresh_from_db()
    row = stored(w.ws)
    assert w.ws.notes == "Two. One. Hello team." == row.text and row.saving == ""
    assert documents.text_from_state(row.state) == "Two. One. Hello team. Three."
    monkeypatch.setattr(workspace_services, "update_notes", original)
    assert documents.leave_document(actor=w.owner, page="workspace", pk=w.ws.pk, field="notes")
    w.ws.refresh_from_db()
    assert w.ws.notes == "Two. One. Hello team. Three." == stored(w.ws).text


def test_a_save_replaced_by_a_later_one_gives_way(w, commit, window, emitted) -> None:
    """Two saves of one document in flight: the older, finding a newer text noted as
    ``saving`` once it holds the object, saves nothing; an older text never lands last."""
    client = Client()
    join(w.editor, w.ws, client)
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "One. "))  # saved at once
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "Two. "))
    pk = stored(w.ws).pk
    older = documents._note_saving(pk, w.editor, force=True)
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "Three. "))
    newer = documents._note_saving(pk, w.editor, force=True)
    assert older and newer and older[2] == "Two. One. Hello team."
    assert stored(w.ws).saving == newer[2] == "Three. Two. One. Hello team."
    saves = AuditEvent.objects.filter(action="workspace.notes")
    before = saves.count()
    assert not documents._save_noted(pk, *older[:2], w.editor, older[2])
    w.ws.refresh_from_db()
    assert w.ws.notes == "One. Hello team." and saves.count() == before
    assert documents._save_noted(pk, *newer[:2], w.editor, newer[2])
    w.ws.refresh_from_db()
    row = stored(w.ws)
    assert w.ws.notes == newer[2] == row.text and row.saving == "" and saves.count() == before + 1


def test_a_refused_save_ends_and_loses_nothing(w, commit, window, monkeypatch) -> None:
    """The service refuses the text: nothing is saved, the save is no longer in flight, the
    document keeps every update, and the next save tries again."""
    from django.core.exceptions import ValidationError

    from racine.workspaces import services as workspace_services

    client = Client()
    join(w.editor, w.ws, client)
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "One. "))
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "Two. "))
    original = workspace_services.update_notes

    def refuse(**kwargs: Any) -> Any:
        raise ValidationError("The notes service is refusing for this test.")

    monkeypatch.setattr(workspace_services, "update_notes", refuse)
    pk = stored(w.ws).pk
    assert not documents.flush_document(document_id=pk, actor_id=w.editor.pk, force=True)
    row = stored(w.ws)
    assert row.saving == "" and row.text == "One. Hello team."
    assert documents.text_from_state(row.state) == "Two. One. Hello team."
    monkeypatch.setattr(workspace_services, "update_notes", original)
    assert documents.flush_document(document_id=pk, actor_id=w.editor.pk, force=True)
    w.ws.refresh_from_db()
    assert w.ws.notes == "Two. One. Hello team." == stored(w.ws).text


def test_a_save_whose_worker_died_after_writing_is_taken_as_saved(w, commit, window) -> None:
    """The object holds the text noted as in flight (the worker died before step 3): the next
    reader takes it as saved, not as an edit made elsewhere, and the document is unchanged."""
    client = Client()
    join(w.editor, w.ws, client)
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "One. "))
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "Two. "))
    pk = stored(w.ws).pk
    obj, entry, text = documents._note_saving(pk, w.editor, force=True)
    entry.save(w.editor, obj, text)  # step 2 done; step 3 never ran
    commit(send, actor=w.editor, ws=w.ws, update=client.insert(0, "Three. "))
    row = stored(w.ws)
    assert row.text == "Two. One. Hello team." and row.saving == "" and row.saved_at
    assert documents.text_from_state(row.state) == "Three. Two. One. Hello team." == client.value
