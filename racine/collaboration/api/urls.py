from rest_framework.routers import DefaultRouter

from .views import CommentViewSet, TaskViewSet

router = DefaultRouter()
router.register("comments", CommentViewSet, basename="comment")
router.register("tasks", TaskViewSet, basename="task")
urlpatterns = router.urls
