from django.urls import path
from rest_framework.routers import DefaultRouter

from .openlineage import OpenLineageView
from .views import (
    LineageEdgeViewSet,
    LineageGraphView,
    LineageImpactView,
    PropagatedClassificationViewSet,
)

router = DefaultRouter()
router.register("lineage/edges", LineageEdgeViewSet, basename="lineage-edge")
router.register(
    "lineage/propagated", PropagatedClassificationViewSet, basename="lineage-propagated"
)
urlpatterns = [
    path("lineage/", LineageGraphView.as_view(), name="lineage-graph"),
    path("lineage/impact/", LineageImpactView.as_view(), name="lineage-impact"),
    path("lineage/openlineage/", OpenLineageView.as_view(), name="lineage-openlineage"),
    *router.urls,
]
