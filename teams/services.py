"""Workflows that write several rows. Views, the API, tasks and commands all call these."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .models import Assessment, Person, TraitProfile
from .traits import SOURCES, TRAITS, combine_profile, primary_trait


@transaction.atomic
def profiles_recompute(*, person_ids: Iterable[int]) -> int:
    """Rebuild the stored trait profile of these people from their latest assessment per source.

    A constant number of queries whatever the number of people (bulk read, bulk write).
    Returns the number of profiles written.
    """
    ids = list(set(person_ids))
    if not ids:
        return 0
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in=ids).select_related("org_unit").only(
            "id", "preferred_trait", "org_unit__weight_self", "org_unit__weight_peer",
            "org_unit__weight_lead",
        )
    }
    latest: dict[int, dict[str, tuple[int, ...]]] = {}
    # Newest first: the first row seen per (person, source) is the latest.
    rows = (
        Assessment.objects.filter(person_id__in=ids)
        .order_by("person_id", "source", "-created_at", "-id")
        .values_list("person_id", "source", *TRAITS)
    )
    for person_id, source, *scores in rows.iterator(chunk_size=5000):
        latest.setdefault(person_id, {}).setdefault(source, tuple(scores))
    existing = {tp.person_id: tp for tp in TraitProfile.objects.filter(person_id__in=ids)}
    to_create, to_update, to_delete = [], [], []
    for pid, person in people.items():
        combined = combine_profile(latest.get(pid, {}), person.org_unit.profile_weights())
        if combined is None:
            if pid in existing:
                to_delete.append(existing[pid].pk)
            continue
        profile = existing.get(pid) or TraitProfile(person_id=pid)
        for trait, value in zip(TRAITS, combined, strict=True):
            setattr(profile, trait, value)
        profile.primary_trait = primary_trait(combined, person.preferred_trait)
        profile.sources = ",".join(s for s in SOURCES if s in latest.get(pid, {}))
        (to_update if profile.pk else to_create).append(profile)
    TraitProfile.objects.bulk_create(to_create, batch_size=2000)
    TraitProfile.objects.bulk_update(
        to_update, [*TRAITS, "primary_trait", "sources"], batch_size=2000
    )
    if to_delete:
        TraitProfile.objects.filter(pk__in=to_delete).delete()
    return len(to_create) + len(to_update)
