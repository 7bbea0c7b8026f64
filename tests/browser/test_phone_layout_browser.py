"""Every page a signed-in person reaches, on a phone (390×844): nothing scrolls sideways and
the header is one line (its sections and account fold into Menu); at 1366 px the header is one
line too. On the way, the theme chosen in the menu wins over the system's, at once and on every
page after, code highlighting included."""

from datetime import timedelta

import pytest
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from playwright.sync_api import expect

from playground.accounts import services as account_services
from playground.chat.models import Conversation, Message, Run
from playground.compare.models import Column, Comparison, Entry, Turn, Vote
from playground.teams import services as team_services
from tests.conftest import PASSWORD, signup_in_browser
from tests.files.factories import upstream_file
from tests.studio.factories import finished_generation
from tests.usage.conftest import usage_record

pytestmark = pytest.mark.browser

LONG_MODEL = "provider/an-unusually-long-model-name-that-would-push-a-table-wide-2026-12-01"
LONG_WORD = "https://example.com/" + "a-path-that-never-breaks-" * 6
ANSWER = f"""Here is the function:

```python
def add_three_numbers_with_a_rather_long_name(first_argument, second_argument, third_argument):
    return first_argument + second_argument + third_argument  # {"a long comment " * 4}
```

See {LONG_WORD} for more."""

HEADER_ONE_LINE = 56  # px: the header is 48 px high; a second line would make it 70 or more
MEASURE = """() => {
    const wide = [...document.querySelectorAll('body *')]
        .filter(e => e.checkVisibility() && e.getBoundingClientRect().right > innerWidth + 0.5)
        .map(e => `${e.tagName.toLowerCase()}.${e.className}`.slice(0, 60)).slice(0, 4);
    // A filter bar's boxes (selects, dates, text, its button) are of one height, so that
    // the labels above them line up.
    const filterHeights = [...document.querySelectorAll('form.filters')].map(form =>
        [...form.querySelectorAll('select, input, button')]
            .map(e => Math.round(e.getBoundingClientRect().height)));
    return {
        width: document.documentElement.scrollWidth, inner: innerWidth,
        header: document.querySelector('header.topbar').getBoundingClientRect().height, wide,
        uneven: filterHeights.filter(heights => new Set(heights).size > 1),
    };
}"""


def _content_for(alice, django_user_model) -> dict[str, str]:
    """A little of everything, with long names and text, as rows; returns the pages to visit
    (area → URL)."""
    bob = django_user_model.objects.create_user(
        username="bob-with-a-long-username-from-the-model-evaluation-group", password=PASSWORD
    )
    team = team_services.team_create(user=alice, name="A team with a rather long name indeed")
    team_services.member_add(team=team, by=alice, username=bob.username)
    invitation = account_services.invitation_create(by=alice, team=team, days=7, max_uses=3)

    conversation = Conversation.objects.create(owner=alice, model="deepseek-v3", title=LONG_WORD)
    question = Message.objects.create(conversation=conversation, role="user", content=LONG_WORD)
    answer = Message.objects.create(
        conversation=conversation, role="assistant", parent=question, content=ANSWER
    )
    conversation.current_leaf = answer
    conversation.save()
    run = Run.objects.create(
        message=answer,
        model="deepseek-v3",
        status=Run.Status.DONE,
        input_tokens=20,
        output_tokens=80,
        request={
            "path": "/v1/chat/completions",
            "body": {"model": "deepseek-v3", "stream": True, "messages": [{"content": LONG_WORD}]},
        },
        exchange=[[15, 'data: {"choices": [{"delta": {"content": "' + LONG_WORD + '"}}]}']],
    )

    comparison = Comparison.objects.create(owner=alice, team=team, title=LONG_WORD)
    turn = Turn.objects.create(comparison=comparison, index=0, prompt=LONG_WORD)
    for position, model in enumerate([LONG_MODEL, "openai/gpt-5"]):
        column_chat = Conversation.objects.create(owner=alice, model=model)
        asked = Message.objects.create(conversation=column_chat, role="user", content=LONG_WORD)
        said = Message.objects.create(
            conversation=column_chat, role="assistant", parent=asked, content=ANSWER
        )
        column_chat.current_leaf = said
        column_chat.save()
        column = Column.objects.create(
            comparison=comparison, position=position, model=model, conversation=column_chat
        )
        done = Run.objects.create(
            message=said, model=model, status=Run.Status.DONE, input_tokens=20, output_tokens=80
        )
        Entry.objects.create(turn=turn, column=column, run=done)
    Vote.objects.create(turn=turn, user=alice, outcome="winner", winner=column)

    generation, _, _ = finished_generation(owner=alice, prompt=LONG_WORD, model="kling-v2-1")
    upstream_file(alice, name=LONG_WORD[:200] + ".pdf", source_url=LONG_WORD)
    now = timezone.now()
    for days in range(0, 30, 3):
        usage_record(alice, team=team, when=now - timedelta(days=days), model=LONG_MODEL)

    pages = {
        "chat": reverse("chat:home"),
        "chat conversation": reverse("chat:conversation", args=[conversation.pk]),
        "chat view code": reverse("chat:run-inspect", args=[run.pk]),
        "compare list": reverse("compare:list"),
        "compare comparison": reverse("compare:comparison", args=[comparison.pk]),
        "compare leaderboard": reverse("compare:leaderboard"),
        "studio": reverse("studio:studio"),
        "studio gallery": reverse("studio:gallery"),
        "studio job": reverse("studio:generation", args=[generation.pk]),
        "files": reverse("files:files"),
        "teams": reverse("teams:teams"),
        "teams team": reverse("teams:team", args=[team.pk]),
        "teams limits": reverse("usage:team-limits", args=[team.pk]),
        "usage": reverse("usage:usage"),
        "account": reverse("account"),
        "account invitations": reverse("invitations"),
        "account invitation link": reverse("invitation", args=[invitation.token]),
        "account password": reverse("password_change"),
        "account password done": reverse("password_change_done"),
    }
    try:  # the presets page, once it exists
        resolve("/presets/")
        pages["presets"] = "/presets/"
    except Resolver404:
        pass
    return pages


def _phone_and_desktop(page, name: str, url: str) -> list[str]:
    """What is wrong with the page open at 390 px, then at 1366 px (left at 1366)."""
    where = f"{name} {url}"
    problems = []
    phone = page.evaluate(MEASURE)
    if phone["width"] > phone["inner"]:
        problems.append(f"{where}: {phone['width']} px wide at 390: {phone['wide']}")
    if phone["header"] > HEADER_ONE_LINE:
        problems.append(f"{where}: header {phone['header']} px high at 390")
    page.set_viewport_size({"width": 1366, "height": 900})
    desktop = page.evaluate(MEASURE)
    if desktop["header"] > HEADER_ONE_LINE:
        problems.append(f"{where}: header {desktop['header']} px high at 1366")
    for width, measured in ((390, phone), (1366, desktop)):
        if measured["uneven"]:
            problems.append(f"{where}: filter boxes of heights {measured['uneven']} at {width}")
    return problems


def test_every_page_fits_a_phone_with_a_one_line_header_and_the_theme_is_kept(
    browser_page, django_user_model
):
    page = browser_page
    page.emulate_media(color_scheme="dark")
    problems = []
    for name, url in (("log in", reverse("login")), ("sign up", reverse("signup"))):
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(page.base_url + url)
        problems += _phone_and_desktop(page, name, url)
    page.set_viewport_size({"width": 390, "height": 844})
    signup_in_browser(page)
    alice = django_user_model.objects.get(username="alice")
    pages = _content_for(alice, django_user_model)

    # The system's dark theme is followed until the person chooses.
    page.goto(page.base_url + pages["chat conversation"])
    html, body = page.locator("html"), page.locator("body")
    keyword = page.locator(".markdown .k").first
    expect(html).to_have_attribute("data-theme", "system")
    expect(body).to_have_css("background-color", "rgb(21, 23, 26)")
    expect(keyword).to_have_css("color", "rgb(102, 217, 239)")  # monokai

    # Menu opens the sections and the account; Escape closes it and gives focus back.
    menu = page.locator("summary.topbar__menu-button")
    sections = page.get_by_role("navigation", name="Sections")
    expect(sections).to_be_hidden()
    menu.click()
    expect(sections.get_by_role("link", name="Chat")).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("link", name="Account", exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    expect(sections).to_be_hidden()
    expect(menu).to_be_focused()

    # Light chosen beats the system's dark, at once (htmx); Dark beats the system's light,
    # and the server draws it on the next page.
    menu.click()
    page.get_by_role("button", name="Light").click()
    expect(page.get_by_role("button", name="Light")).to_have_attribute("aria-pressed", "true")
    expect(html).to_have_attribute("data-theme", "light")
    expect(body).to_have_css("background-color", "rgb(247, 247, 248)")
    expect(keyword).to_have_css("color", "rgb(0, 112, 32)")  # friendly

    page.emulate_media(color_scheme="light")
    page.get_by_role("button", name="Dark").click()
    expect(html).to_have_attribute("data-theme", "dark")
    expect(body).to_have_css("background-color", "rgb(21, 23, 26)")
    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    expect(keyword).to_have_css("color", "rgb(102, 217, 239)")

    for name, url in pages.items():
        page.set_viewport_size({"width": 390, "height": 844})
        response = page.goto(page.base_url + url)
        assert response.ok, f"{name} {url}: HTTP {response.status}"
        problems += _phone_and_desktop(page, name, url)
    assert not problems, "\n".join(problems)
