"""The engine's fingerprint: the key of a cached model trained from the engine's own data.

A default model is a function of the engine's code, its data files and the libraries that generate
and fit its training set, so its cache key changes when any of them changes, and not when a
comment, a docstring or the layout of the code does::

    <ENGINE_VERSION>-<FEATURE_VERSION>-<first 12 hex digits of a SHA-256 over
        every data file (data/*.json.gz): its name and bytes,
        every engine module (*.py but the data generator): its name and syntax tree without
            docstrings (comments and formatting are not in the tree),
        the installed versions of the libraries in LIBRARIES>

Bump :data:`ENGINE_VERSION` to retrain cached models when nothing above shows a change.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
from functools import lru_cache
from pathlib import Path

from .datafiles import SUFFIX
from .model import FEATURE_VERSION

ENGINE_VERSION = "e1"
ROOT = Path(__file__).resolve().parent
# Libraries whose version changes the generated training set or the fitted model.
LIBRARIES = ("Faker", "phonenumbers", "python-stdnum", "numpy", "scipy", "scikit-learn")
# Modules that do not shape a model: the data generator (its output is hashed as data).
NOT_HASHED = frozenset({"build_data.py"})


def code_digest(source: str) -> str:
    """The syntax tree of ``source`` without docstrings, as text (blind to comments and layout)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def _library_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def compute(root: Path = ROOT) -> str:
    """The fingerprint of the engine package at ``root`` (its code and ``data/``)."""
    h = hashlib.sha256()
    for path in sorted((root / "data").glob(f"*{SUFFIX}")):
        h.update(f"data/{path.name}\0".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    for path in sorted(root.glob("*.py")):
        if path.name in NOT_HASHED:
            continue
        h.update(f"code/{path.name}\0".encode())
        h.update(hashlib.sha256(code_digest(path.read_text(encoding="utf-8")).encode()).digest())
    for name in LIBRARIES:
        h.update(f"lib/{name}={_library_version(name)}\0".encode())
    return f"{ENGINE_VERSION}-{FEATURE_VERSION}-{h.hexdigest()[:12]}"


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """This engine's fingerprint (computed once per process)."""
    return compute()
