"""Workflows that write several rows. Views, the API, tasks and commands all call these."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from teams import clock
from teams.models import Assessment, OrgUnit, PayRate, Person
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
    # A NUL cannot be sent to PostgreSQL even in a query; the parser reports those cells.
    return [
        row[i].strip().lower()
        for row in reader
        if i < len(row) and row[i].strip() and "\x00" not in row[i]
    ]


def pay_rate_in_force(person: Person, day: date) -> Decimal:
    """The base pay in force on ``day``: the latest rate from on or before it (the opening
    rate when none), or ``Person.base_pay`` for someone with no pay history yet."""
    rates = list(person.pay_rates.order_by(F("effective_from").asc(nulls_first=True)))
    current = rates[0].base_pay if rates else person.base_pay
    for rate in rates:
        if rate.effective_from is None or rate.effective_from <= day:
            current = rate.base_pay
    return current


@transaction.atomic
def pay_rate_add(*, person: Person, effective_from: date, base_pay: Decimal, user=None) -> PayRate:
    """A new base pay from a day on. History is kept: the first change also records the rate
    that held until then (the opening rate), and no rate is ever edited. Callers that guard
    approved months (``incentives.bonuses.changes``) decide whether the day is allowed."""
    if base_pay is None or base_pay < 0:
        raise ValidationError({"base_pay": ["Base pay cannot be negative."]})
    if effective_from is None:
        raise ValidationError({"effective_from": ["Say from which day the new pay applies."]})
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not person.pay_rates.exists():
        PayRate.objects.create(person=person, effective_from=None, base_pay=person.base_pay)
    if person.pay_rates.filter(effective_from=effective_from).exists():
        raise ValidationError(
            {
                "effective_from": [
                    f"A pay rate from {effective_from:%Y-%m-%d} exists already; rates are never "
                    "edited, so date the new one from another day."
                ]
            }
        )
    rate = PayRate(person=person, effective_from=effective_from, base_pay=base_pay, created_by=user)
    rate.full_clean(exclude=["person", "created_by"])
    rate.save()
    person.base_pay = pay_rate_in_force(person, clock.today())
    person.save(update_fields=["base_pay"])
    return rate
