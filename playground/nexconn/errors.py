"""Every upstream failure becomes one NexconnError with a plain-language message."""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

type ErrorKind = Literal[
    "auth", "payment", "rate_limit", "bad_request", "upstream", "timeout", "network", "protocol"
]

# Kinds worth another attempt when the failure happened before the response was accepted.
RETRYABLE_KINDS: frozenset[ErrorKind] = frozenset({"rate_limit", "upstream", "timeout", "network"})

_DETAIL_LIMIT = 300
_QUOTED_LIMIT = 200


class NexconnError(Exception):
    """A failure talking to Nexconn: `message_for_user` is shown in the UI, `detail` is logged."""

    def __init__(
        self,
        kind: ErrorKind,
        message_for_user: str,
        *,
        status: int | None = None,
        detail: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message_for_user)
        self.kind = kind
        self.status = status
        self.message_for_user = message_for_user
        self.detail = detail
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS

    def redact(self, secret: str) -> "NexconnError":
        """Remove a secret (the API key) from the texts, in case an upstream echoed it back."""
        if secret:
            self.message_for_user = self.message_for_user.replace(secret, "***")
            self.detail = self.detail.replace(secret, "***")
            self.args = (self.message_for_user,)
        return self

    def __repr__(self) -> str:
        return (
            f"NexconnError(kind={self.kind!r}, status={self.status!r}, {self.message_for_user!r})"
        )


def error_from_response(status: int, body: bytes, headers: Mapping[str, str]) -> NexconnError:
    """Map an HTTP error response to a NexconnError whose message names the status."""
    upstream = upstream_message(body)
    retry_after = parse_retry_after(headers.get("retry-after"))
    detail = f"HTTP {status}: {_truncate(body.decode('utf-8', 'replace'), _DETAIL_LIMIT)}"
    quoted = _truncate(upstream, _QUOTED_LIMIT) if upstream else "no reason given"

    def error(kind: ErrorKind, message: str) -> NexconnError:
        return NexconnError(kind, message, status=status, detail=detail, retry_after=retry_after)

    match status:
        case 401:
            return error("auth", "The Nexconn API rejected the API key (401). Check the key.")
        case 403:
            return error("auth", "This API key is not allowed to use this model or endpoint (403).")
        case 402:
            return error(
                "payment",
                "The Nexconn account balance is used up (402). Top up the account to continue.",
            )
        case 429:
            wait = (
                f"Try again in {_seconds(retry_after)} seconds."
                if retry_after is not None
                else "Wait a moment and try again."
            )
            return error("rate_limit", f"Too many requests to the Nexconn API (429). {wait}")
        case 404:
            return error(
                "bad_request",
                "The model or endpoint was not found (404). It may have been renamed or retired.",
            )
        case 413:
            return error("bad_request", f"The request was too large (413): {quoted}")
        case _ if 400 <= status < 500:
            return error("bad_request", f"The request was rejected ({status}): {quoted}")
        case _ if status >= 500:
            return error(
                "upstream",
                f"The Nexconn service had a problem ({status}). Try again in a moment.",
            )
        case _:
            return error("protocol", f"The Nexconn API gave an unexpected answer ({status}).")


def error_from_stream_payload(payload: Mapping[str, Any]) -> NexconnError:
    """An `error` object inside a `data:` line of a stream that had already started."""
    error = payload.get("error")
    status = error.get("code") if isinstance(error, Mapping) else None
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    body = json.dumps(payload).encode()
    if isinstance(status, int) and 400 <= status < 600:
        return error_from_response(status, body, {})
    text = _truncate(upstream_message(body), _QUOTED_LIMIT) or "no reason given"
    return NexconnError(
        "upstream",
        f"The model stopped with an error: {text}",
        detail=f"stream error: {_truncate(body.decode(), _DETAIL_LIMIT)}",
    )


def timeout_error(detail: str = "") -> NexconnError:
    return NexconnError(
        "timeout",
        "The model did not answer in time. Try again, or pick a faster model.",
        detail=detail,
    )


def network_error(detail: str = "") -> NexconnError:
    return NexconnError(
        "network",
        "Could not reach the Nexconn API. Check the network connection and try again.",
        detail=detail,
    )


def malformed_stream_error(detail: str = "") -> NexconnError:
    return NexconnError(
        "protocol",
        "The answer stream was malformed, so the answer stopped here.",
        detail=detail,
    )


def malformed_body_error(detail: str = "") -> NexconnError:
    return NexconnError(
        "protocol", "The Nexconn API sent an answer that could not be read.", detail=detail
    )


def cut_off_error(detail: str = "the stream ended before the answer finished") -> NexconnError:
    return NexconnError(
        "protocol",
        "The answer was cut off before it finished. Try again.",
        detail=detail,
    )


def upstream_message(body: bytes) -> str:
    """The human text of an error body: error.message, message, detail(.message), else raw."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return _truncate(text, _DETAIL_LIMIT)
    if isinstance(data, Mapping):
        error, detail = data.get("error"), data.get("detail")
        candidates = [
            error.get("message") if isinstance(error, Mapping) else error,
            data.get("message"),
            detail.get("message") if isinstance(detail, Mapping) else detail,
        ]
        for candidate in candidates:
            if isinstance(candidate, str) and candidate.strip():
                return candidate.strip()
    return _truncate(text, _DETAIL_LIMIT)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date (RFC 9110)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _seconds(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unsupported_content_error(protocol: str, what: str) -> NexconnError:
    """A message part the chosen wire protocol has no shape for; nothing was sent."""
    return NexconnError(
        "bad_request",
        f"The {protocol} protocol cannot send {what}. "
        "Use the chat completions protocol for this conversation.",
        detail=f"{protocol}: unsupported content {what}",
    )
