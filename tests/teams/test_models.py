"""Structural rules held by the database itself."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from teams.models import Assessment, PodMembership

pytestmark = pytest.mark.django_db


def _raises_integrity(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        PodMembership.objects.create(**fields)


def test_it_refuses_allocation_outside_0_1(personas):
    p = personas.org_lead.person
    _raises_integrity(
        pod=personas.pod_a, person=p, start=date(2026, 1, 1), allocation=Decimal("1.5")
    )
    _raises_integrity(
        pod=personas.pod_a, person=p, start=date(2026, 1, 1), allocation=Decimal("-0.1")
    )


def test_it_refuses_end_before_start(personas):
    _raises_integrity(
        pod=personas.pod_a,
        person=personas.org_lead.person,
        start=date(2026, 3, 1),
        end=date(2026, 2, 28),
    )


def test_it_refuses_overlapping_membership_of_one_person_in_one_pod(personas):
    member = personas.member.person  # member of pod A since 2026-01-01, ongoing
    _raises_integrity(pod=personas.pod_a, person=member, start=date(2026, 6, 1))


def test_it_allows_consecutive_memberships(personas):
    p = personas.org_lead.person
    PodMembership.objects.create(
        pod=personas.pod_a, person=p, start=date(2026, 1, 1), end=date(2026, 1, 31)
    )
    PodMembership.objects.create(pod=personas.pod_a, person=p, start=date(2026, 2, 1))
    # but not one that overlaps the first by a single day
    _raises_integrity(pod=personas.pod_a, person=p, start=date(2025, 12, 1), end=date(2026, 1, 1))


def test_it_refuses_an_update_that_creates_an_overlap(personas):
    p = personas.org_lead.person
    PodMembership.objects.create(
        pod=personas.pod_a, person=p, start=date(2026, 1, 1), end=date(2026, 1, 31)
    )
    later = PodMembership.objects.create(pod=personas.pod_a, person=p, start=date(2026, 3, 1))
    later.start = date(2026, 1, 15)
    with pytest.raises(IntegrityError), transaction.atomic():
        later.save()


def test_it_refuses_two_open_pod_leads_in_one_pod(personas):
    _raises_integrity(
        pod=personas.pod_a,
        person=personas.org_lead.person,
        start=date(2026, 1, 1),
        is_pod_lead=True,
    )


def test_it_refuses_scores_above_100(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            person=personas.member.person,
            source="lead",
            builder=101,
            architect=1,
            taste_maker=1,
            signal_reader=1,
            decision_maker=1,
        )


def test_it_refuses_a_peer_rating_of_oneself(personas):
    me = personas.member.person
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            person=me,
            assessor=me,
            source="peer",
            builder=50,
            architect=50,
            taste_maker=50,
            signal_reader=50,
            decision_maker=50,
        )


def test_it_refuses_negative_base_pay(personas):
    p = personas.member.person
    p.base_pay = Decimal("-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        p.save()
