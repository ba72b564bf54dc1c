"""The cached default model is keyed by the engine's fingerprint (code, data, libraries)."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.classifications import services as classifications
from governance.classifications.engine import Model
from governance.classifications.engine.fingerprint import fingerprint


def test_the_default_model_cache_is_keyed_by_the_engine_fingerprint(
    settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_model: Model
) -> None:
    settings.PURSIGHT_CLASSIFIER = {"CACHE_DIR": tmp_path, "SEED": 0}
    monkeypatch.setattr(classifications, "train_model", lambda **kwargs: small_model)
    classifications._default_model()
    assert [p.name for p in tmp_path.glob("default-*.bin")] == [f"default-{fingerprint()}-s0.bin"]
