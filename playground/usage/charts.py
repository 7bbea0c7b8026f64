"""The Usage page's chart: one column per day, drawn on the server as SVG.

It is drawn as the compare charts are (both draw with playground/core/svg.py):
in `currentColor`, no inline style, text escaped, a <title> and <desc> for screen readers, and
the same bytes for the same input. Each column carries its own <title>, a tooltip with the
day and its value.
"""

import math
from collections.abc import Callable

from playground.core import svg

_HEADER = 28
_PLOT = 150
_AXIS = 22
_CHAR_WIDTH = 7.0
_GAP = 6
_LABEL_SPACING = 64  # pixels between dates on the axis, so they never touch


def column_chart_svg(
    *,
    title: str,
    columns: list[tuple[str, str, float]],
    unit: str = "",
    written: Callable[[float], str] | None = None,
    width: int = 560,
) -> str:
    """`columns` are (axis label, full label, value), in order; values below zero count as
    zero. A value reads as `written(value)`, or as a number with `unit` after it. The axis
    names a few of the days, always the first and the last."""
    written = written or (lambda value: _amount(value, unit))
    values = [max(value, 0.0) if math.isfinite(value) else 0.0 for *_, value in columns]
    largest = max(values, default=0.0)
    texts = [written(value) for value in values]
    chart_id = svg.chart_id("columns", title, unit, columns, width)
    height = _HEADER + _PLOT + _AXIS
    parts = [svg.svg_open(chart_id, width, height, title, _describe(columns, values, texts))]
    parts.append(svg.text(0, _HEADER / 2, title, ' font-weight="600"'))
    if not columns or largest == 0:
        parts.append(svg.text(0, _HEADER + _PLOT / 2, "Nothing used in this period.", svg.MUTED))
        return "".join([*parts, "</svg>"])
    scale_text = written(largest)
    plot_start = len(scale_text) * _CHAR_WIDTH + _GAP
    plot_width = width - plot_start
    bottom = _HEADER + _PLOT
    parts.append(
        svg.text(plot_start - _GAP, _HEADER + 6, scale_text, ' text-anchor="end"' + svg.MUTED)
    )
    parts.append(svg.text(plot_start - _GAP, bottom - 6, "0", ' text-anchor="end"' + svg.MUTED))
    for y in (_HEADER, bottom):
        parts.append(
            f'<line class="chart-grid" x1="{svg.px(plot_start)}" y1="{y}" x2="{width}" y2="{y}" '
            'stroke="currentColor" stroke-opacity="0.2"/>'
        )
    pitch = plot_width / len(columns)
    bar = max(pitch * 0.75, 1.0)
    every = max(1, math.ceil(_LABEL_SPACING / pitch))
    last = len(columns) - 1
    for index, ((short, full, _), value, text) in enumerate(
        zip(columns, values, texts, strict=True)
    ):
        left = plot_start + index * pitch + (pitch - bar) / 2
        length = _PLOT * value / largest
        parts.append(
            f'<rect class="chart-bar" x="{svg.px(left)}" y="{svg.px(bottom - length)}" '
            f'width="{svg.px(bar)}" height="{svg.px(length)}" fill-opacity="0.75">'
            f"<title>{svg.escape(f'{full}: {text}')}</title></rect>"
        )
        # The first and last days are always named; the others when there is room.
        if index in (0, last) or (index % every == 0 and last - index >= every):
            anchor = "start" if index == 0 else "end" if index == last else "middle"
            x = left if index == 0 else left + bar if index == last else left + bar / 2
            parts.append(svg.text(x, bottom + _AXIS / 2, short, f' text-anchor="{anchor}"'))
    return "".join([*parts, "</svg>"])


def _amount(value: float, unit: str) -> str:
    return f"{svg.number(value)} {unit}" if unit else svg.number(value)


def _describe(columns, values: list[float], texts: list[str]) -> str:
    if not columns or max(values, default=0.0) == 0:
        return "Nothing used in this period."
    peak = max(range(len(values)), key=lambda index: values[index])
    used = sum(1 for value in values if value > 0)
    return (
        f"{used} of {len(columns)} days with usage; the most on {columns[peak][1]}: "
        f"{texts[peak]}. The table below lists every day."
    )
