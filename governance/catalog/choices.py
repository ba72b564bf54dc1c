from django.db import models


class TableKind(models.TextChoices):
    TABLE = "table", "Table"
    VIEW = "view", "View"
