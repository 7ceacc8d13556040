"""REST API for formation runs: start one, poll it, fetch its result, accept it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from teams import permissions
from teams.background import BackgroundUnavailable
from teams.formation import services
from teams.formation.engine.io import result_to_dict
from teams.formation.forms import AcceptForm, FormationRunForm
from teams.models import FormationRun
from teams.traits import COVERAGE_THRESHOLD


class RunOutput(serializers.ModelSerializer):
    org_unit = serializers.CharField(source="org_unit.slug")
    pool_size = serializers.SerializerMethodField()

    class Meta:
        model = FormationRun
        fields = [
            "id",
            "org_unit",
            "status",
            "progress",
            "params",
            "error",
            "objective",
            "upper_bound",
            "pool_size",
            "created_at",
            "attempts",
            "heartbeat_at",
            "finished_at",
            "accepted_at",
        ]

    def get_pool_size(self, run: FormationRun) -> int:
        return len((run.result or {}).get("pool", []))


RunInput = inline_serializer(
    "FormationRunInput",
    fields={
        "org_unit": serializers.IntegerField(),
        "pool": serializers.ChoiceField(choices=["unpodded", "everyone"]),
        "min_size": serializers.IntegerField(default=3),
        "max_size": serializers.IntegerField(default=5),
        "threshold": serializers.IntegerField(default=COVERAGE_THRESHOLD),
        "max_per_unit": serializers.IntegerField(required=False),
        "stability": serializers.FloatField(default=0),
        "one_lead_per_pod": serializers.BooleanField(default=True),
        "together": serializers.CharField(
            required=False, help_text="one 'email, email' pair per line"
        ),
        "apart": serializers.CharField(required=False),
        "pins": serializers.CharField(required=False, help_text="one 'email, pod' per line"),
        "requested": serializers.CharField(required=False),
        "avoid_repeats": serializers.BooleanField(default=False),
        "min_shared_hours": serializers.FloatField(required=False),
        "seed": serializers.IntegerField(default=1),
        "time_limit": serializers.IntegerField(default=10),
    },
)


class FormationRunStart(APIView):
    """Start a formation run. The optimiser runs in the background; poll the run for its status.
    503 (nothing started) when the background worker's broker does not answer within 3 s."""

    @extend_schema(
        request=RunInput,
        responses={
            201: RunOutput,
            503: inline_serializer(
                "BackgroundUnavailable", fields={"detail": serializers.CharField()}
            ),
        },
    )
    def post(self, request):
        if not permissions.is_org_lead(request.user):
            raise PermissionDenied("Formation is for Org Leads.")
        defaults = {
            "min_size": 3,
            "max_size": 5,
            "threshold": COVERAGE_THRESHOLD,
            "stability": 0,
            "seed": 1,
            "time_limit": 10,
            "one_lead_per_pod": True,
        }
        form = FormationRunForm(
            {**defaults, **request.data}, units=permissions.units_visible_to(request.user)
        )
        if not form.is_valid():
            return Response(
                {"errors": form.errors.get_json_data()}, status=status.HTTP_400_BAD_REQUEST
            )
        try:
            run = services.formation_start(
                user=request.user, org_unit=form.cleaned_data["org_unit"], params=form.params()
            )
        except BackgroundUnavailable as exc:
            return Response(
                {"detail": exc.message},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "60"},
            )
        run.refresh_from_db()
        return Response(RunOutput(run).data, status=status.HTTP_201_CREATED)


class FormationRunDetail(APIView):
    """Poll a run: status (queued, running, done, failed, accepted), progress 0–100 as the worker
    last reported it (`heartbeat_at`), F and bound. A run whose worker stopped answering for
    longer than its time limit plus a minute answers "failed" with the reason in `error`."""

    @extend_schema(responses=RunOutput)
    def get(self, request, pk: int):
        run = services.formation_expire(run=permissions.run_for_user(request.user, pk))
        return Response(RunOutput(run).data)


class FormationRunResult(APIView):
    """The run's pods as currently arranged, scored exactly as DESIGN §2 (F, bound, gaps, explanations)."""

    @extend_schema(
        responses=inline_serializer(
            "FormationResult",
            fields={
                "pods": serializers.ListField(child=serializers.DictField()),
                "objective": serializers.FloatField(),
                "upper_bound": serializers.FloatField(),
                "min_coverage": serializers.FloatField(),
                "trait_gaps": serializers.IntegerField(),
                "trait_gaps_lower_bound": serializers.IntegerField(),
                "violations": serializers.ListField(child=serializers.CharField()),
            },
        )
    )
    def get(self, request, pk: int):
        run = services.formation_expire(run=permissions.run_for_user(request.user, pk))
        if run.arrangement is None:
            return Response(
                {
                    "detail": f"The run is {run.get_status_display().lower()}; no result yet.",
                    "error": run.error,
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(result_to_dict(services.workspace_for_run(run).evaluation))


class FormationRunAccept(APIView):
    """Accept the run: creates the pods and memberships in one transaction."""

    @extend_schema(
        request=inline_serializer(
            "FormationAcceptInput",
            fields={
                "baseline_headcount": serializers.DecimalField(
                    max_digits=6, decimal_places=2, default=0
                ),
                "name_prefix": serializers.CharField(required=False),
            },
        ),
        responses=inline_serializer(
            "FormationAcceptOutput",
            fields={"pods": serializers.ListField(child=serializers.IntegerField())},
        ),
    )
    def post(self, request, pk: int):
        run = permissions.run_for_user(request.user, pk)
        form = AcceptForm({"baseline_headcount": 0, **request.data})
        if not form.is_valid():
            return Response(
                {"errors": form.errors.get_json_data()}, status=status.HTTP_400_BAD_REQUEST
            )
        try:
            pods = services.formation_accept(run=run, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            return Response({"errors": exc.messages}, status=status.HTTP_409_CONFLICT)
        return Response({"pods": [p.pk for p in pods]}, status=status.HTTP_201_CREATED)
