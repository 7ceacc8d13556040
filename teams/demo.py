"""The demo organisation's people, units, pods and profiles: believable, trait-diverse,
reproducible, and fast at 10,000 people. Its metrics, plans and months are seeded on top of this by
`incentives.demo`, which also owns the `seed_demo` command."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from teams.models import Assessment, OrgUnit, Person, Pod, PodMembership
from teams.profiles.services import profiles_recompute
from teams.traits import TRAITS

ROOT_SLUG = "demo"
UNITS = [
    ("demo-growth", "Growth", ["Onboarding", "Pricing", "Lifecycle email", "Referrals"]),
    ("demo-platform", "Platform", ["Billing", "Search", "Data pipeline", "Mobile app"]),
    (
        "demo-customer",
        "Customer",
        ["Support tools", "Self-serve help", "Enterprise admin", "Insights"],
    ),
]
GOALS = [
    "Double week-one activation for new workspaces.",
    "Cut time-to-value for trial accounts below two days.",
    "Lift paid conversion from trial by a third.",
    "Keep customer-facing incidents at zero while shipping weekly.",
    "Raise 90-day retention of self-serve customers.",
    "Make the first report a customer builds delightful.",
]
FIRST = [
    "Ana",
    "Ben",
    "Chloé",
    "Dev",
    "Elif",
    "Femi",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Luca",
    "Maya",
    "Nils",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Xavi",
    "Yara",
    "Zoe",
    "Arjun",
    "Bea",
    "Caio",
    "Dana",
]
LAST = [
    "Almeida",
    "Brandt",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Haddad",
    "Ito",
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Silva",
    "Tanaka",
    "Urban",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
]
TIME_ZONES = ["Europe/Lisbon", "Europe/Berlin", "Europe/London", "America/New_York", "Asia/Kolkata"]

# One login per role, printed at the end as "ROLE USERNAME PASSWORD".
LOGINS = [
    ("admin", "admin", "podwright-admin"),
    ("org_lead", "orglead", "podwright-orglead"),
    ("pod_lead", "podlead", "podwright-podlead"),
    ("member", "member", "podwright-member"),
]
DEMO_START = date(2025, 12, 1)


@dataclass
class DemoResult:
    reset: bool
    people: int
    pods: int
    units: int
    logins: list[tuple[str, str, str]]
    # What the incentives side of the demo builds on (same random stream, same org every time).
    unit_objects: list[OrgUnit]
    pod_objects: list[Pod]
    rng: random.Random
    # One person invited and not yet accepted: (name, email, the link to set a password).
    invitation: tuple[str, str, str] | None = None


def demo_unit_ids() -> list[int]:
    """The demo's root unit and its children, or [] when there is no demo organisation."""
    root = OrgUnit.objects.filter(slug=ROOT_SLUG).first()
    if root is None:
        return []
    return [root.pk, *OrgUnit.objects.filter(parent=root).values_list("pk", flat=True)]


def demo_reset() -> bool:
    """Delete the demo organisation if present. Returns whether there was one.

    Rows of the incentives app that point at these units must be gone first (`incentives.demo`)."""
    root = OrgUnit.objects.filter(slug=ROOT_SLUG).first()
    User = get_user_model()
    User.objects.filter(username__in=[u for _, u, _ in LOGINS]).delete()
    if root is None:
        return False
    unit_ids = demo_unit_ids()
    # Logins made by accepting a demo invitation go with their people.
    User.objects.filter(person__org_unit_id__in=unit_ids).delete()
    PodMembership.objects.filter(pod__org_unit_id__in=unit_ids).delete()
    Pod.objects.filter(org_unit_id__in=unit_ids).delete()
    Assessment.objects.filter(person__org_unit_id__in=unit_ids).delete()
    Person.objects.filter(org_unit_id__in=unit_ids).delete()
    OrgUnit.objects.filter(parent=root).delete()
    root.delete()
    return True


def _scores(rng: random.Random, strong: list[int]) -> list[int]:
    scores = [rng.randint(25, 62) for _ in TRAITS]
    for i in strong:
        scores[i] = rng.randint(72, 96)
    return scores


def _jitter(rng: random.Random, scores: list[int], spread: int) -> list[int]:
    return [max(0, min(100, s + rng.randint(-spread, spread))) for s in scores]


@transaction.atomic
def demo_seed(*, people: int = 60, seed: int = 7) -> DemoResult:
    if people < 8:
        raise ValueError("The demo needs at least 8 people (logins and a couple of pods).")
    rng = random.Random(seed)
    was_reset = demo_reset()

    root = OrgUnit.objects.create(name="Acme (demo)", slug=ROOT_SLUG)
    units = [OrgUnit.objects.create(name=name, slug=slug, parent=root) for slug, name, _ in UNITS]

    persons = []
    for i in range(people):
        unit = units[i % len(units)]
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7 + i // len(FIRST)) % len(LAST)]
        # Most people are strong in one trait, some in two; signal readers are a little scarcer.
        primary = rng.choices(range(len(TRAITS)), weights=[26, 22, 20, 14, 18])[0]
        preferred = TRAITS[primary]
        persons.append(
            Person(
                name=f"{first} {last}"
                + (f" {i // (len(FIRST) * len(LAST)) + 1}" if i >= len(FIRST) * len(LAST) else ""),
                email=f"person{i + 1}@demo.podwright.test",
                org_unit=unit,
                role=Person.Role.BUILDER,
                base_pay=Decimal(rng.randrange(5200, 11800, 100)),
                fte=Decimal("1") if rng.random() > 0.1 else Decimal("0.8"),
                time_zone=rng.choice(TIME_ZONES),
                preferred_trait=preferred,
            )
        )
        persons[-1]._strong = [primary] + (
            [rng.randrange(len(TRAITS))] if rng.random() < 0.3 else []
        )
    Person.objects.bulk_create(persons, batch_size=2000)
    if not persons[0].pk:  # backends that don't return ids from bulk_create
        by_email = dict(Person.objects.filter(org_unit__in=units).values_list("email", "pk"))
        for p in persons:
            p.pk = p.id = by_email[p.email]

    assessments = []
    for p in persons:
        truth = _scores(rng, p._strong)
        assessments.append(
            Assessment(
                person=p, source="self", **dict(zip(TRAITS, _jitter(rng, truth, 10), strict=True))
            )
        )
        assessments.append(
            Assessment(
                person=p, source="lead", **dict(zip(TRAITS, _jitter(rng, truth, 6), strict=True))
            )
        )
    Assessment.objects.bulk_create(assessments, batch_size=5000)

    # About one pod per five people, four members each; the rest are free for formation.
    n_pods = max(2, round(people / 5))
    pods, memberships = [], []
    for i in range(n_pods):
        unit_index = i % len(units)
        areas = UNITS[unit_index][2]
        pods.append(
            Pod(
                name=f"{areas[(i // len(units)) % len(areas)]} {i // (len(units) * len(areas)) + 1}",
                org_unit=units[unit_index],
                goal=GOALS[i % len(GOALS)],
                product_area=areas[(i // len(units)) % len(areas)],
                baseline_headcount=Decimal(rng.choice([8, 10, 12, 14])),
                status=Pod.Status.ACTIVE,
            )
        )
    Pod.objects.bulk_create(pods, batch_size=2000)
    if not pods[0].pk:
        ids = list(
            Pod.objects.filter(org_unit__in=units).order_by("pk").values_list("pk", flat=True)
        )
        for pod, pk in zip(pods, ids, strict=True):
            pod.pk = pod.id = pk

    by_unit: dict[int, list[Person]] = {}
    for p in persons[4:]:
        by_unit.setdefault(p.org_unit_id, []).append(p)
    # The demo logins: org lead (leads the whole demo org), a pod lead and a member of pod 1.
    org_lead, pod_lead, member = persons[1], persons[2], persons[3]
    org_lead.role = Person.Role.ORG_LEAD
    pod_lead.role = Person.Role.POD_LEAD
    first_pod_members = [pod_lead, member]
    for i, pod in enumerate(pods):
        pool = by_unit[pod.org_unit_id]
        members = first_pod_members if i == 0 else []
        while len(members) < 4 and pool:
            members.append(pool.pop())
        for j, person in enumerate(members):
            lead = j == 0
            if lead and person.role == Person.Role.BUILDER:
                person.role = Person.Role.POD_LEAD
            memberships.append(
                PodMembership(
                    pod=pod,
                    person=person,
                    start=DEMO_START,
                    allocation=Decimal("1") if rng.random() > 0.15 else Decimal("0.5"),
                    is_pod_lead=lead,
                )
            )
    PodMembership.objects.bulk_create(memberships, batch_size=5000)
    Person.objects.bulk_update(
        [p for p in persons if p.role != Person.Role.BUILDER], ["role"], batch_size=2000
    )
    root.leads.add(org_lead)

    User = get_user_model()
    logins = []
    for (role, username, password), person in zip(
        LOGINS, [None, org_lead, pod_lead, member], strict=True
    ):
        user = User(
            username=username,
            email=f"{username}@demo.podwright.test",
            is_staff=role == "admin",
            is_superuser=role == "admin",
        )
        user.set_password(password)
        user.save()
        if person is not None:
            person.user = user
            person.save(update_fields=["user"])
        logins.append((role, username, password))

    profiles_recompute(person_ids=[p.pk for p in persons])
    return DemoResult(
        reset=was_reset,
        people=people,
        pods=n_pods,
        units=len(units),
        logins=logins,
        unit_objects=units,
        pod_objects=pods,
        rng=rng,
        invitation=_demo_invitation(exclude=[org_lead.pk, pod_lead.pk, member.pk]),
    )


def _demo_invitation(*, exclude: list[int]) -> tuple[str, str, str] | None:
    """Invite one demo person who is in a pod (no email: the command prints the link)."""
    from teams.people.services import invitation_send, invitation_url

    person = (
        Person.objects.filter(org_unit__parent__slug=ROOT_SLUG, memberships__isnull=False)
        .exclude(pk__in=exclude)
        .order_by("pk")
        .first()
    )
    if person is None:
        return None
    _, token = invitation_send(person=person, send=False)
    return person.name, person.email, invitation_url(token)
