from rest_framework.routers import DefaultRouter

from .views import AccessRequestViewSet, ApprovalRequestViewSet

router = DefaultRouter()
router.register("approvals", ApprovalRequestViewSet, basename="approvalrequest")
router.register("access-requests", AccessRequestViewSet, basename="accessrequest")
urlpatterns = router.urls
