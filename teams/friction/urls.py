from django.urls import path

from teams.friction import api, views

urlpatterns = [
    path("friction/", views.friction_page, name="friction"),
    path("friction/import/", views.waits_import, name="waits-import"),
    path("pods/<int:pk>/waits/", views.pod_waits, name="pod-waits"),
    path(
        "pods/<int:pk>/waits/<int:wait_id>/resolve/",
        views.pod_wait_resolve,
        name="pod-wait-resolve",
    ),
]

# Mounted under /api/ by teams.urls.
api_urlpatterns = [
    path("waits/", api.WaitListCreate.as_view(), name="api-waits"),
    path("waits/bulk/", api.WaitBulkUpsert.as_view(), name="api-waits-bulk"),
    path("friction/", api.FrictionFigures.as_view(), name="api-friction"),
]
