from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import APIRootView

from pursight.views import healthz

# Each app's router; the API root below indexes all of them.
API_URLCONFS = [
    "governance.rbac.api.urls",
    "governance.datasources.api.urls",
    "governance.scanrules.api.urls",
    "governance.catalog.api.urls",
    "governance.glossary.api.urls",
    "governance.lineage.api.urls",
    "governance.scans.api.urls",
    "governance.classifications.api.urls",
    "governance.compliance.api.urls",
    "governance.catalog.api.search_urls",
    "pursight.core.api.urls",
    "racine.workspaces.api.urls",
    "racine.activity.api.urls",
    "racine.collaboration.api.urls",
    "racine.approvals.api.urls",
    "racine.orchestration.api.urls",
]
app_routes = [path("", include(urlconf)) for urlconf in API_URLCONFS]


def _list_routes(patterns: list) -> dict[str, str]:
    """``{"catalog/tables": "catalog-table-list", ...}``: every viewset list route, in order."""
    found: dict[str, str] = {}
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            for prefix, name in _list_routes(pattern.url_patterns).items():
                found.setdefault(prefix, name)
        elif (
            isinstance(pattern, URLPattern)
            and getattr(pattern.callback, "actions", None)
            and (pattern.name or "").endswith("-list")
            and "format" not in str(pattern.pattern)
        ):
            found.setdefault(str(pattern.pattern).strip("^$/"), pattern.name)
    return found


# One index for every app (each app's own router root would list only its own routes).
api_v1 = [
    path("", APIRootView.as_view(api_root_dict=_list_routes(app_routes)), name="api-root"),
    *app_routes,
]

# DRF's login and logout for the browsable API; without ``?next=`` the login lands on the API
# root (the admin's lands on the admin index, settings.LOGIN_REDIRECT_URL).
api_auth = (
    [
        path(
            "login/",
            auth_views.LoginView.as_view(
                template_name="rest_framework/login.html", next_page="api-root"
            ),
            name="login",
        ),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    ],
    "rest_framework",
)

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/auth/", include(api_auth)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's init script is served as a file, so the page needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", healthz, name="healthz"),
]
