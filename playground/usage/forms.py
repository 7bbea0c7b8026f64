from django import forms
from django.utils import timezone

from playground.usage import selectors
from playground.usage.models import Limit
from playground.usage.services import LIMIT_FIELDS

METRICS = {
    "cost": "Spend",
    "tokens": "Tokens",
    "requests": "Requests",
    "images": "Images",
    "video_seconds": "Video seconds",
}


class UsageFilterForm(forms.Form):
    """Which period the Usage page and its file cover, and what the chart shows. Whose usage
    (`scope`) is read apart from it: a scope the viewer may not see is a 404, not a form
    error."""

    period = forms.ChoiceField(
        required=False, label="Period", choices=list(selectors.PRESETS.items())
    )
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    chart = forms.ChoiceField(required=False, label="Chart", choices=list(METRICS.items()))

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom" or (
            not data.get("period") and (data.get("start") or data.get("end"))
        ):
            data["period"] = "custom"
            start, end = data.get("start"), data.get("end")
            if "start" in self.errors or "end" in self.errors:
                return data
            if start is None or end is None:
                raise forms.ValidationError("Give both a first and a last day.")
            if start > end:
                self.add_error("end", "The last day comes before the first one.")
            elif (end - start).days + 1 > selectors.MAX_DAYS:
                days = (end - start).days + 1
                self.add_error("end", f"Choose at most {selectors.MAX_DAYS} days; this is {days}.")
        return data

    def selection(self) -> tuple[selectors.Period, str]:
        """The chosen period and chart (valid forms only); this month and spend by default."""
        data = self.cleaned_data
        period = data.get("period") or "this-month"
        chart = data.get("chart") or "cost"
        if period == "custom":
            return selectors.Period(data["start"], data["end"]), chart
        return selectors.preset_period(period, today=timezone.localdate()), chart


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
