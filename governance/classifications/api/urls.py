from rest_framework.routers import DefaultRouter

from .views import ClassificationViewSet

router = DefaultRouter()
router.register("classifications", ClassificationViewSet, basename="classification")
urlpatterns = router.urls
