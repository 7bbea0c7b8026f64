"""An incremental Server-Sent Events parser (WHATWG HTML, "event stream interpretation")."""

import re
from dataclasses import dataclass

# Line endings are ASCII, and UTF-8 never uses these bytes inside a multi-byte character,
# so splitting the raw bytes first and decoding whole lines is safe.
_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class SSEEvent:
    event: str | None
    data: str
    id: str | None


class SSEParser:
    """Feed bytes as they arrive; get back the events completed by them."""

    def __init__(self) -> None:
        self._pending: list[bytes] = []  # the current unfinished line, in pieces
        self._skip_lf = False  # the last chunk ended in "\r"; a leading "\n" belongs to it
        self._first_line = True
        self._event: str | None = None
        self._data: list[str] = []
        self._last_id: str | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if self._skip_lf and chunk:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if b"\n" not in chunk and b"\r" not in chunk:
            if chunk:
                self._pending.append(chunk)
            return []
        self._pending.append(chunk)
        *lines, rest = _LINE_END.split(b"".join(self._pending))
        self._pending = [rest] if rest else []
        # A "\r" at the very end may be the first half of "\r\n".
        self._skip_lf = chunk.endswith(b"\r")
        events: list[SSEEvent] = []
        for line in lines:
            if (event := self._process(line)) is not None:
                events.append(event)
        return events

    def close(self) -> list[SSEEvent]:
        """End of stream. Leniently dispatch an event that lacks its final blank line."""
        events: list[SSEEvent] = []
        for line in (b"".join(self._pending), b""):
            if (event := self._process(line)) is not None:
                events.append(event)
        self._pending = []
        return events

    def _process(self, raw: bytes) -> SSEEvent | None:
        line = raw.decode("utf-8", "replace")
        if self._first_line:
            self._first_line = False
            line = line.removeprefix("\ufeff")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        match field:
            case "data":
                self._data.append(value)
            case "event":
                self._event = value or None
            case "id" if "\0" not in value:
                self._last_id = value
        return None

    def _dispatch(self) -> SSEEvent | None:
        event, data = self._event, self._data
        self._event, self._data = None, []
        if not data:
            return None
        return SSEEvent(event=event, data="\n".join(data), id=self._last_id)
