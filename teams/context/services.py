"""The context map (DESIGN §5): the context items a pod's people and AI agents work from, the
org template of items every pod should have, freshness, and the org-wide view by pod and by
keeper. Writes are keyword-only ``<noun>_<verb>`` services; pages and the API read the
selectors below."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from teams import clock, permissions
from teams.models import ContextItem, OrgUnit, Person, Pod, PodMembership


@dataclass(frozen=True)
class TemplateItem:
    name: str
    layer: str
    review_days: int
    why: str


# The org template: what every pod should have, and how often each must be checked.
ORG_TEMPLATE: tuple[TemplateItem, ...] = (
    TemplateItem("Product brief", "project", 90, "what the pod builds, for whom, and why"),
    TemplateItem("Decision log", "project", 30, "the calls made, by whom, and what was ruled out"),
    TemplateItem("Architecture notes", "project", 90, "how the product is built and why so"),
    TemplateItem("Customer research", "project", 60, "what users said and did, with sources"),
    TemplateItem("Runbook", "working", 30, "how to run, deploy and recover it"),
    TemplateItem(
        "Metric definitions", "organisation", 90, "what each outcome metric counts, exactly"
    ),
)


def template_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def missing_from_template(names: Iterable[str]) -> list[TemplateItem]:
    """The template's items a pod with these item names lacks (names compared loosely:
    case and spacing aside)."""
    have = {template_key(n) for n in names}
    return [t for t in ORG_TEMPLATE if template_key(t.name) not in have]


def is_stale(last_verified: date | None, review_days: int, today: date) -> bool:
    """Stale when ``last_verified + review_days`` is before today (or never verified)."""
    return last_verified is None or last_verified + timedelta(days=review_days) < today


# --------------------------------------------------------------------------- writes

FIELDS = ("name", "layer", "location", "keeper", "review_days", "last_verified")


def _clean(item: ContextItem, today: date) -> None:
    item.name = " ".join(item.name.split())
    item.location = item.location.strip()
    problems: dict[str, list[str]] = {}
    if item.last_verified is not None and item.last_verified > today:
        problems["last_verified"] = [f"{item.last_verified:%Y-%m-%d} is in the future."]
    try:
        item.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            problems.setdefault(name, []).extend(errors)
    clash = ContextItem.objects.filter(pod_id=item.pod_id, name__iexact=item.name)
    if item.name and clash.exclude(pk=item.pk).exists():
        problems.setdefault("name", []).append(f"The pod already has an item named “{item.name}”.")
    if problems:
        raise ValidationError(problems)


def _require_edit(user: User, pod: Pod) -> None:
    if not permissions.can_edit_context(user, pod):
        raise PermissionDenied(
            "Only the pod's Pod Lead or an Org Lead of its unit edits its context."
        )


def _save(item: ContextItem) -> ContextItem:
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:  # a concurrent item of the same name
        raise ValidationError(
            {"name": [f"The pod already has an item named “{item.name}”."]}
        ) from None
    return item


@transaction.atomic
def context_item_create(
    *,
    user: User,
    pod: Pod,
    name: str,
    layer: str,
    location: str,
    keeper: Person | None,
    review_days: int,
    last_verified: date | None = None,
) -> ContextItem:
    _require_edit(user, pod)
    item = ContextItem(
        pod=pod,
        name=name,
        layer=layer,
        location=location,
        keeper=keeper,
        review_days=review_days,
        last_verified=last_verified,
    )
    _clean(item, clock.today())
    return _save(item)


@transaction.atomic
def context_item_update(*, user: User, item: ContextItem, **changes) -> ContextItem:
    _require_edit(user, item.pod)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    for name, value in changes.items():
        setattr(item, name, value)
    _clean(item, clock.today())
    return _save(item)


@transaction.atomic
def context_item_verify(*, user: User, item: ContextItem) -> ContextItem:
    """The keeper says the item is still true today: one click."""
    if not permissions.can_verify_context(user, item.keeper_id):
        raise PermissionDenied("Only the item's keeper verifies it.")
    item.last_verified = clock.today()
    item.save(update_fields=["last_verified", "updated_at"])
    return item


@transaction.atomic
def context_item_remove(*, user: User, item: ContextItem) -> None:
    _require_edit(user, item.pod)
    item.delete()


# --------------------------------------------------------------------------- one pod


@dataclass
class PodContext:
    pod: Pod
    items: list[ContextItem]
    missing: list[TemplateItem]
    today: date

    @property
    def stale(self) -> list[ContextItem]:
        return [i for i in self.items if i.stale]

    @property
    def keeper_left(self) -> list[ContextItem]:
        return [i for i in self.items if i.keeper_left]


def pod_context(pod: Pod, *, today: date | None = None) -> PodContext:
    """The pod's items (layer order, then name) with ``stale`` and ``keeper_left`` marked, and
    the template's missing items. One query."""
    today = today or clock.today()
    layers = {value: i for i, value in enumerate(ContextItem.Layer.values)}
    items = sorted(
        ContextItem.objects.filter(pod=pod).select_related("keeper"),
        key=lambda i: (layers.get(i.layer, 9), i.name.casefold()),
    )
    for item in items:
        item.stale = is_stale(item.last_verified, item.review_days, today)
        item.keeper_left = item.keeper is None or not item.keeper.is_active
    return PodContext(pod, items, missing_from_template(i.name for i in items), today)


def keeper_choices(pod: Pod, *, current: int | None = None) -> QuerySet[Person]:
    """Who may keep a pod's item: its current members, the Org Leads of its unit, and the
    item's keeper as it is (even one who left, so editing does not drop them silently)."""
    members = PodMembership.objects.current().filter(pod=pod).values("person_id")
    leads = OrgUnit.leads.through.objects.filter(orgunit_id=pod.org_unit_id).values("person_id")
    keep = Q(pk__in=members, is_active=True) | Q(pk__in=leads, is_active=True)
    if current is not None:
        keep |= Q(pk=current)
    return Person.objects.filter(keep).order_by("name")


# --------------------------------------------------------------------------- the org


@dataclass
class PodRow:
    pod_id: int
    name: str
    items: int = 0
    stale: int = 0
    keeper_left: int = 0
    missing: list[str] = field(default_factory=list)


@dataclass
class KeeperRow:
    person_id: int | None
    name: str
    active: bool
    items: int = 0
    stale: int = 0
    pods: set[int] = field(default_factory=set)


@dataclass
class OrgContext:
    pods: list[PodRow]
    keepers: list[KeeperRow]
    today: date

    @property
    def items(self) -> int:
        return sum(p.items for p in self.pods)

    @property
    def stale(self) -> int:
        return sum(p.stale for p in self.pods)

    @property
    def missing(self) -> int:
        return sum(len(p.missing) for p in self.pods)

    @property
    def keeper_left(self) -> int:
        return sum(p.keeper_left for p in self.pods)


def org_context(unit_ids: Iterable[int], *, today: date | None = None) -> OrgContext:
    """Stale and missing context of these units' active pods, by pod (the most to fix first)
    and by keeper (who keeps the most; who left). Two queries whatever the size."""
    today = today or clock.today()
    unit_ids = list(unit_ids)
    pods = {
        pk: PodRow(pk, name)
        for pk, name in Pod.objects.filter(org_unit_id__in=unit_ids, status=Pod.Status.ACTIVE)
        .order_by("name")
        .values_list("id", "name")
    }
    names: dict[int, list[str]] = {pk: [] for pk in pods}
    keepers: dict[int | None, KeeperRow] = {}
    rows = ContextItem.objects.filter(pod_id__in=list(pods)).values_list(
        "pod_id",
        "name",
        "review_days",
        "last_verified",
        "keeper_id",
        "keeper__name",
        "keeper__is_active",
    )
    for pod_id, name, review_days, verified, keeper_id, keeper_name, active in rows.iterator(
        chunk_size=5000
    ):
        stale = is_stale(verified, review_days, today)
        left = keeper_id is None or not active
        row = pods[pod_id]
        row.items += 1
        row.stale += stale
        row.keeper_left += left
        names[pod_id].append(name)
        keeper = keepers.get(keeper_id)
        if keeper is None:
            keeper = keepers[keeper_id] = KeeperRow(
                keeper_id, keeper_name or "No keeper", bool(keeper_id and active)
            )
        keeper.items += 1
        keeper.stale += stale
        keeper.pods.add(pod_id)
    for pk, row in pods.items():
        row.missing = [t.name for t in missing_from_template(names[pk])]
    return OrgContext(
        pods=sorted(
            pods.values(),
            key=lambda r: (-(r.stale + len(r.missing) + r.keeper_left), r.name, r.pod_id),
        ),
        keepers=sorted(keepers.values(), key=lambda k: (k.active, -k.items, k.name.casefold())),
        today=today,
    )
