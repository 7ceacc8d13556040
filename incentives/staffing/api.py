"""REST API for the changes that move pay: a person's pay, memberships, a pod's baseline,
name and dissolution, a person's move and off-boarding. Same permissions as the pages: anyone
who leads no unit gets 403 on every write (a pod's Pod Lead may still write its goal and
product area); an object of another unit in the URL answers 404; a bad body 400 naming the
field, nothing saved. A membership change that breaks a rule (over 1 FTE, two Pod Leads, a pod
outside 3–5) answers 409 with the warnings unless the body says ``"confirm": true``."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from incentives.bonuses import changes
from teams import inputs, permissions
from teams.models import Person, Pod, PodMembership
from teams.people.api import refusal
from teams.pods import services as pods_services
from teams.pods.api import PodOutput

# Dated history, newest first, the opening row (no date: since the start) last on every database.
NEWEST_FIRST = F("effective_from").desc(nulls_last=True)


class Recomputed(serializers.Serializer):
    id = serializers.IntegerField()
    org_unit = serializers.CharField(source="org_unit.slug")
    month = serializers.DateField(format="%Y-%m")


def _recomputed(result: changes.ChangeResult) -> list:
    return Recomputed(result.recomputed, many=True).data


def _require_writer(user) -> None:
    if not permissions.is_org_lead(user):
        raise PermissionDenied("Only Org Leads change people, pods and memberships.")


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "rule_broken"


def _warn(warnings: list[str], confirm: bool) -> None:
    if warnings and not confirm:
        raise Conflict(
            {
                "detail": "This change breaks a rule; nothing was saved. Send the same body "
                'with "confirm": true to save it anyway.',
                "warnings": warnings,
            }
        )


# --------------------------------------------------------------------------- pay


class PayRateOutput(serializers.Serializer):
    effective_from = serializers.DateField(allow_null=True, help_text="null: since the start")
    base_pay = serializers.DecimalField(max_digits=12, decimal_places=2)
    created_at = serializers.DateTimeField()


class PayInput(inputs.StrictSerializer):
    effective_from = inputs.DayField(help_text="The first day of the new pay.")
    base_pay = inputs.DecimalInputField(max_digits=12, decimal_places=2, min_value=0)


class PersonPay(APIView):
    """GET: the person's pay history (the person, their Org Leads and Admins). POST: a new
    base pay from a day on; a day in an approved month is refused (400 naming the next open
    month), open months are recomputed."""

    @extend_schema(responses=PayRateOutput(many=True))
    def get(self, request, pk: int) -> Response:
        person = permissions.person_for_user(request.user, pk)
        if not permissions.can_view_pay(request.user, person):
            raise NotFound("No such person.")
        rates = list(person.pay_rates.order_by(NEWEST_FIRST))
        return Response(
            {
                "person": person.pk,
                "base_pay": str(person.base_pay),
                "rates": PayRateOutput(rates, many=True).data,
            }
        )

    @extend_schema(request=PayInput, responses={201: PayRateOutput})
    def post(self, request, pk: int) -> Response:
        person = permissions.person_to_manage(request.user, pk)
        data = PayInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = changes.pay_rate_change(
                user=request.user, person=person, **data.validated_data
            )
        except ValidationError as exc:
            raise refusal(exc) from None
        return Response(
            {**PayRateOutput(result.row).data, "recomputed": _recomputed(result)},
            status=status.HTTP_201_CREATED,
        )


# --------------------------------------------------------------------------- memberships


class MembershipOutput(serializers.ModelSerializer):
    pod = serializers.IntegerField(source="pod_id")
    person = serializers.IntegerField(source="person_id")
    name = serializers.CharField(source="person.name")

    class Meta:
        model = PodMembership
        fields = ["id", "pod", "person", "name", "start", "end", "allocation", "is_pod_lead"]


class MembershipInput(inputs.StrictSerializer):
    pod = serializers.IntegerField(min_value=1)
    person = serializers.IntegerField(min_value=1)
    start = inputs.DayField()
    allocation = inputs.DecimalInputField(max_digits=3, decimal_places=2, min_value=0, max_value=1)
    is_pod_lead = inputs.StrictBooleanField(required=False, default=False)
    confirm = inputs.StrictBooleanField(required=False, default=False)


_MEMBERSHIP_PARAMS = [
    OpenApiParameter("pod", int, description="Stints of this pod."),
    OpenApiParameter("person", int, description="Stints of this person."),
    OpenApiParameter("on", str, description="Only stints in force on this day (YYYY-MM-DD)."),
]


def _id_param(params, name: str) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise serializers.ValidationError({name: [f"{raw[:40]!r} is not an id."]})
    return int(raw)


class MembershipList(generics.ListAPIView):
    """GET: stints of the pods you see (``?pod=``, ``?person=``, ``?on=YYYY-MM-DD``).
    POST: a new stint from ``start`` at ``allocation`` (Org Leads of the pod's unit; the pod
    and the person must be of units you lead)."""

    serializer_class = MembershipOutput

    @extend_schema(parameters=_MEMBERSHIP_PARAMS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        rows = PodMembership.objects.filter(
            pod__in=permissions.pods_visible_to(self.request.user)
        ).select_related("person")
        if (pod := _id_param(params, "pod")) is not None:
            rows = rows.filter(pod_id=pod)
        if (person := _id_param(params, "person")) is not None:
            rows = rows.filter(person_id=person)
        if params.get("on"):
            try:
                day = inputs.parse_day(params["on"], field="on")
            except ValueError as exc:
                raise serializers.ValidationError({"on": [f"{exc}."]}) from None
            rows = rows.current(day)
        return rows.order_by("pod_id", "person_id", "start", "id")

    @extend_schema(request=MembershipInput, responses={201: MembershipOutput})
    def post(self, request) -> Response:
        _require_writer(request.user)
        data = MembershipInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        pod = _managed_pod(request.user, v["pod"], "pod")
        person = _managed_person(request.user, v["person"])
        _warn(
            pods_services.membership_warnings(
                pod=pod,
                person=person,
                on=v["start"],
                allocation=v["allocation"],
                is_pod_lead=v["is_pod_lead"],
            ),
            v["confirm"],
        )
        try:
            with transaction.atomic():
                result = changes.membership_add(
                    user=request.user,
                    pod=pod,
                    person=person,
                    start=v["start"],
                    allocation=v["allocation"],
                )
                row = result.row
                if v["is_pod_lead"]:
                    row = changes.membership_set_lead(
                        user=request.user, membership=row, on=v["start"]
                    ).row
        except ValidationError as exc:
            raise refusal(exc, {"effective_from": "start"}) from None
        return Response(
            {**MembershipOutput(row).data, "recomputed": _recomputed(result)},
            status=status.HTTP_201_CREATED,
        )


def _managed_pod(user, pk: int, field: str) -> Pod:
    """A pod named in a body: one of the user's units, else 400 naming the field (an id in
    the body is input; the URL's objects are the ones that answer 404)."""
    pod = (
        Pod.objects.select_related("org_unit")
        .filter(pk=pk, org_unit_id__in=permissions.led_unit_ids(user))
        .first()
    )
    if pod is None:
        raise serializers.ValidationError({field: [f"No pod {pk} among the units you lead."]})
    if pod.status == Pod.Status.DISSOLVED or pod.dissolved_on is not None:
        raise serializers.ValidationError({field: [f"{pod.name} is dissolved."]})
    return pod


def _managed_person(user, pk: int) -> Person:
    person = Person.objects.filter(pk=pk, org_unit_id__in=permissions.led_unit_ids(user)).first()
    if person is None:
        raise serializers.ValidationError({"person": [f"No person {pk} in the units you lead."]})
    if not person.is_active or person.left_on is not None:
        raise serializers.ValidationError({"person": [f"{person.name} is off-boarded."]})
    return person


class MembershipPatch(inputs.StrictSerializer):
    end = inputs.DayField(required=False, help_text="End the stint: its last day.")
    effective_from = inputs.DayField(
        required=False, help_text="For allocation, pod or is_pod_lead: the first day."
    )
    allocation = inputs.DecimalInputField(
        max_digits=3, decimal_places=2, min_value=0, max_value=1, required=False
    )
    pod = serializers.IntegerField(min_value=1, required=False, help_text="Move to this pod.")
    is_pod_lead = inputs.StrictBooleanField(required=False)
    confirm = inputs.StrictBooleanField(required=False, default=False)

    def validate(self, data):
        if "end" in data:
            extra = sorted(set(data) - {"end", "confirm"})
            if extra:
                raise serializers.ValidationError(
                    {f: ["Send end alone: ending a stint changes nothing else."] for f in extra}
                )
            return data
        kinds = [k for k in ("allocation", "pod", "is_pod_lead") if k in data]
        if not kinds:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        "Send end, or effective_from with allocation, pod or is_pod_lead."
                    ]
                }
            )
        if "is_pod_lead" in data and len(kinds) > 1:
            raise serializers.ValidationError({"is_pod_lead": ["Change the Pod Lead on its own."]})
        if "effective_from" not in data:
            raise serializers.ValidationError(
                {"effective_from": ["From which day? Every change from a day is a new stint."]}
            )
        return data


class MembershipDetail(APIView):
    """GET: one stint. PATCH: ``end`` (its last day), or from ``effective_from`` a new
    ``allocation``, another ``pod`` (a move; ``allocation`` optional) or ``is_pod_lead``."""

    @extend_schema(responses=MembershipOutput)
    def get(self, request, pk: int) -> Response:
        row = (
            PodMembership.objects.select_related("person")
            .filter(pk=pk, pod__in=permissions.pods_visible_to(request.user))
            .first()
        )
        if row is None:
            raise NotFound("No such membership.")
        return Response(MembershipOutput(row).data)

    @extend_schema(request=MembershipPatch, responses=MembershipOutput)
    def patch(self, request, pk: int) -> Response:
        m = permissions.membership_to_manage(request.user, pk)
        data = MembershipPatch(data=request.data)
        data.is_valid(raise_exception=True)
        v, user = data.validated_data, request.user
        check = pods_services.membership_warnings
        try:
            if "end" in v:
                on = v["end"]
                _warn(
                    check(
                        pod=m.pod,
                        person=m.person,
                        on=on + timedelta(days=1),
                        replacing=m,
                        leaving=True,
                    ),
                    v["confirm"],
                )
                result = changes.membership_end(user=user, membership=m, on=on)
            elif "pod" in v:
                to_pod = _managed_pod(user, v["pod"], "pod")
                on, share = v["effective_from"], v.get("allocation")
                _warn(
                    check(
                        pod=to_pod,
                        person=m.person,
                        on=on,
                        allocation=m.allocation if share is None else share,
                        replacing=m,
                    )
                    + check(pod=m.pod, person=m.person, on=on, replacing=m, leaving=True),
                    v["confirm"],
                )
                result = changes.membership_move(
                    user=user, membership=m, to_pod=to_pod, on=on, allocation=share
                )
            elif "is_pod_lead" in v:
                on, lead = v["effective_from"], v["is_pod_lead"]
                if lead:
                    _warn(
                        check(pod=m.pod, person=m.person, on=on, is_pod_lead=True, replacing=m),
                        v["confirm"],
                    )
                result = changes.membership_set_lead(user=user, membership=m, on=on, lead=lead)
            else:
                on = v["effective_from"]
                _warn(
                    check(
                        pod=m.pod, person=m.person, on=on, allocation=v["allocation"], replacing=m
                    ),
                    v["confirm"],
                )
                result = changes.membership_split(
                    user=user, membership=m, on=on, allocation=v["allocation"]
                )
        except ValidationError as exc:
            field = "end" if "end" in v else "effective_from"
            raise refusal(exc, {"start": field, "end": field}) from None
        return Response({**MembershipOutput(result.row).data, "recomputed": _recomputed(result)})


# --------------------------------------------------------------------------- pods


class PodPatch(inputs.StrictSerializer):
    name = serializers.CharField(max_length=120, required=False)
    goal = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    product_area = serializers.CharField(max_length=120, required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=[Pod.Status.DISSOLVED],
        required=False,
        help_text="Only 'dissolved', with dissolved_on.",
    )
    dissolved_on = inputs.DayField(required=False, help_text="The first day without the pod.")
    baseline_headcount = serializers.JSONField(required=False, write_only=True)

    def validate_baseline_headcount(self, value):
        raise serializers.ValidationError(
            "The baseline is dated: POST /api/pods/<id>/baseline/ with value and effective_from."
        )

    def validate(self, data):
        if not data:
            raise serializers.ValidationError(
                {"non_field_errors": ["Nothing to change: send at least one field."]}
            )
        if ("status" in data) != ("dissolved_on" in data):
            missing = "dissolved_on" if "status" in data else "status"
            raise serializers.ValidationError(
                {missing: ['Dissolve with status "dissolved" and dissolved_on together.']}
            )
        return data


def _pod_output(pod: Pod) -> dict:
    pod.current = list(PodMembership.objects.current().filter(pod=pod).select_related("person"))
    return PodOutput(pod).data


class PodDetail(APIView):
    """GET: one pod with its current members. PATCH: ``name`` and dissolving (``status``
    "dissolved" with ``dissolved_on``) for Org Leads of its unit; ``goal`` and
    ``product_area`` also for its Pod Lead. The baseline has its own dated endpoint."""

    @extend_schema(responses=PodOutput)
    def get(self, request, pk: int) -> Response:
        return Response(_pod_output(permissions.pod_for_user(request.user, pk)))

    @extend_schema(request=PodPatch, responses=PodOutput)
    def patch(self, request, pk: int) -> Response:
        user = request.user
        if not (permissions.is_org_lead(user) or permissions.led_pod_ids(user)):
            raise PermissionDenied("Only Org Leads and Pod Leads change pods.")
        pod = permissions.pod_for_user(user, pk, write=True)
        data = PodPatch(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        managed = permissions.can_manage_unit(user, pod.org_unit_id)
        if not managed and ({"name", "status"} & set(v)):
            raise PermissionDenied(
                "Renaming and dissolving a pod are for the Org Leads of its unit."
            )
        try:
            with transaction.atomic():
                if "goal" in v or "product_area" in v:
                    pod = pods_services.pod_charter_update(
                        pod_id=pod.pk,
                        goal=v.get("goal", pod.goal),
                        product_area=v.get("product_area", pod.product_area),
                        user=user,
                    )
                if "name" in v:
                    pod = pods_services.pod_rename(pod=pod, name=v["name"], user=user)
                if "status" in v:
                    changes.pod_dissolve(user=user, pod=pod, on=v["dissolved_on"])
                    pod.refresh_from_db()
        except ValidationError as exc:
            raise refusal(exc) from None
        return Response(_pod_output(Pod.objects.select_related("org_unit").get(pk=pod.pk)))


class BaselineOutput(serializers.Serializer):
    effective_from = serializers.DateField(allow_null=True, help_text="null: since the start")
    value = serializers.DecimalField(max_digits=6, decimal_places=2)
    created_at = serializers.DateTimeField()


class BaselineInput(inputs.StrictSerializer):
    effective_from = inputs.DayField(help_text="The first day of the new baseline.")
    value = inputs.DecimalInputField(max_digits=6, decimal_places=2, min_value=0)


class PodBaseline(APIView):
    """GET: the pod's baseline history (whoever sees the pod). POST: a new baseline headcount
    from a day on (Org Leads of its unit: it drives pay); refused into approved months."""

    @extend_schema(responses=BaselineOutput(many=True))
    def get(self, request, pk: int) -> Response:
        pod = permissions.pod_for_user(request.user, pk)
        steps = list(pod.baselines.order_by(NEWEST_FIRST))
        return Response(
            {
                "pod": pod.pk,
                "baseline_headcount": str(pod.baseline_headcount),
                "history": BaselineOutput(steps, many=True).data,
            }
        )

    @extend_schema(request=BaselineInput, responses={201: BaselineOutput})
    def post(self, request, pk: int) -> Response:
        pod = permissions.pod_to_manage(request.user, pk)
        data = BaselineInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = changes.baseline_change(user=request.user, pod=pod, **data.validated_data)
        except ValidationError as exc:
            raise refusal(
                exc, {"baseline_from": "effective_from", "baseline_headcount": "value"}
            ) from None
        return Response(
            {**BaselineOutput(result.row).data, "recomputed": _recomputed(result)},
            status=status.HTTP_201_CREATED,
        )


# --------------------------------------------------------------------------- people


class MoveInput(inputs.StrictSerializer):
    org_unit = serializers.CharField(max_length=80, help_text="The new unit's slug.")
    effective_from = inputs.DayField()
    end_memberships = inputs.StrictBooleanField(
        required=False, default=False, help_text="End their stints in the old unit's pods."
    )


class MoveOutput(serializers.Serializer):
    person = serializers.IntegerField()
    from_unit = serializers.CharField()
    to_unit = serializers.CharField()
    effective_from = serializers.DateField()
    applied = serializers.BooleanField(help_text="false: it waits until effective_from.")
    recomputed = Recomputed(many=True)


class PersonMove(APIView):
    """The person belongs to another unit you lead from ``effective_from`` (a later day
    waits until then)."""

    @extend_schema(request=MoveInput, responses={201: MoveOutput})
    def post(self, request, pk: int) -> Response:
        person = permissions.person_to_manage(request.user, pk)
        data = MoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        unit = permissions.unit_choices(request.user).filter(slug=v["org_unit"]).first()
        if unit is None:
            raise serializers.ValidationError(
                {"org_unit": [f"No unit {v['org_unit']!r} among the units you lead."]}
            )
        try:
            result = changes.person_move(
                user=request.user,
                person=person,
                to_unit=unit,
                effective_from=v["effective_from"],
                end_memberships=v["end_memberships"],
            )
        except ValidationError as exc:
            raise refusal(exc) from None
        move = result.row
        return Response(
            {
                "person": person.pk,
                "from_unit": person.org_unit.slug,
                "to_unit": unit.slug,
                "effective_from": move.effective_from,
                "applied": move.applied_at is not None,
                "recomputed": _recomputed(result),
            },
            status=status.HTTP_201_CREATED,
        )


class OffboardInput(inputs.StrictSerializer):
    effective_from = inputs.DayField(help_text="The first day no longer in the organisation.")


class OffboardOutput(serializers.Serializer):
    person = serializers.IntegerField()
    left_on = serializers.DateField()
    is_active = serializers.BooleanField(help_text="false once the day has come.")
    recomputed = Recomputed(many=True)


class PersonOffboard(APIView):
    """The person leaves from ``effective_from``: stints end the day before, the login is
    disabled from that day, history stays."""

    @extend_schema(request=OffboardInput, responses=OffboardOutput)
    def post(self, request, pk: int) -> Response:
        person = permissions.person_to_manage(request.user, pk)
        data = OffboardInput(data=request.data)
        data.is_valid(raise_exception=True)
        day = data.validated_data["effective_from"]
        try:
            result = changes.person_offboard(user=request.user, person=person, effective_from=day)
        except ValidationError as exc:
            raise refusal(exc) from None
        person.refresh_from_db()
        return Response(
            {
                "person": person.pk,
                "left_on": person.left_on,
                "is_active": person.is_active,
                "recomputed": _recomputed(result),
            }
        )
