"""One input contract for what people type and machines send: pages, the API and imports.

Numbers go through ``teams.numbers.parse_decimal`` wherever they come from, so "1,5" gets the
same refusal in a form, a CSV cell and a JSON body.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from teams.numbers import NumberError, parse_decimal


class DecimalInput(forms.DecimalField):
    """Django's DecimalField (widget, digits and bounds validators) reading with the one parser:
    a decimal comma or thousands separator is refused with the reason, never guessed."""

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return parse_decimal(value)
        except NumberError as exc:
            raise ValidationError(str(exc), code="invalid") from None
