"""REST API for people and pods: the same permissions as the pages (teams.permissions)."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers

from teams import permissions
from teams.models import Person
from teams.people import directory
from teams.traits import TRAITS


class ProfileOutput(serializers.Serializer):
    builder = serializers.FloatField()
    architect = serializers.FloatField()
    taste_maker = serializers.FloatField()
    signal_reader = serializers.FloatField()
    decision_maker = serializers.FloatField()
    primary_trait = serializers.CharField()


class PersonOutput(serializers.ModelSerializer):
    org_unit = serializers.CharField(source="org_unit.slug")
    profile = serializers.SerializerMethodField()
    base_pay = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "email",
            "org_unit",
            "role",
            "fte",
            "time_zone",
            "preferred_trait",
            "base_pay",
            "profile",
        ]

    def get_profile(self, person: Person) -> dict | None:
        profile = getattr(person, "profile", None)
        if profile is None:
            return None
        data = {t: round(getattr(profile, t), 1) for t in TRAITS}
        data["primary_trait"] = profile.primary_trait
        return data

    def get_base_pay(self, person: Person) -> str | None:
        """Base pay is private: only the person, their Org Leads and Admins see it."""
        if permissions.can_view_pay(self.context["request"].user, person):
            return str(person.base_pay)
        return None


_DIRECTORY_PARAMS = [
    OpenApiParameter("q", str, description="Search name or email."),
    OpenApiParameter("unit", int, description="Org unit id."),
    OpenApiParameter("trait", str, enum=list(TRAITS), description="Primary trait."),
    OpenApiParameter("pod", int, description="Current members of this pod."),
    OpenApiParameter("no_pod", bool, description="Only people in no pod today."),
    OpenApiParameter("no_assessment", bool, description="Only people without a trait profile."),
    OpenApiParameter("sort", str, enum=list(directory.SORTS), description="Order (default name)."),
]


@extend_schema_view(get=extend_schema(parameters=_DIRECTORY_PARAMS))
class PersonList(generics.ListAPIView):
    """People the caller may see (everyone in the units they lead, or just themselves),
    with the directory's filters and sorts. A value it does not understand answers 400,
    naming the parameter."""

    serializer_class = PersonOutput
    filter_backends = [DjangoFilterBackend]
    filterset_class = directory.DirectoryFilter

    def get_queryset(self):
        return directory.visible_people(self.request.user)


class PersonDetail(generics.RetrieveAPIView):
    serializer_class = PersonOutput

    def get_object(self) -> Person:
        return permissions.person_for_user(self.request.user, self.kwargs["pk"])
