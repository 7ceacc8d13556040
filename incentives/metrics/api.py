"""REST API for integrations: metrics, observations (list, single and bulk upsert).

Authenticate with a token (``Authorization: Token <key>``: a service account's key from
/integrations/, or a ``rest_framework.authtoken`` token an Admin made) or a session. Writes follow
the pages' rule (``teams.permissions.can_edit_pod``): a Pod Lead writes for their pod, an Org Lead
for the pods of their units, a service account for its own pods only (another pod reads as one
that does not exist). Values sent with a token count as system-of-record values. A request is all-or-nothing: any bad row →
400 with every problem by row. A pod that does not exist and a pod the caller may not write to get
the same 400 with the same words, so the answer does not tell which pods exist.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incentives.metrics import services as metrics
from incentives.models import Metric, Observation
from teams import inputs, permissions
from teams.integrations import services as integrations
from teams.models import ServiceAccount

MAX_BULK = 10_000


class MetricOutput(serializers.ModelSerializer):
    org_unit = serializers.CharField(source="org_unit.slug")
    owner_pod = serializers.IntegerField(source="owner_pod_id", allow_null=True)
    pay_eligible = serializers.SerializerMethodField()

    class Meta:
        model = Metric
        fields = [
            "id",
            "key",
            "name",
            "description",
            "unit",
            "kind",
            "direction",
            "aggregation",
            "org_unit",
            "owner_pod",
            "empty_value",
            "pay_eligible",
        ]

    def get_pay_eligible(self, metric: Metric) -> bool:
        return metrics.metric_pay_kind(metric) == Metric.Kind.OUTCOME


class MetricList(generics.ListAPIView):
    """Metrics of the org units the caller leads or whose pods they belong to."""

    serializer_class = MetricOutput
    service_account_scope = True

    def get_queryset(self):
        user = self.request.user
        account = _service_account(self.request)
        units = permissions.led_unit_ids(user) if account is None else set()
        pods = permissions.pods_visible_to(user)
        if account is not None:
            pods = pods.filter(pk__in=integrations.pod_ids_of(account))
        pod_units = pods.values("org_unit_id")
        return (
            Metric.objects.filter(Q(org_unit_id__in=units) | Q(org_unit_id__in=pod_units))
            .select_related("org_unit")
            .order_by("org_unit_id", "key")
        )


class ObservationInput(serializers.Serializer):
    """One observation. Numbers as decimal strings ("41.5"); ``external_id`` is the idempotency
    key: sending the same key for the same pod again updates that observation."""

    pod = serializers.IntegerField(help_text="The pod's id.")
    metric = serializers.CharField(help_text="The metric's key, e.g. 'activation'.")
    date = serializers.DateField()
    value = serializers.CharField(help_text="Decimal string, up to 6 decimal places.")
    external_id = serializers.CharField(
        required=False,
        max_length=120,
        help_text="Idempotency key, unique per pod. Generated when absent.",
    )
    evidence_url = serializers.URLField(required=False, allow_blank=True)


class ObservationOutput(serializers.ModelSerializer):
    pod = serializers.IntegerField(source="pod_id")
    metric = serializers.CharField(source="metric.key")
    value = serializers.DecimalField(max_digits=20, decimal_places=6)
    recorded_by = serializers.IntegerField(source="recorded_by_id", allow_null=True)

    class Meta:
        model = Observation
        fields = [
            "id",
            "pod",
            "metric",
            "date",
            "value",
            "source",
            "external_id",
            "evidence_url",
            "flag",
            "flag_reason",
            "recorded_by",
            "created_at",
            "updated_at",
        ]


ProblemsOutput = inline_serializer(
    "ObservationProblems", {"errors": serializers.ListField(child=serializers.CharField())}
)
BulkOutput = inline_serializer(
    "ObservationBulkResult",
    {
        "count": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "flagged": serializers.IntegerField(),
    },
)


def _service_account(request: Request) -> ServiceAccount | None:
    return request.auth if isinstance(request.auth, ServiceAccount) else None


def _write(request: Request, raw_rows: list) -> tuple[metrics.UpsertResult | None, Response | None]:
    """Resolve, check rights and upsert; the refusal Response when the rows cannot be written."""
    shaped = [r if isinstance(r, dict) else {} for r in raw_rows]
    account = _service_account(request)
    resolution = metrics.observation_rows_resolve(
        user=request.user,
        raw_rows=shaped,
        source=Observation.Source.API,
        only_pods=integrations.pod_ids_of(account) if account is not None else None,
    )
    not_objects = [
        f"Row {i}: not a JSON object"
        for i, r in enumerate(raw_rows, start=1)
        if not isinstance(r, dict)
    ]
    if resolution.problems or not_objects:
        return None, Response(
            {"errors": not_objects + [str(p) for p in resolution.problems]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    result = metrics.observations_upsert(
        rows=resolution.rows,
        source=Observation.Source.API,
        user=request.user,
        # A token belongs to an integration (a system of record), not to a person typing.
        system_of_record=isinstance(request.auth, (Token, ServiceAccount)),
    )
    if account is not None:
        integrations.service_account_record_use(account=account, rows=len(resolution.rows))
    return result, None


class ObservationListCreate(APIView):
    """List the observations the caller may see (filters below), or record one (upsert by key)."""

    service_account_scope = True

    @extend_schema(
        parameters=[
            OpenApiParameter("pod", OpenApiTypes.INT),
            OpenApiParameter("metric", OpenApiTypes.STR, description="metric key"),
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
            OpenApiParameter(
                "flag", OpenApiTypes.STR, enum=["none", "flagged", "confirmed", "rejected"]
            ),
            OpenApiParameter("source", OpenApiTypes.STR, enum=["form", "csv", "api"]),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: ObservationOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        pods = permissions.pods_visible_to(request.user)
        if (account := _service_account(request)) is not None:
            pods = pods.filter(pk__in=integrations.pod_ids_of(account))
        qs = (
            Observation.objects.filter(pod__in=pods)
            .select_related("metric")
            .order_by("-date", "-id")
        )
        params = request.query_params
        try:
            if params.get("pod"):
                qs = qs.filter(pod_id=int(params["pod"]))
            if params.get("date_from"):
                qs = qs.filter(date__gte=date.fromisoformat(params["date_from"]))
            if params.get("date_to"):
                qs = qs.filter(date__lte=date.fromisoformat(params["date_to"]))
        except ValueError as exc:
            raise ValidationError({"filter": f"bad filter value: {exc}"}) from None
        if params.get("metric"):
            qs = qs.filter(metric__key=params["metric"])
        if params.get("flag"):
            flag = "" if params["flag"] == "none" else params["flag"]
            if flag not in Observation.Flag.values:
                raise ValidationError({"flag": f"unknown flag {params['flag']!r}"})
            qs = qs.filter(flag=flag)
        if params.get("source"):
            if params["source"] not in Observation.Source.values:
                raise ValidationError({"source": f"unknown source {params['source']!r}"})
            qs = qs.filter(source=params["source"])
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ObservationOutput(page, many=True).data)

    @extend_schema(
        request=ObservationInput,
        responses={
            201: ObservationOutput,
            200: ObservationOutput,
            400: ProblemsOutput,
        },
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            return Response(
                {"errors": ["Row 1: not a JSON object"]}, status=status.HTTP_400_BAD_REQUEST
            )
        result, refusal = _write(request, [request.data])
        if refusal is not None:
            return refusal
        obs = Observation.objects.select_related("metric").get(
            pod_id=result.observations[0].pod_id, external_id=result.observations[0].external_id
        )
        return Response(
            ObservationOutput(obs).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


BULK_LIMITS = (
    f"Limits: at most {MAX_BULK:,} observations and {inputs.body_limit_text()} per request "
    "(a larger body is answered 413). Any bad row refuses the whole request (400, every "
    "problem listed by row); nothing is saved. Unknown fields, NUL characters, years before "
    f"{inputs.YEAR_MIN} or after {inputs.YEAR_MAX}, decimal commas and floats are refused."
)


class ObservationBulkUpsert(APIView):
    """Up to 10,000 observations in one request, all or none, upserted by ``external_id``.

    A constant number of queries whatever the number of rows.
    """

    service_account_scope = True

    @extend_schema(
        description=BULK_LIMITS,
        request=inline_serializer(
            "ObservationBulkInput", {"observations": ObservationInput(many=True)}
        ),
        responses={
            200: BulkOutput,
            400: ProblemsOutput,
            413: ProblemsOutput,
        },
    )
    def post(self, request: Request) -> Response:
        unknown = inputs.unknown_fields(request.data, ("observations",))
        if unknown:
            return Response({"errors": unknown}, status=status.HTTP_400_BAD_REQUEST)
        rows = request.data.get("observations")
        if not isinstance(rows, list) or not rows:
            return Response(
                {"errors": ['Send {"observations": [ … ]} with at least one observation.']},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if len(rows) > MAX_BULK:
            return Response(
                {"errors": [f"At most {MAX_BULK:,} observations per request (got {len(rows):,})."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        result, refusal = _write(request, rows)
        if refusal is not None:
            return refusal
        return Response(
            {
                "count": len(rows),
                "created": result.created,
                "updated": result.updated,
                "flagged": result.flagged,
            }
        )
