from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from governance.rbac import services as rbac

from ... import services


class Command(BaseCommand):
    help = "Register a data source from a URL, e.g. postgresql://user:pass@host:5432/db."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--url", required=True, help="postgresql://, mysql://, sqlite:///path")
        parser.add_argument(
            "--collection", default="Default", help="Collection path, e.g. Finance/EMEA"
        )
        parser.add_argument("--description", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            collection = rbac.ensure_collection_path(actor=None, path=opts["collection"])
            source = services.register_from_url(
                actor=None,
                name=opts["name"],
                url=opts["url"],
                collection=collection,
                description=opts["description"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Registered data source '{source.name}' ({source.get_kind_display()}, "
                f"{source.location}) in collection '{collection.name}'."
            )
        )
