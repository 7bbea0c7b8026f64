"""The server-drawn SVG charts: well-formed, accessible, inert, proportional."""

import itertools
import math
import xml.etree.ElementTree as ET

import pytest

from playground.compare.charts import bar_chart_svg, interval_chart_svg

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(\"x\")</script> & 'quotes' \x00\x1b"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, the thing under test


def _by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [element for element in root.iter() if element.get("class") == name]


def _texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def _assert_accessible(root: ET.Element) -> None:
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id


def _assert_no_style_or_script(svg: str, root: ET.Element) -> None:
    assert "<script" not in svg
    for element in root.iter():
        assert element.tag != f"{SVG}script"
        assert "style" not in element.attrib
        assert not any(attribute.startswith("on") for attribute in element.attrib)


def test_bar_chart_is_well_formed_and_accessible():
    svg = bar_chart_svg(title="Speed", unit="tokens/s", bars=[("gpt-4o", 85.2), ("b", 40.0)])
    root = _parse(svg)

    _assert_accessible(root)
    _assert_no_style_or_script(svg, root)
    assert root.find(f"{SVG}title").text == "Speed"
    assert root.find(f"{SVG}desc").text == "gpt-4o: 85.2 tokens/s; b: 40.0 tokens/s"
    assert root.get("fill") == "currentColor"
    assert "85.2 tokens/s" in _texts(root)


def test_bar_widths_are_proportional_to_values():
    root = _parse(bar_chart_svg(title="t", unit="", bars=[("a", 10), ("b", 20), ("c", 40)]))

    widths = [float(bar.get("width")) for bar in _by_class(root, "chart-bar")]
    track = float(_by_class(root, "chart-track")[0].get("width"))

    assert widths == pytest.approx([track / 4, track / 2, track], abs=0.05)


def test_missing_values_read_n_a_without_a_bar():
    bars = [("a", 3.0), ("b", None), ("c", math.nan), ("d", 0), ("e", -1.0)]
    root = _parse(bar_chart_svg(title="t", unit="s", bars=bars))

    assert _texts(root).count("n/a") == 2
    assert len(_by_class(root, "chart-track")) == 5
    widths = [float(bar.get("width")) for bar in _by_class(root, "chart-bar")]
    assert widths[1:] == [0.0, 0.0]  # a, then d and e drawn empty; b and c have no bar
    assert len(widths) == 3


def test_all_values_missing_still_draws():
    root = _parse(bar_chart_svg(title="t", unit="s", bars=[("a", None), ("b", None)]))

    assert _texts(root).count("n/a") == 2
    assert _by_class(root, "chart-bar") == []


@pytest.mark.parametrize("chart", ["bar", "interval"])
def test_hostile_labels_come_out_as_inert_text(chart):
    if chart == "bar":
        svg = bar_chart_svg(title=HOSTILE, unit=HOSTILE, bars=[(HOSTILE, 1.0), ("ok", 2.0)])
    else:
        svg = interval_chart_svg(rows=[(HOSTILE, 1000.0, 990.0, 1010.0)])
    root = _parse(svg)

    _assert_no_style_or_script(svg, root)
    readable = "<script>alert(\"x\")</script> & 'quotes' "
    assert any(readable in text for text in _texts(root))
    assert readable in root.find(f"{SVG}desc").text


def test_a_long_label_is_shortened_and_keeps_its_full_name_as_a_tooltip():
    long_name = "a-model-with-a-remarkably-long-name-" * 3
    root = _parse(bar_chart_svg(title="t", unit="", bars=[(long_name, 1.0)], width=300))

    label = next(text for text in root.iter(f"{SVG}text") if text.find(f"{SVG}title") is not None)
    assert label.find(f"{SVG}title").text == long_name
    assert label.find(f"{SVG}title").tail.endswith("…")
    assert float(label.get("x")) <= 300 * 0.4


def test_charts_are_deterministic_and_ids_differ_between_charts():
    bars = [("a", 1.5), ("b", 2.5)]

    first = bar_chart_svg(title="Speed", unit="tokens/s", bars=bars)
    other = bar_chart_svg(title="Output", unit="tokens", bars=bars)

    assert first == bar_chart_svg(title="Speed", unit="tokens/s", bars=bars)
    assert _parse(first).get("aria-labelledby") != _parse(other).get("aria-labelledby")


def test_empty_charts_say_so():
    for svg in (bar_chart_svg(title="t", unit="s", bars=[]), interval_chart_svg(rows=[])):
        root = _parse(svg)
        _assert_accessible(root)
        assert any(text.startswith("No ") for text in _texts(root))


def test_interval_chart_places_dots_inside_their_intervals_on_one_axis():
    rows = [("a", 1100.0, 1060.0, 1150.0), ("b", 1000.0, 980.0, 1020.0), ("c", 900.0, 850.0, 960.0)]
    svg = interval_chart_svg(rows=rows)
    root = _parse(svg)

    _assert_accessible(root)
    _assert_no_style_or_script(svg, root)
    dots = [float(dot.get("cx")) for dot in _by_class(root, "chart-score")]
    lines = [
        (float(line.get("x1")), float(line.get("x2"))) for line in _by_class(root, "chart-interval")
    ]
    assert dots[0] > dots[1] > dots[2]
    for dot, (start, end) in zip(dots, lines, strict=True):
        assert start < dot < end
    # Equal score differences are equal distances: the axis is linear.
    assert dots[0] - dots[1] == pytest.approx(dots[1] - dots[2], abs=0.2)
    assert "1100 (1060–1150)" in _texts(root)
    grid = [float(line.get("x1")) for line in _by_class(root, "chart-grid")]
    values_start = min(float(text.get("x")) for text in root.iter(f"{SVG}text") if "(" in text.text)
    assert max(end for _, end in lines) < values_start
    assert all(later - earlier >= 50 for earlier, later in itertools.pairwise(grid))


def test_interval_chart_marks_round_values_on_its_axis():
    root = _parse(interval_chart_svg(rows=[("a", 1017.0, 807.0, 1234.0)], width=360))

    grid = [float(line.get("x1")) for line in _by_class(root, "chart-grid")]
    marked = [int(text) for text in _texts(root) if text.isdigit()]
    assert len(marked) == len(grid) >= 1
    assert all(value % 100 == 0 for value in marked)


def test_interval_chart_with_a_single_point_still_has_an_axis():
    root = _parse(interval_chart_svg(rows=[("only", 1000.0, 1000.0, 1000.0)]))

    assert len(_by_class(root, "chart-grid")) >= 2
    assert "1000" in _texts(root)
