"""Object ids from request data (paths, queries, forms), parsed strictly.

`str.isdigit()` holds for "²" and other digits `int()` refuses, and a number past the
database's integer range makes the database raise instead of finding nothing: an id is
ASCII digits that fit a bigint, anything else names no object."""

import re

from django.core.exceptions import BadRequest

MAX_ID = 2**63 - 1  # PostgreSQL's bigint, SQLite's INTEGER: BigAutoField's range
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value) -> int | None:
    """The id written in `value` (1 … MAX_ID), or None when it is not one."""
    if not isinstance(value, str) or not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


class InvalidId(BadRequest):
    """A query or form value that should name an object and is not an id: a 400 whose
    message the page shows (core.views.bad_request)."""


def optional_id(data, name: str, *, what: str) -> int | None:
    """The id in `data[name]` (a QueryDict), None when it is absent or empty, and a 400
    saying which value is wrong when it is anything but an id."""
    value = data.get(name, "")
    if not value:
        return None
    number = parse_id(value)
    if number is None:
        raise InvalidId(f"“{name}” must be the number of {what}; this link has something else.")
    return number


def parse_ids(values) -> list[int]:
    """The ids among `values`, in order; the others are left out."""
    return [number for value in values if (number := parse_id(value)) is not None]


class IdConverter:
    """`<id:pk>` in a URL: a path that is not an id is a 404, not a database error."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # the resolver takes it for a URL that does not match
        return number

    def to_url(self, value) -> str:
        return str(value)
