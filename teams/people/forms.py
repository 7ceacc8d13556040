"""Forms for people: the CSV import upload."""

from __future__ import annotations

from django import forms

from teams.people.imports import MAX_BYTES, MAX_ROWS


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
