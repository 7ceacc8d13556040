"""REST API for people and pods: the same permissions as the pages (teams.permissions)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import directory, permissions, services
from .models import Person, Pod, PodMembership
from .profiles import PEER_MIN_RATERS
from .traits import TRAITS


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
    OpenApiParameter("sort", str, enum=list(directory.SORTS), description="Order (default name)."),
]


@extend_schema_view(get=extend_schema(parameters=_DIRECTORY_PARAMS))
class PersonList(generics.ListAPIView):
    """People the caller may see (everyone in the units they lead, or just themselves),
    with the directory's filters and sorts."""

    serializer_class = PersonOutput

    def get_queryset(self):
        filters = directory.DirectoryFilters.from_params(self.request.query_params)
        return directory.people_directory(self.request.user, filters)


class PersonDetail(generics.RetrieveAPIView):
    serializer_class = PersonOutput

    def get_object(self) -> Person:
        person = generics.get_object_or_404(
            Person.objects.select_related("org_unit", "profile"), pk=self.kwargs["pk"]
        )
        if not permissions.can_view_person(self.request.user, person):
            raise Http404
        return person


class MemberOutput(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    name = serializers.CharField(source="person.name")
    allocation = serializers.DecimalField(max_digits=3, decimal_places=2)
    is_pod_lead = serializers.BooleanField()
    start = serializers.DateField()
    end = serializers.DateField()


class PodOutput(serializers.ModelSerializer):
    org_unit = serializers.CharField(source="org_unit.slug")
    members = MemberOutput(many=True, source="current")

    class Meta:
        model = Pod
        fields = [
            "id",
            "name",
            "org_unit",
            "goal",
            "product_area",
            "baseline_headcount",
            "status",
            "members",
        ]


class PodList(generics.ListAPIView):
    serializer_class = PodOutput

    def get_queryset(self):
        current = PodMembership.objects.current().select_related("person")
        return (
            permissions.pods_visible_to(self.request.user)
            .select_related("org_unit")
            .prefetch_related(Prefetch("memberships", queryset=current, to_attr="current"))
            .order_by("id")
        )


# --- Profiles and assessments (issue 4) ------------------------------------------------------


class TraitScores(serializers.Serializer):
    builder = serializers.FloatField()
    architect = serializers.FloatField()
    taste_maker = serializers.FloatField()
    signal_reader = serializers.FloatField()
    decision_maker = serializers.FloatField()


class HistoryPointOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    scores = TraitScores()
    primary_trait = serializers.CharField()
    sources = serializers.ListField(child=serializers.CharField())


class ProfileDetailOutput(serializers.Serializer):
    person = serializers.IntegerField()
    profile = TraitScores(allow_null=True)
    primary_trait = serializers.CharField(allow_null=True)
    self_assessment = TraitScores(allow_null=True, help_text="Latest questionnaire result.")
    peer_average = TraitScores(
        allow_null=True,
        help_text=f"Average of each peer's latest rating; null below {PEER_MIN_RATERS} peers.",
    )
    lead_assessment = TraitScores(allow_null=True)
    n_peers = serializers.IntegerField()
    history = HistoryPointOutput(many=True)


def _scores(values) -> dict | None:
    if values is None:
        return None
    return {t: round(float(v), 1) for t, v in zip(TRAITS, values, strict=True)}


class ProfileDetail(APIView):
    """A person's trait profile, the latest of each source (peers only as an anonymous average,
    once at least two have rated) and its history. Same visibility as the person page."""

    @extend_schema(responses=ProfileDetailOutput)
    def get(self, request, pk: int) -> Response:
        from .profile_views import ratings_of
        from .profiles import latest_by_source, profile_history

        person = generics.get_object_or_404(
            Person.objects.select_related("org_unit", "profile"), pk=pk
        )
        if not permissions.can_view_person(request.user, person):
            raise Http404
        ratings = ratings_of(person)
        latest = latest_by_source(ratings)
        profile = getattr(person, "profile", None)
        weights = person.org_unit.profile_weights()
        history = profile_history(ratings, weights, person.preferred_trait)
        return Response(
            {
                "person": person.pk,
                "profile": _scores(profile.scores) if profile else None,
                "primary_trait": profile.primary_trait if profile else None,
                "self_assessment": _scores(latest.get("self")),
                "peer_average": _scores(latest.get("peer")),
                "lead_assessment": _scores(latest.get("lead")),
                "n_peers": len({r.assessor_id for r in ratings if r.source == "peer"}),
                "history": [
                    {
                        "at": h.at,
                        "scores": _scores(h.scores),
                        "primary_trait": h.primary,
                        "sources": list(h.sources),
                    }
                    for h in history
                ],
            }
        )


class AssessmentInput(serializers.Serializer):
    person = serializers.IntegerField()
    source = serializers.ChoiceField(
        choices=["peer", "lead"], help_text="Self assessments come from the questionnaire."
    )
    builder = serializers.IntegerField(min_value=0, max_value=100)
    architect = serializers.IntegerField(min_value=0, max_value=100)
    taste_maker = serializers.IntegerField(min_value=0, max_value=100)
    signal_reader = serializers.IntegerField(min_value=0, max_value=100)
    decision_maker = serializers.IntegerField(min_value=0, max_value=100)


class AssessmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    source = serializers.CharField()
    created_at = serializers.DateTimeField()
    builder = serializers.IntegerField()
    architect = serializers.IntegerField()
    taste_maker = serializers.IntegerField()
    signal_reader = serializers.IntegerField()
    decision_maker = serializers.IntegerField()


class AssessmentCreate(APIView):
    """Rate a colleague (peer: pod mates and people of one's org unit, never oneself) or give a
    lead assessment (Org Lead of the person's unit, or Pod Lead of their pod). 404 otherwise."""

    @extend_schema(request=AssessmentInput, responses={201: AssessmentOutput})
    def post(self, request) -> Response:
        data = AssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        person = Person.objects.filter(pk=data.validated_data["person"]).first()
        source = data.validated_data["source"]
        allowed = person is not None and (
            permissions.can_rate_peer(request.user, person)
            if source == "peer"
            else permissions.can_assess_as_lead(request.user, person)
        )
        if not allowed:
            raise Http404
        try:
            assessment = services.assessment_create(
                person=person,
                source=source,
                assessor=permissions.person_of(request.user),
                scores={t: data.validated_data[t] for t in TRAITS},
            )
        except services.AssessmentError as exc:
            raise serializers.ValidationError({"detail": str(exc)}) from exc
        return Response(AssessmentOutput(assessment).data, status=status.HTTP_201_CREATED)
