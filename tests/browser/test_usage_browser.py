"""The Usage page in Chromium, on a phone (390 px) and a desktop (1366 px): the chart by day
is drawn, every table stays inside the page (no sideways scroll), the period chooser works,
and a bad date is explained in place."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from playground.teams import services as team_services
from tests.conftest import signup_in_browser
from tests.usage.conftest import usage_record

pytestmark = pytest.mark.browser

LONG_MODEL = "provider/an-unusually-long-model-name-that-would-push-a-table-wide-2026-12-01"


def no_sideways_scroll(page) -> None:
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
            .slice(0, 8)"""
    )
    assert width <= inner, f"the page is {width}px wide in a {inner}px window: {wide}"


@pytest.mark.parametrize("width", [390, 1366])
def test_the_usage_page_fits_the_screen_with_its_chart(browser_page, django_user_model, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    signup_in_browser(page)  # the first account is the administrator
    alice = django_user_model.objects.get(username="alice")
    team = team_services.team_create(user=alice, name="A team with a rather long name indeed")
    now = timezone.now()
    for days in range(0, 80, 3):
        usage_record(alice, team=team, when=now - timedelta(days=days), model=LONG_MODEL)
        usage_record(
            alice,
            when=now - timedelta(days=days),
            model="painter",
            kind="image",
            images=2,
            cost=None,
            key_source="personal",
            key_label="alice’s personal key …a1b2",
        )

    if width < 960:  # on a phone the sections are behind Menu
        page.locator("summary.topbar__menu-button").click()
    page.get_by_role("link", name="Usage", exact=True).click()
    expect(page.get_by_role("heading", name="Usage", level=1)).to_be_visible()
    page.get_by_label("Whose").select_option(label="Everyone")
    page.get_by_label("Period").select_option(label="Last 90 days")
    page.get_by_role("button", name="Show").click()

    chart = page.locator("figure.usage__chart svg[role=img]")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.chart-bar")).to_have_count(90)
    box = chart.bounding_box()
    assert box["width"] > 300 and box["x"] + box["width"] <= width
    expect(page.locator(".usage__card", has_text="Spend")).to_contain_text(
        "+ 27 not priced requests"
    )
    for heading in ("By model", "By person", "By team", "By key"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_role("region", name="Usage by model")).to_contain_text(LONG_MODEL)
    no_sideways_scroll(page)

    page.get_by_text("Every day as a table").click()
    expect(page.get_by_role("region", name="Usage by day").locator("tbody tr")).to_have_count(90)
    no_sideways_scroll(page)

    # a day range the wrong way round is explained, and the choices are kept
    page.get_by_label("Period").select_option(label="From – to")
    page.get_by_label("From", exact=True).fill("2026-03-10")
    page.get_by_label("To", exact=True).fill("2026-03-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_contain_text("The last day comes before the first one.")
    expect(page.get_by_label("From", exact=True)).to_have_value("2026-03-10")
    no_sideways_scroll(page)


def test_the_csv_link_downloads_the_selection(browser_page, django_user_model):
    page = browser_page
    signup_in_browser(page)
    usage_record(django_user_model.objects.get(username="alice"), model="=cmd", cost=Decimal("0.5"))
    page.goto(f"{page.base_url}/usage/?period=7")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("usage-mine-")
    text = download.path().read_text(encoding="utf-8")
    assert text.startswith("day,model,user,team,")
    assert ",'=cmd,alice,," in text
    assert ",0.500000," in text
