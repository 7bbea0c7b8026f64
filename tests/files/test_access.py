"""Every files URL: the owner gets it, another user gets 404 (or only their own files), an
anonymous visitor is sent to the login page."""

import pytest
from django.urls import reverse

from playground.files.models import UpstreamFile
from tests.files.factories import upstream_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(owner):
    return upstream_file(owner)


def object_urls(document):
    return [
        ("get", reverse("files:card", args=[document.pk])),
        ("post", reverse("files:delete", args=[document.pk])),
    ]


def page_urls():
    return [
        ("get", reverse("files:files")),
        ("get", reverse("files:picker")),
        ("post", reverse("files:create")),
    ]


def test_the_owner_reaches_every_url(client, owner, document):
    client.force_login(owner)
    assert client.get(reverse("files:files")).status_code == 200
    assert client.get(reverse("files:picker")).status_code == 200
    assert client.get(reverse("files:card", args=[document.pk])).status_code == 200
    assert client.post(reverse("files:create")).status_code == 400  # an empty form
    response = client.post(reverse("files:delete", args=[document.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("files:files")
    assert not UpstreamFile.objects.filter(pk=document.pk).exists()


def test_another_user_gets_404_for_the_owners_files(client, other_user, document):
    client.force_login(other_user)
    for method, url in object_urls(document):
        assert getattr(client, method)(url).status_code == 404, url
    assert UpstreamFile.objects.filter(pk=document.pk).exists()


def test_another_user_sees_only_their_own_files(client, other_user, document):
    mine = upstream_file(other_user, name="my-notes.txt", source_url="https://example.com/n.txt")
    client.force_login(other_user)
    for url in (reverse("files:files"), reverse("files:picker")):
        page = client.get(url).content.decode()
        assert "my-notes.txt" in page
        assert "annual-report.pdf" not in page, url
    assert client.get(reverse("files:card", args=[mine.pk])).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, document):
    for method, url in page_urls() + object_urls(document):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert UpstreamFile.objects.filter(pk=document.pk).exists()


def test_the_navigation_links_to_the_files_page(client, owner):
    client.force_login(owner)
    page = client.get(reverse("files:files")).content.decode()
    assert f'href="{reverse("files:files")}"' in page


def test_wrong_methods_are_refused(client, owner, document):
    client.force_login(owner)
    assert client.post(reverse("files:files")).status_code == 405
    assert client.get(reverse("files:create")).status_code == 405
    assert client.get(reverse("files:delete", args=[document.pk])).status_code == 405
