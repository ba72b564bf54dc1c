from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pursight.core"
    label = "core"
    verbose_name = "PurSight core"
