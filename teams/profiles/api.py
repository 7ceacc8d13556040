"""REST API for people and pods: the same permissions as the pages (teams.permissions)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from teams import inputs, permissions
from teams.profiles import services
from teams.profiles.scoring import PEER_MIN_RATERS
from teams.traits import TRAITS


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
        help_text=(
            "Average of each peer's latest rating; null until enough distinct peers have rated "
            f"(the org unit's minimum, {PEER_MIN_RATERS} unless it sets another)."
        ),
    )
    lead_assessment = TraitScores(allow_null=True)
    n_peers = serializers.IntegerField()
    peer_min = serializers.IntegerField(
        help_text="Distinct peers needed before the peer average counts (the org unit's minimum)."
    )
    history = HistoryPointOutput(many=True)


def _scores(values) -> dict | None:
    if values is None:
        return None
    return {t: round(float(v), 1) for t, v in zip(TRAITS, values, strict=True)}


class ProfileDetail(APIView):
    """A person's trait profile, the latest of each source (peers only as an anonymous average,
    once the org unit's minimum of distinct peers have rated, `peer_min`) and its history. Same visibility as the person page."""

    @extend_schema(responses=ProfileDetailOutput)
    def get(self, request, pk: int) -> Response:
        from teams.profiles.scoring import latest_by_source, profile_history
        from teams.profiles.services import peer_minimums
        from teams.profiles.views import ratings_of

        person = permissions.person_for_user(request.user, pk)
        ratings = ratings_of(person)
        minimum = peer_minimums().get(person.org_unit_id, PEER_MIN_RATERS)
        latest = latest_by_source(ratings, minimum)
        profile = getattr(person, "profile", None)
        weights = person.org_unit.profile_weights()
        history = profile_history(ratings, weights, person.preferred_trait, minimum)
        return Response(
            {
                "person": person.pk,
                "profile": _scores(profile.scores) if profile else None,
                "primary_trait": profile.primary_trait if profile else None,
                "self_assessment": _scores(latest.get("self")),
                "peer_average": _scores(latest.get("peer")),
                "lead_assessment": _scores(latest.get("lead")),
                "n_peers": len({r.assessor_id for r in ratings if r.source == "peer"}),
                "peer_min": minimum,
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


class AssessmentInput(inputs.StrictSerializer):
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
        source = data.validated_data["source"]
        person = permissions.person_to_assess(
            request.user, data.validated_data["person"], source=source
        )
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
