"""Forms for the Org Lead's dated staffing changes: stints, moves, off-boarding, dissolving.
They read and check; ``incentives.bonuses.changes`` writes (and may still refuse)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from teams import inputs
from teams.models import PodMembership


class DayField(forms.DateField):
    """A real day in the years we keep records for, typed as YYYY-MM-DD."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    input_formats = ["%Y-%m-%d"]  # what a date input sends; 01/02/2026 is not guessed

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", self.input_formats)
        kwargs.setdefault("error_messages", {"invalid": "Enter a day as YYYY-MM-DD."})
        super().__init__(**kwargs)

    def to_python(self, value):
        day = super().to_python(value)
        if day is None:
            return None
        try:
            return inputs.check_day(day)
        except ValueError as exc:
            raise forms.ValidationError(f"{exc}.", code="invalid") from None


def _allocation(**kwargs) -> inputs.DecimalInput:
    return inputs.DecimalInput(
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        max_digits=3,
        decimal_places=2,
        help_text="0–1 FTE: the share of their time in this pod.",
        **kwargs,
    )


class MembershipAddForm(forms.Form):
    """A new stint from a day at an allocation. The pod page fixes the pod and picks the
    person; the person page the other way round."""

    start = DayField(label="From", help_text="Their first day in the pod.")
    allocation = _allocation(initial=Decimal("1"))
    is_pod_lead = forms.BooleanField(label="Pod Lead", required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, pods=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if pods is not None:
            self.fields["pod"] = forms.ModelChoiceField(queryset=pods, label="Pod")
        if people is not None:
            self.fields["person"] = forms.ModelChoiceField(queryset=people, label="Person")
        self.order_fields(["person", "pod", "start", "allocation", "is_pod_lead", "confirm"])


class MembershipChangeForm(forms.Form):
    """One dated change of a stint: each is a new stint (or the stint's end)."""

    ACTIONS = [
        ("allocation", "Change the allocation from a day"),
        ("move", "Move to another pod from a day"),
        ("lead", "Make them the Pod Lead from a day"),
        ("end", "End the membership: its last day"),
    ]
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.RadioSelect, initial="allocation")
    on = DayField(
        label="Day",
        help_text="A change or move applies from this day; to end, the membership's last day.",
    )
    allocation = _allocation(required=False)
    to_pod = forms.ModelChoiceField(queryset=None, required=False, label="To pod")
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, membership: PodMembership, pods, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.fields["to_pod"].queryset = pods.exclude(pk=membership.pod_id)
        if membership.is_pod_lead:
            self.fields["action"].choices = [
                (key, "Hand over: no longer the Pod Lead from a day" if key == "lead" else label)
                for key, label in self.ACTIONS
            ]

    def clean(self):
        data = super().clean()
        action, on, m = data.get("action"), data.get("on"), self.membership
        if on is not None and on < m.start:
            self.add_error(
                "on", f"The membership starts on {m.start:%Y-%m-%d}; choose a day from it."
            )
        elif on is not None and m.end is not None and on > m.end:
            self.add_error("on", f"The membership ends on {m.end:%Y-%m-%d}; choose a day up to it.")
        if action == "allocation" and data.get("allocation") is None:
            self.add_error("allocation", "Give the new allocation (0–1 FTE).")
        if action == "move" and data.get("to_pod") is None:
            self.add_error("to_pod", "Choose the pod to move to.")
        return data


class PersonMoveForm(forms.Form):
    org_unit = forms.ModelChoiceField(queryset=None, label="Move to", empty_label=None)
    effective_from = DayField(label="From", help_text="Their first day in the new unit.")
    end_memberships = forms.BooleanField(
        label="End their memberships in this unit's pods the day before",
        required=False,
        initial=True,
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units


class OffboardForm(forms.Form):
    effective_from = DayField(
        label="Left from",
        help_text="Their first day no longer in the organisation: every membership ends the "
        "day before, and from that day their login is disabled.",
    )


class DissolveForm(forms.Form):
    dissolved_on = DayField(
        label="Dissolved from",
        help_text="The pod's first day no longer existing: every membership ends the day before.",
    )
