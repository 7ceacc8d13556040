"""API rate limits: per user, per token, and a stricter one for anonymous callers.

DRF checks permissions before throttles, and a bad token fails authentication before either, so
a request without valid credentials would be refused (401/403) without ever being counted. Here
such a request is counted as anonymous while it is being authenticated, so guessing tokens or
hammering without one runs into the anonymous limit (429 with Retry-After) like anything else.
Rates: ``API_RATE_ANON``, ``API_RATE_USER``, ``API_RATE_TOKEN`` (e.g. ``120/min``).
"""

from __future__ import annotations

import hashlib

from rest_framework.authentication import BaseAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.throttling import SimpleRateThrottle

from teams.integrations.authentication import ServiceAccountAuthentication
from teams.models import ServiceAccount

_COUNTED = "_podwright_counted_as_anonymous"


class AnonymousThrottle(SimpleRateThrottle):
    """Requests that no credentials vouch for, per client address."""

    scope = "anon"

    def get_cache_key(self, request, view):
        # Never touches request.user: it also runs during authentication.
        if getattr(request, "_user", None) is not None and request._user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view):
        if getattr(request, _COUNTED, False):
            return True  # already counted while authenticating
        setattr(request, _COUNTED, True)
        return super().allow_request(request, view)


class UserThrottle(SimpleRateThrottle):
    """Every authenticated request, per user, whichever way they authenticated."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class TokenThrottle(SimpleRateThrottle):
    """Requests authenticated by an API token, per token (an integration's own budget)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ServiceAccount):
            ident = f"service-account-{request.auth.pk}"
        elif isinstance(request.auth, Token):
            ident = hashlib.sha256(request.auth.key.encode()).hexdigest()[:32]
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _count_as_anonymous(request) -> None:
    throttle = AnonymousThrottle()
    if not throttle.allow_request(request, None):
        raise Throttled(wait=throttle.wait())


class ThrottledTokenAuthentication(TokenAuthentication):
    """Token authentication whose failures count against the anonymous limit."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            _count_as_anonymous(request)
            raise


class ThrottledServiceAccountAuthentication(ServiceAccountAuthentication):
    """Service-account authentication whose failures count against the anonymous limit."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            _count_as_anonymous(request)
            raise


class CountAnonymous(BaseAuthentication):
    """Last in the chain: nothing authenticated the request, so it counts as anonymous now,
    before the permission check refuses it."""

    def authenticate(self, request):
        _count_as_anonymous(request)
        return None
