"""Forms for pods: a new pod and a new name (``teams.pods.services`` checks them again)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from teams import inputs


class PodForm(forms.Form):
    name = forms.CharField(max_length=120)
    goal = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text="What outcome the pod owns, in a sentence or two.",
    )
    product_area = forms.CharField(max_length=120, required=False)
    baseline_headcount = inputs.DecimalInput(
        min_value=Decimal("0"),
        max_value=Decimal("9999.99"),
        max_digits=6,
        decimal_places=2,
        help_text="The size of the traditional team that would otherwise own this scope. "
        "Later changes are dated (the charter on the pod page).",
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"] = forms.ModelChoiceField(
            queryset=units, label="Org unit", empty_label=None
        )
        self.order_fields(["name", "org_unit", "goal", "product_area", "baseline_headcount"])


class RenameForm(forms.Form):
    name = forms.CharField(max_length=120, label="New name")
