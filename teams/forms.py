"""Forms for trait profiles (issue 4)."""

from __future__ import annotations

from django import forms

from .traits import TRAIT_DESCRIPTIONS, TRAIT_LABELS, TRAITS

ANCHORS = "0 = not at all · 50 = sometimes, with help · 100 = one of the strongest I know"


class AssessmentForm(forms.Form):
    """Five 0–100 scores (sliders in the page; plain numbers work too)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for trait in TRAITS:
            self.fields[trait] = forms.IntegerField(
                label=TRAIT_LABELS[trait],
                min_value=0,
                max_value=100,
                initial=50,
                help_text=TRAIT_DESCRIPTIONS[trait],
                widget=forms.NumberInput(
                    attrs={
                        "type": "range",
                        "min": 0,
                        "max": 100,
                        "step": 5,
                        "class": "slider",
                        "data-trait": trait,
                    }
                ),
            )

    def trait_fields(self):
        return [self[t] for t in TRAITS]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: name, email, org_unit (slug); optional role, base_pay, fte, time_zone, "
        "preferred_trait, and all five trait scores 0–100 (recorded as your lead assessment).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 10 MB.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                f"The file is not UTF-8 text (byte {exc.start} cannot be read). "
                "Save it as CSV UTF-8."
            ) from exc
