"""The people directory's filters and query: one FilterSet for the page, the CSV export and the
API list, so the three accept (and refuse) the same parameters."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.http import QueryDict

from teams import permissions
from teams.models import Invitation, Person, PodMembership
from teams.traits import TRAIT_CHOICES, TRAIT_LABELS, TRAITS

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
DEFAULT_SORT = "name"
YES, NO = ("1", "true", "on", "yes"), ("0", "false", "off", "no")


class YesNoField(forms.Field):
    """A yes/no parameter: 1, true or on (a ticked box) and 0 or false; anything else is an
    error rather than a silent "no"."""

    def to_python(self, value: object) -> bool | None:
        text = str(value or "").strip().lower()
        if text == "":
            return None
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValidationError(f"“{value}” is not yes or no: use 1 or 0.", code="invalid")


class YesNoFilter(django_filters.Filter):
    field_class = YesNoField


class IdFilter(django_filters.Filter):
    """An object id: a whole number. An id the user may not see filters to nobody, exactly as
    one that does not exist."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)


class SortFilter(django_filters.ChoiceFilter):
    """The order of the list; always applied (by name when the parameter is absent), then by
    name and id so pages never overlap."""

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        return qs.order_by(SORTS[value or DEFAULT_SORT][1], "name", "id")


class DirectoryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search")
    unit = IdFilter(field_name="org_unit_id", label="Org unit")
    trait = django_filters.ChoiceFilter(
        field_name="profile__primary_trait", choices=TRAIT_CHOICES, label="Primary trait"
    )
    pod = IdFilter(method="filter_pod", label="Pod")
    no_pod = YesNoFilter(method="filter_no_pod", label="Not in a pod")
    no_assessment = YesNoFilter(method="filter_no_assessment", label="No assessment yet")
    not_accepted = YesNoFilter(method="filter_not_accepted", label="Invited, not accepted")
    sort = SortFilter(choices=[(key, label) for key, (label, _) in SORTS.items()], label="Sort by")

    class Meta:
        model = Person
        fields: list[str] = []

    def filter_search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(name__icontains=value) | Q(email__icontains=value))

    def filter_pod(self, qs: QuerySet, name: str, value: int) -> QuerySet:
        members = PodMembership.objects.current().filter(pod_id=value).values("person_id")
        return qs.filter(pk__in=members)

    def filter_no_pod(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return qs
        return qs.exclude(pk__in=PodMembership.objects.current().values("person_id"))

    def filter_no_assessment(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        return qs.filter(profile__isnull=True) if value else qs

    def filter_not_accepted(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        """People with an invitation neither accepted nor revoked (pending or expired)."""
        if not value:
            return qs
        open_ = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        return qs.filter(pk__in=open_.values("person_id"))

    def values(self) -> dict[str, object]:
        """The filters in force as the page's menus show them (defaults for the invalid ones)."""
        data = getattr(self.form, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "unit": data.get("unit"),
            "trait": data.get("trait") or "",
            "pod": data.get("pod"),
            "no_pod": bool(data.get("no_pod")),
            "no_assessment": bool(data.get("no_assessment")),
            "not_accepted": bool(data.get("not_accepted")),
            "sort": data.get("sort") or DEFAULT_SORT,
        }

    def params(self) -> QueryDict:
        """The filters in force without the empty ones and the default sort: the base of the
        page's pagination, sort and export links (``{% querystring params page=2 %}``)."""
        params = QueryDict(mutable=True)
        for name in self.filters:
            value = (self.data.get(name) or "").strip()
            if value and not (name == "sort" and value == DEFAULT_SORT):
                params[name] = value
        return params

    def error_messages(self) -> list[str]:
        """One line per refused parameter, naming it: "Org unit (unit): Enter a whole number."."""
        return [
            f"{self.filters[name].label} ({name}): {' '.join(errors)}"
            for name, errors in self.errors.items()
        ]


def visible_people(user: User | AnonymousUser) -> QuerySet[Person]:
    """People the user may see, with unit, profile and current pods in two queries."""
    current = PodMembership.objects.current().select_related("pod")
    return (
        permissions.people_visible_to(user)
        .select_related("org_unit", "profile")
        .prefetch_related(Prefetch("memberships", queryset=current, to_attr="current_pods"))
    )


def with_login_state(people: QuerySet[Person]) -> QuerySet[Person]:
    """Each person's login and latest open invitation as columns (no query per row):
    ``has_login``, ``invited_at`` and ``invitation_expires_at`` (None without one)."""
    open_ = Invitation.objects.filter(
        person=OuterRef("pk"), accepted_at__isnull=True, revoked_at__isnull=True
    ).order_by("-created_at")
    return people.annotate(
        has_login=ExpressionWrapper(Q(user__is_active=True), output_field=BooleanField()),
        invited_at=Subquery(open_.values("created_at")[:1]),
        invitation_expires_at=Subquery(open_.values("expires_at")[:1]),
    )


def people_directory(user: User | AnonymousUser, params: QueryDict) -> DirectoryFilter:
    """The directory's filters bound to these parameters over the people the user may see;
    ``is_valid()`` says whether every parameter was understood, ``qs`` is the list."""
    return DirectoryFilter(params, queryset=visible_people(user))
