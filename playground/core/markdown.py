"""Model output to safe HTML: Markdown without raw HTML, highlighted code, then nh3."""

import re
from functools import cache, lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

_ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "img", "li", "ol", "p", "pre", "s", "span", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "span": {"class"},
    "th": {"style"},
    "td": {"style"},
}
# Only the class names our own renderer emits survive: Pygments token classes on spans,
# language-* on code. Anything else a model might smuggle in is dropped.
_SPAN_CLASS = re.compile(r"^[a-z][a-z0-9]{0,3}$")
_CODE_CLASS = re.compile(r"^language-[\w+#.-]{1,40}$")
_TABLE_ALIGN = re.compile(r"^text-align:(left|right|center)$")
_FORMATTER = HtmlFormatter(nowrap=True)


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        pattern = _SPAN_CLASS if tag == "span" else _CODE_CLASS
        kept = [name for name in value.split() if pattern.match(name)]
        return " ".join(kept) or None
    if attribute == "style":
        return value if _TABLE_ALIGN.match(value.replace(" ", "")) else None
    return value


def _highlight(code: str, language: str, _attrs) -> str:
    try:
        lexer = get_lexer_by_name(language) if language else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes the code itself
    return highlight(code, lexer, _FORMATTER)


@cache
def _markdown() -> MarkdownIt:
    # The commonmark preset passes raw HTML through; html=False turns it into text.
    return MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable(
        ["table", "strikethrough"]
    )


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


@lru_cache(maxsize=128)
def render_markdown(text: str) -> SafeString:
    """Render untrusted Markdown (model output) to sanitized HTML.

    The same text always gives the same HTML, so recent ones are kept: an answer that ends
    is drawn for each stream that carries it and again on every load of its page."""
    html = _markdown().render(text)
    return mark_safe(_cleaner().clean(html))  # noqa: S308 - nh3 has just sanitized it
