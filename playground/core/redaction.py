"""Blanking the configured API key out of everything the app records.

An upstream may echo the key back (in an error body or a stream's error event), and what it
sends is recorded: a chat answer's raw exchange ("view code"), the errors of studio jobs and
files, the logs. Each of those passes its text through `redact` before it is stored, so the
key never reaches a page or a log line.
"""

import logging
import re
from functools import lru_cache
from typing import Any

from django.conf import settings

MASK = "***"
# Real keys are long; blanking a short test value such as "k" would mangle every text.
_MIN_KEY_LENGTH = 8
_BEARER_PREFIX = re.compile(r"^\s*bearer\s+", re.IGNORECASE)


@lru_cache(maxsize=8)
def _keys_of(configured: str) -> tuple[str, ...]:
    """The secrets in the configured value: as written, and without a "Bearer " prefix;
    the longest first, so that a prefix of one is not blanked before the whole."""
    forms = {configured.strip(), _BEARER_PREFIX.sub("", configured).strip()}
    return tuple(sorted((key for key in forms if len(key) >= _MIN_KEY_LENGTH), key=len)[::-1])


def secret_keys() -> tuple[str, ...]:
    """The keys to keep out of what is recorded: the configured `NEXCONN_API_KEY` (the app has
    no per-user keys)."""
    if not settings.configured:  # a log line written before Django is set up
        return ()
    return _keys_of(settings.NEXCONN_API_KEY or "")


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
