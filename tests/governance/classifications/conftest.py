"""Fixtures for the classification engine tests (pure Python: no database, no Django)."""

from __future__ import annotations

import random

import pytest

from governance.classifications.engine import ColumnInput, Engine, Model, train_model
from governance.classifications.engine.training import VARIANTS, Ctx


@pytest.fixture(scope="session")
def rules_engine() -> Engine:
    return Engine()


@pytest.fixture(scope="session")
def small_model() -> Model:
    return train_model(small=True, seed=3)


@pytest.fixture(scope="session")
def model_engine(small_model: Model) -> Engine:
    return Engine(model=small_model)


def synthetic_values(
    info_type: str, n: int = 40, seed: int = 7, locale: str = "en_US"
) -> list[str]:
    """Clean values of one info type from the engine's own generator (deterministic)."""
    ctx = Ctx(random.Random(seed), locale)
    gen, _ = VARIANTS[info_type](ctx)
    return [str(gen(ctx)) for _ in range(n)]


def column(name: str, values: list[str | None], data_type: str = "varchar(100)", table: str = "t"):
    return ColumnInput(name=name, data_type=data_type, values=values, table=table)
