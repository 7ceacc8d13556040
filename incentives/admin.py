from django.contrib import admin

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


@admin.register(IncentivePeriod)
class IncentivePeriodAdmin(admin.ModelAdmin):
    list_display = ["org_unit", "month", "status", "approved_by", "approved_at"]
    list_filter = ["status"]


@admin.register(PodResult)
class PodResultAdmin(admin.ModelAdmin):
    list_display = ["period", "pod", "attainment", "pool"]
    raw_id_fields = ["pod"]


@admin.register(Payout)
class PayoutAdmin(admin.ModelAdmin):
    list_display = ["period", "pod", "person", "amount", "is_adjustment"]
    list_filter = ["is_adjustment"]
    raw_id_fields = ["pod", "person"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "period"]
    list_filter = ["action"]
