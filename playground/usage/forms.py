from django import forms

from playground.usage.models import Limit
from playground.usage.services import LIMIT_FIELDS


class LimitForm(forms.ModelForm):
    """A team's or a member's limits; every field blank means no limit."""

    class Meta:
        model = Limit
        fields = list(LIMIT_FIELDS)
        labels = {
            "monthly_spend": "Monthly spend ($)",
            "max_running_answers": "Answers at once",
            "max_running_media": "Media jobs at once",
            "requests_per_minute": "Requests a minute",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["monthly_spend"].min_value = 0
        self.fields["monthly_spend"].widget.attrs.update(min="0", step="0.01")
        for field in self.fields.values():
            field.help_text = ""
            field.widget.attrs.setdefault("min", "0")
            field.widget.attrs["placeholder"] = "no limit"

    def clean_monthly_spend(self):
        value = self.cleaned_data["monthly_spend"]
        if value is not None and value < 0:
            raise forms.ValidationError("A limit cannot be below zero.")
        return value
