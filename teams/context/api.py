"""REST API of a pod's context map: its items with freshness, and the template's missing ones.
Whoever sees the pod sees it (its members and the leads of its unit); a service account, for
its own pods."""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teams import permissions
from teams.context import services
from teams.models import ContextItem


class KeeperOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    active = serializers.BooleanField(source="is_active")


class ContextItemOutput(serializers.ModelSerializer):
    keeper = KeeperOutput(allow_null=True)
    due_on = serializers.SerializerMethodField(help_text="last_verified + review_days")
    stale = serializers.BooleanField(help_text="due_on is before today, or never verified")

    class Meta:
        model = ContextItem
        fields = [
            "id",
            "name",
            "layer",
            "location",
            "keeper",
            "review_days",
            "last_verified",
            "due_on",
            "stale",
        ]

    def get_due_on(self, item: ContextItem) -> date | None:
        return item.due_on()


class TemplateItemOutput(serializers.Serializer):
    name = serializers.CharField()
    layer = serializers.CharField()
    review_days = serializers.IntegerField()


class PodContext(APIView):
    """A pod's context items with freshness, and the org template's missing ones."""

    service_account_scope = True  # an integration may read the context of its own pods

    @extend_schema(
        responses={
            200: inline_serializer(
                "PodContext",
                {
                    "pod": serializers.IntegerField(),
                    "today": serializers.DateField(),
                    "items": ContextItemOutput(many=True),
                    "missing": TemplateItemOutput(many=True),
                },
            )
        }
    )
    def get(self, request: Request, pk: int) -> Response:
        pod = permissions.pod_for_request(request, pk)
        ctx = services.pod_context(pod)
        return Response(
            {
                "pod": pod.pk,
                "today": ctx.today,
                "items": ContextItemOutput(ctx.items, many=True).data,
                "missing": TemplateItemOutput(ctx.missing, many=True).data,
            }
        )
