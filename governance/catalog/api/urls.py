from rest_framework.routers import DefaultRouter

from .views import ColumnViewSet, SchemaViewSet, TableViewSet

router = DefaultRouter()
router.register("catalog/schemas", SchemaViewSet, basename="catalog-schema")
router.register("catalog/tables", TableViewSet, basename="catalog-table")
router.register("catalog/columns", ColumnViewSet, basename="catalog-column")
urlpatterns = router.urls
