"""Files end to end: the form, the worker, the in-process simulator, the page."""

import datetime as dt
import html
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from playground.files import selectors, services
from playground.files.models import UpstreamFile
from playground.nexconn import files as files_api
from playground.nexconn.errors import network_error
from playground.simulator.app import application as simulator
from tests.files.factories import upstream_file

pytestmark = pytest.mark.django_db(transaction=True)

MODEL = "gemini-3.0-pro-preview"


@pytest.fixture(autouse=True)
def _fresh_simulator():
    simulator.reset()


def add(client, source_url, model=MODEL, **headers):
    return client.post(
        reverse("files:create"), {"source_url": source_url, "model": model}, **headers
    )


def settled(pk):
    return lambda: UpstreamFile.objects.get(pk=pk).status != UpstreamFile.Status.PENDING


def upstream_calls(method, prefix="/v1/files"):
    return [r for r in simulator.received if r["method"] == method and r["path"].startswith(prefix)]


def test_a_document_goes_from_pending_to_ready_through_the_worker(owner_client, run_tasks):
    response = add(owner_client, "https://example.com/docs/Annual%20Report.pdf#sim_ready_after=0.3")
    assert response.status_code == 302
    document = UpstreamFile.objects.get()
    assert document.status == UpstreamFile.Status.PENDING
    assert document.content_type == "application/pdf"  # from the extension, until told
    page = owner_client.get(reverse("files:files")).content.decode()
    assert "Importing" in page
    assert reverse("files:card", args=[document.pk]) in page  # the card polls

    run_tasks(settled(document.pk))
    document.refresh_from_db()
    assert document.status == UpstreamFile.Status.READY, document.error_message
    assert document.file_id.startswith("qfile-")
    assert document.name == "Annual Report.pdf"
    assert document.size and document.size > 15 * 1024 * 1024
    assert document.expires_at > timezone.now() + dt.timedelta(hours=47)
    assert document.polls >= 2  # the create, then at least one poll
    assert len(upstream_calls("POST")) == 1
    sent = upstream_calls("POST")[0]["json"]
    assert sent == {"model": MODEL, "source_url": document.source_url}

    card = owner_client.get(reverse("files:card", args=[document.pk])).content.decode()
    assert "Ready" in card
    assert "hx-trigger" not in card  # settled: the card stops polling
    assert list(selectors.ready_files(user=document.owner)) == [document]


def test_the_htmx_form_adds_a_polling_card_and_a_fresh_form(owner_client):
    response = add(owner_client, "https://example.com/talk.mp4", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    document = UpstreamFile.objects.get()
    assert f'id="file-{document.pk}"' in page
    assert 'hx-trigger="load delay:1500ms"' in page
    assert 'hx-swap-oob="true"' in page
    assert 'value="https://example.com/talk.mp4"' not in page  # the new form is empty
    assert document.content_type == "video/mp4"


@pytest.mark.parametrize(
    ("fragment", "status", "words"),
    [
        ("#sim=fail&sim_ready_after=0.1", UpstreamFile.Status.FAILED, "failed to download"),
        (f"#sim_size={3 * 1024**3}&sim_ready_after=0.1", UpstreamFile.Status.FAILED, "2 GB"),
        ("#sim_expires_in=0", UpstreamFile.Status.EXPIRED, "expired"),
    ],
)
def test_failures_and_expiry_end_with_a_reason(owner_client, run_tasks, fragment, status, words):
    add(owner_client, f"https://example.com/recording.mp3{fragment}")
    document = UpstreamFile.objects.get()
    run_tasks(settled(document.pk))
    document.refresh_from_db()
    assert document.status == status
    assert words in document.error_message
    page = owner_client.get(reverse("files:files")).content.decode()
    assert html.escape(document.error_message) in page
    assert "Add it again" in page
    assert not selectors.ready_files(user=document.owner).exists()


@pytest.mark.parametrize(("code", "words"), [(401, "key"), (402, "balance"), (429, "too many")])
def test_upstream_errors_on_create_are_explained(owner_client, run_tasks, settings, code, words):
    settings.NEXCONN_MAX_RETRIES = 0
    add(owner_client, f"https://example.com/a.pdf?sim_error={code}")
    document = UpstreamFile.objects.get()
    run_tasks(settled(document.pk))
    document.refresh_from_db()
    assert document.status == UpstreamFile.Status.FAILED
    assert words in document.error_message.lower()
    assert len(upstream_calls("POST")) == 1


def test_a_ready_file_past_its_expiry_is_shown_expired(owner_client, owner):
    document = upstream_file(owner, expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert not selectors.ready_files(user=owner).exists()  # even before the page marks it
    page = owner_client.get(reverse("files:files")).content.decode()
    document.refresh_from_db()
    assert document.status == UpstreamFile.Status.EXPIRED
    assert files_api.EXPIRED_MESSAGE in page


def test_submitting_twice_creates_the_file_once(owner_client, run_tasks):
    add(owner_client, "https://example.com/a.pdf#sim_ready_after=0.2")
    document = UpstreamFile.objects.get()
    services.upstream_file_submit(upstream_file_id=document.pk)
    services.upstream_file_submit(upstream_file_id=document.pk)  # a duplicate task, say
    run_tasks(settled(document.pk))
    assert len(upstream_calls("POST")) == 1


def test_a_poll_that_cannot_reach_the_provider_tries_again(owner_client, run_tasks, monkeypatch):
    real_get_file = files_api.get_file
    failures = []

    async def flaky_get_file(client, *, file_id):
        if not failures:
            failures.append(file_id)
            raise network_error("connection reset")
        return await real_get_file(client, file_id=file_id)

    monkeypatch.setattr(files_api, "get_file", flaky_get_file)
    add(owner_client, "https://example.com/a.pdf#sim_ready_after=0.1")
    document = UpstreamFile.objects.get()
    run_tasks(settled(document.pk))
    document.refresh_from_db()
    assert failures
    assert document.status == UpstreamFile.Status.READY


def test_an_import_that_never_ends_is_given_up(owner_client, run_tasks, monkeypatch):
    monkeypatch.setattr(services, "IMPORT_TIMEOUT", dt.timedelta(0))
    add(owner_client, "https://example.com/a.pdf#sim_ready_after=600")
    document = UpstreamFile.objects.get()
    run_tasks(settled(document.pk))
    document.refresh_from_db()
    assert document.status == UpstreamFile.Status.FAILED
    assert "did not finish importing" in document.error_message


@pytest.mark.parametrize(
    ("source_url", "words"),
    [
        ("ftp://example.com/a.pdf", "Only http:// and https:// links"),
        ("not a link at all", "Only http:// and https:// links"),
        ("https:///a.pdf", "no host name"),
        ("https://example.com/archive.zip", "“.zip” files are not supported"),
        ("https://example.com/download?id=7", "without a file extension"),
        ("https://user:secret@example.com/a.pdf", "user name or password"),
        ("https://nowhere.invalid/a.pdf", "could not be found"),
        ("https://example.com:port/a.pdf", "not valid"),
    ],
)
def test_a_bad_link_gets_a_400_with_the_message_and_the_form_kept(owner_client, source_url, words):
    response = add(owner_client, source_url, model="gemini-2.5-pro")
    assert response.status_code == 400
    page = response.content.decode()
    assert html.escape(words) in page
    assert f'value="{html.escape(source_url)}"' in page
    assert '<option value="gemini-2.5-pro" selected>' in page
    assert 'aria-invalid="true"' in page
    assert not UpstreamFile.objects.exists()


@pytest.mark.parametrize(
    "source_url",
    [
        "http://10.1.2.3/a.pdf",
        "http://127.0.0.1:8000/a.pdf",
        "http://[::1]/a.pdf",
        "http://169.254.169.254/latest/a.txt",
        "https://intranet.example.com/a.pdf",
        "https://sneaky.example.com/a.pdf",  # one private address among public ones
        # IPv6 forms that carry a private IPv4 address: compatible, NAT64, mapped, 6to4.
        "http://[::127.0.0.1]/a.pdf",
        "http://[64:ff9b::7f00:1]/a.pdf",
        "http://[::ffff:127.0.0.1]/a.pdf",
        "http://[2002:7f00:1::]/a.pdf",
        "https://nat64.example.com/a.pdf",
    ],
)
def test_a_private_address_is_refused(owner_client, source_url):
    response = add(owner_client, source_url)
    assert response.status_code == 400
    assert "private or local network address" in response.content.decode()
    assert not UpstreamFile.objects.exists()


def test_a_bad_link_through_htmx_swaps_the_form_back(owner_client):
    response = add(owner_client, "https://example.com/a.exe", HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#file-form"
    assert response["HX-Reswap"] == "outerHTML"
    assert "“.exe” files are not supported" in response.content.decode()


def test_only_models_that_read_files_are_offered(owner_client):
    page = owner_client.get(reverse("files:files")).content.decode()
    assert f'<option value="{MODEL}" selected>' in page
    assert 'value="gemini-2.5-flash"' in page
    assert 'value="deepseek-v3"' not in page
    response = add(owner_client, "https://example.com/a.pdf", model="deepseek-v3")
    assert response.status_code == 400
    assert not UpstreamFile.objects.exists()


def test_try_again_refills_the_form(owner_client):
    url = (
        reverse("files:files")
        + "?source_url=https%3A%2F%2Fexample.com%2Fa.pdf&model=gemini-2.5-pro"
    )
    page = owner_client.get(url).content.decode()
    assert 'value="https://example.com/a.pdf"' in page
    assert '<option value="gemini-2.5-pro" selected>' in page


def test_delete_removes_the_file_here_and_upstream(owner_client, run_tasks):
    add(owner_client, "https://example.com/a.pdf#sim_ready_after=0")
    document = UpstreamFile.objects.get()
    run_tasks(settled(document.pk))
    response = owner_client.post(
        reverse("files:delete", args=[document.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Deleted “a.pdf”, here and at the provider." in html.unescape(response.content.decode())
    assert not UpstreamFile.objects.exists()
    deletes = upstream_calls("DELETE")
    assert len(deletes) == 1
    assert deletes[0]["path"].endswith(document.file_id)


def test_delete_where_the_api_has_none_says_so_and_still_removes_it(owner_client, run_tasks):
    add(owner_client, "https://example.com/a.pdf#sim=nodelete&sim_ready_after=0")
    document = UpstreamFile.objects.get()
    run_tasks(settled(document.pk))
    response = owner_client.post(reverse("files:delete", args=[document.pk]))
    assert response.status_code == 302
    page = html.unescape(owner_client.get(reverse("files:files")).content.decode())
    assert "Removed “a.pdf” from your files." in page
    assert "does not offer deleting files (it answered 405)" in page
    assert "It expires on" in page
    assert not UpstreamFile.objects.exists()


def test_delete_that_fails_upstream_keeps_the_file_and_explains(owner, owner_client, monkeypatch):
    document = upstream_file(owner)

    async def unreachable(client, *, file_id):
        raise network_error("no route")

    monkeypatch.setattr(files_api, "delete_file", unreachable)
    response = owner_client.post(
        reverse("files:delete", args=[document.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "could not be deleted at the provider" in page
    assert "Could not reach the Nexconn API" in page
    assert UpstreamFile.objects.filter(pk=document.pk).exists()


def test_a_file_not_yet_sent_is_deleted_without_asking_the_provider(owner_client):
    add(owner_client, "https://example.com/a.pdf")
    document = UpstreamFile.objects.get()
    owner_client.post(reverse("files:delete", args=[document.pk]))
    assert not UpstreamFile.objects.exists()
    assert not upstream_calls("DELETE")
    services.upstream_file_submit(upstream_file_id=document.pk)  # its task, still queued
    assert not upstream_calls("POST")


def test_the_picker_lists_ready_files_as_checkboxes(owner_client, owner):
    ready = upstream_file(owner, name="ready.pdf")
    upstream_file(owner, name="pending.pdf", status=UpstreamFile.Status.PENDING, file_id="")
    upstream_file(owner, name="failed.pdf", status=UpstreamFile.Status.FAILED)
    upstream_file(owner, name="old.pdf", expires_at=timezone.now() - dt.timedelta(hours=1))
    page = owner_client.get(reverse("files:picker")).content.decode()
    assert f'<input type="checkbox" name="files" value="{ready.pk}">' in page
    assert page.count('type="checkbox"') == 1
    assert "pending.pdf" not in page and "failed.pdf" not in page and "old.pdf" not in page
    assert "<html" not in page  # a fragment, to include in the chat composer


def test_the_picker_without_ready_files_points_to_the_files_page(owner_client):
    page = owner_client.get(reverse("files:picker")).content.decode()
    assert "No files are ready" in page
    assert reverse("files:files") in page


def test_a_failed_file_is_deleted_without_asking_the_provider(owner_client, owner):
    document = upstream_file(owner, status=UpstreamFile.Status.FAILED, error_message="no")
    response = owner_client.post(
        reverse("files:delete", args=[document.pk]), HTTP_HX_REQUEST="true"
    )
    assert "Deleted “annual-report.pdf”." in html.unescape(response.content.decode())
    assert not upstream_calls("DELETE")
    assert not UpstreamFile.objects.exists()


def test_the_chosen_keep_time_is_sent_as_expires_in(owner_client, run_tasks):
    owner_client.post(
        reverse("files:create"),
        {"source_url": "https://example.com/a.pdf", "model": MODEL, "expires_in": "3600"},
    )
    document = UpstreamFile.objects.get()
    run_tasks(settled(document.pk))
    document.refresh_from_db()
    sent = upstream_calls("POST")[0]["json"]
    assert sent["expires_in"] == 3600
    left = document.expires_at - timezone.now()
    assert dt.timedelta(minutes=55) < left <= dt.timedelta(hours=1)
    page = owner_client.get(reverse("files:files")).content.decode()
    assert '<option value="604800">7 days</option>' in page
    response = owner_client.post(
        reverse("files:create"),
        {"source_url": "https://example.com/b.pdf", "model": MODEL, "expires_in": "60"},
    )
    assert response.status_code == 400  # not one of the offered times
    assert UpstreamFile.objects.count() == 1


def test_the_files_page_reads_the_users_files_from_the_providers_list(
    owner_client, other_user, run_tasks
):
    owner_client.post(
        reverse("files:create"),
        {
            "source_url": "https://example.com/talk.mp4#sim_ready_after=0.3",
            "model": MODEL,
            "expires_in": "86400",
        },
    )
    mine = UpstreamFile.objects.get()
    run_tasks(lambda: UpstreamFile.objects.get(pk=mine.pk).file_id != "")
    mine.refresh_from_db()
    assert mine.status == UpstreamFile.Status.PENDING  # created, not polled yet
    other = Client()
    other.force_login(other_user)
    other.post(reverse("files:create"), {"source_url": "https://example.com/b.pdf", "model": MODEL})
    theirs = UpstreamFile.objects.exclude(pk=mine.pk).get()
    run_tasks(settled(theirs.pk))
    gone = upstream_file(mine.owner, file_id="qfile-1-1770727746152401856-gone", name="old.pdf")

    page = owner_client.get(reverse("files:files")).content.decode()
    assert f'hx-get="{reverse("files:refresh")}" hx-trigger="load"' in page
    time.sleep(0.4)
    listed_before = len(upstream_calls("GET", "/v1/files"))
    response = owner_client.get(reverse("files:refresh"))
    assert response.status_code == 200
    assert len(upstream_calls("GET", "/v1/files")) == listed_before + 1
    part = html.unescape(response.content.decode())
    mine.refresh_from_db()
    assert mine.status == UpstreamFile.Status.READY  # from the list, without a poll
    assert mine.name == "talk.mp4"
    assert "talk.mp4" in part and "Ready" in part
    assert "Kept by the provider until" in part and "23\xa0hours" in part
    assert "b.pdf" not in part  # the other user's file, on the same key, stays hidden
    gone.refresh_from_db()
    assert gone.status == UpstreamFile.Status.EXPIRED
    assert "no longer lists this file" in part


def test_a_provider_that_cannot_list_leaves_the_page_as_it_was(owner_client, owner, settings):
    upstream_file(owner)
    settings.NEXCONN_API_KEY = "sk-test"
    settings.NEXCONN_BASE_URL = "http://127.0.0.1:9"
    settings.NEXCONN_MAX_RETRIES = 0
    response = owner_client.get(reverse("files:refresh"))
    assert response.status_code == 200
    part = response.content.decode()
    assert "annual-report.pdf" in part
    assert "list of files could not be read" in part
    assert UpstreamFile.objects.get().status == UpstreamFile.Status.READY
