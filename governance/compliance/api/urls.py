from rest_framework.routers import DefaultRouter

from .views import (
    ControlViewSet,
    EvaluationRunViewSet,
    FindingViewSet,
    FrameworkViewSet,
    ReportViewSet,
    RuleViewSet,
    SchemaChangeViewSet,
)

router = DefaultRouter()
router.register("compliance/frameworks", FrameworkViewSet, basename="compliance-framework")
router.register("compliance/controls", ControlViewSet, basename="compliance-control")
router.register("compliance/rules", RuleViewSet, basename="compliance-rule")
router.register("compliance/findings", FindingViewSet, basename="compliance-finding")
router.register("compliance/runs", EvaluationRunViewSet, basename="compliance-run")
router.register("compliance/reports", ReportViewSet, basename="compliance-report")
router.register("compliance/schema-changes", SchemaChangeViewSet, basename="compliance-change")
urlpatterns = router.urls
