"""REST API for formation runs: start one, poll it, fetch its result, accept it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from teams import inputs, permissions
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


class FormationRunInput(inputs.StrictSerializer):
    """The run's inputs, typed strictly (booleans are true or false, never "maybe"); the
    form then checks them against the unit's people and pods, like the page does."""

    org_unit = serializers.IntegerField()
    pool = serializers.ChoiceField(choices=["unpodded", "everyone"])
    min_size = serializers.IntegerField(default=3)
    max_size = serializers.IntegerField(default=5)
    threshold = serializers.IntegerField(default=COVERAGE_THRESHOLD)
    max_per_unit = serializers.IntegerField(required=False, allow_null=True)
    stability = inputs.FiniteFloatField(default=0)
    one_lead_per_pod = inputs.StrictBooleanField(default=True)
    together = serializers.CharField(
        required=False, allow_blank=True, help_text="one 'email, email' pair per line"
    )
    apart = serializers.CharField(required=False, allow_blank=True)
    pins = serializers.CharField(
        required=False, allow_blank=True, help_text="one 'email, pod' per line"
    )
    requested = serializers.CharField(required=False, allow_blank=True)
    avoid_repeats = inputs.StrictBooleanField(default=False)
    new_teammates = inputs.StrictBooleanField(default=False)
    min_shared_hours = inputs.FiniteFloatField(required=False, allow_null=True)
    pods = serializers.IntegerField(
        required=False, allow_null=True, help_text="the number of pods; empty: the run chooses"
    )
    missions = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        max_length=200,
        help_text='one pod per mission: [{"name", "goal", "baseline": "9.5", "trait", "level"}]',
    )
    seed = serializers.IntegerField(default=1)
    time_limit = serializers.IntegerField(default=10)


class FormationAcceptInput(inputs.StrictSerializer):
    baseline_headcount = inputs.DecimalInputField(
        max_digits=6, decimal_places=2, default=0, help_text='A decimal string such as "9.5".'
    )
    name_prefix = serializers.CharField(required=False, allow_blank=True)


def _refusal(errors) -> Response:
    """400 in the form's error shape (``{field: [{"message", "code"}]}``) for both layers."""
    if hasattr(errors, "get_json_data"):  # a Django form's ErrorDict
        errors = errors.get_json_data()
    else:
        errors = {
            field: [{"message": str(e), "code": getattr(e, "code", "invalid")} for e in problems]
            for field, problems in errors.items()
        }
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


class FormationRunStart(APIView):
    """Start a formation run. The optimiser runs in the background; poll the run for its status.
    503 (nothing started) when the background worker's broker does not answer within 3 s."""

    @extend_schema(
        request=FormationRunInput,
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
        body = FormationRunInput(data=request.data)
        if not body.is_valid():
            return _refusal(body.errors)
        form = FormationRunForm(body.validated_data, units=permissions.unit_choices(request.user))
        if not form.is_valid():
            return _refusal(form.errors)
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
        request=FormationAcceptInput,
        responses=inline_serializer(
            "FormationAcceptOutput",
            fields={"pods": serializers.ListField(child=serializers.IntegerField())},
        ),
    )
    def post(self, request, pk: int):
        run = permissions.run_for_user(request.user, pk)
        body = FormationAcceptInput(data=request.data)
        if not body.is_valid():
            return _refusal(body.errors)
        form = AcceptForm(body.validated_data)
        if not form.is_valid():
            return _refusal(form.errors)
        try:
            pods = services.formation_accept(run=run, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            return Response({"errors": exc.messages}, status=status.HTTP_409_CONFLICT)
        return Response({"pods": [p.pk for p in pods]}, status=status.HTTP_201_CREATED)
