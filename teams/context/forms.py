"""The context item form (add and edit on the pod's context page)."""

from __future__ import annotations

from django import forms

from teams.models import ContextItem


class ContextItemForm(forms.ModelForm):
    """Reads an item; ``services.context_item_create`` / ``_update`` check and save it."""

    class Meta:
        model = ContextItem
        fields = ["name", "layer", "location", "keeper", "review_days", "last_verified"]
        widgets = {
            "last_verified": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "location": forms.TextInput(attrs={"placeholder": "https://… or docs/architecture.md"}),
        }
        labels = {"review_days": "Review every (days)"}
        help_texts = {
            "layer": "Working: day to day · Project: this pod's product · Organisation: shared.",
            "last_verified": "Empty: never verified (shown as stale).",
        }

    def __init__(self, *args, keepers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keeper"].queryset = keepers
        self.fields["keeper"].empty_label = "No keeper yet"

    def save(self, commit: bool = True):
        raise TypeError("Save context items with teams.context.services.")

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}
