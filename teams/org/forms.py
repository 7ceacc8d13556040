"""Forms of the org pages. They read and check what was typed; the services decide."""

from __future__ import annotations

from django import forms

from teams.models import OrgUnit, Person


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return obj.name


class UnitCreateForm(forms.Form):
    name = forms.CharField(max_length=120, label="Name")
    parent = UnitChoiceField(
        queryset=OrgUnit.objects.none(), label="Belongs to", required=False, empty_label=None
    )

    def __init__(self, *args, parents, allow_top: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents.order_by("name")
        if allow_top:
            self.fields["parent"].empty_label = "(top level)"
        else:
            self.fields["parent"].required = True


class UnitRenameForm(forms.Form):
    name = forms.CharField(max_length=120, label="New name")


class UnitMoveForm(forms.Form):
    parent = UnitChoiceField(
        queryset=OrgUnit.objects.none(), label="Move under", required=False, empty_label=None
    )

    def __init__(self, *args, parents, allow_top: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents.order_by("name")
        if allow_top:
            self.fields["parent"].empty_label = "(top level)"
        else:
            self.fields["parent"].required = True


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name} ({obj.org_unit.name})"


class LeadAddForm(forms.Form):
    person = PersonChoiceField(queryset=Person.objects.none(), label="Person")

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = candidates
