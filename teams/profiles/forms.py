"""Forms for trait profiles: the assessment of a person's five trait scores."""

from __future__ import annotations

from django import forms

from teams.traits import TRAIT_DESCRIPTIONS, TRAIT_LABELS, TRAITS

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
