from django.urls import path

from . import api

urlpatterns = [
    path("people/", api.PersonList.as_view(), name="api-people"),
    path("people/<int:pk>/", api.PersonDetail.as_view(), name="api-person"),
    path("pods/", api.PodList.as_view(), name="api-pods"),
]
