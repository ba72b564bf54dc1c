from rest_framework.routers import DefaultRouter

from .views import ScanRuleSetViewSet

router = DefaultRouter()
router.register("scan-rule-sets", ScanRuleSetViewSet, basename="scanruleset")
urlpatterns = router.urls
