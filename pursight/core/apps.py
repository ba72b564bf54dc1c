from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pursight.core"
    label = "core"
    verbose_name = "PurSight core"

    def ready(self) -> None:
        from . import schema, signals  # noqa: F401  (schema registers an extension)

        signals.connect()

        from pursight import permissions

        permissions.connect_generation()
