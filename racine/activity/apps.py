from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "racine.activity"
    label = "activity"
    verbose_name = "Activity and notifications"

    def ready(self) -> None:
        from pursight import permissions
        from pursight.consumers import register_page

        from . import signals
        from .models import ActivityEvent
        from .services import INBOX_PAGE, inbox_state

        # An event is seen where its target is.
        permissions.register_targeted(ActivityEvent, actions={"view": "view"})
        signals.connect()
        # Each user's inbox: the unread count, then a ``notification`` event per change.
        register_page(INBOX_PAGE, inbox_state)
