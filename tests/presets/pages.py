"""Reading pages as a browser would send them."""

from html.parser import HTMLParser


class _FormValues(HTMLParser):
    """The values a form with `form_id` sends as drawn: its inputs, selected options and
    textareas; a field that names another form (form="…") is not the form's."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.values: dict[str, str] = {}
        self.found = False
        self._depth = 0  # inside the form: how many forms deep (a page has no nested forms)
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.found, self._depth = True, 1
            return
        if not self._depth or attrs.get("form") not in (None, self.form_id):
            if tag == "select":
                self._select = None
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.values[name] = attrs.get("value", "")
        elif tag == "select" and name and "disabled" not in attrs:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in attrs or self._select not in self.values:
                self.values[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._depth:
            self._depth = 0
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A textarea's first newline is not part of its value.
            self.values[self._textarea] = self.values[self._textarea].removeprefix("\n")
            self._textarea = None


def form_values(html: str | bytes, form_id: str) -> dict[str, str]:
    if isinstance(html, bytes):
        html = html.decode()
    parser = _FormValues(form_id)
    parser.feed(html)
    assert parser.found, f"no form #{form_id} on the page"
    return parser.values
