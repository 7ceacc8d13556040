from django.urls import path

from . import formation_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.people_list, name="people-list"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("pods/", views.pod_list, name="pod-list"),
    path("pods/<int:pk>/", views.pod_detail, name="pod-detail"),
    path("formation/", formation_views.formation_list, name="formation-list"),
    path("formation/new/", formation_views.formation_new, name="formation-new"),
    path("formation/<int:pk>/", formation_views.formation_detail, name="formation-detail"),
    path("formation/<int:pk>/edit/", formation_views.formation_edit, name="formation-edit"),
    path("formation/<int:pk>/accept/", formation_views.formation_accept, name="formation-accept"),
]
