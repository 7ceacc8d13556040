"""Outcome metrics, incentive plans, periods and payouts (DESIGN §1, §3)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from teams import clock
from teams.models import OrgUnit, Person, Pod

MONEY = {"max_digits": 14, "decimal_places": 2}
RATIO = {"max_digits": 12, "decimal_places": 6}
VALUE = {"max_digits": 20, "decimal_places": 6}


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Aggregate(models.TextChoices):
    LAST = "last", "Last value of the month"
    SUM = "sum", "Sum over the month"
    MEAN = "mean", "Mean over the month"


class Metric(models.Model):
    """An outcome metric (pay may follow it) or a process metric (diagnosis only, never pay)."""

    class Kind(models.TextChoices):
        OUTCOME = "outcome", "Outcome"
        PROCESS = "process", "Process"

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="metrics")
    owner_pod = models.ForeignKey(
        Pod,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_metrics",
        help_text="Owner pod; empty when the org unit owns it.",
    )
    key = models.SlugField(
        max_length=60, help_text="Stable identifier used in CSV files and the API."
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. EUR, %, accounts, score")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OUTCOME)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    aggregation = models.CharField(max_length=10, choices=Aggregate.choices, default=Aggregate.LAST)
    empty_value = models.DecimalField(
        **VALUE,
        null=True,
        blank=True,
        help_text="Value used for a month with no observation (e.g. 0 for 'no incidents').",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "key"], name="metric_key_unique_per_unit"),
        ]

    def __str__(self) -> str:
        return self.name


class MetricTarget(models.Model):
    """Threshold / target / stretch of one metric for one pod in one month."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="targets")
    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="metric_targets")
    month = models.DateField(help_text="First day of the month.")
    threshold = models.DecimalField(**VALUE)
    target = models.DecimalField(**VALUE)
    stretch = models.DecimalField(**VALUE)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "pod", "month"], name="target_unique_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="target_month_is_first_day"),
        ]


class TargetProposal(models.Model):
    """A Pod Lead's proposed targets for their pod: targets drive pay, so the Org Lead decides
    (accepts, or sets other values). Nobody sets a number they are paid from (DESIGN §1)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting the Org Lead"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REPLACED = "replaced", "Replaced by the Org Lead's own targets"

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="target_proposals")
    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="target_proposals")
    month = models.DateField(help_text="First day of the month.")
    threshold = models.DecimalField(**VALUE)
    target = models.DecimalField(**VALUE)
    stretch = models.DecimalField(**VALUE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "pod", "month"],
                condition=Q(status="pending"),
                name="target_proposal_one_pending",
            ),
        ]


class Observation(models.Model):
    class Source(models.TextChoices):
        FORM = "form", "Form"
        CSV = "csv", "CSV import"
        API = "api", "API"

    class Flag(models.TextChoices):
        NONE = "", "Not flagged"
        FLAGGED = "flagged", "Flagged, awaiting review"
        CONFIRMED = "confirmed", "Confirmed by a lead"
        REJECTED = "rejected", "Rejected by a lead"
        # Typed by someone paid from the pod's pool: counts for pay once an Org Lead confirms.
        SELF_REPORTED = "self", "Self-reported, awaiting confirmation"

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="observations")
    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="observations")
    date = models.DateField()
    value = models.DecimalField(**VALUE)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence_url = models.URLField(blank=True)
    # Idempotency key: a re-sent observation with the same key updates instead of duplicating.
    external_id = models.CharField(max_length=120, default=uuid.uuid4)
    flag = models.CharField(max_length=10, choices=Flag.choices, default=Flag.NONE, blank=True)
    flag_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["pod", "metric", "date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["pod", "external_id"], name="observation_idempotency_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} = {self.value} on {self.date}"


class IncentivePlan(models.Model):
    """Per org unit, effective from a month: outcome components and gain-share parameters."""

    class Split(models.TextChoices):
        ALLOCATION = "allocation", "By allocation × active time"
        EQUAL = "equal", "Equal shares"

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="incentive_plans")
    name = models.CharField(max_length=120)
    effective_from = models.DateField(help_text="First day of the first month the plan applies to.")
    currency = models.CharField(max_length=3, default="EUR")
    standard_cost_per_fte = models.DecimalField(
        **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    share = models.DecimalField(**RATIO, default=Decimal("0.20"))
    pool_cap = models.DecimalField(**RATIO, default=Decimal("0.50"))
    min_attainment = models.DecimalField(**RATIO, default=Decimal("0.5"))
    split = models.CharField(max_length=12, choices=Split.choices, default=Split.ALLOCATION)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "effective_from"], name="plan_unique_per_month"
            ),
            models.CheckConstraint(
                condition=Q(effective_from__day=1), name="plan_starts_on_first_day"
            ),
            models.CheckConstraint(
                condition=Q(standard_cost_per_fte__gte=0), name="plan_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.org_unit}, from {self.effective_from:%Y-%m})"


class PlanComponent(models.Model):
    plan = models.ForeignKey(IncentivePlan, on_delete=models.CASCADE, related_name="components")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="plan_components")
    weight = models.DecimalField(**RATIO)
    threshold = models.DecimalField(**VALUE)
    target = models.DecimalField(**VALUE)
    stretch = models.DecimalField(**VALUE)
    floor = models.DecimalField(**RATIO, default=Decimal("0.5"))
    attainment_cap = models.DecimalField(**RATIO, default=Decimal("1.5"))
    aggregation = models.CharField(max_length=10, choices=Aggregate.choices, default=Aggregate.LAST)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "metric"], name="component_metric_once_per_plan"
            ),
        ]

    def clean(self) -> None:
        # Pay follows outcomes, not effort: a process metric never reaches a plan.
        from incentives.metrics.services import metric_ensure_pay_eligible

        if self.metric_id is not None:
            try:
                metric_ensure_pay_eligible(self.metric)
            except ValidationError as exc:
                raise ValidationError({"metric": exc.messages}) from None


class IncentivePeriod(models.Model):
    """One month of one plan: draft → computed → approved → locked. Approved never changes."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        COMPUTED = "computed", "Computed"
        APPROVED = "approved", "Approved"
        LOCKED = "locked", "Locked"

    plan = models.ForeignKey(IncentivePlan, on_delete=models.PROTECT, related_name="periods")
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="incentive_periods"
    )
    month = models.DateField(help_text="First day of the month.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    computed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    totals = models.JSONField(default=dict, blank=True)

    # Approved and locked months never change again, and are the ones members and payroll see.
    FROZEN_STATUSES = (Status.APPROVED, Status.LOCKED)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "month"], name="period_unique_per_unit_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="period_month_is_first_day"),
        ]

    @property
    def approvable_from(self) -> date:
        """The first day the month may be approved: the day after it ends."""
        following = (self.month.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following

    @property
    def has_ended(self) -> bool:
        return clock.today() >= self.approvable_from

    def __str__(self) -> str:
        return f"{self.org_unit} {self.month:%Y-%m} ({self.get_status_display()})"

    @property
    def is_frozen(self) -> bool:
        """Approved or locked: its payouts are final (a correction is an adjustment in a later
        month), members see their statements and payroll may export it."""
        return self.status in self.FROZEN_STATUSES

    @property
    def is_editable(self) -> bool:
        """Draft or computed: it may still be (re)computed, and is not yet visible to members."""
        return not self.is_frozen


class PodResult(models.Model):
    """One pod's figures for one period: every intermediate of DESIGN §3."""

    period = models.ForeignKey(
        IncentivePeriod, on_delete=models.CASCADE, related_name="pod_results"
    )
    pod = models.ForeignKey(Pod, on_delete=models.PROTECT, related_name="incentive_results")
    attainment = models.DecimalField(**VALUE)
    fte = models.DecimalField(**VALUE)
    actual_cost = models.DecimalField(**MONEY)
    equivalent_cost = models.DecimalField(**MONEY)
    dividend = models.DecimalField(**MONEY)
    efficiency_ratio = models.DecimalField(**VALUE, null=True, blank=True)
    pool = models.DecimalField(**MONEY)
    breakdown = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "pod"], name="pod_result_once_per_period"),
        ]


class Payout(models.Model):
    """One person's amount for one period and pod, with its full breakdown."""

    period = models.ForeignKey(IncentivePeriod, on_delete=models.CASCADE, related_name="payouts")
    pod = models.ForeignKey(Pod, on_delete=models.PROTECT, related_name="payouts")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="payouts")
    amount = models.DecimalField(**MONEY)
    breakdown = models.JSONField(default=dict)
    # A correction of an approved period, carried into this later one.
    is_adjustment = models.BooleanField(default=False)
    adjusts = models.ForeignKey(
        IncentivePeriod, null=True, blank=True, on_delete=models.PROTECT, related_name="adjusted_by"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["period", "pod", "person"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "pod", "person"],
                condition=Q(is_adjustment=False),
                name="payout_once_per_person_pod_period",
            ),
        ]


class AuditEntry(models.Model):
    """Who did what, when: every period state change and adjustment."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=60)
    period = models.ForeignKey(
        IncentivePeriod,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"


class MonthClose(models.Model):
    """One run of the month close: last month, for every unit with a plan (or the units a lead
    asked for), one task per unit. Each unit's outcome is a CloseAttempt, so the close review and
    the email say which units computed and which failed, never nothing."""

    month = models.DateField(help_text="First day of the month closed.")
    # Whoever started it (the scheduled task's id, or a fresh one for a lead's click): a start
    # that is delivered twice reuses its close instead of opening a second one.
    key = models.CharField(max_length=64, unique=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="month_close_on_first_day"),
        ]

    def __str__(self) -> str:
        return f"Close of {self.month:%Y-%m} ({self.started_at:%Y-%m-%d %H:%M})"


class CloseAttempt(models.Model):
    """One unit's outcome in a month close."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        COMPUTED = "computed", "Computed"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped: already approved"

    close = models.ForeignKey(MonthClose, on_delete=models.CASCADE, related_name="attempts")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(
        IncentivePeriod, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    problems = models.JSONField(default=list, blank=True)
    # How many times the unit's task ran: more than one means a worker died and it came back.
    deliveries = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["close", "org_unit__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["close", "org_unit"], name="close_attempt_once_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} in {self.close}: {self.outcome}"
