import re

from django import template

register = template.Library()


@register.filter
def ratio_class(value) -> str:
    """“16:9” → “ratio--16-9”: the picture of an aspect ratio comes from the stylesheet,
    since the CSP allows no inline styles."""
    return "ratio--" + re.sub(r"[^0-9]+", "-", str(value)).strip("-")
