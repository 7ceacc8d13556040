from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.db import DatabaseError, router, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse

from incentives.bonuses.immutability import FROZEN, refusal_reason
from incentives.models import (
    AuditEntry,
    IncentivePeriod,
    IncentivePlan,
    Metric,
    MetricTarget,
    Observation,
    Payout,
    PlanComponent,
    PodResult,
)


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "org_unit", "kind", "direction", "aggregation", "owner_pod"]
    list_filter = ["kind", "direction", "org_unit"]
    search_fields = ["name", "key"]


@admin.register(MetricTarget)
class MetricTargetAdmin(admin.ModelAdmin):
    list_display = ["metric", "pod", "month", "threshold", "target", "stretch"]
    raw_id_fields = ["pod"]


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ["metric", "pod", "date", "value", "source", "flag"]
    list_filter = ["source", "flag"]
    raw_id_fields = ["pod", "recorded_by"]
    date_hierarchy = "date"


class ComponentInline(admin.TabularInline):
    model = PlanComponent
    extra = 0


@admin.register(IncentivePlan)
class IncentivePlanAdmin(admin.ModelAdmin):
    list_display = ["name", "org_unit", "effective_from", "currency", "standard_cost_per_fte"]
    inlines = [ComponentInline]


class FrozenRowsAdmin(admin.ModelAdmin):
    """Approved and locked money is read-only here, as it is in the database: no change or
    delete permission on a frozen row, and a refusal by the database triggers (a row moved into
    a frozen period, a period approved meanwhile, a bulk action) comes back as an error
    message on the page, never a server error."""

    # The lookup that selects frozen rows of this model (bulk actions).
    frozen_lookup: dict = {}

    def is_frozen(self, obj) -> bool:
        return obj.period.status in FROZEN

    def frozen_message(self, obj) -> str:
        raise NotImplementedError

    def has_change_permission(self, request, obj=None):
        if obj is not None and self.is_frozen(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self.is_frozen(obj):
            return False
        return super().has_delete_permission(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            refused = self._refuse_if_frozen(request, object_id)
            if refused is not None:
                return refused
        return self._refusals_as_messages(
            request, super().changeform_view, request, object_id, form_url, extra_context
        )

    def delete_view(self, request, object_id, extra_context=None):
        refused = self._refuse_if_frozen(request, object_id)
        if refused is not None:
            return refused
        return self._refusals_as_messages(
            request, super().delete_view, request, object_id, extra_context
        )

    def changelist_view(self, request, extra_context=None):
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        return self._refusals_as_messages(request, self._atomic_changelist, request, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions["delete_selected"] = (_delete_selected_unless_frozen, name, description)
        return actions

    def _atomic_changelist(self, request, extra_context):
        # Bulk actions write the admin log before they delete: all of it or none of it.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().changelist_view(request, extra_context)

    def _refuse_if_frozen(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj) or not self.is_frozen(obj):
            return None
        self.message_user(request, self.frozen_message(obj), messages.ERROR)
        opts = self.opts
        change = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )
        return HttpResponseRedirect(change)

    def _refusals_as_messages(self, request, view, *args):
        try:
            return view(*args)
        except DatabaseError as exc:
            reason = refusal_reason(exc)
            if reason is None:
                raise
        self.message_user(
            request,
            f"The database refused this change, nothing was saved: {reason}.",
            messages.ERROR,
        )
        return HttpResponseRedirect(request.get_full_path())


@admin.action(permissions=["delete"], description=delete_selected.short_description)
def _delete_selected_unless_frozen(modeladmin, request, queryset):
    frozen = queryset.filter(**modeladmin.frozen_lookup).count()
    if frozen:
        modeladmin.message_user(
            request,
            f"{frozen} of the selected {modeladmin.opts.verbose_name_plural} belong to an "
            "approved or locked period, which never changes; nothing was deleted. "
            "Record a correction as an adjustment in a later period.",
            messages.ERROR,
        )
        return None
    return delete_selected(modeladmin, request, queryset)


def _period_frozen(period: IncentivePeriod) -> str:
    return (
        f"{period.get_status_display()} period {period.pk} ({period.org_unit}, "
        f"{period.month:%Y-%m}) is frozen"
    )


CORRECTION = "Record a correction as an adjustment in a later period."


@admin.register(IncentivePeriod)
class IncentivePeriodAdmin(FrozenRowsAdmin):
    list_display = ["org_unit", "month", "status", "approved_by", "approved_at"]
    list_filter = ["status"]
    list_select_related = ["org_unit", "approved_by"]
    # A period's state moves through the services (compute, approve, lock), which check the
    # rules and write the audit entry; the admin does not bypass them.
    readonly_fields = ["status", "computed_at", "approved_by", "approved_at", "locked_at", "totals"]
    frozen_lookup = {"status__in": FROZEN}

    def is_frozen(self, obj) -> bool:
        return obj.status in FROZEN

    def frozen_message(self, obj) -> str:
        return f"{_period_frozen(obj)}: it cannot be changed or deleted. {CORRECTION}"


@admin.register(PodResult)
class PodResultAdmin(FrozenRowsAdmin):
    list_display = ["period", "pod", "attainment", "pool"]
    list_select_related = ["period__org_unit", "pod"]
    raw_id_fields = ["pod"]
    frozen_lookup = {"period__status__in": FROZEN}

    def frozen_message(self, obj) -> str:
        return f"{_period_frozen(obj.period)}: its pod results cannot change. {CORRECTION}"


@admin.register(Payout)
class PayoutAdmin(FrozenRowsAdmin):
    list_display = ["period", "pod", "person", "amount", "is_adjustment"]
    list_filter = ["is_adjustment"]
    list_select_related = ["period__org_unit", "pod", "person"]
    raw_id_fields = ["pod", "person"]
    frozen_lookup = {"period__status__in": FROZEN}

    def frozen_message(self, obj) -> str:
        return f"{_period_frozen(obj.period)}: its payouts cannot change. {CORRECTION}"


@admin.register(AuditEntry)
class AuditEntryAdmin(FrozenRowsAdmin):
    """Append-only: entries are written by the services, read here, never edited or removed."""

    list_display = ["at", "actor", "action", "period"]
    list_filter = ["action"]
    list_select_related = ["actor", "period__org_unit"]

    def is_frozen(self, obj) -> bool:
        return True

    def frozen_message(self, obj) -> str:
        return f"Audit entry {obj.pk} cannot be changed or deleted: the audit log is append-only."

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
