"""Invitations in Chromium: the administrator makes a link for a team, a colleague opens it
in a browser of their own, signs up and lands in the team; the used link then says so."""

import pytest
from playwright.sync_api import expect

from playground.accounts.models import Invitation
from playground.teams.models import Membership, Team
from tests.conftest import PASSWORD, fresh_page, signup_in_browser

pytestmark = pytest.mark.browser


def test_an_invited_colleague_signs_up_through_the_link_and_lands_in_the_team(
    browser_page, browser
):
    page = browser_page
    signup_in_browser(page, "alice")  # the first account: the administrator
    page.goto(f"{page.base_url}/teams/")
    page.get_by_label("Team name").fill("Model reviewers")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("heading", name="Model reviewers", level=1)).to_be_visible()

    page.get_by_role("link", name="Make an invitation link").click()
    expect(page.get_by_role("heading", name="Invitations", level=1)).to_be_visible()
    expect(page.get_by_label("Team")).to_have_value(str(Team.objects.get().pk))  # this team
    page.get_by_label("Works for").select_option(label="7 days")
    page.get_by_label("Uses").fill("1")
    page.get_by_role("button", name="Make link").click()
    expect(page.get_by_text("Invitation made: copy its link below and send it.")).to_be_visible()
    card = page.locator("#invitations article").first
    expect(card).to_contain_text("Model reviewers")
    expect(card).to_contain_text("Active")
    expect(card).to_contain_text("0 of 1 use taken")
    url = card.get_by_label("Link to send").input_value()
    assert url.startswith(f"{page.base_url}/accounts/invite/")

    context, colleague, problems = fresh_page(browser)
    try:
        colleague.goto(url)
        expect(colleague.get_by_role("heading", name="Join “Model reviewers”")).to_be_visible()
        expect(colleague.get_by_text("alice invited you")).to_be_visible()
        colleague.get_by_label("Username").fill("dave")
        colleague.get_by_label("Password", exact=True).fill(PASSWORD)
        colleague.get_by_label("Password confirmation").fill(PASSWORD)
        colleague.get_by_role("button", name="Create account and join").click()

        expect(colleague.get_by_role("heading", name="Model reviewers", level=1)).to_be_visible()
        expect(colleague.get_by_text("Welcome to the team “Model reviewers”.")).to_be_visible()
        expect(colleague.locator("#members")).to_contain_text("dave")
        expect(colleague.locator("#members")).to_contain_text("added by alice")
        expect(colleague.locator(".topbar__user")).to_have_text("dave")
        assert not problems, problems
    finally:
        context.close()

    membership = Membership.objects.get(user__username="dave")
    assert membership.team.name == "Model reviewers" and membership.role == "member"
    assert Invitation.objects.get().use_count == 1

    # The link was for one person: the next browser to open it is told so.
    context, stranger, problems = fresh_page(browser)
    try:
        response = stranger.goto(url)
        assert response.status == 410
        heading = stranger.get_by_role("heading", name="This invitation no longer works")
        expect(heading).to_be_visible()
        expect(stranger.get_by_role("alert")).to_contain_text("already been used once")
        expect(stranger.get_by_label("Username")).to_have_count(0)
        assert not problems, problems
    finally:
        context.close()

    page.reload()
    expect(card).to_contain_text("Used up")
    expect(card).to_contain_text("Used by dave")
