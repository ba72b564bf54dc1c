"""The learned part of the classifier (scikit-learn), combined with the rules by the engine.

Two stages:

1. a *name model*: a complement naive Bayes classifier over hashed character n-grams of the
   normalised column name and word tokens of the table name (multilingual by construction: it
   learns ``telefon``, ``courriel`` or ``geburtsdatum`` from the generated names, and whatever
   stewards' feedback adds);
2. an extremely-randomised-trees ensemble over the column's value profile and rule evidence
   (pattern and validator pass ratios per info type and summed up over all types, dictionary hit
   ratios, character classes, lengths, data type, the table and neighbouring columns, ...) plus
   the name model's out-of-fold probabilities. Once fitted it is kept in a compact form
   (:func:`compact_forest`): split nodes and one sparse matrix of leaf probabilities, so that
   neither its size nor its prediction time grows with the number of info types.

``Model.to_bytes()`` / ``Model.from_bytes()`` serialise it (zlib-compressed pickle, loaded with an
unpickler that only admits numpy/scipy/scikit-learn classes: load bytes that this application
wrote, as for any pickle).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import pickle
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .columns import Example
from .features import ColumnAnalysis, Library, analyze, feature_names
from .infotypes import SYSTEM_INFO_TYPES

if TYPE_CHECKING:
    import scipy.sparse as sp
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.naive_bayes import ComplementNB

# scikit-learn and SciPy are imported when a model is trained, loaded or used, not with this
# module: a web or worker process that never classifies does not carry their ~120 MB.

FEATURE_VERSION = "f3"
NONE_LABEL = "__none__"
_MAGIC = b"PSCM1\n"
NAME_HASH_FEATURES = 2**14
MIN_PROBABILITY = 1e-4  # a class below this probability is left out of a column's answer


class ModelFormatError(ValueError):
    """Bytes that are not a serialised model of a compatible version."""


def _name_docs(analyses: Sequence[ColumnAnalysis]) -> list[str]:
    return [a.name_norm for a in analyses]


def _table_docs(analyses: Sequence[ColumnAnalysis]) -> list[str]:
    return [a.table_norm for a in analyses]


def _make_vectorizers() -> tuple[HashingVectorizer, HashingVectorizer]:
    from sklearn.feature_extraction.text import HashingVectorizer

    name_vec = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        n_features=NAME_HASH_FEATURES,
        alternate_sign=False,
        norm="l2",
        lowercase=False,
    )
    table_vec = HashingVectorizer(
        analyzer="word",
        n_features=2**10,
        alternate_sign=False,
        norm="l2",
        lowercase=False,
        token_pattern=r"[a-z0-9]+",  # noqa: S106 - a regex, not a password
    )
    return name_vec, table_vec


class Model:
    """A trained classifier: ``predict_proba(analyses)``, {info_type: probability} per column.

    Each column's dict holds the classes with a probability of at least ``MIN_PROBABILITY``
    (``NONE_LABEL``'s is that of "not sensitive"); any other class of ``classes`` has (about)
    zero.
    """

    def __init__(
        self,
        classes: Sequence[str],
        feature_codes: Sequence[str],
        name_model: ComplementNB,
        forest: Forest,
        metadata: dict[str, Any] | None = None,
        trained_at: str | None = None,
        version: str | None = None,
    ) -> None:
        self.classes: tuple[str, ...] = tuple(classes)
        self.feature_codes: tuple[str, ...] = tuple(feature_codes)
        self.name_model = name_model
        self.forest = forest
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.trained_at: str = trained_at or _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        self._name_vec, self._table_vec = _make_vectorizers()
        self._version: str | None = version

    # -- identity --------------------------------------------------------------------------------

    @property
    def version(self) -> str:
        """``<feature version>-<date>-<hash of the parameters>``, stable across serialisation."""
        if self._version is None:
            digest = hashlib.sha256(self._payload()).hexdigest()[:10]
            self._version = f"{FEATURE_VERSION}-{self.trained_at[:10].replace('-', '')}-{digest}"
        return self._version

    # -- features --------------------------------------------------------------------------------

    def _name_matrix(self, analyses: Sequence[ColumnAnalysis]) -> sp.csr_matrix:
        import scipy.sparse as sp

        names = self._name_vec.transform(_name_docs(analyses))
        tables = self._table_vec.transform(_table_docs(analyses)) * 0.5
        return sp.hstack([names, tables], format="csr")

    def _tree_matrix(
        self, analyses: Sequence[ColumnAnalysis], name_probs: np.ndarray
    ) -> np.ndarray:
        dense = np.vstack([a.dense for a in analyses]).astype(np.float32)
        return np.hstack([dense, name_probs.astype(np.float32)])

    def predict_proba(self, analyses: Sequence[ColumnAnalysis]) -> list[dict[str, float]]:
        """Probabilities per class for each column (``NONE_LABEL``: not sensitive)."""
        if not analyses:
            return []
        name_probs = _expand(
            self.name_model.predict_proba(self._name_matrix(analyses)),
            self.name_model.classes_,
            len(self.classes),
        )
        return predict_forest(self.forest, self._tree_matrix(analyses, name_probs), self.classes)

    # -- training --------------------------------------------------------------------------------

    @classmethod
    def fit(cls, examples: Sequence[Example], *, seed: int = 0, small: bool = False) -> Model:
        import sklearn
        from sklearn.ensemble import ExtraTreesClassifier
        from sklearn.model_selection import StratifiedKFold
        from sklearn.naive_bayes import ComplementNB

        specs = SYSTEM_INFO_TYPES
        library = Library(specs)
        codes = tuple(s.code for s in specs)
        classes = (NONE_LABEL, *codes)
        index = {c: i for i, c in enumerate(classes)}
        analyses = [
            analyze(
                library,
                e.column.name,
                e.column.data_type,
                e.column.values,
                e.column.table,
                siblings=e.column.siblings,
            )
            for e in examples
        ]
        y = np.array([index[e.label or NONE_LABEL] for e in examples])
        w = np.array([e.weight for e in examples], dtype=np.float64)
        name_vec, table_vec = _make_vectorizers()
        model = cls(classes, codes, ComplementNB(), {})
        X_name = model._name_matrix(analyses)

        def name_nb() -> ComplementNB:
            return ComplementNB(alpha=0.3)

        # out-of-fold name probabilities, so that the trees learn how far to trust them
        oof = np.zeros((len(examples), len(classes)), dtype=np.float64)
        folds = StratifiedKFold(n_splits=4, shuffle=True, random_state=seed)
        present = np.unique(y)
        for tr, te in folds.split(X_name, y):
            nb = name_nb().fit(X_name[tr], y[tr], sample_weight=w[tr])
            oof[np.ix_(te, nb.classes_)] = nb.predict_proba(X_name[te])
        name_model = name_nb().fit(X_name, y, sample_weight=w)
        name_model.feature_count_ = None  # only needed for partial_fit; halves the model size
        # (classes x hashed n-grams) log-probabilities: single precision is plenty, half the size
        name_model.feature_log_prob_ = name_model.feature_log_prob_.astype(np.float32)
        X_tree = model._tree_matrix(analyses, oof)
        tree = ExtraTreesClassifier(
            n_estimators=60 if small else 80,
            max_features=0.4,
            min_samples_leaf=1,
            n_jobs=1,
            random_state=seed,
        )
        tree.fit(X_tree, y, sample_weight=w)
        model.name_model = name_model
        model.forest = compact_forest(tree)
        model.metadata = {
            "feature_version": FEATURE_VERSION,
            "sklearn_version": sklearn.__version__,
            "classes": [c for c in classes if c != NONE_LABEL],
            "n_features": X_tree.shape[1],
            "label_counts": {classes[int(k)]: int((y == k).sum()) for k in present},
        }
        model._name_vec, model._table_vec = name_vec, table_vec
        return model

    # -- serialisation ---------------------------------------------------------------------------

    def _state(self, *, with_version: bool = True) -> dict[str, Any]:
        state = {
            "classes": self.classes,
            "feature_codes": self.feature_codes,
            "name_model": self.name_model,
            "forest": self.forest,
            "metadata": self.metadata,
            "trained_at": self.trained_at,
            "feature_version": FEATURE_VERSION,
        }
        if with_version:
            state["version"] = self.version
        return state

    def _payload(self, *, with_version: bool = False) -> bytes:
        return pickle.dumps(
            self._state(with_version=with_version), protocol=pickle.HIGHEST_PROTOCOL
        )

    def to_bytes(self) -> bytes:
        """The model as bytes (store them; ``Model.from_bytes`` reads them back)."""
        return _MAGIC + zlib.compress(self._payload(with_version=True), 6)

    @classmethod
    def from_bytes(cls, data: bytes) -> Model:
        if not data.startswith(_MAGIC):
            raise ModelFormatError("not a PurSight classification model")
        try:
            raw = zlib.decompress(data[len(_MAGIC) :])
            state = _RestrictedUnpickler(io.BytesIO(raw)).load()
        except (zlib.error, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            raise ModelFormatError(f"corrupt model: {exc}") from None
        if state.get("feature_version") != FEATURE_VERSION:
            raise ModelFormatError(
                f"model feature version {state.get('feature_version')!r} != {FEATURE_VERSION!r}; "
                "retrain the model"
            )
        return cls(
            state["classes"],
            state["feature_codes"],
            state["name_model"],
            state["forest"],
            state["metadata"],
            state["trained_at"],
            state.get("version"),
        )

    def __repr__(self) -> str:
        return f"<Model {self.version} classes={len(self.classes) - 1}>"


Forest = dict[str, Any]


def compact_forest(trees: ExtraTreesClassifier) -> Forest:
    """The fitted ensemble in the form the engine predicts with, small and fast.

    A fitted tree keeps a class distribution for each of its nodes: nodes x classes floats,
    which grows with the number of info types (a hundred types, ~100 MB for the default model)
    and makes every prediction add up as many values per tree. Only leaves matter and nearly
    every leaf holds one class: the leaves' distributions become one sparse matrix (global leaf
    id x class, already divided by the number of trees), and each tree keeps its split nodes
    only, in a scikit-learn ``Tree`` with a single-class value array, which still routes a
    column to its leaf in C. A prediction is the sum of its leaves' rows: the same numbers
    scikit-learn's ``predict_proba`` gives, at a cost that does not grow with the classes.
    """
    import scipy.sparse as sp
    from sklearn.tree._tree import Tree

    routing, offsets = [], []
    rows, cols, vals = [], [], []
    n_trees = len(trees.estimators_)
    offset = 0
    for estimator in trees.estimators_:
        tree = estimator.tree_
        n = tree.node_count
        leaves = np.flatnonzero(tree.children_left == -1)
        dist = tree.value[leaves, 0, :]
        dist = dist / dist.sum(axis=1, keepdims=True)
        r, c = np.nonzero(dist)
        rows.append(leaves[r] + offset)
        cols.append(c)
        vals.append(dist[r, c] / n_trees)
        shadow = Tree(tree.n_features, np.array([1], dtype=np.intp), 1)
        state = tree.__getstate__()
        shadow.__setstate__(
            {
                "max_depth": state["max_depth"],
                "node_count": n,
                "nodes": state["nodes"],
                "values": np.zeros((n, 1, 1), dtype=np.float64),
            }
        )
        routing.append(shadow)
        offsets.append(offset)
        offset += n
    leaf_values = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(offset, len(trees.classes_)),
    )
    return {
        "trees": routing,
        "offsets": np.array(offsets, dtype=np.intp),
        "leaf_values": leaf_values,
        "classes": np.asarray(trees.classes_, dtype=np.intp),  # indices into Model.classes
    }


def predict_forest(forest: Forest, X: np.ndarray, classes: Sequence[str]) -> list[dict[str, float]]:
    """Each row's class probabilities, as {class: probability} of the classes with some.

    A class below ``MIN_PROBABILITY`` is left out (read it as 0): a column's dict holds the
    handful of classes its leaves name, whatever the number of types.
    """
    import scipy.sparse as sp

    X = np.ascontiguousarray(X, dtype=np.float32)
    trees, offsets = forest["trees"], forest["offsets"]
    n, k = X.shape[0], len(trees)
    leaves = np.empty((n, k), dtype=np.intp)
    for j, tree in enumerate(trees):
        leaves[:, j] = tree.apply(X) + offsets[j]
    routed = sp.csr_matrix(
        (np.ones(n * k), leaves.ravel(), np.arange(0, n * k + 1, k)),
        shape=(n, forest["leaf_values"].shape[0]),
    )
    probs = (routed @ forest["leaf_values"]).tocsr()
    labels = [classes[int(c)] for c in forest["classes"]]
    out = []
    indptr, indices, data = probs.indptr, probs.indices, probs.data
    for row in range(n):
        start, end = indptr[row], indptr[row + 1]
        out.append(
            {
                labels[c]: float(p)
                for c, p in zip(indices[start:end].tolist(), data[start:end].tolist(), strict=True)
                if p >= MIN_PROBABILITY
            }
        )
    return out


def _expand(probs: np.ndarray, present: np.ndarray, n: int) -> np.ndarray:
    if probs.shape[1] == n:
        return probs
    out = np.zeros((probs.shape[0], n))
    out[:, present] = probs
    return out


_ALLOWED_MODULE_PREFIXES = ("sklearn.", "numpy", "scipy.", "_loss")
_ALLOWED_BUILTINS = {
    "builtins": {"dict", "list", "tuple", "set", "frozenset", "slice", "bytearray", "complex",
                 "float", "int", "str", "bytes", "bool", "object", "getattr"},
    "collections": {"OrderedDict", "defaultdict"},
    "copyreg": {"_reconstructor"},
}  # fmt: skip


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module.startswith(_ALLOWED_MODULE_PREFIXES) or module in ("numpy", "sklearn", "scipy"):
            return super().find_class(module, name)
        if name in _ALLOWED_BUILTINS.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a model file")


__all__ = ["FEATURE_VERSION", "Model", "ModelFormatError", "feature_names"]
