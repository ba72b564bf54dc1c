from rest_framework.routers import DefaultRouter

from .views import SavedSearchViewSet, WorkspaceViewSet

router = DefaultRouter()
router.register("workspaces", WorkspaceViewSet, basename="workspace")
router.register("saved-searches", SavedSearchViewSet, basename="savedsearch")
urlpatterns = router.urls
