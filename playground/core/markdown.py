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
def _live_markdown() -> MarkdownIt:
    # While an answer is written its code is not highlighted: Pygments costs many times the
    # rest of the rendering, and the final rendering highlights it.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def _sanitized(html: str) -> SafeString:
    return mark_safe(_cleaner().clean(html))  # noqa: S308 - nh3 has just sanitized it


@lru_cache(maxsize=128)
def render_markdown(text: str) -> SafeString:
    """Render untrusted Markdown (model output) to sanitized HTML.

    The same text always gives the same HTML, so recent ones are kept: an answer that ends
    is drawn for each stream that carries it and again on every load of its page."""
    return _sanitized(_markdown().render(text))


# A line that opens or closes a fenced code block, and a list item's first line (the
# longest marker is nine digits, a dot and a space).
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_LIST_ITEM = re.compile(r"([-+*]|\d{1,9}[.)])([ \t]|$)")
_LIST_MARKER_MAX = 11
_LIST_MARKER_START = frozenset("-+*0123456789")
# Within a paragraph's line, only these characters can start markup (what else Markdown
# reads, a heading, a list, a table, starts a line).
_MARKUP_CHARACTER = re.compile(r"[\n\\`*_~\[\]<&]")
# A line that opens a block other than a paragraph (any indentation: nested lists): a list
# item, heading, quote, table row, fence, or a rule or heading underline.
_BLOCK_LINE = re.compile(
    r"[ \t]*(?:(?:[-+*]|\d{1,9}[.)]|#{1,6})(?:[ \t]|$)|>|\||`{3,}|~{3,}|[-=_*]+[ \t]*$)"
)


class LiveMarkdown:
    """Markdown rendered while it is written, sanitized as `render_markdown` does (nh3, the
    same allowed tags and attributes), without highlighting.

    The blocks that are complete are rendered once; only the block still being written at
    the end is rendered again as the text grows, so a render costs the size of that block,
    not of the whole answer. A block counts as complete once a blank line outside any code
    fence is followed by a line that starts a new top-level block: unindented, and not a
    list item (a list split in two would number its second part from 1). Markdown that ties
    blocks together further (reference links) can render differently until the final
    rendering, which always renders the whole text.

    `changed` says whether rendering now would change what the reader sees. The page shows
    the text that came since the last render as text, running on in the paragraph being
    written: words with no character Markdown might read as markup look the same rendered.
    `text_after` is the text the page shows after the open block as a render leaves it: an
    unfinished line held back (below), which the text that comes next runs on from.
    """

    def __init__(self, text: str = "") -> None:
        self._open: list[str] = [text] if text else []  # the text after the complete blocks
        self._in_paragraph = False  # the open block, as last rendered, is a paragraph
        self.changed = bool(text)
        self.grown = len(text)  # characters added since the last render
        self.text_after = ""

    def add(self, text: str) -> None:
        self._open.append(text)
        self.grown += len(text)
        if not self.changed:
            self.changed = not self._in_paragraph or bool(_MARKUP_CHARACTER.search(text))

    def render(self) -> tuple[SafeString, SafeString]:
        """The HTML of the blocks completed since the last call, and of the open block."""
        text = "".join(self._open)
        cut, in_fence = _complete_blocks(text)
        complete, rest = text[:cut], text[cut:]
        self._open = [rest] if rest else []
        # An unfinished line that opens a block other than a paragraph stays text until it
        # is whole: rendered, the text that comes next would show after the block, not in it
        # (a list item "- " drawn as an empty bullet, a heading's last word on a line of its
        # own, a fence's language cut in two). In code, every line is code ("# a comment"),
        # and the text after it shows in the code's font (live.css).
        line_start = rest.rfind("\n") + 1
        last_line = rest[line_start:]
        held = "" if in_fence or not _BLOCK_LINE.match(last_line) else last_line
        # No line end after it: the page shows the text that comes next right after it.
        open_block = _live_html(rest[:line_start] if held else rest).rstrip("\n")
        # The paragraph being written is drawn inline (live.css): a held line goes under it.
        self.text_after = "\n" + held if held and open_block.endswith("</p>") else held
        # Markdown drops a paragraph's trailing space: text after it would not run on.
        self._in_paragraph = not held and open_block.endswith("</p>") and not rest[-1:].isspace()
        self.changed, self.grown = False, 0
        return _live_html(complete), mark_safe(open_block)  # noqa: S308


def _live_html(text: str) -> SafeString:
    return _sanitized(_live_markdown().render(text)) if text else mark_safe("")


def _complete_blocks(text: str) -> tuple[int, bool]:
    """Where the complete blocks at the start of `text` end (0: none is complete yet), and
    whether its whole lines leave a code fence open."""
    end, position, fence, after_blank = 0, 0, None, False
    for line in text.split("\n"):
        whole = position + len(line) < len(text)  # a newline follows: the line is complete
        if _starts_a_block(line, whole=whole) and after_blank and fence is None:
            end = position
        if not whole:
            break
        if opening := _FENCE.match(line):
            marker, rest = opening.groups()
            if fence is None and not (marker[0] == "`" and "`" in rest):
                fence = marker
            elif fence and marker[0] == fence[0] and len(marker) >= len(fence) and not rest.strip():
                fence = None
        after_blank = not line.strip()
        position += len(line) + 1
    return end, fence is not None


def _starts_a_block(line: str, *, whole: bool) -> bool:
    """The line, after a blank one, starts a top-level block that is not a list item (a line
    that may start with a list marker is known once whole, or long enough to hold one)."""
    if line[:1] in ("", " ", "\t"):
        return False
    if line[0] not in _LIST_MARKER_START:
        return True
    return (whole or len(line) >= _LIST_MARKER_MAX) and not _LIST_ITEM.match(line)
