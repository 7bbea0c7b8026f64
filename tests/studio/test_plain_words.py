"""Plain words everywhere: every model's form and job page, in every mode, show labels where
the API has codes (`dont_allow`, `std`, `first_last`, `succeed`), lengths with their unit,
and sizes as sizes."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from playground.nexconn.media.catalog import MEDIA_MODELS
from playground.studio.models import Generation

pytestmark = pytest.mark.django_db

MODELS = list(MEDIA_MODELS.values())
# One test per family of models (each signs a user in, which takes a while), every model in it.
FAMILIES = sorted({model.family for model in MODELS})
# Values that read as they are: ratios, resolutions, sizes in words, plain numbers.
READABLE = re.compile(r"^(\d+:\d+|\d+p|\d+K|\d+)$")
CODE = re.compile(r"\b[a-z]+_[a-z_]+\b|\b\d+x\d+\b")  # snake_case words, "1280x720"


class Page(HTMLParser):
    """The text a reader sees, each choice's (value, text), and the job page's facts."""

    def __init__(self, html: str):
        super().__init__()
        self.text: list[str] = []
        self.choices: list[tuple[str, str]] = []
        self.facts: list[list[str]] = []
        self._open: list[tuple[str, list[str], list[str]]] = []  # (tag, values, text)
        self._fact: list[str] | None = None
        self._hidden = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "title"):
            self._hidden += 1
        elif tag == "option":
            self._open.append((tag, [attrs.get("value", "")], []))
        elif tag == "label":
            self._open.append((tag, [], []))
        elif tag == "input" and attrs.get("type") in ("radio", "checkbox") and self._open:
            self._open[-1][1].append(attrs.get("value", ""))
        elif tag in ("dt", "dd"):
            self._fact = []
            self.facts.append(self._fact)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self._hidden -= 1
        elif tag in ("option", "label") and self._open and self._open[-1][0] == tag:
            _, values, text = self._open.pop()
            if len(values) == 1:
                self.choices.append((values[0], " ".join(" ".join(text).split())))
        elif tag in ("dt", "dd"):
            self._fact = None

    def handle_data(self, data):
        if self._hidden:
            return
        self.text.append(data)
        for _, _, text in self._open:
            text.append(data)
        if self._fact is not None:
            self._fact.append(data)

    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())

    def fact_pairs(self) -> dict[str, str]:
        words = [" ".join("".join(fact).split()) for fact in self.facts]
        return dict(zip(words[::2], words[1::2], strict=False))


def codes_in(text: str) -> set[str]:
    return set(CODE.findall(text))


def test_every_coded_choice_has_a_label_in_the_catalog():
    for model in MODELS:
        groups = [mode.group for mode in model.modes if mode.group]
        fields = [*model.fields, *(f for group in groups for f in group.fields)]
        for field in fields:
            for choice in field.choices:
                shown = field.display(choice)
                assert not codes_in(shown), (model.id, field.name, shown)
                if not READABLE.match(choice):
                    assert shown != choice, (model.id, field.name, choice)
                if field.unit:
                    assert shown.endswith(field.unit), (model.id, field.name, shown)


def modes_of(family: str):
    return [(model, mode) for model in MODELS if model.family == family for mode in model.modes]


@pytest.mark.parametrize("family", FAMILIES)
def test_the_form_names_every_choice_in_words(owner_client, family):
    for model, mode in modes_of(family):
        response = owner_client.get(
            reverse("studio:options"), {"model": f"{model.kind}:{model.id}", "mode": mode.name}
        )
        page = Page(response.content.decode())
        assert not codes_in(page.visible()), (model.id, mode.name, codes_in(page.visible()))
        assert page.choices
        for value, shown in page.choices:
            if value and not READABLE.match(value) and value not in ("on", "false"):
                assert shown and not shown.startswith(value), (model.id, mode.name, value, shown)
        for field in model.fields_for(mode.name):
            if field.name in mode.fixed:
                assert field.display(mode.fixed[field.name]) in page.visible()
            elif field.unit and field.type == "int":
                unit = f'<span class="with-unit__unit">{field.unit}</span>'
                assert unit in response.content.decode(), (model.id, mode.name, field.name)


def _settings_for(model, mode) -> dict:
    """Form values that pick a coded choice wherever there is one, switch every switch on,
    and fill the first block of a repeated group."""
    values = {}
    for field in model.fields_for(mode.name):
        if field.choices:
            coded = [c for c in field.choices if not READABLE.match(c)]
            values[field.name] = (coded or field.choices)[-1]
        elif field.type == "bool":
            values[field.name] = "on"
        elif field.type == "seed":
            values[field.name] = "42"
    if mode.group:
        for field in mode.group.fields:
            name = mode.group.block_field(1, field).name
            values[name] = "host" if field.type == "text" else str(int(field.minimum or 1))
    return values


@pytest.mark.parametrize("family", FAMILIES)
def test_the_job_page_says_what_was_made_in_words(owner_client, owner, family):
    for model, mode in modes_of(family):
        params, _ = model.clean(
            mode=mode.name, prompt="a fox", values=_settings_for(model, mode), inputs={}
        )
        generation = Generation.objects.create(
            owner=owner,
            kind=model.kind,
            model=model.id,
            mode=mode.name,
            prompt="a fox",
            params=params,
            status=Generation.Status.SUCCEEDED,
            upstream_status="succeed",
        )
        page = Page(
            owner_client.get(reverse("studio:generation", args=[generation.pk])).content.decode()
        )
        visible = page.visible()
        assert not codes_in(visible), (model.id, mode.name, codes_in(visible))
        assert "succeed " not in visible and "True" not in visible and "False" not in visible
        facts = page.fact_pairs()
        assert facts["Model"] == model.label
        assert facts["Type"] == mode.label
        for name, value in params.items():
            field = model.param_field(name)
            if name == "seed":
                assert facts["Seed"].startswith(str(value))
                continue
            assert facts[field.label] == field.display(value), (model.id, mode.name, name)
            if field.choices and not READABLE.match(str(value)):
                assert facts[field.label] != str(value), (model.id, mode.name, name)
            if field.unit:
                assert facts[field.label].endswith(("seconds", "second")), (model.id, name)
