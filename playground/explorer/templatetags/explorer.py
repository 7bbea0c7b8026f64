"""A JSON answer drawn as a tree whose objects and lists fold (<details>), every text escaped."""

import json
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

MAX_ITEMS = 500  # shown per object or list; the rest is counted
OPEN_DEPTH = 3  # deeper levels start folded
MAX_DEPTH = 40


@register.filter
def json_tree(value: Any) -> SafeString:
    return mark_safe(_node(value, 0))  # noqa: S308 - every piece is escaped in _node


def _node(value: Any, depth: int) -> str:
    if isinstance(value, dict | list) and value and depth < MAX_DEPTH:
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        rows = []
        for key, item in items[:MAX_ITEMS]:
            label = json.dumps(key) if isinstance(value, dict) else key
            name = f'<span class="jt__key">{escape(label)}</span>: '
            rows.append(f"<li>{name}{_node(item, depth + 1)}</li>")
        if len(items) > MAX_ITEMS:
            rows.append(f'<li class="jt__more">… {len(items) - MAX_ITEMS} more</li>')
        braces = "{}" if isinstance(value, dict) else "[]"
        noun = "key" if isinstance(value, dict) else "item"
        plural = "" if len(items) == 1 else "s"
        summary = f"{braces[0]} {len(items)} {noun}{plural} {braces[1]}"
        opened = " open" if depth < OPEN_DEPTH else ""
        return (
            f'<details class="jt"{opened}><summary>{summary}</summary>'
            f'<ul class="jt__items">{"".join(rows)}</ul></details>'
        )
    text = json.dumps(value, ensure_ascii=False)
    kind = type(value).__name__.lower() if value is not None else "null"
    return f'<span class="jt__value jt__value--{escape(kind)}">{escape(text)}</span>'


@register.filter
def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


@register.filter
def as_json(value: Any) -> str:
    """A value as JSON text (a select's option value, a default shown)."""
    return json.dumps(value, ensure_ascii=False)
