from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.people_list, name="people-list"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("pods/", views.pod_list, name="pod-list"),
    path("pods/<int:pk>/", views.pod_detail, name="pod-detail"),
]
