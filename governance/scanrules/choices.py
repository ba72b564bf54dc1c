from django.db import models


class SampleMethod(models.TextChoices):
    TOP = "top", "First rows"
    RANDOM = "random", "Random sample (where the engine supports it)"
