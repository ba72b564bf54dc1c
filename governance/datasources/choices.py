from django.db import models


class SourceKind(models.TextChoices):
    POSTGRESQL = "postgresql", "PostgreSQL"
    MYSQL = "mysql", "MySQL / MariaDB"
    SQLITE = "sqlite", "SQLite"


DEFAULT_PORTS = {SourceKind.POSTGRESQL: 5432, SourceKind.MYSQL: 3306}
