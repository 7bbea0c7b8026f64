"""A refused form (400) shows its errors in place, on a phone and on a desktop, with DEBUG on
(development) as with it off (`make run`): the page keeps its styles, nothing typed is lost,
and the next valid submission stays on the page."""

import pytest
from playwright.sync_api import expect

from playground.studio.models import Generation
from playground.teams.models import Membership
from tests.conftest import PASSWORD, signup_in_browser

pytestmark = pytest.mark.browser

MODES = [
    pytest.param((debug, width), id=f"{'debug' if debug else 'no-debug'}-{width}px")
    for debug in (False, True)
    for width in (390, 1366)
]


@pytest.fixture
def page_in_mode(browser_page, settings, request):
    debug, width = request.param
    settings.DEBUG = debug  # read when the page is drawn: which scripts base.html loads
    browser_page.set_viewport_size({"width": width, "height": 900})
    return browser_page


def assert_still_styled(page):
    """The page is the same document, with its header and the project's styles."""
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("header.topbar")).to_be_visible()
    assert page.locator("header.topbar").evaluate("e => getComputedStyle(e).display") == "flex"


@pytest.mark.parametrize("page_in_mode", MODES, indirect=True)
def test_an_empty_studio_prompt_is_explained_in_place_then_generate_works(page_in_mode):
    page = page_in_mode
    signup_in_browser(page)
    page.goto(f"{page.base_url}/studio/")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Generate").click()

    expect(page.locator("#prompt-error")).to_be_visible()
    expect(page.locator("#generation-form .form-error")).to_have_text(
        "Please check the highlighted fields."
    )
    assert_still_styled(page)
    assert not Generation.objects.exists()

    page.get_by_label("Describe what you want").fill("A lighthouse at night")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("#jobs .job").first).to_contain_text("A lighthouse at night")
    expect(page.locator("#prompt-error")).to_have_count(0)
    assert page.url == f"{page.base_url}/studio/"
    assert_still_styled(page)
    assert Generation.objects.count() == 1


@pytest.mark.parametrize("page_in_mode", MODES, indirect=True)
def test_an_unknown_team_member_is_explained_in_place(page_in_mode, django_user_model):
    page = page_in_mode
    signup_in_browser(page)  # the first account; later ones need an invitation to sign up
    django_user_model.objects.create_user(username="bob", password=PASSWORD)
    page.goto(f"{page.base_url}/teams/")
    page.get_by_label("Team name").fill("Reviewers")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("heading", name="Reviewers", level=1)).to_be_visible()
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Username").fill("nobody")
    page.get_by_role("button", name="Add member").click()
    expect(page.locator("#member-username-error")).to_have_text(
        "There is no account with the username “nobody”."
    )
    expect(page.get_by_label("Username")).to_have_value("nobody")
    assert_still_styled(page)

    page.get_by_label("Username").fill("bob")
    page.get_by_role("button", name="Add member").click()
    expect(page.locator("#members li", has_text="bob")).to_contain_text("Member")
    assert_still_styled(page)
    assert Membership.objects.filter(user__username="bob").exists()
