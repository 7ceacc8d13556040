"""Forms for people: the CSV import upload, a person's record, an invited person's password."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import password_validation

from teams import inputs
from teams.models import Person
from teams.people.imports import MAX_BYTES, MAX_ROWS
from teams.traits import TRAIT_CHOICES


class ImportForm(forms.Form):
    """The CSV to preview; ``clean_file`` returns its text, ``content`` keeps its bytes for
    the import that follows (``teams.uploads``)."""

    file = forms.FileField(
        label="CSV file",
        help_text="Columns: name, email, org_unit (slug); optional role, base_pay, fte, time_zone, "
        "preferred_trait, and all five trait scores 0–100 (recorded as your lead assessment). "
        f"Up to {MAX_BYTES // 1024 // 1024} MB and {MAX_ROWS:,} rows per file.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_BYTES // 1024 // 1024} MB ({upload.size:,} bytes)."
            )
        self.content = upload.read()
        try:
            return self.content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                f"The file is not UTF-8 text (byte {exc.start} cannot be read). "
                "Save it as CSV UTF-8."
            ) from exc


class PersonForm(forms.Form):
    """A person's record as their Org Lead types it (``person_create``/``person_update`` check
    it again and have the last word). ``units`` given: a new person (unit, pay, invitation)."""

    name = forms.CharField(max_length=150)
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Person.Role.choices, initial=Person.Role.BUILDER)
    fte = inputs.DecimalInput(
        label="FTE",
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        max_digits=3,
        decimal_places=2,
        initial=Decimal("1"),
        help_text="0–1: the share of a full-time week they work.",
    )
    time_zone = forms.CharField(
        max_length=64,
        initial="UTC",
        help_text="An IANA name such as Europe/Berlin, America/New_York or UTC.",
    )
    preferred_trait = forms.ChoiceField(
        label="Declared preferred trait", choices=[("", "–")] + TRAIT_CHOICES, required=False
    )

    def __init__(self, *args, units=None, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["time_zone"].widget.attrs["list"] = "time-zones"
        if units is not None:
            self.fields["org_unit"] = forms.ModelChoiceField(
                queryset=units, label="Org unit", empty_label=None
            )
            self.fields["base_pay"] = inputs.DecimalInput(
                label="Monthly base pay",
                min_value=Decimal("0"),
                max_digits=12,
                decimal_places=2,
                help_text="Private: the person, their Org Leads and Admins see it. Later "
                "raises are dated (the person page).",
            )
            self.fields["invite"] = forms.BooleanField(
                label="Invite them now (an email with a link to set a password)",
                required=False,
                initial=True,
            )

    def clean_email(self) -> str:
        value = self.cleaned_data["email"].strip().lower()
        others = Person.objects.filter(email__iexact=value)
        if self.person is not None:
            others = others.exclude(pk=self.person.pk)
        if others.exists():
            raise forms.ValidationError(f"{value} belongs to someone else already.")
        return value

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        try:
            return inputs.check_time_zone(value)
        except ValueError as exc:
            raise forms.ValidationError(f"{exc}.") from None


class SetPasswordForm(forms.Form):
    """The invited person's password, typed twice; its strength is checked by the service
    (Django's validators, against their name and email too)."""

    new_password1 = forms.CharField(
        label="Password",
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        one, two = data.get("new_password1"), data.get("new_password2")
        if one and two and one != two:
            self.add_error("new_password2", "The two passwords differ.")
        return data
