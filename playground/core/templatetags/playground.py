import datetime as dt

from django import template
from django.utils import timezone

from playground.core.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str):
    return render_markdown(text or "")


@register.filter
def ago(moment: dt.datetime | None) -> str:
    """ "just now", "5 min ago", "3 h ago", "yesterday", then the date."""
    if moment is None:
        return ""
    seconds = (timezone.now() - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    local = timezone.localtime(moment)
    today = timezone.localdate()
    if local.date() == today - dt.timedelta(days=1):
        return "yesterday"
    if local.year == today.year:
        return f"{local.day} {local:%b}"
    return f"{local.day} {local:%b} {local.year}"
