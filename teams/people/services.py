"""Workflows that write several rows. Views, the API, tasks and commands all call these."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.urls import reverse
from django.utils import timezone

from teams import clock, inputs
from teams.dated import value_on
from teams.models import (
    Assessment,
    Invitation,
    OrgUnit,
    PayRate,
    Person,
    Pod,
    PodMembership,
    UnitMove,
)
from teams.people import imports
from teams.pods import services as pods_services
from teams.profiles.services import profiles_recompute
from teams.traits import TRAITS


@transaction.atomic
def people_import(
    *,
    text: str,
    unit_ids: Iterable[int],
    importer: Person | None,
    commit: bool,
    invite: bool = False,
    user=None,
) -> imports.ParsedImport:
    """Validate a people CSV and, when `commit` and every row is good, save all of it.

    All or nothing: with any bad row, nothing is written. Scores, when given, become a lead
    assessment by the importer. With ``invite`` everyone imported gets an invitation email
    (sent once the import commits). A constant number of queries whatever the file size.
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
    if invite:
        invitations_send(people=people, user=user)
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
    rates = person.pay_rates.order_by(F("effective_from").asc(nulls_first=True))
    return value_on(list(rates.values_list("effective_from", "base_pay")), day, person.base_pay)


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


# --------------------------------------------------------------------------- administration
# People as their Org Lead adds, edits, moves and off-boards them. Dated changes that end
# memberships are guarded for approved months by incentives.bonuses.changes, which calls these.

EDITABLE = ("name", "email", "role", "fte", "time_zone", "preferred_trait")


def _check_time_zone(person: Person) -> None:
    try:
        inputs.check_time_zone(person.time_zone)
    except ValueError as exc:
        raise ValidationError({"time_zone": [f"{exc}."]}) from None


def _check_person(person: Person) -> None:
    """The whole row, every problem at once, before anything is written."""
    errors: dict[str, list[str]] = {}
    try:
        person.full_clean(exclude=["user", "org_unit"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if "time_zone" not in errors:
        try:
            _check_time_zone(person)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if (
        "email" not in errors
        and Person.objects.filter(email__iexact=person.email).exclude(pk=person.pk).exists()
    ):
        errors["email"] = [f"{person.email} belongs to someone else already."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def person_create(
    *,
    org_unit: OrgUnit,
    name: str,
    email: str,
    role: str = Person.Role.BUILDER,
    fte: Decimal = Decimal("1"),
    time_zone: str = "UTC",
    base_pay: Decimal = Decimal("0"),
    preferred_trait: str = "",
    user=None,
) -> Person:
    """One new person in ``org_unit``, without a login yet (an invitation gives them one).
    Base pay is their opening rate; raises are dated pay rates."""
    person = Person(
        org_unit=org_unit,
        name=(name or "").strip(),
        email=(email or "").strip().lower(),
        role=role,
        fte=fte,
        time_zone=(time_zone or "").strip(),
        base_pay=base_pay,
        preferred_trait=preferred_trait or "",
    )
    _check_person(person)
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, user=None, **changes) -> Person:
    """Name, email, role, FTE, time zone or declared trait. Pay, unit and leaving are dated
    changes of their own (``pay_rate_add``, ``person_move``, ``person_offboard``). A login
    named after the old email follows the new one."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationError({f: ["This cannot be changed here."] for f in unknown})
    person = Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person.pk)
    old_email = person.email
    for field, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        if field == "email":
            value = value.lower()
        setattr(person, field, value)
    _check_person(person)
    person.save(update_fields=list(changes))
    login = person.user
    if login is not None and "email" in changes and person.email != old_email:
        if User.objects.filter(username__iexact=person.email).exclude(pk=login.pk).exists():
            raise ValidationError({"email": [f"A login named {person.email} exists already."]})
        login.email = person.email
        fields = ["email"]
        if login.username.lower() == old_email.lower():
            login.username = person.email
            fields.append("username")
        login.save(update_fields=fields)
    return person


def _apply_move(move: UnitMove) -> None:
    Person.objects.filter(pk=move.person_id).update(org_unit_id=move.to_unit_id)
    move.applied_at = timezone.now()
    move.save(update_fields=["applied_at"])


@transaction.atomic
def person_move(
    *,
    person: Person,
    to_unit: OrgUnit,
    effective_from: date,
    end_memberships: bool = False,
    user=None,
) -> tuple[UnitMove, list[PodMembership]]:
    """The person belongs to ``to_unit`` from ``effective_from`` (at once when that is today
    or earlier, else on the day: ``people_changes_due``). With ``end_memberships`` their stints
    in pods of the old unit end the day before. A newer move replaces a waiting one."""
    if effective_from is None:
        raise ValidationError({"effective_from": ["Say from which day the move applies."]})
    if to_unit is None:
        raise ValidationError({"org_unit": ["Choose the unit to move to."]})
    person = (
        Person.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=person.pk)
    )
    if person.left_on is not None:
        raise ValidationError({"org_unit": [f"{person.name} is off-boarded."]})
    UnitMove.objects.filter(person=person, applied_at__isnull=True).delete()
    if to_unit.pk == person.org_unit_id:
        raise ValidationError({"org_unit": [f"{person.name} is in {to_unit.name} already."]})
    move = UnitMove.objects.create(
        person=person,
        from_unit_id=person.org_unit_id,
        to_unit=to_unit,
        effective_from=effective_from,
        created_by=user,
    )
    ended: list[PodMembership] = []
    if end_memberships:
        ended = pods_services.memberships_stop(
            memberships=PodMembership.objects.select_for_update().filter(
                person=person, pod__org_unit_id=person.org_unit_id
            ),
            day=effective_from,
        )
    if effective_from <= clock.today():
        _apply_move(move)
    return move, ended


@transaction.atomic
def person_offboard(
    *, person: Person, effective_from: date, user=None
) -> tuple[Person, list[PodMembership]]:
    """The person leaves the organisation from ``effective_from``: every stint ends the day
    before (history kept; a stint not yet begun is dropped), open invitations and waiting
    moves are cancelled, and from that day the person is inactive and their login disabled
    (at once when it is today or earlier)."""
    if effective_from is None:
        raise ValidationError({"effective_from": ["Say from which day the person has left."]})
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.left_on is not None:
        raise ValidationError(
            {"effective_from": [f"{person.name} is off-boarded from {person.left_on:%Y-%m-%d}."]}
        )
    ended = pods_services.memberships_stop(
        memberships=PodMembership.objects.select_for_update().filter(person=person),
        day=effective_from,
    )
    Invitation.objects.filter(person=person, accepted_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    UnitMove.objects.filter(person=person, applied_at__isnull=True).delete()
    person.left_on = effective_from
    person.save(update_fields=["left_on"])
    if effective_from <= clock.today():
        _deactivate([person.pk])
        person.is_active = False
    return person, ended


def _deactivate(person_ids: list[int]) -> int:
    User.objects.filter(person__pk__in=person_ids).update(is_active=False)
    return Person.objects.filter(pk__in=person_ids).update(is_active=False)


def people_changes_due(*, today: date | None = None) -> int:
    """Dated changes whose day has come: waiting unit moves, off-boardings and pod
    dissolutions. Run daily by the beat schedule, and by the people list when it looks (one
    query when nothing is due)."""
    today = today or clock.today()
    moves = UnitMove.objects.filter(applied_at__isnull=True, effective_from__lte=today)
    leaving = Person.objects.filter(left_on__lte=today, is_active=True)
    dissolving = Pod.objects.filter(dissolved_on__lte=today).exclude(status=Pod.Status.DISSOLVED)
    due = {
        kind
        for (kind,) in moves.order_by()
        .values_list(Value("move"))
        .union(
            leaving.order_by().values_list(Value("leave")),
            dissolving.order_by().values_list(Value("pod")),
            all=True,
        )
    }
    if not due:
        return 0
    done = 0
    with transaction.atomic():
        for move in moves.select_for_update():
            _apply_move(move)
            done += 1
        if "leave" in due:
            done += _deactivate(list(leaving.values_list("pk", flat=True)))
        if "pod" in due:
            done += pods_services.pods_dissolve_due(today=today)
    return done


# --------------------------------------------------------------------------- invitations


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("invitation-accept", args=[token])


def _invitation_refusal(person: Person) -> str | None:
    if not person.is_active or person.left_on is not None:
        return f"{person.name} is off-boarded."
    login = person.user
    if login is not None and login.is_active and login.has_usable_password():
        return f"{person.name} has a login already ({login.username})."
    return None


@transaction.atomic
def invitations_send(
    *, people: Iterable[Person], user=None, send: bool = True
) -> list[tuple[Invitation, str]]:
    """Invite each person by email to set a password. An open invitation is revoked first
    (a resend: the old link dies). The emails leave once the transaction commits, through
    one mail connection. Refused, naming the person, for someone off-boarded or with a login
    already. A constant number of queries whatever the number of people."""
    ids = [p.pk for p in people]
    found = {p.pk: p for p in Person.objects.select_related("user").filter(pk__in=ids)}
    problems = [m for pk in ids if (m := _invitation_refusal(found[pk])) is not None]
    if problems:
        raise ValidationError({"person": problems})
    now = timezone.now()
    Invitation.objects.filter(person_id__in=ids, accepted_at=None, revoked_at=None).update(
        revoked_at=now
    )
    tokens = [secrets.token_urlsafe(32) for _ in ids]
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                person=found[pk],
                token_hash=_token_hash(token),
                created_by=user,
                created_at=now,
                expires_at=now + Invitation.TTL,
            )
            for pk, token in zip(ids, tokens, strict=True)
        ],
        batch_size=2000,
    )
    pairs = list(zip(invitations, tokens, strict=True))
    if send and pairs:
        inviter = _inviter_name(user)
        messages = [_invitation_email(inv, token, inviter) for inv, token in pairs]
        transaction.on_commit(lambda: mail.get_connection().send_messages(messages))
    return pairs


def invitation_send(*, person: Person, user=None, send: bool = True) -> tuple[Invitation, str]:
    return invitations_send(people=[person], user=user, send=send)[0]


def _inviter_name(user) -> str:
    person = getattr(user, "person", None) if user is not None else None
    return person.name if person is not None else "Your Org Lead"


def _invitation_email(invitation: Invitation, token: str, inviter: str) -> mail.EmailMessage:
    person = invitation.person
    body = (
        f"Hello {person.name},\n\n"
        f"{inviter} invites you to Podwright, where your pod, your trait profile and your "
        "outcome bonus live.\n\n"
        f"Choose a password here (the link works once, until "
        f"{timezone.localtime(invitation.expires_at):%Y-%m-%d %H:%M %Z}):\n"
        f"{invitation_url(token)}\n\n"
        f"Your login will be {person.email}.\n"
    )
    return mail.EmailMessage(
        subject="You are invited to Podwright",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, user=None) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ValidationError({"invitation": [f"This invitation is {invitation.state} already."]})
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation behind a link's token (any state), or None."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("person", "person__user")
        .filter(token_hash=_token_hash(token))
        .first()
    )


LINK_DEAD = (
    "This invitation link has been used, revoked or has expired. Ask your Org Lead to send "
    "a new one."
)


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """The invited person chooses a password: their login (username = their email) is created
    or re-activated, and the invitation is spent. Refused when the link is dead or the
    password too weak (Django's password validators)."""
    found = invitation_for_token(token)
    invitation = (
        Invitation.objects.select_for_update().get(pk=found.pk) if found is not None else None
    )
    if invitation is None or invitation.state != "pending":
        raise ValidationError({"token": [LINK_DEAD]})
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=found.person_id)
    )
    if (refusal := _invitation_refusal(person)) is not None:
        raise ValidationError({"token": [refusal]})
    login = person.user or User(username=person.email)
    if User.objects.filter(username__iexact=person.email).exclude(pk=login.pk).exists():
        raise ValidationError(
            {"token": [f"A login named {person.email} exists already; ask your Org Lead."]}
        )
    login.email = person.email
    login.first_name = person.name[:150]
    validate_password_for(password, login)
    login.set_password(password)
    login.is_active = True
    login.save()
    if person.user_id != login.pk:
        person.user = login
        person.save(update_fields=["user"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return login


def validate_password_for(password: str, login: User) -> None:
    try:
        password_validation.validate_password(password, login)
    except ValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from None
