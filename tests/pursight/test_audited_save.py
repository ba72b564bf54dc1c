"""``pursight.audit.audited_save``: snapshot the stored row, save, record the diff."""

from __future__ import annotations

import pytest

from governance.classifications.models import SensitivityLabel
from pursight import audit
from pursight.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _label(**kw: object) -> SensitivityLabel:
    return SensitivityLabel(**{"name": "Secret-ish", "rank": 97, **kw})


def test_a_new_object_is_recorded_as_created_with_every_field(admin_user):
    label = audit.audited_save(actor=admin_user, obj=_label())
    assert label.pk is not None
    event = AuditEvent.objects.get(action="sensitivitylabel.create")
    assert event.actor == admin_user
    assert event.object_id == str(label.pk)
    assert event.changes["name"] == [None, "Secret-ish"]
    assert event.changes["rank"] == [None, 97]
    assert event.changes["id"] == [None, label.pk]


def test_an_update_records_the_difference_with_the_stored_row(admin_user):
    label = _label()
    label.save()
    stale = SensitivityLabel.objects.get(pk=label.pk)
    SensitivityLabel.objects.filter(pk=label.pk).update(name="Stored")
    stale.name = "After"
    audit.audited_save(actor=admin_user, obj=stale, source_ip="198.51.100.7")
    event = AuditEvent.objects.get(action="sensitivitylabel.update")
    # "before" is the row as stored, not the (stale) instance in memory.
    assert event.changes["name"] == ["Stored", "After"]
    assert set(event.changes) <= {"name", "updated_at"}
    assert event.source_ip == "198.51.100.7"
    assert SensitivityLabel.objects.get(pk=label.pk).name == "After"


def test_fields_saves_and_records_only_those():
    label = _label()
    label.save()
    label.name = "Renamed"
    label.description = "not saved"
    audit.audited_save(actor=None, obj=label, action="label.rename", fields=["name"])
    stored = SensitivityLabel.objects.get(pk=label.pk)
    assert stored.name == "Renamed" and stored.description == ""
    event = AuditEvent.objects.get(action="label.rename")
    assert event.changes == {"name": ["Secret-ish", "Renamed"]}
    assert event.actor is None and event.actor_repr == "system"


def test_an_unchanged_row_records_an_empty_diff():
    label = _label()
    label.save()
    audit.audited_save(actor=None, obj=label, action="label.touch", fields=["name"])
    assert AuditEvent.objects.get(action="label.touch").changes == {}


def test_secrets_never_reach_the_trail(make_source, admin_user):
    source = make_source(name="pg", password="hunter2")
    source.set_password("n3w-secret")
    source.description = "edited"
    audit.audited_save(actor=admin_user, obj=source, action="datasource.edit")
    event = AuditEvent.objects.get(action="datasource.edit")
    assert "n3w-secret" not in str(event.changes) and "hunter2" not in str(event.changes)
    assert event.changes["description"] == ["", "edited"]
    assert event.collection_id == source.collection_id
