from django.db import models


class SourceKind(models.TextChoices):
    POSTGRESQL = "postgresql", "PostgreSQL"
    MYSQL = "mysql", "MySQL / MariaDB"
    SQLITE = "sqlite", "SQLite"
    FILES = "files", "Files (CSV, TSV, JSON lines, Parquet)"


#: Kinds whose ``database`` is a path, confined to the file roots (no host, port or user).
FILE_KINDS = frozenset({SourceKind.SQLITE, SourceKind.FILES})

DEFAULT_PORTS = {SourceKind.POSTGRESQL: 5432, SourceKind.MYSQL: 3306}
