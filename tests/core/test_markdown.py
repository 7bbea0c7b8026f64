"""Model output becomes safe HTML: Markdown renders, code is highlighted, nothing runs."""

import re
from html.parser import HTMLParser

import pytest

from playground.core.markdown import LiveMarkdown, render_markdown


class _Element:
    def __init__(self, tag: str, attrs: dict[str, str | None]):
        self.tag = tag
        self.attrs = attrs


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[_Element] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append(_Element(tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def tags(html: str) -> list[str]:
    return [element.tag for element in parse(html).elements]


def visible_text(html: str) -> str:
    return "".join(parse(html).text).strip()


# --- What renders ---------------------------------------------------------------------


def test_headings_render_at_their_level():
    doc = parse(render_markdown("# Title\n\n## Section\n\n### Detail"))
    assert [e.tag for e in doc.elements] == ["h1", "h2", "h3"]
    assert "Title" in doc.text and "Section" in doc.text and "Detail" in doc.text


def test_bulleted_and_numbered_lists():
    html = render_markdown("- apples\n- pears\n\n1. first\n2. second\n3. third")
    assert tags(html) == ["ul", "li", "li", "ol", "li", "li", "li"]
    assert "apples" in visible_text(html) and "third" in visible_text(html)


def test_tables_keep_their_column_alignment():
    html = render_markdown("| name | score |\n|:-----|------:|\n| ada  | 10 |\n| bob | 7 |")
    doc = parse(html)
    assert [e.tag for e in doc.elements if e.tag in ("table", "thead", "tbody")] == [
        "table",
        "thead",
        "tbody",
    ]
    headers = [e for e in doc.elements if e.tag == "th"]
    cells = [e for e in doc.elements if e.tag == "td"]
    assert len(headers) == 2 and len(cells) == 4
    assert headers[0].attrs["style"] == "text-align:left"
    assert headers[1].attrs["style"] == "text-align:right"
    assert [c.attrs["style"] for c in cells] == ["text-align:left", "text-align:right"] * 2


def test_inline_emphasis_code_and_strikethrough():
    html = render_markdown("**bold** *it* ~~gone~~ `a<b>`")
    assert {"strong", "em", "s", "code"} <= set(tags(html))
    assert "a<b>" in visible_text(html)  # shown as text, not parsed as a tag
    assert "b" not in tags(html)


def test_fenced_python_is_highlighted_with_pygments_classes():
    html = render_markdown('```python\ndef greet(name):\n    return "<b>hi</b>"\n```')
    doc = parse(html)
    assert [e.tag for e in doc.elements[:2]] == ["pre", "code"]
    assert doc.elements[1].attrs == {"class": "language-python"}
    span_classes = {e.attrs.get("class") for e in doc.elements if e.tag == "span"}
    assert "k" in span_classes  # Pygments' keyword class, on `def` and `return`
    assert "nf" in span_classes  # function name
    assert {"s2", "s"} & span_classes  # the string literal
    assert "b" not in tags(html), "markup inside the code stays text"
    assert 'return "<b>hi</b>"' in visible_text(html)
    assert '<span class="k">def</span>' in html


def test_unknown_language_is_not_highlighted_but_still_escaped():
    html = render_markdown("```nosuchlanguage\n<script>alert(1)</script> & <b>x</b>\n```")
    doc = parse(html)
    assert [e.tag for e in doc.elements] == ["pre", "code"]
    assert doc.elements[1].attrs == {"class": "language-nosuchlanguage"}
    assert visible_text(html) == "<script>alert(1)</script> & <b>x</b>"
    assert "&lt;script&gt;" in html


def test_fence_without_language_is_plain_escaped_code():
    html = render_markdown("```\nplain <i>text</i>\n```")
    assert tags(html) == ["pre", "code"]
    assert visible_text(html) == "plain <i>text</i>"


def test_links_open_safely():
    html = render_markdown("[docs](https://example.com/docs) and <https://example.org>")
    links = [e for e in parse(html).elements if e.tag == "a"]
    assert [a.attrs["href"] for a in links] == ["https://example.com/docs", "https://example.org"]
    for link in links:
        assert set(link.attrs["rel"].split()) == {"noopener", "noreferrer", "nofollow"}


def test_mailto_links_are_kept():
    links = [e for e in parse(render_markdown("[mail](mailto:a@example.com)")).elements]
    assert links[-1].tag == "a" and links[-1].attrs["href"] == "mailto:a@example.com"


# --- What must never run ----------------------------------------------------------------

DANGEROUS_TAGS = {"script", "iframe", "svg", "style", "object", "embed", "form", "div", "math"}

ATTACKS = {
    "script tag": "<script>alert(1)</script>",
    "img onerror": "<img src=x onerror=alert(1)>",
    "markdown javascript link": "[click](javascript:alert(1))",
    "mixed-case javascript link": "[click](JaVaScRiPt:alert(1))",
    "entity-encoded javascript link": "[click](&#106;avascript:alert(1))",
    "reference javascript link": "[click][r]\n\n[r]: javascript:alert(1)",
    "javascript autolink": "<javascript:alert(1)>",
    "html javascript link": '<a href="javascript:alert(1)">x</a>',
    "htmx attributes": '<div hx-get="/x" hx-trigger="load">loaded</div>',
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "svg onload": "<svg onload=alert(1)><circle r=5 /></svg>",
    "style": "<style>body { display: none }</style>",
    "data url link": "[open](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data url image": "![pic](data:image/png;base64,iVBORw0KGgo=)",
    "javascript image": "![pic](javascript:alert(1))",
    "vbscript link": "[x](vbscript:msgbox(1))",
    "class smuggled through a fence language": '```x" onmouseover="alert(1)\nhi\n```',
    "attributes after a fence language": "```python onmouseover=alert(1) class=evil\nx = 1\n```",
    "quote in a link title": '[t](https://example.com "a\\" onclick=\\"alert(1)")',
    "html comment": "<!-- <script>alert(1)</script> -->",
    "script inside a list": "- <script>alert(1)</script>\n- <img src=x onerror=alert(1)>",
    "script inside a table": "| a |\n|---|\n| <script>alert(1)</script> |",
}


_CODE_CLASS = re.compile(r"language-[\w+#.-]+")
_PYGMENTS_CLASS = re.compile(r"[a-z][a-z0-9]{0,3}")


def _is_unsafe_url(value: str) -> bool:
    squashed = "".join(value.split()).lower()
    return squashed.startswith(("javascript:", "vbscript:", "data:"))


@pytest.mark.parametrize("source", list(ATTACKS.values()), ids=list(ATTACKS))
def test_attacks_render_inert(source):
    assert_inert(render_markdown(source))


def assert_inert(html: str) -> None:
    """No element of `html` can run code, fetch from a bad URL, or be acted on by htmx."""
    for element in parse(html).elements:
        assert element.tag not in DANGEROUS_TAGS, html
        for name, value in element.attrs.items():
            assert not name.startswith("on"), html
            assert not name.startswith(("hx-", "data-hx-")), html
            assert name not in ("style", "srcdoc", "formaction") or element.tag in ("th", "td")
            if name in ("href", "src", "action", "xlink:href"):
                assert not _is_unsafe_url(value or ""), html
            if name == "class":
                assert element.tag in ("code", "span"), html
                allowed = _CODE_CLASS if element.tag == "code" else _PYGMENTS_CLASS
                assert all(allowed.fullmatch(c) for c in value.split()), html


def test_raw_html_is_shown_as_text_not_dropped():
    """The user sees what the model wrote, as text."""
    html = render_markdown('<div hx-get="/x" hx-trigger="load">loaded</div>')
    assert tags(html) == ["p"]
    assert visible_text(html) == '<div hx-get="/x" hx-trigger="load">loaded</div>'


def test_smuggled_fence_language_leaves_code_without_a_class():
    html = render_markdown('```x" onmouseover="alert(1)\nhi\n```')
    code = next(e for e in parse(html).elements if e.tag == "code")
    assert "class" not in code.attrs
    assert "onmouseover" not in code.attrs
    assert visible_text(html) == "hi"


def test_data_url_image_loses_its_source_but_keeps_alt_text():
    html = render_markdown("![pic](data:image/png;base64,iVBORw0KGgo=)")
    image = next(e for e in parse(html).elements if e.tag == "img")
    assert "src" not in image.attrs
    assert image.attrs["alt"] == "pic"


def test_table_alignment_is_the_only_style_allowed():
    html = render_markdown("| a |\n|:-:|\n| x |")
    styles = {e.attrs.get("style") for e in parse(html).elements if e.tag in ("th", "td")}
    assert styles == {"text-align:center"}


def test_output_is_marked_safe_for_templates():
    from django.template import Context, Template

    rendered = Template("{{ html }}").render(Context({"html": render_markdown("**hi**")}))
    assert rendered == "<p><strong>hi</strong></p>\n"


# --- While the answer is written --------------------------------------------------------


def live_renders(source: str, *, step: int) -> list[str]:
    """Every piece of HTML a live rendering gives while `source` comes `step` characters at a
    time, rendered after each (completed blocks, then the open block)."""
    live, out = LiveMarkdown(), []
    for start in range(0, len(source), step):
        live.add(source[start : start + step])
        out.extend(live.render())
    return out


@pytest.mark.parametrize("source", list(ATTACKS.values()), ids=list(ATTACKS))
def test_attacks_stay_inert_at_every_point_of_a_live_rendering(source):
    """Half a tag, half a link, a fence still open: no moment of the answer makes markup."""
    for step in (1, 4):
        for html in live_renders(source, step=step):
            assert_inert(html)
            assert "<script" not in html


ANSWER = """## Tides

The **Moon** pulls the sea.

1. High tide

2. Low tide

   Twice a day.

```python
def tide():

    return "<b>high</b>"
```

| a | b |
|---|--:|
| 1 | 2 |

- [x](javascript:alert(1)) and <script>alert(1)</script>

The end.
"""


def test_a_live_rendering_ends_as_the_whole_text_renders():
    """Blocks rendered as they complete, then the rest, show what the whole text shows: a
    loose numbered list stays one list, a fence with a blank line in it one block."""
    live, parts = LiveMarkdown(), []
    for start in range(0, len(ANSWER), 5):
        live.add(ANSWER[start : start + 5])
        complete, _ = live.render()
        parts.append(complete)
    parts.extend(live.render())
    html = "".join(parts)
    assert_inert(html)
    assert tags(html).count("ol") == 1 and tags(html).count("pre") == 1
    for tag in ("h2", "strong", "li", "code", "table"):
        assert tag in tags(html), html
    assert visible_text(html).split() == visible_text(render_markdown(ANSWER)).split()


def test_a_completed_block_is_rendered_once():
    live = LiveMarkdown("# Title\n\nFirst para")
    complete, open_block = live.render()
    assert "<h1>Title</h1>" in complete and "First para" in open_block
    live.add("graph goes on.\n\nSecond")
    complete, open_block = live.render()
    assert "Title" not in complete + open_block
    assert "First paragraph goes on." in complete and open_block == "<p>Second</p>"
    assert not live.changed and live.render() == ("", "<p>Second</p>")


def test_a_fence_being_opened_shows_as_text_until_its_line_is_whole():
    """Rendered half-written, its language would vanish into the fence and the rest of the
    word show as text after it ("pyth", then "on")."""
    live = LiveMarkdown("Code:\n\n```pyth")
    complete, open_block = live.render()
    assert complete == "<p>Code:</p>\n" and open_block == "" and live.text_after == "```pyth"
    live.add("on\nprint(1)")
    _, open_block = live.render()
    assert open_block == '<pre><code class="language-python">print(1)</code></pre>'


def test_a_list_item_or_heading_being_opened_shows_as_text_until_its_line_is_whole():
    """Rendered as soon as its marker came, a list item is an empty bullet and the words that
    follow show under the list, not in it; a heading's last word goes on a line of its own.
    Held back, the line is text under the paragraph (drawn inline while it is written)."""
    live = LiveMarkdown("Notes:\n\n- ")
    assert live.render() == ("", "<p>Notes:</p>") and live.text_after == "\n- "
    live.add("Your prompt has 17 words.\n- Markdown")
    _, open_block = live.render()
    assert open_block == "<p>Notes:</p>\n<ul>\n<li>Your prompt has 17 words.</li>\n</ul>"
    assert live.text_after == "- Markdown"
    live.add(" renders.\n")
    _, open_block = live.render()
    assert open_block.endswith("<li>Markdown renders.</li>\n</ul>") and live.text_after == ""

    live = LiveMarkdown("Intro.\n\n## Sum")
    assert live.render() == ("<p>Intro.</p>\n", "") and live.text_after == "## Sum"
    live.add("mary\nText")
    assert live.render() == ("", "<h2>Summary</h2>\n<p>Text</p>") and live.text_after == ""


def test_a_code_line_being_written_stays_in_its_code_block():
    """In a fence every line is code, even one that would open a block outside it."""
    live = LiveMarkdown("```python\nx = 1\n# a comm")
    _, open_block = live.render()
    assert open_block == '<pre><code class="language-python">x = 1\n# a comm</code></pre>'


def test_plain_words_in_the_paragraph_being_written_need_no_render():
    """They look the same as text after the paragraph as rendered in it; markup, a new line
    or a block other than a paragraph do not."""
    live = LiveMarkdown()
    live.add("The Moon")
    assert live.changed
    live.render()
    live.add(" pulls the sea, twice a day.")
    assert not live.changed
    live.add(" It is **strong")
    assert live.changed
    live.render()
    live.add("er** than")
    assert live.changed
    live.render()
    live.add(" the Sun.\n")
    assert live.changed
    live.render()
    live.add("Still")  # after a space or a line end the paragraph drops, words would stick
    assert live.changed
    live = LiveMarkdown("- a list")
    live.render()
    live.add(" item")
    assert live.changed
