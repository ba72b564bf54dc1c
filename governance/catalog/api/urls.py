from rest_framework.routers import DefaultRouter

from .classification_views import ColumnClassificationViewSet
from .views import ColumnViewSet, SchemaViewSet, TableViewSet

router = DefaultRouter()
router.register("catalog/schemas", SchemaViewSet, basename="catalog-schema")
router.register("catalog/tables", TableViewSet, basename="catalog-table")
router.register("catalog/columns", ColumnViewSet, basename="catalog-column")
router.register(
    "catalog/classifications", ColumnClassificationViewSet, basename="catalog-classification"
)
urlpatterns = router.urls
