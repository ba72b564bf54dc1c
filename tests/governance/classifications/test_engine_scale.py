"""The engine's cost does not grow with the number of info types in its library."""

from __future__ import annotations

import numpy as np
import pytest

from governance.classifications.engine import (
    SYSTEM_INFO_TYPES,
    ColumnInput,
    Engine,
    InfoTypeSpec,
    Model,
    register_validator,
)
from governance.classifications.engine.model import compact_forest, predict_forest

from .conftest import synthetic_values

CALLS: list[str] = []


@register_validator("test_counting", "counting validator (tests)")
def _counting(value: str) -> bool:
    CALLS.append(value)
    return True


def _crowd(n: int) -> list[InfoTypeSpec]:
    """``n`` national-number-like types: bare digits, a validator, a name of their own."""
    return [
        InfoTypeSpec(
            code=f"CROWD_{k}",
            name=f"Crowd number {k}",
            weak_value_patterns=(r"[0-9]{6,12}",),
            weak_needs_name=True,
            validator="test_counting",
            column_name_patterns=(rf"\bcrowd ?{k}\b",),
        )
        for k in range(n)
    ]


def test_ambiguous_formats_are_looked_for_only_under_their_name() -> None:
    small, large = Engine(), Engine(specs=[*SYSTEM_INFO_TYPES, *_crowd(300)])
    numbers = ColumnInput("col_3", "varchar(12)", [str(10_000_000 + 7 * i) for i in range(40)])
    CALLS.clear()
    a, b = small.analyze(numbers), large.analyze(numbers)
    assert CALLS == []  # three hundred more types, not one more validation
    assert a.touched == b.touched
    assert [(c.info_type, c.confidence) for c in small.classify(numbers)] == [
        (c.info_type, c.confidence) for c in large.classify(numbers)
    ]
    named = large.classify(ColumnInput("crowd_7", "varchar(12)", numbers.values))
    assert named[0].info_type == "CROWD_7" and len(CALLS) > 0


def test_a_column_touches_a_handful_of_types() -> None:
    engine = Engine(specs=[*SYSTEM_INFO_TYPES, *_crowd(300)])
    emails = ColumnInput("email", "text", synthetic_values("EMAIL_ADDRESS", 30))
    assert len(engine.analyze(emails).touched) <= 8


def test_the_compact_forest_predicts_what_the_fitted_trees_predict() -> None:
    from sklearn.ensemble import ExtraTreesClassifier

    rng = np.random.default_rng(0)
    X = rng.random((400, 12)).astype(np.float32)
    y = rng.integers(0, 9, 400)
    trees = ExtraTreesClassifier(n_estimators=15, random_state=0).fit(X, y)
    forest = compact_forest(trees)
    test = rng.random((60, 12)).astype(np.float32)
    labels = [f"c{k}" for k in range(9)]
    got = predict_forest(forest, test, labels)
    dense = np.array([[row.get(label, 0.0) for label in labels] for row in got])
    assert np.abs(dense - trees.predict_proba(test)).max() < 1e-9
    assert all(len(row) <= 9 for row in got)


def test_the_models_answer_names_few_classes(small_model: Model) -> None:
    engine = Engine(model=small_model)
    columns = [
        ColumnInput("email", "text", synthetic_values("EMAIL_ADDRESS", 30)),
        ColumnInput("col_1", "integer", [str(i) for i in range(50)]),
    ]
    probs = small_model.predict_proba([engine.analyze(c) for c in columns])
    assert all(len(p) < len(small_model.classes) / 3 for p in probs)
    assert sum(probs[0].values()) == pytest.approx(1.0, abs=0.01)
    assert "__none__" in probs[1]
