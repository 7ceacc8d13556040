"""The inputs of a formation run, validated with messages that name the field and the line."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from teams.formation.services import POOL_EVERYONE, POOL_UNPODDED, unit_tree_ids
from teams.inputs import DecimalInput
from teams.models import OrgUnit, Person, Pod
from teams.traits import COVERAGE_THRESHOLD

PAIR_HELP = "One pair per line: two email addresses separated by a comma."


class FormationRunForm(forms.Form):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label="Org unit")
    pool = forms.ChoiceField(
        choices=[
            (POOL_UNPODDED, "Only people not in a pod"),
            (POOL_EVERYONE, "Re-form everyone in the unit"),
        ],
        initial=POOL_UNPODDED,
        widget=forms.RadioSelect,
    )
    min_size = forms.IntegerField(min_value=1, max_value=12, initial=3, label="Smallest pod")
    max_size = forms.IntegerField(min_value=1, max_value=12, initial=5, label="Largest pod")
    threshold = forms.IntegerField(
        min_value=1,
        max_value=100,
        initial=COVERAGE_THRESHOLD,
        label="Coverage threshold τ",
        help_text="A pod covers a trait when one member scores at least this much.",
    )
    max_per_unit = forms.IntegerField(
        min_value=1, required=False, label="At most this many people of one org unit per pod"
    )
    stability = forms.FloatField(
        min_value=0,
        initial=0,
        required=False,
        label="Stability weight μ",
        help_text="When re-forming: the objective loses μ per person moved from their current pod.",
    )
    one_lead_per_pod = forms.BooleanField(
        initial=True, required=False, label="At most one Pod Lead per pod"
    )
    together = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Keep together",
        help_text=PAIR_HELP,
    )
    apart = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Keep apart",
        help_text=PAIR_HELP,
    )
    pins = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Pin to an existing pod",
        help_text="One per line: an email, a comma, then the pod's name or number.",
    )
    requested = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Requested teammates (a wish)",
        help_text=PAIR_HELP,
    )
    avoid_repeats = forms.BooleanField(
        required=False, initial=False, label="Avoid repeating current pairings (a wish)"
    )
    min_shared_hours = forms.FloatField(
        min_value=0,
        max_value=8,
        required=False,
        label="Minimum shared working hours (a wish)",
        help_text="Across time zones, 9:00–17:00 local.",
    )
    seed = forms.IntegerField(min_value=0, initial=1, label="Seed")
    time_limit = forms.IntegerField(
        min_value=1, max_value=300, initial=10, label="Time limit (seconds)"
    )

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units

    def _emails(self, unit: OrgUnit) -> dict[str, int]:
        if not hasattr(self, "_email_cache"):
            self._email_cache = {
                email.lower(): pk
                for email, pk in Person.objects.filter(
                    org_unit_id__in=unit_tree_ids(unit)
                ).values_list("email", "pk")
            }
        return self._email_cache

    def _pairs(self, field: str, unit: OrgUnit) -> list[list[str]]:
        emails = self._emails(unit)
        pairs, errors = [], []
        for n, line in enumerate(self.cleaned_data.get(field, "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip().lower() for p in line.split(",")]
            if len(parts) != 2 or not all(parts):
                errors.append(
                    f"line {n}: expected two emails separated by a comma, got “{line.strip()}”"
                )
                continue
            if parts[0] == parts[1]:
                errors.append(f"line {n}: the two emails are the same person")
                continue
            unknown = [p for p in parts if p not in emails]
            if unknown:
                errors.append(f"line {n}: no one in {unit.name} has the email {unknown[0]}")
                continue
            pairs.append([str(emails[parts[0]]), str(emails[parts[1]])])
        if errors:
            self.add_error(field, errors)
        return pairs

    def _pins(self, unit: OrgUnit) -> dict[str, str]:
        emails = self._emails(unit)
        pods = list(
            Pod.objects.filter(
                org_unit_id__in=unit_tree_ids(unit), status=Pod.Status.ACTIVE
            ).values_list("pk", "name")
        )
        by_name = {name.lower(): pk for pk, name in pods}
        by_id = {str(pk): pk for pk, _ in pods}
        pins, errors = {}, []
        for n, line in enumerate(self.cleaned_data.get("pins", "").splitlines(), start=1):
            if not line.strip():
                continue
            email, _, pod = (part.strip() for part in line.partition(","))
            if not email or not pod:
                errors.append(
                    f"line {n}: expected an email, a comma and a pod, got “{line.strip()}”"
                )
                continue
            if email.lower() not in emails:
                errors.append(f"line {n}: no one in {unit.name} has the email {email}")
                continue
            pk = by_id.get(pod) or by_name.get(pod.lower())
            if pk is None:
                errors.append(f"line {n}: no active pod “{pod}” in {unit.name}")
                continue
            pins[str(emails[email.lower()])] = f"pod:{pk}"
        if errors:
            self.add_error("pins", errors)
        return pins

    def clean(self) -> dict:
        data = super().clean()
        low, high = data.get("min_size"), data.get("max_size")
        if low and high and low > high:
            self.add_error(
                "max_size", f"The largest pod ({high}) is smaller than the smallest ({low})."
            )
        unit = data.get("org_unit")
        if unit is None:
            return data
        data["together_ids"] = self._pairs("together", unit)
        data["apart_ids"] = self._pairs("apart", unit)
        data["requested_ids"] = self._pairs("requested", unit)
        data["pinned_ids"] = self._pins(unit)
        clash = {tuple(sorted(p)) for p in data["together_ids"]} & {
            tuple(sorted(p)) for p in data["apart_ids"]
        }
        if clash:
            raise ValidationError("The same pair is both kept together and kept apart.")
        return data

    def params(self) -> dict:
        """The run's inputs as stored on FormationRun.params (plain JSON)."""
        d = self.cleaned_data
        return {
            "pool": d["pool"],
            "min_size": d["min_size"],
            "max_size": d["max_size"],
            "threshold": d["threshold"],
            "max_per_unit": d.get("max_per_unit"),
            "stability": float(d.get("stability") or 0),
            "one_lead_per_pod": bool(d.get("one_lead_per_pod")),
            "together": d["together_ids"],
            "apart": d["apart_ids"],
            "pinned": d["pinned_ids"],
            "requested": d["requested_ids"],
            "avoid_repeats": bool(d.get("avoid_repeats")),
            "min_shared_hours": d.get("min_shared_hours"),
            "seed": d["seed"],
            "time_limit": d["time_limit"],
        }


class AcceptForm(forms.Form):
    baseline_headcount = DecimalInput(
        min_value=0,
        max_digits=6,
        decimal_places=2,
        initial=0,
        label="Baseline headcount for the new pods",
        help_text="The size of the traditional team each pod replaces (editable per pod later).",
    )
    name_prefix = forms.CharField(
        max_length=80,
        required=False,
        label="Name the pods",
        help_text="e.g. “Growth Q1” gives “Growth Q1 · pod 1”, …",
    )
