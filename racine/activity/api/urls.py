from rest_framework.routers import DefaultRouter

from .views import ActivityEventViewSet, NotificationPreferenceViewSet, NotificationViewSet

router = DefaultRouter()
router.register("activity", ActivityEventViewSet, basename="activity")
router.register("notifications", NotificationViewSet, basename="notification")
router.register(
    "notification-preferences", NotificationPreferenceViewSet, basename="notification-preference"
)
urlpatterns = router.urls
