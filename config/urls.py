from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import config.schema  # noqa: F401 - registers the schema extensions before any schema is built
from incentives import urls as incentives_urls
from teams import urls as teams_urls
from teams import views as team_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", team_views.healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script for the CSP to refuse.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include(teams_urls.api_urlpatterns)),
    path("api/", include(incentives_urls.api_urlpatterns)),
    path("", include("teams.urls")),
    path("", include("incentives.urls")),
]
