from rest_framework.routers import DefaultRouter

from .views import ScanRunViewSet, ScanViewSet, SchemaChangeViewSet

router = DefaultRouter()
router.register("scans", ScanViewSet, basename="scan")
router.register("scan-runs", ScanRunViewSet, basename="scanrun")
router.register("schema-changes", SchemaChangeViewSet, basename="schemachange")
urlpatterns = router.urls
