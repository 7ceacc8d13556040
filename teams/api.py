"""REST API for people and pods: the same permissions as the pages (teams.permissions)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from rest_framework import generics, serializers

from . import permissions
from .models import Person, Pod, PodMembership
from .traits import TRAITS


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
        fields = ["id", "name", "email", "org_unit", "role", "fte", "time_zone", "preferred_trait",
                  "base_pay", "profile"]

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


class PersonList(generics.ListAPIView):
    """People the caller may see: everyone in the units they lead, or just themselves."""

    serializer_class = PersonOutput

    def get_queryset(self):
        return (
            permissions.people_visible_to(self.request.user)
            .select_related("org_unit", "profile")
            .order_by("id")
        )


class PersonDetail(generics.RetrieveAPIView):
    serializer_class = PersonOutput

    def get_object(self) -> Person:
        person = generics.get_object_or_404(
            Person.objects.select_related("org_unit", "profile"), pk=self.kwargs["pk"]
        )
        if not permissions.can_view_person(self.request.user, person):
            raise Http404
        return person


class MemberOutput(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    name = serializers.CharField(source="person.name")
    allocation = serializers.DecimalField(max_digits=3, decimal_places=2)
    is_pod_lead = serializers.BooleanField()
    start = serializers.DateField()
    end = serializers.DateField()


class PodOutput(serializers.ModelSerializer):
    org_unit = serializers.CharField(source="org_unit.slug")
    members = MemberOutput(many=True, source="current")

    class Meta:
        model = Pod
        fields = ["id", "name", "org_unit", "goal", "product_area", "baseline_headcount", "status",
                  "members"]


class PodList(generics.ListAPIView):
    serializer_class = PodOutput

    def get_queryset(self):
        current = PodMembership.objects.current().select_related("person")
        return (
            permissions.pods_visible_to(self.request.user)
            .select_related("org_unit")
            .prefetch_related(Prefetch("memberships", queryset=current, to_attr="current"))
            .order_by("id")
        )
