"""REST API for waits and the friction figures (DESIGN §5).

``/api/waits/`` lists the waits the caller may see and records one; ``/api/waits/bulk/``
upserts up to 10,000 by ``external_id``, all or none; ``/api/friction/`` is the radar's
figures for a unit. Rights are the pages' (``teams.permissions``): a pod's members and the
leads of its unit see and record its waits; the figures are for Org Leads. A service
account's token (a system of record) reads and writes the waits of its own pods only.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teams import clock, inputs, permissions
from teams.friction import services
from teams.integrations import services as integrations
from teams.models import ServiceAccount, Wait


class WaitInput(serializers.Serializer):
    """One wait. Times are ISO 8601 (``2026-10-01T09:30:00Z``); ``external_id`` is the
    idempotency key: the same key for the same pod again updates that wait."""

    pod = serializers.IntegerField(help_text="The pod's id.")
    node = serializers.CharField(help_text="Who holds the work, e.g. 'Security review'.")
    kind = serializers.ChoiceField(choices=Wait.Kind.choices)
    requested_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(required=False, allow_null=True)
    url = serializers.URLField(required=False, allow_blank=True)
    external_id = serializers.CharField(required=False, max_length=120)


class WaitOutput(serializers.ModelSerializer):
    pod = serializers.IntegerField(source="pod_id")
    hours = serializers.SerializerMethodField()

    class Meta:
        model = Wait
        fields = [
            "id",
            "pod",
            "node",
            "kind",
            "requested_at",
            "resolved_at",
            "hours",
            "url",
            "external_id",
            "source",
            "created_at",
            "updated_at",
        ]

    def get_hours(self, wait: Wait) -> float:
        """Resolved − requested in hours; an open wait counts until now."""
        return round(wait.hours(self.context["now"]), 2)


ProblemsOutput = inline_serializer(
    "WaitProblems", {"errors": serializers.ListField(child=serializers.CharField())}
)


def _refused(problems: list, code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    shown = [str(p) for p in problems][: inputs.MAX_PROBLEMS]
    return Response({"detail": shown[0], "errors": shown}, status=code)


def _account(request: Request) -> ServiceAccount | None:
    """The service account behind a request, if a service-account token made it."""
    return request.auth if isinstance(request.auth, ServiceAccount) else None


def _resolve(request: Request, rows: list, *, require_key: bool) -> services.Resolution | Response:
    not_objects = [
        services.RowProblem(i, "", "not a JSON object", "field")
        for i, r in enumerate(rows, start=1)
        if not isinstance(r, dict)
    ]
    resolution = services.wait_rows_resolve(
        user=request.user,
        raw_rows=[r if isinstance(r, dict) else {} for r in rows],
        source=Wait.Source.API,
        require_key=require_key,
        only_pods=integrations.pod_ids_of(account) if (account := _account(request)) else None,
    )
    problems = sorted(
        [
            *not_objects,
            *(p for p in resolution.problems if p.row not in {n.row for n in not_objects}),
        ],
        key=lambda p: p.row,
    )
    return _refused(problems) if problems else resolution


def _write(request: Request, resolution: services.Resolution) -> services.UpsertResult:
    result = services.waits_upsert(rows=resolution.rows, source=Wait.Source.API, user=request.user)
    if (account := _account(request)) is not None:
        integrations.service_account_record_use(account=account, rows=len(resolution.rows))
    return result


class WaitListCreate(APIView):
    """List the waits the caller may see (newest first, filters below), or record one."""

    service_account_scope = True  # a feed from a system of record, for its own pods

    @extend_schema(
        parameters=[
            OpenApiParameter("pod", OpenApiTypes.INT),
            OpenApiParameter("node", OpenApiTypes.STR),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(Wait.Kind.values)),
            OpenApiParameter("open", OpenApiTypes.STR, enum=["true", "false"]),
            OpenApiParameter("since", OpenApiTypes.DATE, description="requested on or after"),
            OpenApiParameter("until", OpenApiTypes.DATE, description="requested on or before"),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: WaitOutput(many=True), 400: ProblemsOutput},
    )
    def get(self, request: Request) -> Response:
        qs = self._filtered(request)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        data = WaitOutput(page, many=True, context={"now": timezone.now()}).data
        return paginator.get_paginated_response(data)

    def _filtered(self, request: Request) -> QuerySet[Wait]:
        params = request.query_params
        problems = inputs.unknown_fields(
            params, ("pod", "node", "kind", "open", "since", "until", "page"), what="parameter"
        )
        pods = permissions.pods_visible_to(request.user)
        if (account := _account(request)) is not None:
            pods = pods.filter(pk__in=integrations.pod_ids_of(account))
        qs = Wait.objects.filter(pod__in=pods)
        pod = params.get("pod")
        if pod:
            if not pod.isdigit():
                problems.append(f"pod: {pod[:20]!r} is not a pod id")
            else:
                qs = qs.filter(pod_id=int(pod))
        if params.get("node"):
            qs = qs.filter(node=params["node"])
        kind = params.get("kind")
        if kind:
            if kind not in Wait.Kind.values:
                problems.append(f"kind: {kind[:20]!r} is not one of {', '.join(Wait.Kind.values)}")
            qs = qs.filter(kind=kind)
        is_open = params.get("open")
        if is_open:
            if is_open not in ("true", "false"):
                problems.append(f"open: {is_open[:20]!r} must be true or false")
            qs = qs.filter(resolved_at__isnull=is_open == "true")
        try:
            since, until = services.query_day(params, "since"), services.query_day(params, "until")
        except inputs.InputRefused as exc:
            problems.extend(exc.problems)
            since = until = None
        if problems:
            raise inputs.InputRefused(problems)
        if since or until:
            window = services.friction_window(
                since=since or date(inputs.YEAR_MIN, 1, 1), until=until or clock.today()
            )
            qs = qs.filter(requested_at__gte=window.start, requested_at__lt=window.requested_before)
        return qs.order_by("-requested_at", "-id")

    @extend_schema(
        request=WaitInput,
        responses={201: WaitOutput, 200: WaitOutput, 400: ProblemsOutput},
    )
    def post(self, request: Request) -> Response:
        resolution = _resolve(request, [request.data], require_key=False)
        if isinstance(resolution, Response):
            return resolution
        result = _write(request, resolution)
        row = resolution.rows[0]
        wait = Wait.objects.get(pod_id=row.pod_id, external_id=row.external_id)
        return Response(
            WaitOutput(wait, context={"now": timezone.now()}).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


BULK_LIMITS = (
    f"At most {services.MAX_BULK:,} waits and {inputs.body_limit_text()} per request. Every "
    "wait needs an external_id (its key, unique per pod): sending it again updates that wait, "
    "so a feed can re-send a day safely. Any bad row refuses the whole request (400, every "
    "problem listed by row and field); nothing is saved."
)


class WaitBulkUpsert(APIView):
    """Up to 10,000 waits in one request, all or none, upserted by (pod, ``external_id``).

    A constant number of queries whatever the number of rows.
    """

    service_account_scope = True

    @extend_schema(
        description=BULK_LIMITS,
        request=inline_serializer("WaitBulkInput", {"waits": WaitInput(many=True)}),
        responses={
            200: inline_serializer(
                "WaitBulkResult",
                {
                    "count": serializers.IntegerField(),
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                },
            ),
            400: ProblemsOutput,
            413: ProblemsOutput,
        },
    )
    def post(self, request: Request) -> Response:
        unknown = inputs.unknown_fields(request.data, ("waits",))
        if unknown:
            return _refused(unknown)
        rows = request.data.get("waits")
        if not isinstance(rows, list) or not rows:
            return _refused(['Send {"waits": [ … ]} with at least one wait.'])
        if len(rows) > services.MAX_BULK:
            return _refused(
                [f"At most {services.MAX_BULK:,} waits per request (got {len(rows):,})."]
            )
        resolution = _resolve(request, rows, require_key=True)
        if isinstance(resolution, Response):
            return resolution
        result = _write(request, resolution)
        return Response({"count": len(rows), "created": result.created, "updated": result.updated})


# --------------------------------------------------------------------------- the figures


def _rounded(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


class FrictionFigures(APIView):
    """The radar's figures (DESIGN §5) for a unit and everything below it: per node over the
    waits requested in ``[since, until]``, ranked by pod-days lost, and each pod's waiting
    share of the window. Default window: this month and the five before it. Org Leads."""

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.STR, description="org unit slug"),
            OpenApiParameter("since", OpenApiTypes.DATE),
            OpenApiParameter("until", OpenApiTypes.DATE),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(Wait.Kind.values)),
        ],
        responses={
            200: inline_serializer(
                "Friction",
                {
                    "nodes": inline_serializer(
                        "FrictionNode",
                        {
                            "node": serializers.CharField(),
                            "waits": serializers.IntegerField(),
                            "open": serializers.IntegerField(),
                            "pods": serializers.IntegerField(),
                            "median_hours": serializers.FloatField(allow_null=True),
                            "p90_hours": serializers.FloatField(allow_null=True),
                            "pod_days_lost": serializers.FloatField(),
                        },
                        many=True,
                    ),
                    "pods": inline_serializer(
                        "FrictionPod",
                        {
                            "pod": serializers.IntegerField(),
                            "waiting_share": serializers.FloatField(),
                        },
                        many=True,
                    ),
                },
            ),
            400: ProblemsOutput,
        },
    )
    def get(self, request: Request) -> Response:
        problems = inputs.unknown_fields(
            request.query_params, ("unit", "since", "until", "kind"), what="parameter"
        )
        if problems:
            raise inputs.InputRefused(problems)
        unit_ids, since, until, kind = services.friction_scope(
            user=request.user, params=request.query_params
        )
        report = services.friction_report(unit_ids=unit_ids, since=since, until=until, kind=kind)
        return Response(
            {
                "nodes": [
                    {
                        "node": n.node,
                        "waits": n.waits,
                        "open": n.open,
                        "pods": n.pods,
                        "median_hours": _rounded(n.median_hours),
                        "p90_hours": _rounded(n.p90_hours),
                        "pod_days_lost": _rounded(n.pod_days_lost),
                    }
                    for n in report.nodes
                ],
                "pods": [
                    {"pod": p.pod_id, "waiting_share": _rounded(p.waiting_share, 4)}
                    for p in report.pods
                ],
            }
        )
