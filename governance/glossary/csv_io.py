"""Glossary terms as CSV: an export that imports back to the same glossary.

Columns: ``name, status, abbreviation, definition, synonyms, categories, related, owners,
stewards``. List cells separate their values with ``|``; categories are paths
(``Finance/Revenue``, created with their parents when missing); related terms are names of
terms in the file or already in the glossary; owners and stewards are usernames.

An import is all or nothing: every row is checked first, and any error (each named with its
row number and term) refuses the whole file. A term of the file that exists (same name, any
case) is updated; others are created. A status change of an existing term follows the
workflow (allowed transitions and the transition guards): an import never skips an approval.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from pursight import audit

from .choices import TRANSITIONS, TermStatus
from .extensions import term_transition_guards
from .models import Category, Term

COLUMNS = [
    "name",
    "status",
    "abbreviation",
    "definition",
    "synonyms",
    "categories",
    "related",
    "owners",
    "stewards",
]
REQUIRED = {"name"}
SEPARATOR = "|"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_ERRORS = 50


def _join(values: list[str]) -> str:
    return SEPARATOR.join(values)


def _split(cell: str | None) -> list[str]:
    return [v.strip() for v in (cell or "").split(SEPARATOR) if v.strip()]


def export_terms_csv(terms: Any = None) -> str:
    """Every term (or those of ``terms``), by name. Five queries whatever their number."""
    qs = (terms if terms is not None else Term.objects.all()).order_by("name")
    qs = qs.prefetch_related("categories", "related", "owners", "stewards")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for t in qs:
        writer.writerow(
            [
                t.name,
                t.status,
                t.abbreviation,
                t.definition,
                _join(t.synonyms or []),
                _join(sorted(c.full_name for c in t.categories.all())),
                _join(sorted(r.name for r in t.related.all())),
                _join(sorted(u.get_username() for u in t.owners.all())),
                _join(sorted(u.get_username() for u in t.stewards.all())),
            ]
        )
    return out.getvalue()


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged."
        )


@dataclass
class _Row:
    line: int
    name: str
    status: str
    abbreviation: str
    definition: str
    synonyms: list[str]
    categories: list[str]
    related: list[str]
    owners: list[Any]
    stewards: list[Any]
    existing: Term | None = None


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    if len(data) > MAX_BYTES:
        raise ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The file is not UTF-8 text.") from None


def _parse(text: str) -> tuple[list[_Row], list[str]]:
    errors: list[str] = []
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ValidationError(f"Not a CSV file: {exc}") from None
    if not header:
        raise ValidationError("The file is empty: expected a header row.")
    missing = REQUIRED - set(header)
    unknown = [h for h in header if h not in COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column {', '.join(sorted(missing))}")
        if unknown:
            parts.append(f"unknown column {', '.join(unknown)}")
        raise ValidationError(f"Header: {'; '.join(parts)} (columns: {', '.join(COLUMNS)}).")
    reader.fieldnames = header
    users = {u.get_username().lower(): u for u in get_user_model()._default_manager.all()}
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ValidationError(f"Not a CSV file: {exc}") from None
    if len(records) > MAX_ROWS:
        raise ValidationError(f"At most {MAX_ROWS} terms per file.")
    for index, record in enumerate(records, start=2):
        if None in record:
            errors.append(f"Row {index}: more cells than columns.")
            continue
        cells = {k: (v or "").strip() for k, v in record.items()}
        name = " ".join(cells.get("name", "").split())
        where = f"Row {index} ({name!r})" if name else f"Row {index}"
        if not any(cells.values()):
            continue  # a blank line
        if not name:
            errors.append(f"{where}: the name is empty.")
            continue
        if len(name) > 200:
            errors.append(f"{where}: the name is longer than 200 characters.")
            continue
        if name.lower() in seen:
            errors.append(f"{where}: the term is already on row {seen[name.lower()]}.")
            continue
        seen[name.lower()] = index
        status = cells.get("status", "") or ""
        if status and status not in TermStatus.values:
            errors.append(
                f"{where}: unknown status {status!r} (one of {', '.join(TermStatus.values)})."
            )
        people: dict[str, list[Any]] = {}
        for column in ("owners", "stewards"):
            names = _split(cells.get(column))
            unknown_users = [n for n in names if n.lower() not in users]
            if unknown_users:
                errors.append(f"{where}: unknown user {', '.join(unknown_users)} in {column}.")
            people[column] = [users[n.lower()] for n in names if n.lower() in users]
        categories = _split(cells.get("categories"))
        for path in categories:
            if any(not part.strip() for part in path.split("/")):
                errors.append(f"{where}: the category {path!r} has an empty level.")
        if len(cells.get("abbreviation", "")) > 40:
            errors.append(f"{where}: the abbreviation is longer than 40 characters.")
        rows.append(
            _Row(
                index,
                name,
                status,
                cells.get("abbreviation", ""),
                record.get("definition") or "",
                _split(cells.get("synonyms")),
                categories,
                _split(cells.get("related")),
                people["owners"],
                people["stewards"],
            )
        )
    return rows, errors


def import_terms_csv(*, actor: Any, data: bytes | str) -> ImportResult:
    """Create or update the terms of a CSV file, all or nothing (``ValidationError`` listing
    every bad row, at most :data:`MAX_ERRORS`)."""
    from . import services

    rows, errors = _parse(_decode(data))
    # Names match whatever their case (as the unique constraint does).
    existing = {t.name.lower(): t for t in Term.objects.all()}
    names_in_file = {r.name.lower() for r in rows}
    for row in rows:
        where = f"Row {row.line} ({row.name!r})"
        row.existing = existing.get(row.name.lower())
        unknown = [
            n for n in row.related if n.lower() not in names_in_file and n.lower() not in existing
        ]
        if unknown:
            errors.append(f"{where}: unknown related term {', '.join(unknown)}.")
        existing_status = row.existing.status if row.existing is not None else None
        if (
            existing_status is not None
            and row.status
            and row.status != existing_status
            and row.status not in TRANSITIONS.get(existing_status, ())
        ):
            errors.append(
                f"{where}: a {row.existing.get_status_display().lower()} term cannot "
                f"become {TermStatus(row.status).label.lower()}."
            )
    if errors:
        shown = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            shown.append(f"… and {len(errors) - MAX_ERRORS} more errors.")
        raise ValidationError(shown)
    result = ImportResult()
    with transaction.atomic():
        saved: dict[str, Term] = {}
        categories: dict[str, Category] = {}
        for row in rows:
            term = row.existing or Term()
            before = _signature(term) if row.existing else None
            term.name = row.name
            term.abbreviation = row.abbreviation
            term.definition = row.definition
            term.synonyms = row.synonyms
            cats = []
            for path in row.categories:
                key = path.lower()
                if key not in categories:
                    categories[key] = services.ensure_category(actor=actor, path=path)
                cats.append(categories[key])
            if row.existing is None and row.status:
                term.status = row.status
            try:
                services.save_term(
                    actor=actor, term=term, categories=cats, owners=row.owners,
                    stewards=row.stewards,
                )  # fmt: skip
            except ValidationError as exc:
                raise ValidationError(
                    [f"Row {row.line} ({row.name!r}): {m}" for m in exc.messages]
                ) from None
            if row.existing is not None and row.status and row.status != term.status:
                for guard in term_transition_guards:
                    if guard(term, row.status, actor) is not None:
                        raise ValidationError(
                            f"Row {row.line} ({row.name!r}): the change to "
                            f"{TermStatus(row.status).label.lower()} needs approval; ask for it "
                            "from the term's page."
                        )
                services.transition_term(term, row.status, actor, guarded=False)
            saved[row.name.lower()] = term
            if row.existing is None:
                result.created.append(term.name)
            elif before != _signature(term):
                result.updated.append(term.name)
            else:
                result.unchanged.append(term.name)
        lookup = {**existing, **saved}
        for row in rows:
            term = saved[row.name.lower()]
            wanted = {lookup[n.lower()].pk for n in row.related}
            current = set(term.related.values_list("pk", flat=True))
            if wanted != current:
                term.related.set(list(wanted))
        audit.record(
            actor=actor,
            action="term.import",
            object_type="glossary.term",
            object_repr="CSV import",
            changes={"created": result.created, "updated": result.updated},
        )
    return result


def _signature(term: Term) -> tuple:
    if term.pk is None:
        return ()
    return (
        term.name,
        term.status,
        term.abbreviation,
        term.definition,
        tuple(term.synonyms or []),
        tuple(sorted(term.categories.values_list("pk", flat=True))),
        tuple(sorted(term.owners.values_list("pk", flat=True))),
        tuple(sorted(term.stewards.values_list("pk", flat=True))),
    )
