"""The engine's fingerprint, a cached default model's key: code, data, libraries, not comments."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from governance.classifications.engine import datafiles, fingerprint

ENGINE = Path(fingerprint.__file__).resolve().parent


@pytest.fixture
def engine_copy(tmp_path: Path) -> Path:
    target = tmp_path / "engine"
    shutil.copytree(ENGINE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_fingerprint_names_the_versions() -> None:
    key = fingerprint.fingerprint()
    assert re.fullmatch(r"e\d+-f\d+-[0-9a-f]{12}", key)
    assert key.startswith(f"{fingerprint.ENGINE_VERSION}-{fingerprint.FEATURE_VERSION}-")
    assert key == fingerprint.compute()


def test_it_does_not_depend_on_where_the_engine_is(engine_copy: Path) -> None:
    assert fingerprint.compute(engine_copy) == fingerprint.compute(ENGINE)


def test_comments_docstrings_and_layout_do_not_change_it(engine_copy: Path) -> None:
    before = fingerprint.compute(engine_copy)
    training = engine_copy / "training.py"
    _edit(training, "import random\n", "import random  # the column's random state\n\n")
    _edit(training, '"""Synthetic training data and model training.', '"""Training, reworded.')
    _edit(
        training,
        '    """Feedback examples plus resampled copies (bootstrap of the values) of each."""',
        '    """Feedback examples, each with resampled copies."""\n    # a new comment',
    )
    _edit(engine_copy / "generators.py", "def variant_email(", "\n\ndef variant_email(")
    # the data generator does not shape a model (what it writes does)
    _edit(engine_copy / "build_data.py", "NAMES_PER_LOCALE = 500", "NAMES_PER_LOCALE = 501")
    assert fingerprint.compute(engine_copy) == before


def test_a_code_change_changes_it(engine_copy: Path) -> None:
    before = fingerprint.compute(engine_copy)
    _edit(engine_copy / "training.py", "per_type: int = 70,", "per_type: int = 71,")
    assert fingerprint.compute(engine_copy) != before


def test_a_version_bump_changes_it(engine_copy: Path) -> None:
    before = fingerprint.compute(engine_copy)
    version = fingerprint.ENGINE_VERSION
    _edit(engine_copy / "fingerprint.py", f'= "{version}"', f'= "{version}x"')
    assert fingerprint.compute(engine_copy) != before


def test_a_new_module_changes_it(engine_copy: Path) -> None:
    before = fingerprint.compute(engine_copy)
    (engine_copy / "extra.py").write_text("WEIGHT = 1\n")
    assert fingerprint.compute(engine_copy) != before


def test_a_data_change_changes_it(engine_copy: Path) -> None:
    before = fingerprint.compute(engine_copy)
    path = datafiles.path_of("training", engine_copy / "data")
    content = datafiles.decode(path.read_bytes())
    content["locales"][0][1] = 0.31
    path.write_bytes(datafiles.encode(content))
    after = fingerprint.compute(engine_copy)
    assert after != before
    path.write_bytes(datafiles.encode(datafiles.decode(path.read_bytes())))  # same bytes again
    assert fingerprint.compute(engine_copy) == after
    (engine_copy / "data" / f"more{datafiles.SUFFIX}").write_bytes(datafiles.encode([]))
    assert fingerprint.compute(engine_copy) not in (before, after)


def test_the_data_sources_alone_do_not_change_it(engine_copy: Path) -> None:
    """An edited source counts once ``make engine-data`` has turned it into a data file."""
    before = fingerprint.compute(engine_copy)
    with (engine_copy / "data" / "sources" / "world_cities.txt").open("a") as fh:
        fh.write("atlantis\n")
    assert fingerprint.compute(engine_copy) == before


def test_a_library_upgrade_changes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    before = fingerprint.compute()
    real = fingerprint._library_version
    monkeypatch.setattr(
        fingerprint, "_library_version", lambda name: "99.0" if name == "Faker" else real(name)
    )
    assert fingerprint.compute() != before
