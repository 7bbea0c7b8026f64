"""Small SVG charts drawn on the server, for pages whose CSP allows no inline style.

Everything is drawn in `currentColor` with opacities, so a chart follows the text colour of
the light and the dark theme. Text is escaped here; callers mark the returned SVG safe.
The same input always gives the same bytes.
"""

import math

from playground.core import svg

_CHAR_WIDTH = 7.0  # a generous average for the system UI font at 12px: labels never overlap
_ROW_HEIGHT = 24
_BAR_HEIGHT = 14
_HEADER_HEIGHT = 28
_AXIS_HEIGHT = 20
_GAP = 8
_LABEL_SHARE = 0.4  # the label column never takes more of the width than this
_TICK_SPACING = 50  # pixels between marked axis values, so their numbers never touch
_NOT_AVAILABLE = "n/a"
# Characters XML 1.0 forbids even when escaped; a hostile label must not break the parse.


def bar_chart_svg(
    *, title: str, unit: str, bars: list[tuple[str, float | None]], width: int = 480
) -> str:
    """Horizontal bars from zero, one per label, with the value written after each bar.
    A missing (or not finite) value reads "n/a"; a negative one gets no bar."""
    values = [_finite(value) for _, value in bars]
    texts = [_NOT_AVAILABLE if value is None else _with_unit(value, unit) for value in values]
    description = "; ".join(
        f"{label}: {text}" for (label, _), text in zip(bars, texts, strict=True)
    )
    chart_id = svg.chart_id("bar", title, unit, bars, width)
    height = _HEADER_HEIGHT + max(len(bars), 1) * _ROW_HEIGHT
    parts = [
        svg.svg_open(chart_id, width, height, title, description or "No data yet."),
        svg.text(0, _HEADER_HEIGHT / 2, title, ' font-weight="600"'),
    ]
    if not bars:
        parts.append(svg.text(0, _HEADER_HEIGHT + _ROW_HEIGHT / 2, "No data yet.", svg.MUTED))
        return "".join([*parts, "</svg>"])
    label_width = _label_width([label for label, _ in bars], width)
    value_width = max(len(text) for text in texts) * _CHAR_WIDTH + _GAP
    track_start = label_width + _GAP
    track_length = max(width - track_start - value_width, 1.0)
    largest = max((value for value in values if value is not None and value > 0), default=0.0)
    for row, ((label, _), value, text) in enumerate(zip(bars, values, texts, strict=True)):
        middle = _HEADER_HEIGHT + (row + 0.5) * _ROW_HEIGHT
        top = middle - _BAR_HEIGHT / 2
        parts.append(_label(label, label_width, middle))
        parts.append(_rect("chart-track", track_start, top, track_length, "0.1"))
        length = track_length * value / largest if value is not None and value > 0 else 0.0
        if value is not None:
            parts.append(_rect("chart-bar", track_start, top, length, "0.75"))
        parts.append(
            svg.text(track_start + length + 4, middle, text, svg.MUTED if value is None else "")
        )
    return "".join([*parts, "</svg>"])


def interval_chart_svg(*, rows: list[tuple[str, float, float, float]], width: int = 480) -> str:
    """The leaderboard: each row is (model, score, low, high); the score is a dot and its
    95% interval a line, on one shared axis."""
    title = "Scores with 95% intervals"
    texts = [f"{_whole(score)} ({_whole(low)}–{_whole(high)})" for _, score, low, high in rows]
    description = "; ".join(
        f"{label}: {_whole(score)}, 95% interval {_whole(low)} to {_whole(high)}"
        for label, score, low, high in rows
    )
    chart_id = svg.chart_id("interval", rows, width)
    height = _HEADER_HEIGHT + max(len(rows), 1) * _ROW_HEIGHT + _AXIS_HEIGHT
    parts = [
        svg.svg_open(chart_id, width, height, title, description or "No votes yet."),
        svg.text(0, _HEADER_HEIGHT / 2, title, ' font-weight="600"'),
    ]
    if not rows:
        parts.append(svg.text(0, _HEADER_HEIGHT + _ROW_HEIGHT / 2, "No votes yet.", svg.MUTED))
        return "".join([*parts, "</svg>"])
    label_width = _label_width([label for label, *_ in rows], width)
    value_width = max(len(text) for text in texts) * _CHAR_WIDTH + _GAP
    plot_start = label_width + 2 * _GAP
    plot_length = max(width - plot_start - value_width - _GAP, 1.0)
    first, last, ticks = _axis(
        min(min(score, low) for _, score, low, _ in rows),
        max(max(score, high) for _, score, _, high in rows),
        length=plot_length,
    )

    def x(value: float) -> float:
        return plot_start + plot_length * (value - first) / (last - first)

    plot_bottom = _HEADER_HEIGHT + len(rows) * _ROW_HEIGHT
    for tick in ticks:
        parts.append(
            f'<line class="chart-grid" x1="{svg.px(x(tick))}" y1="{_HEADER_HEIGHT}" '
            f'x2="{svg.px(x(tick))}" y2="{plot_bottom}" stroke="currentColor" '
            'stroke-opacity="0.15"/>'
        )
        parts.append(
            svg.text(x(tick), plot_bottom + _AXIS_HEIGHT / 2, _whole(tick), ' text-anchor="middle"')
        )
    for row, ((label, score, low, high), text) in enumerate(zip(rows, texts, strict=True)):
        middle = _HEADER_HEIGHT + (row + 0.5) * _ROW_HEIGHT
        parts.append(_label(label, label_width, middle))
        parts.append(
            f'<line class="chart-interval" x1="{svg.px(x(low))}" y1="{svg.px(middle)}" '
            f'x2="{svg.px(x(high))}" y2="{svg.px(middle)}" stroke="currentColor" '
            'stroke-opacity="0.5" stroke-width="3" stroke-linecap="round"/>'
        )
        parts.append(
            f'<circle class="chart-score" cx="{svg.px(x(score))}" cy="{svg.px(middle)}" r="4.5"/>'
        )
        parts.append(svg.text(plot_start + plot_length + _GAP, middle, text))
    return "".join([*parts, "</svg>"])


def _label_width(labels: list[str], width: int) -> float:
    longest = max(len(label) for label in labels) * _CHAR_WIDTH
    return min(longest, width * _LABEL_SHARE)


def _label(label: str, label_width: float, middle: float) -> str:
    """The label right-aligned before the plot; one too long for its column is cut short
    and keeps its full text as a tooltip."""
    fits = max(int(label_width // _CHAR_WIDTH), 1)
    if len(label) <= fits:
        return svg.text(label_width, middle, label, ' text-anchor="end"')
    return (
        f'<text x="{svg.px(label_width)}" y="{svg.px(middle)}" dominant-baseline="middle" '
        f'text-anchor="end"><title>{svg.escape(label)}</title>'
        f"{svg.escape(label[: fits - 1])}…</text>"
    )


def _rect(kind: str, x: float, top: float, length: float, opacity: str) -> str:
    return (
        f'<rect class="{kind}" x="{svg.px(x)}" y="{svg.px(top)}" width="{svg.px(length)}" '
        f'height="{_BAR_HEIGHT}" rx="2" fill-opacity="{opacity}"/>'
    )


def _axis(low: float, high: float, *, length: float) -> tuple[float, float, list[int]]:
    """The axis's two ends, a little beyond the data, and the round values to mark on it:
    as many as fit `_TICK_SPACING` apart, and always whole numbers, as they are written."""
    if high - low < 1:
        low, high = low - 50, high + 50
    margin = (high - low) * 0.05
    low, high = low - margin, high + margin
    smallest = max(_TICK_SPACING * (high - low) / length, 1.0)
    magnitude = 10 ** math.floor(math.log10(smallest))
    step = next(factor * magnitude for factor in (1, 2, 5, 10) if factor * magnitude >= smallest)
    ticks = [index * step for index in range(math.ceil(low / step), math.floor(high / step) + 1)]
    return low, high, ticks


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _with_unit(value: float, unit: str) -> str:
    return f"{svg.number(value)} {unit}" if unit else svg.number(value)


def _whole(value: float) -> str:
    return f"{value:.0f}"
