"""Teams in Chromium: create a team, add a member by username, see them listed, remove them;
an unknown username is explained next to the field without losing what was typed."""

import pytest
from playwright.sync_api import expect

from playground.teams.models import Membership
from tests.conftest import PASSWORD, signup_in_browser

pytestmark = pytest.mark.browser


def test_create_a_team_and_add_a_member_by_username(browser_page, django_user_model):
    page = browser_page
    signup_in_browser(page)  # the first account; later ones need an invitation to sign up
    django_user_model.objects.create_user(username="bob", password=PASSWORD)
    page.get_by_role("link", name="Teams", exact=True).click()
    expect(page.get_by_role("heading", name="New team")).to_be_visible()
    page.get_by_label("Team name").fill("Model reviewers")
    page.get_by_role("button", name="Create team").click()

    expect(page.get_by_role("heading", name="Model reviewers", level=1)).to_be_visible()
    members = page.locator("#members")
    expect(members.locator("li")).to_have_count(1)
    expect(members).to_contain_text("alice")
    expect(members).to_contain_text("Owner")

    page.evaluate("window.notReloaded = true")
    page.get_by_label("Username").fill("nobody")
    page.get_by_role("button", name="Add member").click()
    expect(page.locator("#member-username-error")).to_have_text(
        "There is no account with the username “nobody”."
    )
    expect(page.get_by_label("Username")).to_have_value("nobody")

    page.get_by_label("Username").fill("bob")
    page.get_by_role("button", name="Add member").click()
    bob = members.locator("li", has_text="bob")
    expect(bob).to_contain_text("Member")
    expect(bob).to_contain_text("added by alice")
    expect(bob.get_by_role("button", name="Remove")).to_be_visible()
    expect(members.locator("li")).to_have_count(2)
    expect(page.get_by_label("Username")).to_have_value("")  # ready for the next one
    expect(page.locator("#member-username-error")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True

    membership = Membership.objects.get(user__username="bob")
    assert membership.role == Membership.Role.MEMBER
    assert membership.team.name == "Model reviewers"

    page.get_by_role("link", name="← Teams").click()
    expect(page.locator("#teams")).to_contain_text("Owner · 2 members")

    page.get_by_role("link", name="Model reviewers").click()
    page.once("dialog", lambda dialog: dialog.accept())  # hx-confirm asks first
    members.locator("li", has_text="bob").get_by_role("button", name="Remove").click()
    expect(members.locator("li")).to_have_count(1)
    assert not Membership.objects.filter(user__username="bob").exists()
