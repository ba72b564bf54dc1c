"""The one workflow an operator's command names (names are unique per collection)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from ...models import Workflow

COLLECTION_HELP = (
    "the workflow's collection (its id or name; 'platform' for a platform workflow) when "
    "several collections have a workflow of that name"
)


def add_collection_argument(parser: Any) -> None:
    parser.add_argument("--collection", default=None, help=COLLECTION_HELP)


def workflow_named(name: str, collection: str | None) -> Workflow:
    found = Workflow.objects.filter(name=name).select_related("collection")
    if collection is not None:
        if collection == "platform":
            found = found.filter(collection__isnull=True)
        elif collection.isdigit():
            found = found.filter(collection_id=int(collection))
        else:
            found = found.filter(collection__name=collection)
    rows = list(found[:10])
    if not rows:
        where = f" in collection '{collection}'" if collection is not None else ""
        raise CommandError(f"No workflow named '{name}'{where}.")
    if len(rows) > 1:
        places = ", ".join(
            f"'{w.collection.name}' ({w.collection_id})" if w.collection else "platform"
            for w in rows
        )
        raise CommandError(
            f"Several workflows are named '{name}' (in {places}); give --collection."
        )
    return rows[0]
