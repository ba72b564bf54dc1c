"""Classification services: system info types, custom rules, labels, model versions, the engine.

The engine is built once per process per (active model version, custom rules version) and
cached; the model bytes are read from the database only when the active version changes.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max

from pursight import audit, permissions

from .engine import (
    FEATURE_VERSION,
    SYSTEM_INFO_TYPES,
    Engine,
    InfoTypeSpec,
    Model,
    train_model,
)
from .engine.fingerprint import fingerprint as engine_fingerprint
from .engine.infotypes import MEDIUM
from .engine.process import EngineProcess, EngineProcessError
from .models import Classification, ClassifierModel, LabelPolicy, SensitivityLabel
from .signals import labels_changed

log = logging.getLogger(__name__)

LABELS: tuple[tuple[str, int, str, str], ...] = (
    ("Public", 0, "success", "May be shared with anyone."),
    ("Internal", 1, "info", "For employees and contractors."),
    ("Confidential", 2, "warning", "Personal or business data with restricted access."),
    ("Highly Confidential", 3, "danger", "Data whose exposure causes severe harm."),
)


# --- system data ---------------------------------------------------------------------------------


def ensure_labels() -> dict[str, SensitivityLabel]:
    """The four sensitivity labels, created when missing (idempotent)."""
    existing = {label.name: label for label in SensitivityLabel.objects.all()}
    for name, rank, color, description in LABELS:
        if name not in existing:
            existing[name] = SensitivityLabel.objects.create(
                name=name, rank=rank, color=color, description=description
            )
    return existing


@transaction.atomic
def load_classifications() -> dict[str, int]:
    """Create or refresh the system classifications from the engine (idempotent)."""
    labels = ensure_labels()
    existing = {c.code: c for c in Classification.objects.filter(is_system=True)}
    created = updated = 0
    for spec in SYSTEM_INFO_TYPES:
        values = {
            "name": spec.name,
            "description": spec.description,
            "category": str(spec.category),
            "country": spec.country,
        }
        obj = existing.get(spec.code)
        if obj is None:
            Classification.objects.create(
                code=spec.code,
                is_system=True,
                default_label=labels[str(spec.sensitivity)],
                **values,
            )
            created += 1
        elif any(getattr(obj, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(obj, k, v)
            obj.save(update_fields=[*values, "updated_at"])
            updated += 1
    return {"created": created, "updated": updated}


def ensure_system_classifications() -> None:
    """Load the system classifications if any is missing (cheap when they are there)."""
    if Classification.objects.filter(is_system=True).count() < len(SYSTEM_INFO_TYPES):
        load_classifications()


# --- custom rules and label policies --------------------------------------------------------------


# The fields of a classification stewards edit (admin and API share them): what it is, and how
# a custom rule recognises it. A system classification keeps all but SYSTEM_EDITABLE.
INFO_FIELDS = ("code", "name", "description", "category", "country", "default_label", "is_active")
MATCH_FIELDS = (
    "value_regex",
    "column_name_regex",
    "dictionary_values",
    "validator",
    "min_match_ratio",
    "data_types",
)
RULE_FIELDS = INFO_FIELDS + MATCH_FIELDS
SYSTEM_EDITABLE = ("description", "default_label", "is_active")
SYSTEM_READONLY = tuple(f for f in RULE_FIELDS if f not in SYSTEM_EDITABLE)


def save_classification(*, actor: Any, classification: Classification) -> Classification:
    """Create or update a classification; a malformed regex is a field error, nothing saved.

    The library is global: only platform-wide curators (and superusers) change it."""
    creating = classification.pk is None
    permissions.check(actor, permissions.ADD if creating else permissions.CHANGE, classification)
    before: dict[str, Any] = {}
    if not creating:
        stored = Classification.objects.get(pk=classification.pk)
        before = audit.snapshot(stored)
        if stored.is_system:
            changed = [
                f
                for f in SYSTEM_READONLY
                if getattr(stored, f if f != "default_label" else "default_label_id")
                != getattr(classification, f if f != "default_label" else "default_label_id")
            ]
            if changed:
                raise ValidationError(
                    dict.fromkeys(changed, "System classifications keep the engine's rules.")
                )
    else:
        classification.is_system = False
    with transaction.atomic():
        classification.full_clean()
        if creating:
            classification.created_by = actor if getattr(actor, "pk", None) else None
        classification.updated_by = actor if getattr(actor, "pk", None) else None
        classification.save()
        audit.record(
            actor=actor,
            action="classification.create" if creating else "classification.update",
            obj=classification,
            changes=audit.diff(before, audit.snapshot(classification)),
        )
        if not creating and before.get("default_label") != classification.default_label_id:
            labels_changed.send(Classification, classification_ids=[classification.pk])
    return classification


def set_label_policy(
    *, actor: Any, classification: Classification, label: SensitivityLabel | None, note: str = ""
) -> LabelPolicy | None:
    """Map ``classification`` to ``label`` (``None`` removes the policy: the default applies)."""
    with transaction.atomic():
        policy = LabelPolicy.objects.filter(classification=classification).first()
        if label is None:
            action = permissions.DELETE
        else:
            action = permissions.CHANGE if policy is not None else permissions.ADD
        permissions.check(actor, action, policy or LabelPolicy(classification=classification))
        if label is None:
            if policy is not None:
                policy.delete()
            result = None
        else:
            policy = policy or LabelPolicy(classification=classification)
            policy.label, policy.note = label, note
            policy.updated_by = actor if getattr(actor, "pk", None) else None
            policy.save()
            result = policy
        audit.record(
            actor=actor,
            action="labelpolicy.set",
            obj=classification,
            changes={"label": label.name if label else None},
        )
        labels_changed.send(Classification, classification_ids=[classification.pk])
    return result


def effective_label_ids() -> dict[int, int]:
    """{classification id: sensitivity label id}: the policy's label, else the default."""
    out = dict(Classification.objects.values_list("pk", "default_label_id"))
    out.update(LabelPolicy.objects.values_list("classification_id", "label_id"))
    return out


def effective_labels_for(ids: Sequence[int]) -> dict[int, int]:
    out = dict(Classification.objects.filter(pk__in=ids).values_list("pk", "default_label_id"))
    out.update(
        LabelPolicy.objects.filter(classification_id__in=ids).values_list(
            "classification_id", "label_id"
        )
    )
    return out


def spec_of(c: Classification) -> InfoTypeSpec:
    return InfoTypeSpec(
        code=c.code,
        name=c.name,
        category=c.category,
        sensitivity=c.default_label.name if c.default_label_id else "Confidential",
        value_patterns=(c.value_regex,) if c.value_regex else (),
        validator=c.validator or None,
        dictionary_values=frozenset(v.strip().lower() for v in c.dictionary_values or ()),
        column_name_patterns=(c.column_name_regex,) if c.column_name_regex else (),
        data_types=tuple(c.data_types or ("string",)),
        min_match_ratio=c.min_match_ratio,
        value_confidence=MEDIUM,
        description=c.description,
        system=False,
        country=c.country,
    )


def custom_specs() -> list[InfoTypeSpec]:
    rows = Classification.objects.filter(is_system=False, is_active=True).select_related(
        "default_label"
    )
    return [spec_of(c) for c in rows]


def rules_version() -> str:
    """Changes whenever a custom rule is created, changed, (de)activated or deleted."""
    agg = Classification.objects.filter(is_system=False).aggregate(
        n=Count("pk"), t=Max("updated_at")
    )
    return f"{agg['n']}:{agg['t'].isoformat() if agg['t'] else ''}"


# --- model versions ------------------------------------------------------------------------------


def _settings() -> dict[str, Any]:
    conf = settings.PURSIGHT_CLASSIFIER  # tests may override it with some of its keys
    return {
        "DEFAULT_SMALL": conf.get("DEFAULT_SMALL", False),
        "CACHE_DIR": Path(conf.get("CACHE_DIR", Path(settings.VAR_DIR) / "classifier")),
        "SEED": conf.get("SEED", 0),
    }


_default_lock = threading.Lock()


def _default_model() -> tuple[bytes, dict[str, Any]]:
    """The default model (the engine's synthetic data, no feedback), trained once per engine
    version: its bytes and a description of them (version, trained_at, metadata).

    Both are cached on disk (``<name>.bin`` and ``<name>.json``, the latter with the bytes'
    SHA-256), so that a process can register the default model without unpickling it: a worker
    whose engine runs in the helper process never loads scikit-learn itself.
    """
    conf = _settings()
    small = "-small" if conf["DEFAULT_SMALL"] else ""
    path = conf["CACHE_DIR"] / f"default-{engine_fingerprint()}-s{conf['SEED']}{small}.bin"
    meta_path = path.with_suffix(".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    # One process trains; the others (a worker's pool children starting together) wait for it.
    with _default_lock, open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists() and meta_path.exists():
            data = path.read_bytes()
            try:
                meta = json.loads(meta_path.read_text())
                if meta.get("sha256") == hashlib.sha256(data).hexdigest():
                    return data, meta
            except ValueError:
                pass
            log.warning("classifier.cache_invalid path=%s", path)
        log.info("classifier.training_default small=%s", bool(small))
        model = train_model(seed=conf["SEED"], small=bool(small))
        data = model.to_bytes()
        meta = {
            "version": model.version,
            "trained_at": model.trained_at,
            "metadata": model.metadata,
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        for target, content in ((path, data), (meta_path, json.dumps(meta).encode())):
            tmp = target.with_suffix(f".{threading.get_ident()}.tmp")
            tmp.write_bytes(content)
            tmp.replace(target)
        _models[model.version] = model
        return data, meta


def store_model(model: Model, *, activate: bool = True, actor: Any = None) -> ClassifierModel:
    """Save ``model`` as a version (idempotent on its version) and optionally activate it."""
    return _store(
        model.version,
        model.to_bytes(),
        model.trained_at,
        model.metadata,
        activate=activate,
        actor=actor,
    )


def _store(
    version: str,
    data: bytes,
    trained_at: str,
    metadata: dict[str, Any],
    *,
    activate: bool,
    actor: Any,
) -> ClassifierModel:
    _check_model(actor, permissions.ADD)
    trained = dt.datetime.fromisoformat(trained_at)
    if trained.tzinfo is None:
        trained = trained.replace(tzinfo=dt.UTC)
    try:
        with transaction.atomic():
            row, created = ClassifierModel.objects.get_or_create(
                version=version,
                defaults={"data": data, "trained_at": trained, "metadata": metadata},
            )
    except IntegrityError:
        row, created = ClassifierModel.objects.get(version=version), False
    if activate:
        activate_model(row, actor=actor)
    elif created:
        audit.record(actor=actor, action="classifiermodel.create", obj=row)
    return row


def _check_model(actor: Any, action: str, row: ClassifierModel | None = None) -> None:
    """Model versions serve every collection's scans: storing or activating one needs
    ``curate_catalog`` platform-wide. ``actor=None`` is the system (start-up, commands)."""
    if actor is not None:
        permissions.check(actor, action, row or ClassifierModel())


def activate_model(row: ClassifierModel, *, actor: Any = None) -> ClassifierModel:
    _check_model(actor, "activate", row)
    with transaction.atomic():
        ClassifierModel.objects.filter(is_active=True).exclude(pk=row.pk).update(is_active=False)
        ClassifierModel.objects.filter(pk=row.pk).update(is_active=True)
        row.is_active = True
        audit.record(actor=actor, action="classifiermodel.activate", obj=row)
    return row


def active_model_version() -> str | None:
    return ClassifierModel.objects.filter(is_active=True).values_list("version", flat=True).first()


def _compatible(metadata: dict[str, Any] | None) -> bool:
    """Whether a stored model was trained on this engine's features (see ``FEATURE_VERSION``)."""
    return (metadata or {}).get("feature_version") == FEATURE_VERSION


def ensure_active_model() -> str:
    """The active model's version; the default model is loaded (or trained) when none exists.

    A model trained on an older feature layout (after an upgrade that changed the engine's
    features) cannot score today's columns: the newest compatible stored model, or the default
    model, is activated instead, and ``manage.py train_classifier`` retrains with stewards'
    feedback (their decisions are kept on the columns, so nothing is lost).
    """
    active = ClassifierModel.objects.filter(is_active=True).values("version", "metadata").first()
    if active is not None and _compatible(active["metadata"]):
        return active["version"]
    if active is not None:
        log.warning(
            "classifier.incompatible_model version=%s feature_version=%s expected=%s",
            active["version"],
            (active["metadata"] or {}).get("feature_version"),
            FEATURE_VERSION,
        )
    latest = (
        ClassifierModel.objects.filter(metadata__feature_version=FEATURE_VERSION)
        .order_by("-trained_at")
        .first()
    )
    if latest is not None:
        return activate_model(latest).version
    data, meta = _default_model()
    return _store(
        meta["version"], data, meta["trained_at"], meta["metadata"], activate=True, actor=None
    ).version


def train_and_activate(
    *, actor: Any = None, feedback: Sequence[Any] = (), small: bool = False, seed: int = 0
) -> ClassifierModel:
    """Retrain from the synthetic data plus ``feedback`` items and activate the new version."""
    _check_model(actor, "activate")  # before the (long) training, not after
    model = train_model(list(feedback), seed=seed, small=small)
    model.metadata["feedback_columns"] = len(feedback)
    row = store_model(model, activate=True, actor=actor)
    _models[model.version] = model
    return row


_models: dict[str, Model] = {}
_engines: dict[tuple[str, str], Engine] = {}
_engine_lock = threading.Lock()


def load_model(version: str) -> Model:
    model = _models.get(version)
    if model is None:
        data = ClassifierModel.objects.filter(version=version).values_list("data", flat=True).get()
        model = Model.from_bytes(bytes(data))
        _models.clear()  # keep one model in memory
        _models[version] = model
    return model


def _current_specs() -> list[InfoTypeSpec]:
    specs = list(SYSTEM_INFO_TYPES)
    system_codes = {s.code for s in specs}
    for spec in custom_specs():
        if spec.code not in system_codes:
            specs.append(spec)
    return specs


def get_engine() -> tuple[Engine, str]:
    """The engine for the active model and the current custom rules (built once, cached)."""
    ensure_system_classifications()
    version = ensure_active_model()
    rules = rules_version()
    key = (version, rules)
    with _engine_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = Engine(specs=_current_specs(), model=load_model(version))
            _engines.clear()
            _engines[key] = engine
    return engine, version


_helper: dict[tuple[str, str], EngineProcess] = {}


def engine_helper() -> EngineProcess | None:
    """A helper process running the engine for the active model and the current custom rules.

    Started on first use and kept for the process's life; started again when the model or the
    rules change or when it died. ``None`` when it cannot be started: the caller classifies in
    its own process (``get_engine``).
    """
    ensure_system_classifications()
    version = ensure_active_model()
    key = (version, rules_version())
    with _engine_lock:
        helper = _helper.get(key)
        if helper is not None and helper.alive:
            return helper
        for old in _helper.values():
            old.close()
        _helper.clear()
        data = ClassifierModel.objects.filter(version=version).values_list("data", flat=True).get()
        try:
            helper = EngineProcess(_current_specs(), bytes(data))
        except (OSError, EngineProcessError) as exc:
            log.warning("classifier.helper_failed error=%s", exc)
            return None
        log.info("classifier.helper_started pid=%s model=%s", helper.pid, version)
        _helper[key] = helper
        return helper


def stop_engine_helper() -> None:
    with _engine_lock:
        for helper in _helper.values():
            helper.close()
        _helper.clear()


def token_salt() -> str:
    """Registered with the scans: a new model or changed custom rules resample every table."""
    return f"classifier={ensure_active_model()};rules={rules_version()}"


def applicable_codes(selected: Sequence[str] | None) -> frozenset[str]:
    """Codes a rule set applies: its selection, or every active system classification."""
    if selected:
        return frozenset(selected)
    return frozenset(
        Classification.objects.filter(is_system=True, is_active=True).values_list("code", flat=True)
    )


def classification_ids() -> dict[str, int]:
    return dict(Classification.objects.values_list("code", "pk"))
