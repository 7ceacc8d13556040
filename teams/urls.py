from django.urls import path

from . import dashboard_views, formation_views, pod_views, profile_views, views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("people/", views.people_list, name="people-list"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/assess/<str:source>/", profile_views.person_assess, name="person-assess"),
    path("people/import/", profile_views.people_import, name="people-import"),
    path("people/export.csv", profile_views.people_export, name="people-export"),
    path("questionnaire/", profile_views.questionnaire_page, name="questionnaire"),
    path("questionnaire/submit/", profile_views.questionnaire_submit, name="questionnaire-submit"),
    path("questionnaire/result/", profile_views.questionnaire_result, name="questionnaire-result"),
    path("colleagues/", profile_views.colleagues, name="colleagues"),
    path("trait-mix/", profile_views.trait_mix, name="trait-mix"),
    path("pods/", views.pod_list, name="pod-list"),
    path("pods/<int:pk>/", pod_views.pod_page, name="pod-detail"),
    path("pods/<int:pk>/charter/", pod_views.pod_charter_edit, name="pod-charter"),
    path("formation/", formation_views.formation_list, name="formation-list"),
    path("formation/new/", formation_views.formation_new, name="formation-new"),
    path("formation/<int:pk>/", formation_views.formation_detail, name="formation-detail"),
    path("formation/<int:pk>/edit/", formation_views.formation_edit, name="formation-edit"),
    path("formation/<int:pk>/accept/", formation_views.formation_accept, name="formation-accept"),
]
