from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from teams import clock
from teams.traits import TRAIT_CHOICES, TRAITS


class OrgUnit(models.Model):
    """A part of the organisation (a tree). Its Org Leads manage it and everything below it."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    leads = models.ManyToManyField("Person", blank=True, related_name="led_units")
    # Trait profile weights per source (DESIGN §1); renormalised over the sources present.
    weight_self = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0.30"))
    weight_peer = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0.40"))
    weight_lead = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0.30"))
    # Peer anonymity: the peer average counts (and shows) only once this many distinct peers
    # have rated someone. Empty: as the unit above (teams.profiles.scoring.PEER_MIN_RATERS at
    # the root).
    peer_min_raters = models.PositiveSmallIntegerField(
        "minimum distinct peers",
        null=True,
        blank=True,
        validators=[MinValueValidator(2), MaxValueValidator(20)],
        help_text="Peer ratings count once this many colleagues have rated; empty: as the unit above.",
    )
    # An archived unit leaves the pickers and the tree's default view; its people, pods, plans
    # and approved months stay where they were (history is never re-homed).
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "org unit"

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def profile_weights(self) -> dict[str, float]:
        return {
            "self": float(self.weight_self),
            "peer": float(self.weight_peer),
            "lead": float(self.weight_lead),
        }


def units_below(unit_ids) -> set[int]:
    """These org units and every unit below them (one query)."""
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in OrgUnit.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(unit_id)
    out: set[int] = set()
    stack = list(unit_ids)
    while stack:
        unit_id = stack.pop()
        if unit_id not in out:
            out.add(unit_id)
            stack.extend(children.get(unit_id, []))
    return out


class Person(models.Model):
    class Role(models.TextChoices):
        BUILDER = "builder", "AI Builder"
        POD_LEAD = "pod_lead", "AI Pod Lead"
        ORG_LEAD = "org_lead", "AI Org Lead"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    name = models.CharField(max_length=150)
    email = models.EmailField(unique=True)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="people")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.BUILDER)
    base_pay = models.DecimalField(
        "monthly base pay",
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    fte = models.DecimalField(
        "FTE",
        max_digits=3,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    preferred_trait = models.CharField(
        "declared preferred trait", max_length=20, choices=TRAIT_CHOICES, blank=True
    )
    is_active = models.BooleanField(default=True)
    left_on = models.DateField(
        null=True,
        blank=True,
        help_text="Off-boarded: the first day no longer in the organisation.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=Q(base_pay__gte=0), name="person_base_pay_not_negative"
            ),
            models.CheckConstraint(condition=Q(fte__gte=0, fte__lte=1), name="person_fte_0_1"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("person-detail", args=[self.pk])


class Pod(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        DISSOLVED = "dissolved", "Dissolved"

    name = models.CharField(max_length=120)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="pods")
    goal = models.TextField(blank=True)
    product_area = models.CharField(max_length=120, blank=True)
    baseline_headcount = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Size of the traditional team that would otherwise own this scope.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    dissolved_on = models.DateField(
        null=True, blank=True, help_text="Dissolved: the first day the pod no longer exists."
    )
    formation_run = models.ForeignKey(
        "FormationRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pods",
        help_text="The formation run this pod was accepted from, if any.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_headcount__gte=0), name="pod_baseline_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("pod-detail", args=[self.pk])


class PayRate(models.Model):
    """A person's monthly base pay from a day on (DESIGN §1). A raise is a new row, never an
    edit: the month close pays each day at the rate in force that day. ``effective_from`` null
    is the opening rate (since ever); a person with no rows is paid ``Person.base_pay`` since
    ever, which the services keep equal to the rate in force today."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="pay_rates")
    effective_from = models.DateField(null=True, blank=True)
    base_pay = models.DecimalField(
        "monthly base pay",
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", models.F("effective_from").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "effective_from"], name="pay_rate_one_per_day"
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(effective_from__isnull=True),
                name="pay_rate_one_opening_rate",
            ),
            models.CheckConstraint(condition=Q(base_pay__gte=0), name="pay_rate_not_negative"),
        ]

    def __str__(self) -> str:
        since = self.effective_from.isoformat() if self.effective_from else "the start"
        return f"{self.person}: {self.base_pay} from {since}"


class Baseline(models.Model):
    """A pod's baseline headcount from a day on, kept as history like pay rates: changing it
    never rewrites a month already paid. ``effective_from`` null = since ever; a pod with no
    rows uses ``Pod.baseline_headcount`` since ever."""

    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="baselines")
    effective_from = models.DateField(null=True, blank=True)
    value = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pod", models.F("effective_from").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(fields=["pod", "effective_from"], name="baseline_one_per_day"),
            models.UniqueConstraint(
                fields=["pod"],
                condition=Q(effective_from__isnull=True),
                name="baseline_one_opening_value",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="baseline_not_negative"),
        ]

    def __str__(self) -> str:
        since = self.effective_from.isoformat() if self.effective_from else "the start"
        return f"{self.pod}: baseline {self.value} from {since}"


class MembershipQuerySet(models.QuerySet):
    def current(self, on: date | None = None) -> MembershipQuerySet:
        on = on or clock.today()
        return self.filter(Q(start__lte=on), Q(end__isnull=True) | Q(end__gte=on))


class PodMembership(models.Model):
    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    allocation = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Share of the person's time in this pod, 0–1 FTE.",
    )
    is_pod_lead = models.BooleanField("Pod Lead", default=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(allocation__gte=0, allocation__lte=1), name="membership_allocation_0_1"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="membership_end_after_start",
            ),
            # One open-ended Pod Lead per pod. Overlapping memberships of one person in one
            # pod are refused by a trigger / exclusion constraint (see migration 0002).
            models.UniqueConstraint(
                fields=["pod"],
                condition=Q(is_pod_lead=True, end__isnull=True),
                name="membership_one_open_pod_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.pod}"


class UnitMove(models.Model):
    """A person moving to another org unit from a day on. ``Person.org_unit`` is the unit
    now responsible for them; this row keeps when that changed (history), and a move dated
    after today waits here until its day (``applied_at`` null) so the old unit's leads keep
    the person until then."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="unit_moves")
    from_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField()
    applied_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(applied_at__isnull=True),
                name="unit_move_one_pending_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} to {self.to_unit} from {self.effective_from:%Y-%m-%d}"


class CharterChange(models.Model):
    """A pod's name, goal and product area as they read after one edit: the charter's
    history, newest first on the pod page."""

    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="charter_changes")
    name = models.CharField(max_length=120)
    goal = models.TextField(blank=True)
    product_area = models.CharField(max_length=120, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pod", "-changed_at", "-id"]

    def __str__(self) -> str:
        return f"Charter of {self.pod} at {self.changed_at:%Y-%m-%d %H:%M}"


class Invitation(models.Model):
    """An Org Lead's invitation for a person to set a password and log in. Only a hash of
    the token is kept: the link in the email is the one copy, it works once, and it dies
    after ``TTL``, on a resend (a new invitation) or a revoke."""

    TTL = timedelta(days=7)

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.person} ({self.state})"

    @property
    def state(self) -> str:
        """accepted, revoked, expired or pending."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class Assessment(models.Model):
    """A scored look at one person's traits from one source. Kept forever (history)."""

    class Source(models.TextChoices):
        SELF = "self", "Self"
        PEER = "peer", "Peer"
        LEAD = "lead", "Lead"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assessments")
    source = models.CharField(max_length=10, choices=Source.choices)
    assessor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="assessments_given"
    )
    builder = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    architect = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    taste_maker = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    signal_reader = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    decision_maker = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "source", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(**{f"{t}__lte": 100}), name=f"assessment_{t}_0_100")
            for t in TRAITS
        ] + [
            models.CheckConstraint(
                condition=~Q(source="peer") | ~Q(assessor=models.F("person")),
                name="assessment_no_self_peer_rating",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} assessment of {self.person}"

    @property
    def scores(self) -> tuple[int, ...]:
        return tuple(getattr(self, t) for t in TRAITS)


class TraitProfile(models.Model):
    """A person's current trait scores, kept in step with their assessments by the services.

    Stored (rather than computed per request) so directories and formation pools of 10,000
    people filter and sort on it with a constant number of queries.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="profile")
    builder = models.FloatField(default=0)
    architect = models.FloatField(default=0)
    taste_maker = models.FloatField(default=0)
    signal_reader = models.FloatField(default=0)
    decision_maker = models.FloatField(default=0)
    primary_trait = models.CharField(max_length=20, choices=TRAIT_CHOICES, db_index=True)
    sources = models.CharField(
        max_length=30, blank=True, help_text="Sources present, comma-separated."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.person}"

    @property
    def scores(self) -> tuple[float, ...]:
        return tuple(getattr(self, t) for t in TRAITS)


class QuestionnaireAnswer(models.Model):
    """One answer (Likert 1–5) to one statement of the self questionnaire; kept so it can resume."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="questionnaire_answers"
    )
    item = models.PositiveSmallIntegerField(help_text="Statement number, 1–20.")
    answer = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "item"], name="questionnaire_one_answer_per_item"
            ),
            models.CheckConstraint(
                condition=Q(answer__gte=1, answer__lte=5), name="questionnaire_answer_1_5"
            ),
            models.CheckConstraint(
                condition=Q(item__gte=1, item__lte=20), name="questionnaire_item_1_20"
            ),
        ]


class FormationRun(models.Model):
    """One run of the pod optimiser over a pool, its edits and its acceptance (DESIGN §1, §2)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Ready for review"
        FAILED = "failed", "Failed"
        ACCEPTED = "accepted", "Accepted"

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="formation_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0–100, for the progress bar.")
    # The worker's heartbeat: each delivery of the task is an attempt; a redelivered run (its
    # worker died) starts over as the next attempt, and a run silent for longer than its time
    # limit plus a margin is marked failed (services.formation_expire).
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Inputs: pool mode, size bounds, threshold, constraints, seed, time limit (JSON, as submitted).
    params = models.JSONField(default=dict)
    # The optimiser's answer as produced, and the arrangement as the lead has edited it since.
    result = models.JSONField(null=True, blank=True)
    arrangement = models.JSONField(null=True, blank=True)
    history = models.JSONField(
        default=list, blank=True, help_text="Earlier arrangements, for undo."
    )
    # The lead's review of the proposal, kept apart from its edits (undo never touches it): the
    # order the pods are shown in, each proposed pod's mission, and the charter (name, goal,
    # baseline) and Pod Lead chosen for it before accepting.
    review = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    objective = models.FloatField(null=True, blank=True)
    upper_bound = models.FloatField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    WORKER_LOST = "The worker stopped answering; run it again."
    NEVER_STARTED = "No worker picked this run up; run it again."

    def __str__(self) -> str:
        return f"Formation run {self.pk} ({self.get_status_display()})"

    @property
    def lost(self) -> bool:
        """Failed because of the background worker, not because of its inputs."""
        return self.status == self.Status.FAILED and self.error in (
            self.WORKER_LOST,
            self.NEVER_STARTED,
        )


class PendingUpload(models.Model):
    """A file its owner previewed and may still import: kept server-side for an hour, so the
    Import button posts a token instead of the file's text again (which a large file would
    not survive, and which the browser could change between preview and import)."""

    class Kind(models.TextChoices):
        PEOPLE = "people", "People CSV"
        OBSERVATIONS = "observations", "Observation CSV"
        WAITS = "waits", "Wait CSV"

    token = models.CharField(max_length=64, unique=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name!r} ({self.size:,} bytes)"


# --- Friction and context (DESIGN §5): where pods wait, and what they run on ------------------


class Wait(models.Model):
    """Work of a pod held by a node outside it (a team, role or approval step), from
    ``requested_at`` until ``resolved_at`` (null: still waiting). A process measure: diagnosis
    only, never a basis for pay."""

    class Kind(models.TextChoices):
        REVIEW = "review", "Review"
        APPROVAL = "approval", "Approval"
        ACCESS = "access", "Access"
        DEPENDENCY = "dependency", "Dependency"
        OTHER = "other", "Other"

    class Source(models.TextChoices):
        FORM = "form", "Form"
        CSV = "csv", "CSV import"
        API = "api", "API"

    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="waits")
    node = models.CharField(
        max_length=120, help_text="Who holds the work: a team, role or approval step."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REVIEW)
    requested_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    external_id = models.CharField(
        max_length=120, help_text="Idempotency key, unique per pod: re-sending it updates."
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["requested_at"], name="wait_requested_at"),
            models.Index(fields=["pod", "-requested_at"], name="wait_pod_requested_at"),
            models.Index(fields=["node", "requested_at"], name="wait_node_requested_at"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["pod", "external_id"], name="wait_key_unique_per_pod"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True)
                | Q(resolved_at__gte=models.F("requested_at")),
                name="wait_resolved_after_requested",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pod} waiting on {self.node}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def hours(self, now=None) -> float:
        """Its duration in hours; an open wait counts until now."""
        end = self.resolved_at or now or timezone.now()
        return max(0.0, (end - self.requested_at).total_seconds() / 3600)


class ContextItem(models.Model):
    """One piece of the context a pod's people and AI agents work from (the Context Org
    Chart): where it lives, who keeps it, and how often it must be checked. Stale when
    ``last_verified + review_days`` is before today."""

    class Layer(models.TextChoices):
        WORKING = "working", "Working"
        PROJECT = "project", "Project"
        ORGANISATION = "organisation", "Organisation"

    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="context_items")
    name = models.CharField(max_length=120)
    layer = models.CharField(max_length=20, choices=Layer.choices, default=Layer.PROJECT)
    location = models.CharField(max_length=500, help_text="A URL or a path in the repository.")
    keeper = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="kept_context"
    )
    review_days = models.PositiveIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Check it at least this often (days).",
    )
    last_verified = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pod", "name"]
        constraints = [
            models.UniqueConstraint(fields=["pod", "name"], name="context_item_name_per_pod"),
            models.CheckConstraint(
                condition=Q(review_days__gte=1), name="context_item_review_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.pod})"

    def due_on(self) -> date | None:
        """The last day it counts as fresh; ``None`` when never verified."""
        if self.last_verified is None:
            return None
        return self.last_verified + timedelta(days=self.review_days)

    def is_stale(self, today: date | None = None) -> bool:
        due = self.due_on()
        return due is None or due < (today or clock.today())


class ServiceAccount(models.Model):
    """An integration identity owned by an Org Lead (DESIGN §1): a revocable token scoped to
    some pods, for metric feeds from systems of record. Only a hash of the token is kept; the
    key is shown once, when the account is created."""

    KEY_PREFIX = "pwsa_"  # tells a service-account key from a DRF token (40 hex digits)

    name = models.CharField(max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="service_accounts"
    )
    pods = models.ManyToManyField(Pod, related_name="service_accounts")
    key_hash = models.CharField(max_length=64, unique=True)
    key_start = models.CharField(
        max_length=16, help_text="The key's first characters, to tell tokens apart."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    rows_sent = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_start}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
