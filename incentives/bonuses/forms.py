"""Plan form with component rows, period actions, adjustments and the what-if simulator."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.forms import formset_factory

from incentives.bonuses import services
from incentives.models import Aggregate, IncentivePlan, Metric
from teams import clock
from teams.inputs import DecimalInput, check_day
from teams.models import OrgUnit, Person, Pod

D = {"max_digits": 20, "decimal_places": 6}


class MonthField(forms.DateField):
    """A month as YYYY-MM (``<input type=month>``); cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class PlanForm(forms.Form):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label="Org unit")
    name = forms.CharField(max_length=120)
    effective_from = MonthField(help_text="The first month the plan applies to.")
    currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        initial="EUR",
        max_length=3,
        error_messages={"invalid": "Use a three-letter ISO code such as EUR."},
    )
    standard_cost_per_fte = DecimalInput(
        max_digits=14,
        decimal_places=2,
        label="Standard monthly cost per FTE",
        help_text="What one FTE of a traditional team costs a month (C).",
    )
    share = DecimalInput(
        **D,
        initial=Decimal("0.20"),
        label="Share σ",
        help_text="Part of the dividend that goes to the pod.",
    )
    pool_cap = DecimalInput(
        **D,
        initial=Decimal("0.50"),
        label="Cap κ",
        help_text="Pool at most κ × the pod's actual cost.",
    )
    min_attainment = DecimalInput(
        **D,
        initial=Decimal("0.5"),
        label="Minimum attainment",
        help_text="Below this overall attainment the pool is 0.",
    )
    split = forms.ChoiceField(choices=IncentivePlan.Split.choices)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units


class ComponentForm(forms.Form):
    metric = forms.ModelChoiceField(queryset=Metric.objects.none())
    weight = DecimalInput(**D)
    threshold = DecimalInput(**D)
    target = DecimalInput(**D)
    stretch = DecimalInput(**D)
    floor = DecimalInput(**D, initial=Decimal("0.5"))
    attainment_cap = DecimalInput(**D, initial=Decimal("1.5"), label="Cap")
    aggregation = forms.ChoiceField(choices=Aggregate.choices, initial=Aggregate.LAST)

    def __init__(self, *args, metrics=None, **kwargs):
        super().__init__(*args, **kwargs)
        if metrics is not None:
            self.fields["metric"].queryset = metrics
            self.fields["metric"].label_from_instance = lambda m: (
                f"{m.name} ({m.org_unit.name}, {m.get_kind_display().lower()})"
            )

    def spec(self) -> services.ComponentSpec:
        return services.ComponentSpec(**self.cleaned_data)


ComponentFormSet = formset_factory(ComponentForm, extra=4, max_num=12)

# Which field of a row an engine message is about, by its first word.
_ROW_FIELD = {
    "weight": "weight",
    "targets": "target",
    "floor": "floor",
    "attainment_cap": "attainment_cap",
    "aggregate": "aggregation",
    "direction": "metric",
    "kind": "metric",
}


def plan_form_check(form: PlanForm, formset) -> bool:
    """Run the engine's plan rules over a bound, field-valid form + formset and put each
    refusal on the field or row it names. Returns whether the plan may be saved."""
    rows = [f for f in formset.forms if f.has_changed() and not f.errors]
    if not rows:
        formset._non_form_errors = formset.error_class(["Add at least one outcome component."])
        return False
    unit = form.cleaned_data["org_unit"]
    specs = [r.spec() for r in rows]  # before add_error() drops fields from cleaned_data
    ok = True
    seen: dict[int, int] = {}
    for i, row in enumerate(rows):
        metric = row.cleaned_data["metric"]
        if metric.org_unit_id != unit.pk:
            row.add_error(
                "metric", f"{metric.name} belongs to {metric.org_unit.name}, not {unit.name}."
            )
            ok = False
        if metric.pk in seen:
            row.add_error("metric", f"{metric.name} is already component {seen[metric.pk] + 1}.")
            ok = False
        seen.setdefault(metric.pk, i)
    params = {
        k: form.cleaned_data[k]
        for k in ("standard_cost_per_fte", "share", "pool_cap", "min_attainment", "split")
    }
    problems = services.plan_problems(params=params, components=specs)
    for key, messages in problems.items():
        ok = False
        for message in messages:
            if isinstance(key, int):
                if "process metric" in message:
                    field = "metric"
                else:
                    field = _ROW_FIELD.get(message.split(" ", 1)[0], None)
                rows[key].add_error(field, message)
            elif key is None:
                formset._non_form_errors = formset.error_class(
                    [*formset.non_form_errors(), message]
                )
            else:
                form.add_error(key, message)
    return ok


class ComputeForm(forms.Form):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label="Org unit")
    month = MonthField()

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units

    def clean_month(self) -> date:
        month = self.cleaned_data["month"]
        try:
            check_day(month)
        except ValueError as exc:
            raise forms.ValidationError(f"{exc}.") from None
        if month > clock.today().replace(day=1):
            raise forms.ValidationError("That month has not started yet.")
        return month


class AdjustmentForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.none())
    pod = forms.ModelChoiceField(queryset=Pod.objects.none())
    amount = DecimalInput(
        max_digits=14, decimal_places=2, help_text="Positive to pay more, negative to claw back."
    )
    note = forms.CharField(max_length=300, help_text="Why — shown on the person's statement.")

    def __init__(self, *args, people, pods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["pod"].queryset = pods
