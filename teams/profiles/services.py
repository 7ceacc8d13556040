"""Workflows that write several rows. Views, the API, tasks and commands all call these."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction

from teams.models import Assessment, OrgUnit, Person, QuestionnaireAnswer, TraitProfile
from teams.profiles import questionnaire
from teams.profiles.scoring import PEER_MIN_RATERS, Rating, latest_by_source
from teams.traits import SOURCES, TRAIT_LABELS, TRAITS, combine_profile, primary_trait


def peer_minimums() -> dict[int, int]:
    """Per org unit, how many distinct peers must rate someone before the peer average counts:
    the unit's own setting, else its parent's, up to PEER_MIN_RATERS at the root. One query."""
    rows = {
        pk: (parent, own)
        for pk, parent, own in OrgUnit.objects.values_list("pk", "parent_id", "peer_min_raters")
    }
    out: dict[int, int] = {}

    def resolve(pk: int) -> int:
        path = []
        while pk in rows and pk not in out:
            parent, own = rows[pk]
            if own is not None:
                out[pk] = own
                break
            path.append(pk)
            if parent is None or parent in path:
                break
            pk = parent
        value = out.get(pk, PEER_MIN_RATERS)
        for step in path:
            out[step] = value
        return value

    for pk in rows:
        resolve(pk)
    return out


@transaction.atomic
def unit_set_peer_minimum(*, unit: OrgUnit, value: int | None, user=None) -> int:
    """Set (or, with None, inherit) a unit's minimum of distinct peers, and bring the profiles
    of everyone in it and below it up to date. Returns the number of profiles rewritten."""
    from django.core.exceptions import ValidationError

    from teams.models import units_below

    if value is not None and not 2 <= value <= 20:
        raise ValidationError(
            {
                "peer_min_raters": [
                    "Between 2 and 20 colleagues: fewer would let a rating be read back."
                ]
            }
        )
    unit.peer_min_raters = value
    unit.save(update_fields=["peer_min_raters"])
    people = Person.objects.filter(org_unit_id__in=units_below([unit.pk])).values_list(
        "pk", flat=True
    )
    return profiles_recompute(person_ids=list(people))


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
        for p in Person.objects.filter(pk__in=ids)
        .select_related("org_unit")
        .only(
            "id",
            "preferred_trait",
            "org_unit__weight_self",
            "org_unit__weight_peer",
            "org_unit__weight_lead",
        )
    }
    # Newest first: the first row seen per (person, source) — per assessor for peers — is the
    # latest; the peer source is then the anonymous average (teams.profiles).
    seen: dict[int, dict[tuple[str, int | None], Rating]] = {}
    rows = (
        Assessment.objects.filter(person_id__in=ids)
        .order_by("person_id", "source", "-created_at", "-id")
        .values_list("person_id", "source", "assessor_id", "created_at", *TRAITS)
    )
    for person_id, source, assessor_id, created_at, *scores in rows.iterator(chunk_size=5000):
        key = (source, assessor_id if source == "peer" else None)
        seen.setdefault(person_id, {}).setdefault(
            key, Rating(source, assessor_id, tuple(scores), created_at)
        )
    minimum = peer_minimums()
    latest = {
        pid: latest_by_source(
            by_key.values(), minimum.get(people[pid].org_unit_id, PEER_MIN_RATERS)
        )
        for pid, by_key in seen.items()
        if pid in people
    }
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


class AssessmentError(ValueError):
    """A refused assessment, with a message a person can act on."""


def _check_scores(scores: Mapping[str, object]) -> dict[str, int]:
    clean: dict[str, int] = {}
    for trait in TRAITS:
        value = scores.get(trait)
        if isinstance(value, bool) or not isinstance(value, int):
            raise AssessmentError(f"{TRAIT_LABELS[trait]}: a whole number 0–100 is required.")
        if not 0 <= value <= 100:
            raise AssessmentError(f"{TRAIT_LABELS[trait]}: {value} is out of range 0–100.")
        clean[trait] = value
    return clean


@transaction.atomic
def assessment_create(
    *, person: Person, source: str, assessor: Person | None, scores: Mapping[str, object]
) -> Assessment:
    """Record one assessment and bring the person's stored profile up to date.

    Who may give which source is decided by teams.permissions before this is called; this
    refuses what no one may do (a peer rating of oneself, scores outside 0–100).
    """
    if source not in SOURCES:
        raise AssessmentError(f"Unknown source “{source}”: use one of {', '.join(SOURCES)}.")
    if source == "peer" and (assessor is None or assessor.pk == person.pk):
        raise AssessmentError("A peer rating needs a rater other than the person rated.")
    if source == "self" and assessor is not None and assessor.pk != person.pk:
        raise AssessmentError("Only the person themselves gives a self assessment.")
    assessment = Assessment.objects.create(
        person=person, source=source, assessor=assessor, **_check_scores(scores)
    )
    profiles_recompute(person_ids=[person.pk])
    return assessment


@transaction.atomic
def questionnaire_answer(*, person: Person, answers: Mapping[int, int]) -> int:
    """Save (or change) answers to some statements; the questionnaire resumes from them."""
    for item, answer in answers.items():
        if item not in questionnaire.ITEM_BY_NUMBER:
            raise AssessmentError(f"There is no statement {item}.")
        if answer not in (1, 2, 3, 4, 5):
            raise AssessmentError(f"Statement {item}: choose an answer from 1 to 5.")
    for item, answer in answers.items():
        QuestionnaireAnswer.objects.update_or_create(
            person=person, item=item, defaults={"answer": answer}
        )
    return len(answers)


@transaction.atomic
def questionnaire_submit(*, person: Person) -> Assessment:
    """Score the saved answers into a new self assessment (answers stay, for a later retake)."""
    answers = dict(QuestionnaireAnswer.objects.filter(person=person).values_list("item", "answer"))
    try:
        scores = questionnaire.score(answers)
    except questionnaire.IncompleteAnswers as exc:
        raise AssessmentError(str(exc)) from exc
    return assessment_create(person=person, source="self", assessor=person, scores=scores)
