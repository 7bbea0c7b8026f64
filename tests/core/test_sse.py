"""The SSE messages sent to the browser: whatever line breaks a payload holds, it stays the
data of one message of its own type (SSE ends a line at CRLF, a lone CR or a lone LF)."""

import pytest

from playground.core.sse import sse_message, sse_text
from playground.nexconn.sse import SSEEvent, SSEParser

FORGED = "AAA\revent: x\rid: 99\rdata: y"


def parsed(raw: bytes) -> list[SSEEvent]:
    """The events a browser's EventSource would dispatch (the same WHATWG rules)."""
    parser = SSEParser()
    return parser.feed(raw) + parser.close()


def test_a_lone_carriage_return_cannot_start_a_field():
    raw = sse_message(FORGED, event="text", id=3)
    assert raw == b"event: text\nid: 3\ndata: AAA\ndata: event: x\ndata: id: 99\ndata: data: y\n\n"
    assert parsed(raw) == [SSEEvent("text", "AAA\nevent: x\nid: 99\ndata: y", "3")]


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("a\r\nb", ["a", "b"]),
        ("a\rb", ["a", "b"]),
        ("a\nb", ["a", "b"]),
        ("a\r\r\nb", ["a", "", "b"]),  # a CR, then a CRLF
        ("a\n\rb", ["a", "", "b"]),  # an LF, then a CR: two breaks, not one
        ("a\r\n\r\nb", ["a", "", "b"]),  # a blank line inside the data does not end it
        ("end\r", ["end", ""]),
        ("a\u2028b\x85c", ["a\u2028b\x85c"]),  # not line breaks in SSE: kept as they are
    ],
)
def test_every_line_break_form_becomes_a_data_line_of_the_same_message(text, lines):
    raw = sse_text(text, event="text", id=7)
    assert (
        raw
        == b"event: text\nid: 7\n"
        + b"".join(b"data: " + line.encode() + b"\n" for line in lines)
        + b"\n"
    )
    assert b"\r" not in raw
    assert parsed(raw) == [SSEEvent("text", "\n".join(lines), "7")]
