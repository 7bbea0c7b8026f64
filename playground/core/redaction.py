"""Blanking the configured API key out of everything the app records.

An upstream may echo the key back (in an error body or a stream's error event), and what it
sends is recorded: a chat answer's raw exchange ("view code"), the errors of studio jobs and
files, the logs. Each of those passes its text through `redact` before it is stored, so the
key never reaches a page or a log line.

The configured key is always blanked. A stored key (a personal or team key, accounts/keys.py)
is blanked inside `redacting(key)`: the work it pays for runs in that scope (a context
variable, so only that work's own records and log lines).
"""

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from django.conf import settings

MASK = "***"
# Real keys are long; blanking a short test value such as "k" would mangle every text.
_MIN_KEY_LENGTH = 8
_BEARER_PREFIX = re.compile(r"^\s*bearer\s+", re.IGNORECASE)


def _forms(configured: str) -> tuple[str, ...]:
    """The secrets in the configured value: as written, and without a "Bearer " prefix;
    the longest first, so that a prefix of one is not blanked before the whole."""
    forms = {configured.strip(), _BEARER_PREFIX.sub("", configured).strip()}
    return tuple(sorted((key for key in forms if len(key) >= _MIN_KEY_LENGTH), key=len)[::-1])


_keys_of = lru_cache(maxsize=8)(_forms)  # the configured key only: stored keys are not kept


_stored_keys: ContextVar[tuple[str, ...]] = ContextVar("redacted_stored_keys", default=())


def secret_keys() -> tuple[str, ...]:
    """The keys to keep out of what is recorded: the configured `NEXCONN_API_KEY`, and the
    stored key of the work in hand (`redacting`)."""
    if not settings.configured:  # a log line written before Django is set up
        return ()
    configured = _keys_of(settings.NEXCONN_API_KEY or "")
    stored = _stored_keys.get()
    if not stored:
        return configured
    return tuple(sorted({*configured, *stored}, key=len, reverse=True))


def redact_also(api_key: str | None) -> None:
    """Blank `api_key` too for the rest of the current context (an asyncio task's own)."""
    if api_key:
        _stored_keys.set((*_stored_keys.get(), *_forms(api_key)))


@contextmanager
def redacting(api_key: str | None) -> Iterator[None]:
    """Blank `api_key` too in what is recorded inside the block."""
    token = _stored_keys.set((*_stored_keys.get(), *_forms(api_key or "")))
    try:
        yield
    finally:
        _stored_keys.reset(token)


def redact[T](value: T) -> T:
    """`value` with every configured key replaced by ***: a text, or the texts (keys and
    values) inside JSON-like lists and dicts. Anything else is returned as it is."""
    keys = secret_keys()
    return _redact(value, keys) if keys else value


def _redact(value: Any, keys: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        for key in keys:
            if key in value:
                value = value.replace(key, MASK)
        return value
    if isinstance(value, dict):
        return {_redact(name, keys): _redact(item, keys) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact(item, keys) for item in value)
    return value


class RedactingFormatter(logging.Formatter):
    """Log lines, tracebacks included, with the configured keys blanked."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
