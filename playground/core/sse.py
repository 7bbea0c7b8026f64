"""Server-Sent Events as sent to the browser."""

import html


def sse_message(data: str, *, event: str | None = None, id: int | str | None = None) -> bytes:
    """One SSE message. Every line of `data` gets its own `data:` line, so no payload can
    end the message early or forge an `event:`/`id:` field. SSE ends a line at CRLF, at a
    lone LF and at a lone CR too (WHATWG HTML, "event stream interpretation"): all three are
    split on. Other Unicode line separators are not SSE line ends and stay as they are."""
    lines = []
    if event:
        lines.append(f"event: {event}")
    if id is not None:
        lines.append(f"id: {id}")
    if "\r" in data:
        data = data.replace("\r\n", "\n").replace("\r", "\n")
    lines.extend(f"data: {line}" for line in data.split("\n"))
    return ("\n".join(lines) + "\n\n").encode()


def sse_text(text: str, *, event: str, id: int | None = None) -> bytes:
    """Untrusted text (model output) as an SSE message whose data is escaped HTML.

    The standard library's escape, as Django's `escape` does it (& < > " '), without
    Django's check for lazy strings around every piece of every answer."""
    return sse_message(html.escape(text), event=event, id=id)


SSE_KEEPALIVE = b": keep-alive\n\n"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
