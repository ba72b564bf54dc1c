from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "racine.activity"
    label = "activity"
    verbose_name = "Activity and notifications"

    def ready(self) -> None:
        from pursight import permissions

        from .models import ActivityEvent

        # An event is seen where its target is.
        permissions.register_targeted(ActivityEvent, actions={"view": "view"})
