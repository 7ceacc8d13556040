"""Forms for people: the CSV import upload."""

from __future__ import annotations

from django import forms


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
