"""REST API for people and pods: the same permissions as the pages (teams.permissions)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from teams import inputs, permissions
from teams.models import Pod, PodMembership
from teams.people.api import refusal
from teams.pods import services


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
            "dissolved_on",
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


class PodInput(inputs.StrictSerializer):
    name = serializers.CharField(max_length=120)
    org_unit = serializers.CharField(max_length=80, help_text="The unit's slug.")
    goal = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    product_area = serializers.CharField(max_length=120, required=False, allow_blank=True)
    baseline_headcount = inputs.DecimalInputField(
        max_digits=6,
        decimal_places=2,
        min_value=0,
        help_text="Holds from the pod's start; later changes: POST /api/pods/<id>/baseline/.",
    )


class PodListCreate(PodList):
    """GET: the pods you see. POST: an Org Lead creates a pod in a unit they lead (403 for
    anyone leading no unit); members come through POST /api/memberships/."""

    @extend_schema(request=PodInput, responses={201: PodOutput})
    def post(self, request) -> Response:
        permissions.require_org_lead(request.user)
        data = PodInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = permissions.unit_choices(request.user).filter(slug=values["org_unit"]).first()
        if unit is None:
            raise serializers.ValidationError(
                {"org_unit": [f"No unit {values['org_unit']!r} among the units you lead."]}
            )
        try:
            pod = services.pod_create(
                org_unit=unit,
                name=values["name"],
                goal=values.get("goal", ""),
                product_area=values.get("product_area", ""),
                baseline=values["baseline_headcount"],
                user=request.user,
            )
        except ValidationError as exc:
            raise refusal(exc) from None
        pod.current = []
        return Response(PodOutput(pod).data, status=status.HTTP_201_CREATED)
