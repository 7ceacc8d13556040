"""REST API for people and pods: the same permissions as the pages (teams.permissions)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from teams import inputs, permissions
from teams.models import Person
from teams.people import directory, services
from teams.traits import TRAIT_CHOICES, TRAITS


class ProfileOutput(serializers.Serializer):
    builder = serializers.FloatField()
    architect = serializers.FloatField()
    taste_maker = serializers.FloatField()
    signal_reader = serializers.FloatField()
    decision_maker = serializers.FloatField()
    primary_trait = serializers.CharField()


class PersonOutput(serializers.ModelSerializer):
    org_unit = serializers.CharField(source="org_unit.slug")
    profile = serializers.SerializerMethodField()
    base_pay = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "email",
            "org_unit",
            "role",
            "fte",
            "time_zone",
            "preferred_trait",
            "base_pay",
            "is_active",
            "left_on",
            "profile",
        ]

    def get_profile(self, person: Person) -> dict | None:
        profile = getattr(person, "profile", None)
        if profile is None:
            return None
        data = {t: round(getattr(profile, t), 1) for t in TRAITS}
        data["primary_trait"] = profile.primary_trait
        return data

    def get_base_pay(self, person: Person) -> str | None:
        """Base pay is private: only the person, their Org Leads and Admins see it."""
        if permissions.can_view_pay(self.context["request"].user, person):
            return str(person.base_pay)
        return None


_DIRECTORY_PARAMS = [
    OpenApiParameter("q", str, description="Search name or email."),
    OpenApiParameter("unit", int, description="Org unit id."),
    OpenApiParameter("trait", str, enum=list(TRAITS), description="Primary trait."),
    OpenApiParameter("pod", int, description="Current members of this pod."),
    OpenApiParameter("no_pod", bool, description="Only people in no pod today."),
    OpenApiParameter("no_assessment", bool, description="Only people without a trait profile."),
    OpenApiParameter(
        "not_accepted", bool, description="Only people invited who have not accepted yet."
    ),
    OpenApiParameter("sort", str, enum=list(directory.SORTS), description="Order (default name)."),
]


@extend_schema_view(get=extend_schema(parameters=_DIRECTORY_PARAMS))
class PersonList(generics.ListAPIView):
    """People the caller may see (everyone in the units they lead, or just themselves),
    with the directory's filters and sorts. A value it does not understand answers 400,
    naming the parameter."""

    serializer_class = PersonOutput
    filter_backends = [DjangoFilterBackend]
    filterset_class = directory.DirectoryFilter

    def get_queryset(self):
        return directory.visible_people(self.request.user)


class PersonDetail(generics.RetrieveAPIView):
    serializer_class = PersonOutput

    def get_object(self) -> Person:
        return permissions.person_for_user(self.request.user, self.kwargs["pk"])


# --------------------------------------------------------------------------- writes


def refusal(
    exc: ValidationError, fields: dict[str, str] | None = None
) -> serializers.ValidationError:
    """A service's refusal as the API's 400, field by field (``fields`` renames the service's
    names to the endpoint's)."""
    fields = fields or {}
    return serializers.ValidationError(
        {fields.get(name, name): errors for name, errors in exc.message_dict.items()}
    )


def _check_time_zone(value: str) -> str:
    try:
        return inputs.check_time_zone(value)
    except ValueError as exc:
        raise serializers.ValidationError(f"{exc}.") from None


class PersonInput(inputs.StrictSerializer):
    name = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=254)
    org_unit = serializers.CharField(max_length=80, help_text="The unit's slug.")
    role = serializers.ChoiceField(choices=Person.Role.choices, required=False)
    fte = inputs.DecimalInputField(
        max_digits=3, decimal_places=2, min_value=0, max_value=1, required=False
    )
    time_zone = serializers.CharField(max_length=64, required=False, help_text="IANA name.")
    base_pay = inputs.DecimalInputField(
        max_digits=12, decimal_places=2, min_value=0, required=False
    )
    preferred_trait = serializers.ChoiceField(
        choices=TRAIT_CHOICES, required=False, allow_blank=True
    )
    invite = inputs.StrictBooleanField(
        required=False, help_text="Email them an invitation to set a password."
    )

    def validate_time_zone(self, value: str) -> str:
        return _check_time_zone(value)


class PersonPatch(inputs.StrictSerializer):
    name = serializers.CharField(max_length=150, required=False)
    email = serializers.EmailField(max_length=254, required=False)
    role = serializers.ChoiceField(choices=Person.Role.choices, required=False)
    fte = inputs.DecimalInputField(
        max_digits=3, decimal_places=2, min_value=0, max_value=1, required=False
    )
    time_zone = serializers.CharField(max_length=64, required=False)
    preferred_trait = serializers.ChoiceField(
        choices=TRAIT_CHOICES, required=False, allow_blank=True
    )
    # Dated changes have endpoints of their own; named here so the answer says where.
    org_unit = serializers.JSONField(required=False, write_only=True)
    base_pay = serializers.JSONField(required=False, write_only=True)

    def validate_time_zone(self, value: str) -> str:
        return _check_time_zone(value)

    def validate_org_unit(self, value):
        raise serializers.ValidationError(
            "A move is dated: POST /api/people/<id>/move/ with org_unit and effective_from."
        )

    def validate_base_pay(self, value):
        raise serializers.ValidationError(
            "Pay is dated: POST /api/people/<id>/pay/ with base_pay and effective_from."
        )

    def validate(self, data):
        if not data:
            raise serializers.ValidationError(
                {"non_field_errors": ["Nothing to change: send at least one field."]}
            )
        return data


class PersonCreated(PersonOutput):
    invitation = serializers.SerializerMethodField()

    class Meta(PersonOutput.Meta):
        fields = [*PersonOutput.Meta.fields, "invitation"]

    def get_invitation(self, person: Person) -> dict | None:
        invitation = getattr(person, "new_invitation", None)
        return InvitationOutput(invitation).data if invitation is not None else None


class InvitationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    state = serializers.CharField(help_text="pending, accepted, revoked or expired")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField()


class PersonListCreate(PersonList):
    """GET: the directory (see PersonList). POST: an Org Lead adds a person to a unit they
    lead (``org_unit`` by slug), optionally inviting them; 403 for anyone leading no unit."""

    @extend_schema(request=PersonInput, responses={201: PersonCreated})
    def post(self, request) -> Response:
        permissions.require_org_lead(request.user)
        data = PersonInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        invite = values.pop("invite", False)
        slug = values.pop("org_unit")
        unit = permissions.unit_choices(request.user).filter(slug=slug).first()
        if unit is None:
            raise serializers.ValidationError(
                {"org_unit": [f"No unit {slug!r} among the units you lead."]}
            )
        try:
            with transaction.atomic():
                person = services.person_create(org_unit=unit, user=request.user, **values)
                if invite:
                    person.new_invitation, _ = services.invitation_send(
                        person=person, user=request.user
                    )
        except ValidationError as exc:
            raise refusal(exc) from None
        return Response(
            PersonCreated(person, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class PersonDetailUpdate(PersonDetail):
    """GET: one person. PATCH: name, email, role, fte, time_zone, preferred_trait (Org Leads
    of the person's unit: 403 for anyone leading no unit, 404 for a person of another)."""

    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(request=PersonPatch, responses=PersonOutput)
    def patch(self, request, pk: int) -> Response:
        person = permissions.person_to_manage(request.user, pk)
        data = PersonPatch(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            person = services.person_update(person=person, user=request.user, **data.validated_data)
        except ValidationError as exc:
            raise refusal(exc) from None
        return Response(PersonOutput(person, context={"request": request}).data)


class PersonInvite(APIView):
    """POST: email the person an invitation (a new link when one is open: the old one dies).
    DELETE: revoke the open invitation. Org Leads of the person's unit."""

    @extend_schema(request=None, responses={201: InvitationOutput})
    def post(self, request, pk: int) -> Response:
        person = permissions.person_to_manage(request.user, pk)
        try:
            invitation, _ = services.invitation_send(person=person, user=request.user)
        except ValidationError as exc:
            raise refusal(exc) from None
        return Response(InvitationOutput(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: InvitationOutput})
    def delete(self, request, pk: int) -> Response:
        person = permissions.person_to_manage(request.user, pk)
        invitation = person.invitations.filter(accepted_at=None, revoked_at=None).first()
        if invitation is None:
            raise NotFound("No open invitation for this person.")
        invitation = services.invitation_revoke(invitation=invitation, user=request.user)
        return Response(InvitationOutput(invitation).data)
