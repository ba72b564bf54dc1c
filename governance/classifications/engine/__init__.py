"""PurSight's column classification engine (free of Django: plain data in, plain data out).

from governance.classifications.engine import ColumnInput, Engine, decide, train_model

engine = Engine(model=train_model())          # build once, reuse
candidates = engine.classify(ColumnInput("iban", "varchar(34)", values))
decision = decide(candidates)                 # best candidate above the threshold, or None
inside = engine.contained(column, candidates)  # e-mails, phones ... inside free text
"""

from .columns import ColumnInput, Example
from .contained import Containment
from .engine import DECISION_THRESHOLD, Candidate, Engine, decide
from .infotypes import (
    SYSTEM_CODES,
    SYSTEM_INFO_TYPES,
    Category,
    InfoTypeSpec,
    Sensitivity,
    get_spec,
)
from .masking import mask_value
from .model import FEATURE_VERSION, Model, ModelFormatError
from .patterns import PatternError, compile_pattern, validate_pattern
from .training import generate_examples, train_model
from .validators import VALIDATORS, register_validator

__all__ = [
    "DECISION_THRESHOLD",
    "FEATURE_VERSION",
    "SYSTEM_CODES",
    "SYSTEM_INFO_TYPES",
    "VALIDATORS",
    "Candidate",
    "Category",
    "ColumnInput",
    "Containment",
    "Engine",
    "Example",
    "InfoTypeSpec",
    "Model",
    "ModelFormatError",
    "PatternError",
    "Sensitivity",
    "compile_pattern",
    "decide",
    "generate_examples",
    "get_spec",
    "mask_value",
    "register_validator",
    "train_model",
    "validate_pattern",
]
