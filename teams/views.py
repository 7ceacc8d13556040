from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from teams import permissions
from teams.models import PodMembership


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and the demo script: 200 when the database (and broker) answer."""
    checks: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"
        healthy = False
    if settings.CELERY_BROKER_URL:
        from config.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["broker"] = f"error: {exc.__class__.__name__}"
            healthy = False
    else:
        checks["broker"] = "eager (no broker configured)"
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A member's home: their pods (leads get the dashboard, teams.dashboard_views.home)."""
    person = permissions.person_of(request.user)
    memberships = []
    if person is not None:
        memberships = list(
            PodMembership.objects.current()
            .filter(person=person)
            .select_related("pod", "pod__org_unit")
        )
    return render(request, "teams/home_member.html", {"person": person, "memberships": memberships})
