"""The people directory's query (issue 4): one function for the page, the CSV export and the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import QueryDict

from teams import permissions
from teams.models import Person, PodMembership
from teams.traits import TRAIT_LABELS, TRAITS

SORTS: dict[str, tuple[str, object]] = {
    "name": ("Name A–Z", F("name").asc()),
    "-name": ("Name Z–A", F("name").desc()),
    "org_unit": ("Org unit", F("org_unit__name").asc()),
    "primary": ("Primary trait", F("profile__primary_trait").asc(nulls_last=True)),
    **{
        f"-{t}": (f"{TRAIT_LABELS[t]} (highest first)", F(f"profile__{t}").desc(nulls_last=True))
        for t in TRAITS
    },
}


@dataclass(frozen=True)
class DirectoryFilters:
    q: str = ""
    unit: int | None = None
    trait: str = ""
    pod: int | None = None
    no_pod: bool = False
    no_assessment: bool = False
    sort: str = "name"

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> DirectoryFilters:
        def as_int(key: str) -> int | None:
            value = (params.get(key) or "").strip()
            return int(value) if value.isdigit() else None

        trait = params.get("trait", "")
        sort = params.get("sort", "name")
        return cls(
            q=(params.get("q") or "").strip(),
            unit=as_int("unit"),
            trait=trait if trait in TRAITS else "",
            pod=as_int("pod"),
            no_pod=params.get("no_pod") in ("1", "true", "on"),
            no_assessment=params.get("no_assessment") in ("1", "true", "on"),
            sort=sort if sort in SORTS else "name",
        )

    def params(self) -> QueryDict:
        """The filters in force, without the empty ones: the base of the page's pagination,
        sort and export links (``{% querystring params page=2 %}``)."""
        values = {
            "q": self.q,
            "unit": self.unit or "",
            "trait": self.trait,
            "pod": self.pod or "",
            "no_pod": "1" if self.no_pod else "",
            "no_assessment": "1" if self.no_assessment else "",
            "sort": "" if self.sort == "name" else self.sort,
        }
        params = QueryDict(mutable=True)
        params.update({k: v for k, v in values.items() if v not in ("", None)})
        return params


def people_directory(user: User | AnonymousUser, filters: DirectoryFilters) -> QuerySet[Person]:
    """People the user may see, filtered and sorted; profile, unit and current pods in 2 queries."""
    current = PodMembership.objects.current()
    people = (
        permissions.people_visible_to(user)
        .select_related("org_unit", "profile")
        .prefetch_related(
            Prefetch("memberships", queryset=current.select_related("pod"), to_attr="current_pods")
        )
    )
    if filters.q:
        people = people.filter(Q(name__icontains=filters.q) | Q(email__icontains=filters.q))
    if filters.unit:
        people = people.filter(org_unit_id=filters.unit)
    if filters.trait:
        people = people.filter(profile__primary_trait=filters.trait)
    if filters.pod:
        people = people.filter(pk__in=current.filter(pod_id=filters.pod).values("person_id"))
    if filters.no_pod:
        people = people.exclude(pk__in=current.values("person_id"))
    if filters.no_assessment:
        people = people.filter(profile__isnull=True)
    return people.order_by(SORTS[filters.sort][1], "name", "id")
