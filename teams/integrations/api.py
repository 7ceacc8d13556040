"""REST API for service accounts (Org Leads): list, create (the key is in this answer only)
and revoke. A member or Pod Lead gets 403; an account they do not see, 404."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teams import inputs, permissions
from teams.integrations import services
from teams.models import ServiceAccount


class ServiceAccountOutput(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username")
    pods = serializers.SerializerMethodField()
    revoked = serializers.BooleanField(source="is_revoked")

    class Meta:
        model = ServiceAccount
        fields = [
            "id",
            "name",
            "owner",
            "pods",
            "key_start",
            "created_at",
            "revoked",
            "revoked_at",
            "last_used_at",
            "rows_sent",
        ]

    def get_pods(self, account: ServiceAccount) -> list[int]:
        return sorted(p.pk for p in account.pods.all())


class ServiceAccountCreated(ServiceAccountOutput):
    token = serializers.SerializerMethodField(
        help_text="Send as 'Authorization: Token <token>'. Shown in this answer only."
    )

    class Meta(ServiceAccountOutput.Meta):
        fields = [*ServiceAccountOutput.Meta.fields, "token"]

    def get_token(self, account: ServiceAccount) -> str:
        return self.context["key"]


class ServiceAccountInput(inputs.StrictSerializer):
    name = serializers.CharField(max_length=services.NAME_MAX)
    pods = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class ServiceAccountList(APIView):
    @extend_schema(responses={200: ServiceAccountOutput(many=True)})
    def get(self, request: Request) -> Response:
        permissions.require_org_lead(request.user)
        accounts = (
            permissions.service_accounts_visible_to(request.user)
            .select_related("owner")
            .prefetch_related("pods")
            .order_by("-created_at", "-id")
        )
        return Response(ServiceAccountOutput(accounts, many=True).data)

    @extend_schema(request=ServiceAccountInput, responses={201: ServiceAccountCreated})
    def post(self, request: Request) -> Response:
        permissions.require_org_lead(request.user)
        body = ServiceAccountInput(data=request.data)
        if not body.is_valid():
            return Response(body.errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            account, key = services.service_account_create(
                user=request.user,
                name=body.validated_data["name"],
                pod_ids=body.validated_data["pods"],
            )
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        data = ServiceAccountCreated(account, context={"key": key}).data
        return Response(data, status=status.HTTP_201_CREATED)


class ServiceAccountDetail(APIView):
    @extend_schema(responses={200: ServiceAccountOutput})
    def get(self, request: Request, pk: int) -> Response:
        account = permissions.service_account_for_user(request.user, pk)
        return Response(ServiceAccountOutput(account).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        """Revoke: the token stops working at once; the account stays listed."""
        account = permissions.service_account_for_user(request.user, pk)
        services.service_account_revoke(user=request.user, account=account)
        return Response(status=status.HTTP_204_NO_CONTENT)
