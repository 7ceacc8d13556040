"""Forms for metric definitions, targets, observations and the CSV import."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from incentives.metrics import imports
from incentives.metrics import services as metrics
from incentives.models import Metric
from teams import clock
from teams.inputs import DecimalInput, check_day
from teams.models import Pod

MONTH_INPUT = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})


class MonthField(forms.CharField):
    """``YYYY-MM`` → the first day of that month."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            year, month = metrics.engine.parse_month(value)
        except ValueError:
            raise ValidationError(f"“{value}” is not a month in the form YYYY-MM.") from None
        try:
            return check_day(date(year, month, 1))
        except ValueError as exc:
            raise ValidationError(f"{exc}.") from None


class ValueField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if value in ("", None):
            return None
        try:
            return metrics.parse_value(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class MetricForm(forms.ModelForm):
    """Reads and checks a metric definition; the page creates it with ``metric_create`` (the
    one way a metric comes to exist), so this form never saves."""

    class Meta:
        model = Metric
        fields = [
            "org_unit",
            "name",
            "key",
            "kind",
            "description",
            "unit",
            "direction",
            "aggregation",
            "owner_pod",
            "empty_value",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "kind": forms.RadioSelect}
        field_classes = {"empty_value": DecimalInput}
        help_texts = {
            "kind": "Outcome: something a customer or the business feels — pay may follow it. "
            "Process: effort or activity — recorded for diagnosis, never paid on.",
            "aggregation": "How a month's observations become the month's value.",
        }

    def __init__(self, *args, units, pods, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units
        self.fields["owner_pod"].queryset = pods
        self.fields["owner_pod"].empty_label = "The org unit (every pod reports it)"

    def clean(self):
        data = super().clean()
        pod, unit = data.get("owner_pod"), data.get("org_unit")
        if pod is not None and unit is not None and pod.org_unit_id != unit.pk:
            self.add_error("owner_pod", f"{pod.name} is not in {unit.name}.")
        return data

    def save(self, commit: bool = True):
        raise TypeError("Create metrics with incentives.metrics.services.metric_create.")

    def create_kwargs(self) -> dict:
        """The checked definition as ``metric_create``'s keyword arguments."""
        data = self.cleaned_data
        fields = [f for f in self.Meta.fields if f != "org_unit"]
        return {"org_unit_id": data["org_unit"].pk, **{f: data.get(f) for f in fields}}


class TargetForm(forms.Form):
    metric = forms.ModelChoiceField(queryset=Metric.objects.none())
    month = MonthField(widget=MONTH_INPUT)
    threshold = ValueField()
    target = ValueField()
    stretch = ValueField()

    def __init__(self, *args, pod: Pod, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = metrics.metrics_for_pod(pod)

    def clean(self):
        data = super().clean()
        metric = data.get("metric")
        if metric is not None and not self.errors:
            for problem in metrics.target_problems(
                metric.direction, data.get("threshold"), data.get("target"), data.get("stretch")
            ):
                self.add_error(None, f"{metric.name}: {problem}")
        return data


class TargetCopyForm(forms.Form):
    from_month = MonthField(widget=MONTH_INPUT, label="Copy targets from")
    to_month = MonthField(widget=MONTH_INPUT, label="to")
    overwrite = forms.BooleanField(required=False, label="Replace targets already set")

    def clean(self):
        data = super().clean()
        if data.get("from_month") and data.get("from_month") == data.get("to_month"):
            self.add_error("to_month", "Pick a different month to copy to.")
        return data


class ObservationForm(forms.Form):
    metric = forms.ModelChoiceField(queryset=Metric.objects.none(), widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    value = ValueField(
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    )
    evidence_url = forms.URLField(
        required=False,
        label="Evidence link",
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )

    def __init__(self, *args, pod: Pod, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = metrics.metrics_for_pod(pod)

    def clean_date(self):
        day = self.cleaned_data["date"]
        try:
            return metrics.parse_day(day, clock.today())
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class CsvImportForm(forms.Form):
    """The file to preview. ``clean()`` adds its bytes (``content``) and text (``csv_text``);
    the import that follows finds the bytes by token (``teams.uploads``)."""

    file = forms.FileField(
        required=False,
        label="CSV file",
        help_text="Columns: pod, metric, date, value, and optionally external_id, evidence_url. "
        f"Up to {imports.MAX_BYTES // 1024 // 1024} MB and {imports.MAX_ROWS:,} rows per file.",
    )

    MAX_BYTES = imports.MAX_BYTES

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is None:
            raise ValidationError("Choose a CSV file to import.")
        if upload.size > self.MAX_BYTES:
            raise ValidationError(
                f"The file is larger than {self.MAX_BYTES // 1024 // 1024} MB "
                f"({upload.size:,} bytes); split it into several imports."
            )
        data["content"] = upload.read()
        try:
            data["csv_text"] = data["content"].decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The file is not UTF-8 text; save it as “CSV UTF-8”.") from None
        return data
