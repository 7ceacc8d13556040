"""REST API for the org tree, with the pages' permissions: Org Leads and Admins, for the units
they lead and below. A member or Pod Lead gets 403; a unit someone else leads, 404. Bad input
is a 400 naming the field, and nothing is saved."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teams import clock, inputs, permissions
from teams.models import OrgUnit
from teams.org import services, tree


class LeadOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PlanOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    effective_from = serializers.DateField()


class UnitOutput(serializers.Serializer):
    id = serializers.IntegerField(source="unit.id")
    name = serializers.CharField(source="unit.name")
    slug = serializers.CharField(source="unit.slug")
    parent = serializers.IntegerField(source="unit.parent_id", allow_null=True)
    archived = serializers.BooleanField(source="unit.is_archived")
    archived_at = serializers.DateTimeField(source="unit.archived_at", allow_null=True)
    leads = LeadOutput(many=True)
    headcount = serializers.IntegerField(help_text="Active people of this unit.")
    headcount_below = serializers.IntegerField(help_text="…and of every unit below it.")
    pods_active = serializers.IntegerField()
    pods_proposed = serializers.IntegerField()
    plan = PlanOutput(allow_null=True, help_text="The plan in force this month.")


class UnitCreateInput(inputs.StrictSerializer):
    name = serializers.CharField(max_length=services.NAME_MAX)
    parent = serializers.IntegerField(
        allow_null=True, required=False, help_text="Parent unit id; null (Admins only): top level."
    )


class UnitPatchInput(inputs.StrictSerializer):
    name = serializers.CharField(max_length=services.NAME_MAX, required=False)
    parent = serializers.IntegerField(allow_null=True, required=False)
    archived = inputs.StrictBooleanField(required=False)


def _refusal(errors: dict) -> Response:
    return Response(errors, status=status.HTTP_400_BAD_REQUEST)


def _service_refusal(exc: ValidationError) -> Response:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return _refusal(errors)


def _parent(user, pk: int | None) -> OrgUnit | None:
    """The parent a request names: a unit the user leads, else the same 400 whether it exists
    elsewhere or not at all."""
    if pk is None:
        return None
    unit = OrgUnit.objects.filter(pk=pk).first()
    if unit is None or not permissions.can_manage_unit(user, unit.pk):
        raise ValidationError({"parent": [f"Org unit {pk} does not exist or is not one you lead."]})
    return unit


def _node(user, unit_id: int):
    """The tree's figures for one unit (archived or not)."""
    roots = tree.org_tree(user, today=clock.today(), archived=True)
    return next(n for n in tree.flatten(roots) if n.unit.pk == unit_id)


_ARCHIVED = OpenApiParameter(
    "archived", bool, description="true: archived units too (default false)."
)


class UnitList(APIView):
    """The units the caller leads and every unit below them, parents before their units."""

    @extend_schema(parameters=[_ARCHIVED], responses={200: UnitOutput(many=True)})
    def get(self, request: Request) -> Response:
        permissions.require_org_lead(request.user)
        raw = request.query_params.get("archived", "false")
        if raw not in ("true", "false"):
            return _refusal({"archived": [f"Must be true or false, not {raw[:20]!r}."]})
        roots = tree.org_tree(request.user, today=clock.today(), archived=raw == "true")
        return Response(UnitOutput(tree.flatten(roots), many=True).data)

    @extend_schema(request=UnitCreateInput, responses={201: UnitOutput})
    def post(self, request: Request) -> Response:
        permissions.require_org_lead(request.user)
        body = UnitCreateInput(data=request.data)
        if not body.is_valid():
            return _refusal(body.errors)
        data = body.validated_data
        try:
            parent = _parent(request.user, data.get("parent"))
            unit = services.unit_create(user=request.user, name=data["name"], parent=parent)
        except ValidationError as exc:
            return _service_refusal(exc)
        return Response(UnitOutput(_node(request.user, unit.pk)).data, status=201)


class UnitDetail(APIView):
    """One unit; PATCH renames, moves (``parent``) and archives or restores it, all or none."""

    @extend_schema(responses={200: UnitOutput})
    def get(self, request: Request, pk: int) -> Response:
        unit = permissions.unit_for_user(request.user, pk)
        return Response(UnitOutput(_node(request.user, unit.pk)).data)

    @extend_schema(request=UnitPatchInput, responses={200: UnitOutput})
    def patch(self, request: Request, pk: int) -> Response:
        unit = permissions.unit_for_user(request.user, pk)
        body = UnitPatchInput(data=request.data)
        if not body.is_valid():
            return _refusal(body.errors)
        data = body.validated_data
        if not data:
            return _refusal({"non_field_errors": ["Send name, parent or archived."]})
        try:
            with transaction.atomic():
                # A restore comes first (a restored unit may then be renamed or moved); an
                # archive last (what it refuses is checked on the unit as the request leaves it).
                if data.get("archived") is False:
                    unit = services.unit_archive(user=request.user, unit=unit, archived=False)
                if "name" in data:
                    unit = services.unit_rename(user=request.user, unit=unit, name=data["name"])
                if "parent" in data:
                    parent = _parent(request.user, data["parent"])
                    unit = services.unit_move(user=request.user, unit=unit, parent=parent)
                if data.get("archived") is True:
                    unit = services.unit_archive(user=request.user, unit=unit, archived=True)
        except ValidationError as exc:
            return _service_refusal(exc)
        permissions.forget(request.user)
        return Response(UnitOutput(_node(request.user, unit.pk)).data)
