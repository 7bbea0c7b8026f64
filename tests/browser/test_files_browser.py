"""The Files page in Chromium: a document added from a link goes from importing to ready
without the page reloading."""

import pytest
from playwright.sync_api import expect

from playground.files import services
from playground.files.models import UpstreamFile
from tests.conftest import signup_in_browser

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _files(_sync_orm_beside_playwright, monkeypatch, worker_thread):
    monkeypatch.setattr(services, "POLL_FIRST_SECONDS", 0.2)
    monkeypatch.setattr(services, "POLL_MAX_SECONDS", 0.4)
    # No network in tests: the link's host name resolves to a public address.
    monkeypatch.setattr(services, "resolve_host", lambda host: ["93.184.215.14"])


def test_a_document_link_goes_from_importing_to_ready(browser_page):
    page = browser_page
    signup_in_browser(page)
    page.get_by_role("link", name="Files", exact=True).click()
    expect(page.get_by_role("heading", name="Add a document from a link")).to_be_visible()
    page.get_by_label("Link to the file").fill(
        "https://example.com/papers/attention.pdf#sim_ready_after=2"
    )
    page.get_by_label("For the model").select_option("gemini-2.5-pro")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Add document").click()

    card = page.locator("#files article.file").first
    expect(card).to_contain_text("attention.pdf")
    expect(card.locator(".status")).to_have_text("Importing")
    expect(page.get_by_label("Link to the file")).to_have_value("")  # ready for the next one
    expect(card.locator(".status")).to_have_text("Ready", timeout=15_000)
    expect(card).to_contain_text("application/pdf")
    expect(card).to_contain_text("Kept by the provider until")
    assert page.evaluate("window.notReloaded") is True

    document = UpstreamFile.objects.get()
    assert document.status == UpstreamFile.Status.READY
    assert document.model == "gemini-2.5-pro"
