from django.urls import path

from teams.context import urls as context_urls
from teams.formation import api as formation_api
from teams.formation import views as formation_views
from teams.friction import urls as friction_urls
from teams.integrations import api as integration_api
from teams.integrations import views as integration_views
from teams.org import api as org_api
from teams.org import views as org_views
from teams.people import api as people_api
from teams.people import views as people_views
from teams.pods import api as pods_api
from teams.pods import views as pods_views
from teams.profiles import api as profiles_api
from teams.profiles import views as profile_views

urlpatterns = [
    path("people/", people_views.people_list, name="people-list"),
    path("people/<int:pk>/", people_views.person_detail, name="person-detail"),
    path("people/<int:pk>/assess/<str:source>/", profile_views.person_assess, name="person-assess"),
    path("people/import/", people_views.people_import, name="people-import"),
    path("people/new/", people_views.person_new, name="person-new"),
    path("people/<int:pk>/edit/", people_views.person_edit, name="person-edit"),
    path("people/<int:pk>/invite/", people_views.person_invite, name="person-invite"),
    path(
        "people/<int:pk>/invitations/<int:invitation_pk>/revoke/",
        people_views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("invite/<str:token>/", people_views.invitation_accept, name="invitation-accept"),
    path("people/export.csv", people_views.people_export, name="people-export"),
    path("questionnaire/", profile_views.questionnaire_page, name="questionnaire"),
    path("questionnaire/submit/", profile_views.questionnaire_submit, name="questionnaire-submit"),
    path("questionnaire/result/", profile_views.questionnaire_result, name="questionnaire-result"),
    path("colleagues/", profile_views.colleagues, name="colleagues"),
    path("trait-mix/", profile_views.trait_mix, name="trait-mix"),
    path("trait-mix/peer-minimum/", profile_views.peer_minimum, name="peer-minimum"),
    path("pods/", pods_views.pod_list, name="pod-list"),
    path("pods/new/", pods_views.pod_new, name="pod-new"),
    path("pods/<int:pk>/rename/", pods_views.pod_rename, name="pod-rename"),
    path("formation/", formation_views.formation_list, name="formation-list"),
    path("formation/new/", formation_views.formation_new, name="formation-new"),
    path("formation/people/", formation_views.formation_people, name="formation-people"),
    path("formation/compare/", formation_views.formation_compare, name="formation-compare"),
    path("formation/<int:pk>/", formation_views.formation_detail, name="formation-detail"),
    path("formation/<int:pk>/edit/", formation_views.formation_edit, name="formation-edit"),
    path(
        "formation/<int:pk>/pods/<int:index>/",
        formation_views.formation_pod,
        name="formation-pod",
    ),
    path("formation/<int:pk>/again/", formation_views.formation_again, name="formation-again"),
    path("formation/<int:pk>/accept/", formation_views.formation_accept, name="formation-accept"),
    path("org/", org_views.org_tree, name="org-tree"),
    path("org/<int:pk>/", org_views.org_unit, name="org-unit"),
    path("org/<int:pk>/rename/", org_views.org_unit_rename, name="org-unit-rename"),
    path("org/<int:pk>/move/", org_views.org_unit_move, name="org-unit-move"),
    path("org/<int:pk>/archive/", org_views.org_unit_archive, name="org-unit-archive"),
    path("org/<int:pk>/leads/", org_views.org_unit_lead_add, name="org-unit-lead-add"),
    path(
        "org/<int:pk>/leads/<int:person_pk>/remove/",
        org_views.org_unit_lead_remove,
        name="org-unit-lead-remove",
    ),
    path("integrations/", integration_views.integrations, name="integrations"),
    path(
        "integrations/<int:pk>/revoke/",
        integration_views.integration_revoke,
        name="integration-revoke",
    ),
]

# Mounted under /api/ by config/urls.py.
api_urlpatterns = [
    path("people/", people_api.PersonListCreate.as_view(), name="api-people"),
    path("people/<int:pk>/", people_api.PersonDetailUpdate.as_view(), name="api-person"),
    path("people/<int:pk>/invite/", people_api.PersonInvite.as_view(), name="api-person-invite"),
    path(
        "people/<int:pk>/profile/", profiles_api.ProfileDetail.as_view(), name="api-person-profile"
    ),
    path("assessments/", profiles_api.AssessmentCreate.as_view(), name="api-assessments"),
    path("pods/", pods_api.PodListCreate.as_view(), name="api-pods"),
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
    path("org-units/", org_api.UnitList.as_view(), name="api-org-units"),
    path("org-units/<int:pk>/", org_api.UnitDetail.as_view(), name="api-org-unit"),
    path(
        "service-accounts/",
        integration_api.ServiceAccountList.as_view(),
        name="api-service-accounts",
    ),
    path(
        "service-accounts/<int:pk>/",
        integration_api.ServiceAccountDetail.as_view(),
        name="api-service-account",
    ),
]

# Friction and context (DESIGN §5) keep their routes with them.
urlpatterns += friction_urls.urlpatterns + context_urls.urlpatterns
api_urlpatterns += friction_urls.api_urlpatterns + context_urls.api_urlpatterns
