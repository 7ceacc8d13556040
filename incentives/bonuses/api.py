"""REST API for the month close and statements: periods, compute, approve, payouts, mine."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from incentives import permissions as access
from incentives.bonuses import services
from incentives.models import IncentivePeriod, Payout
from teams import clock, inputs, permissions


def _require_lead(request) -> None:
    if not permissions.is_org_lead(request.user):
        raise PermissionDenied("Periods and payouts are for Org Leads.")


class PeriodOutput(serializers.ModelSerializer):
    org_unit = serializers.CharField(source="org_unit.slug")
    month = serializers.SerializerMethodField()
    plan = serializers.IntegerField(source="plan_id")
    currency = serializers.CharField(source="plan.currency")
    approved_by = serializers.CharField(source="approved_by.username", default=None)
    is_frozen = serializers.BooleanField(
        read_only=True, help_text="Approved or locked: the payouts are final."
    )
    is_editable = serializers.BooleanField(
        read_only=True, help_text="Draft or computed: it may still be recomputed."
    )

    class Meta:
        model = IncentivePeriod
        fields = [
            "id",
            "org_unit",
            "month",
            "plan",
            "currency",
            "status",
            "is_frozen",
            "is_editable",
            "computed_at",
            "approved_by",
            "approved_at",
            "locked_at",
            "totals",
        ]

    def get_month(self, period: IncentivePeriod) -> str:
        return period.month.strftime("%Y-%m")


class PeriodList(generics.ListAPIView):
    """Periods of the org units you lead, newest first (Org Leads and Admins)."""

    serializer_class = PeriodOutput

    def get_queryset(self):
        _require_lead(self.request)
        return (
            IncentivePeriod.objects.filter(
                org_unit__in=permissions.units_visible_to(self.request.user)
            )
            .select_related("org_unit", "plan", "approved_by")
            .order_by("-month", "org_unit__name")
        )


class PeriodDetail(APIView):
    @extend_schema(responses=PeriodOutput)
    def get(self, request, pk: int):
        return Response(PeriodOutput(access.period_for_user(request.user, pk)).data)


class ComputeInput(inputs.StrictSerializer):
    org_unit = serializers.IntegerField()
    month = serializers.RegexField(r"^[0-9]{4}-[0-9]{2}$", help_text="YYYY-MM")

    def validate_month(self, value: str) -> date:
        try:
            month = date.fromisoformat(value + "-01")
        except ValueError:
            raise serializers.ValidationError("Not a month (YYYY-MM).") from None
        if not inputs.YEAR_MIN <= month.year <= inputs.YEAR_MAX:
            raise serializers.ValidationError(
                f"{value} is out of range: the year must be {inputs.YEAR_MIN} to {inputs.YEAR_MAX}."
            )
        if month > clock.today().replace(day=1):
            raise serializers.ValidationError("That month has not started yet.")
        return month


class PeriodCompute(APIView):
    """Compute (or recompute) a unit's month; refused once the month is approved."""

    @extend_schema(request=ComputeInput, responses={201: PeriodOutput})
    def post(self, request):
        _require_lead(request)
        data = ComputeInput(data=request.data)
        data.is_valid(raise_exception=True)
        unit_id = data.validated_data["org_unit"]
        unit = permissions.unit_for_user(request.user, unit_id)
        try:
            period = services.period_compute(
                user=request.user, org_unit=unit, month=data.validated_data["month"]
            )
        except services.PeriodFrozen as exc:
            return Response({"detail": exc.messages}, status=status.HTTP_409_CONFLICT)
        except ValidationError as exc:
            return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        period.refresh_from_db()
        return Response(PeriodOutput(period).data, status=status.HTTP_201_CREATED)


class PeriodApprove(APIView):
    """computed → approved. A second approval answers 409."""

    @extend_schema(request=None, responses={200: PeriodOutput})
    def post(self, request, pk: int):
        period = access.period_for_user(request.user, pk)
        try:
            period = services.period_approve(user=request.user, period=period)
        except services.PeriodFrozen as exc:
            return Response({"detail": exc.messages}, status=status.HTTP_409_CONFLICT)
        except ValidationError as exc:
            return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(PeriodOutput(period).data)


class PayoutOutput(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id")
    person_name = serializers.CharField(source="person.name")
    pod = serializers.IntegerField(source="pod_id")
    pod_name = serializers.CharField(source="pod.name")
    adjusts = serializers.SerializerMethodField()
    breakdown = serializers.SerializerMethodField()

    class Meta:
        model = Payout
        fields = [
            "id",
            "person",
            "person_name",
            "pod",
            "pod_name",
            "amount",
            "is_adjustment",
            "adjusts",
            "note",
            "breakdown",
        ]

    def get_adjusts(self, payout: Payout) -> str | None:
        return payout.adjusts.month.strftime("%Y-%m") if payout.adjusts_id else None

    def get_breakdown(self, payout: Payout) -> dict:
        # Base pay is private: the person, Org Leads of *their* unit, and Admins.
        visible = self.context.get("base_pay_units")
        data = dict(payout.breakdown)
        if visible is not None and payout.person.org_unit_id not in visible:
            data.pop("base_pay", None)
        return data


class PeriodPayouts(generics.ListAPIView):
    """Every payout of a period with its full breakdown (Org Leads of the unit)."""

    serializer_class = PayoutOutput

    def get_queryset(self):
        period = access.period_for_user(self.request.user, self.kwargs["pk"])
        return (
            Payout.objects.filter(period=period)
            .select_related("person", "pod", "adjusts")
            .order_by("pod__name", "person__name", "id")
        )

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "base_pay_units": permissions.led_unit_ids(self.request.user),
        }


class StatementOutput(PayoutOutput):
    month = serializers.CharField(source="period.month")
    org_unit = serializers.CharField(source="period.org_unit.slug")
    currency = serializers.CharField(source="period.plan.currency")

    class Meta(PayoutOutput.Meta):
        fields = ["id", "month", "org_unit", "currency", *PayoutOutput.Meta.fields]


class MyStatements(generics.ListAPIView):
    """Your own payouts of approved and locked months, newest first, with full breakdowns."""

    serializer_class = StatementOutput

    def get_queryset(self):
        me = permissions.person_of(self.request.user)
        if me is None:
            return Payout.objects.none()
        return (
            Payout.objects.filter(person=me, period__status__in=IncentivePeriod.FROZEN_STATUSES)
            .select_related("person", "pod", "adjusts", "period__org_unit", "period__plan")
            .order_by("-period__month", "is_adjustment", "pod__name")
        )
