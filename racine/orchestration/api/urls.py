from rest_framework.routers import DefaultRouter

from .views import ScheduleViewSet, WorkflowRunViewSet, WorkflowViewSet

router = DefaultRouter()
router.register("workflows", WorkflowViewSet, basename="workflow")
router.register("workflow-runs", WorkflowRunViewSet, basename="workflowrun")
router.register("schedules", ScheduleViewSet, basename="schedule")
urlpatterns = router.urls
