from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Prefetch, Value
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from . import directory, permissions
from .models import Person, Pod, PodMembership
from .profile_views import profile_context
from .traits import TRAIT_CHOICES, TRAIT_LABELS, TRAITS


def _get_person_for_user(request: HttpRequest, pk: int) -> Person:
    person = get_object_or_404(Person.objects.select_related("org_unit", "profile"), pk=pk)
    if not permissions.can_view_person(request.user, person):
        raise Http404("No such person.")
    return person


def _get_pod_for_user(request: HttpRequest, pk: int) -> Pod:
    pod = get_object_or_404(Pod.objects.select_related("org_unit"), pk=pk)
    if not permissions.can_view_pod(request.user, pod):
        raise Http404("No such pod.")
    return pod


def _current_memberships():
    return PodMembership.objects.current().select_related("person", "person__profile")


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


def _directory_choices(request: HttpRequest) -> dict[str, list[tuple[int, str]]]:
    """Org units and active pods for the filter menus, in one query (a UNION)."""
    units = permissions.units_visible_to(request.user).annotate(kind=Value("unit"))
    pods = (
        permissions.pods_visible_to(request.user)
        .filter(status=Pod.Status.ACTIVE)
        .annotate(kind=Value("pod"))
    )
    rows = (
        units.order_by()
        .values_list("kind", "id", "name")
        .union(pods.order_by().values_list("kind", "id", "name"), all=True)
    )
    choices: dict[str, list[tuple[int, str]]] = {"units": [], "pods": []}
    for kind, pk, name in sorted(rows, key=lambda r: r[2].lower()):
        choices[f"{kind}s"].append((pk, name))
    return choices


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    """The people directory for leads: search, filters, sort, pages, trait bars (issue 4)."""
    permissions.require_org_lead(request.user)
    filters = directory.DirectoryFilters.from_params(request.GET)
    people = directory.people_directory(request.user, filters)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    ctx = {
        "page": page,
        "f": filters,
        "q": filters.q,
        "qs": filters.querystring(),
        "sort_qs": filters.querystring(sort=""),
        "sorts": [(key, label) for key, (label, _) in directory.SORTS.items()],
        **({} if request.htmx else _directory_choices(request)),
        "traits": TRAITS,
        "trait_labels": TRAIT_LABELS,
        "trait_choices": TRAIT_CHOICES,
    }
    template = "teams/people_list.html#results" if request.htmx else "teams/people_list.html"
    return render(request, template, ctx)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_user(request, pk)
    memberships = (
        PodMembership.objects.filter(person=person).select_related("pod").order_by("-start")
    )
    profile = getattr(person, "profile", None)
    scores = []
    if profile is not None:
        scores = [(TRAIT_LABELS[t], round(getattr(profile, t))) for t in TRAITS]
    return render(
        request,
        "teams/person_detail.html",
        {
            "person": person,
            "memberships": memberships,
            "scores": scores,
            "profile": profile,
            "show_pay": permissions.can_view_pay(request.user, person),
            "is_me": (me := permissions.person_of(request.user)) is not None and me.pk == person.pk,
            "can_lead_assess": permissions.can_assess_as_lead(request.user, person),
            **profile_context(person),
        },
    )


@login_required
def pod_list(request: HttpRequest) -> HttpResponse:
    permissions.require_org_lead(request.user)
    status = request.GET.get("status", Pod.Status.ACTIVE)
    pods = (
        permissions.pods_visible_to(request.user)
        .select_related("org_unit")
        .prefetch_related(
            Prefetch("memberships", queryset=_current_memberships(), to_attr="current")
        )
        .order_by("org_unit__name", "name")
    )
    if status in Pod.Status.values:
        pods = pods.filter(status=status)
    page = Paginator(pods, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "teams/pod_list.html",
        {"page": page, "status": status, "statuses": Pod.Status.choices},
    )
