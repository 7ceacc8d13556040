from django.urls import path

from . import api, formation_api

urlpatterns = [
    path("people/", api.PersonList.as_view(), name="api-people"),
    path("people/<int:pk>/", api.PersonDetail.as_view(), name="api-person"),
    path("people/<int:pk>/profile/", api.ProfileDetail.as_view(), name="api-person-profile"),
    path("assessments/", api.AssessmentCreate.as_view(), name="api-assessments"),
    path("pods/", api.PodList.as_view(), name="api-pods"),
    path("formation-runs/", formation_api.FormationRunStart.as_view(), name="api-formation-start"),
    path(
        "formation-runs/<int:pk>/",
        formation_api.FormationRunDetail.as_view(),
        name="api-formation-run",
    ),
    path(
        "formation-runs/<int:pk>/result/",
        formation_api.FormationRunResult.as_view(),
        name="api-formation-result",
    ),
    path(
        "formation-runs/<int:pk>/accept/",
        formation_api.FormationRunAccept.as_view(),
        name="api-formation-accept",
    ),
]
