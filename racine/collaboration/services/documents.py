"""Co-edited texts: a workspace's notes and asset descriptions, edited together with a CRDT.

The browser edits a Yjs document (``static/collaboration/coedit.js``); the server keeps the
same document with pycrdt (Yrs, binary compatible with Yjs). Every co-editable text is a
:class:`CoeditableField` in :data:`fields` (the model, the field, who may edit it and the
owning service that saves its plain value); nothing else switches on a model.

One :class:`~racine.collaboration.models.SharedDocument` row per (object, field) holds the
document's full state. Every update is applied to that state inside ``select_for_update`` of
the row, so that several web processes agree (Yjs updates commute: the order in which
processes apply them does not matter); the state is stored re-encoded from the document, i.e.
always one merged, compacted update (deleted text is garbage-collected; no per-keystroke
history piles up), so ``updates_since_compaction`` is back to 0 after every write (re-encoding
costs less than merging the update into the stored bytes would). A process keeps the decoded
documents it served last (:class:`_Cache`) and reuses one only while the stored state is byte
for byte the one it wrote or read.

An update is relayed to the page's other sockets as soon as it has passed every check, while
the row is still locked (the order in which the server applies them), before the state is
written: the editors' latency is the checks and the fan-out, not the write.

The plain text goes through the owning service (audit record, ``notes.edited`` /
``description.edited`` domain event, hence activity: one event per person's editing session)
at most every ``save_seconds()``, in a Celery worker, never on the editor's socket: the first
update after a quiet period queues a save at once; later ones within the window wait for the
trailing save (queued with that countdown, once per window), the editor leaving
(``doc.leave``) or the next update after the window. A value changed elsewhere meanwhile (the
admin form, the API) is merged into the document as an edit when it is next opened.

The text's root type is named :data:`ROOT` (``ydoc.getText("text")`` in the browser). With
eager Celery (``make run`` without Redis) the trailing save runs at once, finds the window
still open and does nothing: the text is then saved on leaving or by the next update.
Errors are :class:`DocumentError` subclasses carrying a message for the user; ``reset`` tells
the client to drop its local copy and join again, ``resync`` to exchange state vectors again.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from pycrdt import Doc, Text
from pycrdt import get_update as missing_from

from pursight import events, permissions, realtime
from pursight.celery import task as celery_task
from pursight.registry import Registry
from racine.workspaces import live

from ..models import SharedDocument

log = logging.getLogger(__name__)

ROOT = "text"
FLUSH_TASK = "racine.collaboration.tasks.flush_document"
EMPTY_UPDATE = b"\x00\x00"
NOT_FOUND = "Not found."

# Defaults of the settings read below (override in settings for tests or large deployments).
SAVE_SECONDS = 3.0
MAX_CHARS = 200_000
MAX_STATE_BYTES = 4 * 1024 * 1024


def save_seconds() -> float:
    """The plain value is saved through its service at most this often (seconds)."""
    return float(getattr(settings, "PURSIGHT_COEDIT_SAVE_SECONDS", SAVE_SECONDS))


def max_chars() -> int:
    """A text may not grow beyond this many characters."""
    return int(getattr(settings, "PURSIGHT_COEDIT_MAX_CHARS", MAX_CHARS))


def max_state_bytes() -> int:
    """A document's stored state may not grow beyond this many bytes (abuse guard)."""
    return int(getattr(settings, "PURSIGHT_COEDIT_MAX_STATE_BYTES", MAX_STATE_BYTES))


# --- Errors ----------------------------------------------------------------------------------


class DocumentError(Exception):
    """A refused co-editing request; ``message`` is shown to the user."""

    reset = False  # the client's copy cannot be kept: drop it and join again
    resync = False  # the client should exchange state vectors again (join) and resend

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DocumentNotFound(DocumentError):
    """A missing object, one the gate hides, or a field that is not co-editable."""

    def __init__(self) -> None:
        super().__init__(NOT_FOUND)


class ReadOnly(DocumentError):
    reset = True


class InvalidUpdate(DocumentError):
    reset = True


class TooLong(DocumentError):
    reset = True


class OutOfStep(DocumentError):
    resync = True


# --- The registry ----------------------------------------------------------------------------


def _attribute(name: str) -> Callable[[models.Model], str]:
    def read(obj: models.Model) -> str:
        return getattr(obj, name) or ""

    return read


@dataclass(frozen=True)
class CoeditableField:
    """One co-editable text. ``refusal(user, obj)`` is None when ``user`` may edit it, else
    the message they get; ``save(actor, obj, text)`` stores the plain value through the owning
    service (audited, emitting its domain event). ``read`` defaults to the attribute."""

    model: str  # lower-case label, e.g. "workspaces.workspace"
    field: str
    refusal: Callable[[Any, models.Model], str | None]
    save: Callable[[Any, models.Model, str], Any]
    read: Callable[[models.Model], str] | None = None

    @property
    def key(self) -> str:
        return f"{self.model}.{self.field}"

    def value(self, obj: models.Model) -> str:
        return (self.read or _attribute(self.field))(obj)


fields: Registry[CoeditableField] = Registry("co-editable fields")


def register_field(entry: CoeditableField) -> CoeditableField:
    return fields.register(entry.key, entry)


VIEW_ONLY = "You may read this text but not edit it."


def _workspace_refusal(user: Any, workspace: Any) -> str | None:
    if not permissions.can(user, "edit", workspace):
        return VIEW_ONLY
    if workspace.read_only:
        return "This workspace is archived: its notes are read-only."
    return None


def _save_notes(actor: Any, workspace: Any, text: str) -> Any:
    from racine.workspaces import services as workspaces

    return workspaces.update_notes(actor=actor, workspace=workspace, notes=text)


def _gate_refusal(action: str) -> Callable[[Any, models.Model], str | None]:
    def refusal(user: Any, obj: models.Model) -> str | None:
        return None if permissions.can(user, action, obj) else VIEW_ONLY

    return refusal


def _save_asset_description(actor: Any, asset: Any, text: str) -> Any:
    from governance.catalog import services as catalog

    return catalog.update_asset(actor=actor, asset=asset, description=text)


def _save_source_description(actor: Any, source: Any, text: str) -> Any:
    from governance.datasources import services as datasources

    before = source.description
    source = datasources.update_datasource(actor=actor, source=source, description=text)
    if source.description != before:
        # update_datasource emits no domain event (catalog.update_asset does, for assets).
        events.emit("description.edited", source, actor=actor, excerpt=source.description[:200])
    return source


def _save_finding_description(actor: Any, finding: Any, text: str) -> Any:
    from governance.compliance import services as compliance

    return compliance.describe_finding(actor=actor, finding=finding, description=text)


def register_defaults() -> None:
    """The co-editable texts of Racine and governance (from ``CollaborationConfig.ready``).

    A finding's description is its team's notes; its other free texts (a risk acceptance's
    justification, a false positive's reason) belong to its status transitions."""
    register_field(
        CoeditableField(
            model="workspaces.workspace",
            field="notes",
            refusal=_workspace_refusal,
            save=_save_notes,
        )
    )
    for label in ("catalog.catalogschema", "catalog.catalogtable", "catalog.catalogcolumn"):
        register_field(
            CoeditableField(
                model=label,
                field="description",
                refusal=_gate_refusal("change"),  # curate_catalog on the asset's collection
                save=_save_asset_description,
            )
        )
    register_field(
        CoeditableField(
            model="datasources.datasource",
            field="description",
            refusal=_gate_refusal("change"),  # manage_datasources on its collection
            save=_save_source_description,
        )
    )
    register_field(
        CoeditableField(
            model="compliance.finding",
            field="description",
            refusal=_gate_refusal("change"),  # manage_compliance on its collection
            save=_save_finding_description,
        )
    )


def target_model(page: str) -> type[models.Model] | None:
    """The model behind a live page kind (``workspace`` or a lower-case model label)."""
    if page == live.WORKSPACE_PAGE:
        return apps.get_model("workspaces", "Workspace")
    app_label, _, name = str(page).partition(".")
    if not app_label or not name:
        return None
    try:
        model = apps.get_model(app_label, name)
    except (LookupError, ValueError):
        return None
    return model if model._meta.label_lower == page else None


def field_for(page: str, name: Any) -> CoeditableField | None:
    """The co-editable field ``name`` of the page's model, if there is one."""
    model = target_model(page)
    if model is None or not isinstance(name, str):
        return None
    key = f"{model._meta.label_lower}.{name}"
    return fields[key] if key in fields else None  # noqa: SIM401 (a Registry has no get)


# --- Decoded documents kept by this process --------------------------------------------------


class _Cache:
    """The last documents this process decoded, each with the stored state it matches.

    :meth:`take` hands a document out (removed from the cache) and only :meth:`keep` puts one
    back, with the state stored for it: a document changed by a request that then failed is
    never reused, and one is reused only while the row's state is exactly the kept one
    (another process may have written since)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.lock = threading.RLock()  # pycrdt documents are not shared across threads at once
        self.docs: OrderedDict[int, tuple[Doc, bytes]] = OrderedDict()

    def take(self, pk: int, state: bytes) -> Doc:
        hit = self.docs.pop(pk, None)
        if hit is not None and hit[1] == state:
            return hit[0]
        doc = new_doc()
        if state:
            doc.apply_update(state)
        return doc

    def keep(self, pk: int, doc: Doc, state: bytes) -> None:
        self.docs[pk] = (doc, state)
        self.docs.move_to_end(pk)
        while len(self.docs) > self.size:
            self.docs.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.docs.clear()


_cache = _Cache()


def new_doc() -> Doc:
    doc: Doc = Doc(allow_multithreading=True)
    doc.get(ROOT, type=Text)
    return doc


def text_of(doc: Doc) -> Text:
    return doc.get(ROOT, type=Text)


def replace_text(doc: Doc, new: str) -> None:
    """Edit ``doc``'s text into ``new`` with one deletion and one insertion (the common
    beginning and end stay, so concurrent edits there survive). pycrdt counts UTF-8 bytes."""
    text = text_of(doc)
    old = str(text)
    if old == new:
        return
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    start = len(old[:prefix].encode())
    end = len(old[: len(old) - suffix].encode())
    with doc.transaction():
        if end > start:
            del text[start:end]
        middle = new[prefix : len(new) - suffix]
        if middle:
            text.insert(start, middle)


def _state(row: SharedDocument) -> bytes:
    return bytes(row.state or b"")


# --- Rows ------------------------------------------------------------------------------------


@dataclass
class Opened:
    """A locked document row and its decoded document (``dirty``: the document changed while
    opening, initialised or merged with a value changed elsewhere, and must be stored)."""

    row: SharedDocument
    doc: Doc
    dirty: bool
    obj: models.Model | None = None


def _visible(actor: Any, page: str, pk: Any, name: Any) -> tuple[CoeditableField, models.Model]:
    entry = field_for(page, name)
    model = target_model(page)
    if entry is None or model is None or not isinstance(pk, int):
        raise DocumentNotFound()
    obj = permissions.restrict(model._default_manager.all(), actor).filter(pk=pk).first()
    if obj is None:
        raise DocumentNotFound()
    return entry, obj


def _row_lookup(model: type[models.Model], pk: Any, entry: CoeditableField) -> dict[str, Any]:
    ct = ContentType.objects.get_for_model(model, for_concrete_model=True)
    return {"target_type": ct, "target_id": pk, "field": entry.field}


def _lock_row(obj: models.Model, entry: CoeditableField) -> SharedDocument:
    lookup = _row_lookup(type(obj), obj.pk, entry)
    row = SharedDocument.objects.select_for_update().filter(**lookup).first()
    if row is None:
        SharedDocument.objects.get_or_create(**lookup)  # a concurrent creator wins: then get
        row = SharedDocument.objects.select_for_update().get(**lookup)
    return row


def _open(obj: models.Model, entry: CoeditableField) -> Opened:
    """Lock the object's document row, then read the object again (a save by another process
    has committed by the time we hold the lock) and decode the document."""
    row = _lock_row(obj, entry)
    obj.refresh_from_db()
    return _decode(row, obj, entry)


def _open_visible(actor: Any, page: str, pk: Any, name: Any) -> tuple[CoeditableField, Opened]:
    """:func:`_visible` and :func:`_open` in one read of the object: an existing document row
    is locked first, then the object read through the gate (after the lock: any save by
    another process has committed). Hidden, missing and not co-editable answer alike."""
    entry = field_for(page, name)
    model = target_model(page)
    if entry is None or model is None or not isinstance(pk, int):
        raise DocumentNotFound()
    row = SharedDocument.objects.select_for_update().filter(**_row_lookup(model, pk, entry)).first()
    obj = permissions.restrict(model._default_manager.all(), actor).filter(pk=pk).first()
    if obj is None:
        raise DocumentNotFound()
    if row is None:  # first use: joining creates it; an update without a join is rare
        return entry, _open(obj, entry)
    return entry, _decode(row, obj, entry)


def _decode(row: SharedDocument, obj: models.Model, entry: CoeditableField) -> Opened:
    """The document of a locked row, for an object read after the lock: created from the
    plain value on first use (one insertion), merged with a value changed elsewhere."""
    current = entry.value(obj)
    state = _state(row)
    with _cache.lock:
        if not state:
            doc = new_doc()
            if current:
                text_of(doc).insert(0, current)
            row.text = current
            return Opened(row, doc, True, obj)
        doc = _cache.take(row.pk, state)
        if current == row.text:
            return Opened(row, doc, False, obj)
        if row.saving and current == row.saving:
            # A save in flight (or one whose worker died before noting it) wrote it: saved.
            row.text, row.saving, row.saved_at = current, "", timezone.now()
            return Opened(row, doc, True, obj)
        # Changed through the admin or the API meanwhile: that wins.
        replace_text(doc, current)
        row.text = current
        return Opened(row, doc, True, obj)


def _store(opened: Opened, state: bytes | None = None) -> bytes:
    """Write the document's state (re-encoded: the compacted full update; ``state`` if the
    caller has just encoded it)."""
    with _cache.lock:
        if state is None:
            state = opened.doc.get_update()
        _cache.keep(opened.row.pk, opened.doc, state)
    opened.row.state = state
    opened.row.updates_since_compaction = 0
    opened.row.save(
        update_fields=[
            "state",
            "text",
            "saving",
            "saved_at",
            "updates_since_compaction",
            "updated_at",
        ]
    )
    return state


def _due(row: SharedDocument) -> bool:
    return row.saved_at is None or timezone.now() - row.saved_at >= timedelta(
        seconds=save_seconds()
    )


def _queued_key(document_id: int, *, due: bool) -> str:
    return f"pursight:coedit:{'save' if due else 'flush'}:{document_id}"


def _schedule_flush(row: SharedDocument, actor: Any, *, due: bool) -> bool:
    """Queue a save of the plain text by a worker: at once when the last save is older than
    the window (``due``), else one trailing save per window. Each kind is queued once per
    window (the cache key spans processes with Redis); a save still waiting in the queue
    covers the updates that arrive meanwhile (it saves the text it finds). Returns whether a
    save was queued."""
    window = save_seconds()
    if not cache.add(_queued_key(row.pk, due=due), 1, timeout=max(1, int(window))):
        return False
    celery_task(FLUSH_TASK).apply_async_on_commit(
        args=[row.pk, getattr(actor, "pk", None)], countdown=0 if due else window + 0.5
    )
    return True


def _user_ref(user: Any) -> dict[str, Any]:
    name = user.get_full_name() or user.get_username()
    return {"id": user.pk, "name": name}


def encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- Services --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sync:
    """What a joining client needs: the updates it lacks, the server's state vector (it then
    sends what the server lacks), whether it may edit, and who may receive its awareness."""

    update: bytes
    state_vector: bytes
    can_edit: bool
    refusal: str | None
    requires: dict[str, Any]
    length: int


@transaction.atomic
def join_document(
    *, actor: Any, page: str, pk: int, field: str, state_vector: bytes | None = None
) -> Sync:
    """Open the document of ``field`` on the object of a live page for ``actor`` (who may see
    it; an invisible object answers like a missing one). ``state_vector`` (the client's, after
    a reconnection) limits the answer to what the client lacks."""
    entry, obj = _visible(actor, page, pk, field)
    opened = _open(obj, entry)
    if opened.dirty:
        _store(opened)
    else:
        with _cache.lock:
            _cache.keep(opened.row.pk, opened.doc, _state(opened.row))
    with _cache.lock:
        try:
            update = opened.doc.get_update(state_vector) if state_vector else None
        except ValueError:
            raise InvalidUpdate("The state vector could not be read.") from None
        update = update or opened.doc.get_update()
        server_vector = opened.doc.get_state()
        length = len(str(text_of(opened.doc)))
    refusal = entry.refusal(actor, obj)
    return Sync(
        update=update,
        state_vector=server_vector,
        can_edit=refusal is None,
        refusal=refusal,
        requires=permissions.requirement(obj),
        length=length,
    )


@dataclass(frozen=True)
class Applied:
    """``changed``: the update was new (stored and relayed); ``saved``: it queued the save of
    the plain text at once (a worker saves it; with eager tasks, the commit does)."""

    changed: bool
    saved: bool
    length: int


@transaction.atomic
def apply_update(*, actor: Any, page: str, pk: int, field: str, update: bytes) -> Applied:
    """Apply a client's Yjs update to the stored document, relay it to the page's other
    sockets (each checking the object's visibility) and queue the save of
    the plain text: at once if the last save is older than the window, else once at its end.
    The save (audit, activity, notifications) runs in a worker, never on the editor's socket:
    the next keystroke does not wait for it."""
    entry, opened = _open_visible(actor, page, pk, field)
    if not update:
        raise InvalidUpdate("An empty update cannot be applied.")
    obj = opened.obj
    refusal = entry.refusal(actor, obj)  # after the lock: the workspace may just be archived
    if refusal is not None:
        raise ReadOnly(refusal)
    row, doc = opened.row, opened.doc
    stored = _state(row)
    with _cache.lock:
        try:
            before = len(str(text_of(doc)))
            doc.apply_update(update)
            if missing_from(update, doc.get_state())[:1] != b"\x00":
                # Parts of it wait for updates this server never received.
                raise OutOfStep("Your copy is out of step with the server's; joining again.")
            text = str(text_of(doc))
            if len(text) > max_chars() and len(text) > before:
                raise TooLong(
                    f"This text would be longer than {max_chars():,} characters; "
                    "the change was not kept."
                )
            state = doc.get_update()
            if len(state) > max_state_bytes() and len(state) > len(stored):
                raise TooLong("This document has grown too large; the change was not kept.")
        except DocumentError:
            raise  # the document taken from the cache is dropped with its changes
        except Exception as exc:  # pycrdt refuses garbage with ValueError (or worse)
            log.info("coedit.invalid_update document=%s error=%r", row.pk, exc)
            raise InvalidUpdate("This update could not be read; it was not applied.") from None
    changed = opened.dirty or state != stored
    if not changed:  # already known (a message sent twice): nothing to store or relay
        with _cache.lock:
            _cache.keep(row.pk, doc, stored)
        return Applied(changed=False, saved=False, length=len(text))
    # Relayed now, while the row is locked (so in the order the server applies updates), before
    # it is written: the update passed every check, and should the write still fail, the
    # sender is told to join again and resends it (a CRDT update applies once, in any order).
    payload = {"field": entry.field, "update": encode(update), "user": _user_ref(actor)}
    realtime.send_now(
        page,
        pk,
        "doc.update",
        payload,
        requires=permissions.requirement(obj),
        origin=realtime.origin.get(),
        relay=False,
    )
    due = text != row.text and _due(row)
    queued = text != row.text and _schedule_flush(row, actor, due=due)
    _store(opened, state)
    return Applied(changed=True, saved=due and queued, length=len(text))


def _flush(document_id: int, actor: Any, *, force: bool) -> bool:
    """Save a document's pending plain text through the owning service, as ``actor``, without
    holding the document row while the service saves (editors' updates go on meanwhile):

    1. object and row locked: merge a value changed elsewhere, note the text as ``saving``;
    2. object locked: the owning service saves it (audit, activity) in its own transaction;
    3. row locked again: the saved value becomes ``text`` (the save is over).

    Editors' updates lock only the row, which no step holds while the service saves.

    Nothing is saved unless text is pending, the window has passed (or ``force``) and
    ``actor`` may still edit it. Returns whether it saved."""
    noted = _note_saving(document_id, actor, force=force)
    if noted is None:
        return False
    obj, entry, text = noted
    return _save_noted(document_id, obj, entry, actor, text)


def _note_saving(
    document_id: int, actor: Any, *, force: bool
) -> tuple[models.Model, CoeditableField, str] | None:
    """Step 1 of :func:`_flush`: the object, its field and the text noted as in flight, or
    None when there is nothing to save."""
    with transaction.atomic():
        found = _lock_for_flush(document_id)
        if found is None:
            return None
        row, obj, entry = found
        opened = _decode(row, obj, entry)
        with _cache.lock:
            text = str(text_of(opened.doc))
        pending = text != row.text and (force or _due(row))
        if pending and entry.refusal(actor, obj) is None:
            row.saving = text
            opened.dirty = True
        else:
            pending = False
        if opened.dirty:
            _store(opened)
        else:  # unchanged: the decoded document stays in this process's cache
            with _cache.lock:
                _cache.keep(row.pk, opened.doc, _state(row))
    return (obj, entry, text) if pending else None


def _save_noted(
    document_id: int, obj: models.Model, entry: CoeditableField, actor: Any, text: str
) -> bool:
    """Steps 2 and 3 of :func:`_flush`. Saves of one object queue on its row; a save whose
    text a later one replaced (``saving``) gives way, so an older text never lands last."""
    try:
        with transaction.atomic():
            obj = type(obj)._default_manager.select_for_update(of=("self",)).get(pk=obj.pk)
            if not SharedDocument.objects.filter(pk=document_id, saving=text).exists():
                return False
            entry.save(actor, obj, text)
            saved = entry.value(obj)
    except (PermissionDenied, ValidationError, ObjectDoesNotExist) as exc:
        log.warning(
            "coedit.save_refused document=%s actor=%s error=%s",
            document_id,
            getattr(actor, "pk", None),
            exc,
        )
        saved = None
    with transaction.atomic():
        row = SharedDocument.objects.select_for_update().filter(pk=document_id).first()
        if row is None or row.saving != text:
            # An update read the saved object first and closed the save (``_decode``).
            return saved is not None
        row.saving = ""
        fields = ["saving"]
        if saved is not None:
            row.text, row.saved_at = saved, timezone.now()
            fields += ["text", "saved_at"]
            if saved != text:  # the service normalised it: the document follows, if untouched
                _normalise(row, text, saved)
                fields.append("state")
        row.save(update_fields=fields)
    return saved is not None


def _lock_for_flush(
    document_id: int,
) -> tuple[SharedDocument, models.Model, CoeditableField] | None:
    """The document row with a state, its object and its field's entry, if all exist, both
    locked: the object first, as step 2 of a save locks it. A save in flight that has checked
    its text is still the one noted has then committed (its value is recognised as saved)
    before another text is noted; noting between its check and its commit would make its
    value look like an edit made elsewhere, which wins over the document."""
    head = (
        SharedDocument.objects.filter(pk=document_id)
        .values_list("target_type_id", "target_id", "field")
        .first()
    )
    if head is None:
        return None
    type_id, target_id, field = head
    model = ContentType.objects.get_for_id(type_id).model_class()
    key = f"{model._meta.label_lower}.{field}" if model is not None else ""
    if model is None or key not in fields:
        return None
    obj = model._default_manager.select_for_update(of=("self",)).filter(pk=target_id).first()
    if obj is None:
        return None
    row = SharedDocument.objects.select_for_update().filter(pk=document_id).first()
    if row is None or not _state(row):
        return None
    return row, obj, fields[key]


def _normalise(row: SharedDocument, sent: str, saved: str) -> None:
    """The service stored ``saved`` for ``sent``: the document reads ``saved`` too, unless
    editors changed it since (their next save is normalised in turn)."""
    with _cache.lock:
        doc = _cache.take(row.pk, _state(row))
        if str(text_of(doc)) != sent:
            _cache.keep(row.pk, doc, _state(row))
            return
        replace_text(doc, saved)
        row.state = doc.get_update()
        _cache.keep(row.pk, doc, row.state)


def flush_document(*, document_id: int, actor_id: int | None = None, force: bool = False) -> bool:
    """The trailing save of a document's plain text (the Celery task's body): saved as
    ``actor_id`` (the editor who queued it) if text is pending and the window has passed (or
    ``force``). Returns whether it saved."""
    cache.delete(_queued_key(document_id, due=True))  # no longer waiting: the next may queue
    actor = get_user_model().objects.filter(pk=actor_id, is_active=True).first()
    if actor is None:
        return False
    return _flush(document_id, actor, force=force)


def leave_document(*, actor: Any, page: str, pk: int, field: str) -> bool:
    """An editor leaves: save what is pending now (the final save). Returns whether it saved."""
    entry, obj = _visible(actor, page, pk, field)
    if entry.refusal(actor, obj) is not None:
        return False
    row = SharedDocument.objects.filter(**_row_lookup(type(obj), obj.pk, entry)).first()
    if row is None:
        return False
    return _flush(row.pk, actor, force=True)


def document_of(obj: models.Model, name: str) -> SharedDocument | None:
    """The stored document of ``obj``'s field ``name``, if one was opened."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return SharedDocument.objects.filter(target_type=ct, target_id=obj.pk, field=name).first()


def text_from_state(state: bytes) -> str:
    """The text of a stored state (for tests and admin views)."""
    doc = new_doc()
    if state:
        doc.apply_update(bytes(state))
    return str(text_of(doc))
