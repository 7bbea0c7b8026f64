from playground.nexconn.sse import SSEEvent, SSEParser

# A chat stream as a gateway sends it: CRLF endings, a keep-alive comment, multi-byte UTF-8,
# a named multi-line event, a block without data (not dispatched) and the [DONE] marker.
RECORDED = (
    b": keep-alive\r\n\r\n"
    b'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\r\n\r\n'
    + 'data: {"choices":[{"index":0,"delta":{"reasoning_content":"Café first"}}]}\r\n\r\n'.encode()
    + 'data: {"choices":[{"index":0,"delta":{"content":"Hello 👋"}}]}\r\n\r\n'.encode()
    + b"event: note\r\nid: 7\r\ndata: line one\r\ndata:line two\r\ndata:  indented\r\n\r\n"
    + b"retry: 100\r\n: just a comment\r\n\r\n"
    + b"data: [DONE]\r\n\r\n"
)

EXPECTED = [
    SSEEvent(None, '{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}', None),
    SSEEvent(None, '{"choices":[{"index":0,"delta":{"reasoning_content":"Café first"}}]}', None),
    SSEEvent(None, '{"choices":[{"index":0,"delta":{"content":"Hello 👋"}}]}', None),
    SSEEvent("note", "line one\nline two\n indented", "7"),
    SSEEvent(None, "[DONE]", "7"),  # the last event id persists, as in EventSource
]


def parse(*chunks: bytes) -> list[SSEEvent]:
    parser = SSEParser()
    events = [event for chunk in chunks for event in parser.feed(chunk)]
    return events + parser.close()


def test_whole_stream():
    assert parse(RECORDED) == EXPECTED


def test_split_in_two_at_every_byte():
    for cut in range(len(RECORDED) + 1):
        assert parse(RECORDED[:cut], RECORDED[cut:]) == EXPECTED, cut


def test_byte_by_byte():
    assert parse(*(RECORDED[i : i + 1] for i in range(len(RECORDED)))) == EXPECTED


def test_lf_and_lone_cr_line_endings():
    lf = RECORDED.replace(b"\r\n", b"\n")
    cr = RECORDED.replace(b"\r\n", b"\r")
    assert parse(lf) == EXPECTED
    assert parse(cr) == EXPECTED
    assert parse(*(cr[i : i + 1] for i in range(len(cr)))) == EXPECTED


def test_field_without_colon_and_empty_data():
    assert parse(b"data\n\ndata:\n\n") == [SSEEvent(None, "", None), SSEEvent(None, "", None)]


def test_block_without_data_is_not_dispatched_and_resets_event_name():
    assert parse(b"event: ping\n\ndata: x\n\n") == [SSEEvent(None, "x", None)]


def test_leading_bom_is_ignored():
    assert parse("\ufeffdata: x\n\n".encode()) == [SSEEvent(None, "x", None)]


def test_close_flushes_an_event_missing_its_blank_line():
    parser = SSEParser()
    assert parser.feed(b"data: [DONE]") == []
    assert parser.close() == [SSEEvent(None, "[DONE]", None)]


def test_no_events_until_the_blank_line():
    parser = SSEParser()
    assert parser.feed(b"data: a\n") == []
    assert parser.feed(b"\n") == [SSEEvent(None, "a", None)]
