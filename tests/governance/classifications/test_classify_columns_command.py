"""``manage.py classify_columns`` answers bad input with a clear CommandError naming the line,
never a raw traceback, and writes no output file then."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db

GOOD = {"id": "t.email", "table": "t", "column": "email", "data_type": "text",
        "values": ["a@example.com"]}  # fmt: skip


def _run(tmp_path: Path, content: bytes | str | None) -> tuple[str, Path]:
    src, out = tmp_path / "in.jsonl", tmp_path / "out" / "out.jsonl"
    if content is not None:
        src.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(CommandError) as err:
        call_command("classify_columns", "--input", str(src), "--output", str(out))
    assert not out.exists()
    return str(err.value), src


def test_missing_file(tmp_path: Path):
    message, src = _run(tmp_path, None)
    assert str(src) in message and "not found" in message.lower()


def test_directory_instead_of_file(tmp_path: Path):
    with pytest.raises(CommandError, match="not a file"):
        call_command("classify_columns", "--input", str(tmp_path), "--output", str(tmp_path / "o"))


def test_malformed_json_names_the_line(tmp_path: Path):
    message, _ = _run(tmp_path, json.dumps(GOOD) + "\n\n{not json\n")
    assert "line 3" in message and "JSON" in message


@pytest.mark.parametrize("key", ["id", "column"])
def test_missing_key_names_the_line_and_the_key(tmp_path: Path, key: str):
    record = {k: v for k, v in GOOD.items() if k != key}
    message, _ = _run(tmp_path, json.dumps(GOOD) + "\n" + json.dumps(record) + "\n")
    assert "line 2" in message and f"'{key}'" in message


@pytest.mark.parametrize(
    "line",
    [
        "[1, 2]",
        '"text"',
        json.dumps({**GOOD, "values": "abc"}),
        json.dumps({**GOOD, "values": [{"nested": 1}]}),
        json.dumps({**GOOD, "column": 5}),
        json.dumps({**GOOD, "table": ["x"]}),
        json.dumps({**GOOD, "data_type": {"a": 1}}),
    ],
    ids=["array", "string", "values-str", "values-nested", "column-int", "table-list", "type-dict"],
)
def test_wrong_shapes_name_the_line(tmp_path: Path, line: str):
    message, _ = _run(tmp_path, line + "\n")
    assert "line 1" in message


def test_non_utf8_input(tmp_path: Path):
    content = json.dumps(GOOD).encode() + b"\n" + '{"id": "é"}'.encode("latin-1") + b"\n"
    message, _ = _run(tmp_path, content)
    assert "UTF-8" in message and "line 2" in message


def test_empty_input_is_an_error(tmp_path: Path):
    message, _ = _run(tmp_path, "\n  \n")
    assert "no records" in message.lower()


def test_good_input_still_works(tmp_path: Path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(json.dumps({**GOOD, "values": [f"user{i}@example.com" for i in range(20)]}))
    call_command("classify_columns", "--input", str(src), "--output", str(out))
    assert json.loads(out.read_text()) == {"id": "t.email", "predicted": "EMAIL_ADDRESS"}
