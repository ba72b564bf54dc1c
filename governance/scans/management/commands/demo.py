from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from governance.datasources import files
from governance.datasources import services as datasources
from governance.datasources.models import DataSource
from governance.rbac import services as rbac

from ... import services
from ...choices import Trigger
from ...demo import build_demo_database
from ...extensions import demo_steps

DEMO_SOURCE = "Demo shop"
DEMO_COLLECTION = "Demo/Sales"


class Command(BaseCommand):
    help = "Create a demo superuser, build a demo SQLite database, register and scan it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--rebuild", action="store_true", help="Rebuild the demo database.")
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/admin/",
            help="Where the console will be served (printed at the end; `make run` passes it).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        # The demo database lives in its own directory (PURSIGHT_DEMO_DIR), which must be a
        # file source root: data sources may be files only there (PURSIGHT_FILE_SOURCE_ROOTS).
        demo_dir = Path(files.demo_dir())
        if not files.demo_root_allowed():
            raise CommandError(
                f"The demo database lives in {demo_dir}, where file-based data sources are not "
                "allowed: add that directory to PURSIGHT_FILE_SOURCE_ROOTS (the default when "
                "DEBUG is on), or set PURSIGHT_DEMO_DIR to a directory listed there."
            )
        user, password = self._superuser(opts["username"])
        call_command("load_classifications", stdout=self.stdout)
        # The built-in frameworks, so that the scan's compliance evaluation has rules to run.
        call_command("load_frameworks", stdout=self.stdout)
        db_path = demo_dir / "shop.sqlite"
        if opts["rebuild"] or not db_path.exists():
            build_demo_database(db_path)
            self.stdout.write(f"Built demo database {db_path}")
        collection = rbac.ensure_collection_path(actor=user, path=DEMO_COLLECTION)
        source = DataSource.objects.filter(name=DEMO_SOURCE, collection=collection).first()
        if source is None:
            source = datasources.register_datasource(
                actor=user,
                name=DEMO_SOURCE,
                kind="sqlite",
                database=str(db_path),
                collection=collection,
                description="A fake web shop: customers, orders, payments and employees.",
            )
            self.stdout.write(f"Registered data source '{source.name}'")
        # As a steward would before the first scan: the list shows the connection as tested.
        outcome = datasources.test_connection(actor=user, source=source)
        self.stdout.write(f"Tested the connection of '{source.name}': {outcome.message}")
        scan = services.default_scan(actor=user, source=source)
        run = services.start_scan(actor=user, scan=scan, trigger=Trigger.COMMAND, enqueue=False)
        run = services.execute_run(run.pk)
        self.stdout.write(
            f"Scanned '{source.name}': run #{run.pk} {run.state}, "
            f"{run.tables_seen} tables, {run.columns_seen} columns."
        )
        for step in demo_steps:
            step(stdout=self.stdout, user=user, source=source, run=run)
        self.stdout.write(self.style.SUCCESS(f"Demo ready: {opts['url']}"))
        self.stdout.write(self.style.SUCCESS(f"  username: {user.get_username()}"))
        self.stdout.write(self.style.SUCCESS(f"  password: {password}"))

    def _superuser(self, username: str) -> tuple[Any, str]:
        creds = Path(settings.VAR_DIR) / "demo-credentials"
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is not None and creds.exists():
            return user, creds.read_text().strip()
        password = secrets.token_urlsafe(12)
        if user is None:
            user = User.objects.create_superuser(username, f"{username}@pursight.local", password)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        creds.parent.mkdir(parents=True, exist_ok=True)
        creds.write_text(password)
        creds.chmod(0o600)
        return user, password
