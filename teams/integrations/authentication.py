"""DRF authentication for service accounts: ``Authorization: Token pwsa_…``.

A key without the service-account prefix is left to DRF's own TokenAuthentication, so tokens
an Admin made in the Django admin keep working. The request's user is the account's owner,
``request.auth`` the ServiceAccount; ``ServiceAccountScope`` keeps such a request to the
endpoints that declare ``service_account_scope = True`` (metrics and observations), and those
narrow it to the account's pods.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from teams.integrations.services import key_hash
from teams.models import ServiceAccount

# Reading the API is a use too; recording it at most once a minute keeps it off the hot path.
TOUCH_EVERY = timedelta(minutes=1)


class ServiceAccountAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower().encode():
            return None
        try:
            key = parts[1].decode()
        except UnicodeError:
            return None
        if not key.startswith(ServiceAccount.KEY_PREFIX):
            return None
        account = (
            ServiceAccount.objects.select_related("owner").filter(key_hash=key_hash(key)).first()
        )
        if account is None or account.is_revoked or not account.owner.is_active:
            raise AuthenticationFailed("Invalid or revoked service-account token.")
        now = timezone.now()
        if account.last_used_at is None or now - account.last_used_at > TOUCH_EVERY:
            ServiceAccount.objects.filter(pk=account.pk).update(last_used_at=now)
            account.last_used_at = now
        return account.owner, account

    def authenticate_header(self, request) -> str:
        return self.keyword


class ServiceAccountScope(BasePermission):
    """A service-account token opens only the endpoints made for integrations."""

    message = "A service-account token may only read metrics and send observations."

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ServiceAccount):
            return bool(getattr(view, "service_account_scope", False))
        return True


class ServiceAccountScheme(OpenApiAuthenticationExtension):
    """How the API docs describe the service-account token."""

    target_class = ServiceAccountAuthentication
    match_subclasses = True
    name = "serviceAccountToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "'Token pwsa_…': a service account's key, made on /integrations/.",
        }
