"""Studio template helpers: shapes pictured, elapsed times, costs."""

import math

from django import template
from django.utils.html import format_html

from playground.nexconn.media.schema import pixel_size
from playground.studio import selectors

register = template.Library()

_BOX = (44, 30)  # the largest picture of a shape, in pixels


def _shape(value: str) -> tuple[int, int] | None:
    """ "16:9" or "1280x720" → (16, 9) or (1280, 720); else None (“auto”)."""
    width, sep, height = str(value).partition(":")
    if sep and width.isdigit() and height.isdigit() and int(width) and int(height):
        return int(width), int(height)
    return pixel_size(str(value))


@register.simple_tag
def shape_picture(value) -> str:
    """A small outline of the shape of an aspect ratio or a pixel size, as an SVG with its
    size in attributes (the CSP allows no inline styles); a dashed square for “automatic”."""
    shape = _shape(value)
    if shape is None:
        width = height = _BOX[1]
    else:
        scale = min(_BOX[0] / shape[0], _BOX[1] / shape[1])
        width, height = max(4, round(shape[0] * scale)), max(4, round(shape[1] * scale))
    return format_html(
        '<svg class="shape{}" width="{}" height="{}" viewBox="0 0 {} {}" aria-hidden="true">'
        '<rect x="1" y="1" width="{}" height="{}" rx="2"/></svg>',
        " shape--free" if shape is None else "",
        width,
        height,
        width,
        height,
        width - 2,
        height - 2,
    )


@register.filter
def clock(seconds: float | None) -> str:
    """An elapsed time: "42 s", "3 min 05 s", "1 h 02 min"."""
    if seconds is None:
        return ""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@register.filter
def about(seconds: float | None) -> str:
    """A rough length: "about 20 s", "about 3 min"."""
    if not seconds:
        return ""
    if seconds < 60:
        return f"about {max(5, round(seconds / 5) * 5)} s"
    return f"about {math.ceil(seconds / 60)} min"


@register.simple_tag
def typical_duration(generation) -> dict | None:
    """How long the model usually takes, and whether this job already took twice that."""
    seconds = selectors.typical_duration(kind=generation.kind, model=generation.model)
    if seconds is None:
        return None
    return {"seconds": seconds, "slow": generation.elapsed_seconds > 2 * seconds}
