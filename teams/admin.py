from django.contrib import admin

from teams.models import (
    Assessment,
    FormationRun,
    OrgUnit,
    Person,
    Pod,
    PodMembership,
    QuestionnaireAnswer,
    TraitProfile,
)


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["leads"]
    search_fields = ["name"]


class MembershipInline(admin.TabularInline):
    model = PodMembership
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "org_unit", "role", "fte", "is_active"]
    list_filter = ["role", "org_unit", "is_active"]
    search_fields = ["name", "email"]
    list_select_related = ["org_unit"]
    raw_id_fields = ["user"]


@admin.register(Pod)
class PodAdmin(admin.ModelAdmin):
    list_display = ["name", "org_unit", "status", "baseline_headcount"]
    list_filter = ["status", "org_unit"]
    search_fields = ["name", "product_area"]
    inlines = [MembershipInline]


@admin.register(PodMembership)
class PodMembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "pod", "start", "end", "allocation", "is_pod_lead"]
    list_filter = ["is_pod_lead"]
    autocomplete_fields = ["person", "pod"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["person", "source", "assessor", "created_at"]
    list_filter = ["source"]
    autocomplete_fields = ["person", "assessor"]


@admin.register(TraitProfile)
class TraitProfileAdmin(admin.ModelAdmin):
    list_display = ["person", "primary_trait", "sources", "updated_at"]
    list_filter = ["primary_trait"]
    autocomplete_fields = ["person"]


@admin.register(QuestionnaireAnswer)
class QuestionnaireAnswerAdmin(admin.ModelAdmin):
    list_display = ["person", "item", "answer", "updated_at"]
    raw_id_fields = ["person"]


@admin.register(FormationRun)
class FormationRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "org_unit",
        "status",
        "progress",
        "objective",
        "upper_bound",
        "created_at",
    ]
    list_filter = ["status"]
    readonly_fields = ["params", "result", "arrangement", "history"]
