"""The pod page's wait form and the CSV upload form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from teams.friction import imports
from teams.models import Wait

MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class WaitForm(forms.Form):
    """Reads a wait typed on the pod page; ``services.wait_record`` checks and saves it."""

    node = forms.CharField(
        max_length=120,
        label="Waiting on",
        help_text="Who holds the work: a team, role or approval step outside the pod.",
        widget=forms.TextInput(
            attrs={"list": "known-nodes", "autocomplete": "off", "placeholder": "Security review"}
        ),
        error_messages={"required": "Say who holds the work."},
    )
    kind = forms.ChoiceField(choices=Wait.Kind.choices, initial=Wait.Kind.REVIEW)
    requested_at = forms.DateTimeField(label="Requested", widget=MOMENT)
    resolved_at = forms.DateTimeField(
        label="Resolved", required=False, widget=MOMENT, help_text="Empty: still waiting."
    )
    url = forms.URLField(
        label="Link",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )


class WaitCsvForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: pod, node, kind, requested_at, and optionally resolved_at, url, "
        "external_id.",
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is None:
            return data
        if upload.size > imports.MAX_BYTES:
            raise ValidationError(
                f"The file is larger than {imports.MAX_BYTES // 1024 // 1024} MB; split it."
            )
        content = upload.read()
        try:
            data["text"] = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The file is not UTF-8 text; save it as “CSV UTF-8”.") from None
        data["content"] = content
        return data
