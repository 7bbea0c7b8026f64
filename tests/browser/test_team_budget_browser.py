"""A team's budget in Chromium, end to end: the administrator invites a colleague, who signs
up through the link, answers within the team, then hits the monthly budget the owner set;
the owner sees the colleague's spend on the Usage page."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from playground.chat.models import ModelPrice
from playground.teams.models import Team
from playground.usage.models import UsageRecord
from tests.conftest import PASSWORD, fresh_page, signup_in_browser

pytestmark = pytest.mark.browser


def ask(page, text: str) -> None:
    page.goto(f"{page.base_url}/")
    page.get_by_label("Model").select_option("deepseek-v3")
    page.get_by_label("Message").fill(text)
    page.get_by_label("Message").press("Enter")


def test_an_invited_colleague_hits_the_team_budget_and_the_owner_sees_the_spend(
    browser_page, browser
):
    # $1,000 a million tokens: one short answer costs a few cents.
    ModelPrice.objects.create(
        model="deepseek-v3", input_per_million=Decimal(1000), output_per_million=Decimal(1000)
    )
    owner = browser_page
    signup_in_browser(owner, "alice")  # the first account: the administrator
    owner.goto(f"{owner.base_url}/teams/")
    owner.get_by_label("Team name").fill("Model reviewers")
    owner.get_by_role("button", name="Create team").click()
    expect(owner.get_by_role("heading", name="Model reviewers", level=1)).to_be_visible()
    team = Team.objects.get()
    owner.get_by_role("link", name="Make an invitation link").click()
    owner.get_by_role("button", name="Make link").click()
    url = owner.locator("#invitations article").first.get_by_label("Link to send").input_value()

    context, colleague, problems = fresh_page(browser)
    colleague.base_url = owner.base_url
    try:
        colleague.goto(url)
        colleague.get_by_label("Username").fill("dave")
        colleague.get_by_label("Password", exact=True).fill(PASSWORD)
        colleague.get_by_label("Password confirmation").fill(PASSWORD)
        colleague.get_by_role("button", name="Create account and join").click()
        expect(colleague.get_by_role("heading", name="Model reviewers", level=1)).to_be_visible()

        ask(colleague, "Summarise the tides [sim tokens=40 rate=400]")
        footer = colleague.locator("article.message--assistant .message__footer").last
        expect(footer).to_contain_text("40 out")
        expect(footer).to_contain_text("$")  # priced: the answer shows what it cost
        record = UsageRecord.objects.get(user__username="dave")
        assert record.team == team and record.cost > Decimal("0.01")

        # The owner gives dave a monthly budget below what he has already spent.
        owner.goto(f"{owner.base_url}/teams/{team.pk}/")
        owner.get_by_role("link", name="Spending and usage limits").click()
        dave_limits = owner.locator(f"#limits-member-{record.user_id}")
        dave_limits.get_by_label("Monthly spend ($)").fill("0.01")
        dave_limits.get_by_role("button", name="Save dave's limits").click()
        expect(owner.locator(f"#limits-member-{record.user_id}")).to_contain_text("Saved.")

        ask(colleague, "And the moon? [sim tokens=40 rate=400]")
        refusal = colleague.get_by_role("alert")
        expect(refusal).to_contain_text("monthly budget of $0.01 is used up")
        expect(refusal).to_contain_text("it resets on 1 ")
        expect(colleague.get_by_label("Message")).to_have_value(re.compile("And the moon"))
        assert UsageRecord.objects.filter(user__username="dave").count() == 1  # nothing sent
        assert not problems, problems
    finally:
        context.close()

    owner.goto(f"{owner.base_url}/usage/")
    owner.get_by_role("combobox", name="Whose").select_option(label="Team Model reviewers")
    owner.get_by_role("button", name=re.compile("Show")).click()
    expect(owner.locator(".usage__summary")).to_contain_text("Team Model reviewers")
    daves_row = owner.get_by_role("row").filter(has=owner.get_by_role("rowheader", name="dave"))
    expect(daves_row).to_contain_text(f"${record.cost:.2f}")
