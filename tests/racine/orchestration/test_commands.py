"""manage.py import_workflow / export_workflow / run_workflow --wait."""

from __future__ import annotations

from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from racine.orchestration.models import Workflow, WorkflowRun

pytestmark = pytest.mark.django_db(transaction=True)

DEFINITION = """
name: nightly
title: Nightly checks
steps:
  - key: first
    type: noop
  - key: second
    type: noop
    after: [first]
    retries: 1
"""


def test_import_export_run(tmp_path):
    path = tmp_path / "wf.yaml"
    path.write_text(DEFINITION)
    out = StringIO()
    call_command("import_workflow", str(path), stdout=out)
    assert "Imported workflow 'nightly' (2 steps" in out.getvalue()
    exported = StringIO()
    call_command("export_workflow", "nightly", stdout=exported)
    data = yaml.safe_load(exported.getvalue())
    assert [s["key"] for s in data["steps"]] == ["first", "second"]
    assert data["steps"][1] == {
        "key": "second",
        "type": "noop",
        "params": {},
        "after": ["first"],
        "retries": 1,
        "retry_backoff": 10,
        "timeout": 3600,
    }
    out = StringIO()
    call_command("run_workflow", "nightly", "--wait", stdout=out)
    assert "succeeded" in out.getvalue() and "2/2" in out.getvalue()
    run = WorkflowRun.objects.get()
    assert run.state == "succeeded" and run.trigger == "command"


def test_errors_are_clear(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(DEFINITION.replace("after: [first]", "after: [third]"))
    with pytest.raises(CommandError, match="comes after 'third', which is no step"):
        call_command("import_workflow", str(path))
    assert not Workflow.objects.exists()
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_workflow", str(tmp_path / "missing.yaml"))
    with pytest.raises(CommandError, match="No workflow named 'ghost'"):
        call_command("run_workflow", "ghost")
    path.write_text(
        DEFINITION.replace(
            "type: noop\n    after",
            "type: noop\n    retries: 1\n    params: {fail_attempts: 5}\n    after",
        )
    )
    call_command("import_workflow", str(path))
    with pytest.raises(CommandError, match="failed"):
        call_command("run_workflow", "nightly", "--wait", stdout=StringIO())


def test_names_are_unique_per_collection_and_commands_say_which(tmp_path):
    from governance.rbac.models import Collection

    first = Collection.objects.create(name="Finance", slug="finance")
    second = Collection.objects.create(name="HR", slug="hr")
    for collection in (first, second):
        path = tmp_path / f"{collection.pk}.yaml"
        path.write_text(DEFINITION + f"collection: {collection.pk}\n")
        call_command("import_workflow", str(path), stdout=StringIO())
    assert Workflow.objects.filter(name="nightly").count() == 2
    with pytest.raises(CommandError, match=r"Several workflows are named 'nightly'.*--collection"):
        call_command("export_workflow", "nightly")
    exported = StringIO()
    call_command("export_workflow", "nightly", "--collection", "HR", stdout=exported)
    assert yaml.safe_load(exported.getvalue())["collection"] == second.pk
    with pytest.raises(CommandError, match="No workflow named 'nightly' in collection 'platform'"):
        call_command("run_workflow", "nightly", "--collection", "platform")
    # Within one collection the name stays unique.
    path = tmp_path / "again.yaml"
    path.write_text(DEFINITION + f"collection: {first.pk}\n")
    with pytest.raises(CommandError, match="already exists in this collection"):
        call_command("import_workflow", str(path))
