"""Pieces of the server-drawn SVG charts (compare/charts.py, usage/charts.py): the <svg>
element with its accessible title and description, text, numbers and escaping.

Everything is drawn in `currentColor` with opacities, so a chart follows the text colour of
the light and the dark theme; the same input always gives the same bytes.
"""

import hashlib
import html
import math
import re

FONT_SIZE = 12
MUTED = ' fill-opacity="0.6"'
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def svg_open(chart_id: str, width: int, height: int, title: str, description: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="system-ui, sans-serif" font-size="{FONT_SIZE}" fill="currentColor">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def chart_id(*content: object) -> str:
    """An id that differs between the charts of one page and never changes for one chart."""
    return "chart-" + hashlib.sha256(repr(content).encode()).hexdigest()[:10]


def text(x: float, middle: float, content: str, attributes: str = "") -> str:
    return (
        f'<text x="{px(x)}" y="{px(middle)}" dominant-baseline="middle"{attributes}>'
        f"{escape(content)}</text>"
    )


def number(value: float) -> str:
    """Three significant digits, but never fewer than the whole part: 0.00123, 3.14, 85.2,
    1,234."""
    if value == 0:
        return "0"
    decimals = max(0, 2 - math.floor(math.log10(abs(value))))
    return f"{value:,.{decimals}f}"


def px(value: float) -> str:
    return f"{value:.1f}"


def escape(text: str) -> str:
    return html.escape(_NOT_XML.sub("", text), quote=True)
