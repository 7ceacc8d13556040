"""Who may see and do what (DESIGN §1, roles), in one place for views and the API alike.

Admin: everything. Org Lead: people, profiles, pods, formation, plans, approvals, reports and
individual pay for the org units they lead (and the units below them). Pod Lead: their pod's
charter and metric observations. Member: their own pod page, own profile, own payouts.
Base pay is seen only by the person, their Org Leads and Admins.

Objects outside what a user may see answer 404 (their existence is not disclosed); pages a
role may not use at all answer 403.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from teams.models import (
    FormationRun,
    OrgUnit,
    Person,
    Pod,
    PodMembership,
    ServiceAccount,
    units_below,
)


def person_of(user: User | AnonymousUser) -> Person | None:
    if not user.is_authenticated:
        return None
    try:
        return user.person
    except Person.DoesNotExist:
        return None


def is_admin(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def led_unit_ids(user: User | AnonymousUser) -> set[int]:
    """Ids of the org units this user leads, with every unit below them. Cached per user."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_podwright_led_units", None)
    if cached is not None:
        return cached
    if is_admin(user):
        ids = set(OrgUnit.objects.values_list("id", flat=True))
    else:
        person = person_of(user)
        direct = set(person.led_units.values_list("id", flat=True)) if person else set()
        ids = units_below(direct) if direct else set()
    user._podwright_led_units = ids
    return ids


def is_org_lead(user: User | AnonymousUser) -> bool:
    return is_admin(user) or bool(led_unit_ids(user))


def forget(user: User | AnonymousUser) -> None:
    """Drop this user's cached rights: the org tree or its leads just changed."""
    for name in ("_podwright_led_units", "_podwright_pods"):
        if hasattr(user, name):
            delattr(user, name)  # through request.user's lazy wrapper too


def _current_pods(user: User | AnonymousUser) -> dict[int, bool]:
    """The pods this user is in today → whether they lead it. One query, cached per request."""
    cached = getattr(user, "_podwright_pods", None)
    if cached is not None:
        return cached
    person = person_of(user)
    pods: dict[int, bool] = {}
    if person is not None:
        for pod_id, is_lead in (
            PodMembership.objects.current()
            .filter(person=person)
            .values_list("pod_id", "is_pod_lead")
        ):
            pods[pod_id] = pods.get(pod_id, False) or is_lead
    if user.is_authenticated:
        user._podwright_pods = pods
    return pods


def led_pod_ids(user: User | AnonymousUser) -> set[int]:
    """Pods this user currently leads as Pod Lead."""
    return {pod_id for pod_id, is_lead in _current_pods(user).items() if is_lead}


def member_pod_ids(user: User | AnonymousUser) -> set[int]:
    return set(_current_pods(user))


def require_org_lead(user: User | AnonymousUser) -> None:
    if not is_org_lead(user):
        raise PermissionDenied("This page is for Org Leads.")


def can_manage_unit(user: User | AnonymousUser, unit_id: int) -> bool:
    return unit_id in led_unit_ids(user)


def can_view_person(user: User | AnonymousUser, person: Person) -> bool:
    me = person_of(user)
    return (me is not None and me.pk == person.pk) or can_manage_unit(user, person.org_unit_id)


def can_view_public_profile(user: User | AnonymousUser, person: Person) -> bool:
    """A person's public profile (name, role, primary trait, pods): whoever may see the whole
    page, and their current pod mates (members and Pod Leads of a pod they are both in today).
    Base pay, pay history, FTE, email and scores stay on the full page."""
    if can_view_person(user, person):
        return True
    mine = member_pod_ids(user)
    return bool(mine) and (
        PodMembership.objects.current().filter(person=person, pod_id__in=mine).exists()
    )


def can_view_pay(user: User | AnonymousUser, person: Person) -> bool:
    """Base pay: the person, their Org Leads and Admins."""
    return can_view_person(user, person)


def can_view_pod(user: User | AnonymousUser, pod: Pod) -> bool:
    return can_manage_unit(user, pod.org_unit_id) or pod.pk in member_pod_ids(user)


def can_edit_pod(user: User | AnonymousUser, pod: Pod) -> bool:
    """Charter and observations: the pod's Pod Lead, or an Org Lead of its unit."""
    return can_manage_unit(user, pod.org_unit_id) or pod.pk in led_pod_ids(user)


def can_edit_baseline(user: User | AnonymousUser, pod: Pod) -> bool:
    """A pod's baseline headcount drives pay (DESIGN §3): Org Leads of its unit only, not its Pod Lead."""
    return can_manage_unit(user, pod.org_unit_id)


def editable_pod_ids(user: User | AnonymousUser, pods) -> set[int]:
    """Of these pods (objects with ``pk`` and ``org_unit_id``), the ids the user may record
    observations for (``can_edit_pod``), in two queries whatever the number of pods."""
    units, led = led_unit_ids(user), led_pod_ids(user)
    return {p.pk for p in pods if p.org_unit_id in units or p.pk in led}


def can_set_targets(user: User | AnonymousUser, pod: Pod) -> bool:
    """Targets drive pay: an Org Lead of the pod's unit sets them; its Pod Lead only proposes."""
    return can_manage_unit(user, pod.org_unit_id)


def can_review_observations(user: User | AnonymousUser, pod: Pod) -> bool:
    """Confirming or rejecting a flagged observation is for Org Leads of the pod's unit: a Pod
    Lead does not judge their own pod's numbers (anti-gaming)."""
    return can_manage_unit(user, pod.org_unit_id)


def require_metrics_lead(user: User | AnonymousUser) -> None:
    """The metrics overview and CSV import: Org Leads and Pod Leads."""
    if not (is_org_lead(user) or led_pod_ids(user)):
        raise PermissionDenied("This page is for Org Leads and Pod Leads.")


def can_manage_pay(user: User | AnonymousUser, unit_id: int) -> bool:
    """Plans, periods, approvals and individual pay of a unit: its Org Leads and Admins."""
    return can_manage_unit(user, unit_id)


def can_view_payout(user: User | AnonymousUser, *, person_id: int, unit_id: int) -> bool:
    """A payout (and its breakdown, base pay included): the person, or a lead of the unit."""
    me = person_of(user)
    return (me is not None and me.pk == person_id) or can_manage_pay(user, unit_id)


def can_view_pod_pool(user: User | AnonymousUser, pod: Pod, *, first: date, last: date) -> bool:
    """A pod's pool for a month: leads of its unit, and whoever was in the pod that month."""
    if can_manage_pay(user, pod.org_unit_id):
        return True
    me = person_of(user)
    return (
        me is not None
        and PodMembership.objects.filter(
            Q(end__isnull=True) | Q(end__gte=first), pod=pod, person=me, start__lte=last
        ).exists()
    )


def people_visible_to(user: User | AnonymousUser) -> QuerySet[Person]:
    units = led_unit_ids(user)
    me = person_of(user)
    if units:
        return Person.objects.filter(org_unit_id__in=units)
    if me is not None:
        return Person.objects.filter(pk=me.pk)
    return Person.objects.none()


def pods_visible_to(user: User | AnonymousUser) -> QuerySet[Pod]:
    units = led_unit_ids(user)
    if units:
        return Pod.objects.filter(org_unit_id__in=units)
    return Pod.objects.filter(pk__in=member_pod_ids(user))


def units_visible_to(user: User | AnonymousUser) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(pk__in=led_unit_ids(user))


def unit_choices(user: User | AnonymousUser) -> QuerySet[OrgUnit]:
    """Units to pick for something new (a parent, a person, a run, a plan): the user's units
    that are not archived. Lists of what exists keep using ``units_visible_to``."""
    return units_visible_to(user).filter(archived_at__isnull=True)


def role_of(user: User | AnonymousUser) -> str:
    """The role the navigation is built for: admin, org_lead, pod_lead, member or none."""
    if is_admin(user):
        return "admin"
    if led_unit_ids(user):
        return "org_lead"
    if led_pod_ids(user):
        return "pod_lead"
    if person_of(user) is not None:
        return "member"
    return "none"


# --- Assessments: who may rate whom --------------------------------------------------------


def peers_rateable_by(user: User | AnonymousUser) -> QuerySet[Person]:
    """People this user may rate as a peer: current pod mates and people in their org unit."""
    me = person_of(user)
    if me is None:
        return Person.objects.none()
    pods = PodMembership.objects.current().filter(person=me).values("pod_id")
    mates = PodMembership.objects.current().filter(pod_id__in=pods).values("person_id")
    return Person.objects.filter(
        Q(org_unit_id=me.org_unit_id) | Q(pk__in=mates), is_active=True
    ).exclude(pk=me.pk)


def can_rate_peer(user: User | AnonymousUser, person: Person) -> bool:
    """Pod mates and people of one's own org unit; never oneself."""
    me = person_of(user)
    if me is None or me.pk == person.pk:
        return False
    return peers_rateable_by(user).filter(pk=person.pk).exists()


def can_assess_as_lead(user: User | AnonymousUser, person: Person) -> bool:
    """An Org Lead of the person's unit, or the Pod Lead of a pod the person is currently in."""
    me = person_of(user)
    if me is not None and me.pk == person.pk:
        return False  # one's own view of oneself is the questionnaire
    if can_manage_unit(user, person.org_unit_id):
        return True
    led = led_pod_ids(user)
    return (
        bool(led) and PodMembership.objects.current().filter(person=person, pod_id__in=led).exists()
    )


# --- One object, for a view or an API endpoint -----------------------------------------------
# Each loads one object for this user, or answers as the rules above say: 404 for an object
# the user may not see, 403 (PermissionDenied) for a role that may not act on it. Pages and
# the API call the same helper, so the two cannot drift apart.


def pod_for_user(user: User | AnonymousUser, pk: int, *, write: bool = False) -> Pod:
    """A pod the user sees (a member, or a lead of its unit); ``write``: its charter and
    observations too (its Pod Lead or an Org Lead of its unit), else 403."""
    pod = get_object_or_404(Pod.objects.select_related("org_unit"), pk=pk)
    if not can_view_pod(user, pod):
        raise Http404("No such pod.")
    if write and not can_edit_pod(user, pod):
        raise PermissionDenied("Only the pod's Pod Lead or an Org Lead of its unit may change it.")
    return pod


def person_for_user(user: User | AnonymousUser, pk: int) -> Person:
    """A person the user sees: themselves, or anyone in a unit they lead."""
    person = get_object_or_404(Person.objects.select_related("org_unit", "profile"), pk=pk)
    if not can_view_person(user, person):
        raise Http404("No such person.")
    return person


def person_profile_for_user(user: User | AnonymousUser, pk: int) -> Person:
    """A person whose page the user may open: the whole page (``person_for_user``) or the
    public profile a pod mate sees (``can_view_public_profile``); 404 for anyone else."""
    person = get_object_or_404(Person.objects.select_related("org_unit", "profile"), pk=pk)
    if not can_view_public_profile(user, person):
        raise Http404("No such person.")
    return person


def person_to_assess(user: User | AnonymousUser, pk: int, *, source: str) -> Person:
    """A person the user may rate as ``source`` ("peer" or "lead"); 404 otherwise, so a
    rating form does not tell who exists elsewhere."""
    person = get_object_or_404(Person.objects.select_related("org_unit"), pk=pk)
    if source == "peer":
        allowed = can_rate_peer(user, person)
    elif source == "lead":
        allowed = can_assess_as_lead(user, person)
    else:
        allowed = False
    if not allowed:
        raise Http404("No such person to assess.")
    return person


def person_to_manage(user: User | AnonymousUser, pk: int) -> Person:
    """A person whose record, pay, pods and login the user may change: Org Leads of the
    person's unit. Anyone who leads no unit gets 403 (members and Pod Leads write nothing
    here); a lead of another unit 404, as for a person who does not exist."""
    require_org_lead(user)
    person = get_object_or_404(Person.objects.select_related("org_unit", "user"), pk=pk)
    if not can_manage_unit(user, person.org_unit_id):
        raise Http404("No such person.")
    return person


def pod_to_manage(user: User | AnonymousUser, pk: int) -> Pod:
    """A pod whose members, name and existence the user may change: Org Leads of its unit
    (403 for anyone who leads no unit, 404 for a pod of another unit)."""
    require_org_lead(user)
    pod = get_object_or_404(Pod.objects.select_related("org_unit"), pk=pk)
    if not can_manage_unit(user, pod.org_unit_id):
        raise Http404("No such pod.")
    return pod


def membership_to_manage(user: User | AnonymousUser, pk: int) -> PodMembership:
    """A membership stint of a pod the user may manage (``pod_to_manage``'s answers)."""
    require_org_lead(user)
    membership = get_object_or_404(
        PodMembership.objects.select_related("pod", "pod__org_unit", "person"), pk=pk
    )
    if not can_manage_unit(user, membership.pod.org_unit_id):
        raise Http404("No such membership.")
    return membership


def unit_for_user(user: User | AnonymousUser, pk: int) -> OrgUnit:
    """An org unit the user leads (directly or above it); Org Leads only."""
    require_org_lead(user)
    unit = get_object_or_404(OrgUnit, pk=pk)
    if not can_manage_unit(user, unit.pk):
        raise Http404("No such org unit.")
    return unit


def run_for_user(user: User | AnonymousUser, pk: int) -> FormationRun:
    """A formation run of a unit the user leads; Org Leads only."""
    if not is_org_lead(user):
        raise PermissionDenied("Formation is for Org Leads.")
    run = get_object_or_404(FormationRun.objects.select_related("org_unit", "accepted_by"), pk=pk)
    if not can_manage_unit(user, run.org_unit_id):
        raise Http404("No such formation run.")
    return run


# --- Service accounts -------------------------------------------------------------------------


def service_accounts_visible_to(user: User | AnonymousUser) -> QuerySet[ServiceAccount]:
    """Integrations an Org Lead sees and may revoke: their own, and any whose pods all lie in
    units they lead (so a fellow lead can revoke a departed lead's token). Admins: all."""
    if is_admin(user):
        return ServiceAccount.objects.all()
    if not is_org_lead(user):
        return ServiceAccount.objects.none()
    units = led_unit_ids(user)
    links = ServiceAccount.pods.through.objects
    inside = links.filter(pod__org_unit_id__in=units).values("serviceaccount_id")
    outside = links.exclude(pod__org_unit_id__in=units).values("serviceaccount_id")
    return ServiceAccount.objects.filter(Q(owner=user) | (Q(pk__in=inside) & ~Q(pk__in=outside)))


def service_account_for_user(user: User | AnonymousUser, pk: int) -> ServiceAccount:
    """One integration: 403 for anyone who leads no unit, 404 for one they do not see."""
    require_org_lead(user)
    account = service_accounts_visible_to(user).filter(pk=pk).first()
    if account is None:
        raise Http404("No such service account.")
    return account


# --- Friction and context: a pod's waits and context items ---------------------------------
# Both are about the pod, never about pay: its members see and record them, like the leads of
# its unit. Context items are edited by the Pod Lead and Org Leads; "verified" is the keeper's.


def can_record_waits(user: User | AnonymousUser, pod: Pod) -> bool:
    """A pod's waits: its current members (its Pod Lead included) and Org Leads of its unit."""
    return can_manage_unit(user, pod.org_unit_id) or pod.pk in member_pod_ids(user)


def wait_writable_pod_ids(user: User | AnonymousUser, pods) -> set[int]:
    """Of these pods (objects with ``pk`` and ``org_unit_id``), the ids the user may record
    waits for, in two queries whatever the number of pods."""
    units, mine = led_unit_ids(user), member_pod_ids(user)
    return {p.pk for p in pods if p.org_unit_id in units or p.pk in mine}


def can_edit_context(user: User | AnonymousUser, pod: Pod) -> bool:
    """Adding, changing and removing a pod's context items: its Pod Lead or an Org Lead."""
    return can_edit_pod(user, pod)


def can_verify_context(user: User | AnonymousUser, keeper_id: int | None) -> bool:
    """Only an item's keeper says it is still true."""
    me = person_of(user)
    return me is not None and keeper_id is not None and me.pk == keeper_id


def pod_for_request(request, pk: int) -> Pod:
    """``pod_for_user`` for an API request; a service account's token sees only its own pods
    (another reads as one that does not exist)."""
    pod = pod_for_user(request.user, pk)
    account = getattr(request, "auth", None)
    if isinstance(account, ServiceAccount) and not account.pods.filter(pk=pod.pk).exists():
        raise Http404("No such pod.")
    return pod
