from rest_framework.routers import DefaultRouter

from .search_views import SearchViewSet

router = DefaultRouter()
router.register("search", SearchViewSet, basename="search")
urlpatterns = router.urls
