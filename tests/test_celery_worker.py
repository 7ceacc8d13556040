"""A task through a real Celery worker on Redis when CELERY_BROKER_URL is set (eager otherwise)."""

import pytest
from django.conf import settings

from teams.models import Assessment, TraitProfile
from teams.profiles.tasks import recompute_profiles

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_it_recomputes_profiles_in_the_worker(personas, celery_worker_process):
    if settings.CELERY_BROKER_URL:
        assert celery_worker_process is not None and celery_worker_process.poll() is None
    member = personas.member.person
    Assessment.objects.create(
        person=member,
        source="self",
        builder=90,
        architect=10,
        taste_maker=20,
        signal_reader=30,
        decision_maker=40,
    )
    result = recompute_profiles.delay([member.pk])
    assert result.get(timeout=60) == 1
    profile = TraitProfile.objects.get(person=member)
    assert profile.primary_trait == "builder"
    assert profile.builder == 90
