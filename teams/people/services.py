"""Workflows that write several rows. Views, the API, tasks and commands all call these."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from teams.models import Assessment, OrgUnit, Person
from teams.people import imports
from teams.profiles.services import profiles_recompute
from teams.traits import TRAITS


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
