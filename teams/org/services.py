"""The org tree: create, rename, move and archive units, and name or remove their Org Leads.

Moving a unit re-parents it and nothing else: its people, pods, plans and months stay its own,
so an approved month keeps the unit it was closed for and its totals (who may see it follows
the tree as it is now). Archiving hides a unit from pickers and the tree's default view; its
history stays. Every refusal is a ``ValidationError`` naming the field, and nothing is saved.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from teams import inputs, permissions
from teams.models import OrgUnit, Person, Pod

NAME_MAX = 120


def _name(raw: object) -> str:
    name = str(raw or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the unit a name."]})
    if inputs.NUL in name:
        raise ValidationError({"name": ["The name contains a NUL character."]})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": [f"At most {NAME_MAX} characters (got {len(name)})."]})
    return name


def _refuse_sibling_clash(name: str, parent_id: int | None, *, exclude: int | None = None) -> None:
    """Two units in use under one parent never share a name: pickers show names only."""
    clash = OrgUnit.objects.filter(
        parent_id=parent_id, name__iexact=name, archived_at__isnull=True
    ).exclude(pk=exclude)
    if clash.exists():
        where = "at the top" if parent_id is None else "under its parent"
        raise ValidationError({"name": [f"A unit called {name!r} exists already {where}."]})


def _slug(name: str) -> str:
    """A free slug from the name: a unit's slug never changes after this (CSV files use it)."""
    base = (slugify(name) or "unit")[:70]
    taken = set(OrgUnit.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_parent(user: User, parent: OrgUnit | None) -> OrgUnit | None:
    """The parent as it is now (locked), if the user may put a unit there."""
    if parent is None:
        if not permissions.is_admin(user):
            raise ValidationError(
                {"parent": ["Choose the unit it belongs to: only an Admin adds a top-level unit."]}
            )
        return None
    if not permissions.can_manage_unit(user, parent.pk):
        raise ValidationError(
            {"parent": [f"Org unit {parent.pk} does not exist or is not one you lead."]}
        )
    parent = OrgUnit.objects.select_for_update().get(pk=parent.pk)
    if parent.is_archived:
        raise ValidationError({"parent": [f"{parent.name} is archived: choose a unit in use."]})
    return parent


def _refuse_if_archived(unit: OrgUnit, what: str) -> None:
    if unit.is_archived:
        raise ValidationError({"archived": [f"{unit.name} is archived: restore it to {what} it."]})


def _managed(user: User, unit: OrgUnit) -> OrgUnit:
    """The unit, locked, if the user leads it (or a unit above it)."""
    if not permissions.can_manage_unit(user, unit.pk):
        raise ValidationError(
            {"unit": [f"Org unit {unit.pk} does not exist or is not one you lead."]}
        )
    return OrgUnit.objects.select_for_update().get(pk=unit.pk)


@transaction.atomic
def unit_create(*, user: User, name: str, parent: OrgUnit | None) -> OrgUnit:
    """A new unit under ``parent`` (a unit the user leads; only an Admin adds a top one)."""
    name = _name(name)
    parent = _check_parent(user, parent)
    _refuse_sibling_clash(name, parent.pk if parent else None)
    unit = OrgUnit.objects.create(name=name, slug=_slug(name), parent=parent)
    permissions.forget(user)
    return unit


@transaction.atomic
def unit_rename(*, user: User, unit: OrgUnit, name: str) -> OrgUnit:
    unit = _managed(user, unit)
    _refuse_if_archived(unit, "rename")
    name = _name(name)
    _refuse_sibling_clash(name, unit.parent_id, exclude=unit.pk)
    unit.name = name
    unit.save(update_fields=["name"])
    return unit


@transaction.atomic
def unit_move(*, user: User, unit: OrgUnit, parent: OrgUnit | None) -> OrgUnit:
    """Re-parent ``unit`` under ``parent``; refused when ``parent`` is the unit or inside it.

    Only the parent link changes. Approved and locked months belong to the unit they were
    closed for and keep their figures; the leads above the new place see them from now on."""
    # The whole tree is locked while it is checked: two moves at once cannot make a cycle.
    tree = dict(OrgUnit.objects.select_for_update().values_list("id", "parent_id"))
    unit = _managed(user, unit)
    _refuse_if_archived(unit, "move")
    parent = _check_parent(user, parent)
    if parent is not None:
        seen, at = set(), parent.pk
        while at is not None and at not in seen:
            if at == unit.pk:
                problem = (
                    f"{unit.name} cannot go under itself."
                    if parent.pk == unit.pk
                    else f"{parent.name} is inside {unit.name}: a unit cannot go under its own units."
                )
                raise ValidationError({"parent": [problem]})
            seen.add(at)
            at = tree.get(at)
    new_parent = parent.pk if parent else None
    if new_parent == unit.parent_id:
        return unit
    _refuse_sibling_clash(unit.name, new_parent, exclude=unit.pk)
    unit.parent_id = new_parent
    unit.save(update_fields=["parent"])
    permissions.forget(user)
    return unit


@transaction.atomic
def unit_archive(*, user: User, unit: OrgUnit, archived: bool = True) -> OrgUnit:
    """Archive a unit that nothing uses any more (no units in use below it, no active people,
    no pods that are not dissolved), or restore one whose parent is in use."""
    unit = _managed(user, unit)
    if archived == unit.is_archived:
        return unit
    if not archived:
        parent = unit.parent
        if parent is not None and parent.is_archived:
            raise ValidationError(
                {"archived": [f"{parent.name} above it is archived: restore that first."]}
            )
        _refuse_sibling_clash(unit.name, unit.parent_id, exclude=unit.pk)
        unit.archived_at = None
        unit.save(update_fields=["archived_at"])
        return unit
    problems = []
    children = list(
        unit.children.filter(archived_at__isnull=True)
        .order_by("name")
        .values_list("name", flat=True)
    )
    if children:
        problems.append(f"Archive or move its units first: {', '.join(children)}.")
    people = Person.objects.filter(org_unit=unit, is_active=True).count()
    if people:
        problems.append(
            f"{people} active {'person belongs' if people == 1 else 'people belong'} to it: "
            "move or off-board them first."
        )
    pods = Pod.objects.filter(org_unit=unit).exclude(status=Pod.Status.DISSOLVED).count()
    if pods:
        problems.append(
            f"{pods} {'pod is' if pods == 1 else 'pods are'} not dissolved: dissolve or move them first."
        )
    if problems:
        raise ValidationError({"archived": problems})
    unit.archived_at = timezone.now()
    unit.save(update_fields=["archived_at"])
    return unit


def _ancestors(unit: OrgUnit) -> list[int]:
    """The unit's id and every id above it, nearest first (one query)."""
    parent = dict(OrgUnit.objects.values_list("id", "parent_id"))
    out, at = [], unit.pk
    while at is not None and at not in out:
        out.append(at)
        at = parent.get(at)
    return out


def lead_candidates(*, user: User, unit: OrgUnit):
    """People who may lead ``unit``: active people of the unit or a unit above it, among
    those the user sees, who do not lead it already."""
    return (
        permissions.people_visible_to(user)
        .filter(org_unit_id__in=_ancestors(unit), is_active=True)
        .exclude(led_units=unit)
        .select_related("org_unit")
        .order_by("name")
    )


@transaction.atomic
def unit_lead_add(*, user: User, unit: OrgUnit, person: Person) -> OrgUnit:
    """Name ``person`` an Org Lead of ``unit``: someone of the unit or above it."""
    unit = _managed(user, unit)
    _refuse_if_archived(unit, "change the leads of")
    if not permissions.can_view_person(user, person):
        raise ValidationError(
            {"person": [f"Person {person.pk} does not exist or is not one of your people."]}
        )
    if person.org_unit_id not in _ancestors(unit):
        raise ValidationError(
            {
                "person": [
                    f"{person.name} belongs to {person.org_unit.name}: an Org Lead of "
                    f"{unit.name} comes from {unit.name} or a unit above it."
                ]
            }
        )
    if not person.is_active:
        raise ValidationError({"person": [f"{person.name} has left the organisation."]})
    if unit.leads.filter(pk=person.pk).exists():
        raise ValidationError({"person": [f"{person.name} leads {unit.name} already."]})
    unit.leads.add(person)
    return unit


@transaction.atomic
def unit_lead_remove(*, user: User, unit: OrgUnit, person: Person) -> OrgUnit:
    """Remove ``person`` from the Org Leads of ``unit``. Refused when nobody would be left to
    lead it, on the unit or above it (Admins aside)."""
    unit = _managed(user, unit)
    if not unit.leads.filter(pk=person.pk).exists():
        raise ValidationError({"person": [f"{person.name} is not an Org Lead of {unit.name}."]})
    remaining = OrgUnit.leads.through.objects.filter(
        orgunit_id__in=_ancestors(unit), person__is_active=True
    ).exclude(orgunit_id=unit.pk, person_id=person.pk)
    if not remaining.exists():
        raise ValidationError(
            {
                "person": [
                    f"{person.name} is the only Org Lead of {unit.name} and of every unit above "
                    "it: name another lead first."
                ]
            }
        )
    unit.leads.remove(person)
    permissions.forget(user)
    return unit
