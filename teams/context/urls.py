from django.urls import path

from teams.context import api, views

urlpatterns = [
    path("context/", views.org_context_page, name="context-map"),
    path("pods/<int:pk>/context/", views.pod_context_page, name="pod-context"),
    path("pods/<int:pk>/context/items/", views.context_item_add, name="context-item-add"),
    path(
        "pods/<int:pk>/context/items/<int:item_id>/",
        views.context_item_edit,
        name="context-item-edit",
    ),
    path(
        "pods/<int:pk>/context/items/<int:item_id>/verify/",
        views.context_item_verify,
        name="context-item-verify",
    ),
    path(
        "pods/<int:pk>/context/items/<int:item_id>/remove/",
        views.context_item_remove,
        name="context-item-remove",
    ),
]

# Mounted under /api/ by teams.urls.
api_urlpatterns = [
    path("pods/<int:pk>/context/", api.PodContext.as_view(), name="api-pod-context"),
]
