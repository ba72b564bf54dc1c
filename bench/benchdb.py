"""A throwaway PostgreSQL database for a benchmark: created (dropped first) on the server of
``DATABASE_URL`` (default: the local one), pointed to by ``DATABASE_URL`` for Django, dropped
at the end."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def prepare_database(name: str, bench: str) -> str:
    """Create database ``name``, point ``DATABASE_URL`` at it; return the admin URL."""
    import psycopg

    parts = urlsplit(os.environ.get("DATABASE_URL", DEFAULT_URL))
    if not parts.scheme.startswith("postgres"):
        sys.exit(f"{bench} needs a PostgreSQL DATABASE_URL")
    admin_url = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    return admin_url


def drop_database(admin_url: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
