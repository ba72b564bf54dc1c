from django.db import models


class EdgeLevel(models.TextChoices):
    TABLE = "table", "Table"
    COLUMN = "column", "Column"


class EdgeOrigin(models.TextChoices):
    VIEW = "view", "View definition"
    OPENLINEAGE = "openlineage", "OpenLineage event"
    DBT = "dbt", "dbt manifest"
    MANUAL = "manual", "Entered by hand"
