from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from pursight.views import healthz

api_v1 = [
    path("", include("governance.rbac.api.urls")),
    path("", include("governance.datasources.api.urls")),
    path("", include("governance.scanrules.api.urls")),
    path("", include("governance.catalog.api.urls")),
    path("", include("governance.scans.api.urls")),
    path("", include("governance.classifications.api.urls")),
    path("", include("governance.compliance.api.urls")),
    path("", include("pursight.core.api.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", healthz, name="healthz"),
]
