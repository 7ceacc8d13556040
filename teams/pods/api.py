"""REST API for people and pods: the same permissions as the pages (teams.permissions)."""

from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import generics, serializers

from teams import permissions
from teams.models import Pod, PodMembership


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
        fields = [
            "id",
            "name",
            "org_unit",
            "goal",
            "product_area",
            "baseline_headcount",
            "status",
            "members",
        ]


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
