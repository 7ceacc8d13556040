"""Login lockout (django-axes): which logins are watched, and what a locked-out client is told.

Too many failed logins for one username from one address lock that pair out for a while
(``LOGIN_FAILURE_LIMIT``, ``LOGIN_LOCKOUT_MINUTES``). The login page and the admin login both
go through ``authenticate(request, ...)`` and so through the lockout.
"""

from __future__ import annotations

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone


class LockoutBackend(AxesStandaloneBackend):
    """Refuse a locked-out username + address before any password is checked.

    A login with no HTTP request behind it (``manage.py shell``, the test client's ``login()``)
    has no client address to lock out, so it is not watched; every web login passes its request.
    """

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """429 with Retry-After; the login page again, saying until when, or JSON for scripts."""
    cool_off = get_cool_off(request) or settings.AXES_COOLOFF_TIME
    # Each refused attempt during a lockout starts the cool-off again, so it ends from now.
    until = timezone.localtime(timezone.now() + cool_off)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
    message = (
        f"Too many failed log-ins for this username from your network. Logging in is blocked "
        f"for {minutes} minutes: try again after {until:%H:%M} ({until:%Z})."
    )
    wants_json = request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )
    if wants_json:
        response: HttpResponse = JsonResponse(
            {"detail": message, "retry_after": until.isoformat()}, status=429
        )
    else:
        username = (credentials or {}).get("username") or request.POST.get("username", "")
        form = AuthenticationForm(request, initial={"username": username})
        next_url = request.POST.get("next") or request.GET.get("next", "")
        if not next_url and request.path.startswith("/admin/"):
            next_url = "/admin/"
        response = render(
            request,
            "registration/login.html",
            {"form": form, "next": next_url, "lockout_message": message, "locked_until": until},
            status=429,
        )
    response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return response
