from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from governance.rbac import services as rbac

from ... import services
from ...connectors import ConnectorError
from ._files_url import is_files_url, parse_files_url


class Command(BaseCommand):
    help = (
        "Register a data source from a URL: postgresql://user:pass@host:5432/db, "
        "mysql://user:pass@host:3306/db, sqlite:////absolute/path.db, or files:///absolute/path "
        "for a directory (or one file) of CSV, TSV, JSON lines and Parquet files, with the file "
        "options in the query string (files:///srv/lake?sample_files=4&group_files=false). A "
        "files path must exist inside PURSIGHT_FILE_SOURCE_ROOTS."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--url",
            required=True,
            help="postgresql://, mysql://, sqlite:///path, or files:///path[?sample_files=N"
            "&group_files=true|false] (sample_files: files of a resource set read for a "
            "sample, 1-64, default 8; group_files: files whose names differ only in digits "
            "form one table, default true)",
        )
        parser.add_argument(
            "--collection", default="Default", help="Collection path, e.g. Finance/EMEA"
        )
        parser.add_argument("--description", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            # Checked before the collection is created: a refused path leaves nothing behind.
            files = parse_files_url(opts["url"]) if is_files_url(opts["url"]) else None
            collection = rbac.ensure_collection_path(actor=None, path=opts["collection"])
            if files is not None:
                source = services.register_datasource(
                    actor=None,
                    name=opts["name"],
                    kind="files",
                    database=files.database,
                    options=files.options,
                    collection=collection,
                    description=opts["description"],
                )
            else:
                source = services.register_from_url(
                    actor=None,
                    name=opts["name"],
                    url=opts["url"],
                    collection=collection,
                    description=opts["description"],
                )
        except ConnectorError as exc:
            raise CommandError(exc.message) from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Registered data source '{source.name}' ({source.get_kind_display()}, "
                f"{source.location}) in collection '{collection.name}'."
            )
        )
