"""The column classification engine: plain data in, ranked and explained candidates out.

``Engine(specs=..., model=...)`` is built once and reused. ``classify(column)`` returns ranked
:class:`Candidate` objects, each with a confidence, the source of the evidence (rules, model or
both), human reasons and masked evidence; :func:`decide` is the single place where the decision
threshold lives.

Scoring: a rule confidence is computed per info type from the values (share of non-null values
matching the type's patterns and passing its validator or dictionary) and the column name; when a
model is present its probability for the type, read against its probability of "not sensitive",
is blended with the rule confidence. A type's context check (:mod:`.context`: a birth date's
name, neighbours and spread, a country code that is a language) may then cap it. Only the types
the column's values or name point at, or the model gives a chance, are scored: the cost of a
column does not grow with the size of the library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .columns import ColumnInput
from .contained import Containment, find_contained
from .context import CONTEXT_CAP, CONTEXT_CHECKS
from .features import ColumnAnalysis, CompiledSpec, Library, TypeEvidence, analyze
from .infotypes import STRING, SYSTEM_INFO_TYPES, WEAK, InfoTypeSpec
from .masking import mask_value
from .model import NONE_LABEL
from .numeric_codes import NumericCountry, numeric_country

if TYPE_CHECKING:
    from .model import Model

Source = Literal["rule", "model", "rule+model"]

DECISION_THRESHOLD = 0.5  # a candidate below this is a suggestion, not a classification
NAME_ONLY_CONFIDENCE = 0.62  # name matches and there is no value to contradict it
NAME_AGREEMENT = 0.85  # how much of the remaining doubt a matching column name removes
MODEL_WEIGHT = 0.75  # blend: confidence = w * model probability + (1 - w) * rule confidence
MIN_AGAINST = 0.5  # the model's probability of a type is read against that of "not sensitive"
MIN_REPORTED = 0.05  # candidates below this confidence are not listed
MAX_EVIDENCE = 3


@dataclass
class Candidate:
    """One possible classification of a column, with why we think so."""

    info_type: str
    confidence: float
    source: Source
    reasons: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)  # masked example values
    match_ratio: float = 0.0  # validated (or matched, without a validator) / non-null sampled
    matched: int = 0
    validated: int = 0
    sampled: int = 0
    rule_confidence: float = 0.0
    model_confidence: float | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "info_type": self.info_type,
            "confidence": round(self.confidence, 4),
            "source": self.source,
            "reasons": list(self.reasons),
            "evidence": list(self.evidence),
            "match_ratio": round(self.match_ratio, 4),
            "matched": self.matched,
            "validated": self.validated,
            "sampled": self.sampled,
            "rule_confidence": round(self.rule_confidence, 4),
            "model_confidence": (
                None if self.model_confidence is None else round(self.model_confidence, 4)
            ),
        }


def decide(
    candidates: Sequence[Candidate], threshold: float = DECISION_THRESHOLD
) -> Candidate | None:
    """The classification to apply: the best candidate if it clears ``threshold``, else ``None``."""
    if not candidates:
        return None
    best = max(candidates, key=lambda c: c.confidence)
    return best if best.confidence >= threshold else None


CHECKSUM_VETO_CAP = 0.3  # most a type may score when its values fail their check digits


def _checksum_veto(cs: CompiledSpec, ev: TypeEvidence, non_null: int) -> bool:
    """Values shaped like a checksummed identifier whose check digits mostly fail."""
    if not cs.checksum or not non_null or ev.matched < 0.5 * non_null:
        return False
    return ev.validated < 0.5 * cs.spec.min_match_ratio * non_null


@dataclass
class _RuleScore:
    confidence: float
    ratio: float
    value_ok: bool
    name_hit: bool


class Engine:
    """Classifies columns with the info-type rules and, when given, the trained model."""

    def __init__(
        self,
        specs: Sequence[InfoTypeSpec] | None = None,
        model: Model | None = None,
        *,
        decision_threshold: float = DECISION_THRESHOLD,
        model_weight: float = MODEL_WEIGHT,
        max_candidates: int = 5,
    ) -> None:
        self.specs: tuple[InfoTypeSpec, ...] = tuple(
            specs if specs is not None else SYSTEM_INFO_TYPES
        )
        self.library = Library(self.specs)
        self.model = model
        self.decision_threshold = decision_threshold
        self.model_weight = model_weight
        self.max_candidates = max_candidates
        self._model_codes: tuple[str, ...] | None = model.feature_codes if model else None
        self._model_classes: frozenset[str] = frozenset(model.classes) if model else frozenset()

    # -- public API --------------------------------------------------------------------------

    def analyze(self, column: ColumnInput) -> ColumnAnalysis:
        return analyze(
            self.library,
            column.name,
            column.data_type,
            column.values,
            column.table,
            model_codes=self._model_codes,
            siblings=column.siblings,
        )

    def classify(self, column: ColumnInput) -> list[Candidate]:
        """Ranked candidates for one column (best first; may be empty)."""
        return self.classify_many([column])[0]

    def classify_many(self, columns: Sequence[ColumnInput]) -> list[list[Candidate]]:
        """Ranked candidates for each column (the model runs once for the whole batch)."""
        analyses = [self.analyze(c) for c in columns]
        probs: list[dict[str, float]] | None = None
        if self.model is not None and analyses:
            probs = self.model.predict_proba(analyses)
        return [
            self._candidates(col, an, probs[k] if probs is not None else None)
            for k, (col, an) in enumerate(zip(columns, analyses, strict=True))
        ]

    def decide(self, candidates: Sequence[Candidate]) -> Candidate | None:
        return decide(candidates, self.decision_threshold)

    def contained(
        self, column: ColumnInput, candidates: Sequence[Candidate] | None = None
    ) -> list[Containment]:
        """Personal data inside ``column``'s free text (an e-mail in a notes column), by type.

        A separate result from the column's type: ``candidates`` (its classification) tell
        which type the column is, and that one is not reported as contained.
        """
        decision = self.decide(candidates) if candidates else None
        return find_contained(column, {decision.info_type} if decision else set())

    def contained_many(
        self, columns: Sequence[ColumnInput], results: Sequence[Sequence[Candidate]] | None = None
    ) -> list[list[Containment]]:
        """:meth:`contained` for each column (``results``: their ``classify_many`` answer)."""
        if results is None:
            return [self.contained(c) for c in columns]
        return [self.contained(c, r) for c, r in zip(columns, results, strict=True)]

    # -- scoring -------------------------------------------------------------------------------

    def _candidates(
        self, column: ColumnInput, an: ColumnAnalysis, probs: dict[str, float] | None
    ) -> list[Candidate]:
        # pass 1: confidences only (cheap); pass 2: reasons and masked evidence for the best few
        w = self.model_weight
        scored: list[tuple[float, str, CompiledSpec, float, float | None]] = []
        evidence, name_hits, non_null = an.evidence, an.name_hits, an.non_null
        floor = MIN_REPORTED / w if w else float("inf")  # least model probability worth a look
        # the types worth scoring: those the values or the name point at, and those the model
        # gives a probability that could make them a candidate (never the whole library)
        library = self.library
        indices = set(an.touched) | name_hits
        p_none = probs.get(NONE_LABEL, 0.0) if probs is not None else 0.0
        if probs is not None:
            index = library.index
            indices.update(
                index[c]
                for c, p in probs.items()
                if p >= floor * max(p + p_none, MIN_AGAINST) and c in index
            )
        model_classes = self._model_classes
        vetoes: dict[str, str] = {}  # code -> why its context rules it out
        for i in sorted(indices):
            cs = library.compiled[i]
            ev = evidence[i]
            code = cs.spec.code
            p = None
            if probs is not None and code in model_classes:
                # the model's word on "this type rather than nothing": its probability against
                # that of "not sensitive", not diluted by the types it resembles (eleven digits
                # passing a check are a PESEL, an OIB or a tax id: the values and names decide);
                # at most doubled, so that a trace of probability stays a trace when the model
                # is sure the column holds *something*
                p_type = probs.get(code, 0.0)
                p = p_type / max(p_type + p_none, MIN_AGAINST) if p_type > 0.0 else 0.0
            if not ev.matched and not ev.validated and i not in name_hits:
                # nothing in the name or the values points at this type: only the model can
                if p is None or p < floor:
                    continue
                rule = 0.0
            else:
                rule = self._rule_score(cs, ev, an, column, None).confidence
            confidence = rule if p is None else w * p + (1.0 - w) * rule
            if cs.checksum and _checksum_veto(cs, ev, non_null):
                confidence = min(confidence, CHECKSUM_VETO_CAP)
            check = CONTEXT_CHECKS.get(code)
            if check is not None and confidence > CONTEXT_CAP:
                verdict = check(column, an, library)
                if verdict is not None:
                    confidence = min(confidence, verdict.cap)
                    vetoes[code] = verdict.reason
            if confidence >= MIN_REPORTED:
                scored.append((confidence, code, cs, rule, p))
        # countries written as ISO numeric codes: no pattern of the Country type reads them
        special: dict[str, NumericCountry] = {}
        country = library.index.get("COUNTRY")
        if country is not None and an.non_null:
            numeric = numeric_country(column, an, library)
            best = max((t[0] for t in scored if t[1] == "COUNTRY"), default=0.0)
            if numeric is not None and numeric.confidence > best:
                scored = [t for t in scored if t[1] != "COUNTRY"]
                cs = library.compiled[country]
                scored.append((numeric.confidence, "COUNTRY", cs, numeric.confidence, None))
                special["COUNTRY"] = numeric
        scored.sort(key=lambda t: (-t[0], t[1]))
        model_version = self.model.version if self.model is not None else ""
        out: list[Candidate] = []
        for confidence, code, cs, rule, p in scored[: self.max_candidates]:
            ev = an.evidence[cs.index]
            if code in special:
                found = special[code]
                out.append(
                    Candidate(
                        info_type=code,
                        confidence=round(confidence, 4),
                        source="rule",
                        reasons=list(found.reasons),
                        evidence=list(found.evidence),
                        match_ratio=round(found.validated / an.non_null, 4),
                        matched=found.matched,
                        validated=found.validated,
                        sampled=an.sampled,
                        rule_confidence=round(confidence, 4),
                    )
                )
                continue
            reasons: list[str] = []
            self._rule_score(cs, ev, an, column, reasons)
            if code in vetoes:
                reasons.append(vetoes[code])
            if p is None:
                source = "rule"
            else:
                reasons.append(
                    f"model {model_version} gives {code} a probability of {p:.2f} against "
                    "not sensitive"
                )
                if rule >= 0.3 and p >= 0.3:
                    source = "rule+model"
                elif p > rule:
                    source = "model"
                else:
                    source = "rule"
            nn = an.non_null
            out.append(
                Candidate(
                    info_type=code,
                    confidence=round(min(1.0, max(0.0, confidence)), 4),
                    source=source,  # type: ignore[arg-type]
                    reasons=reasons,
                    evidence=[mask_value(code, v) for v in ev.examples[:MAX_EVIDENCE]],
                    match_ratio=round(ev.validated / nn, 4) if nn else 0.0,
                    matched=ev.matched,
                    validated=ev.validated,
                    sampled=an.sampled,
                    rule_confidence=round(rule, 4),
                    model_confidence=None if p is None else round(p, 4),
                )
            )
        return out

    def _rule_score(
        self,
        cs: CompiledSpec,
        ev: TypeEvidence,
        an: ColumnAnalysis,
        column: ColumnInput,
        reasons: list[str] | None,
    ) -> _RuleScore:
        """The rules' confidence for one type; appends human reasons when ``reasons`` is a list."""
        spec = cs.spec
        why = reasons is not None
        nn = an.non_null
        name_hit = cs.index in an.name_hits and cs.index not in an.name_excluded
        if why and name_hit:
            reasons.append(f"column name '{column.name}' matches {spec.code}")
        elif why and cs.index in an.name_hits:
            reasons.append(
                f"column name '{column.name}' mentions {spec.code} but names a related attribute"
            )
        if an.family not in spec.data_types and an.family != STRING:
            if why and (name_hit or ev.matched):
                reasons.append(
                    f"declared type '{column.data_type}' is not compatible with {spec.code}"
                )
            return _RuleScore(0.0, 0.0, False, name_hit)

        ratio = ev.validated / nn if nn else 0.0
        value_ok = nn > 0 and ratio >= spec.min_match_ratio and ev.column_check_ok
        if why and nn and ev.matched:
            reasons.append(self._value_reason(cs, ev, nn))
        if why and _checksum_veto(cs, ev, nn):
            reasons.append(
                f"the values have the shape of {spec.name} values but fail the "
                f"{cs.validator_label}: not a {spec.name}"
            )
        if why and nn and not value_ok and ev.validated and not ev.column_check_ok:
            reasons.append(f"the values do not vary the way {spec.name.lower()} values do")

        if nn == 0:
            confidence = NAME_ONLY_CONFIDENCE if name_hit and not an.name_negative else 0.0
            if why and confidence:
                reasons.append("no non-null sampled values: decided from the column name only")
        elif value_ok:
            # an ambiguous format needs the name to agree; once it does, values passing a check
            # digit count in full (eleven digits passing the PESEL check, named "pesel")
            weak_only = ev.strong_matched < 0.5 * ev.matched and not (name_hit and cs.checksum)
            base = spec.value_confidence if not weak_only else min(spec.value_confidence, WEAK)
            base *= 0.85 + 0.15 * min(1.0, ratio)
            confidence = 1.0 - (1.0 - base) * (1.0 - NAME_AGREEMENT) if name_hit else base
        elif name_hit:
            shape_ok = ev.matched / nn >= spec.min_match_ratio
            if ratio >= spec.min_match_ratio / 2 and ev.column_check_ok:
                confidence = 0.5
            elif shape_ok and cs.lookup is not None and ratio >= 0.15 and ev.column_check_ok:
                # the values have the right shape; the dictionary only knows some of them
                confidence = 0.5
            elif not spec.has_value_rules:
                confidence = NAME_ONLY_CONFIDENCE
            else:
                confidence = 0.12
                if why:
                    reasons.append(
                        f"the sampled values do not look like {spec.name.lower()} values"
                    )
        else:
            confidence = 0.5 * ratio * min(spec.value_confidence, WEAK)
        if an.name_negative and confidence and (name_hit or cs.index in an.name_hits):
            confidence *= 0.5
            if why:
                reasons.append(
                    f"column name '{column.name}' looks like a flag, count, type or key, "
                    "not the value itself"
                )
        return _RuleScore(confidence, ratio, value_ok, name_hit)

    @staticmethod
    def _value_reason(cs: CompiledSpec, ev: TypeEvidence, nn: int) -> str:
        spec = cs.spec
        about = "about " if ev.extrapolated else ""
        text = f"{about}{ev.matched}/{nn} non-null values match the {spec.name} pattern"
        if not spec.value_patterns and not spec.weak_value_patterns and cs.lookup is not None:
            return f"{ev.validated}/{nn} non-null values are found in the {spec.name} dictionary"
        if cs.validator is not None:
            approx = "about " if ev.validated_estimated or ev.extrapolated else ""
            text += f"; {approx}{ev.validated} pass the {cs.validator_label}"
        elif cs.lookup is not None:
            text += f"; {ev.validated} are found in the {spec.name} dictionary"
        if ev.strong_matched < ev.matched:
            text += f" ({ev.matched - ev.strong_matched} only in an ambiguous format)"
        return text
