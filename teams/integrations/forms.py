"""The new-integration form: it reads what was typed; the service decides."""

from __future__ import annotations

from django import forms

from teams.models import Pod


class PodChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Pod) -> str:
        return f"{obj.name} ({obj.org_unit.name})"


class ServiceAccountForm(forms.Form):
    name = forms.CharField(max_length=120, label="Name", help_text="e.g. Stripe revenue feed")
    pods = PodChoices(
        queryset=Pod.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Pods it may send values for",
    )

    def __init__(self, *args, pods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pods"].queryset = pods
