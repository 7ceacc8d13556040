"""Workflows that write several rows. Views, the API, tasks and commands all call these."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction

from . import imports, questionnaire
from .models import Assessment, OrgUnit, Person, QuestionnaireAnswer, TraitProfile
from .profiles import Rating, latest_by_source
from .traits import SOURCES, TRAIT_LABELS, TRAITS, combine_profile, primary_trait


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
    latest = {pid: latest_by_source(by_key.values()) for pid, by_key in seen.items()}
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


# --- Assessments, questionnaire and import (issue 4) ----------------------------------------


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


@transaction.atomic
def people_import(
    *, text: str, unit_ids: Iterable[int], importer: Person | None, commit: bool
) -> imports.ParsedImport:
    """Validate a people CSV and, when `commit` and every row is good, save all of it.

    All or nothing: with any bad row, nothing is written. Scores, when given, become a lead
    assessment by the importer. A constant number of queries whatever the file size.
    """
    units = dict(OrgUnit.objects.filter(pk__in=list(unit_ids)).values_list("slug", "pk"))
    parsed_emails = _emails_in(text)
    existing = Person.objects.filter(email__in=parsed_emails).values_list("email", flat=True)
    parsed = imports.parse_people_csv(text, unit_slugs=units, existing_emails=existing)
    if not commit or not parsed.ok:
        return parsed
    people = [
        Person(
            name=r.name,
            email=r.email,
            org_unit_id=units[r.org_unit],
            role=r.role,
            base_pay=r.base_pay,
            fte=r.fte,
            time_zone=r.time_zone,
            preferred_trait=r.preferred_trait,
        )
        for r in parsed.rows
    ]
    Person.objects.bulk_create(people, batch_size=2000)
    if people and not people[0].pk:  # backends that do not return ids from bulk_create
        emails = [p.email for p in people]
        ids = dict(Person.objects.filter(email__in=emails).values_list("email", "pk"))
        for p in people:
            p.pk = p.id = ids[p.email]
    assessments = [
        Assessment(
            person=p, source="lead", assessor=importer, **dict(zip(TRAITS, r.scores, strict=True))
        )
        for p, r in zip(people, parsed.rows, strict=True)
        if r.scores is not None
    ]
    Assessment.objects.bulk_create(assessments, batch_size=2000)
    profiles_recompute(person_ids=[a.person.pk for a in assessments])
    return parsed


def _emails_in(text: str) -> list[str]:
    """Every cell of the email column, lowercased, to check against the database in one query."""
    import csv
    import io

    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    if "email" not in header:
        return []
    i = header.index("email")
    return [row[i].strip().lower() for row in reader if i < len(row) and row[i].strip()]


# --- Pod charter (issue 8) -------------------------------------------------------------------


@transaction.atomic
def pod_charter_update(*, pod_id: int, goal: str, product_area: str, baseline_headcount=None):
    """Write a pod's charter. ``baseline_headcount`` None leaves it unchanged (only Org Leads may
    change it; the caller decides with ``permissions.can_edit_baseline``). Validates the whole
    row first (``full_clean``), so a bad value saves nothing."""
    from .models import Pod

    pod = Pod.objects.select_for_update().get(pk=pod_id)
    pod.goal = goal.strip()
    pod.product_area = product_area.strip()
    fields = ["goal", "product_area"]
    if baseline_headcount is not None:
        pod.baseline_headcount = baseline_headcount
        fields.append("baseline_headcount")
    pod.full_clean(exclude=["formation_run"])
    pod.save(update_fields=fields)
    return pod
